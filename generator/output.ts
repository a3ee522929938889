/**
 * Writing a build to a local folder, atomically: the files go to a sibling temporary folder that
 * replaces the target only once complete, so a reader never sees a half-written catalog.
 */
import { mkdir, rename, rm, writeFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { StachubError } from './errors.js';
import type { OutputFile } from './types.js';

export async function writeOutputDir(dir: string, files: readonly OutputFile[]): Promise<void> {
  const target = path.resolve(dir);
  const parent = path.dirname(target);
  await mkdir(parent, { recursive: true });
  if (await isNonEmptyForeignDir(target)) {
    throw new StachubError(`refusing to replace ${target}: it is not empty and holds no catalog.json (not a stachub output folder)`, { exitCode: 2 });
  }
  const tmp = path.join(parent, `.${path.basename(target)}.stachub-${process.pid}-${Date.now()}`);
  try {
    for (const f of files) {
      const out = path.join(tmp, ...f.path.split('/'));
      if (!out.startsWith(tmp + path.sep)) throw new StachubError(`refusing to write outside the output folder: ${f.path}`);
      await mkdir(path.dirname(out), { recursive: true });
      await writeFile(out, f.content);
    }
    const old = `${tmp}.old`;
    let moved = false;
    try {
      await rename(target, old);
      moved = true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    await rename(tmp, target);
    if (moved) await rm(old, { recursive: true, force: true });
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

async function isNonEmptyForeignDir(dir: string): Promise<boolean> {
  try {
    if (!(await stat(dir)).isDirectory()) return true;
    const names = await readdir(dir);
    return names.length > 0 && !names.includes('catalog.json');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
