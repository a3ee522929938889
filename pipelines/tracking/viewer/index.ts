/**
 * The run viewer of `stachub track`: `GET /` and MLflow UI's routes without the `#/`, answered as
 * server-rendered HTML in the catalog site's look (site/assets/site.css), read-only, without any
 * script, under a strict Content-Security-Policy. Reads follow the API's token rules; the server
 * asks a browser for the token with `WWW-Authenticate: Basic` (any user name, the token as password,
 * as the MLflow client sends it).
 */
import type http from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultSiteDir } from '../../../generator/render/assets.js';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { ArtifactStore } from '../artifacts.js';
import { isUnsafePath } from '../validation.js';
import type { TrackingStore } from '../store.js';
import { experimentsPage, loggedModelPage, modelVersionPage, modelsPage, notFoundPage, proxiedRel, registeredModelPage, runPage, runsPage, type Page } from './pages.js';

/** Sent with every viewer answer: nothing but this server's own styles and images. */
export const VIEWER_CSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/** The realm a browser shows when it asks for the token. */
export const VIEWER_REALM = 'stachub track';

/** Rules the viewer adds to the site's style sheet (pager, column chooser, sort links). */
const VIEWER_CSS = `
.viewer { padding-top: 1rem; padding-bottom: 2rem; }
.viewer .project-main { margin-top: 1rem; }
a.sort { color: inherit; text-decoration: none; }
/* Metric and parameter names are case-sensitive: shown as logged. */
.viewer thead th { text-transform: none; letter-spacing: 0; font-size: .85rem; }
a.sort:hover, a.sort:focus-visible { text-decoration: underline; }
.views ul, .pager ul { list-style: none; display: flex; flex-wrap: wrap; gap: 1rem; padding: 0; margin: .5rem 0; align-items: center; }
.columns { margin: .5rem 0 1rem; }
.columns > summary { cursor: pointer; color: var(--link); font-weight: 600; }
.columns-form { display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-end; margin-top: .5rem; }
.columns-form fieldset { border: 1px solid var(--border); border-radius: 8px; display: flex; flex-wrap: wrap; gap: .3rem 1rem; max-width: 100%; }
.status { font-weight: 600; font-size: .85rem; }
.viewer pre { white-space: pre-wrap; overflow-wrap: anywhere; max-height: 24rem; }
`;

interface Asset {
  type: string;
  body: Buffer;
}

let assets: Map<string, Asset> | undefined;

function viewerAssets(): Map<string, Asset> {
  if (!assets) {
    const dir = join(defaultSiteDir(), 'assets');
    assets = new Map([
      ['viewer.css', { type: 'text/css; charset=utf-8', body: Buffer.from(readFileSync(join(dir, 'site.css'), 'utf8') + VIEWER_CSS) }],
      ['favicon.svg', { type: 'image/svg+xml', body: readFileSync(join(dir, 'favicon.svg')) }],
    ]);
  }
  return assets;
}

/** True for the paths the viewer answers (everything else is the API's or unknown). */
export function isViewerPath(pathname: string): boolean {
  return pathname === '/' || pathname === '/models' || /^\/(?:experiments|models|viewer-assets)\//.test(pathname) || pathname === '/experiments';
}

/** A page or asset (`body`), or an artifact file to stream (`artifact`: its path in the artifact store). */
export type ViewerAnswer = { status: number; type: string; body: Buffer } | { artifact: string };

/**
 * The artifact path behind `<run>/artifacts/<file...>` or `<logged model>/artifacts/<file...>`:
 * downloads under the viewer's own paths, so a browser signed in to the viewer gets them too.
 */
function artifactOf(root: string | undefined, rest: string[]): string | undefined {
  if (root === undefined || rest.length === 0 || rest.some((s) => s === '')) return undefined;
  const file = rest.join('/');
  return isUnsafePath(file) ? undefined : `${root}/${file}`;
}

/** The page (or asset) for a viewer path; the store is read, never written. */
export async function viewerResponse(store: TrackingStore, artifacts: ArtifactStore, pathname: string, search: string): Promise<ViewerAnswer> {
  const html = (p: Page): ViewerAnswer => ({ status: p.status, type: 'text/html; charset=utf-8', body: Buffer.from(p.html) });
  let parts: string[];
  try {
    parts = pathname.split('/').slice(1).map(decodeURIComponent);
  } catch {
    return html(notFoundPage('This address is not valid.'));
  }
  if (parts[0] === 'experiments' && parts[2] && parts[3] && parts[4] === 'artifacts') {
    // Downloads: /experiments/<id>/runs/<run>/artifacts/<file...> and /experiments/<id>/models/<model>/artifacts/<file...>
    const [, exp, kind, id] = parts;
    let root: string | undefined;
    if (kind === 'runs') {
      const run = store.run(id!);
      if (run && run.info.experiment_id === exp) root = proxiedRel(run.info.artifact_uri);
    } else if (kind === 'models') {
      const m = store.loggedModel(id!);
      if (m && m.info.experiment_id === exp) root = proxiedRel(m.info.artifact_uri);
    }
    const rel = artifactOf(root, parts.slice(5));
    if (rel !== undefined) return { artifact: rel };
    return html(notFoundPage('No such artifact.'));
  }
  if (parts[parts.length - 1] === '' && parts.length > 1) parts.pop();
  const q = new URLSearchParams(search);
  const [a, b, c, d, e] = parts;
  if (a === 'viewer-assets' && b !== undefined && parts.length === 2) {
    const asset = viewerAssets().get(b);
    if (asset) return { status: 200, type: asset.type, body: asset.body };
  } else if (parts.length === 1 && (a === '' || a === 'experiments')) {
    return html(experimentsPage(store, q));
  } else if (a === 'experiments' && b !== undefined) {
    if (parts.length === 2) return html(runsPage(store, b, q));
    if (c === 'runs' && d !== undefined && parts.length === 4) return html(await runPage(store, artifacts, b, d));
    if (c === 'models' && d !== undefined && parts.length === 4) return html(await loggedModelPage(store, artifacts, b, d));
  } else if (a === 'models') {
    if (parts.length === 1) return html(modelsPage(store));
    if (b !== undefined && parts.length === 2) return html(registeredModelPage(store, b));
    if (b !== undefined && c === 'versions' && d !== undefined && parts.length === 4 && e === undefined) return html(await modelVersionPage(store, artifacts, b, d));
  }
  return html(notFoundPage('There is no page at this address.'));
}

/** Answer a viewer request (GET or HEAD); `authorized` is the API's read rule applied to it. */
export async function serveViewer(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  ctx: { store: TrackingStore; artifacts: ArtifactStore; authorized: boolean },
  pathname: string,
  search: string,
): Promise<void> {
  const base = { 'Content-Security-Policy': VIEWER_CSP, 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'same-origin', 'Cache-Control': 'no-store' };
  const method = req.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD') {
    res.writeHead(405, { ...base, Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('The viewer is read-only.\n');
    return;
  }
  if (!ctx.authorized) {
    const text = 'This tracking server needs its token: sign in with any user name and the token as password.\n';
    res.writeHead(401, { ...base, 'WWW-Authenticate': `Basic realm="${VIEWER_REALM}", charset="UTF-8"`, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
    res.end(method === 'HEAD' ? undefined : text);
    return;
  }
  const out = await viewerResponse(ctx.store, ctx.artifacts, pathname, search);
  if ('artifact' in out) {
    const opened = await ctx.artifacts.open(out.artifact);
    if (opened.kind !== 'file') {
      const page = Buffer.from(notFoundPage('No such artifact.').html);
      res.writeHead(404, { ...base, 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': page.length });
      res.end(method === 'HEAD' ? undefined : page);
      return;
    }
    const name = path.posix.basename(out.artifact).replace(/["\\\r\n]/g, '_');
    res.writeHead(200, {
      ...base,
      'Content-Type': 'application/octet-stream',
      'Content-Disposition': `attachment; filename="${name}"`,
      'Content-Length': opened.size,
    });
    if (method === 'HEAD') {
      opened.stream.destroy();
      res.end();
      return;
    }
    await pipeline(opened.stream, res);
    return;
  }
  res.writeHead(out.status, { ...base, 'Content-Type': out.type, 'Content-Length': out.body.length });
  res.end(method === 'HEAD' ? undefined : out.body);
}
