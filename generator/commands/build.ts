/** `stachub build`: crawl, generate, validate and render a catalog into a folder. */
import { Option, type Command } from 'commander';
import { runBuild } from '../pipeline/run.js';
import type { CatalogType } from '../stac/layout.js';
import type { CliContext } from './context.js';
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
    .option('--schema-map <url=dir...>', 'serve schema URLs under this prefix from a local folder instead of the shipped schemas or a download (repeatable)')
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
      const exitCode = await runBuild(
        {
          configFlags: flags,
          validate: flags.validate,
          schemaMap: flags.schemaMap,
          catalogType: flags.catalogType,
          strict: flags.strict,
          stateFrom: flags.stateFrom ?? ctx.env.STACHUB_STATE_FROM,
          shard: flags.shard,
          publishTo: flags.publish,
          publishOptions: (to) => resolvePublishFlags(flags, to, ctx.env),
        },
        ctx,
      );
      if (exitCode !== undefined) ctx.exitCode = exitCode;
    });
};
