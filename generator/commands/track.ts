/**
 * `stachub track`: run the MLflow-compatible tracking shim (pipelines/tracking) until SIGINT/SIGTERM.
 */
import path from 'node:path';
import { StachubError, UsageError } from '../errors.js';
import { registerSecret } from '../redact.js';
import type { RegisterCommand } from './context.js';
import type { CliContext } from './context.js';
import { StoreInUseError } from '../../pipelines/tracking/errors.js';
import { startTrackingServer, type TrackingServer } from '../../pipelines/tracking/server.js';
import { registerTrackExport } from './track-export.js';
import { runUntilSignal } from './until-signal.js';

/** Options after flags and environment are combined. */
export interface TrackOptions {
  port: number;
  host: string;
  storeDir: string;
  token?: string;
  anonymousReads: boolean;
  /** `s3://bucket/prefix` for proxied artifacts, instead of the store folder. */
  artifactsDestination?: string;
  s3Endpoint?: string;
  region?: string;
}

interface TrackFlags {
  port?: string;
  host?: string;
  store?: string;
  token?: string;
  anonymousReads?: boolean;
  artifactsDestination?: string;
  s3Endpoint?: string;
}

/** Flags win over the environment; the environment over the defaults. */
export function resolveTrackOptions(flags: TrackFlags, env: NodeJS.ProcessEnv, cwd: string): TrackOptions {
  // An empty variable counts as unset (CI templates often define them empty).
  const e = (name: string): string | undefined => (env[name] === '' ? undefined : env[name]);
  const portText = flags.port ?? e('STACHUB_TRACK_PORT') ?? e('PORT') ?? '5000';
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) throw new UsageError(`--port must be a TCP port number (0-65535), got '${portText}'`);
  const token = flags.token ?? e('STACHUB_TRACK_TOKEN') ?? e('MLFLOW_TRACKING_TOKEN');
  registerSecret(token);
  const anon = flags.anonymousReads ?? /^(1|true|yes)$/i.test(env['STACHUB_TRACK_ANONYMOUS_READS'] ?? '');
  const opts: TrackOptions = {
    port: Number(portText),
    host: flags.host ?? e('STACHUB_TRACK_HOST') ?? '127.0.0.1',
    storeDir: path.resolve(cwd, flags.store ?? e('STACHUB_TRACK_STORE') ?? 'tracking-store'),
    token: token === '' ? undefined : token,
    anonymousReads: anon,
    artifactsDestination: flags.artifactsDestination ?? e('STACHUB_TRACK_ARTIFACTS_DESTINATION'),
    s3Endpoint: flags.s3Endpoint ?? e('MLFLOW_S3_ENDPOINT_URL') ?? e('AWS_ENDPOINT_URL_S3') ?? e('AWS_ENDPOINT_URL'),
    region: e('AWS_REGION') ?? e('AWS_DEFAULT_REGION'),
  };
  if (opts.artifactsDestination !== undefined && !/^s3:\/\/[^/]+/.test(opts.artifactsDestination)) {
    throw new UsageError(`--artifacts-destination must be s3://bucket[/prefix], got '${opts.artifactsDestination}'`);
  }
  return opts;
}

/** Start the server and report how to use it; the caller decides when to close it. */
export async function startTrack(options: TrackOptions, ctx: CliContext): Promise<TrackingServer> {
  let server: TrackingServer;
  try {
    server = await startTrackingServer({
      port: options.port,
      host: options.host,
      storeDir: options.storeDir,
      token: options.token,
      anonymousReads: options.anonymousReads,
      // Tuning only (tests, benchmarks): journal bytes before a compaction.
      compactAfterBytes: ctx.env['STACHUB_TRACK_COMPACT_BYTES'] ? Number(ctx.env['STACHUB_TRACK_COMPACT_BYTES']) : undefined,
      artifactsDestination: options.artifactsDestination,
      s3: { endpoint: options.s3Endpoint, region: options.region },
      log: (line) => ctx.stderr(line + '\n'),
    });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new UsageError(`port ${options.port} on ${options.host} is already in use`, { cause: err });
    if (code === 'EACCES') throw new UsageError(`not allowed to listen on ${options.host}:${options.port}`, { cause: err });
    if (err instanceof StoreInUseError) throw new UsageError(err.message, { cause: err });
    throw new StachubError(`could not start the tracking server: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const rec = server.store.recovery;
  ctx.stderr(`stachub track: store ${options.storeDir} (${rec.records} records`);
  if (rec.tornBytes > 0) ctx.stderr(`; dropped a torn final record of ${rec.tornBytes} bytes`);
  if (rec.corruptLines > 0) ctx.stderr(`; skipped ${rec.corruptLines} corrupt records`);
  if (rec.failedRecords > 0) ctx.stderr(`; ${rec.failedRecords} records no longer applied and were skipped, the first: ${rec.firstFailure ?? 'unknown'}`);
  ctx.stderr(`; artifacts in ${server.artifacts.description})\n`);
  if (!options.token) ctx.stderr('stachub track: no token set (--token, STACHUB_TRACK_TOKEN): anyone who can reach the port can write\n');
  else ctx.stderr(`stachub track: writes need the token${options.anonymousReads ? '; reads are open' : ', reads too'}\n`);
  ctx.stdout(`MLFLOW_TRACKING_URI=${server.url}\n`);
  return server;
}

export const registerTrack: RegisterCommand = (program, ctx) => {
  const track = program
    .command('track')
    .description(
      'Run the MLflow-compatible tracking server: point the MLflow client at the printed MLFLOW_TRACKING_URI. ' +
        'Runs, metrics, params, tags, logged models and the model registry are kept in the store directory, artifacts too.',
    )
    .option('--port <n>', 'TCP port to listen on (env STACHUB_TRACK_PORT or PORT; default 5000, 0 picks a free port)')
    .option('--host <host>', 'interface to listen on (env STACHUB_TRACK_HOST; default 127.0.0.1, use 0.0.0.0 for all)')
    .option('--store <dir>', 'store directory: journal and artifacts (env STACHUB_TRACK_STORE; default ./tracking-store)')
    .option(
      '--token <token>',
      'token clients must send (Bearer, or Basic with the token as password) to write, and to read unless --anonymous-reads ' +
        '(env STACHUB_TRACK_TOKEN or MLFLOW_TRACKING_TOKEN; default none: open to anyone who can reach the port)',
    )
    .option('--anonymous-reads', 'let clients without the token read (env STACHUB_TRACK_ANONYMOUS_READS=true)')
    .option(
      '--artifacts-destination <s3url>',
      'keep proxied artifacts in s3://bucket/prefix instead of the store folder (env STACHUB_TRACK_ARTIFACTS_DESTINATION; ' +
        'credentials from the AWS SDK chain: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_PROFILE...; region AWS_REGION)',
    )
    .option('--s3-endpoint <url>', 'S3-compatible endpoint for --artifacts-destination (env MLFLOW_S3_ENDPOINT_URL, AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL)')
    .action(async (flags: TrackFlags) => {
      const options = resolveTrackOptions(flags, ctx.env, ctx.cwd);
      await runUntilSignal(
        () => startTrack(options, ctx),
        (server) => {
          ctx.stderr('stachub track: shutting down\n');
          return server.close();
        },
      );
    });
  registerTrackExport(track, ctx);
};
