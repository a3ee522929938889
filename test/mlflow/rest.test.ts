import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { SourceUnreachableError } from '../../generator/errors.js';
import { describeModelFiles } from '../../generator/mlflow/onnx.js';
import { restRegistry } from '../../generator/mlflow/rest.js';
import { versionKey } from '../../generator/mlflow/assemble.js';
import { startFakeMlflow, type FakeMlflow, type FakeMlflowState } from '../fakes/mlflow/server.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const onnxBytes = readFileSync(
  path.join(repoRoot, 'test/fixtures/mlflow/export/models/wine-classifier/2222bbbb2222bbbb2222bbbb2222bbbb/artifacts/onnx-model/model.onnx'),
);

const R1 = 'a'.repeat(32);
const R2 = 'b'.repeat(32);
const R3 = 'c'.repeat(32);
const MID = 'm-' + 'd'.repeat(32);

const onnxMlmodel = (extra = ''): string =>
  `artifact_path: model\nflavors:\n  onnx:\n    data: model.onnx\n    onnx_version: 1.17.0\n  python_function:\n    data: model.onnx\n    loader_module: mlflow.onnx\n    python_version: '3.10'\nmlflow_version: 2.21.0\n${extra}`;

function state(): FakeMlflowState {
  return {
    models: [
      {
        name: 'wine (42)',
        description: 'wine model',
        tags: { project: 'demo/wine' },
        aliases: { champion: '1' },
        versions: [
          { version: '1', source: `mlflow-artifacts:/1/${R1}/artifacts/model`, run_id: R1, current_stage: 'Production' },
          { version: '2', source: `s3://bucket/1/${R2}/artifacts/model`, run_id: R2, tags: { note: 'x' } },
          { version: '3', source: `models:/${MID}`, model_id: MID },
        ],
      },
      // More models than one page: the reader must follow next_page_token.
      ...Array.from({ length: 3 }, (_, i) => ({ name: `other-${i}`, versions: [] })),
    ],
    runs: [
      {
        run_id: R1,
        experiment_id: '1',
        run_name: 'first',
        artifact_uri: `mlflow-artifacts:/1/${R1}/artifacts`,
        params: { lr: '0.1' },
        tags: { 'mlflow.source.git.repoURL': 'git@gitlab.example.com:demo/wine.git' },
        metrics: {
          acc: [
            { value: 0.5, timestamp: 1, step: 0 },
            { value: 0.9, timestamp: 2, step: 3 },
            { value: 0.7, timestamp: 3, step: 1 },
          ],
          loss: [{ value: 'NaN', timestamp: 1, step: 0 }],
        },
      },
      { run_id: R2, experiment_id: '1', artifact_uri: `s3://bucket/1/${R2}/artifacts`, metrics: { acc: [{ value: 0.95, timestamp: 5, step: 0 }] } },
    ],
    loggedModels: [{ model_id: MID, experiment_id: '1', artifact_uri: `mlflow-artifacts:/1/models/${MID}/artifacts` }],
    artifacts: {
      [`1/${R1}/artifacts/model/MLmodel`]: onnxMlmodel(),
      [`1/${R1}/artifacts/model/model.onnx`]: onnxBytes,
      // v2 was registered from s3:// (artifacts not proxied): read through get-artifact for its run.
      [`s3://bucket/1/${R2}/artifacts/model/MLmodel`]: onnxMlmodel(),
      [`s3://bucket/1/${R2}/artifacts/model/model.onnx`]: onnxBytes,
      [`1/models/${MID}/artifacts/MLmodel`]: onnxMlmodel(`model_id: ${MID}\n`),
      [`1/models/${MID}/artifacts/model.onnx`]: onnxBytes,
    },
  };
}

let fake: FakeMlflow | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe('REST registry reader against the fake MLflow server', () => {
  it('reads every version: aliases from the registered model, final metrics, flavors, model file with size', async () => {
    fake = await startFakeMlflow(state());
    const registry = restRegistry({ url: fake.url, env: {} });
    expect(registry.trackingUri).toBe(`${fake.url}/`);
    const { versions, diagnostics } = await registry.versions();
    expect(diagnostics).toEqual([]);
    expect(versions.map((v) => `${v.modelName} v${v.version}`)).toEqual(['wine (42) v1', 'wine (42) v2', 'wine (42) v3']);
    const [v1, v2, v3] = versions;
    // model-versions/search leaves aliases out (MLflow #9783): they come from the registered model.
    expect(v1!.aliases).toEqual(['champion']);
    expect(v1!.stage).toBe('Production');
    expect(v1!.metrics).toEqual({ acc: 0.9, loss: 'NaN' });
    expect(v1!.params).toEqual({ lr: '0.1' });
    expect(v1!.runName).toBe('first');
    expect(v1!.runLink).toBe(`${fake.url}/#/experiments/1/runs/${R1}`);
    expect(v1!.framework).toEqual({ name: 'onnx', version: '1.17.0' });
    expect(v1!.modelFile).toEqual({
      name: 'model.onnx',
      artifactPath: 'model/model.onnx',
      href: `${fake.url}/api/2.0/mlflow-artifacts/artifacts/1/${R1}/artifacts/model/model.onnx`,
      size: onnxBytes.length,
      mediaType: 'application/octet-stream; framework=onnx',
    });
    expect(v1!.registeredModel).toMatchObject({ name: 'wine (42)', tags: { project: 'demo/wine' } });
    expect(v1!.runTags['mlflow.source.git.repoURL']).toBe('git@gitlab.example.com:demo/wine.git');
    // v2: non-proxied source, read through get-artifact and sized through the run's artifact listing.
    expect(v2!.modelFile?.href).toBe(`${fake.url}/get-artifact?path=model%2Fmodel.onnx&run_uuid=${R2}`);
    expect(v2!.modelFile?.size).toBe(onnxBytes.length);
    expect(v2!.tags).toEqual({ note: 'x' });
    // v3: a 3.x logged model, located through logged-models/<id>.
    expect(v3!.modelId).toBe(MID);
    expect(v3!.modelFile?.href).toBe(`${fake.url}/api/2.0/mlflow-artifacts/artifacts/1/models/${MID}/artifacts/model.onnx`);
    expect(v3!.metrics).toEqual({});
    // The model file href really serves the bytes.
    const res = await fetch(v1!.modelFile!.href!);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(new Uint8Array(onnxBytes));
  });

  it('follows page tokens (registered models and versions) and reads each run once', async () => {
    const st = state();
    st.models[0]!.versions.push({ version: '4', source: `mlflow-artifacts:/1/${R1}/artifacts/model`, run_id: R1 });
    fake = await startFakeMlflow(st);
    const { versions } = await restRegistry({ url: fake.url, env: {}, pageSize: 3 }).versions();
    expect(versions.map((v) => v.version)).toEqual(['1', '2', '3', '4']);
    // 4 registered models in pages of 3: the second page is asked with the token of the first.
    const searches = fake.requests.filter((r) => r.path.endsWith('/registered-models/search'));
    expect(searches.map((r) => [r.query['max_results'], r.query['page_token'] !== undefined])).toEqual([
      ['3', false],
      ['3', true],
    ]);
    const pages = fake.requests.filter((r) => r.path.endsWith('/model-versions/search') && r.query['filter'] === "name='wine (42)'");
    expect(pages.map((r) => r.query['page_token'] !== undefined)).toEqual([false, true]);
    const runGets = fake.requests.filter((r) => r.path.endsWith('/runs/get'));
    expect(runGets.map((r) => r.query['run_id']).sort()).toEqual([R1, R2]);
  });

  it('asks for at most 1000 results per page by default (the registry maximum)', async () => {
    fake = await startFakeMlflow(state());
    await restRegistry({ url: fake.url, env: {} }).versions();
    expect(fake.requests.filter((r) => r.path.includes('/search')).every((r) => r.query['max_results'] === '1000')).toBe(true);
  });

  it('falls back to metrics/get-history when runs/get gives a metric without a value', async () => {
    fake = await startFakeMlflow(state(), { runsGetWithoutValue: ['acc'] });
    const { versions } = await restRegistry({ url: fake.url, env: {} }).versions();
    expect(versions[0]!.metrics['acc']).toBe(0.9);
    expect(fake.requests.some((r) => r.path.endsWith('/metrics/get-history') && r.query['metric_key'] === 'acc')).toBe(true);
  });

  it('sends the token as a Bearer header, never in a URL, and never reports it', async () => {
    fake = await startFakeMlflow(state(), { auth: { token: 's3cret-token' } });
    const { versions, diagnostics } = await restRegistry({ url: fake.url, env: { MLFLOW_TRACKING_TOKEN: 's3cret-token' } }).versions();
    expect(versions).toHaveLength(3);
    expect(fake.requests.every((r) => r.authorization === 'Bearer s3cret-token')).toBe(true);
    expect(JSON.stringify({ versions, diagnostics, q: fake.requests.map((r) => r.query) })).not.toContain('s3cret');
  });

  it('describes ONNX model files with Range requests carrying the registry credentials', async () => {
    fake = await startFakeMlflow(state(), { auth: { token: 'tok' } });
    const registry = restRegistry({ url: fake.url, env: { MLFLOW_TRACKING_TOKEN: 'tok' } });
    const { versions } = await registry.versions();
    const before = fake.requests.length;
    const described = await describeModelFiles(registry, versions);
    expect(described.diagnostics).toEqual([]);
    expect([...described.onnx.keys()].sort()).toEqual(versions.map(versionKey).sort());
    expect(described.onnx.get(versionKey(versions[0]!))?.parameterCount).toBe(15);
    const reads = fake.requests.slice(before);
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.every((r) => r.authorization === 'Bearer tok')).toBe(true);
    // Remote files are not hashed (that would need the whole file).
    expect(described.versions.every((v) => v.modelFile?.sha256 === undefined)).toBe(true);
  });

  it('when the server ignores Range, fetches small model files whole (with credentials), never large ones', async () => {
    fake = await startFakeMlflow(state(), { auth: { token: 'tok' }, ignoreRange: true });
    const registry = restRegistry({ url: fake.url, env: { MLFLOW_TRACKING_TOKEN: 'tok' } });
    const { versions } = await registry.versions();
    const small = await describeModelFiles(registry, versions);
    expect(small.diagnostics).toEqual([]);
    expect(small.onnx.size).toBe(3);
    expect(small.versions[0]!.modelFile?.sha256).toMatch(/^[0-9a-f]{64}$/);
    const capped = await describeModelFiles(registry, versions, { wholeFileLimit: 100 });
    expect(capped.onnx.size).toBe(0);
    expect(capped.diagnostics.map((d) => d.code)).toEqual(['mlflow/onnx-unreadable', 'mlflow/onnx-unreadable', 'mlflow/onnx-unreadable']);
    expect(capped.diagnostics[0]!.message).toContain('range-unsupported');
  });

  it('prefers user name and password (Basic), as the MLflow client does', async () => {
    fake = await startFakeMlflow(state(), { auth: { username: 'ana', password: 'pw' } });
    const env = { MLFLOW_TRACKING_USERNAME: 'ana', MLFLOW_TRACKING_PASSWORD: 'pw', MLFLOW_TRACKING_TOKEN: 'ignored' };
    const { versions } = await restRegistry({ url: fake.url, env }).versions();
    expect(versions).toHaveLength(3);
  });

  it('uses credentials in the URL as basic auth but never publishes them', async () => {
    fake = await startFakeMlflow(state(), { auth: { username: 'ana', password: 'pw' } });
    const url = fake.url.replace('http://', 'http://ana:pw@');
    const registry = restRegistry({ url, env: {} });
    expect(registry.trackingUri).toBe(`${fake.url}/`);
    expect(registry.description).not.toContain('pw');
    const { versions } = await registry.versions();
    expect(JSON.stringify(versions)).not.toContain('ana:pw');
    expect(versions).toHaveLength(3);
  });

  it('fails with exit 4 (SourceUnreachableError) when the registry cannot be listed, without the token in the message', async () => {
    fake = await startFakeMlflow(state(), { auth: { token: 'right' } });
    const err = await restRegistry({ url: fake.url, env: { MLFLOW_TRACKING_TOKEN: 'wrong-token' } })
      .versions()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceUnreachableError);
    expect((err as Error).message).toContain('401');
    expect((err as Error).message).not.toContain('wrong-token');
  });

  it('reports a missing run as a diagnostic and keeps the version', async () => {
    const st = state();
    st.runs = st.runs.filter((r) => r.run_id !== R2);
    fake = await startFakeMlflow(st);
    const { versions, diagnostics } = await restRegistry({ url: fake.url, env: {} }).versions();
    expect(versions.map((v) => v.version)).toEqual(['1', '2', '3']);
    expect(diagnostics.some((d) => d.code === 'mlflow/run-unreadable' && d.message.includes('RESOURCE_DOES_NOT_EXIST'))).toBe(true);
  });
});
