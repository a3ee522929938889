/**
 * `ObjectStore` over a local directory, so writing a build to disk (GitLab Pages' `public/`) follows
 * the same plan as S3: unchanged files are left alone, files from an earlier build that this
 * build no longer has are removed only if the manifest says stachub wrote them.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { PublishError } from '../errors.js';
import { isSafeRelativePath } from './paths.js';
import { zeroCounts, type ObjectStore, type PutOptions, type StoredObject } from './store.js';

export class DirectoryObjectStore implements ObjectStore {
  readonly description: string;
  readonly requests = zeroCounts();

  constructor(private readonly root: string) {
    this.description = root;
  }

  async list(prefix: string): Promise<StoredObject[]> {
    this.requests.list++;
    const out: StoredObject[] = [];
    const walk = async (rel: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(join(this.root, rel), { withFileTypes: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw new PublishError(`cannot read ${join(this.root, rel)}: ${(err as Error).message}`, { cause: err });
      }
      for (const e of entries) {
        const child = rel === '' ? e.name : `${rel}/${e.name}`;
        // Symbolic links are never followed: the output is only what stachub writes.
        if (e.isDirectory()) await walk(child);
        else if (e.isFile() && child.startsWith(prefix)) {
          const body = await readFile(join(this.root, child));
          out.push({ key: child, size: body.byteLength, etag: createHash('md5').update(body).digest('hex') });
        }
      }
    };
    await walk('');
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async get(key: string): Promise<Uint8Array | null> {
    this.requests.get++;
    try {
      return await readFile(this.pathOf(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new PublishError(`cannot read ${this.pathOf(key)}: ${(err as Error).message}`, { cause: err });
    }
  }

  async put(key: string, body: Uint8Array, _options: PutOptions): Promise<void> {
    this.requests.put++;
    const file = this.pathOf(key);
    try {
      await mkdir(dirname(file), { recursive: true });
      // Write then rename, so a reader never sees half a file.
      const tmp = `${file}.stachub-tmp-${process.pid}`;
      await writeFile(tmp, body);
      await rename(tmp, file);
    } catch (err) {
      throw new PublishError(`cannot write ${file}: ${(err as Error).message}`, { cause: err });
    }
  }

  async delete(keys: readonly string[]): Promise<void> {
    this.requests.delete++;
    for (const key of keys) await rm(this.pathOf(key), { force: true });
  }

  private pathOf(key: string): string {
    if (!isSafeRelativePath(key)) throw new PublishError(`refusing unsafe path ${JSON.stringify(key)}`);
    return join(this.root, ...key.split('/')).split('/').join(sep);
  }
}
