/** Every CLI command, in the order `stachub --help` lists them. */
import type { Command } from 'commander';
import type { CliContext } from './context.js';
import { registerInspect } from './inspect.js';

export type RegisterCommand = (program: Command, ctx: CliContext) => void;

export const commands: RegisterCommand[] = [registerInspect];
