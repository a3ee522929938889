/**
 * The `stachub` command line: a thin layer over the pipeline. Each command lives in
 * `commands/<name>.ts`, registers itself on the program and calls one core function.
 * Only this file turns errors into exit codes.
 */
import { Command, CommanderError } from 'commander';
import { EXIT, StachubError } from './errors.js';
import type { CliContext } from './commands/context.js';
import { loadCommands, type RegisterCommand } from './commands/index.js';
import { redact, registerSecretsFromEnv } from './redact.js';

export type { CliContext } from './commands/context.js';

/** Build the commander program with the given commands (see `loadCommands`). */
export function createProgram(ctx: CliContext, commands: readonly RegisterCommand[]): Command {
  const program = new Command('stachub')
    .description(
      'Publish the AI models and datasets of a GitLab instance as a static STAC 1.1.0 catalog and HTML site.',
    )
    .version(ctx.version, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (s) => ctx.stdout(s),
      writeErr: (s) => ctx.stderr(s),
    })
    .exitOverride();
  for (const register of commands) register(program, ctx);
  return program;
}

/** Format an error for the terminal, never with a stack for expected errors. */
export function describeError(err: unknown): string {
  if (err instanceof StachubError) return `stachub: ${err.message}`;
  if (err instanceof Error) return `stachub: unexpected error: ${err.stack ?? err.message}`;
  return `stachub: unexpected error: ${String(err)}`;
}

/**
 * Run the CLI; resolves to the exit code (never calls process.exit, so tests can drive it). The one
 * place that reads the process: its environment and working directory go to the commands in `ctx`.
 */
export async function main(argv: string[], ctx: Partial<CliContext> = {}): Promise<number> {
  const full: CliContext = {
    env: process.env,
    cwd: process.cwd(),
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    isTTY: Boolean(process.stderr.isTTY),
    version: await packageVersion(),
    now: () => new Date(),
    ...ctx,
  };
  // Everything written to stderr (progress, logs, errors, stacks) goes through redaction, with the
  // credentials of the environment known before any command runs.
  registerSecretsFromEnv(full.env);
  const writeErr = full.stderr;
  full.stderr = (s) => writeErr(redact(s));
  const program = createProgram(full, await loadCommands(argv));
  try {
    await program.parseAsync(argv);
    return full.exitCode ?? EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit through here with code 0.
      if (err.exitCode === 0) return EXIT.ok;
      return EXIT.usage;
    }
    full.stderr(describeError(err) + '\n');
    return err instanceof StachubError ? err.exitCode : EXIT.unexpected;
  }
}

async function packageVersion(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  // Source (generator/cli.ts) and compiled (dist/generator/cli.js) sit at different depths.
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(await readFile(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version: string };
      if (pkg.name === 'stachub') return pkg.version;
    } catch {
      // try the next candidate
    }
  }
  return '0.0.0';
}
