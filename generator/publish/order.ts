/**
 * Upload order: a reader who follows links from the root must never reach an object that is not
 * there yet. Files are ranked so that every STAC document goes up after the new documents it links
 * to (`child`, `item`, `derived_from`..., and its assets), every HTML page after the new pages and
 * files it links to (except the pages above it), and the root catalog's folder (the entry points)
 * last. Pure: data in, ranks out.
 */
import type { OutputFile } from '../types.js';
import { SEARCH_DIR } from '../render/search-index.js';
import { dirOf, resolveRelativeHref } from './paths.js';

/**
 * Relations that never order uploads: links up the hierarchy (their targets are there already,
 * or go up in a later tier), to the document itself, and loose associations that commonly point
 * back (`related`, `alternate`, `predecessor-version`). Every other relative link (`child`, `item`,
 * `derived_from`, `successor-version`, `latest-version`...) must find its target in place: the
 * target goes up first.
 */
const NON_ORDERING_RELS = new Set([
  'self',
  'root',
  'parent',
  'collection',
  'up',
  'related',
  'alternate',
  'via',
  // Version extension: older versions are there before newer ones link back to them.
  'predecessor-version',
]);

/** Where a file sits in the upload order and which caching class it belongs to. */
export interface Ranked {
  path: string;
  /** Uploads run tier by tier, lowest first. */
  rank: number;
  /**
   * An entry point: a file of the root catalog's folder, or a catalog or collection (and its page).
   * Readers re-fetch these often, so they get the short `Cache-Control`.
   */
  entry: boolean;
}

interface StacDoc {
  type: 'Catalog' | 'Collection' | 'Feature';
  down: string[];
}

/**
 * Rank every file of a build (see the module comment). Deterministic for a given input.
 * `existing`: paths the target already holds. A link to an object that is already there resolves
 * whatever the order, so only links to new objects constrain it (which also breaks most cycles,
 * such as two project pages that name each other when only one of them is new).
 */
export function rankFiles(files: readonly OutputFile[], existing: ReadonlySet<string> = new Set()): Map<string, Ranked> {
  const paths = new Set(files.map((f) => f.path));
  const docs = new Map<string, StacDoc>();
  const links = new Map<string, string[]>();
  for (const f of files) {
    const doc = readStacDoc(f, paths);
    if (doc) {
      docs.set(f.path, doc);
      links.set(f.path, doc.down);
    } else if (isHtml(f.path)) links.set(f.path, pageLinks(f, paths));
  }

  // Height over the links that order uploads: 0 for a file that needs nothing new before it.
  const height = new Map<string, number>();
  const visiting = new Set<string>();
  const heightOf = (p: string): number => {
    const known = height.get(p);
    if (known !== undefined) return known;
    if (visiting.has(p)) return 0; // a cycle of new documents: break it here
    visiting.add(p);
    let h = 0;
    for (const t of links.get(p) ?? []) if (!existing.has(t)) h = Math.max(h, heightOf(t) + 1);
    visiting.delete(p);
    height.set(p, h);
    return h;
  };

  // The root catalog's folder: catalogs and collections no other document links down to.
  const linkedDown = new Set<string>();
  for (const d of docs.values()) for (const t of d.down) linkedDown.add(t);
  const rootDirs = new Set<string>();
  const listingDirs = new Set<string>();
  for (const [p, d] of docs) {
    if (d.type !== 'Feature') listingDirs.add(dirOf(p));
    if (!linkedDown.has(p) && d.type !== 'Feature') rootDirs.add(dirOf(p));
  }

  // The site's search index (`_search/` beside the root catalog) belongs to the root folder: its
  // files name every page, and the search page combines them (meta.json, then shards, key chunks
  // and cards whose names stay the same from build to build), so they must change together.
  const searchDirs = [...rootDirs].map((d) => (d ? `${d}/${SEARCH_DIR}/` : `${SEARCH_DIR}/`));
  const inRootFolder = (p: string): boolean => rootDirs.has(dirOf(p)) || searchDirs.some((d) => p.startsWith(d));

  // Everything outside the root folder first, by height; then the root folder's other files
  // (search index, report: they name every page); then its catalog and pages, the entry points.
  let afterTree = 0;
  for (const f of files) if (!inRootFolder(f.path)) afterTree = Math.max(afterTree, heightOf(f.path) + 1);
  const ranked = new Map<string, Ranked>();
  for (const f of files) {
    const dir = dirOf(f.path);
    const root = inRootFolder(f.path);
    const isDocument = docs.has(f.path) || isHtml(f.path);
    let rank: number;
    if (!root) rank = heightOf(f.path);
    else if (!isDocument) rank = afterTree;
    else rank = afterTree + 1 + heightOf(f.path);
    // Short caching for the root folder, and for catalogs, collections and their pages.
    const entry = root || (listingDirs.has(dir) && isDocument);
    ranked.set(f.path, { path: f.path, rank, entry });
  }
  return ranked;
}

/**
 * The files an HTML page links to (`href`, `src`) that must be in place before it: every relative
 * target except pages of the folders above it (breadcrumbs, the home page), which link back down.
 */
function pageLinks(f: OutputFile, paths: ReadonlySet<string>): string[] {
  const html = Buffer.from(f.content.buffer, f.content.byteOffset, f.content.byteLength).toString('utf8');
  const dir = dirOf(f.path);
  const out = new Set<string>();
  for (const m of html.matchAll(/\s(?:href|src)\s*=\s*"([^"]*)"/gi)) {
    const target = resolveRelativeHref(f.path, m[1]!.replace(/&amp;/g, '&'));
    if (target === null || target === f.path || !paths.has(target)) continue;
    const tdir = dirOf(target);
    const above = tdir === '' ? dir !== '' : dir.startsWith(`${tdir}/`);
    if (!above) out.add(target);
  }
  return [...out];
}

/** Group paths by rank, lowest first; each group sorted by path for stable plans. */
export function tiersOf<T extends { path: string; rank: number }>(items: readonly T[]): T[][] {
  const byRank = new Map<number, T[]>();
  for (const it of items) {
    const tier = byRank.get(it.rank) ?? [];
    tier.push(it);
    byRank.set(it.rank, tier);
  }
  return [...byRank.keys()]
    .sort((a, b) => a - b)
    .map((r) => byRank.get(r)!.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)));
}

function isHtml(path: string): boolean {
  return /\.html?$/i.test(path);
}

function readStacDoc(f: OutputFile, paths: ReadonlySet<string>): StacDoc | null {
  if (!/\.(geo)?json$/i.test(f.path)) return null;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(f.content.buffer, f.content.byteOffset, f.content.byteLength).toString('utf8'));
  } catch {
    return null;
  }
  if (typeof json !== 'object' || json === null) return null;
  const obj = json as { type?: unknown; links?: unknown; assets?: unknown };
  if (obj.type !== 'Catalog' && obj.type !== 'Collection' && obj.type !== 'Feature') return null;
  if (!Array.isArray(obj.links)) return null;
  const down: string[] = [];
  const add = (href: unknown): void => {
    if (typeof href !== 'string') return;
    const target = resolveRelativeHref(f.path, href);
    if (target !== null && target !== f.path && paths.has(target)) down.push(target);
  };
  for (const link of obj.links as Array<{ rel?: unknown; href?: unknown }>) {
    if (link && typeof link.rel === 'string' && !NON_ORDERING_RELS.has(link.rel)) add(link.href);
  }
  if (obj.assets && typeof obj.assets === 'object') {
    for (const asset of Object.values(obj.assets as Record<string, { href?: unknown }>)) add(asset?.href);
  }
  return { type: obj.type, down };
}
