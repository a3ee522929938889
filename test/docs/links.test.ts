/**
 * The documentation's links lead somewhere: every relative link of the README, the pages of docs/
 * and the other Markdown files of the repository names a file that exists, and an anchor names a
 * heading of that file. A repository path the docs name in code (`bench/publish.ts`,
 * `npx vitest run test/tracking`) exists, so a renamed file or benchmark shows up here. Pointers into the docs written in code as `docs/<page>.md#<anchor>` (in a
 * comment, a `--help` text) are checked the same way.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers.js';
import { anchorsOf, codeSpansOf, docFiles, linksOf, slug } from './markdown.js';

/** Markdown files outside README.md and docs/ that link into them or within themselves. */
const OTHER_MARKDOWN = ['ARCHITECTURE.md', 'pipelines/components/README.md', 'examples/mlflow-export/README.md'];

/** What is wrong with `href` written in `file` (repository-relative), or null when it resolves. */
function brokenLink(file: string, href: string): string | null {
  if (/^[a-z][a-z0-9+.-]*:/i.test(href)) return null; // https:, mailto:...: not a file of the repository
  const [rawPath = '', anchor] = href.split('#', 2) as [string, string | undefined];
  const target = rawPath === '' ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), decodeURI(rawPath)));
  if (target.startsWith('..')) return `${href}: leaves the repository`;
  const abs = path.join(repoRoot, target);
  if (!existsSync(abs)) return `${href}: no file ${target}`;
  if (anchor === undefined || anchor === '') return null;
  if (statSync(abs).isDirectory() || !target.endsWith('.md')) return `${href}: an anchor into ${target}, which has no headings`;
  return anchorsOf(target).has(anchor) ? null : `${href}: no heading of ${target} has the anchor #${anchor}`;
}

describe('documentation links', () => {
  it('computes anchors as GitLab and GitHub do', () => {
    expect(slug('Releases: the image and the npm package')).toBe('releases-the-image-and-the-npm-package');
    expect(slug('Tracking server (`stachub track`)')).toBe('tracking-server-stachub-track');
    expect(slug('In the catalog (MLM v1.5.2)')).toBe('in-the-catalog-mlm-v152');
    expect(slug('Limits: what a hostile README can and cannot do')).toBe('limits-what-a-hostile-readme-can-and-cannot-do');
  });

  for (const file of [...docFiles(), ...OTHER_MARKDOWN]) {
    it(`${file}: every relative link and anchor resolves`, () => {
      const broken = linksOf(file)
        .map((href) => brokenLink(file, href))
        .filter((b): b is string => b !== null);
      expect(broken).toEqual([]);
    });
  }

  it('every repository path the README and docs/ name in code exists', () => {
    const top = /^(?:\.\/)?(?:generator|pipelines|test|bench|schemas|site|examples|docs|bin)\//;
    const missing: string[] = [];
    let named = 0;
    for (const file of docFiles()) {
      for (const span of codeSpansOf(file)) {
        for (const word of span.split(/\s+/)) {
          const p = word.replace(/[.,;:)]+$/, '');
          // Placeholders (`<id>`, `*.onnx`, `{a,b}`, `…`) name no single file.
          if (!top.test(p) || /[<>*{}…]/.test(p)) continue;
          named++;
          if (!existsSync(path.join(repoRoot, p))) missing.push(`${file}: ${p}`);
        }
      }
    }
    expect(named).toBeGreaterThan(20);
    expect(missing).toEqual([]);
  });

  it('every pointer into docs/ written in code names a page and a heading that exist', () => {
    const pointer = /(?<![\w/.-])docs\/([a-z0-9-]+\.md)#([a-z0-9-]+)/g;
    const found: string[] = [];
    const broken: string[] = [];
    const visit = (dir: string): void => {
      for (const d of readdirSync(path.join(repoRoot, dir), { withFileTypes: true })) {
        const rel = `${dir}/${d.name}`;
        if (d.isDirectory()) {
          if (!['node_modules', 'fixtures', 'golden', 'vendor'].includes(d.name)) visit(rel);
        } else if (/\.(ts|js|yml|hbs)$/.test(d.name)) {
          for (const m of readFileSync(path.join(repoRoot, rel), 'utf8').matchAll(pointer)) {
            found.push(`${rel}: ${m[0]}`);
            const why = brokenLink('README.md', `docs/${m[1]}#${m[2]}`);
            if (why) broken.push(`${rel}: ${why}`);
          }
        }
      }
    };
    for (const dir of ['generator', 'pipelines', 'bench', 'site']) visit(dir);
    expect(found.length).toBeGreaterThan(0);
    expect(broken).toEqual([]);
  });
});
