/**
 * `stachub merge PARTIAL_DIR... --out DIR`: join the partial outputs of a sharded build
 * (`stachub build --shard I/N`) into the full catalog, site and report, through the same pure
 * stages as a one-job build.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { assemble, collect, resolveSite, type BuildOptions } from '../build.js';
import { EXIT, UsageError } from '../errors.js';
import { createRegistry, readRegistry } from '../mlflow/index.js';
import { writeOutputDir } from '../output.js';
import { publishFiles } from '../publish/index.js';
import {
  createPartial,
  decodePartial,
  inShard,
  mergePartials,
  PARTIAL_FILE,
  partialOutputFile,
  type PartialOutput,
  type ShardSpec,
} from '../publish/shard.js';
import { summarize } from '../report.js';
import { StatefulSource, stateFileOf } from '../state/wire.js';
import type { Source } from '../sources/source.js';
import { createSchemaLoader, defaultCacheDir, parseSchemaMap } from '../validate/schemaLoader.js';
import { resolveBuildConfig, type BuildFlags } from './build.js';
import type { CliContext } from './context.js';
import { addPublishOptions, resolvePublishFlags, type PublishFlags } from './publish.js';

/** A merge takes the build's output, registry, validation and publish flags (not its source ones). */
type MergeFlags = Omit<PublishFlags, 'to'> &
  Pick<BuildFlags, 'config' | 'out' | 'baseUrl' | 'mlflowUrl' | 'mlflowExport' | 'schemaMap' | 'catalogType' | 'validate' | 'strict' | 'publish'>;

/** Read the partial output of each folder (or `stachub-partial.json.gz` file) given. */
export async function readPartials(inputs: readonly string[]): Promise<PartialOutput[]> {
  const parts: PartialOutput[] = [];
  for (const input of inputs) {
    const file = input.endsWith('.json.gz') ? input : path.join(input, PARTIAL_FILE);
    let bytes: Uint8Array;
    try {
      bytes = await readFile(file);
    } catch (err) {
      throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    parts.push(decodePartial(bytes, file));
  }
  return parts;
}

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
    .option('--schema-map <url=dir...>', 'validate offline: serve schema URLs under this prefix from a local folder (repeatable)')
    .addOption(new Option('--catalog-type <type>', 'link style of the output').choices(['self-contained', 'relative-published', 'absolute-published']))
    .option('--no-validate', 'skip STAC schema validation (links are still checked)')
    .option('--strict', 'exit 3 when any project has an error or the output does not validate')
    .option('--publish <target>', 'then publish the output to s3://BUCKET/PREFIX (see `stachub publish`)');
  addPublishOptions(cmd).action(async (inputs: string[], flags: MergeFlags) => {
    const merged = mergePartials(await readPartials(inputs));
    const buildFlags: BuildFlags = {
      validate: flags.validate,
      ...(flags.config ? { config: flags.config } : {}),
      ...(flags.out ? { out: flags.out } : {}),
      ...(flags.baseUrl ? { baseUrl: flags.baseUrl } : {}),
      ...(flags.mlflowUrl ? { mlflowUrl: flags.mlflowUrl } : {}),
      ...(flags.mlflowExport ? { mlflowExport: flags.mlflowExport } : {}),
    };
    const config = await resolveBuildConfig(buildFlags, ctx.env);
    const schemaLoader = flags.validate
      ? createSchemaLoader({ map: parseSchemaMap(flags.schemaMap ?? []), cacheDir: defaultCacheDir(ctx.env) })
      : undefined;
    // The projects were read by the shards: this source is only named in the report.
    const source: Source = {
      description: merged.source,
      projects: () => Promise.reject(new Error('merge does not read projects')),
    };
    const log = (line: string): void => ctx.stderr(`stachub: ${line}\n`);
    // The registry is read once for the whole catalog, as a one-job build does.
    const registry = createRegistry(config.mlflow, ctx.env);
    const mlflowRead = registry ? await readRegistry(registry, log, merged.records) : undefined;
    const now = ctx.now();
    const result = await assemble(
      merged.records,
      merged.listing,
      {
        config,
        source,
        ...(schemaLoader ? { schemaLoader } : {}),
        ...(flags.catalogType ? { catalogType: flags.catalogType } : {}),
        now: ctx.now,
        version: ctx.version,
        log,
        ...(mlflowRead ? { mlflowRead } : {}),
        site: resolveSite(config),
      },
      now,
      now.getTime(),
    );
    if (merged.state) {
      // The state of all the shards' projects, as a one-job build writes it (generator/state/wire.ts).
      result.files.push(stateFileOf({ ...merged.listing, entries: result.listing.entries }, config, now.toISOString(), merged.source));
      result.files.sort((a, b) => a.path.localeCompare(b.path));
    }
    await writeOutputDir(config.output.dir, result.files);
    ctx.stderr(summarize(result.report));
    ctx.stderr(`stachub: merged ${inputs.length} shard(s); wrote ${result.files.length} file(s) to ${config.output.dir}\n`);
    const invalid = result.problems.length > 0;
    if (invalid) ctx.stderr(`stachub: the output has ${result.problems.length} validation problem(s); see build-report.json\n`);
    if (invalid || (flags.strict && result.report.counts.error > 0)) {
      ctx.exitCode = EXIT.validation;
      return;
    }
    if (flags.publish) await publishFiles(result.files, resolvePublishFlags(flags, flags.publish, ctx.env), ctx);
  });
};

/**
 * What `stachub build --shard I/N` runs: read the projects of shard I only and write their records
 * as the partial output `<out>/stachub-partial.json.gz` (rendering, validation and the registry
 * join happen once, in `stachub merge`).
 */
export async function buildShard(options: BuildOptions, shard: ShardSpec, outDir: string, ctx: CliContext): Promise<void> {
  const { records, listing } = await collect({ ...options, accept: (fullPath) => inShard(fullPath, shard) });
  // A stateful build (incremental GitLab crawl) keeps a state: the merge writes the joined one.
  const state = options.source instanceof StatefulSource;
  const file = partialOutputFile(createPartial(shard, options.source.description, records, listing, { state }));
  await mkdir(outDir, { recursive: true });
  const target = path.join(outDir, file.path);
  const tmp = `${target}.${process.pid}.tmp`;
  await writeFile(tmp, file.content);
  await rename(tmp, target);
  ctx.stderr(`stachub: shard ${shard.index}/${shard.total}: ${records.length} project(s) read; partial output written to ${target}\n`);
}
