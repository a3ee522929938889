/** Publish targets given on the command line: `s3://bucket/prefix` or a directory. */
import { UsageError } from '../errors.js';

export interface S3Target {
  kind: 's3';
  bucket: string;
  /** Without leading or trailing `/`; '' for the bucket root. */
  prefix: string;
}

/** Parse `s3://BUCKET[/PREFIX]`. Bucket names follow S3's rules (3-63 chars, lower case, digits, `.-`). */
export function parseS3Url(url: string): S3Target {
  const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(url.trim());
  if (!m) throw new UsageError(`--to must look like s3://BUCKET/PREFIX, got ${JSON.stringify(url)}`);
  const bucket = m[1]!;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new UsageError(`invalid S3 bucket name ${JSON.stringify(bucket)} (3-63 characters: a-z, 0-9, '.', '-')`);
  }
  const prefix = (m[2] ?? '').replace(/^\/+|\/+$/g, '');
  if (prefix.split('/').some((s) => s === '..' || s === '.') || prefix.includes('//')) {
    throw new UsageError(`invalid S3 prefix ${JSON.stringify(prefix)}`);
  }
  return { kind: 's3', bucket, prefix };
}
