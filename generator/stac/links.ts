/** Link relations and builders (STAC commons/links.md), and the internal reference scheme. */
import type { StacLink } from './types.js';

export const REL = {
  self: 'self',
  root: 'root',
  parent: 'parent',
  child: 'child',
  item: 'item',
  collection: 'collection',
  license: 'license',
  via: 'via',
  preview: 'preview',
  derivedFrom: 'derived_from',
  citeAs: 'cite-as',
} as const;

export const MEDIA = {
  json: 'application/json',
  geojson: 'application/geo+json',
  html: 'text/html',
} as const;

/**
 * Before layout, a link between two documents of the catalog names its target by identity:
 * `stachub://catalog`, `stachub://collection/<collection id>`, `stachub://item/<collection id>/<item id>`.
 * The layout stage replaces these with relative (or absolute published) hrefs.
 */
export const INTERNAL = 'stachub://';

export const ref = {
  catalog: (): string => `${INTERNAL}catalog`,
  collection: (collectionId: string): string => `${INTERNAL}collection/${collectionId}`,
  item: (collectionId: string, itemId: string): string => `${INTERNAL}item/${collectionId}/${itemId}`,
};

export function isInternal(href: string): boolean {
  return href.startsWith(INTERNAL);
}

export const link = {
  root: (title: string): StacLink => ({ rel: REL.root, href: ref.catalog(), type: MEDIA.json, title }),
  parent: (href: string, title: string): StacLink => ({ rel: REL.parent, href, type: MEDIA.json, title }),
  child: (collectionId: string, title: string): StacLink => ({ rel: REL.child, href: ref.collection(collectionId), type: MEDIA.json, title }),
  collection: (collectionId: string, title: string): StacLink => ({ rel: REL.collection, href: ref.collection(collectionId), type: MEDIA.json, title }),
  item: (collectionId: string, itemId: string, title: string): StacLink => ({ rel: REL.item, href: ref.item(collectionId, itemId), type: MEDIA.geojson, title }),
};
