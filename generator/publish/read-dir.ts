/** Read a built output directory back into `OutputFile`s (for `stachub publish DIR`). */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { OutputFile } from '../types.js';
import { UsageError } from '../errors.js';
import { MANIFEST_PATH } from './manifest.js';
import { mediaTypeFor } from './media-types.js';
import { isSafeRelativePath } from './paths.js';

/**
 * Every regular file under `dir`, sorted by path, with its media type. Symbolic links and the
 * directory's own publish manifest are left out.
 */
export async function readOutputDir(dir: string): Promise<OutputFile[]> {
  const files: OutputFile[] = [];
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(join(dir, rel), { withFileTypes: true });
    for (const e of entries) {
      const child = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) await walk(child);
      else if (e.isFile() && child !== MANIFEST_PATH && isSafeRelativePath(child)) {
        const content = await readFile(join(dir, child));
        files.push({ path: child, mediaType: mediaTypeFor(child, content), content });
      }
    }
  };
  try {
    await walk('');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') {
      throw new UsageError(`${dir} is not a directory`);
    }
    throw err;
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
