/**
 * Paths a build cannot write: the same path twice, a file where another needs a folder, a project
 * path that cannot be a folder name. Each is blamed on one project, which is left out.
 */
import { StachubError } from '../errors.js';
import type { ProjectFailure } from '../isolate.js';
import { safeDir } from '../stac/layout.js';
import type { OutputFile } from '../types.js';

/**
 * Files that cannot all be written: the same path twice, or a path below another file. Each clash
 * is blamed on the project whose item folder holds the deeper (or later) file.
 */
export function pathClashes(files: readonly OutputFile[], itemDirs: Array<{ dir: string; project: string }>): ProjectFailure[] {
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
    if (paths.has(f.path)) blame(f.path, f.path);
    paths.add(f.path);
  }
  for (const f of files) {
    for (let i = f.path.indexOf('/'); i > 0; i = f.path.indexOf('/', i + 1)) {
      const prefix = f.path.slice(0, i);
      if (paths.has(prefix)) blame(f.path, prefix);
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

