/**
 * SharingHub's `sharinghub:` item fields (reference/sharinghub.md §1.5): the project's GitLab id,
 * stars, and the features its categories turn on or off. The metadata stage states them; this
 * getter reads back the ones the site uses.
 */

/** The SharingHub fields the site reads (values as written: a README may set them). */
export interface SharingHubView {
  /** GitLab project id. */
  id: unknown;
  /** GitLab stars (0 when not a number). */
  stars: number;
  /** `enable` or `disable`: whether the page shows the extent map. */
  mapViewer: unknown;
}

export function sharinghubOf(p: Readonly<Record<string, unknown>>): SharingHubView {
  const stars = p['sharinghub:stars'];
  return { id: p['sharinghub:id'], stars: typeof stars === 'number' ? stars : 0, mapViewer: p['sharinghub:map-viewer'] };
}
