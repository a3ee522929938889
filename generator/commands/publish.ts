/** `stachub publish DIR --to s3://BUCKET/PREFIX`: incremental, ordered upload of a built catalog. */
import path from 'node:path';
import { Option, type Command } from 'commander';
import { UsageError } from '../errors.js';
import { isUrlTarget, publishFiles, publishOptionsFromEnv, positiveInt, readOutputDir } from '../publish/index.js';
import { DEFAULT_CACHE_CONTROL } from '../publish/cache-control.js';
import type { RegisterCommand } from './context.js';

export interface PublishFlags {
  to?: string;
  endpoint?: string;
  region?: string;
  pathStyle?: boolean;
  concurrency?: string;
  retries?: string;
  cacheControlEntry?: string;
  cacheControl?: string;
  dryRun?: boolean;
}

/** Adds the publish options to a command (shared with `stachub build --publish`). */
export function addPublishOptions(cmd: Command): Command {
  return cmd
    .option('--endpoint <url>', 'S3-compatible endpoint, e.g. http://minio:9000 (env AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL; default AWS)')
    .option('--region <region>', 'bucket region (env AWS_REGION, AWS_DEFAULT_REGION; default us-east-1)')
    .addOption(new Option('--path-style', 'path-style URLs (endpoint/bucket/key); default on when --endpoint is set (env STACHUB_S3_PATH_STYLE)'))
    .addOption(new Option('--no-path-style', 'virtual-hosted URLs (bucket.endpoint/key)'))
    .option('--concurrency <n>', 'uploads in flight at once (env STACHUB_PUBLISH_CONCURRENCY; default 16)')
    .option('--retries <n>', 'attempts per request, with exponential backoff (env AWS_MAX_ATTEMPTS; default 5)')
    .option('--cache-control-entry <value>', `Cache-Control of entry points: root folder, catalogs, collections (default "${DEFAULT_CACHE_CONTROL.entry}")`)
    .option('--cache-control <value>', `Cache-Control of every other file (default "${DEFAULT_CACHE_CONTROL.other}")`)
    .option('--dry-run', 'print the plan (uploads in order, deletions) without writing anything');
}

/** Resolve flags + environment into publish options (flags win). */
export function resolvePublishFlags(flags: PublishFlags, to: string, env: NodeJS.ProcessEnv, cwd: string) {
  const base = publishOptionsFromEnv(
    {
      endpoint: flags.endpoint,
      region: flags.region,
      pathStyle: flags.pathStyle,
      concurrency: positiveInt(flags.concurrency, '--concurrency'),
      maxAttempts: positiveInt(flags.retries, '--retries'),
      cacheControl: {
        entry: flags.cacheControlEntry ?? DEFAULT_CACHE_CONTROL.entry,
        other: flags.cacheControl ?? DEFAULT_CACHE_CONTROL.other,
      },
      dryRun: flags.dryRun,
    },
    env,
  );
  // A directory target is relative to the command's working directory; URLs are kept as given.
  return { ...base, to: isUrlTarget(to) ? to : path.resolve(cwd, to) };
}

export const registerPublish: RegisterCommand = (program, ctx) => {
  const cmd = program
    .command('publish')
    .description(
      'Upload a built catalog: only changed files, leaves first and entry points last, then delete the ' +
        'files of the previous publish that this build no longer has (never anything stachub did not write). ' +
        'Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or the SDK default chain). Exit 5 when publishing fails.',
    )
    .argument('<dir>', 'the output directory of `stachub build`')
    .option('--to <target>', 's3://BUCKET/PREFIX, or a directory (env STACHUB_PUBLISH_TO)');
  addPublishOptions(cmd).action(async (dir: string, flags: PublishFlags) => {
    const to = flags.to ?? ctx.env.STACHUB_PUBLISH_TO;
    if (!to) throw new UsageError('publish needs --to s3://BUCKET/PREFIX (or STACHUB_PUBLISH_TO)');
    const options = resolvePublishFlags(flags, to, ctx.env, ctx.cwd);
    const files = await readOutputDir(path.resolve(ctx.cwd, dir));
    if (files.length === 0) throw new UsageError(`${dir} is empty: nothing to publish`);
    await publishFiles(files, options, ctx);
  });
};
