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

/**
 * Whether an href from STAC data may become a link or an image source: relative, http(s) or
 * mailto. Anything else (`javascript:`, `data:`, `vbscript:`, and also `s3://`, which browsers
 * cannot open) is shown as text or not at all.
 */
export function isBrowsableHref(href: string): boolean {
  const h = href.trim();
  if (/^(https?:\/\/|mailto:)/i.test(h)) return true;
  return !/^[a-z][a-z0-9+.-]*:/i.test(h) && !h.startsWith('//') && !/[\u0000-\u001f]/.test(h);
}

/** Whether a non-browsable href is still worth showing as text (a storage URI such as `s3://`). */
export function isStorageUri(href: string): boolean {
  return /^(s3|gs|az|abfss?|hdfs|ftp|sftp|file|models):/i.test(href.trim());
}
