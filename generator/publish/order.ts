/**
 * Upload order: a reader who follows links from the root must never reach an object that is not
 * there yet. Files are ranked so that every STAC document is uploaded after the documents it links
 * to (`child`, `item`, `derived_from`..., and its assets), HTML pages with the STAC document of
 * their folder, and the entry points (the root catalog's folder) last. Pure: data in, ranks out.
 */
import type { OutputFile } from '../types.js';
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

/** Rank every file of a build (see the module comment). Deterministic for a given input. */
export function rankFiles(files: readonly OutputFile[]): Map<string, Ranked> {
  const paths = new Set(files.map((f) => f.path));
  const docs = new Map<string, StacDoc>();
  for (const f of files) {
    const doc = readStacDoc(f, paths);
    if (doc) docs.set(f.path, doc);
  }

  // Height over ordering links: an item is 0 (1 if it links another item), a collection above its
  // items, the root above them.
  const height = new Map<string, number>();
  const visiting = new Set<string>();
  const heightOf = (p: string): number => {
    const known = height.get(p);
    if (known !== undefined) return known;
    if (visiting.has(p)) return 0; // a cycle of links: break it here
    visiting.add(p);
    let h = 0;
    for (const t of docs.get(p)!.down) if (docs.has(t)) h = Math.max(h, heightOf(t) + 1);
    visiting.delete(p);
    height.set(p, h);
    return h;
  };

  const linkedDown = new Set<string>();
  for (const d of docs.values()) for (const t of d.down) linkedDown.add(t);
  const rootDirs = new Set<string>();
  let maxHeight = 0;
  for (const [p, d] of docs) {
    maxHeight = Math.max(maxHeight, heightOf(p));
    if (!linkedDown.has(p) && d.type !== 'Feature') rootDirs.add(dirOf(p));
  }

  // Highest document per folder: the HTML page of a folder goes with it.
  const folderHeight = new Map<string, number>();
  const folderIsListing = new Set<string>();
  for (const [p, d] of docs) {
    const dir = dirOf(p);
    folderHeight.set(dir, Math.max(folderHeight.get(dir) ?? 0, heightOf(p)));
    if (d.type !== 'Feature') folderIsListing.add(dir);
  }

  const ranked = new Map<string, Ranked>();
  for (const f of files) {
    const dir = dirOf(f.path);
    const inRootDir = rootDirs.has(dir);
    let rank: number;
    let entry = inRootDir || folderIsListing.has(dir);
    if (docs.has(f.path)) {
      rank = 2 + 3 * heightOf(f.path);
    } else if (isHtml(f.path) && folderHeight.has(dir)) {
      rank = 3 + 3 * folderHeight.get(dir)!;
    } else if (inRootDir) {
      // Search index, report...: they name every page, so they go just before the root itself.
      rank = 1 + 3 * (folderHeight.get(dir) ?? maxHeight);
    } else {
      // Assets, styles, scripts: leaves.
      rank = 0;
      entry = false;
    }
    ranked.set(f.path, { path: f.path, rank, entry });
  }
  return ranked;
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
