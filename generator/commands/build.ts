/** `stachub build`: crawl, generate, validate and render a catalog into a folder. */
import type { Command } from 'commander';
import { runBuild } from '../pipeline/run.js';
import type { CliContext } from './context.js';
import { addOutputOptions, outputRequest, type OutputFlags } from './output-options.js';

export interface BuildFlags extends OutputFlags {
  workspace?: string;
  gitlabUrl?: string;
  stateFrom?: string;
  /** `I/N`: build shard I of N into a partial output (see `stachub merge`). */
  shard?: string;
}

export const registerBuild = (program: Command, ctx: CliContext): void => {
  addOutputOptions(
    program
      .command('build')
      .description('Crawl the projects, generate the STAC catalog and the HTML site, validate them and write them to a folder.'),
    {
      after: {
        baseUrl: (cmd) =>
          cmd
            .option('--workspace <dir>', 'read projects from a local workspace folder instead of the config\'s source')
            .option('--gitlab-url <url>', 'read projects from this GitLab instance (env GITLAB_URL or CI_SERVER_URL; token from GITLAB_TOKEN)'),
        strict: (cmd) =>
          cmd
            .option('--state-from <location>', 'GitLab source: read the previous build state from this folder, s3://BUCKET/PREFIX or URL (env STACHUB_STATE_FROM; default: the --publish target, else the output folder)')
            .option('--shard <i/n>', 'read only shard I of N of the projects and write a partial output for `stachub merge` (default from CI_NODE_INDEX/CI_NODE_TOTAL)'),
      },
    },
  )
    .addHelpText(
      'after',
      `
Examples:
  $ stachub build --config examples/stachub.config.yml --out public
  $ GITLAB_TOKEN=... stachub build --gitlab-url https://gitlab.example.com --out public

Exit codes: 0 ok, 2 usage or config, 3 validation failed (with --strict, or invalid output), 4 source unreachable.
The build report is written to <out>/build-report.json.`,
    )
    .action(async (flags: BuildFlags) => {
      const exitCode = await runBuild(
        { ...outputRequest(flags, ctx), stateFrom: flags.stateFrom ?? ctx.env.STACHUB_STATE_FROM, shard: flags.shard },
        ctx,
      );
      if (exitCode !== undefined) ctx.exitCode = exitCode;
    });
};
