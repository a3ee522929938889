/**
 * `stachub build` and `stachub merge` as the pipeline runs them, once the command has parsed its
 * flags: wire the source, the previous state, the registry and the schema loader, run the build
 * (or one shard of it, or the join of the shards' partial outputs), then the shared tail.
 */
import path from 'node:path';
import { assemble, build, resolveSite, type BuildOptions } from '../build.js';
import { loadConfig, type Config, type ConfigFlags } from '../config.js';
import { readRegistry } from '../mlflow/index.js';
import { createRegistry } from './registry.js';
import { createProgress } from '../progress.js';
import type { PublishIo, PublishOptions } from '../publish/index.js';
import type { Source } from '../sources/source.js';
import { openOutputDir, type OpenOutput, type OutputWriter } from '../output.js';
import type { CatalogType } from '../stac/layout.js';
import { StatefulSource, stateFileOf } from '../state/wire.js';
import { createSchemaLoader, defaultCacheDir, parseSchemaMap } from '../validate/schemaLoader.js';
import { finishBuild } from './finish.js';
import { createSource } from './setup.js';
import { buildShard, mergePartials, readPartials, resolveShard } from './shard.js';
import { loadPrevious, s3ReadOptions } from './state.js';

/** What the pipeline needs of the command line: the outputs, the environment, the working directory, the clock. */
export interface RunIo extends PublishIo {
  /** The working directory relative paths on the command line are resolved against. */
  cwd: string;
  now: () => Date;
  version: string;
  /** Where `--out` goes: a folder on disk unless given (tests keep it in memory: publish/memory-output.ts). */
  output?: OpenOutput | undefined;
}

/** The choices a build and a merge share, as the command parsed them. */
export interface OutputRequest {
  /** The flags that choose the configuration (resolved with the environment by `loadConfig`). */
  configFlags: ConfigFlags;
  /** Validate the output against the STAC schemas (links are checked either way). */
  validate: boolean;
  /** `URL=DIR` pairs: schema URLs served from local folders. */
  schemaMap?: string[] | undefined;
  catalogType?: CatalogType | undefined;
  strict?: boolean | undefined;
  /** Publish target after a valid build. */
  publishTo?: string | undefined;
  /** Threads that render the pages' READMEs (default: one per core). */
  jobs?: number | undefined;
  /** The publish options for a target (S3 connection, cache rules), resolved when needed. */
  publishOptions: (to: string) => PublishOptions;
}

export interface BuildRequest extends OutputRequest {
  /** GitLab sources: where the previous state is (default: the publish target, else the output folder). */
  stateFrom?: string | undefined;
  /** `I/N`: build one shard into a partial output (default from CI_NODE_INDEX/CI_NODE_TOTAL). */
  shard?: string | undefined;
}

/**
 * The build options a build and a merge share: the configuration, the source, the schema loader
 * (when validating), the link style, the clock, the version and the log.
 */
function outputOptions(request: OutputRequest, config: Config, source: Source, io: RunIo, log: (line: string) => void): BuildOptions {
  return {
    config,
    source,
    ...(request.validate
      ? { schemaLoader: createSchemaLoader({ map: parseSchemaMap(request.schemaMap ?? [], io.cwd), cacheDir: defaultCacheDir(io.env) }) }
      : {}),
    ...(request.catalogType ? { catalogType: request.catalogType } : {}),
    ...(request.jobs !== undefined ? { renderJobs: request.jobs } : {}),
    now: io.now,
    version: io.version,
    log,
  };
}

/** Run `stachub build`; returns the exit code it calls for, if any. */
export async function runBuild(request: BuildRequest, io: RunIo): Promise<number | undefined> {
  const config = await loadConfig(request.configFlags, io.env, io);
  const log = (line: string): void => io.stderr(`stachub: ${line}\n`);
  let source = await createSource(config, io, log, io.now);
  // Incremental GitLab crawls (generator/state/): the previous state, from where the last catalog went.
  let stateful: StatefulSource | undefined;
  let previous: Awaited<ReturnType<typeof loadPrevious>> | undefined;
  if (config.source?.kind === 'gitlab') {
    const from = request.stateFrom ?? request.publishTo ?? config.output.dir;
    const s3 = from.startsWith('s3://') ? { s3: s3ReadOptions(request.publishOptions(from)) } : {};
    previous = await loadPrevious(from, s3, log);
    source = stateful = new StatefulSource(source, previous);
  }
  const registry = createRegistry(config.mlflow, io);
  const options: BuildOptions = {
    ...outputOptions(request, config, source, io, log),
    ...(registry ? { registry } : {}),
    ...(previous ? { previous } : {}),
  };
  const progress = createProgress({ label: 'projects read', isTTY: io.isTTY, write: io.stderr });
  const onProgress = (done: number, total: number): void => progress.update(done, total);
  // Sharded build (generator/pipeline/shard.ts): this job reads its part; `stachub merge` renders.
  const shard = resolveShard(request.shard, io.env);
  if (shard) {
    await buildShard({ ...options, onProgress }, shard, config.output.dir, io);
    progress.finish();
    return undefined;
  }
  // Files go to the output (a folder's temporary sibling) as they are made; `finishBuild` puts it in place.
  const writer = (io.output ?? openOutputDir)(config.output.dir);
  const result = await abortOnError(writer, () => build({ ...options, sink: writer, onProgress }));
  progress.finish();
  // The listing as built: a project that failed keeps its previous snapshot in the state.
  const state = stateful?.listing
    ? stateFileOf({ ...result.listing, ...(stateful.listing.marks ? { marks: stateful.listing.marks } : {}) }, config, io.now().toISOString(), source.description)
    : undefined;
  return finishBuild(result, writer, { outDir: config.output.dir, state, strict: request.strict, publish: publishOf(request) }, io);
}

/** Run `stachub merge` over the shards' output folders; returns the exit code it calls for, if any. */
export async function runMerge(inputs: readonly string[], request: OutputRequest, io: RunIo): Promise<number | undefined> {
  const merged = mergePartials(await readPartials(inputs.map((dir) => path.resolve(io.cwd, dir))));
  const config = await loadConfig(request.configFlags, io.env, io);
  // The projects were read by the shards: this source is only named in the report.
  const source: Source = {
    description: merged.source,
    projects: () => Promise.reject(new Error('merge does not read projects')),
  };
  const log = (line: string): void => io.stderr(`stachub: ${line}\n`);
  const options = outputOptions(request, config, source, io, log);
  // The registry is read once for the whole catalog, as a one-job build does.
  const registry = createRegistry(config.mlflow, io);
  const mlflowRead = registry ? await readRegistry(registry, log, merged.records) : undefined;
  const now = io.now();
  const writer = (io.output ?? openOutputDir)(config.output.dir);
  const result = await abortOnError(writer, () =>
    assemble(merged.records, merged.listing, { ...options, ...(mlflowRead ? { mlflowRead } : {}), site: resolveSite(config), sink: writer }, now, now.getTime()),
  );
  // The state of all the shards' projects, as a one-job build writes it (generator/state/wire.ts).
  const state = merged.state ? stateFileOf({ ...merged.listing, entries: result.listing.entries }, config, now.toISOString(), merged.source) : undefined;
  return finishBuild(
    result,
    writer,
    { outDir: config.output.dir, state, strict: request.strict, publish: publishOf(request), lead: `merged ${inputs.length} shard(s); ` },
    io,
  );
}

/** A build that throws leaves no temporary output behind. */
async function abortOnError<T>(writer: OutputWriter, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    writer.abort();
    throw err;
  }
}

function publishOf(request: OutputRequest): (() => PublishOptions) | undefined {
  const to = request.publishTo;
  return to ? () => request.publishOptions(to) : undefined;
}
