/**
 * A build's output kept in memory instead of a folder: what `stachub build` would write to `--out`,
 * with the folder writer's rules (all or nothing, no path outside the output, unchanged files
 * counted as such), so a caller in the same process (a test, a tool that publishes elsewhere) reads
 * the catalog without touching the disk. Each output folder (resolved as a path) is its own
 * in-memory folder.
 */
import { resolve } from 'node:path';
import { StachubError } from '../errors.js';
import type { OpenOutput, OutputStats, OutputWriter } from '../output.js';
import type { OutputFile } from '../types.js';
import { isSafeRelativePath } from './paths.js';

/** The output folders of one or more builds, in memory. Pass `open` where a folder opener is asked for. */
export class MemoryOutput {
  /** Committed folders: name given as `--out` -> (path -> file). */
  private readonly folders = new Map<string, Map<string, OutputFile>>();

  /** Opens a folder for a build (`OpenOutput`); the files appear only when the build commits. */
  readonly open: OpenOutput = (dir) => new MemoryOutputWriter(resolve(dir), this.folders);

  /** True once a build committed to `dir`. */
  has(dir: string): boolean {
    return this.folders.has(resolve(dir));
  }

  /** The paths of `dir`, sorted. */
  paths(dir: string): string[] {
    return [...this.folder(dir).keys()].sort();
  }

  /** The bytes of `path` in `dir`, or null when the build wrote no such file. */
  read(dir: string, path: string): Uint8Array | null {
    return this.folder(dir).get(path)?.content ?? null;
  }

  /** The text of `path` in `dir`; throws when the build wrote no such file (as reading a missing file does). */
  text(dir: string, path: string): string {
    const bytes = this.read(dir, path);
    if (bytes === null) throw new StachubError(`${dir}: no file ${path} in the output`);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  }

  /** `path` in `dir` parsed as JSON. */
  json<T = unknown>(dir: string, path: string): T {
    return JSON.parse(this.text(dir, path)) as T;
  }

  private folder(dir: string): Map<string, OutputFile> {
    const files = this.folders.get(resolve(dir));
    if (!files) throw new StachubError(`${dir}: nothing was written there`);
    return files;
  }
}

/** One build's writes to an in-memory folder: held apart until `commit` replaces the folder. */
class MemoryOutputWriter implements OutputWriter {
  readonly stats: OutputStats = { written: 0, unchanged: 0, bytes: 0 };
  private readonly pending = new Map<string, OutputFile>();
  private readonly previous: ReadonlyMap<string, OutputFile> | undefined;

  constructor(
    private readonly dir: string,
    private readonly folders: Map<string, Map<string, OutputFile>>,
  ) {
    this.previous = folders.get(dir);
  }

  write(f: OutputFile): void {
    if (!isSafeRelativePath(f.path)) throw new StachubError(`refusing to write outside the output folder: ${f.path}`);
    // A copy: the build may reuse its buffers, the output must not change after the write.
    const file: OutputFile = { ...f, content: Uint8Array.from(f.content) };
    this.pending.set(f.path, file);
    this.stats.bytes += file.content.byteLength;
    const old = this.previous?.get(f.path);
    if (old && Buffer.from(old.content).equals(file.content)) this.stats.unchanged++;
    else this.stats.written++;
  }

  /** Forget the files written so far (the build writes again without a project it left out). */
  reset(): void {
    this.pending.clear();
    Object.assign(this.stats, { written: 0, unchanged: 0, bytes: 0 });
  }

  commit(): void {
    this.folders.set(this.dir, this.pending);
  }

  committed(): OutputFile[] {
    return [...(this.folders.get(this.dir)?.values() ?? [])].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  abort(): void {
    this.pending.clear();
  }
}
