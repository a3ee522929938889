/**
 * Golden files of the demo site: `stachub build` on examples/ (fixed clock), and the HTML of the
 * home, a category, a model and a dataset page plus two search index files compared with
 * test/golden/site/. After an intended change of the site, refresh them with
 * `npx vitest run test/render/golden.test.ts -u` and review the diff.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../../generator/cli.js';
import { repoRoot } from '../helpers.js';

let tmp: string;
let log = '';

beforeAll(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), 'stachub-golden-site-'));
  await main(
    ['node', 'stachub', 'build', '--config', path.join(repoRoot, 'examples', 'stachub.config.yml'), '--out', path.join(tmp, 'public')],
    { stdout: (s) => void (log += s), stderr: (s) => void (log += s), now: () => new Date('2026-11-20T12:00:00Z'), env: {} },
  );
}, 60_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const read = (p: string): string => readFileSync(path.join(tmp, 'public', p), 'utf8');

describe('page weight of the demo', () => {
  it('keeps the home page with its CSS, scripts and favicon under 100 kB (images excluded)', () => {
    const home = read('index.html');
    const refs = [...home.matchAll(/<(?:link|script)[^>]+(?:href|src)="([^"?]+)(?:\?[^"]*)?"/g)]
      .map((m) => m[1]!)
      .filter((href) => /\.(css|js|svg)$/.test(href));
    expect(refs).toEqual(expect.arrayContaining(['assets/site.css', 'assets/site.js', 'assets/theme.js', 'assets/favicon.svg']));
    const total = Buffer.byteLength(home) + refs.reduce((n, r) => n + Buffer.byteLength(read(r)), 0);
    expect(total).toBeLessThan(100_000);
  });
});

describe('golden demo site', () => {
  const pages: Array<[string, string]> = [
    ['index.html', 'home.html'],
    ['ai-model/index.html', 'ai-model.html'],
    ['ai-model/eo-lab/flood-segmentation/index.html', 'flood-segmentation.html'],
    ['dataset/eo-lab/sen1floods11-dataset/index.html', 'sen1floods11-dataset.html'],
    ['_search/meta.json', 'search-meta.json'],
    ['_search/d/0.json', 'search-doc-0.json'],
  ];
  for (const [page, golden] of pages) {
    it(`renders ${page} as recorded`, async () => {
      let html: string;
      try {
        html = read(page);
      } catch (err) {
        throw new Error(`${page} was not built: ${String(err)}\n${log}`);
      }
      await expect(html).toMatchFileSnapshot(path.join(repoRoot, 'test', 'golden', 'site', golden));
    });
  }
});
