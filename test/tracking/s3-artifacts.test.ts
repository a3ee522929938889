/** Proxied artifacts kept in S3 (`artifactsDestination`), against s3rver on loopback. */
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LoopbackS3, startS3 } from '../publish/fixtures.js';
import { type Shim, api, startShim } from './helpers.js';

const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
let s3: LoopbackS3;
let shim: Shim;

beforeAll(async () => {
  s3 = await startS3(['mlflow']);
  shim = await startShim({ artifactsDestination: 's3://mlflow/team-a', s3: { endpoint: s3.endpoint, credentials } });
});
afterAll(async () => {
  await shim?.close();
  await s3?.stop();
});

describe('artifacts in S3', () => {
  it('upload, list, download, run listing, traversal and delete go to s3://bucket/prefix', async () => {
    const run = (await api(shim.url, 'POST', 'runs/create', { experiment_id: '0' })).body.run.info;
    const root = (run.artifact_uri as string).replace('mlflow-artifacts:/', '');
    const base = `${shim.url}/api/2.0/mlflow-artifacts/artifacts/${root}`;
    const files: Record<string, string> = { 'model/MLmodel': 'flavors: {}\n', 'model/model.onnx': 'onnx bytes', 'metrics.json': '{"a": 1}' };
    for (const [p, content] of Object.entries(files)) expect((await fetch(`${base}/${p}`, { method: 'PUT', body: content })).status).toBe(200);

    const client = new S3Client({ endpoint: s3.endpoint, forcePathStyle: true, region: 'us-east-1', credentials });
    const keys = ((await client.send(new ListObjectsV2Command({ Bucket: 'mlflow' }))).Contents ?? []).map((o) => o.Key).sort();
    expect(keys).toEqual(Object.keys(files).map((p) => `team-a/${root}/${p}`).sort());

    const list = async (p: string) => (await api(shim.url, 'GET', '/api/2.0/mlflow-artifacts/artifacts', { path: p })).body;
    expect(await list(root)).toEqual({ files: [{ path: 'metrics.json', is_dir: false, file_size: 8 }, { path: 'model', is_dir: true }] });
    expect(((await list(`${root}/model`)).files as { path: string }[]).map((f) => f.path)).toEqual(['MLmodel', 'model.onnx']);
    expect(await list(`${root}/metrics.json`)).toEqual({});
    expect(await list(`${root}/nothing`)).toEqual({});
    const runList = await api(shim.url, 'GET', 'artifacts/list', { run_id: run.run_id, path: 'model' });
    expect(runList.body.files.map((f: { path: string }) => f.path)).toEqual(['model/MLmodel', 'model/model.onnx']);

    const dl = await fetch(`${base}/model/model.onnx`);
    expect([dl.status, await dl.text()]).toEqual([200, 'onnx bytes']);
    expect((await fetch(`${base}/missing.txt`)).status).toBe(404);
    expect((await fetch(`${base}/model`)).status).toBe(400);
    const escape = await fetch(`${shim.url}/api/2.0/mlflow-artifacts/artifacts/..%2f..%2fother-bucket/x`, { method: 'PUT', body: 'x' });
    expect(escape.status).toBe(400);

    // Readers of the store folder (the catalog) learn where the bytes are.
    expect(shim.store.artifactFile(`${run.artifact_uri}/model/model.onnx`)).toBeUndefined();
    expect(shim.store.artifactUrl(`runs:/${run.run_id}/model/model.onnx`)).toBe(`s3://mlflow/team-a/${root}/model/model.onnx`);

    expect((await fetch(`${base}/model`, { method: 'DELETE' })).status).toBe(200);
    expect(await list(`${root}/model`)).toEqual({});
    expect(((await list(root)).files as { path: string }[]).map((f) => f.path)).toEqual(['metrics.json']);
  });
});
