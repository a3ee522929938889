/**
 * The previous build's state, read for an incremental GitLab crawl from where the last catalog went
 * (a folder, `s3://bucket/prefix` through the publish stage's S3 store, or the published catalog's
 * URL). The state stage itself knows no store: the S3 reader is made here and passed in.
 */
import { S3ObjectStore, type S3StoreOptions } from '../publish/s3-store.js';
import { parseS3Url } from '../publish/target.js';
import { readState as readStateWith, writeState, type ReadStateResult, type S3FileReader } from '../state/io.js';
import { previousFromState } from '../state/state.js';
import type { PreviousProject } from '../sources/source.js';

export { writeState };

/** Where a state may be read from: the S3 connection for `s3://` locations (bucket from the location). */
export interface StateReadOptions {
  s3?: Omit<S3StoreOptions, 'bucket'>;
  fetch?: typeof fetch;
}

/** Read a file below `s3://bucket/prefix` through the publish stage's S3 store. */
export function s3FileReader(s3: Omit<S3StoreOptions, 'bucket'> = {}): S3FileReader {
  return async (location, file) => {
    const t = parseS3Url(location);
    const key = t.prefix ? `${t.prefix}/${file}` : file;
    return { from: `s3://${t.bucket}/${key}`, bytes: await new S3ObjectStore({ ...s3, bucket: t.bucket }).get(key) };
  };
}

/** Read `stachub-state.json.gz` from a folder, `s3://bucket/prefix` or an `http(s)://` catalog URL. */
export function readState(location: string, opts: StateReadOptions = {}): Promise<ReadStateResult> {
  return readStateWith(location, { s3: s3FileReader(opts.s3), ...(opts.fetch ? { fetch: opts.fetch } : {}) });
}

/**
 * The previous build's projects, read from `location` (a folder, `s3://bucket/prefix`, or the
 * published catalog's URL). Missing or unusable state: an empty map (a full crawl), with a log line.
 */
export async function loadPrevious(
  location: string,
  opts: StateReadOptions = {},
  log: (line: string) => void = () => {},
): Promise<Map<number, PreviousProject>> {
  const r = await readState(location, opts);
  if (r.warning) log(r.warning);
  else if (!r.state) log(`no previous state at ${r.from}: full crawl`);
  else log(`previous state from ${r.from}: ${r.state.projects.length} project(s)`);
  return previousFromState(r.state);
}

/** S3 connection for reading the state, from the resolved publish options (endpoint, region, path style). */
export function s3ReadOptions(o: { endpoint?: string | undefined; region?: string; pathStyle?: boolean; maxAttempts?: number }): NonNullable<StateReadOptions['s3']> {
  return {
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
    ...(o.region ? { region: o.region } : {}),
    ...(o.pathStyle !== undefined ? { forcePathStyle: o.pathStyle } : {}),
    ...(o.maxAttempts ? { maxAttempts: o.maxAttempts } : {}),
  };
}
