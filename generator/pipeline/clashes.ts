/**
 * Paths a build cannot write: the same path twice, a file where another needs a folder, a project
 * path that cannot be a folder name. Each is blamed on one project, which is left out.
 */
import { StachubError } from '../errors.js';
import type { ProjectFailure } from '../isolate.js';
import { safeDir } from '../stac/layout.js';

/**
 * Files that cannot all be written: the same path twice, or a path below another file. Each clash
 * is blamed on the project whose item folder holds the deeper (or later) file.
 */
export function pathClashes(files: readonly string[], itemDirs: Array<{ dir: string; project: string }>): ProjectFailure[] {
  const ownerDirs = new Map(itemDirs.map((d) => [d.dir, d.project]));
  const ownerOfPath = (p: string): string | undefined => {
    for (let i = p.lastIndexOf('/'); i >= 0; i = p.lastIndexOf('/', i - 1)) {
      const owner = ownerDirs.get(p.slice(0, i + 1));
      if (owner) return owner;
      if (i === 0) break;
    }
    return undefined;
  };
  const paths = new Set<string>();
  const failures: ProjectFailure[] = [];
  const blame = (p: string, other: string): void => {
    const project = ownerOfPath(p) ?? ownerOfPath(other);
    if (project === undefined) throw new Error(`two site files clash at ${other}`);
    failures.push({ project, stage: 'layout', error: new PathClashError(`its files clash with ${other}`) });
  };
  for (const f of files) {
    if (paths.has(f)) blame(f, f);
    paths.add(f);
  }
  for (const f of files) {
    for (let i = f.indexOf('/'); i > 0; i = f.indexOf('/', i + 1)) {
      const prefix = f.slice(0, i);
      if (paths.has(prefix)) blame(f, prefix);
    }
  }
  return failures;
}

/** A project's output would overwrite, or need a folder where there is, another file. */
class PathClashError extends StachubError {}

export function isSafeDir(dir: string): boolean {
  try {
    safeDir(dir);
    return true;
  } catch {
    return false;
  }
}


/**
 * The paths of a build as its files are written: a file that clashes with one already written (the
 * same path, a path below it, or a path that is already a folder) is refused, so it never reaches
 * the sink; `pathClashes` then says whose it is.
 */
export class PathGuard {
  /** Every path offered, in order, refused ones included. */
  readonly paths: string[] = [];
  /** The paths accepted. */
  readonly seen = new Set<string>();
  private readonly dirs = new Set<string>();
  refused = false;

  accept(p: string): boolean {
    this.paths.push(p);
    let ok = !this.seen.has(p) && !this.dirs.has(p);
    for (let i = p.indexOf('/'); ok && i > 0; i = p.indexOf('/', i + 1)) if (this.seen.has(p.slice(0, i))) ok = false;
    if (!ok) {
      this.refused = true;
      return false;
    }
    for (let i = p.indexOf('/'); i > 0; i = p.indexOf('/', i + 1)) this.dirs.add(p.slice(0, i));
    this.seen.add(p);
    return true;
  }
}
