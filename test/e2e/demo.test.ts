/**
 * The demo workspace end to end through the real CLI: build, validate with the official schemas
 * stachub ships (no flag, no network), and pin every generated STAC document with golden files.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../generator/cli.js';
import type { BuildReport } from '../../generator/report.js';
import { repoRoot } from '../helpers.js';

const NOW = new Date('2026-11-01T12:00:00Z');
let out: string;
let buildCode: number;
let stderr = '';
let cache: string;
/** Every URL the CLI tried to download: the demo must need none (its schemas ship with stachub). */
const fetched: string[] = [];

async function run(argv: string[], env: NodeJS.ProcessEnv = { XDG_CACHE_HOME: cache }): Promise<{ code: number; stdout: string; stderr: string }> {
  let so = '';
  let se = '';
  const code = await main(['node', 'stachub', ...argv], { stdout: (s) => (so += s), stderr: (s) => (se += s), now: () => NOW, env });
  return { code, stdout: so, stderr: se };
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const d of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${d.name}` : d.name;
    if (d.isDirectory()) out.push(...(await listFiles(path.join(dir, d.name), rel)));
    else out.push(rel);
  }
  return out.sort();
}

beforeAll(async () => {
  out = await mkdtemp(path.join(os.tmpdir(), 'stachub-demo-'));
  // An empty schema cache and no network: only the schemas shipped in schemas/vendor are there.
  cache = await mkdtemp(path.join(os.tmpdir(), 'stachub-demo-cache-'));
  vi.stubGlobal('fetch', async (url: unknown) => {
    fetched.push(String(url));
    throw new TypeError('fetch failed (no network in this test)');
  });
  const r = await run(['build', '--config', path.join(repoRoot, 'examples/stachub.config.yml'), '--out', out]);
  buildCode = r.code;
  stderr = r.stderr;
});
afterAll(async () => {
  vi.unstubAllGlobals();
  await rm(out, { recursive: true, force: true });
  await rm(cache, { recursive: true, force: true });
});

describe('demo catalog', () => {
  it('builds with exit 0 and a console summary', () => {
    expect(buildCode, stderr).toBe(0);
    expect(stderr).toMatch(/11 project\(s\) -> 17 item\(s\) in 4 collection\(s\)/);
    expect(stderr).toMatch(/left out: 1 not allowed by visibility, 1 archived/);
  });

  it('checks every STAC document against its schemas with no network and no --schema-map', async () => {
    const report = JSON.parse(await readFile(path.join(out, 'build-report.json'), 'utf8')) as BuildReport;
    expect(report.counts.schemaChecked).toBe(22);
    expect(stderr).toMatch(/22 STAC document\(s\) checked against their schemas/);
    expect(report.messages.filter((m) => m.code === 'stac/schemas-unavailable')).toEqual([]);
    expect(fetched).toEqual([]);
  });

  it('validates with no flag and no network: every schema and every link', async () => {
    const r = await run(['validate', out]);
    expect(r.stdout).toMatch(/22 document\(s\) checked: valid, every link resolves/);
    expect(r.code).toBe(0);
    expect(fetched).toEqual([]);
  });

  it('publishes the DVC-tracked data of the dataset as assets at its DVC remote, with size and md5 checksum', async () => {
    const item = JSON.parse(await readFile(path.join(out, 'dataset/eo-lab/sen1floods11-dataset/sen1floods11-dataset.json'), 'utf8')) as {
      stac_extensions: string[];
      assets: Record<string, Record<string, unknown>>;
    };
    expect(item.stac_extensions).toContain('https://stac-extensions.github.io/file/v2.1.0/schema.json');
    const dvc = Object.entries(item.assets).filter(([, a]) => typeof a['dvc:path'] === 'string');
    expect(dvc.map(([k]) => k).sort()).toEqual(['data/S2Weak', 'data/chip_index.parquet', 'data/flood_stats.csv']);
    for (const [, a] of dvc) {
      expect(a.href).toMatch(/^s3:\/\/eo-lab-datasets\/sen1floods11\/(files\/md5\/)?[0-9a-f]{2}\/[0-9a-f]{30}(\.dir)?$/);
      expect(a['file:checksum']).toMatch(/^d510[0-9a-f]{32}$/);
      expect(a['file:size']).toEqual(expect.any(Number));
      expect(a.roles).toEqual(['data']);
    }
    expect(item.assets['data/S2Weak']).toMatchObject({ 'file:size': 2146483200, 'dvc:nfiles': 4385 });
    // the item validates with these assets (the whole catalog is checked above); its page shows how to fetch them
    const page = await readFile(path.join(out, 'dataset/eo-lab/sen1floods11-dataset/index.html'), 'utf8');
    expect(page).toContain('Fetch with DVC');
    expect(page).toContain('dvc pull data/S2Weak');
  });

  it('reports the broken-YAML project as an error with its line, and publishes everything else', async () => {
    const report = JSON.parse(await readFile(path.join(out, 'build-report.json'), 'utf8')) as BuildReport;
    const broken = report.projects.find((p) => p.path === 'sandbox/broken-metadata')!;
    expect(broken.status).toBe('error');
    expect(broken.messages[0]).toMatchObject({ level: 'error', code: 'front-matter/yaml', file: 'README.md', line: 7 });
    expect(report.projects.filter((p) => p.status !== 'error').map((p) => p.path)).toEqual([
      'agri/crop-type-benchmark',
      'climate/era5-downscaling',
      'eo-lab/building-detection-unet',
      'eo-lab/flood-dashboard',
      'eo-lab/flood-segmentation',
      'eo-lab/inria-aerial-buildings',
      'eo-lab/sen1floods11-dataset',
      'forestry/tree-species-classifier',
      'sandbox/no-readme-model',
      'sandbox/pickled-detector',
    ]);
    expect(report.counts).toMatchObject({ projects: 11, items: 17, collections: 4, excludedVisibility: 1, excludedArchived: 1, error: 1 });
  });

  it('leaves the private project out of every file, without naming it', async () => {
    for (const f of await listFiles(out)) {
      const text = await readFile(path.join(out, f), 'latin1');
      for (const needle of ['secret-model', 'internal-rd', 'Secret Model', '"sharinghub:id": 1700']) {
        expect(text.includes(needle), `${f} mentions ${needle}`).toBe(false);
      }
    }
  });

  it('describes the ONNX model with MLM fields read from the file', async () => {
    const item = JSON.parse(await readFile(path.join(out, 'ai-model/eo-lab/flood-segmentation/flood-segmentation.json'), 'utf8'));
    expect(item.properties['mlm:framework']).toBe('ONNX');
    expect(item.properties['mlm:input'][0].input.shape).toEqual([-1, 2, 256, 256]);
    expect(item.assets.model.roles).toContain('mlm:model');
    expect(item.assets.model['mlm:artifact_type']).toBe('onnx');
  });

  it('joins the demo model registry: every version published, the unlinked model reported', async () => {
    const report = JSON.parse(await readFile(path.join(out, 'build-report.json'), 'utf8')) as BuildReport;
    expect(report.mlflow?.counts).toEqual({ models: 3, versions: 6, linkedModels: 2, publishedVersions: 5, unlinkedModels: 1 });
    expect(report.mlflow?.linked).toEqual([
      { modelName: 'flood-unet (1201)', project: 'eo-lab/flood-segmentation', rule: 'name-suffix' },
      { modelName: 'tree-species-resnet18', project: 'forestry/tree-species-classifier', rule: 'tag' },
    ]);
    // Counted, not named: an unlinked model may belong to a project the catalog does not publish.
    expect(report.mlflow?.unlinked).toEqual({ 'no-match': 1, 'not-in-catalog': 0, ambiguous: 0 });
    expect(JSON.stringify(report)).not.toContain('sar-despeckle-test');

    const flood = JSON.parse(await readFile(path.join(out, 'ai-model/eo-lab/flood-segmentation/flood-segmentation.json'), 'utf8'));
    expect(flood.links.filter((l: { rel: string }) => l.rel === 'mlflow:model').map((l: { href: string }) => l.href)).toEqual([
      './versions/flood-unet/1/1.json',
      './versions/flood-unet/2/2.json',
      './versions/flood-unet/3/3.json',
    ]);
    expect(flood.links.find((l: { rel: string }) => l.rel === 'mlflow:recommended-version').href).toBe('./versions/flood-unet/3/3.json');
    const v1 = JSON.parse(await readFile(path.join(out, 'ai-model/eo-lab/flood-segmentation/versions/flood-unet/1/1.json'), 'utf8'));
    expect(v1.properties).toMatchObject({ version: '1', deprecated: true, 'mlflow:stage': 'Archived' });
    const v3 = JSON.parse(await readFile(path.join(out, 'ai-model/eo-lab/flood-segmentation/versions/flood-unet/3/3.json'), 'utf8'));
    expect(v3.properties).toMatchObject({ 'mlflow:aliases': ['champion'], 'mlflow:stage': 'Production', 'mlflow:metrics': { test_iou: 0.71 } });
    // The demo config names the export's server (tracking_uri): model files and runs link there.
    expect(flood.links.find((l: { rel: string }) => l.rel === 'mlflow:tracking-uri').href).toBe('https://mlflow.example.com/');
    expect(v3.assets.model.href).toMatch(/^https:\/\/mlflow\.example\.com\/api\/2\.0\/mlflow-artifacts\/artifacts\/3\/[0-9a-f]{32}\/artifacts\/model\/model\.onnx$/);
    // v3's file in the export is the workspace's ONNX model: same bytes, read for the MLM fields.
    expect(v3.assets.model['file:checksum']).toBe(flood.assets.model['file:checksum']);
    expect(v3.properties['mlm:input'][0].input.shape).toEqual([-1, 2, 256, 256]);
    expect(flood.assets['flood-unet-v3.onnx'].href).toBe(v3.assets.model.href);
    expect(v3.links.find((l: { rel: string }) => l.rel === 'mlflow:run').href).toMatch(/^https:\/\/mlflow\.example\.com\/#\/experiments\/3\/runs\//);
    const tree = JSON.parse(await readFile(path.join(out, 'ai-model/forestry/tree-species-classifier/tree-species-classifier.json'), 'utf8'));
    expect(tree.properties['mlflow:models'][0]).toMatchObject({ name: 'tree-species-resnet18', recommended_version: '1', recommended_by: 'stage:Production' });
  });

  it('describes the PyTorch weights from the file, and flags the sandbox checkpoint whose pickle runs a command', async () => {
    const tree = JSON.parse(await readFile(path.join(out, 'ai-model/forestry/tree-species-classifier/tree-species-classifier.json'), 'utf8'));
    expect(tree.properties).toMatchObject({ 'mlm:framework': 'PyTorch', 'mlm:total_parameters': 24457, 'mlm:memory_size': 97840 });
    expect(tree.assets.weights).toMatchObject({
      'mlm:artifact_type': 'torch.save',
      'stachub:tensors': { format: 'pytorch', count: 20, parameters: 24457 },
      'stachub:pickle_safety': { verdict: 'safe', unsafe_globals: [] },
    });
    const bad = JSON.parse(await readFile(path.join(out, 'ai-model/sandbox/pickled-detector/pickled-detector.json'), 'utf8'));
    expect(bad.assets.checkpoint['stachub:pickle_safety']).toMatchObject({ verdict: 'unsafe', unsafe_globals: ['posix.system'] });
    const report = JSON.parse(await readFile(path.join(out, 'build-report.json'), 'utf8')) as BuildReport;
    expect(report.projects.find((p) => p.path === 'sandbox/pickled-detector')?.messages).toEqual([
      { level: 'warning', code: 'pickle/unsafe', message: 'loading this file can run code: its pickle imports posix.system', file: 'model.pt' },
    ]);
    // The page says so before its download button.
    const html = await readFile(path.join(out, 'ai-model/sandbox/pickled-detector/index.html'), 'utf8');
    const warning = html.indexOf('class="safety-warning"');
    expect(warning).toBeGreaterThan(0);
    expect(warning).toBeLessThan(html.indexOf('Download model'));
    expect(html).toContain('<code>posix.system</code>');
    const treeHtml = await readFile(path.join(out, 'ai-model/forestry/tree-species-classifier/index.html'), 'utf8');
    expect(treeHtml).not.toContain('class="safety-warning"');
    expect(treeHtml).toMatch(/20 tensors: float32 ×17/);
  });

  it('matches the golden STAC documents and build report', async () => {
    const files = (await listFiles(out)).filter((f) => f.endsWith('.json') && !f.startsWith('search') && !f.startsWith('_search/'));
    expect(files.length).toBe(23);
    for (const f of files) {
      let text = await readFile(path.join(out, f), 'utf8');
      if (f === 'build-report.json') text = text.replace(/"durationMs": \d+/, '"durationMs": 0');
      await expect(text, f).toMatchFileSnapshot(path.join(repoRoot, 'test/golden/demo', f));
    }
  });

  it('runs from the compiled command as installed by npm ci', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'stachub-bin-'));
    try {
      const { stderr: err } = await promisify(execFile)(process.execPath, [path.join(repoRoot, 'bin/stachub.js'), 'build', '--config', 'examples/stachub.config.yml', '--out', dir, '--no-validate'], {
        cwd: repoRoot,
      });
      expect(err).toMatch(/11 project\(s\) -> 17 item\(s\)/);
      const a = await readFile(path.join(dir, 'dataset/collection.json'), 'utf8');
      const b = await readFile(path.join(out, 'dataset/collection.json'), 'utf8');
      expect(a).toBe(b);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
