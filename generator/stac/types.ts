/** STAC 1.1.0 objects as the generator emits them (names and docs from the spec). */

export const STAC_VERSION = '1.1.0';

/** A link object (STAC commons/links.md). */
export interface StacLink {
  rel: string;
  href: string;
  type?: string;
  title?: string;
  [field: string]: unknown;
}

/** An asset object: "an object that contains a URI to data associated with the Item". */
export interface StacAsset {
  href: string;
  title?: string;
  description?: string;
  type?: string;
  roles?: string[];
  [field: string]: unknown;
}

export interface StacProvider {
  name: string;
  description?: string;
  roles?: string[];
  url?: string;
}

export interface StacCatalog {
  type: 'Catalog';
  stac_version: string;
  stac_extensions?: string[];
  id: string;
  title?: string;
  description: string;
  links: StacLink[];
  [field: string]: unknown;
}

export interface StacCollection {
  type: 'Collection';
  stac_version: string;
  stac_extensions: string[];
  id: string;
  title?: string;
  description: string;
  keywords?: string[];
  license: string;
  providers?: StacProvider[];
  extent: {
    spatial: { bbox: number[][] };
    temporal: { interval: Array<[string | null, string | null]> };
  };
  summaries?: Record<string, unknown>;
  links: StacLink[];
  assets?: Record<string, StacAsset>;
  [field: string]: unknown;
}

export interface StacItem {
  type: 'Feature';
  stac_version: string;
  stac_extensions: string[];
  id: string;
  geometry: Record<string, unknown> | null;
  bbox?: number[];
  properties: Record<string, unknown> & { datetime: string | null };
  links: StacLink[];
  assets: Record<string, StacAsset>;
  collection?: string;
}

export type StacObject = StacCatalog | StacCollection | StacItem;

/** A STAC document placed in the output tree: `path` is relative to the output root. */
export interface Placed<T extends StacObject> {
  path: string;
  json: T;
}

/** The laid-out catalog: root, one collection per category, items under their collection. */
export interface StacTree {
  catalog: Placed<StacCatalog>;
  collections: Array<{ collection: Placed<StacCollection>; items: Array<Placed<StacItem>> }>;
}
