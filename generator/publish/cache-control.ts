/**
 * `Cache-Control` rules. Entry points (the root folder, catalogs, collections and their pages)
 * change with every new project, so caches keep them briefly; items, their pages and static
 * assets change only with their project and are kept longer.
 */

/** The two header values a publish uses. */
export interface CacheControlRules {
  /** For entry points (see `Ranked.entry`). */
  entry: string;
  /** For everything else. */
  other: string;
}

export const DEFAULT_CACHE_CONTROL: CacheControlRules = {
  entry: 'public, max-age=60',
  other: 'public, max-age=3600',
};

/** The manifest is read by stachub only, and must never be served stale to it. */
export const MANIFEST_CACHE_CONTROL = 'no-cache';

export function cacheControlFor(entry: boolean, rules: CacheControlRules = DEFAULT_CACHE_CONTROL): string {
  return entry ? rules.entry : rules.other;
}
