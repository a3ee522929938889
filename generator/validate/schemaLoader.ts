/**
 * Where STAC JSON Schemas come from, in order: a `--schema-map URL=DIR` override, the official
 * schemas shipped with stachub (`schemas/vendor/<host>/<path>`), a disk cache, and last the network
 * (with a short timeout, then cached). Every schema stachub writes or declares by default is shipped,
 * so a build validates fully with no network; only an extension a README declares on its own may
 * need a fetch. Within one run each URL is tried once: a failure is remembered (and said once by the
 * caller), never cached on disk, so a later run retries.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { packageRoot } from '../schemas.js';
import type { SchemaLoader } from './index.js';

/** The official schemas shipped in the package, one folder per host (see schemas/vendor/README.md). */
export const VENDORED_SCHEMAS_DIR = path.join(packageRoot, 'schemas', 'vendor');

/** How long one schema download may take before the build goes on without it. */
export const DEFAULT_FETCH_TIMEOUT_MS = 5_000;

/** Parse `URL=DIR` pairs (the prefix ends with `/`, and so does the folder). */
export function parseSchemaMap(pairs: readonly string[], cwd: string): Array<[string, string]> {
  return pairs.map((pair) => {
    const i = pair.indexOf('=');
    if (i <= 0 || !/^https?:\/\//.test(pair)) throw new UsageError(`--schema-map: expected URL=DIR, got '${pair}'`);
    return [pair.slice(0, i), path.resolve(cwd, pair.slice(i + 1))] as [string, string];
  });
}

/** The disk cache of downloaded schemas: `$XDG_CACHE_HOME/stachub/schemas` (`~/.cache/stachub/schemas`). */
export function defaultCacheDir(env: NodeJS.ProcessEnv): string {
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'stachub', 'schemas');
}

export interface SchemaLoaderOptions {
  /** `URL prefix -> folder` overrides, tried first. */
  map?: Array<[string, string]>;
  /** The shipped schemas (`<dir>/<host>/<path>`); `false` turns them off. Default: {@link VENDORED_SCHEMAS_DIR}. */
  vendoredDir?: string | false;
  /** Disk cache of downloaded schemas. */
  cacheDir?: string;
  fetch?: typeof fetch;
  /** Never download: a schema that is neither mapped, shipped nor cached is unavailable. */
  offline?: boolean;
  /** Timeout of one download (default {@link DEFAULT_FETCH_TIMEOUT_MS}). */
  timeoutMs?: number;
}

/**
 * The file under `root` that mirrors `url` (`https://host/a/b.json` -> `root/host/a/b.json`), or
 * undefined when the URL cannot name a file there (no `..` escapes, no odd hosts).
 */
export function mirrorPath(root: string, url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return undefined;
  if (!/^[a-z0-9.-]+$/i.test(u.hostname) || u.port !== '' || u.search !== '') return undefined;
  const segments = u.pathname.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '.' || s === '..' || s.includes('\\') || s.includes('%'))) return undefined;
  return path.join(root, u.hostname.toLowerCase(), ...segments);
}

export function createSchemaLoader(options: SchemaLoaderOptions = {}): SchemaLoader {
  const memory = new Map<string, Promise<unknown>>();
  const doFetch = options.fetch ?? fetch;
  const vendoredDir = options.vendoredDir === undefined ? VENDORED_SCHEMAS_DIR : options.vendoredDir;
  const timeoutMs = options.timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS;

  const load = async (url: string): Promise<unknown> => {
    for (const [prefix, dir] of options.map ?? []) {
      if (url.startsWith(prefix)) {
        const file = path.join(dir, ...url.slice(prefix.length).split('/'));
        try {
          return JSON.parse(await readFile(file, 'utf8'));
        } catch (err) {
          throw new Error(`schema ${url} is not in the local mirror (${file}): ${(err as Error).message}`);
        }
      }
    }
    const shipped = vendoredDir ? mirrorPath(vendoredDir, url) : undefined;
    if (shipped) {
      try {
        return JSON.parse(await readFile(shipped, 'utf8'));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    const cacheFile = options.cacheDir ? path.join(options.cacheDir, `${createHash('sha256').update(url).digest('hex').slice(0, 32)}.json`) : undefined;
    if (cacheFile) {
      try {
        return JSON.parse(await readFile(cacheFile, 'utf8'));
      } catch {
        // not cached yet
      }
    }
    if (options.offline) throw new Error(`schema ${url} is not shipped with stachub and not available offline (give --schema-map URL=DIR)`);
    let res: Response;
    try {
      res = await doFetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      const e = err as Error;
      const why = e.name === 'TimeoutError' ? `no answer within ${timeoutMs / 1000} s` : (e.cause as Error | undefined)?.message ?? e.message;
      throw new Error(`schema ${url} could not be downloaded: ${why}`);
    }
    if (!res.ok) throw new Error(`schema ${url}: HTTP ${res.status}`);
    const text = await res.text();
    const json = JSON.parse(text) as unknown;
    if (cacheFile) {
      await mkdir(path.dirname(cacheFile), { recursive: true });
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      await writeFile(tmp, text);
      await rename(tmp, cacheFile);
    }
    return json;
  };
  return (uri) => {
    const url = uri.replace(/#.*$/, '');
    let p = memory.get(url);
    if (!p) {
      p = load(url);
      // A failure is remembered for this run (one attempt per URL); nothing failed is written to disk.
      p.catch(() => {});
      memory.set(url, p);
    }
    return p;
  };
}
