/**
 * The run viewer of `stachub track` over HTTP: every page reached by following links from `/`
 * answers 200, hostile names and values come out escaped, the runs table sorts, pages and chooses
 * its columns with plain links, run pages draw metric histories as SVG and link downloadable
 * artifacts, and reads follow the API's token rules (401 with `WWW-Authenticate: Basic`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTrackingServer, type TrackingServer } from '../../pipelines/tracking/server.js';
import { VIEWER_CSP } from '../../pipelines/tracking/viewer/index.js';
import { thin } from '../../pipelines/tracking/viewer/chart.js';
import { MlflowTestClient } from '../mlflow/shim-client.js';
import { tempDir } from './helpers.js';
import { HOSTILE, populate, type Populated } from './populate.js';

const TOKEN = 'viewer-token';
const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const AUTH = { authorization: basic('anyone', TOKEN) };

let server: TrackingServer;
let p: Populated;
let sweep: string;
const sweepRuns: string[] = [];
let longExp: string;
let longRun: string;
const LONG_POINTS = 50_000;

async function page(path: string, headers: Record<string, string> = AUTH): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(server.url + path, { headers });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

/** Names of the runs in the table body, in order. */
function runNames(html: string): string[] {
  const body = html.slice(html.indexOf('<tbody>'), html.indexOf('</tbody>'));
  return [...body.matchAll(/<tr><td><a href="[^"]*">([^<]*)<\/a>/g)].map((m) => m[1]!);
}

beforeAll(async () => {
  server = await startTrackingServer({ storeDir: tempDir('stachub-viewer-'), port: 0, fsync: false, token: TOKEN });
  p = await populate(server.url, TOKEN);
  // A sweep of 12 runs: enough for three pages of 5.
  const c = new MlflowTestClient(server.url, TOKEN);
  sweep = await c.experiment('sweep');
  for (let i = 0; i < 12; i++) {
    const r = await c.call('POST', 'runs/create', { experiment_id: sweep, start_time: 1_764_300_000_000 + i * 1000, run_name: `sweep-${String(i).padStart(2, '0')}` });
    const id = (r['run'] as { info: { run_id: string } }).info.run_id;
    sweepRuns.push(id);
    await c.call('POST', 'runs/log-batch', {
      run_id: id,
      params: [{ key: 'lr', value: String((i % 4) / 1000) }, { key: 'batch', value: String(8 * (1 + (i % 3))) }],
      metrics: [{ key: 'acc', value: ((i * 7) % 12) / 12, timestamp: 1_764_300_000_500 + i, step: 0 }, { key: 'loss', value: 1 - i / 12, timestamp: 1_764_300_000_500 + i, step: 0 }],
    });
  }
  // A long training: its chart is thinned, never the whole history.
  longExp = await c.experiment('long');
  const long = await c.call('POST', 'runs/create', { experiment_id: longExp, start_time: 1_764_400_000_000, run_name: 'long' });
  longRun = (long['run'] as { info: { run_id: string } }).info.run_id;
  for (let b = 0; b < LONG_POINTS / 1000; b++) {
    const metrics = Array.from({ length: 1000 }, (_, i) => ({ key: 'loss', value: b * 1000 + i === 31_337 ? 9 : 1 / (1 + b * 1000 + i), timestamp: 1_764_400_000_000 + b * 1000 + i, step: b * 1000 + i }));
    await c.call('POST', 'runs/log-batch', { run_id: longRun, metrics });
  }
}, 60_000);

afterAll(async () => {
  await server?.close();
});

describe('stachub track viewer: access', () => {
  it('asks a browser for the token: 401 with WWW-Authenticate Basic, nothing of the store in the answer', async () => {
    for (const path of ['/', `/experiments/${p.experiments.flood}`, '/models', '/viewer-assets/viewer.css']) {
      const r = await page(path, {});
      expect(r.status, path).toBe(401);
      expect(r.headers.get('www-authenticate')).toBe('Basic realm="stachub track", charset="UTF-8"');
      expect(r.text).not.toContain('flood');
    }
    expect((await page('/', { authorization: basic('anyone', 'wrong') })).status).toBe(401);
    expect((await page('/', { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    const ok = await page('/');
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-security-policy')).toBe(VIEWER_CSP);
    expect(ok.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(ok.headers.get('x-stachub-viewer')).toBe('/');
    // Every other answer carries it too: API answers, API errors, health, artifact listings.
    for (const [path, init, status] of [
      ['/api/2.0/mlflow/experiments/search?max_results=1', { headers: AUTH }, 200],
      ['/api/2.0/mlflow/runs/get?run_id=nope', { headers: AUTH }, 404],
      ['/api/2.0/mlflow/experiments/search', {}, 401],
      ['/health', {}, 200],
      ['/api/2.0/mlflow-artifacts/artifacts', { headers: AUTH }, 200],
      ['/nowhere/at/all', { headers: AUTH }, 404],
    ] as const) {
      const res = await fetch(server.url + path, init);
      await res.arrayBuffer();
      expect(res.status, path).toBe(status);
      expect(res.headers.get('x-stachub-viewer'), path).toBe('/');
    }
  });

  it('is read-only: POST to a page is 405 and changes nothing', async () => {
    const res = await fetch(server.url + '/', { method: 'POST', headers: AUTH, body: 'x' });
    expect(res.status).toBe(405);
  });

  it('lets anyone read with --anonymous-reads', async () => {
    const open = await startTrackingServer({ storeDir: tempDir('stachub-viewer-anon-'), port: 0, fsync: false, token: TOKEN, anonymousReads: true });
    try {
      const res = await fetch(open.url + '/');
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('Default');
    } finally {
      await open.close();
    }
  });
});

describe('stachub track viewer: pages', () => {
  it('every page reached by following links from / answers 200 (no dead link), and unknown ids 404', async () => {
    const seen = new Set<string>(['/']);
    const queue = ['/'];
    const statuses = new Map<string, number>();
    while (queue.length > 0 && seen.size < 400) {
      const path = queue.shift()!;
      const r = await page(path);
      statuses.set(path, r.status);
      if (!(r.headers.get('content-type') ?? '').startsWith('text/html')) continue;
      for (const m of r.text.matchAll(/(?:href|src)="(\/[^"#]*)/g)) {
        const link = m[1]!.replace(/&amp;/g, '&');
        if (!seen.has(link)) {
          seen.add(link);
          queue.push(link);
        }
      }
    }
    const bad = [...statuses].filter(([, s]) => s !== 200);
    expect(bad).toEqual([]);
    // The crawl reached every kind of page.
    const paths = [...statuses.keys()];
    expect(paths).toContain(`/experiments/${p.experiments.flood}/runs/${p.runs.flood[1]}`);
    expect(paths).toContain(`/experiments/${p.experiments.flood3}/models/${p.modelId}`);
    expect(paths).toContain('/models/flood-unet%20(1201)/versions/2');
    expect(paths).toContain(`/experiments/${p.experiments.flood}/runs/${p.runs.flood[1]}/artifacts/model/model.onnx`);
    expect(paths).toContain(`/experiments/${p.experiments.flood3}/models/${p.modelId}/artifacts/model.onnx`);
    expect(statuses.size).toBeGreaterThan(40);
    for (const missing of [
      '/experiments/999',
      `/experiments/999/runs/${p.runs.flood[0]}`,
      '/experiments/1/runs/nope',
      '/models/nope',
      '/models/flood-unet%20(1201)/versions/99',
      '/experiments/1/models/m-00',
      `/experiments/${p.experiments.flood}/runs/${p.runs.flood[0]}/artifacts/model/none.bin`,
      `/experiments/${p.experiments.flood}/runs/${p.runs.flood[0]}/artifacts/..%2F..%2Fjournal.log`,
      `/experiments/${p.experiments.trees}/runs/${p.runs.flood[0]}/artifacts/model/model.onnx`,
      '/nowhere/at/all',
    ]) {
      expect((await page(missing)).status, missing).toBe(404);
    }
  });

  it('escapes hostile run names, params and tags on every page that shows them', async () => {
    const pages = [`/experiments/${p.experiments.trees}`, `/experiments/${p.experiments.trees}/runs/${p.runs.hostile}`];
    for (const path of pages) {
      const { text } = await page(path);
      expect(text).not.toContain('<script>');
      expect(text).not.toContain('<img src=x');
      expect(text).toContain('&lt;script&gt;window.__pwned=&#39;x&#39;&lt;/script&gt;&lt;img src=x onerror=&quot;window.__pwned=&#39;y&#39;&quot;&gt;&quot;&#39;&amp;');
    }
    expect(HOSTILE).toContain('<script>');
  });

  it('runs table: default columns, sort by a metric both ways, three pages of 5, chosen columns only', async () => {
    const base = `/experiments/${sweep}`;
    const first = await page(base);
    expect(runNames(first.text)).toHaveLength(12);
    expect(runNames(first.text)[0]).toBe('sweep-11'); // newest first
    const head = first.text.slice(first.text.indexOf('<thead>'), first.text.indexOf('</thead>'));
    for (const col of ['acc', 'loss', 'batch', 'lr']) expect(head).toContain(`>${col}</a>`);
    const acc = (i: number): number => ((i * 7) % 12) / 12;
    const byAcc = [...Array(12).keys()].sort((a, b) => acc(b) - acc(a)).map((i) => `sweep-${String(i).padStart(2, '0')}`);
    const desc = await page(`${base}?sort=m%3Aacc&order=desc`);
    expect(runNames(desc.text)).toEqual(byAcc);
    const asc = await page(`${base}?sort=m%3Aacc&order=asc`);
    expect(runNames(asc.text)).toEqual([...byAcc].reverse());
    // Paging keeps the sort; Next and Previous are plain links.
    const p1 = await page(`${base}?sort=m%3Aacc&order=desc&per=5`);
    expect(runNames(p1.text)).toEqual(byAcc.slice(0, 5));
    expect(p1.text).toContain('Page 1 of 3');
    const next = /<a rel="next" href="([^"]+)"/.exec(p1.text)![1]!.replace(/&amp;/g, '&');
    const p2 = await page(next);
    expect(runNames(p2.text)).toEqual(byAcc.slice(5, 10));
    const last = await page(`${base}?sort=m%3Aacc&order=desc&per=5&page=3`);
    expect(runNames(last.text)).toEqual(byAcc.slice(10));
    expect(last.text).toContain('rel="prev"');
    expect(last.text).not.toContain('rel="next"');
    // The column form (GET): only the chosen columns.
    const chosen = await page(`${base}?cols=1&m=loss&p=lr`);
    const chosenHead = chosen.text.slice(chosen.text.indexOf('<thead>'), chosen.text.indexOf('</thead>'));
    expect(chosenHead).toContain('>loss</a>');
    expect(chosenHead).toContain('>lr</a>');
    expect(chosenHead).not.toContain('>acc</a>');
    expect(chosenHead).not.toContain('>batch</a>');
    // A header link toggles the order and keeps the chosen columns.
    const sortLink = /<a class="sort" href="([^"]+)"[^>]*>loss/.exec(chosen.text)![1]!.replace(/&amp;/g, '&');
    expect(sortLink).toContain('cols=1');
    expect(sortLink).toContain('m=loss');
    expect(sortLink).toContain('sort=m%3Aloss');
  });

  it('hides deleted runs unless asked', async () => {
    const trees = `/experiments/${p.experiments.trees}`;
    expect((await page(trees)).text).not.toContain('abandoned');
    expect((await page(`${trees}?view=deleted`)).text).toContain('abandoned');
  });

  it('run page: params, tags, a chart per metric over its steps, artifacts that download', async () => {
    const runId = p.runs.flood[0]!;
    const { text } = await page(`/experiments/${p.experiments.flood}/runs/${runId}`);
    expect(text).toContain('<code>lr</code></td><td>0.001</td>');
    expect(text).toContain('<code>mlflow.user</code></td><td>ana</td>');
    const iouChart = /<svg class="chart"[^>]*><title id="metric-\d+-t">iou over steps<\/title>.*?<\/svg>/s.exec(text)![0];
    expect(iouChart).toContain('5 point(s), steps 0 to 4, last value 0.705 at step 4');
    expect(iouChart.match(/<circle /g)).toHaveLength(5);
    expect(iouChart).toMatch(/<path class="line" d="M[\d. L]+"\/>/);
    const link = `/experiments/${p.experiments.flood}/runs/${runId}/artifacts/model/model.onnx`;
    expect(text).toContain(`href="${link}" download`);
    const res = await fetch(server.url + link, { headers: AUTH });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="model.onnx"');
    expect((await fetch(server.url + link)).status).toBe(401);
    expect((await res.arrayBuffer()).byteLength).toBe(224);
    // The registered version built from this run is linked.
    expect(text).toContain('href="/models/flood-unet%20(1201)/versions/1"');
  });

  it('model pages: versions with their aliases, and a version page with its files', async () => {
    const rm = await page('/models/flood-unet%20(1201)');
    expect(rm.text).toContain('@champion → v2');
    expect(rm.text).toContain('@baseline → v1');
    const v2 = await page('/models/flood-unet%20(1201)/versions/2');
    expect(v2.text).toContain('<li class="badge alias">@champion</li>');
    expect(v2.text).toContain('models:/flood-unet (1201)/2');
    const v3 = await page('/models/flood-unet-3x/versions/1');
    expect(v3.text).toContain(`href="/experiments/${p.experiments.flood3}/models/${p.modelId}"`);
    const file = /href="(\/experiments\/\d+\/models\/m-[0-9a-f]+\/artifacts\/model\.onnx)"/.exec(v3.text)![1]!;
    const res = await fetch(server.url + file, { headers: AUTH });
    expect(res.status).toBe(200);
    expect((await res.arrayBuffer()).byteLength).toBe(224);
  });
});

describe('stachub track viewer: charts', () => {
  it('draws a history of 50,000 points as one line of at most 400, with the spike kept', async () => {
    const { text } = await page(`/experiments/${longExp}/runs/${longRun}`);
    const chart = /<svg class="chart".*?<\/svg>/s.exec(text)![0];
    expect(chart).toContain('50000 point(s), steps 0 to 49999, last value 0.00002 at step 49999');
    const d = /<path class="line" d="([^"]+)"/.exec(chart)![1]!;
    const vertices = d.split(/[ML]/).filter(Boolean).length;
    expect(vertices).toBeGreaterThan(390);
    expect(vertices).toBeLessThanOrEqual(400);
    expect(chart).not.toContain('<circle');
    // The spike (value 9 at step 31337) is the top of the chart: the y axis reaches past it.
    expect(Number(/<text class="tick" x="46" y="[\d.]+" text-anchor="end">([\d.]+)<\/text><\/?[^>]*>?/.exec(chart.slice(chart.lastIndexOf('class="grid"')))?.[1] ?? '0')).toBeGreaterThan(9);
    expect(text).toContain('<td class="num">50000</td>');
  });

  it('thins a long history to 400 points keeping the ends and the extremes', () => {
    const points = Array.from({ length: 100_000 }, (_, i) => ({ step: i, value: Math.sin(i / 1000) + (i === 54_321 ? 5 : 0) }));
    const t = thin(points);
    expect(t.length).toBeLessThanOrEqual(400);
    expect(t.length).toBeGreaterThanOrEqual(398);
    expect(t[0]!.step).toBe(0);
    expect(t[t.length - 1]!.step).toBe(99_999);
    expect(t.some((x) => x.step === 54_321)).toBe(true);
    expect(t.map((x) => x.step)).toEqual([...t.map((x) => x.step)].sort((a, b) => a - b));
  });
});
