/**
 * Reading the previous build's state back from where the last catalog went: a local folder, an S3
 * prefix (`s3://bucket/prefix`, through the object store the caller passes in: the pipeline gives
 * the publish stage's S3 store) or the published catalog's URL.
 * A missing state means a full crawl; an unreadable one too, with a warning (never a failed build).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { STATE_FILE, decodeState, encodeState, type BuildState } from './state.js';

/** Reads a file below an `s3://bucket/prefix` location: where it looked (no credentials) and its bytes (null: none). */
export type S3FileReader = (location: string, file: string) => Promise<{ from: string; bytes: Uint8Array | null }>;

export interface ReadStateOptions {
  /** How `s3://` locations are read (without it, such a location is unreadable: a full crawl). */
  s3?: S3FileReader;
  fetch?: typeof fetch;
}

export interface ReadStateResult {
  state: BuildState | null;
  /** Where it was looked for (no credentials). */
  from: string;
  /** Set when a state was found but could not be used (the build goes on with a full crawl). */
  warning?: string;
}

/** Read `stachub-state.json.gz` from a folder, `s3://bucket/prefix` or an `http(s)://` catalog URL. */
export async function readState(location: string, opts: ReadStateOptions = {}): Promise<ReadStateResult> {
  let bytes: Uint8Array | null;
  let from: string;
  try {
    if (location.startsWith('s3://')) {
      if (!opts.s3) throw new Error('no S3 store to read it from');
      ({ from, bytes } = await opts.s3(location, STATE_FILE));
    } else if (/^https?:\/\//i.test(location)) {
      const u = new URL(location.endsWith('/') ? location : `${location}/`);
      u.username = '';
      u.password = '';
      const url = new URL(STATE_FILE, u).toString();
      from = url;
      const res = await (opts.fetch ?? fetch)(url, { signal: AbortSignal.timeout(60_000) });
      if (res.status === 404 || res.status === 403) {
        await res.body?.cancel();
        bytes = null;
      } else if (!res.ok) {
        await res.body?.cancel();
        return { state: null, from, warning: `previous state at ${from} could not be read (HTTP ${res.status}); full crawl` };
      } else bytes = new Uint8Array(await res.arrayBuffer());
    } else {
      const file = path.join(location, STATE_FILE);
      from = file;
      try {
        bytes = new Uint8Array(await readFile(file));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') bytes = null;
        else throw err;
      }
    }
  } catch (err) {
    return { state: null, from: location.replace(/\/\/[^/@\s]*@/, '//'), warning: `previous state could not be read (${(err as Error).message}); full crawl` };
  }
  if (!bytes) return { state: null, from };
  try {
    return { state: decodeState(bytes), from };
  } catch (err) {
    return { state: null, from, warning: `previous state at ${from} is not usable (${(err as Error).message}); full crawl` };
  }
}

/** Write the state into a folder (the catalog's output folder). */
export async function writeState(dir: string, state: BuildState): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, STATE_FILE);
  await writeFile(file, encodeState(state));
  return file;
}
