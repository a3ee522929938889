/**
 * Git LFS as a source sees it (PURE): which paths `.gitattributes` routes through the LFS filter,
 * and what a pointer file says (git-lfs docs/spec.md; reference/gitlab.md §2.4).
 */
import { globMatcher } from './glob.js';

/** A parsed LFS pointer. */
export interface LfsPointer {
  /** `sha256` hex of the real object. */
  oid: string;
  size: number;
}

const POINTER_VERSIONS = ['https://git-lfs.github.com/spec/v1', 'https://hawser.github.com/spec/v1'];

/** Parse pointer text; null when the text is not a (valid) pointer. */
export function parseLfsPointer(text: string): LfsPointer | null {
  if (text.length > 1024) return null;
  const lines = text.split('\n').filter((l) => l.length > 0);
  const first = lines[0];
  if (!first?.startsWith('version ') || !POINTER_VERSIONS.includes(first.slice(8).trim())) return null;
  let oid: string | undefined;
  let size: number | undefined;
  for (const line of lines.slice(1)) {
    const sp = line.indexOf(' ');
    if (sp < 0) return null;
    const key = line.slice(0, sp);
    const value = line.slice(sp + 1);
    if (key === 'oid') {
      const m = /^sha256:([0-9a-f]{64})$/.exec(value);
      if (!m) return null;
      oid = m[1];
    } else if (key === 'size') {
      if (!/^\d+$/.test(value)) return null;
      size = Number(value);
    }
  }
  return oid !== undefined && size !== undefined ? { oid, size } : null;
}

interface AttrRule {
  match: (path: string) => boolean;
  /** true: `filter=lfs`; false: the filter is unset or set to something else. */
  lfs: boolean;
}

/**
 * A predicate telling whether a repository path is stored through LFS according to the root
 * `.gitattributes` (gitattributes(5): a pattern without a slash matches the file name at any depth;
 * with a slash it is anchored at the root; the last matching line wins).
 */
export function lfsMatcher(gitattributes: string): (path: string) => boolean {
  const rules: AttrRule[] = [];
  for (const raw of gitattributes.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [pattern, ...attrs] = line.split(/\s+/);
    if (!pattern || pattern.startsWith('[attr]')) continue;
    let lfs: boolean | undefined;
    for (const a of attrs) {
      if (a === 'filter=lfs') lfs = true;
      else if (a === '-filter' || a === '!filter' || (a.startsWith('filter=') && a !== 'filter=lfs')) lfs = false;
    }
    if (lfs === undefined) continue;
    const anchored = pattern.replace(/\/$/, '').includes('/');
    const glob = pattern.replace(/^\//, '');
    // A repository's .gitattributes is outside input: matched without regular expressions (no backtracking).
    let m: (p: string) => boolean;
    let matchDir: (p: string) => boolean;
    try {
      m = globMatcher(glob);
      matchDir = globMatcher(`${glob.replace(/\/$/, '')}/**`);
    } catch {
      continue; // a pattern that cannot be used (too many brace alternatives) is skipped
    }
    rules.push({
      lfs,
      match: anchored
        ? (p) => m(p) || matchDir(p)
        : (p) => {
            const base = p.slice(p.lastIndexOf('/') + 1);
            return m(base);
          },
    });
  }
  return (path) => {
    let result = false;
    for (const r of rules) if (r.match(path)) result = r.lfs;
    return result;
  };
}
