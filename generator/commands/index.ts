/** Every CLI command, in the order `stachub --help` lists them. */
import type { Command } from 'commander';
import type { CliContext } from './context.js';
import { registerBuild } from './build.js';
import { registerLint } from './lint.js';
import { registerValidate } from './validate.js';
import { registerInspect } from './inspect.js';
import { registerPublish } from './publish.js';
import { registerMerge } from './merge.js';
import { registerServe } from './serve.js';
import { registerTrack } from './track.js';

export type RegisterCommand = (program: Command, ctx: CliContext) => void;

export const commands: RegisterCommand[] = [registerBuild, registerValidate, registerInspect, registerLint, registerPublish, registerMerge, registerServe, registerTrack];
