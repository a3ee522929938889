/**
 * Output-path arithmetic for the site. Every href the site writes is relative, so the catalog
 * works from any sub-path, from S3 and from GitLab Pages. Paths here are POSIX and relative to
 * the output root (no leading `/`).
 */
import { posix } from 'node:path';

/** True when `href` carries a scheme (`https:`, `s3:`...) or is protocol-relative: not a file of the output. */
export function isAbsoluteUrl(href: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith('//');
}

/**
 * Resolve `href`, written in the document at `docPath`, to a path relative to the output root.
 * Returns null for absolute URLs and for hrefs that climb above the root.
 */
export function resolveFromDoc(docPath: string, href: string): string | null {
  if (isAbsoluteUrl(href) || href.startsWith('/')) return null;
  const clean = href.split('#')[0]!.split('?')[0]!;
  const joined = posix.normalize(posix.join(posix.dirname(docPath), clean));
  if (joined.startsWith('../') || joined === '..') return null;
  return joined === '.' ? '' : joined;
}

/** Relative href from the page at `fromPage` to the root-relative `target` (a file path). */
export function relativeHref(fromPage: string, target: string): string {
  const rel = posix.relative(posix.dirname(fromPage), target);
  return rel === '' ? './' : rel;
}

/** The `../` prefix that leads from the page at `page` back to the output root (`''` at the root). */
export function rootPrefix(page: string): string {
  const depth = posix.dirname(page) === '.' ? 0 : posix.dirname(page).split('/').length;
  return '../'.repeat(depth);
}

/** Join a base URL (with or without a trailing slash) and a root-relative path. */
export function absoluteUrl(baseUrl: string, path: string): string {
  return (baseUrl.endsWith('/') ? baseUrl : baseUrl + '/') + path;
}
