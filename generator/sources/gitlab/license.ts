/**
 * GitLab license keys (licensee keys, lower case) to SPDX identifiers, as SharingHub maps them
 * (reference/sharinghub.md §1.3: known keys mapped, any other key upper-cased).
 */
const GITLAB_TO_SPDX: Record<string, string> = {
  'agpl-3.0': 'AGPL-3.0',
  'apache-2.0': 'Apache-2.0',
  'artistic-2.0': 'Artistic-2.0',
  'bsd-2-clause': 'BSD-2-Clause',
  'bsd-3-clause': 'BSD-3-Clause',
  'bsd-3-clause-clear': 'BSD-3-Clause-Clear',
  'bsd-4-clause': 'BSD-4-Clause',
  'bsl-1.0': 'BSL-1.0',
  'cc-by-4.0': 'CC-BY-4.0',
  'cc-by-sa-4.0': 'CC-BY-SA-4.0',
  'cc0-1.0': 'CC0-1.0',
  'ecl-2.0': 'ECL-2.0',
  'epl-1.0': 'EPL-1.0',
  'epl-2.0': 'EPL-2.0',
  'eupl-1.1': 'EUPL-1.1',
  'eupl-1.2': 'EUPL-1.2',
  'gpl-2.0': 'GPL-2.0',
  'gpl-3.0': 'GPL-3.0',
  isc: 'ISC',
  'lgpl-2.1': 'LGPL-2.1',
  'lgpl-3.0': 'LGPL-3.0',
  'lppl-1.3c': 'LPPL-1.3c',
  mit: 'MIT',
  'mit-0': 'MIT-0',
  'mpl-2.0': 'MPL-2.0',
  'ms-pl': 'MS-PL',
  'ms-rl': 'MS-RL',
  'ofl-1.1': 'OFL-1.1',
  'osl-3.0': 'OSL-3.0',
  postgresql: 'PostgreSQL',
  unlicense: 'Unlicense',
  upl: 'UPL-1.0',
  vim: 'Vim',
  wtfpl: 'WTFPL',
  zlib: 'Zlib',
};

/** SPDX id for a GitLab license key; null for GitLab's "other"/"no license" markers. */
export function gitlabLicenseToSpdx(key: string): string | null {
  const k = key.trim().toLowerCase();
  if (!k || k === 'other' || k === 'no-license') return null;
  return GITLAB_TO_SPDX[k] ?? k.toUpperCase();
}
