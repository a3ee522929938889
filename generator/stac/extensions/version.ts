/**
 * The STAC Version extension (v1.2.0): an item's `version` and `deprecated` fields and the
 * `latest-version` / `predecessor-version` / `successor-version` link relations.
 */

export const VERSION_SCHEMA_URL = 'https://stac-extensions.github.io/version/v1.2.0/schema.json';

/** The extension's link relations. */
export const VERSION_REL = {
  latest: 'latest-version',
  predecessor: 'predecessor-version',
  successor: 'successor-version',
} as const;

/** The Version fields as they are written on an item's properties. */
export interface VersionFields {
  version: string;
  deprecated?: true;
}

/** `version`, and `deprecated: true` for a version that is no longer recommended for use. */
export function versionFields(version: string, deprecated: boolean): VersionFields {
  return { version, ...(deprecated ? { deprecated: true as const } : {}) };
}

/** The item's version as text (`''` when it has none). */
export function versionOf(properties: Readonly<Record<string, unknown>>): string {
  return String(properties['version'] ?? '');
}
