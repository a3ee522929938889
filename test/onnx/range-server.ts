/**
 * A loopback HTTP file server for the ONNX byte-source tests and the HTTP benchmark.
 * What it guarantees (RFC 9110 §14 single ranges, as GitLab's LFS and object stores serve them):
 * - `GET` with `Range: bytes=a-b` -> 206 with `Content-Range: bytes a-b'/size` (b' clamped to the end),
 *   `bytes=a-` too; a start at or past the end -> 416 with `Content-Range: bytes * /size` (no space);
 * - without Range -> 200 with the whole body;
 * - `mode: 'ignore-range'` answers every request with 200 and the whole body (servers that ignore Range);
 * - `token`: requests without `PRIVATE-TOKEN: <token>` get 401 (GitLab's header);
 * - `redirects`: `path -> URL` answers 302 with that Location.
 * It records each request (path, headers) and the body bytes it managed to send.
 * Files are served from memory or, for big benchmark models, from disk by positioned reads.
 */
import { createReadStream, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RangeServerOptions {
  /** URL path -> bytes, or an absolute file path on disk. */
  files: Record<string, Uint8Array | string>;
  mode?: 'range' | 'ignore-range';
  token?: string;
  redirects?: Record<string, string>;
}

export interface RangeServer {
  url: string;
  requests: { path: string; headers: http.IncomingHttpHeaders }[];
  /** Body bytes written to sockets. */
  sentBytes: number;
  close(): Promise<void>;
}

export async function startRangeServer(opts: RangeServerOptions): Promise<RangeServer> {
  const state = { requests: [] as RangeServer['requests'], sentBytes: 0 };
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    state.requests.push({ path, headers: req.headers });
    const redirect = opts.redirects?.[path];
    if (redirect) {
      res.writeHead(302, { location: redirect }).end();
      return;
    }
    if (opts.token !== undefined && req.headers['private-token'] !== opts.token) {
      res.writeHead(401).end('401 Unauthorized');
      return;
    }
    const file = opts.files[path];
    if (file === undefined) {
      res.writeHead(404).end('not found');
      return;
    }
    const size = typeof file === 'string' ? statSync(file).size : file.length;
    const send = (start: number, end: number): void => {
      if (typeof file === 'string') {
        if (end < start) {
          res.end();
          return;
        }
        const stream = createReadStream(file, { start, end });
        stream.on('data', (chunk) => {
          state.sentBytes += chunk.length;
        });
        res.on('close', () => stream.destroy());
        stream.pipe(res);
      } else {
        // Written in chunks so a client that stops reading really stops the transfer.
        let pos = start;
        const pump = (): void => {
          while (pos <= end) {
            const chunk = file.subarray(pos, Math.min(end + 1, pos + 65536));
            pos += chunk.length;
            state.sentBytes += chunk.length;
            if (!res.write(chunk)) {
              res.once('drain', pump);
              return;
            }
          }
          res.end();
        };
        res.on('close', () => {
          pos = end + 1;
        });
        pump();
      }
    };
    const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (!m || opts.mode === 'ignore-range') {
      res.writeHead(200, { 'content-length': size, 'accept-ranges': 'none' });
      send(0, size - 1);
      return;
    }
    const start = Number(m[1]);
    if (start >= size) {
      res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
      return;
    }
    const end = Math.min(size - 1, m[2] ? Number(m[2]) : size - 1);
    res.writeHead(206, { 'content-range': `bytes ${start}-${end}/${size}`, 'content-length': end - start + 1 });
    send(start, end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return state.requests;
    },
    get sentBytes() {
      return state.sentBytes;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
