/**
 * End-to-end tests of the generated site at a larger size in a real headless Chromium: 2,000
 * generated projects (bench/synthetic-catalog.ts), built through the real CLI and served by
 * `stachub serve`'s server on 127.0.0.1, so the lists have many pages and the search index many
 * shards and chunks. One browser for the whole file. The demo site is site.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { PACKAGES, requirePackages } from '../../system-packages.js';
import { main } from '../../../generator/cli.js';
import { startStaticServer, type StaticServer } from '../../../generator/serve/index.js';
import { repoRoot } from '../../helpers.js';
import { writeSyntheticCatalog } from '../../../bench/synthetic-catalog.js';
import { CHROMIUM, CHROMIUM_ARGS, openPage, searchIndex, settled, type IndexEntry } from './helpers.js';

let browser: Browser;

beforeAll(async () => {
  requirePackages('the site end-to-end tests', PACKAGES.chromium);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

describe('a generated 2,000-project catalog in Chromium', () => {
  let bigTmp: string;
  let bigOut: string;
  let big: StaticServer;
  let bigLog = '';
  let index: IndexEntry[];

  beforeAll(async () => {
    bigTmp = mkdtempSync(path.join(tmpdir(), 'stachub-site-e2e-2000-'));
    const catalog = writeSyntheticCatalog(bigTmp, { projects: 2000, seed: 5 });
    bigOut = path.join(bigTmp, 'public');
    const code = await main(['node', 'stachub', 'build', '--config', catalog.config, '--out', bigOut, '--no-validate'], {
      stdout: (s) => void (bigLog += s),
      stderr: (s) => void (bigLog += s),
      now: () => new Date('2026-11-20T12:00:00Z'),
      env: {},
    });
    if (code !== 0 || !existsSync(path.join(bigOut, 'index.html'))) throw new Error(`the 2,000-project build failed (exit ${code}):\n${bigLog.slice(-2000)}`);
    big = await startStaticServer(bigOut, { port: 0 });
    index = searchIndex(bigOut);
  }, 900_000);

  afterAll(async () => {
    await big?.close();
    if (bigTmp) rmSync(bigTmp, { recursive: true, force: true });
  });

  const cardIds = async (page: Page): Promise<string[]> =>
    (await page.evaluate(`Array.from(document.querySelectorAll('[data-list] > .card')).map((c) => c.getAttribute('data-id'))`)) as string[];

  it('lists every project of a category without JavaScript, 48 a page, through the Next links of the title order', async () => {
    const expected = index.filter((p) => p.category === 'dataset').map((p) => p.id).sort();
    expect(expected.length).toBeGreaterThan(48 * 10);
    const ctx = await browser.newContext({ javaScriptEnabled: false });
    const page = await ctx.newPage();
    await page.goto(big.url + 'dataset/index.html');
    expect(await cardIds(page)).toHaveLength(48);
    // Each click is followed by the page it leads to, loaded: a list read while the document is
    // still being parsed would miss its last cards.
    await page.click('.sort-links a:text("Title")');
    await page.waitForURL(/\/dataset\/-\/sort\/title\/index\.html$/);
    const seen: string[] = [];
    for (let n = 1; ; n++) {
      await page.waitForLoadState('load');
      await page.locator('[data-pager]').waitFor({ state: 'attached' });
      const ids = await cardIds(page);
      expect(ids.length, `page ${n}`).toBeLessThanOrEqual(48);
      seen.push(...ids);
      const next = page.locator('[data-pager] a[rel="next"]');
      if ((await next.count()) === 0) break;
      expect(await page.locator('link[rel="next"]').count()).toBe(1);
      await next.click();
      await page.waitForURL(new RegExp(`/dataset/-/sort/title/page/${n + 1}/index\\.html$`));
    }
    expect([...seen].sort()).toEqual(expected);
    await ctx.close();
  }, 120_000);

  it('answers a search from the sharded index, ranked by best match, with the exact count', async () => {
    // A word in some titles and in more READMEs: more than two pages of results.
    const df = new Map<string, { all: number; title: number }>();
    for (const p of index) {
      for (const [t, tiers] of p.terms) {
        const e = df.get(t) ?? { all: 0, title: 0 };
        e.all++;
        if (tiers & 1) e.title++;
        df.set(t, e);
      }
    }
    const word = [...df].filter(([t, e]) => /^[a-z]+$/.test(t) && e.title > 0 && e.all > 100 && e.all < 1000).sort((a, b) => a[0].localeCompare(b[0]))[0]![0];
    const matching = index.filter((p) => p.terms.has(word));
    const inTitle = index.filter((p) => ((p.terms.get(word) ?? 0) & 1) === 1);
    expect(inTitle.length).toBeGreaterThan(0);
    expect(matching.length).toBeGreaterThan(inTitle.length);
    const ctx = await browser.newContext();
    const page = await openPage(ctx, [], big.url);
    const requested: string[] = [];
    page.on('request', (r) => requested.push(r.url()));
    await page.goto(big.url + `search.html?q=${word}`);
    await settled(page);
    expect(await page.textContent('[data-count]')).toBe(String(matching.length));
    const ids = await cardIds(page);
    expect(ids).toHaveLength(48);
    // Title matches first.
    const titled = new Set(inTitle.map((p) => p.id));
    const firstOther = ids.findIndex((id) => !titled.has(id));
    expect(firstOther === -1 ? ids.length : firstOther).toBe(Math.min(48, titled.size));
    // Only a few index files were fetched: one shard, some key chunks and the cards shown.
    const shards = requested.filter((u) => u.includes('/_search/t/'));
    expect(shards.length).toBeLessThanOrEqual(2);
    expect(requested.filter((u) => u.includes('/_search/d/'))).toHaveLength(48);
    await page.click('[data-more]');
    await settled(page);
    expect(await cardIds(page)).toHaveLength(96);
    await ctx.close();
  }, 60_000);

  it('filters a category by a facet value: the precomputed count, in the URL and after a reload', async () => {
    const ctx = await browser.newContext();
    const page = await openPage(ctx, [], big.url);
    await page.goto(big.url + 'dataset/index.html');
    const option = page.locator('#f-license option').nth(2);
    const value = (await option.getAttribute('value'))!;
    const count = Number(/\((\d+)\)$/.exec((await option.textContent())!)![1]);
    await page.selectOption('#f-license', value);
    await page.waitForURL((u) => u.searchParams.get('license') === value);
    await settled(page);
    expect(await page.textContent('[data-count]')).toBe(String(count));
    expect(await page.locator('[data-pager]').isVisible()).toBe(false);
    const first = await cardIds(page);
    await page.reload();
    await settled(page);
    expect(await page.textContent('[data-count]')).toBe(String(count));
    expect(await cardIds(page)).toEqual(first);
    expect(await page.inputValue('#f-license')).toBe(value);
    // Newest first, as the category page itself.
    const updated = (await page.evaluate(`Array.from(document.querySelectorAll('[data-list] > .card')).map((c) => c.getAttribute('data-updated'))`)) as string[];
    expect(updated).toEqual([...updated].sort().reverse());
    await ctx.close();
  }, 60_000);

  it('has no serious or critical accessibility violation on a list page and on search results (axe-core)', async () => {
    const axe = readFileSync(path.join(repoRoot, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
    const ctx = await browser.newContext();
    const page = await openPage(ctx, [], big.url);
    const problems: string[] = [];
    for (const t of ['dataset/-/page/2/index.html', 'search.html?q=data']) {
      await page.goto(big.url + t);
      await settled(page);
      await page.addScriptTag({ content: axe });
      const violations = (await page.evaluate(
        `axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 3) })))`,
      )) as Array<{ id: string; impact: string; nodes: string[] }>;
      for (const v of violations) if (v.impact === 'serious' || v.impact === 'critical') problems.push(`${t}: ${v.id} (${v.impact}) ${v.nodes.join(', ')}`);
    }
    expect(problems).toEqual([]);
    await ctx.close();
  }, 60_000);
});
