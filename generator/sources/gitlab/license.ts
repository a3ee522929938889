/**
 * License texts recognised without asking GitLab (the GraphQL fast path has the LICENSE text in hand).
 * The SPDX mapping of GitLab keys is the metadata stage's (generator/metadata/license.ts).
 */

/**
 * Root files GitLab's license detection reads (LICENSE, LICENCE, COPYING, UNLICENSE, with or
 * without an extension); the license link of a project points at this file.
 */
export const LICENSE_FILE = /^(un)?licen[cs]e(\.[a-z0-9]+)?$|^copying(\.[a-z0-9]+)?$/i;

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
