/**
 * The STAC Scientific Citation extension (v1.0.0): `sci:doi`, `sci:citation`, `sci:publications`,
 * and the `cite-as` link to the DOI (SharingHub §1.7).
 */
import type { Publication } from '../../metadata/body.js';
import type { StacLink } from '../types.js';

export const SCIENTIFIC_SCHEMA_URL = 'https://stac-extensions.github.io/scientific/v1.0.0/schema.json';

/** What a README body cites: its first DOI (with the link text as citation) and the others. */
export interface Citation {
  doi?: string;
  citation?: string;
  publications: Publication[];
}

/**
 * Sets the `sci:` fields the properties do not already have (the README's own values win); true when
 * the properties then use the extension.
 */
export function addScientificFields(properties: Record<string, unknown>, found: Citation): boolean {
  if (found.doi && properties['sci:doi'] === undefined) {
    properties['sci:doi'] = found.doi;
    if (found.citation && properties['sci:citation'] === undefined) properties['sci:citation'] = found.citation;
  }
  if (found.publications.length > 0 && properties['sci:publications'] === undefined) properties['sci:publications'] = found.publications;
  return properties['sci:doi'] !== undefined || properties['sci:citation'] !== undefined || properties['sci:publications'] !== undefined;
}

/** The `cite-as` link of a DOI. */
export function citeAsLink(doi: string): StacLink {
  return { rel: 'cite-as', href: `https://doi.org/${doi}`, title: 'Cite as' };
}

/** The item's citation as written (lenient: values that are not text read as absent). */
export function scientificOf(p: Readonly<Record<string, unknown>>): { doi?: string; citation?: string; publications: Array<Record<string, unknown>> } {
  const pubs = p['sci:publications'];
  return {
    ...(typeof p['sci:doi'] === 'string' ? { doi: p['sci:doi'] } : {}),
    ...(typeof p['sci:citation'] === 'string' ? { citation: p['sci:citation'] } : {}),
    publications: Array.isArray(pubs) ? pubs.filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x)) : [],
  };
}
