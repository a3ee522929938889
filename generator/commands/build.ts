/** `stachub build`: crawl, generate, validate and render a catalog into a folder. */
import { Option, type Command } from 'commander';
import { build } from '../build.js';
import { applyOverrides, defaultConfig, loadConfigFile, type Config } from '../config.js';
import { UsageError, EXIT } from '../errors.js';
import { OutputDirWriter } from '../output.js';
import { summarize } from '../report.js';
import type { Source } from '../sources/source.js';
import { WorkspaceSource, type FileInspector } from '../sources/workspace.js';
import { fileByteSource, inspectOnnx, OnnxError } from '../onnx/index.js';
import type { CatalogType } from '../stac/layout.js';
import { createSchemaLoader, defaultCacheDir, parseSchemaMap } from '../validate/schemaLoader.js';
import { createRegistry } from '../mlflow/index.js';
import type { CliContext } from './context.js';
import type { OutputFile } from '../types.js';
import { StatefulSource, gitlabSourceFromConfig, loadPrevious, s3ReadOptions, stateFileOf } from '../state/wire.js';
import { createProgress } from '../progress.js';
import { publishFiles } from '../publish/index.js';
import { resolveShard } from '../publish/shard.js';
import { buildShard } from './merge.js';
import { addPublishOptions, resolvePublishFlags, type PublishFlags } from './publish.js';

export interface BuildFlags {
  config?: string;
  out?: string;
  baseUrl?: string;
  workspace?: string;
  gitlabUrl?: string;
  stateFrom?: string;
  mlflowUrl?: string;
  mlflowExport?: string;
  schemaMap?: string[];
  catalogType?: CatalogType;
  validate: boolean;
  strict?: boolean;
  /** `I/N`: build shard I of N into a partial output (see `stachub merge`). */
  shard?: string;
  /** Publish target (`s3://BUCKET/PREFIX`) after a valid build. */
  publish?: string;
}

/** Resolve the configuration of a build from its flags and the environment. */
export async function resolveBuildConfig(flags: BuildFlags, env: NodeJS.ProcessEnv): Promise<Config> {
  const configFile = flags.config ?? env.STACHUB_CONFIG;
  const base = configFile ? await loadConfigFile(configFile) : defaultConfig();
  return applyOverrides(
    base,
    {
      ...(flags.workspace ? { workspace: flags.workspace } : {}),
      ...(flags.gitlabUrl ? { gitlabUrl: flags.gitlabUrl } : {}),
      ...(flags.mlflowUrl ? { mlflowUrl: flags.mlflowUrl } : {}),
      ...(flags.mlflowExport ? { mlflowExport: flags.mlflowExport } : {}),
      ...(flags.out ? { out: flags.out } : {}),
      ...(flags.baseUrl ? { baseUrl: flags.baseUrl } : {}),
    },
    env,
  );
}

/** Describe `.onnx` files of a workspace with the metadata scanner; a bad model is a warning on its project. */
export const inspectOnnxFile: FileInspector = async (absolutePath, file) => {
  if (!file.path.toLowerCase().endsWith('.onnx')) return undefined;
  try {
    return { summary: await inspectOnnx(fileByteSource(absolutePath)) };
  } catch (err) {
    const detail = err instanceof OnnxError ? `${err.detail}${err.offset !== undefined ? ` (at byte ${err.offset})` : ''} [${err.code}]` : (err as Error).message;
    return { diagnostic: { level: 'warning', code: 'onnx/unreadable', message: `ONNX model could not be described: ${detail}`, file: file.path } };
  }
};

/** The project source the configuration names. */
export async function createSource(config: Config, env: NodeJS.ProcessEnv, log?: (line: string) => void, now?: () => Date): Promise<Source> {
  const source = config.source;
  if (!source) {
    throw new UsageError('no project source: give --workspace DIR or --gitlab-url URL (or GITLAB_URL / CI_SERVER_URL), or a config file with `source:`');
  }
  if (source.kind === 'workspace') return new WorkspaceSource(source.dir, inspectOnnxFile);
  return gitlabSourceFromConfig(source, env, log, now); // generator/state/wire.ts
}

export const registerBuild = (program: Command, ctx: CliContext): void => {
  addPublishOptions(program
    .command('build')
    .description('Crawl the projects, generate the STAC catalog and the HTML site, validate them and write them to a folder.')
    .option('-c, --config <file>', 'configuration file (stachub.config.yml); without it, SharingHub\'s default categories (env STACHUB_CONFIG)')
    .option('-o, --out <dir>', 'output folder (default: output.dir of the config, else ./public)')
    .option('--base-url <url>', 'public URL of the output folder: makes a published catalog with absolute self links (env STACHUB_BASE_URL)')
    .option('--workspace <dir>', 'read projects from a local workspace folder instead of the config\'s source')
    .option('--gitlab-url <url>', 'read projects from this GitLab instance (env GITLAB_URL or CI_SERVER_URL; token from GITLAB_TOKEN)')
    .option('--mlflow-url <url>', 'join the model registry of this MLflow server (env MLFLOW_TRACKING_URI)')
    .option('--mlflow-export <dir>', 'join the model registry from an mlflow-export-import folder')
    .option('--schema-map <url=dir...>', 'validate offline: serve schema URLs under this prefix from a local folder (repeatable)')
    .addOption(new Option('--catalog-type <type>', 'link style of the output').choices(['self-contained', 'relative-published', 'absolute-published']))
    .option('--no-validate', 'skip STAC schema validation (links are still checked)')
    .option('--strict', 'exit 3 when any project has an error or the output does not validate')
    .option('--state-from <location>', 'GitLab source: read the previous build state from this folder, s3://BUCKET/PREFIX or URL (env STACHUB_STATE_FROM; default: the --publish target, else the output folder)')
    .option('--shard <i/n>', 'read only shard I of N of the projects and write a partial output for `stachub merge` (default from CI_NODE_INDEX/CI_NODE_TOTAL)')
    .option('--publish <target>', 'after a valid build, publish the output to s3://BUCKET/PREFIX (see `stachub publish` for the options below)'))
    .addHelpText(
      'after',
      `
Examples:
  $ stachub build --config examples/stachub.config.yml --out public
  $ GITLAB_TOKEN=... stachub build --gitlab-url https://gitlab.example.com --out public

Exit codes: 0 ok, 2 usage or config, 3 validation failed (with --strict, or invalid output), 4 source unreachable.
The build report is written to <out>/build-report.json.`,
    )
    .action(async (flags: BuildFlags & Omit<PublishFlags, 'to'>) => {
      const config = await resolveBuildConfig(flags, ctx.env);
      let source = await createSource(config, ctx.env, (line) => ctx.stderr(`stachub: ${line}\n`), ctx.now);
      // Incremental GitLab crawls (generator/state/wire.ts): the previous state, from where the last catalog went.
      let stateful: StatefulSource | undefined;
      if (config.source?.kind === 'gitlab') {
        const from = flags.stateFrom ?? ctx.env.STACHUB_STATE_FROM ?? flags.publish ?? config.output.dir;
        const s3 = from.startsWith('s3://') ? { s3: s3ReadOptions(resolvePublishFlags(flags, from, ctx.env)) } : {};
        source = stateful = new StatefulSource(source, await loadPrevious(from, s3, (l) => ctx.stderr(`stachub: ${l}\n`)));
      }
      const registry = createRegistry(config.mlflow, ctx.env);
      const schemaLoader = flags.validate
        ? createSchemaLoader({ map: parseSchemaMap(flags.schemaMap ?? []), cacheDir: defaultCacheDir(ctx.env) })
        : undefined;
      const progress = createProgress({ label: 'projects read', isTTY: ctx.isTTY, write: ctx.stderr });
      // Sharded build (generator/publish/shard.ts): this job reads its part; `stachub merge` renders.
      const shard = resolveShard(flags.shard, ctx.env);
      if (shard) {
        const log = (line: string): void => ctx.stderr(`stachub: ${line}\n`);
        await buildShard({ config, source, now: ctx.now, version: ctx.version, log, onProgress: (d, t) => progress.update(d, t) }, shard, config.output.dir, ctx);
        progress.finish();
        return;
      }
      // Without a publish step, files go to the folder as they are made (the pages of a large
      // catalog never sit in memory together); a publish needs them all, so it keeps them.
      const writer = flags.publish ? undefined : new OutputDirWriter(config.output.dir);
      let result: Awaited<ReturnType<typeof build>>;
      try {
        result = await build({
          ...(writer ? { emit: (f: OutputFile) => writer.write(f) } : {}),
          config,
          source,
          ...(schemaLoader ? { schemaLoader } : {}),
          ...(flags.catalogType ? { catalogType: flags.catalogType } : {}),
          now: ctx.now,
          version: ctx.version,
          log: (line) => ctx.stderr(`stachub: ${line}\n`),
          onProgress: (done, total) => progress.update(done, total),
          ...(registry ? { registry } : {}),
        });
      } catch (err) {
        writer?.abort();
        throw err;
      }
      progress.finish();
      const output = writer ?? new OutputDirWriter(config.output.dir);
      const state = stateful?.listing ? stateFileOf(stateful.listing, config, ctx.now().toISOString(), source.description) : undefined;
      try {
        for (const f of result.files) output.write(f);
        if (state) output.write(state);
      } catch (err) {
        output.abort();
        throw err;
      }
      output.commit();
      if (state) result.files.push(state);
      result.files.sort((a, b) => a.path.localeCompare(b.path));
      ctx.stderr(summarize(result.report));
      const { written, unchanged } = output.stats;
      ctx.stderr(`stachub: wrote ${written + unchanged} file(s) to ${config.output.dir} (${written} new or changed, ${unchanged} unchanged)\n`);
      const invalid = result.problems.length > 0;
      if (invalid) {
        ctx.stderr(`stachub: the output has ${result.problems.length} validation problem(s); see build-report.json\n`);
      }
      if (invalid || (flags.strict && result.report.counts.error > 0)) ctx.exitCode = EXIT.validation;
      else if (flags.publish) await publishFiles(result.files, resolvePublishFlags(flags, flags.publish, ctx.env), ctx);
    });
};
