/** Licenses: GitLab's detected license key to an SPDX id (as SharingHub maps it), and license links. */

// GitLab license template keys whose SPDX id is not simply the key upper-cased
// (SharingHub's GITLAB_LICENSES_SPDX_MAPPING covers the same keys).
const GITLAB_TO_SPDX: Record<string, string> = {
  'agpl-3.0': 'AGPL-3.0',
  'apache-2.0': 'Apache-2.0',
  'bsd-2-clause': 'BSD-2-Clause',
  'bsd-3-clause': 'BSD-3-Clause',
  'bsl-1.0': 'BSL-1.0',
  'cc0-1.0': 'CC0-1.0',
  'epl-2.0': 'EPL-2.0',
  'gpl-2.0': 'GPL-2.0',
  'gpl-3.0': 'GPL-3.0',
  'lgpl-2.1': 'LGPL-2.1',
  'mit': 'MIT',
  'mpl-2.0': 'MPL-2.0',
  'unlicense': 'Unlicense',
};

/** SPDX id for a GitLab license key (`apache-2.0` -> `Apache-2.0`, unknown keys upper-cased). */
export function spdxFromGitLab(key: string): string {
  const k = key.toLowerCase();
  return (Object.hasOwn(GITLAB_TO_SPDX, k) ? GITLAB_TO_SPDX[k] : undefined) ?? key.toUpperCase();
}

/** Default license link: the SPDX page of a single SPDX id (none for expressions or `other`). */
export function spdxUrl(id: string): string | undefined {
  if (id === 'other' || /\s/.test(id)) return undefined;
  return `https://spdx.org/licenses/${id}.html`;
}
