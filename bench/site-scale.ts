/**
 * The site and the build at scale: N synthetic projects (bench/synthetic-catalog.ts: READMEs of
 * 1-5 KB, 10% models with MLflow versions) built from a workspace by `stachub build` in a child
 * process, then browsed in headless Chromium.
 *
 * Measures: build wall time, CPU time and peak RSS; output files and bytes; the bytes a visitor
 * loads (gzip, as a compressing server or CDN sends them) for the home page, a category page, a
 * first search query and a filtered category, each with everything the page fetches; the time a
 * query takes to answer in the page (cold: its index files not yet loaded); and the files a
 * one-project change rewrites (a new commit on one project, rebuilt an hour later).
 *
 * Peer: the single-page lists and the whole search index of stachub before pagination: a category
 * page with every card, `search.html` with every card, `search-index.json` with every project's
 * words. Their sizes are computed from this build (the average card of its pages times the
 * number of projects; the index as it was written: id, title, page, category and up to 800
 * distinct words per project), and printed as ratios.
 *
 *   npx tsx bench/site-scale.ts [--sizes 10000,100000] [--timeout-min 20] [--heap-mb 1500] [--jobs N] [--word W] [--query-runs 5] [--keep DIR [--reuse]] [--build-only | --browse-only]
 *
 * `--keep DIR` keeps each size's workspace and output under DIR/N; with `--reuse`, a workspace
 * already there is built again instead of written anew (its output folder is removed first, so the
 * first build is still a full one). The synthetic catalog is seeded: the same N gives the same one.
 * `--jobs N` is the build's `--jobs` (render threads; default: one per core). `--build-only` measures
 * the full build alone (no browser, no one-project change). `--browse-only` (with `--keep DIR`)
 * takes the visitor measures alone on the output a kept run already built: no build, no change.
 *
 * Schema validation is left out of the measured build (`--no-validate`: the schemas are not
 * shipped with the bench); links are still checked.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startStaticServer } from '../generator/serve/index.js';
import { changeProject, syntheticWord, writeSyntheticCatalog, type SyntheticCatalog } from './synthetic-catalog.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
};
const SIZES = arg('sizes', '10000').split(',').map(Number);
const TIMEOUT_MS = Number(arg('timeout-min', '20')) * 60_000;
/** The build's V8 heap limit (MB), as an operator sets it with NODE_OPTIONS=--max-old-space-size. */
const HEAP_MB = Number(arg('heap-mb', '1500'));
const KEEP = process.argv.includes('--keep') ? arg('keep', '') : '';
const REUSE = KEEP !== '' && process.argv.includes('--reuse');
const JOBS = arg('jobs', '');
const BUILD_ONLY = process.argv.includes('--build-only');
const BROWSE_ONLY = process.argv.includes('--browse-only');
if (BROWSE_ONLY && (BUILD_ONLY || !KEEP)) throw new Error('--browse-only measures the output of a kept run: give --keep DIR, without --build-only');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** The query of the search measures (its frequency in titles and READMEs is printed). */
const WORD = arg('word', syntheticWord(300));

interface BuildRun {
  wallS: number;
  cpuS: number;
  peakRssMB: number;
  written: number;
  unchanged: number;
  exit: number;
}

/** `stachub build` in a child process (the CLI from source through tsx), with its own measures. */
function runBuild(catalog: SyntheticCatalog, out: string): Promise<BuildRun> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(
      process.execPath,
      [`--max-old-space-size=${HEAP_MB}`, '--import', import.meta.resolve('tsx'), path.join(here, 'stachub-child.ts'), 'build', '--config', catalog.config, '--out', out, '--no-validate', ...(JOBS ? ['--jobs', JOBS] : [])],
      { cwd: catalog.dir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.resume();
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const usage = /child-usage (\{.*\})/.exec(err);
      if (!usage) return reject(new Error(`build did not finish (exit ${code}):\n${err.slice(-3000)}`));
      const u = JSON.parse(usage[1]!) as { maxRSS: number; userCPUTime: number; systemCPUTime: number };
      const wrote = /(\d+) new or changed, (\d+) unchanged/.exec(err);
      resolve({
        wallS: (Date.now() - started) / 1000,
        cpuS: (u.userCPUTime + u.systemCPUTime) / 1e6,
        peakRssMB: u.maxRSS / 1024,
        written: Number(wrote?.[1] ?? NaN),
        unchanged: Number(wrote?.[2] ?? NaN),
        exit: code ?? -1,
      });
    });
  });
}

function walk(dir: string, rel = '', out = new Map<string, number>()): Map<string, number> {
  for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) walk(dir, p, out);
    else out.set(p, statSync(path.join(dir, p)).size);
  }
  return out;
}

const gz = (b: Buffer | string): number => gzipSync(b).length;

interface Visit {
  files: number;
  rawBytes: number;
  gzBytes: number;
}

/** Open a URL in a fresh context and count every response (gzip size of each body). */
async function visit(browser: Browser, url: string, ready: (page: Page) => Promise<void>): Promise<Visit> {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  const bodies: Array<Promise<Buffer>> = [];
  page.on('response', (r) => bodies.push(r.body().catch(() => Buffer.alloc(0))));
  await page.goto(url, { waitUntil: 'load' });
  await ready(page);
  await page.waitForLoadState('networkidle');
  const all = await Promise.all(bodies);
  await ctx.close();
  return { files: all.length, rawBytes: all.reduce((n, b) => n + b.length, 0), gzBytes: all.reduce((n, b) => n + gz(b), 0) };
}

const settled = async (page: Page): Promise<void> => {
  await page.locator('[data-list]:not([aria-busy])').waitFor({ state: 'attached' });
  await page.locator('[data-list] > .card').first().waitFor({ state: 'attached', timeout: 30_000 }).catch(() => undefined);
};

/** Time (ms) from submitting a query in the page to its results shown, index files not yet loaded. */
async function answerTime(browser: Browser, url: string, action: string): Promise<{ ms: number; count: string }> {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(url, { waitUntil: 'networkidle' });
  const ms = (await page.evaluate(`new Promise((resolve) => {
    const list = document.querySelector('[data-list]');
    const t0 = performance.now();
    let busy = false;
    const obs = new MutationObserver(() => {
      if (list.hasAttribute('aria-busy')) { busy = true; return; }
      if (busy) { obs.disconnect(); resolve(performance.now() - t0); }
    });
    obs.observe(list, { attributes: true });
    ${action}
  })`)) as number;
  const count = (await page.textContent('[data-count]')) ?? '';
  await ctx.close();
  return { ms, count };
}

/** Each query is timed this many times, each in a fresh browser context (its index files not loaded). */
const QUERY_RUNS = Number(arg('query-runs', '5'));

/** `answerTime` run QUERY_RUNS times: the times and the result count of the last run. */
async function answerTimes(browser: Browser, url: string, action: string): Promise<{ ms: number[]; count: string }> {
  const ms: number[] = [];
  let count = '';
  for (let r = 0; r < QUERY_RUNS; r++) {
    const run = await answerTime(browser, url, action);
    ms.push(run.ms);
    count = run.count;
  }
  return { ms, count };
}

/** min / median / max of some times, in ms. */
function spread(ms: number[]): string {
  const s = ms.slice().sort((a, b) => a - b);
  return `${s[0]!.toFixed(0)} / ${s[Math.floor(s.length / 2)]!.toFixed(0)} / ${s[s.length - 1]!.toFixed(0)} ms`;
}

/** The size of an average card of a list page's HTML. */
function averageCard(html: string): number {
  const cards = [...html.matchAll(/<li class="card"[\s\S]*?\n<\/li>/g)].map((m) => m[0].length);
  return cards.reduce((n, c) => n + c, 0) / Math.max(1, cards.length);
}

/** The single-file search index of before, from the workspace READMEs (its size, raw and gzip). */
function legacyIndexSize(catalog: SyntheticCatalog): { raw: number; gz: number } {
  const parts: string[] = [];
  for (const folder of readdirSync(catalog.workspace).sort()) {
    const readme = readFileSync(path.join(catalog.workspace, folder, 'README.md'), 'utf8');
    const descriptor = readFileSync(path.join(catalog.workspace, folder, 'stachub-project.yml'), 'utf8');
    const title = /^title: (.*)$/m.exec(readme)?.[1] ?? '';
    const id = /^path_with_namespace: (.*)$/m.exec(descriptor)?.[1] ?? '';
    const body = readme.replace(/^---[\s\S]*?\n---\n/, '');
    const words = [...new Set(`${title} ${id} ${body}`.toLowerCase().split(/[^\p{L}\p{N}_.+-]+/u).filter(Boolean))].slice(0, 800);
    parts.push(JSON.stringify({ id, title, page: `category/${id}/index.html`, category: 'category', text: words.join(' ') }));
  }
  const text = `{"generatedAt":"2026-01-01T00:00:00.000Z","projects":[${parts.join(',')}]}\n`;
  return { raw: Buffer.byteLength(text), gz: gz(text) };
}

/** The machine's load averages (1, 5, 15 min): wall times on a shared machine need them beside. */
const load = (): string => `load ${loadavg().map((l) => l.toFixed(1)).join(' / ')}`;
const kB = (n: number): string => `${(n / 1000).toFixed(1)} kB`;
const ratio = (a: number, b: number): string => `${(a / b).toFixed(1)}x`;

async function measure(n: number, browser: Browser | null): Promise<void> {
  const work = KEEP ? path.resolve(KEEP, String(n)) : mkdtempSync(path.join(tmpdir(), `stachub-site-scale-${n}-`));
  mkdirSync(work, { recursive: true });
  try {
    const t0 = Date.now();
    const reused = REUSE && existsSync(path.join(work, 'stachub.config.yml'));
    const catalog: SyntheticCatalog = reused
      ? { dir: work, config: path.join(work, 'stachub.config.yml'), workspace: path.join(work, 'workspace'), projects: n }
      : writeSyntheticCatalog(work, { projects: n });
    console.log(`\n## ${n.toLocaleString('en')} projects (workspace ${reused ? 'reused' : 'written'} in ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    const out = path.join(work, 'public');
    if (BROWSE_ONLY && !existsSync(path.join(out, 'index.html'))) throw new Error(`--browse-only: no built output in ${out}`);
    if (!BROWSE_ONLY) rmSync(out, { recursive: true, force: true });
    const loadBefore = load();
    const first = BROWSE_ONLY ? undefined : await runBuild(catalog, out);
    const files = walk(out);
    const bytes = [...files.values()].reduce((a, b) => a + b, 0);
    if (first) console.log(`full build (V8 heap limit ${HEAP_MB} MB, render threads: ${JOBS || "one per core"}): ${first.wallS.toFixed(1)} s wall, ${first.cpuS.toFixed(1)} s CPU, peak RSS ${first.peakRssMB.toFixed(0)} MB, exit ${first.exit} (${loadBefore} before, ${load()} after)`);
    console.log(`output: ${files.size.toLocaleString('en')} files, ${(bytes / 1e6).toFixed(1)} MB (search index: ${[...files.keys()].filter((p) => p.startsWith('_search/') && p.endsWith('.json')).length.toLocaleString('en')} files)`);
    if (BUILD_ONLY || !browser) return;

    const server = await startStaticServer(out, { port: 0 });
    try {
      const cat = 'dataset';
      const catHtml = readFileSync(path.join(out, cat, 'index.html'), 'utf8');
      const license = /name="license"[\s\S]*?<option value="([^"]+)">/.exec(catHtml)?.[1] ?? 'MIT';
      // A word of the synthetic vocabulary in some titles and more READMEs.
      const word = WORD;
      const home = await visit(browser, server.url, async () => undefined);
      const category = await visit(browser, `${server.url}${cat}/index.html`, settled);
      const search = await visit(browser, `${server.url}search.html?q=${word}`, settled);
      const filtered = await visit(browser, `${server.url}${cat}/index.html?license=${encodeURIComponent(license)}`, settled);
      const q = await answerTimes(browser, `${server.url}search.html`, `const i = document.querySelector('#q'); i.value = ${JSON.stringify(word)}; i.form.requestSubmit();`);
      const f = await answerTimes(
        browser,
        `${server.url}${cat}/index.html`,
        `const s = document.querySelector('#f-license'); s.value = ${JSON.stringify(license)}; s.dispatchEvent(new Event('change', { bubbles: true }));`,
      );
      console.log(`visitor loads (gzip, all files of the visit): home ${kB(home.gzBytes)} (${home.files} files), category ${kB(category.gzBytes)}, first search "${word}" ${kB(search.gzBytes)} (${search.files} files), filtered category (license=${license}) ${kB(filtered.gzBytes)} (${filtered.files} files)`);
      console.log(`browser measures taken at ${load()}`);
      console.log(
        `query answer in Chromium (cold index, ${QUERY_RUNS} runs, min/median/max): search "${word}" ${spread(q.ms)} (${q.count} results), filter ${spread(f.ms)} (${f.count} results)`,
      );

      // Peer: the single-page lists and the whole index of before.
      const catCount = Number(/<span data-count>(\d+)<\/span>/.exec(catHtml)?.[1] ?? 0);
      const searchHtml = readFileSync(path.join(out, 'search.html'), 'utf8');
      const card = averageCard(catHtml);
      const legacyCategory = catHtml.length + card * (catCount - 48);
      const legacySearchPage = searchHtml.length + averageCard(searchHtml) * (n - 48);
      const legacyIndex = legacyIndexSize(catalog);
      const assets = category.gzBytes - gz(catHtml);
      const gzCategoryLegacy = gz(catHtml) * (legacyCategory / catHtml.length);
      const gzSearchLegacy = gz(searchHtml) * (legacySearchPage / searchHtml.length);
      const peer = {
        category: gzCategoryLegacy + assets,
        search: gzSearchLegacy + assets + legacyIndex.gz,
        filtered: gzCategoryLegacy + assets,
      };
      console.log(
        `peer (single-page lists, whole index; computed): category page ${kB(peer.category)}, first search ${kB(peer.search)} (search.html ${(legacySearchPage / 1e6).toFixed(1)} MB raw + search-index.json ${(legacyIndex.raw / 1e6).toFixed(1)} MB raw), filtered ${kB(peer.filtered)}`,
      );
      console.log(`ratios peer / stachub: category ${ratio(peer.category, category.gzBytes)}, first search ${ratio(peer.search, search.gzBytes)}, filtered ${ratio(peer.filtered, filtered.gzBytes)}`);
    } finally {
      await server.close();
    }

    if (BROWSE_ONLY) return;
    // One project's change: a new commit on a project from the middle of the catalog, an hour later.
    const before = walk(out);
    changeProject(catalog, Math.floor(n / 2), new Date(Date.now() + 3_600_000));
    const loadBefore2 = load();
    const second = await runBuild(catalog, out);
    const after = walk(out);
    const deleted = [...before.keys()].filter((p) => !after.has(p)).length;
    console.log(`one-project change: rebuild ${second.wallS.toFixed(1)} s, ${second.written} file(s) written (new or changed), ${deleted} deleted, ${second.unchanged.toLocaleString('en')} unchanged (${second.cpuS.toFixed(1)} s CPU, peak RSS ${second.peakRssMB.toFixed(0)} MB; ${loadBefore2} before, ${load()} after)`);
    // Before, every HTML page carried the build date and relative update times, and every list and
    // the index were single files: every page was rewritten by any rebuild.
    const peerRewrites = [...before.keys()].filter((p) => p.endsWith('.html') && !/(^|\/)(page|sort)\/|^_search\//.test(p)).length + 1;
    console.log(`peer one-project change: ${peerRewrites.toLocaleString('en')} files rewritten (every HTML page and search-index.json); ratio ${ratio(peerRewrites, second.written)}`);
  } finally {
    if (!KEEP) rmSync(work, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (BUILD_ONLY) {
    for (const n of SIZES) await measure(n, null);
    return;
  }
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium`);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking'] });
  try {
    for (const n of SIZES) await measure(n, browser);
  } finally {
    await browser.close();
  }
}

await main();
