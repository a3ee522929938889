/**
 * The model registry in the catalog, end to end through the real CLI: training runs logged into the
 * tracking shim and models registered as the MLflow client does it, then `stachub build` on the demo
 * workspace with the shim as the registry (over REST, and from its store folder), and separately with
 * an mlflow-export-import folder. Every output validates offline; the project's page and the
 * per-version items show the versions, metrics and the ONNX description.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../generator/cli.js';
import type { BuildReport } from '../../generator/report.js';
import type { StacItem } from '../../generator/stac/types.js';
import { startTrackingServer, type TrackingServer } from '../../pipelines/tracking/server.js';
import { repoRoot } from '../helpers.js';
import { MlflowTestClient } from './shim-client.js';

const TOKEN = 'e2e-token';
const NOW = new Date('2026-11-26T12:00:00Z');
const config = path.join(repoRoot, 'examples/stachub.config.yml');
let server: TrackingServer;
let tmp: string;
let storeDir: string;

async function run(argv: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  let so = '';
  let se = '';
  const code = await main(['node', 'stachub', ...argv], { stdout: (s) => (so += s), stderr: (s) => (se += s), now: () => NOW, env });
  return { code, stdout: so, stderr: se };
}

const readJson = async <T>(file: string): Promise<T> => JSON.parse(await readFile(file, 'utf8')) as T;
const projectDir = (out: string): string => path.join(out, 'ai-model/eo-lab/flood-segmentation');
const versionFile = (out: string, model: string, v: string): string => path.join(projectDir(out), 'versions', model, v, `${v}.json`);

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'stachub-mlflow-e2e-'));
  storeDir = path.join(tmp, 'store');
  server = await startTrackingServer({ storeDir, port: 0, token: TOKEN, fsync: false });
  const client = new MlflowTestClient(server.url, TOKEN);
  const flood = await client.experiment('flood-unet (1201)');
  // Linked by MLflow SharingHub's name suffix: 1201 is eo-lab/flood-segmentation's project id.
  await client.trainAndRegister({ experimentId: flood, modelName: 'flood-unet (1201)', params: { lr: '0.001', epochs: '20' }, metrics: { iou: [0.52, 0.66, 0.69], loss: [0.9, 0.5, 0.4] } });
  await client.trainAndRegister({ experimentId: flood, modelName: 'flood-unet (1201)', params: { lr: '0.0005', epochs: '40' }, metrics: { iou: [0.6, 0.71], loss: [0.7, 0.35] } });
  await client.setAlias('flood-unet (1201)', 'champion', '2');
  // Linked by the training checkout's git remote.
  const trees = await client.experiment('trees');
  await client.trainAndRegister({
    experimentId: trees,
    modelName: 'tree-species',
    repoUrl: 'git@gitlab.example.com:forestry/tree-species-classifier.git',
    params: { arch: 'resnet18' },
    metrics: { accuracy: [0.8, 0.88] },
  });
  // Nothing links it: reported, never guessed.
  await client.trainAndRegister({ experimentId: trees, modelName: 'scratch-model', params: {}, metrics: { accuracy: [0.1] } });
});

afterAll(async () => {
  await server?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('stachub build with the tracking shim as the registry (REST)', () => {
  let out: string;
  let result: { code: number; stderr: string };

  beforeAll(async () => {
    out = path.join(tmp, 'rest');
    result = await run(['build', '--config', config, '--out', out, '--mlflow-url', server.url], {
      MLFLOW_TRACKING_TOKEN: TOKEN,
    });
  });

  it('builds with exit 0 and reports linked and unlinked models in build-report.json', async () => {
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('read 4 model version(s)');
    expect(result.stderr).not.toContain(TOKEN);
    const report = await readJson<BuildReport>(path.join(out, 'build-report.json'));
    expect(report.mlflow?.counts).toEqual({ models: 3, versions: 4, linkedModels: 2, publishedVersions: 3, unlinkedModels: 1 });
    expect(report.mlflow?.linked).toEqual([
      { modelName: 'flood-unet (1201)', project: 'eo-lab/flood-segmentation', rule: 'name-suffix' },
      { modelName: 'tree-species', project: 'forestry/tree-species-classifier', rule: 'git-repo' },
    ]);
    expect(report.mlflow?.unlinked).toEqual({ 'no-match': 1, 'not-in-catalog': 0, ambiguous: 0 });
    expect(JSON.stringify(report)).not.toContain('scratch-model');
    expect(report.mlflow?.trackingUri).toBe(`${server.url}/`);
    expect(JSON.stringify(report)).not.toContain(TOKEN);
  });

  it('adds the MLflow links and the recommended model file to the project item', async () => {
    const item = await readJson<StacItem>(path.join(projectDir(out), 'flood-segmentation.json'));
    const models = item.links.filter((l) => l.rel === 'mlflow:model');
    expect(models.map((l) => [l.title, l['mlflow:uri'], l.href])).toEqual([
      ['flood-unet v1', 'models:/flood-unet (1201)/1', './versions/flood-unet/1/1.json'],
      ['flood-unet v2', 'models:/flood-unet (1201)/2', './versions/flood-unet/2/2.json'],
    ]);
    expect(item.links.find((l) => l.rel === 'mlflow:tracking-uri')?.href).toBe(`${server.url}/`);
    expect(item.links.find((l) => l.rel === 'mlflow:recommended-version')?.href).toBe('./versions/flood-unet/2/2.json');
    expect(item.assets['flood-unet-v2.onnx']?.href).toMatch(new RegExp(`^${server.url}/api/2.0/mlflow-artifacts/artifacts/.+/model/model.onnx$`));
  });

  it('writes one item per version with the version extension, metrics and params, and a page that shows them', async () => {
    const v1 = await readJson<StacItem>(versionFile(out, 'flood-unet', '1'));
    expect(v1.stac_extensions).toContain('https://stac-extensions.github.io/version/v1.2.0/schema.json');
    expect(v1.properties).toMatchObject({ version: '1', 'mlflow:metrics': { iou: 0.69, loss: 0.4 }, 'mlflow:params': { epochs: '20', lr: '0.001' } });
    expect(v1.links.find((l) => l.rel === 'successor-version')?.href).toBe('../2/2.json');
    // The ONNX model, read through the artifact API, is described with MLM.
    expect(v1.properties).toMatchObject({ 'mlm:framework': 'ONNX', 'mlm:total_parameters': 15, 'mlm:architecture': 'U-Net' });
    // The shim serves its run viewer: the run link is a page of it, not an MLflow UI hash route.
    expect(v1.links.find((l) => l.rel === 'mlflow:run')?.href).toMatch(new RegExp(`^${server.url}/experiments/\\d+/runs/[0-9a-f]{32}$`));
    const page = await readFile(path.join(projectDir(out), 'index.html'), 'utf8');
    expect(page).toContain('iou');
    expect(page).toContain('0.71');
    expect(page).toContain('champion');
    expect(existsSync(path.join(out, 'ai-model/forestry/tree-species-classifier/versions/tree-species/1/1.json'))).toBe(true);
  });

  it('validates offline: every schema and every link', async () => {
    const r = await run(['validate', out], {});
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });
});

describe('stachub build with the tracking shim store folder as the registry', () => {
  it('reads the store without the server and describes the ONNX model of each version (MLM)', async () => {
    const out = path.join(tmp, 'store-out');
    const r = await run(['build', '--config', config, '--out', out, '--mlflow-export', storeDir], {
      MLFLOW_TRACKING_URI: server.url,
    });
    expect(r.code, r.stderr).toBe(0);
    const v2 = await readJson<StacItem>(versionFile(out, 'flood-unet', '2'));
    expect(v2.properties).toMatchObject({
      'mlflow:aliases': ['champion'],
      'mlflow:recommended': true,
      'mlm:framework': 'ONNX',
      'mlm:total_parameters': 15,
      // The README's mlm: block completes what the file says.
      'mlm:architecture': 'U-Net',
      'mlm:tasks': ['semantic-segmentation'],
    });
    expect((v2.properties['mlm:input'] as Array<{ name: string }>).map((i) => i.name)).toEqual(['features']);
    expect(v2.assets['model']).toMatchObject({ 'mlm:artifact_type': 'onnx', 'file:size': 224, 'file:checksum': expect.stringMatching(/^1220[0-9a-f]{64}$/) });
    // The version's own page shows its metrics.
    const page = await readFile(path.join(path.dirname(versionFile(out, 'flood-unet', '2')), 'index.html'), 'utf8');
    expect(page).toContain('0.71');
    const v = await run(['validate', out], {});
    expect(v.code, v.stdout + v.stderr).toBe(0);
  });
});

describe('stachub build with an mlflow-export-import folder as the registry', () => {
  it('publishes every exported version of the model linked by its project tag', async () => {
    // The stachub fixture export, its registered model tagged for a project of the demo workspace.
    const exportDir = path.join(tmp, 'export');
    await cp(path.join(repoRoot, 'test/fixtures/mlflow/export'), exportDir, { recursive: true });
    const modelJson = path.join(exportDir, 'models/wine-classifier/model.json');
    await writeFile(modelJson, (await readFile(modelJson, 'utf8')).replace('"demo/wine-classifier"', '"forestry/tree-species-classifier"'));
    const out = path.join(tmp, 'export-out');
    const r = await run(['build', '--config', config, '--out', out, '--mlflow-export', exportDir], {
      MLFLOW_TRACKING_URI: 'https://mlflow.example.com',
    });
    expect(r.code, r.stderr).toBe(0);
    const report = await readJson<BuildReport>(path.join(out, 'build-report.json'));
    expect(report.mlflow?.linked).toEqual([{ modelName: 'wine-classifier (42)', project: 'forestry/tree-species-classifier', rule: 'tag' }]);
    expect(report.mlflow?.counts.unlinkedModels).toBe(1);
    expect(JSON.stringify(report)).not.toContain('orphan');
    const base = path.join(out, 'ai-model/forestry/tree-species-classifier/versions/wine-classifier');
    const v2 = await readJson<StacItem>(path.join(base, '2/2.json'));
    expect(v2.properties).toMatchObject({ 'mlflow:metrics': { accuracy: 0.91, loss: 'NaN' }, 'mlm:framework': 'ONNX' });
    expect(v2.assets['model']?.href).toBe(
      'https://mlflow.example.com/api/2.0/mlflow-artifacts/artifacts/7/2222bbbb2222bbbb2222bbbb2222bbbb/artifacts/onnx-model/model.onnx',
    );
    const v3 = await readJson<StacItem>(path.join(base, '3/3.json'));
    expect(v3.properties['mlflow:model_id']).toBe('m-0123456789abcdef0123456789abcdef');
    const v = await run(['validate', out], {});
    expect(v.code, v.stdout + v.stderr).toBe(0);
  });
});
