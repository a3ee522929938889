/**
 * `stachub merge PARTIAL_DIR... --out DIR`: join the partial outputs of a sharded build
 * (`stachub build --shard I/N`) into the full catalog, site and report, through the same pure
 * stages as a one-job build.
 */
import type { Command } from 'commander';
import { runMerge } from '../pipeline/run.js';
import type { CliContext } from './context.js';
import { addOutputOptions, outputRequest, type OutputFlags } from './output-options.js';

export const registerMerge = (program: Command, ctx: CliContext): void => {
  const cmd = program
    .command('merge')
    .description(
      'Join the partial outputs of `stachub build --shard I/N` (one folder per shard) into the full catalog, site and report. ' +
        'The result is the same, byte for byte, as a one-job build of the same projects.',
    )
    .argument('<partial...>', 'output folders of the shards (each holds stachub-partial.json.gz)');
  // A merge reads no projects: it takes the build's output, registry, validation and publish options, not its source ones.
  addOutputOptions(cmd, {
    descriptions: {
      config: 'the configuration the shards were built with (env STACHUB_CONFIG)',
      baseUrl: 'public URL of the output folder (env STACHUB_BASE_URL)',
      mlflowUrl: 'join the model registry of this MLflow server (env MLFLOW_TRACKING_URI); read once, here, not by the shards',
      publish: 'then publish the output to s3://BUCKET/PREFIX (see `stachub publish`)',
    },
  }).action(async (inputs: string[], flags: OutputFlags) => {
    const exitCode = await runMerge(inputs, outputRequest(flags, ctx), ctx);
    if (exitCode !== undefined) ctx.exitCode = exitCode;
  });
};
