/**
 * Publishing entry point shared by `stachub publish` and `stachub build --publish`: turn a target
 * (`s3://bucket/prefix` or a directory) and options into a sink, run it, describe the result.
 */
import type { OutputFile } from '../types.js';
import { UsageError } from '../errors.js';
import { createProgress } from '../progress.js';
import { DEFAULT_CACHE_CONTROL, type CacheControlRules } from './cache-control.js';
import { DirectoryObjectStore } from './directory-store.js';
import { describePlan, uploadCount } from './plan.js';
import { S3ObjectStore } from './s3-store.js';
import { StoreSink, type PublishReport } from './sink.js';
import { parseS3Url } from './target.js';

export { StoreSink, type Sink, type PublishReport } from './sink.js';
export { MemoryObjectStore, type ObjectStore } from './store.js';
export { S3ObjectStore } from './s3-store.js';
export { DirectoryObjectStore } from './directory-store.js';
export { MemoryOutput } from './memory-output.js';
export { readOutputDir } from './read-dir.js';
export { mediaTypeFor } from './media-types.js';

/** Options of a publish, as the CLI resolves them (flags first, then the environment). */
export interface PublishOptions {
  /** `s3://BUCKET/PREFIX` or a local directory. */
  to: string;
  endpoint?: string;
  region?: string;
  /** Default: on when an endpoint is given (S3-compatible stores), off for AWS. */
  pathStyle?: boolean;
  concurrency?: number;
  maxAttempts?: number;
  cacheControl?: CacheControlRules;
  dryRun?: boolean;
}

/** Where the CLI writes and what it knows about the terminal. */
export interface PublishIo {
  env: NodeJS.ProcessEnv;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  isTTY: boolean;
}

/** Resolve the publish options' environment fallbacks (AWS_* names as the AWS CLI and SDKs use them). */
export function publishOptionsFromEnv(
  flags: Partial<PublishOptions> & { pathStyle?: boolean },
  env: NodeJS.ProcessEnv,
): Omit<PublishOptions, 'to'> {
  const endpoint = flags.endpoint ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL ?? undefined;
  const region = flags.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  let pathStyle = flags.pathStyle;
  if (pathStyle === undefined && env.STACHUB_S3_PATH_STYLE !== undefined) {
    pathStyle = !/^(0|false|no|off)$/i.test(env.STACHUB_S3_PATH_STYLE);
  }
  return {
    endpoint: endpoint || undefined,
    region,
    pathStyle: pathStyle ?? Boolean(endpoint),
    concurrency: flags.concurrency ?? positiveInt(env.STACHUB_PUBLISH_CONCURRENCY, 'STACHUB_PUBLISH_CONCURRENCY') ?? 16,
    maxAttempts: flags.maxAttempts ?? positiveInt(env.AWS_MAX_ATTEMPTS, 'AWS_MAX_ATTEMPTS') ?? 5,
    cacheControl: flags.cacheControl ?? DEFAULT_CACHE_CONTROL,
    dryRun: flags.dryRun ?? false,
  };
}

export function positiveInt(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${name} must be a positive integer, got ${JSON.stringify(value)}`);
  return n;
}

/** A publish target given as a URL (`s3://...`, or a scheme stachub refuses) rather than a directory. */
export function isUrlTarget(to: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(to);
}

/** Open the sink for a target. `close` releases network resources. */
export function openSink(options: PublishOptions, env: NodeJS.ProcessEnv): { sink: StoreSink; close: () => void } {
  const sinkOptions = { concurrency: options.concurrency, cacheControl: options.cacheControl };
  if (options.to.startsWith('s3://')) {
    const target = parseS3Url(options.to);
    if (options.endpoint !== undefined && !/^https?:\/\//.test(options.endpoint)) {
      throw new UsageError(`--endpoint must be an http(s) URL, got ${JSON.stringify(options.endpoint)}`);
    }
    const keyId = env.AWS_ACCESS_KEY_ID;
    const secret = env.AWS_SECRET_ACCESS_KEY;
    const store = new S3ObjectStore({
      bucket: target.bucket,
      endpoint: options.endpoint,
      region: options.region,
      forcePathStyle: options.pathStyle,
      maxAttempts: options.maxAttempts,
      credentials: keyId && secret ? { accessKeyId: keyId, secretAccessKey: secret, sessionToken: env.AWS_SESSION_TOKEN || undefined } : undefined,
    });
    return { sink: new StoreSink(store, { ...sinkOptions, prefix: target.prefix }), close: () => store.close() };
  }
  if (isUrlTarget(options.to)) {
    throw new UsageError(`unsupported publish target ${JSON.stringify(options.to)}: use s3://BUCKET/PREFIX or a directory`);
  }
  return { sink: new StoreSink(new DirectoryObjectStore(options.to), sinkOptions), close: () => {} };
}

/** Publish files with progress on stderr and a plan (dry run) or summary on stdout. */
export async function publishFiles(files: readonly OutputFile[], options: PublishOptions, io: PublishIo): Promise<PublishReport> {
  const { sink, close } = openSink(options, io.env);
  try {
    const progress = createProgress({ label: 'uploaded', isTTY: io.isTTY, write: io.stderr });
    let started = false;
    const report = await sink.write(files, {
      dryRun: options.dryRun,
      onUpload: (done, total) => {
        started = true;
        progress.update(done, total);
      },
    });
    if (started) progress.finish();
    if (report.dryRun) io.stdout(describePlan(report.plan, sink.description));
    else io.stdout(summarize(report, sink.description) + '\n');
    return report;
  } finally {
    close();
  }
}

/** One line: what changed and what it cost in requests and time. */
export function summarize(report: PublishReport, target: string): string {
  const r = report.requests;
  return (
    `published to ${target}: ${report.written} uploaded, ${report.skipped} unchanged, ${report.deleted} deleted ` +
    `(${uploadCount(report.plan)} planned, ${report.plan.foreign} foreign object(s) left alone); ` +
    `requests: ${r.list} list, ${r.get} get, ${r.put} put, ${r.delete} delete, ${r.attempts} HTTP attempt(s); ` +
    `${(report.elapsedMs / 1000).toFixed(2)}s`
  );
}
