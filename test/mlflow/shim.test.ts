/**
 * The registry readers against the real tracking shim (`stachub track`): runs logged and a model
 * registered the way the MLflow client does it, read back over REST and straight from the store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTrackingServer, type TrackingServer } from '../../pipelines/tracking/server.js';
import { describeModelFiles } from '../../generator/mlflow/onnx.js';
import { restRegistry } from '../../generator/mlflow/rest.js';
import { shimStoreRegistry } from '../../generator/pipeline/registry.js';
import { versionKey } from '../../generator/mlflow/assemble.js';
import type { ModelVersion } from '../../generator/mlflow/types.js';
import { MlflowTestClient, ONNX_BYTES } from './shim-client.js';

const TOKEN = 'shim-test-token';
let server: TrackingServer;
let storeDir: string;

beforeAll(async () => {
  storeDir = mkdtempSync(path.join(tmpdir(), 'stachub-mlflow-shim-'));
  server = await startTrackingServer({ storeDir, port: 0, token: TOKEN, fsync: false });
  const client = new MlflowTestClient(server.url, TOKEN);
  const exp = await client.experiment('wine (42)');
  const repoUrl = 'https://gitlab.example.com/demo/wine.git';
  await client.trainAndRegister({ experimentId: exp, modelName: 'wine (42)', repoUrl, params: { lr: '0.1' }, metrics: { acc: [0.5, 0.8, 0.7] }, modelTags: { project: 'demo/wine' } });
  await client.trainAndRegister({ experimentId: exp, modelName: 'wine (42)', repoUrl, params: { lr: '0.05' }, metrics: { acc: [0.6, 0.9] } });
  await client.setAlias('wine (42)', 'champion', '1');
});

afterAll(async () => {
  await server?.close();
  if (storeDir) rmSync(storeDir, { recursive: true, force: true });
});

/** The fields both readers must agree on. */
const essentials = (vs: ModelVersion[]): unknown =>
  vs.map((v) => ({
    name: v.modelName,
    version: v.version,
    aliases: v.aliases,
    stage: v.stage,
    metrics: v.metrics,
    params: v.params,
    runId: v.runId,
    flavors: v.flavors,
    framework: v.framework,
    file: v.modelFile && { name: v.modelFile.name, artifactPath: v.modelFile.artifactPath, size: v.modelFile.size, href: v.modelFile.href },
    projectTag: v.registeredModel.tags['project'],
    repo: v.runTags['mlflow.source.git.repoURL'],
  }));

describe('registry readers against the tracking shim', () => {
  it('REST: every version, aliases, final metrics (max step), params, flavors, model file with size', async () => {
    const registry = restRegistry({ url: server.url, env: { MLFLOW_TRACKING_TOKEN: TOKEN } });
    const { versions, diagnostics } = await registry.versions();
    expect(diagnostics).toEqual([]);
    expect(versions.map((v) => [v.version, v.aliases, v.metrics, v.params])).toEqual([
      ['1', ['champion'], { acc: 0.7 }, { lr: '0.1' }],
      ['2', [], { acc: 0.9 }, { lr: '0.05' }],
    ]);
    expect(versions[0]!.framework).toEqual({ name: 'onnx', version: '1.17.0' });
    expect(versions[0]!.modelFile).toMatchObject({ name: 'model.onnx', artifactPath: 'model/model.onnx', size: ONNX_BYTES.length });
    expect(versions[0]!.registeredModel.tags['project']).toBe('demo/wine');
    // The model file href serves the bytes (with the token), and the ONNX model is described.
    const res = await fetch(versions[0]!.modelFile!.href!, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(Buffer.from(await res.arrayBuffer()).equals(ONNX_BYTES)).toBe(true);
    const described = await describeModelFiles(registry, versions);
    expect(described.diagnostics).toEqual([]);
    expect(described.onnx.get(versionKey(versions[0]!))?.parameterCount).toBe(15);
  });

  it('store: reads the same versions straight from the store directory, and the model bytes locally', async () => {
    const viaStore = shimStoreRegistry({ dir: storeDir, trackingUri: server.url });
    const fromStore = await viaStore.versions();
    const fromRest = await restRegistry({ url: server.url, env: { MLFLOW_TRACKING_TOKEN: TOKEN } }).versions();
    expect(fromStore.diagnostics).toEqual([]);
    expect(essentials(fromStore.versions)).toEqual(essentials(fromRest.versions));
    expect(fromStore.versions[1]!.runLink).toBe(fromRest.versions[1]!.runLink);
    expect(fromStore.versions[0]!.modelFile?.localPath).toMatch(/model\.onnx$/);
    const described = await describeModelFiles(viaStore, fromStore.versions);
    expect(described.versions[0]!.modelFile?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(described.onnx.size).toBe(2);
    expect(described.onnx.get(versionKey(fromStore.versions[0]!))?.parameterCount).toBe(15);
  });

  it('REST without the token fails with exit 4', async () => {
    await expect(restRegistry({ url: server.url, env: {} }).versions()).rejects.toMatchObject({ exitCode: 4 });
  });
});
