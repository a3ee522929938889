/**
 * Where STAC JSON Schemas come from: a `--schema-map URL=DIR` mirror (offline), else a disk cache,
 * else the network (then cached). A failed fetch is never cached, so a later run retries.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { UsageError } from '../errors.js';
import type { SchemaLoader } from './index.js';

/** Parse `URL=DIR` pairs (the prefix ends with `/`, and so does the folder). */
export function parseSchemaMap(pairs: readonly string[], cwd: string = process.cwd()): Array<[string, string]> {
  return pairs.map((pair) => {
    const i = pair.indexOf('=');
    if (i <= 0 || !/^https?:\/\//.test(pair)) throw new UsageError(`--schema-map: expected URL=DIR, got '${pair}'`);
    return [pair.slice(0, i), path.resolve(cwd, pair.slice(i + 1))] as [string, string];
  });
}

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'stachub', 'schemas');
}

export function createSchemaLoader(options: { map?: Array<[string, string]>; cacheDir?: string; fetch?: typeof fetch; offline?: boolean } = {}): SchemaLoader {
  const memory = new Map<string, Promise<unknown>>();
  const doFetch = options.fetch ?? fetch;
  const load = async (uri: string): Promise<unknown> => {
    const url = uri.replace(/#.*$/, '');
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
    const cacheFile = options.cacheDir ? path.join(options.cacheDir, `${createHash('sha256').update(url).digest('hex').slice(0, 32)}.json`) : undefined;
    if (cacheFile) {
      try {
        return JSON.parse(await readFile(cacheFile, 'utf8'));
      } catch {
        // not cached yet
      }
    }
    if (options.offline) throw new Error(`schema ${url} is not available offline (give --schema-map URL=DIR)`);
    const res = await doFetch(url, { signal: AbortSignal.timeout(30_000) });
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
    let p = memory.get(uri);
    if (!p) {
      p = load(uri);
      memory.set(uri, p);
      p.catch(() => memory.delete(uri)); // evict failures so they can be retried
    }
    return p;
  };
}
