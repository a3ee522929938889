/** Output paths and object keys: the only place that decides what a safe relative path is. */
import { posix } from 'node:path';

/**
 * True for a relative POSIX path that stays inside the output root: no leading `/`, no `..`
 * segment, no empty or `.` segment, no backslash or control character.
 */
export function isSafeRelativePath(path: string): boolean {
  if (path === '' || path.startsWith('/') || path.includes('\\')) return false;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path)) return false;
  return path.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}

/** Directory part of a relative path ('' for a file at the root). */
export function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

/**
 * Resolve an href found in the document at `from` to an output path, or null when it is
 * absolute (has a scheme, or starts with `/`), escapes the root, or is empty.
 */
export function resolveRelativeHref(from: string, href: string): string | null {
  if (href === '' || /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(href) || href.startsWith('/')) return null;
  const bare = href.split('#')[0]!.split('?')[0]!;
  if (bare === '') return null;
  let decoded: string;
  try {
    decoded = decodeURIComponent(bare);
  } catch {
    decoded = bare;
  }
  const joined = posix.normalize(posix.join(dirOf(from) || '.', decoded));
  if (joined.startsWith('../') || joined === '..' || joined === '.') return null;
  // A link to a directory (`./`) is served by its index page.
  return joined.endsWith('/') ? `${joined}index.html` : joined;
}

/** Join an S3 prefix (no leading or trailing `/`, may be empty) and a relative path. */
export function joinKey(prefix: string, path: string): string {
  return prefix === '' ? path : `${prefix}/${path}`;
}
