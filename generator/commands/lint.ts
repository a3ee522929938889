/** `stachub lint README.md...`: front-matter problems with line numbers, as project authors see them. */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { loadConfigBase, type Config } from '../config.js';
import { EXIT } from '../errors.js';
import { toRecord } from '../metadata/record.js';
import { recordFields } from '../stac/fields.js';
import type { Diagnostic, ProjectSnapshot } from '../types.js';
import type { CliContext } from './context.js';

/**
 * Lint one README as the build would read it (pure apart from the text given). `now` stands in for
 * the project's creation and last activity: a build fills an open end of `temporal` (and dates left
 * out) from the project's last activity, so a README that builds today lints clean today.
 */
export function lintReadme(text: string, file: string, config: Config, now: string): Diagnostic[] {
  // A neutral project: the README is checked on its own, without GitLab's fallbacks.
  const snapshot: ProjectSnapshot = {
    project: {
      id: 1,
      fullPath: 'lint/readme',
      name: 'readme',
      nameWithNamespace: 'lint / readme',
      description: null,
      topics: [],
      visibility: 'public',
      archived: false,
      webUrl: 'https://gitlab.invalid/lint/readme',
      defaultBranch: 'main',
      createdAt: now,
      lastActivityAt: now,
      starCount: 0,
      license: null,
    },
    readme: { path: file, text },
    files: [],
    release: null,
    packages: [],
    containers: [],
    carried: [],
    onnx: {},
    diagnostics: [],
  };
  const record = toRecord(snapshot, config);
  // Warnings that only make sense with the repository at hand are left to the build.
  const repoOnly = new Set(['assets/no-match', 'preview/missing', 'links/href', 'assets/href']);
  return [...record.diagnostics, ...recordFields(record).diagnostics]
    .filter((d) => !repoOnly.has(d.code))
    .map((d) => ({ ...d, file: d.file ?? file }))
    .sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file ?? ''}${d.line !== undefined ? `:${d.line}` : ''}: ${d.level}: ${d.message} [${d.code}]`;
}

export const registerLint = (program: Command, ctx: CliContext): void => {
  program
    .command('lint')
    .description('Check README front matter against the metadata contract; problems are printed with their line numbers.')
    .argument('<files...>', 'README.md files')
    .option('-c, --config <file>', 'configuration whose extensions and categories apply (env STACHUB_CONFIG)')
    .option('--json', 'print the problems as JSON, one object per file')
    .option('--warnings-as-errors', 'exit non-zero on warnings too')
    .addHelpText('after', '\nExit codes: 0 no error, 3 errors found (or warnings with --warnings-as-errors), 2 unreadable file.')
    .action(async (files: string[], opts: { config?: string; json?: boolean; warningsAsErrors?: boolean }) => {
      const config = await loadConfigBase(opts, ctx.env, ctx);
      let failed = false;
      for (const file of files) {
        let text: string;
        try {
          text = await readFile(file, 'utf8');
        } catch (err) {
          ctx.stderr(`stachub: cannot read ${file}: ${(err as Error).message}\n`);
          ctx.exitCode = EXIT.usage;
          continue;
        }
        const problems = lintReadme(text, file, config, new Date().toISOString());
        if (problems.some((d) => d.level === 'error' || (opts.warningsAsErrors && d.level === 'warning'))) failed = true;
        if (opts.json) ctx.stdout(`${JSON.stringify({ file, problems })}\n`);
        else if (problems.length === 0) ctx.stdout(`${file}: ok\n`);
        else for (const d of problems) ctx.stdout(`${formatDiagnostic(d)}\n`);
      }
      if (failed && ctx.exitCode === undefined) ctx.exitCode = EXIT.validation;
    });
};
