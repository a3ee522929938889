import type { Command } from 'commander';
import type { OpenOutput } from '../output.js';

/**
 * What every command receives: the environment, the working directory and the outputs, handed in
 * by the entry (`main`) so that no module below reads the process, and tests can drive the CLI.
 */
export interface CliContext {
  env: NodeJS.ProcessEnv;
  /** The working directory relative paths on the command line are resolved against. */
  cwd: string;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** True when stderr is a terminal (progress bars) rather than a CI log. */
  isTTY: boolean;
  version: string;
  now: () => Date;
  /** Where `build --out` and `merge --out` write (default: the folder on disk; tests pass `MemoryOutput.open`). */
  output?: OpenOutput;
  /** A command that completes but must report failure sets this (e.g. validate finding problems). */
  exitCode?: number;
}

/** A command file's one export: it adds its command to the program (see index.ts for the order). */
export type RegisterCommand = (program: Command, ctx: CliContext) => void;
