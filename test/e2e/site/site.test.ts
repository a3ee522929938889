/**
 * End-to-end tests of the generated site in a real headless Chromium (Debian's /usr/bin/chromium
 * driven by playwright-core): the demo (examples/: workspace and MLflow export, plus one project
 * whose README is hostile) is built through the real CLI into a temp folder, served by `stachub serve`'s server on 127.0.0.1,
 * and browsed. One browser for the whole file. Screenshots and the measured page weight go to
 * test-output/e2e/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { PACKAGES, requirePackages } from '../../system-packages.js';
import { main } from '../../../generator/cli.js';
import { startStaticServer, type StaticServer } from '../../../generator/serve/index.js';
import { repoRoot, schemaMapPairs } from '../../helpers.js';
import { writeSyntheticCatalog } from '../../../bench/synthetic-catalog.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// Chromium as root in a container: no sandbox, no GPU, nothing phoned home. playwright-core gives
// every launch a fresh temporary profile (it refuses --user-data-dir in launch()).
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
/** Budget of the home page: HTML, CSS, JS and favicon, without images (issue #5: under 100 kB). */
const HOME_BUDGET_BYTES = 100_000;
const OUT = path.join(repoRoot, 'test-output', 'e2e');

const HOSTILE_README = `---
title: Hostile README
license: MIT
---

# Hostile README

A model card that tries to run code in the catalog's pages.

<script>window.__pwned = 'script'</script>
<img src="./pic.png" onerror="window.__pwned = 'onerror'" onload="window.__pwned = 'onload'">
<a href="javascript:window.__pwned='link'" id="js-link">click me</a>
<a href="JaVaScRiPt:window.__pwned='mixed'">mixed case</a>
<div onmouseover="window.__pwned='hover'" id="hover-me">hover me</div>
<iframe src="javascript:window.parent.__pwned='frame'"></iframe>
<svg><script>window.__pwned='svg'</script></svg>
<object data="javascript:window.__pwned='object'"></object>
<form action="javascript:window.__pwned='form'"><button id="submit-me">Send</button></form>
[markdown link](javascript:window.__pwned='markdown')
`;

const HOSTILE_PROJECT = `id: 9901
path_with_namespace: sandbox/hostile-readme
name: Hostile README
name_with_namespace: Sandbox / Hostile README
description: A README full of script injections.
topics: [sharinghub:aimodel]
visibility: public
web_url: https://gitlab.example.com/sandbox/hostile-readme
default_branch: main
created_at: 2026-01-01T10:00:00Z
last_activity_at: 2026-01-02T10:00:00Z
star_count: 0
`;

let tmp: string;
let outDir: string;
let server: StaticServer;
let browser: Browser;
let buildLog = '';
let buildExit = -1;

/** A project as the search index describes it: its card, and each indexed word with its tiers (bit 0 title, 1 keywords, 2 id, 3 text only). */
interface IndexEntry {
  id: string;
  title: string;
  page: string;
  category: string;
  terms: Map<string, number>;
}

function htmlPages(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...htmlPages(dir, p));
    else if (entry.name.endsWith('.html')) out.push(p);
  }
  return out.sort();
}

/** Every project of a built site's search index (`_search/`), read back from its shards and card files. */
function searchIndex(dir: string = outDir): IndexEntry[] {
  const read = (p: string): unknown => JSON.parse(readFileSync(path.join(dir, '_search', p), 'utf8'));
  const meta = read('meta.json') as { docs: number; shards: number };
  const docs: IndexEntry[] = Array.from({ length: meta.docs }, (_, d) => {
    const c = read(`d/${d}.json`) as { id: string; title: string; href: string };
    return { id: c.id, title: c.title, page: c.href, category: c.href.split('/')[0]!, terms: new Map() };
  });
  for (let s = 0; s < meta.shards; s++) {
    for (const [term, cats] of Object.entries(read(`t/${s}.json`) as Record<string, Record<string, number[][]>>)) {
      if (term.includes('=')) continue;
      for (const tiers of Object.values(cats)) {
        tiers.forEach((tier, t) => {
          let doc = 0;
          for (const delta of tier) {
            doc += delta;
            docs[doc]!.terms.set(term, (docs[doc]!.terms.get(term) ?? 0) | (1 << t));
          }
        });
      }
    }
  }
  return docs;
}

/** A page that records every request leaving the loopback server (and blocks it). */
async function openPage(ctx: BrowserContext, external: string[], own: string = server.url): Promise<Page> {
  const page = await ctx.newPage();
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(own) || url.startsWith('data:')) return route.continue();
    external.push(url);
    return route.abort();
  });
  return page;
}

async function visibleCards(page: Page): Promise<string[]> {
  return (await page.evaluate(
    `Array.from(document.querySelectorAll('[data-list] > .card')).filter((c) => !c.hidden).map((c) => c.getAttribute('data-id'))`,
  )) as string[];
}

beforeAll(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), 'stachub-site-e2e-'));
  // The demo as shipped, plus one project with a hostile README, built by the real CLI.
  cpSync(path.join(repoRoot, 'examples'), path.join(tmp, 'examples'), { recursive: true });
  const hostile = path.join(tmp, 'examples', 'workspace', 'hostile-readme');
  mkdirSync(hostile, { recursive: true });
  writeFileSync(path.join(hostile, 'README.md'), HOSTILE_README);
  writeFileSync(path.join(hostile, 'stachub-project.yml'), HOSTILE_PROJECT);
  // A raster image: the workspace source republishes those (an SVG stays at its repository URL).
  cpSync(path.join(repoRoot, 'examples', 'workspace', 'flood-dashboard', 'preview.png'), path.join(hostile, 'pic.png'));
  outDir = path.join(tmp, 'public');
  const code = await main(
    ['node', 'stachub', 'build', '--config', path.join(tmp, 'examples', 'stachub.config.yml'), '--out', outDir],
    { stdout: (s) => void (buildLog += s), stderr: (s) => void (buildLog += s), now: () => new Date('2026-11-20T12:00:00Z'), env: {} },
  );
  if (!existsSync(path.join(outDir, 'index.html'))) throw new Error(`the demo build wrote no site (exit ${code}):\n${buildLog}`);
  buildExit = code;
  server = await startStaticServer(outDir, { port: 0 });
  requirePackages('the site end-to-end tests', PACKAGES.chromium);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  mkdirSync(OUT, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('the generated site in Chromium', () => {
  it('is built by stachub build from the demo workspace and its registry export', () => {
    expect(buildExit, buildLog).toBe(0);
  });

  it('finds a model by a word that only its README contains', async () => {
    const index = searchIndex();
    const models = index.filter((p) => p.category === 'ai-model');
    // A word of one model's description (text only) that no other project's words start with, and its card does not show.
    const home = readFileSync(path.join(outDir, 'search.html'), 'utf8').toLowerCase();
    let pick: { project: IndexEntry; word: string } | undefined;
    for (const project of models) {
      const words = [...project.terms].filter(([w, tiers]) => tiers === 8 && /^[a-z]{7,}$/.test(w)).map(([w]) => w);
      const word = words.find((w) => index.every((o) => o === project || !o.terms.has(w)) && !home.includes(w));
      if (word) {
        pick = { project, word };
        break;
      }
    }
    expect(pick, 'a model with a word found only in its README').toBeDefined();
    const external: string[] = [];
    const ctx = await browser.newContext();
    const page = await openPage(ctx, external);
    await page.goto(server.url);
    await page.fill('#home-q', pick!.word);
    await page.press('#home-q', 'Enter');
    await page.waitForURL(/search\.html\?q=/);
    await page.waitForFunction(`document.querySelectorAll('[data-list] > .card:not([hidden])').length === 1`);
    expect(await visibleCards(page)).toEqual([pick!.project.id]);
    expect(await page.textContent('[data-count]')).toBe('1');
    await ctx.close();
    expect(external).toEqual([]);
  });

  it('ranks a search by best match: title words before words deep in a README', async () => {
    const index = searchIndex();
    let word: string | undefined;
    for (const p of index) {
      for (const w of p.title.toLowerCase().split(/[^a-z]+/).filter((x) => x.length >= 5)) {
        if (index.some((o) => !o.title.toLowerCase().includes(w) && o.terms.has(w))) {
          word = w;
          break;
        }
      }
      if (word) break;
    }
    expect(word, 'a title word that other projects mention in their text').toBeDefined();
    const ctx = await browser.newContext();
    const page = await openPage(ctx, []);
    await page.goto(server.url + `search.html?q=${word}`);
    await page.waitForFunction(`document.querySelectorAll('[data-list] > .card:not([hidden])').length > 1`);
    expect(await page.inputValue('#sort')).toBe('relevance');
    // Every project with the word in its title comes before the ones that only mention it.
    const ranked = async (): Promise<boolean> => {
      const titles = (await page.evaluate(
        `Array.from(document.querySelectorAll('[data-list] > .card:not([hidden])')).map((c) => c.getAttribute('data-title'))`,
      )) as string[];
      const firstWithout = titles.findIndex((t) => !t.includes(word!));
      const lastWith = titles.map((t) => t.includes(word!)).lastIndexOf(true);
      return firstWithout > -1 && lastWith > -1 && lastWith < firstWithout;
    };
    await expect.poll(ranked).toBe(true);
    await ctx.close();
  });

  it('narrows a category with a filter, keeps it in the URL and after a reload', async () => {
    const ctx = await browser.newContext();
    const page = await openPage(ctx, []);
    await page.goto(server.url + 'ai-model/index.html');
    const all = await visibleCards(page);
    // The keyword that selects the fewest (but some) models.
    const options = (await page.evaluate(
      `Array.from(document.querySelectorAll('input[name="keyword"]')).map((i) => [i.value, Number(i.parentElement.querySelector('.count').textContent)])`,
    )) as Array<[string, number]>;
    const [keyword, count] = options.filter(([, n]) => n < all.length).sort((a, b) => a[1] - b[1])[0]!;
    await page.check(`input[name="keyword"][value="${keyword}"]`);
    await page.waitForURL((u) => u.searchParams.getAll('keyword').includes(keyword));
    await expect.poll(() => visibleCards(page)).toHaveLength(count);
    const narrowed = await visibleCards(page);
    expect(narrowed.length).toBeLessThan(all.length);
    await page.selectOption('#sort', 'title');
    await page.waitForURL((u) => u.searchParams.get('sort') === 'title');
    await page.reload();
    expect(await page.isChecked(`input[name="keyword"][value="${keyword}"]`)).toBe(true);
    expect(await page.inputValue('#sort')).toBe('title');
    await expect.poll(async () => [...(await visibleCards(page))].sort()).toEqual([...narrowed].sort());
    const titles = (await page.evaluate(
      `Array.from(document.querySelectorAll('[data-list] > .card:not([hidden])')).map((c) => c.getAttribute('data-title'))`,
    )) as string[];
    expect(titles).toEqual([...titles].sort((a, b) => a.localeCompare(b)));
    // Without the filter, the title order is a page of its own (precomputed, no index needed).
    await page.uncheck(`input[name="keyword"][value="${keyword}"]`);
    await page.waitForURL(/\/ai-model\/sort\/title\/index\.html$/);
    expect(await page.inputValue('#sort')).toBe('title');
    // Recently created first (SharingHub's other date order), computed from the index.
    await page.selectOption('#sort', 'created');
    await page.waitForURL((u) => u.searchParams.get('sort') === 'created');
    await page.locator('[data-list]:not([aria-busy])').waitFor({ state: 'attached' });
    const created = (await page.evaluate(
      `Array.from(document.querySelectorAll('[data-list] > .card:not([hidden])')).map((c) => c.getAttribute('data-created'))`,
    )) as string[];
    expect(created.length).toBe(all.length);
    expect(created).toEqual([...created].sort().reverse());
    await ctx.close();
  });

  it('lists every project of a category without JavaScript', async () => {
    const ctx = await browser.newContext({ javaScriptEnabled: false });
    const page = await ctx.newPage();
    await page.goto(server.url + 'ai-model/index.html?keyword=none-such');
    const cards = await page.locator('[data-list] > .card:visible').count();
    const expected = searchIndex().filter((p) => p.category === 'ai-model').length;
    expect(cards).toBe(expected);
    // Filters that could not work without scripts are not offered.
    expect(await page.locator('[data-filters]').isVisible()).toBe(false);
    await ctx.close();
  });

  it('shows a model page with its inputs table, its versions and a metric chart', async () => {
    const ctx = await browser.newContext();
    const page = await openPage(ctx, []);
    const withVersions = htmlPages(outDir).filter((p) => /<section id="versions"/.test(readFileSync(path.join(outDir, p), 'utf8')));
    expect(withVersions.length, 'a demo project with MLflow versions').toBeGreaterThan(0);
    await page.goto(server.url + withVersions[0]!);
    await expect.poll(() => page.locator('table.io caption', { hasText: 'Inputs' }).isVisible()).toBe(true);
    expect(await page.locator('table.io').first().locator('tbody tr').count()).toBeGreaterThan(0);
    expect(await page.locator('#versions table tbody tr').count()).toBeGreaterThan(0);
    expect(await page.locator('#versions svg.chart').first().isVisible()).toBe(true);
    await ctx.close();
  });

  it('resolves every link and image of every page, and requests nothing from another host', async () => {
    const pages = htmlPages(outDir);
    const external: string[] = [];
    const broken: string[] = [];
    const links = new Map<string, string>();
    const imageSources = new Map<string, string>();
    const ctx = await browser.newContext();
    const page = await openPage(ctx, external);
    for (const p of pages) {
      const response = await page.goto(server.url + p, { waitUntil: 'load' });
      expect(response?.status(), p).toBe(200);
      // Images are lazy: check each source over HTTP rather than waiting for it to scroll into view.
      const images = (await page.evaluate(`Array.from(document.images).map((i) => i.src)`)) as string[];
      for (const src of images) {
        if (!src.startsWith(server.url)) broken.push(`${p}: image from another host ${src}`);
        else imageSources.set(src, p);
      }
      const anchors = (await page.evaluate(
        `Array.from(document.querySelectorAll('a[href]')).map((a) => [a.href, a.getAttribute('href')])`,
      )) as Array<[string, string]>;
      for (const [href, raw] of anchors) {
        if (raw.startsWith('#')) {
          const id = decodeURIComponent(raw.slice(1));
          if (id && (await page.locator(`[id="${id}"]`).count()) === 0) broken.push(`${p}: anchor ${raw}`);
        } else if (href.startsWith(server.url)) links.set(href.split('#')[0]!, p);
      }
    }
    await ctx.close();
    for (const [href, from] of links) {
      const res = await fetch(href);
      await res.arrayBuffer();
      if (res.status !== 200) broken.push(`${from}: link ${href} -> ${res.status}`);
    }
    for (const [src, from] of imageSources) {
      const res = await fetch(src);
      await res.arrayBuffer();
      if (res.status !== 200 || !/^image\//.test(res.headers.get('content-type') ?? '')) broken.push(`${from}: image ${src} -> ${res.status}`);
    }
    expect(broken).toEqual([]);
    expect(external).toEqual([]);
    expect(links.size).toBeGreaterThan(pages.length);
    // Object stores (S3 REST endpoints) serve no index for a folder: every link names a file.
    expect([...links.keys()].filter((href) => href.split('?')[0]!.endsWith('/') && href !== server.url)).toEqual([]);
    expect(imageSources.size).toBeGreaterThan(0);
  }, 120_000);

  it('works from a sub-path: browsing, search and every resource the pages load', async () => {
    // The same output published under /hub/eo/ of a host (as on GitLab Pages or behind a prefix).
    const hostRoot = mkdtempSync(path.join(tmpdir(), 'stachub-subpath-'));
    mkdirSync(path.join(hostRoot, 'hub'));
    symlinkSync(outDir, path.join(hostRoot, 'hub', 'eo'), 'dir');
    const sub = await startStaticServer(hostRoot, { port: 0 });
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    const failed: string[] = [];
    page.on('response', (r) => {
      if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`);
    });
    try {
      await page.goto(sub.url + 'hub/eo/index.html');
      await page.click('.category-card a >> nth=0');
      await page.waitForURL(/\/hub\/eo\/[a-z0-9-]+\/index\.html$/);
      await page.click('[data-list] .card-title a >> nth=0');
      await page.waitForURL(/\/hub\/eo\/.+\/index\.html$/);
      await page.click('.breadcrumbs a >> nth=0');
      await page.waitForURL(/\/hub\/eo\/index\.html$/);
      await page.fill('#home-q', 'segmentation');
      await page.press('#home-q', 'Enter');
      await page.waitForURL(/\/hub\/eo\/search\.html\?q=segmentation$/);
      await page.waitForFunction(`document.querySelectorAll('[data-list] > .card:not([hidden])').length > 0`);
      expect(failed).toEqual([]);
    } finally {
      await ctx.close();
      await sub.close();
      rmSync(hostRoot, { recursive: true, force: true });
    }
  });

  it('works under a strict Content-Security-Policy (nothing inline, nothing from elsewhere)', async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
    });
    await page.route('**/*', async (route) => {
      const response = await route.fetch();
      const headers = { ...response.headers() };
      if (route.request().resourceType() === 'document') headers['content-security-policy'] = "default-src 'self'; base-uri 'none'; form-action 'self'";
      await route.fulfill({ response, headers });
    });
    const model = searchIndex().find((p) => p.category === 'ai-model' && /<section id="versions"/.test(readFileSync(path.join(outDir, p.page), 'utf8')))!;
    for (const p of ['index.html', 'ai-model/index.html', model.page]) await page.goto(server.url + p);
    // The site script still runs: a search in the category page narrows the list.
    await page.goto(server.url + 'ai-model/index.html');
    await page.fill('#q', 'zzzz-no-such-word');
    // A locator wait, not a string predicate: Playwright evaluates those with eval, which this CSP forbids.
    await page.locator('[data-empty]').waitFor({ state: 'visible' });
    expect(violations).toEqual([]);
    // A request still in the route handler (the favicon, say) must not outlive the context.
    await page.unrouteAll({ behavior: 'ignoreErrors' });
    await ctx.close();
  });

  it('executes nothing from a README with script tags, event handlers and javascript: links', async () => {
    const page_ = htmlPages(outDir).find((p) => p.includes('hostile-readme'));
    expect(page_, 'the hostile project was built').toBeDefined();
    const ctx = await browser.newContext();
    const page = await openPage(ctx, []);
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(server.url + page_!);
    await expect.poll(() => page.locator('.markdown').textContent()).toContain('click me');
    await page.click('text=click me');
    await page.click('text=mixed case');
    await page.hover('#main .markdown >> text=hover me');
    if ((await page.locator('#submit-me').count()) > 0) await page.click('#submit-me');
    await page.waitForTimeout(200);
    expect(await page.evaluate('window.__pwned')).toBeUndefined();
    expect(dialogs).toEqual([]);
    // Only the site's own scripts run; structured data is inert JSON.
    const scripts = (await page.evaluate(
      `Array.from(document.scripts).filter((s) => s.type !== 'application/ld+json').map((s) => s.getAttribute('src'))`,
    )) as Array<string | null>;
    expect(scripts.every((s) => s !== null && /assets\/(site|theme)\.js/.test(s))).toBe(true);
    const handlers = (await page.evaluate(
      `Array.from(document.querySelectorAll('*')).flatMap((e) => Array.from(e.attributes).filter((a) => /^on/i.test(a.name) || /^\\s*javascript:/i.test(a.value)).map((a) => e.tagName + ' ' + a.name))`,
    )) as string[];
    expect(handlers).toEqual([]);
    expect(await page.locator('.markdown iframe, .markdown object, .markdown form, .markdown svg').count()).toBe(0);
    await ctx.close();
  });

  it('can be used from the keyboard: skip link first, then the filters and the cards', async () => {
    const ctx = await browser.newContext();
    const page = await openPage(ctx, []);
    await page.goto(server.url + 'ai-model/index.html');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.className')).toBe('skip');
    expect(await page.evaluate('getComputedStyle(document.activeElement).top')).not.toMatch(/^-/);
    await page.keyboard.press('Enter');
    await page.waitForURL(/#main$/);
    // Tab on through the page: the search field, the sort select and a card link are reached.
    const reached = new Set<string>();
    for (let i = 0; i < 60; i++) {
      await page.keyboard.press('Tab');
      reached.add((await page.evaluate(`(() => { const e = document.activeElement; return e.closest('.card') ? 'card' : e.id || e.className || e.tagName; })()`)) as string);
    }
    expect(reached.has('q')).toBe(true);
    expect(reached.has('sort')).toBe(true);
    expect(reached.has('card')).toBe(true);
    expect(await page.evaluate(`document.activeElement.closest('header, main, footer') !== null`)).toBe(true);
    // Filtering by keyboard: type in the search field.
    await page.focus('#q');
    await page.keyboard.type('zzzz-no-such-word');
    await page.waitForFunction(`!document.querySelector('[data-empty]').hidden`);
    await ctx.close();
  });

  it('has no serious or critical accessibility violation (axe-core), light and dark', async () => {
    const axe = readFileSync(path.join(repoRoot, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
    const model = searchIndex().find((p) => p.category === 'ai-model' && p.terms.has('onnx')) ?? searchIndex()[0]!;
    const targets = ['index.html', 'ai-model/index.html', model.page];
    const problems: string[] = [];
    for (const colorScheme of ['light', 'dark'] as const) {
      const ctx = await browser.newContext({ colorScheme });
      const page = await openPage(ctx, []);
      for (const t of targets) {
        await page.goto(server.url + t);
        await page.addScriptTag({ content: axe });
        const violations = (await page.evaluate(
          `axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 3) })))`,
        )) as Array<{ id: string; impact: string; nodes: string[] }>;
        for (const v of violations) {
          if (v.impact === 'serious' || v.impact === 'critical') problems.push(`${colorScheme} ${t}: ${v.id} (${v.impact}) ${v.nodes.join(', ')}`);
        }
      }
      await ctx.close();
    }
    expect(problems).toEqual([]);
  }, 60_000);

  it('keeps the home page under its weight budget (HTML, CSS, JS, favicon; images excluded)', async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    const sizes: Array<{ url: string; type: string; bytes: number }> = [];
    page.on('response', async (r) => {
      const type = r.request().resourceType();
      if (type === 'image' && !r.url().endsWith('.svg')) return;
      const body = await r.body().catch(() => Buffer.alloc(0));
      sizes.push({ url: r.url().slice(server.url.length), type, bytes: body.length });
    });
    await page.goto(server.url, { waitUntil: 'networkidle' });
    await ctx.close();
    const total = sizes.reduce((n, s) => n + s.bytes, 0);
    writeFileSync(path.join(OUT, 'page-weight.json'), JSON.stringify({ budget: HOME_BUDGET_BYTES, total, files: sizes }, null, 2) + '\n');
    expect(sizes.map((s) => s.url)).toContain('');
    expect(total).toBeLessThan(HOME_BUDGET_BYTES);
  });

  it('writes screenshots of the home, a category and a model page at phone and desktop widths', async () => {
    const model = searchIndex().find((p) => p.category === 'ai-model' && /<section id="versions"/.test(readFileSync(path.join(outDir, p.page), 'utf8')))
      ?? searchIndex().find((p) => p.category === 'ai-model')!;
    const shots: Array<[string, string]> = [
      ['home', ''],
      ['category', 'ai-model/index.html'],
      ['model', model.page],
    ];
    for (const [width, label] of [[390, 'phone'], [1280, 'desktop']] as const) {
      const ctx = await browser.newContext({ viewport: { width, height: 900 }, deviceScaleFactor: 1 });
      const page = await ctx.newPage();
      for (const [name, url] of shots) {
        await page.goto(server.url + url);
        const file = path.join(OUT, `${name}-${label}.png`);
        await page.screenshot({ path: file, fullPage: true });
        expect(existsSync(file)).toBe(true);
        // No horizontal scrolling on any width.
        expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(width);
      }
      await ctx.close();
    }
    // The model page in the dark theme, for a look at the second palette.
    const dark = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'dark', deviceScaleFactor: 1 });
    const darkPage = await dark.newPage();
    await darkPage.goto(server.url + model.page);
    await darkPage.screenshot({ path: path.join(OUT, 'model-desktop-dark.png'), fullPage: true });
    await dark.close();
  }, 60_000);
});

/**
 * The same site at a larger size: 2,000 generated projects (bench/synthetic-catalog.ts), so the
 * lists have many pages and the search index many shards and chunks.
 */
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
    await page.click('.sort-links a:text("Title")');
    const seen: string[] = [];
    for (let n = 1; ; n++) {
      const ids = await cardIds(page);
      expect(ids.length, `page ${n}`).toBeLessThanOrEqual(48);
      seen.push(...ids);
      const next = page.locator('[data-pager] a[rel="next"]');
      if ((await next.count()) === 0) break;
      expect(await page.locator('link[rel="next"]').count()).toBe(1);
      await next.click();
      await page.waitForURL(new RegExp(`/dataset/sort/title/page/${n + 1}/index\\.html$`));
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
    await page.locator('[data-list]:not([aria-busy])').waitFor({ state: 'attached' });
    await expect.poll(() => page.textContent('[data-count]')).toBe(String(matching.length));
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
    await expect.poll(async () => (await cardIds(page)).length).toBe(96);
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
    await expect.poll(() => page.textContent('[data-count]'), { timeout: 30_000 }).toBe(String(count));
    expect(await page.locator('[data-pager]').isVisible()).toBe(false);
    const first = await cardIds(page);
    await page.reload();
    await expect.poll(() => page.textContent('[data-count]'), { timeout: 30_000 }).toBe(String(count));
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
    for (const t of ['dataset/page/2/index.html', 'search.html?q=data']) {
      await page.goto(big.url + t);
      await page.locator('[data-list]:not([aria-busy])').waitFor({ state: 'attached' });
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
