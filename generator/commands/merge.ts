/**
 * `stachub merge PARTIAL_DIR... --out DIR`: join the partial outputs of a sharded build
 * (`stachub build --shard I/N`) into the full catalog, site and report, through the same pure
 * stages as a one-job build.
 */
import { Option, type Command } from 'commander';
import { runMerge } from '../pipeline/run.js';
import type { BuildFlags } from './build.js';
import type { CliContext } from './context.js';
import { addPublishOptions, resolvePublishFlags, type PublishFlags } from './publish.js';

/** A merge takes the build's output, registry, validation and publish flags (not its source ones). */
type MergeFlags = Omit<PublishFlags, 'to'> &
  Pick<BuildFlags, 'config' | 'out' | 'baseUrl' | 'mlflowUrl' | 'mlflowExport' | 'schemaMap' | 'catalogType' | 'validate' | 'strict' | 'publish'>;

export const registerMerge = (program: Command, ctx: CliContext): void => {
  const cmd = program
    .command('merge')
    .description(
      'Join the partial outputs of `stachub build --shard I/N` (one folder per shard) into the full catalog, site and report. ' +
        'The result is the same, byte for byte, as a one-job build of the same projects.',
    )
    .argument('<partial...>', 'output folders of the shards (each holds stachub-partial.json.gz)')
    .option('-c, --config <file>', 'the configuration the shards were built with (env STACHUB_CONFIG)')
    .option('-o, --out <dir>', 'output folder (default: output.dir of the config, else ./public)')
    .option('--base-url <url>', 'public URL of the output folder (env STACHUB_BASE_URL)')
    .option('--mlflow-url <url>', 'join the model registry of this MLflow server (env MLFLOW_TRACKING_URI); read once, here, not by the shards')
    .option('--mlflow-export <dir>', 'join the model registry from an mlflow-export-import folder')
    .option('--schema-map <url=dir...>', 'serve schema URLs under this prefix from a local folder instead of the shipped schemas or a download (repeatable)')
    .addOption(new Option('--catalog-type <type>', 'link style of the output').choices(['self-contained', 'relative-published', 'absolute-published']))
    .option('--no-validate', 'skip STAC schema validation (links are still checked)')
    .option('--strict', 'exit 3 when any project has an error or the output does not validate')
    .option('--publish <target>', 'then publish the output to s3://BUCKET/PREFIX (see `stachub publish`)');
  addPublishOptions(cmd).action(async (inputs: string[], flags: MergeFlags) => {
    const exitCode = await runMerge(
      inputs,
      {
        // A merge reads no projects: only the output, base URL and registry flags choose its configuration.
        configFlags: { config: flags.config, out: flags.out, baseUrl: flags.baseUrl, mlflowUrl: flags.mlflowUrl, mlflowExport: flags.mlflowExport },
        validate: flags.validate,
        schemaMap: flags.schemaMap,
        catalogType: flags.catalogType,
        strict: flags.strict,
        publishTo: flags.publish,
        publishOptions: (to) => resolvePublishFlags(flags, to, ctx.env),
      },
      ctx,
    );
    if (exitCode !== undefined) ctx.exitCode = exitCode;
  });
};
