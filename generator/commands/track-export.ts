/**
 * `stachub track export --store DIR --out EXPORT`: the tracking store in mlflow-export-import's
 * layout (pipelines/tracking/export.ts), for moving to a real MLflow server with the tool's
 * `import-experiments` / `import-models`, or for building a catalog from a folder.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { SourceUnreachableError, StachubError } from '../errors.js';
import type { CliContext } from './context.js';
import { MlflowError } from '../../pipelines/tracking/errors.js';
import { exportStore } from '../../pipelines/tracking/export.js';
import { JOURNAL_FILE } from '../../pipelines/tracking/store.js';

interface ExportFlags {
  store?: string;
  out?: string;
  trackingUri?: string;
  s3Endpoint?: string;
}

/** Add `export` under the `track` command. */
export function registerTrackExport(track: Command, ctx: CliContext): void {
  track
    .command('export')
    .description(
      "Write the whole tracking store (experiments, runs with full metric histories, artifacts, logged models, registered models with versions and aliases) in mlflow-export-import's layout: " +
        'load it into an MLflow server with import-experiments / import-models, or build a catalog from it with --mlflow-export.',
    )
    .option('--store <dir>', 'store directory of stachub track (env STACHUB_TRACK_STORE; default ./tracking-store)')
    .requiredOption('--out <dir>', 'export folder to create (must be missing or empty)')
    .option('--tracking-uri <url>', 'tracking URI recorded in the export files (default: the store folder)')
    .option('--s3-endpoint <url>', 'S3-compatible endpoint when the store keeps artifacts in S3 (env MLFLOW_S3_ENDPOINT_URL or AWS_ENDPOINT_URL)')
    .action(async (flags: ExportFlags) => {
      const e = (name: string): string | undefined => (ctx.env[name] === '' ? undefined : ctx.env[name]);
      // `track` has a --store of its own, and commander gives it the flag wherever it stands.
      const store = flags.store ?? (track.opts() as { store?: string }).store;
      const storeDir = path.resolve(ctx.cwd, store ?? e('STACHUB_TRACK_STORE') ?? 'tracking-store');
      if (!existsSync(path.join(storeDir, JOURNAL_FILE))) throw new SourceUnreachableError(`${storeDir} is not a stachub track store (no ${JOURNAL_FILE})`);
      const outDir = path.resolve(ctx.cwd, flags.out!);
      try {
        const s = await exportStore({
          storeDir,
          outDir,
          packageVersion: ctx.version,
          now: () => ctx.now().getTime(),
          ...(flags.trackingUri ? { trackingUri: flags.trackingUri } : {}),
          s3: { endpoint: flags.s3Endpoint ?? e('MLFLOW_S3_ENDPOINT_URL') ?? e('AWS_ENDPOINT_URL_S3') ?? e('AWS_ENDPOINT_URL'), region: e('AWS_REGION') ?? e('AWS_DEFAULT_REGION') },
        });
        ctx.stderr(
          `stachub track export: ${s.experiments} experiment(s), ${s.runs} run(s), ${s.metricPoints} metric point(s), ` +
            `${s.artifactFiles} artifact file(s) (${s.artifactBytes} bytes), ${s.loggedModels} logged model(s), ` +
            `${s.registeredModels} registered model(s) with ${s.versions} version(s) and ${s.aliases} alias(es)\n`,
        );
        ctx.stdout(`${outDir}\n`);
      } catch (err) {
        // An MLflow error is the store's answer to one request; here it means the export failed.
        if (err instanceof StachubError && !(err instanceof MlflowError)) throw err;
        throw new StachubError(`export failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
    });
}
