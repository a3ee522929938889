/**
 * Writing a build to a local folder, atomically: the files go to a sibling temporary folder that
 * replaces the target only once complete, so a reader never sees a half-written catalog.
 *
 * Files are written as the build makes them (`OutputDirWriter.write`), so a large catalog's pages
 * never sit in memory together. A file whose bytes equal the previous build's is hard-linked from
 * it instead of written again: its inode and modification time stay, and `written` counts only the
 * files a change really rewrote.
 */
import { existsSync, linkSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { StachubError } from './errors.js';
import type { OutputFile } from './types.js';

/** What writing a build did. */
export interface OutputStats {
  /** Files written (new or changed). */
  written: number;
  /** Files kept from the previous build (same bytes). */
  unchanged: number;
  /** Total bytes of the output. */
  bytes: number;
}

/**
/**
 * Where a build's files go as they are made (generator/build.ts): a folder being written, or memory.
 * A build that must leave a project out after some files went out calls `reset` and writes again.
 */
export interface FileSink {
  write(f: OutputFile): void;
  /** Forget every file written so far. */
  reset(): void;
}

/** Files kept in memory, in the order written (what `build` returns when no sink is given). */
export class MemoryFileSink implements FileSink {
  files: OutputFile[] = [];
  write(f: OutputFile): void {
    this.files.push(f);
  }
  reset(): void {
    this.files = [];
  }
}

/**
 * An output (`--out`): a sink whose files are put in place together by `commit` (or dropped by
 * `abort`). A folder on disk (`OutputDirWriter`) by default; `publish/memory-output.ts` keeps them in
 * memory (tests).
 */
export interface OutputWriter extends FileSink {
  readonly stats: OutputStats;
  commit(): void;
  abort(): void;
  /** The files committed, where the output can hand them back without reading a folder. */
  committed?(): OutputFile[];
}

/** Opens the writer of an output folder (`--out`). */
export type OpenOutput = (dir: string) => OutputWriter;

/** The default output: the folder on disk. */
export const openOutputDir: OpenOutput = (dir) => new OutputDirWriter(dir);

/** A folder being written: `write` each file, then `commit` (or `abort`). */
export class OutputDirWriter implements OutputWriter {
  readonly stats: OutputStats = { written: 0, unchanged: 0, bytes: 0 };
  private readonly target: string;
  private readonly tmp: string;
  private readonly previous: string | null;
  private dirs = new Set<string>();

  constructor(dir: string) {
    this.target = path.resolve(dir);
    const parent = path.dirname(this.target);
    mkdirSync(parent, { recursive: true });
    if (isNonEmptyForeignDir(this.target)) {
      throw new StachubError(`refusing to replace ${this.target}: it is not empty and holds no catalog.json (not a stachub output folder)`, { exitCode: 2 });
    }
    this.previous = existsSync(this.target) ? this.target : null;
    this.tmp = path.join(parent, `.${path.basename(this.target)}.stachub-${process.pid}-${Date.now()}`);
    mkdirSync(this.tmp, { recursive: true });
  }

  write(f: OutputFile): void {
    const segments = f.path.split('/');
    const out = path.join(this.tmp, ...segments);
    if (!out.startsWith(this.tmp + path.sep) || segments.includes('..')) throw new StachubError(`refusing to write outside the output folder: ${f.path}`);
    const dir = path.dirname(out);
    if (!this.dirs.has(dir)) {
      mkdirSync(dir, { recursive: true });
      this.dirs.add(dir);
    }
    this.stats.bytes += f.content.byteLength;
    if (this.previous && this.sameAsPrevious(f, segments)) {
      try {
        linkSync(path.join(this.previous, ...segments), out);
        this.stats.unchanged++;
        return;
      } catch {
        // Another file system, or links not allowed: write it.
      }
    }
    writeFileSync(out, f.content);
    this.stats.written++;
  }

  private sameAsPrevious(f: OutputFile, segments: string[]): boolean {
    const old = path.join(this.previous!, ...segments);
    try {
      if (statSync(old).size !== f.content.byteLength) return false;
      return Buffer.from(f.content.buffer, f.content.byteOffset, f.content.byteLength).equals(readFileSync(old));
    } catch {
      return false;
    }
  }

  /** Start the folder again, empty (nothing of it was ever in place of the old one). */
  reset(): void {
    rmSync(this.tmp, { recursive: true, force: true });
    mkdirSync(this.tmp, { recursive: true });
    this.dirs = new Set();
    Object.assign(this.stats, { written: 0, unchanged: 0, bytes: 0 });
  }

  /** Put the new folder in place of the old one. */
  commit(): void {
    const old = `${this.tmp}.old`;
    let moved = false;
    try {
      try {
        renameSync(this.target, old);
        moved = true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      renameSync(this.tmp, this.target);
    } catch (err) {
      this.abort();
      throw err;
    }
    if (moved) rmSync(old, { recursive: true, force: true });
  }

  abort(): void {
    rmSync(this.tmp, { recursive: true, force: true });
  }
}

/** Write a whole build to `dir` atomically, through `open` (default: the folder on disk). */
export async function writeOutputDir(dir: string, files: readonly OutputFile[], open: OpenOutput = openOutputDir): Promise<OutputStats> {
  const writer = open(dir);
  try {
    for (const f of files) writer.write(f);
  } catch (err) {
    writer.abort();
    throw err;
  }
  writer.commit();
  return writer.stats;
}

function isNonEmptyForeignDir(dir: string): boolean {
  try {
    if (!statSync(dir).isDirectory()) return true;
    const names = readdirSync(dir);
    return names.length > 0 && !names.includes('catalog.json');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
