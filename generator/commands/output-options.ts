/**
 * The options `stachub build` and `stachub merge` share (configuration, output, registry,
 * validation, publish), defined once, and the request both make of them for the pipeline.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { ConfigFlags } from '../config.js';
import { UsageError } from '../errors.js';
import type { OutputRequest } from '../pipeline/run.js';
import type { CatalogType } from '../stac/layout.js';
import type { CliContext } from './context.js';
import { addPublishOptions, resolvePublishFlags, type PublishFlags } from './publish.js';

/** The flags of the shared options, as commander parses them. */
export interface OutputFlags extends Omit<PublishFlags, 'to'> {
  config?: string;
  out?: string;
  baseUrl?: string;
  mlflowUrl?: string;
  mlflowExport?: string;
  schemaMap?: string[];
  catalogType?: CatalogType;
  validate: boolean;
  strict?: boolean;
  /** Publish target (`s3://BUCKET/PREFIX`) after a valid build. */
  publish?: string;
  /** Threads that render the pages' READMEs. */
  jobs?: number;
}

/** The shared options, in the order `--help` lists them, worded as `stachub build` describes them. */
const OUTPUT_OPTIONS = {
  config: () => new Option('-c, --config <file>', "configuration file (stachub.config.yml); without it, SharingHub's default categories (env STACHUB_CONFIG)"),
  out: () => new Option('-o, --out <dir>', 'output folder (default: output.dir of the config, else ./public)'),
  baseUrl: () => new Option('--base-url <url>', 'public URL of the output folder: makes a published catalog with absolute self links (env STACHUB_BASE_URL)'),
  mlflowUrl: () => new Option('--mlflow-url <url>', 'join the model registry of this MLflow server (env MLFLOW_TRACKING_URI)'),
  mlflowExport: () => new Option('--mlflow-export <dir>', 'join the model registry from an mlflow-export-import folder'),
  schemaMap: () =>
    new Option('--schema-map <url=dir...>', 'serve schema URLs under this prefix from a local folder instead of the shipped schemas or a download (repeatable)'),
  catalogType: () => new Option('--catalog-type <type>', 'link style of the output').choices(['self-contained', 'relative-published', 'absolute-published']),
  validate: () => new Option('--no-validate', 'skip STAC schema validation (links are still checked)'),
  strict: () => new Option('--strict', 'exit 3 when any project has an error or the output does not validate'),
  jobs: () =>
    new Option('--jobs <n>', 'worker threads that render the project pages\' READMEs beside the main thread, 0 for none (default: one per CPU core but one; env STACHUB_JOBS)').argParser((v) => {
      const n = threadCount(v);
      if (n === undefined) throw new InvalidArgumentError('a whole number of threads, 0 or more');
      return n;
    }),
  publish: () => new Option('--publish <target>', 'after a valid build, publish the output to s3://BUCKET/PREFIX (see `stachub publish` for the options below)'),
} as const;

export type OutputOptionName = keyof typeof OUTPUT_OPTIONS;

export interface OutputOptionsWording {
  /** A command's own description of a shared option. */
  descriptions?: Partial<Record<OutputOptionName, string>>;
  /** Options of the command itself, listed after the named shared one. */
  after?: Partial<Record<OutputOptionName, (cmd: Command) => Command>>;
}

/** Add the shared options (then the publish ones) to a command. */
export function addOutputOptions(cmd: Command, wording: OutputOptionsWording = {}): Command {
  for (const [name, make] of Object.entries(OUTPUT_OPTIONS) as Array<[OutputOptionName, () => Option]>) {
    const option = make();
    const description = wording.descriptions?.[name];
    if (description !== undefined) option.description = description;
    cmd.addOption(option);
    wording.after?.[name]?.(cmd);
  }
  return addPublishOptions(cmd);
}

/** What the shared options ask of the pipeline (the configuration flags are resolved there, by `loadConfig`). */
export function outputRequest(flags: OutputFlags & ConfigFlags, ctx: CliContext): OutputRequest {
  return {
    configFlags: flags,
    validate: flags.validate,
    schemaMap: flags.schemaMap,
    catalogType: flags.catalogType,
    strict: flags.strict,
    publishTo: flags.publish,
    jobs: flags.jobs ?? positiveJobs(ctx.env.STACHUB_JOBS),
    publishOptions: (to) => resolvePublishFlags(flags, to, ctx.env, ctx.cwd),
  };
}

/** A number of threads as `--jobs` and `STACHUB_JOBS` take it: a whole number, 0 or more; else undefined. */
function threadCount(v: string): number | undefined {
  const n = Number(v);
  return v.trim() !== '' && Number.isInteger(n) && n >= 0 ? n : undefined;
}

/** `STACHUB_JOBS`, when set (anything but a number of threads is a usage error). */
function positiveJobs(v: string | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = threadCount(v);
  if (n === undefined) throw new UsageError(`STACHUB_JOBS: ${JSON.stringify(v)} is not a whole number of threads (0 or more)`);
  return n;
}
