/**
 * The run viewer of `stachub track` in a real headless Chromium (Debian's /usr/bin/chromium driven by
 * playwright-core): a shim with a token, filled through the MLflow client's calls, browsed with the
 * token as Basic auth. The runs table sorts and pages with JavaScript off, a run page draws its metric
 * charts, a model version page shows its aliases and files; hostile names do not run; no page breaks
 * its Content-Security-Policy; axe-core finds no serious or critical problem. Screenshots go to
 * test-output/e2e/.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startTrackingServer, type TrackingServer } from '../../../pipelines/tracking/server.js';
import { MlflowTestClient } from '../../mlflow/shim-client.js';
import { repoRoot } from '../../helpers.js';
import { tempDir } from '../../tracking/helpers.js';
import { populate, type Populated } from '../../tracking/populate.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
const OUT = path.join(repoRoot, 'test-output', 'e2e');
const TOKEN = 'e2e-viewer-token';
const CREDENTIALS = { username: 'reader', password: TOKEN };

let server: TrackingServer;
let browser: Browser;
let p: Populated;
let sweep: string;

/** A context that signs in with the token, and records console errors (CSP violations land there). */
async function signedIn(opts: Parameters<Browser['newContext']>[0] = {}): Promise<{ ctx: BrowserContext; page: Page; errors: string[] }> {
  const ctx = await browser.newContext({ httpCredentials: CREDENTIALS, ...opts });
  const page = await ctx.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  return { ctx, page, errors };
}

async function runNames(page: Page): Promise<string[]> {
  return (await page.evaluate(`Array.from(document.querySelectorAll('tbody tr td:first-child a')).map((a) => a.textContent)`)) as string[];
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is missing at ${CHROMIUM}: apt-get install -y chromium`);
  server = await startTrackingServer({ storeDir: tempDir('stachub-viewer-e2e-'), port: 0, fsync: false, token: TOKEN });
  p = await populate(server.url, TOKEN);
  const c = new MlflowTestClient(server.url, TOKEN);
  sweep = await c.experiment('lr-sweep');
  for (let i = 0; i < 12; i++) {
    const r = await c.call('POST', 'runs/create', { experiment_id: sweep, start_time: 1_764_300_000_000 + i * 60_000, run_name: `sweep-${String(i).padStart(2, '0')}` });
    const id = (r['run'] as { info: { run_id: string } }).info.run_id;
    const metrics = Array.from({ length: 30 }, (_, step) => ({ key: 'val_acc', value: 0.5 + (0.4 * step) / 30 + ((i * 7) % 12) / 200, timestamp: 1_764_300_000_000 + step, step }));
    await c.call('POST', 'runs/log-batch', { run_id: id, params: [{ key: 'lr', value: String(10 ** -(1 + (i % 4))) }, { key: 'optimizer', value: i % 2 ? 'adam' : 'sgd' }], metrics });
    await c.call('POST', 'runs/update', { run_id: id, status: 'FINISHED', end_time: 1_764_300_000_000 + i * 60_000 + 45_000 });
  }
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  mkdirSync(OUT, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('the stachub track viewer in Chromium', () => {
  it('asks for the token (401, Basic) and shows the experiments once signed in', async () => {
    // Without credentials (what a browser gets before it prompts for the token).
    const anon = await browser.newContext();
    const res = await anon.request.get(server.url + '/');
    expect(res.status()).toBe(401);
    expect(res.headers()['www-authenticate']).toMatch(/^Basic realm="stachub track"/);
    await anon.close();
    const { ctx, page: signedPage, errors } = await signedIn();
    const ok = await signedPage.goto(server.url + '/');
    expect(ok?.status()).toBe(200);
    expect(await signedPage.textContent('h1')).toBe('Experiments');
    expect(await signedPage.locator('tbody tr').count()).toBe(5); // Default, flood-unet (1201), trees, flood3, lr-sweep
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('runs table: sorts by a metric and pages with plain links, chooses columns with a GET form (JavaScript off)', async () => {
    const { ctx, page, errors } = await signedIn({ javaScriptEnabled: false, viewport: { width: 1280, height: 900 } });
    await page.goto(`${server.url}/experiments/${sweep}?per=5`);
    expect(await runNames(page)).toEqual(['sweep-11', 'sweep-10', 'sweep-09', 'sweep-08', 'sweep-07']);
    // Sort by the metric: first click ascending, second descending.
    await page.click('thead a.sort:text("val_acc")');
    await page.waitForURL((u) => u.searchParams.get('sort') === 'm:val_acc' && u.searchParams.get('order') === 'asc');
    await page.click('thead a.sort:text("val_acc")');
    await page.waitForURL((u) => u.searchParams.get('order') === 'desc');
    const bonus = (i: number): number => (i * 7) % 12;
    const best = [...Array(12).keys()].sort((a, b) => bonus(b) - bonus(a)).map((i) => `sweep-${String(i).padStart(2, '0')}`);
    expect(await runNames(page)).toEqual(best.slice(0, 5));
    expect(await page.getAttribute('thead a.sort:text("val_acc")', 'aria-label')).toBe('val_acc, sorted descending');
    await page.click('a[rel="next"]');
    await page.waitForURL((u) => u.searchParams.get('page') === '2');
    expect(await runNames(page)).toEqual(best.slice(5, 10));
    expect(await page.textContent('.pager')).toContain('Page 2 of 3');
    await page.screenshot({ path: path.join(OUT, 'viewer-runs-desktop.png'), fullPage: true });
    // Columns: keep val_acc and optimizer only.
    await page.click('details.columns > summary');
    await page.uncheck('input[name="p"][value="lr"]');
    await page.click('details.columns button[type="submit"]');
    await page.waitForURL((u) => u.searchParams.get('cols') === '1');
    const heads = (await page.locator('thead th').allTextContents()).map((t) => t.replace(/[▲▼]/g, '').trim());
    expect(heads).toEqual(['Run', 'Started', 'Duration', 'Status', 'val_acc', 'optimizer']);
    // The sort survived the column choice.
    expect(await runNames(page)).toEqual(best.slice(0, 5));
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('run page: params, tags, one SVG chart per metric over its steps, artifact downloads', async () => {
    const { ctx, page, errors } = await signedIn({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${server.url}/experiments/${p.experiments.flood}/runs/${p.runs.flood[0]}`);
    expect(await page.textContent('h1')).toBe('train-flood-unet (1201)');
    expect(await page.locator('#metrics svg.chart').count()).toBe(2);
    const iou = page.locator('#metrics figure', { hasText: 'iou' }).locator('svg.chart');
    expect(await iou.locator('circle.dot').count()).toBe(5);
    expect(await iou.locator('path.line').count()).toBe(1);
    const box = await iou.boundingBox();
    expect(box!.width).toBeGreaterThan(200);
    expect(await page.locator('#params td').allTextContents()).toEqual(['epochs', '20', 'lr', '0.001']);
    const onnx = page.locator('#artifacts a', { hasText: 'model/model.onnx' });
    const [download] = await Promise.all([page.waitForEvent('download'), onnx.click()]);
    expect(download.suggestedFilename()).toBe('model.onnx');
    expect(readFileSync((await download.path())!).length).toBe(224);
    await page.screenshot({ path: path.join(OUT, 'viewer-run-desktop.png'), fullPage: true });
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('a hostile run name, param and tag are shown as text and never run', async () => {
    const { ctx, page, errors } = await signedIn();
    for (const url of [`/experiments/${p.experiments.trees}`, `/experiments/${p.experiments.trees}/runs/${p.runs.hostile}`]) {
      await page.goto(server.url + url);
      expect(await page.evaluate('window.__pwned')).toBeUndefined();
      expect(await page.locator('script').count()).toBe(0);
      expect(await page.locator('main img').count()).toBe(0);
    }
    expect(await page.textContent('h1')).toContain("<script>window.__pwned='x'</script>");
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('model version page: aliases, the run, the logged model and its files', async () => {
    const { ctx, page, errors } = await signedIn({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${server.url}/models/flood-unet%20(1201)`);
    expect(await page.locator('main .badge.alias').allTextContents()).toEqual(expect.arrayContaining(['@champion → v2', '@baseline → v1']));
    await page.click('a:text-is("v2")');
    await page.waitForURL(/\/models\/flood-unet%20\(1201\)\/versions\/2$/);
    expect(await page.locator('#overview .badge.alias').allTextContents()).toEqual(['@champion']);
    await page.screenshot({ path: path.join(OUT, 'viewer-model-version-desktop.png'), fullPage: true });
    await page.goto(`${server.url}/models/flood-unet-3x/versions/1`);
    await page.click(`#overview a[href="/experiments/${p.experiments.flood3}/models/${p.modelId}"]`);
    await page.waitForURL(new RegExp(`/models/${p.modelId}$`));
    expect(await page.locator('#artifacts a').allTextContents()).toEqual(['MLmodel', 'model.onnx']);
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('has no serious or critical accessibility violation (axe-core), light and dark', async () => {
    const axe = readFileSync(path.join(repoRoot, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
    const targets = [
      '/',
      `/experiments/${sweep}?per=5`,
      `/experiments/${p.experiments.flood}/runs/${p.runs.flood[0]}`,
      '/models',
      '/models/flood-unet%20(1201)',
      '/models/flood-unet%20(1201)/versions/2',
      `/experiments/${p.experiments.flood3}/models/${p.modelId}`,
    ];
    const problems: string[] = [];
    let checked = 0;
    for (const colorScheme of ['light', 'dark'] as const) {
      // axe is injected as a script: the viewer's CSP (no scripts at all) is bypassed for this check only.
      const ctx = await browser.newContext({ httpCredentials: CREDENTIALS, colorScheme, bypassCSP: true });
      const page = await ctx.newPage();
      for (const t of targets) {
        await page.goto(server.url + t);
        await page.addScriptTag({ content: axe });
        const violations = (await page.evaluate(
          `axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 3) })))`,
        )) as Array<{ id: string; impact: string; nodes: string[] }>;
        checked++;
        for (const v of violations) {
          if (v.impact === 'serious' || v.impact === 'critical') problems.push(`${colorScheme} ${t}: ${v.id} (${v.impact}) ${v.nodes.join(', ')}`);
        }
      }
      await ctx.close();
    }
    expect(checked).toBe(14);
    expect(problems).toEqual([]);
  }, 90_000);

  it('writes phone-width screenshots without horizontal page scrolling, and a dark one', async () => {
    const targets: Array<[string, string]> = [
      ['runs', `/experiments/${sweep}`],
      ['run', `/experiments/${p.experiments.flood}/runs/${p.runs.flood[0]}`],
      ['model-version', '/models/flood-unet%20(1201)/versions/2'],
    ];
    const { ctx, page } = await signedIn({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });
    for (const [name, url] of targets) {
      await page.goto(server.url + url);
      const file = path.join(OUT, `viewer-${name}-phone.png`);
      await page.screenshot({ path: file, fullPage: true });
      expect(existsSync(file)).toBe(true);
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    }
    await ctx.close();
    const dark = await signedIn({ viewport: { width: 1280, height: 900 }, colorScheme: 'dark', deviceScaleFactor: 1 });
    await dark.page.goto(`${server.url}/experiments/${p.experiments.flood}/runs/${p.runs.flood[0]}`);
    await dark.page.screenshot({ path: path.join(OUT, 'viewer-run-desktop-dark.png'), fullPage: true });
    await dark.ctx.close();
  }, 60_000);
});
