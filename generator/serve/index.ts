/**
 * The local preview server behind `stachub serve DIR`: it serves a built catalog and site as an
 * object store would: the right Content-Type for STAC JSON, HTML, CSS, JS and images, `index.html`
 * for a folder, CORS open (so a STAC Browser on another origin can read the catalog), and nothing
 * outside DIR.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join, relative, resolve, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import { UsageError } from '../errors.js';
import { contentTypeOf as mediaContentType } from '../media-types.js';

/** A running preview server. */
export interface StaticServer {
  /** `http://127.0.0.1:PORT/` */
  url: string;
  port: number;
  close: () => Promise<void>;
}

/** Content type a file is served with (generator/media-types.ts; STAC items are plain JSON here). */
export function contentTypeOf(path: string): string {
  return mediaContentType(path);
}

/** Start a static server over `dir` on `host:port` (port 0 picks a free port). */
export async function startStaticServer(dir: string, options: { port?: number; host?: string } = {}): Promise<StaticServer> {
  const rootDir = resolve(dir);
  const info = await stat(rootDir).catch(() => null);
  if (!info?.isDirectory()) throw new UsageError(`serve: ${dir} is not a directory`);
  const host = options.host ?? '127.0.0.1';
  const server: Server = createServer((req, res) => {
    // Whatever goes wrong with one request answers that request; it never stops the server.
    handle(rootDir, req.method ?? 'GET', req.url ?? '/', res).catch(() => {
      if (res.headersSent) res.destroy();
      else res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end('internal error');
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, host, () => ok());
  });
  const port = (server.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/`,
    port,
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}

/**
 * Where a folder asked for without its slash redirects: its path below DIR, rebuilt from the
 * resolved folder with every segment percent-encoded. So it is always a path on this server (one
 * leading `/`, never `//host` or `/\\host`), whatever the request held (`%2F%2Fevil.example%2F..`,
 * CR/LF, non-ASCII), and always a valid header value.
 */
export function folderLocation(rootDir: string, folder: string): string {
  const segments = relative(rootDir, folder).split(sep).filter((s) => s !== '');
  return segments.length === 0 ? '/' : `/${segments.map(encodeURIComponent).join('/')}/`;
}

async function handle(rootDir: string, method: string, rawUrl: string, res: import('node:http').ServerResponse): Promise<void> {
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  if (method === 'OPTIONS') {
    res.writeHead(204, { 'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS', 'Access-Control-Allow-Headers': '*' });
    res.end();
    return;
  }
  if (method !== 'GET' && method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD, OPTIONS' });
    res.end();
    return;
  }
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(rawUrl, 'http://localhost').pathname);
  } catch {
    res.writeHead(400).end('bad request');
    return;
  }
  // Never serve outside the directory: resolve, then check the prefix.
  let file = resolve(join(rootDir, pathname));
  if (pathname.includes('\0') || (file !== rootDir && !file.startsWith(rootDir + sep))) {
    res.writeHead(403).end('forbidden');
    return;
  }
  let info = await stat(file).catch(() => null);
  if (info?.isDirectory()) {
    if (!pathname.endsWith('/')) {
      res.writeHead(301, { Location: folderLocation(rootDir, file) });
      res.end();
      return;
    }
    file = join(file, 'index.html');
    info = await stat(file).catch(() => null);
  }
  if (!info?.isFile()) {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('not found');
    return;
  }
  res.writeHead(200, { 'Content-Type': contentTypeOf(file), 'Content-Length': info.size, 'Cache-Control': 'no-cache' });
  if (method === 'HEAD') {
    res.end();
    return;
  }
  const stream = createReadStream(file);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}
