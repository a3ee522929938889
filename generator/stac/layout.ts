/**
 * `layout`: the unplaced tree -> output paths and final hrefs (PURE; nothing is mutated).
 *
 * Paths (STAC best practices "Catalog Layout"): `catalog.json`, `<collection>/collection.json`,
 * `<collection>/<item dir>/<last segment>.json`, where an item's dir is its project's full path,
 * so every item has its own folder for its page and republished files.
 *
 * Catalog types (as STAC's "Use of links"):
 * - `self-contained`: relative hrefs only, no `self` link (portable; the default without a base URL);
 * - `relative-published`: the same plus an absolute `self` link on the root (the default with one);
 * - `absolute-published`: absolute hrefs everywhere and a `self` link on every document.
 */
import { isInternal, MEDIA, REL } from './links.js';
import type { Placed, StacCatalog, StacCollection, StacItem, StacLink, StacObject, StacTree } from './types.js';
import type { UnplacedTree } from './toStac.js';
import type { CarriedFile } from '../types.js';

export type CatalogType = 'self-contained' | 'relative-published' | 'absolute-published';

export interface LayoutOptions {
  catalogType: CatalogType;
  /** Absolute URL of the output root, with a trailing slash (required for the published types). */
  baseUrl?: string;
}

export interface LaidOut {
  tree: StacTree;
  /** Republished repository files, at their output paths. */
  carried: CarriedFile[];
}

const SAFE_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/;

/** An item folder (e.g. a project's full path) -> safe path segments; throws on anything unsafe. */
export function safeDir(dir: string): string {
  const segments = dir.split('/');
  for (const s of segments) {
    // Past 200 characters, `<segment>.json` may not fit a file name (255 bytes on most file systems).
    if (!SAFE_SEGMENT.test(s) || s === '.' || s === '..' || s.endsWith('.json') || s.length > 200) {
      throw new Error(`unsafe path segment '${s}' in '${dir}'`);
    }
  }
  return segments.join('/');
}

export function layout(input: UnplacedTree, options: LayoutOptions): LaidOut {
  if (options.catalogType !== 'self-contained' && !options.baseUrl) {
    throw new Error(`catalog type ${options.catalogType} needs a base URL`);
  }
  const paths = new Map<string, string>();
  paths.set('catalog', 'catalog.json');
  for (const { collection, items } of input.collections) {
    safeDir(collection.id);
    paths.set(`collection/${collection.id}`, `${collection.id}/collection.json`);
    for (const item of items) {
      const dir = `${collection.id}/${safeDir(item.dir)}`;
      const last = dir.split('/').pop()!;
      paths.set(`item/${collection.id}/${item.json.id}`, `${dir}/${last}.json`);
    }
  }
  const hrefFrom = (fromPath: string) => (href: string): string => {
    if (!isInternal(href)) return href;
    const target = paths.get(href.slice('stachub://'.length));
    if (!target) throw new Error(`internal link to unknown document ${href}`);
    return options.catalogType === 'absolute-published' ? options.baseUrl + target : relative(fromPath, target);
  };
  const place = <T extends StacObject>(json: T, path: string, isRoot: boolean): Placed<T> => {
    const resolve = hrefFrom(path);
    const links: StacLink[] = json.links.map((l) => ({ ...l, href: resolve(l.href) }));
    const withSelf =
      options.catalogType === 'absolute-published' || (options.catalogType === 'relative-published' && isRoot);
    if (withSelf) {
      links.unshift({ rel: REL.self, href: options.baseUrl + path, type: json.type === 'Feature' ? MEDIA.geojson : MEDIA.json });
    }
    let placed = { ...json, links } as T;
    if (options.catalogType === 'absolute-published' && json.type === 'Feature') {
      // Republished files are relative to the item; a published catalog makes them absolute too.
      const dir = path.slice(0, path.lastIndexOf('/') + 1);
      const item = placed as StacItem;
      const assets = Object.fromEntries(
        Object.entries(item.assets).map(([k, a]) => [k, a.href.startsWith('./') ? { ...a, href: options.baseUrl + dir + a.href.slice(2) } : a]),
      );
      placed = { ...item, assets } as unknown as T;
    }
    return { path, json: placed };
  };

  const carried: CarriedFile[] = [];
  const tree: StacTree = {
    catalog: place<StacCatalog>(input.catalog, 'catalog.json', true),
    collections: input.collections.map(({ collection, items }) => ({
      collection: place<StacCollection>(collection, paths.get(`collection/${collection.id}`)!, false),
      items: items.map((item) => {
        const path = paths.get(`item/${collection.id}/${item.json.id}`)!;
        const dir = path.slice(0, path.lastIndexOf('/'));
        for (const f of item.carried) carried.push({ ...f, path: `${dir}/${f.path}` });
        return place<StacItem>(item.json, path, false);
      }),
    })),
  };
  return { tree, carried };
}

/** Relative href from the document at `from` to the file at `to` (both output-root relative). */
export function relative(from: string, to: string): string {
  const a = from.split('/').slice(0, -1);
  const b = to.split('/');
  let i = 0;
  while (i < a.length && i < b.length - 1 && a[i] === b[i]) i++;
  const up = a.length - i;
  const rest = b.slice(i).join('/');
  return up === 0 ? `./${rest}` : `${'../'.repeat(up)}${rest}`;
}
