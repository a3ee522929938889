/**
 * Every CLI command, in the order `stachub --help` lists them. Each is loaded only when it runs
 * (or for the full help): `stachub inspect` need not load the build pipeline, the S3 client or the
 * STAC validator, which would cost it most of its start-up time.
 */
import type { RegisterCommand } from './context.js';

export type { RegisterCommand };

export const commandLoaders: ReadonlyArray<readonly [name: string, load: () => Promise<RegisterCommand>]> = [
  ['build', async () => (await import('./build.js')).registerBuild],
  ['validate', async () => (await import('./validate.js')).registerValidate],
  ['inspect', async () => (await import('./inspect.js')).registerInspect],
  ['lint', async () => (await import('./lint.js')).registerLint],
  ['publish', async () => (await import('./publish.js')).registerPublish],
  ['merge', async () => (await import('./merge.js')).registerMerge],
  ['serve', async () => (await import('./serve.js')).registerServe],
  ['track', async () => (await import('./track.js')).registerTrack],
];

/** The commands needed for `argv`: only the one named, or all of them (help, unknown command). */
export async function loadCommands(argv: readonly string[]): Promise<RegisterCommand[]> {
  const named = argv.slice(2).find((a) => !a.startsWith('-'));
  const only = commandLoaders.filter(([name]) => name === named);
  return Promise.all((only.length > 0 ? only : commandLoaders).map(([, load]) => load()));
}
