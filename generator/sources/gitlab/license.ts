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

/** Well-known license texts recognised by their opening words (GitLab's own detector, licensee, agrees on these). */
const SIGNATURES: { key: string; name: string; test: (t: string) => boolean }[] = [
  { key: 'agpl-3.0', name: 'GNU Affero General Public License v3.0', test: (t) => t.includes('GNU AFFERO GENERAL PUBLIC LICENSE') && t.includes('Version 3') },
  { key: 'lgpl-3.0', name: 'GNU Lesser General Public License v3.0', test: (t) => t.includes('GNU LESSER GENERAL PUBLIC LICENSE') && t.includes('Version 3') },
  { key: 'lgpl-2.1', name: 'GNU Lesser General Public License v2.1', test: (t) => t.includes('GNU LESSER GENERAL PUBLIC LICENSE') && t.includes('Version 2.1') },
  { key: 'gpl-3.0', name: 'GNU General Public License v3.0', test: (t) => t.includes('GNU GENERAL PUBLIC LICENSE') && t.includes('Version 3') },
  { key: 'gpl-2.0', name: 'GNU General Public License v2.0', test: (t) => t.includes('GNU GENERAL PUBLIC LICENSE') && t.includes('Version 2') },
  { key: 'apache-2.0', name: 'Apache License 2.0', test: (t) => /^\s*Apache License\s+Version 2\.0, January 2004/.test(t) },
  { key: 'mpl-2.0', name: 'Mozilla Public License 2.0', test: (t) => /^\s*Mozilla Public License Version 2\.0/.test(t) },
  { key: 'mit', name: 'MIT License', test: (t) => /^\s*(The )?MIT License\b/i.test(t) },
  { key: 'unlicense', name: 'The Unlicense', test: (t) => /^\s*This is free and unencumbered software released into the public domain/.test(t) },
  { key: 'cc0-1.0', name: 'Creative Commons Zero v1.0 Universal', test: (t) => /^\s*(Creative Commons Legal Code\s+)?CC0 1\.0 Universal/.test(t) },
  { key: 'bsl-1.0', name: 'Boost Software License 1.0', test: (t) => /^\s*Boost Software License - Version 1\.0/.test(t) },
  { key: 'epl-2.0', name: 'Eclipse Public License 2.0', test: (t) => /^\s*Eclipse Public License - v 2\.0/.test(t) },
];

/**
 * The GitLab license key of a LICENSE text when it is one of the well-known texts above, read from
 * its heading only; null otherwise (the caller then asks GitLab, which runs the full detector).
 */
export function detectLicense(text: string): { key: string; name: string } | null {
  const head = text.slice(0, 600);
  for (const s of SIGNATURES) if (s.test(head)) return { key: s.key, name: s.name };
  return null;
}
