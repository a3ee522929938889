/**
 * Smoke test of the run endpoints with a second, independent client: npm `mlflow@2.0.7`
 * (reference/mlflow.md §4.1). It covers experiments create/get/update/delete/restore, runs
 * create/get/log-metric/log-parameter/set-tag/delete-tag/log-batch/search/update/delete/restore,
 * metric history and the run artifact listing. Its `Experiments.list` (removed in MLflow 2.0) and
 * `setExperimentTag` (missing slash in its URL) are not used.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Shim, startShim } from './helpers.js';

// The package is CommonJS with `exports.default`; the client logs every POST body to console.log.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Client = any;
async function client(endpoint: string, headers: Record<string, string> = {}): Promise<Client> {
  const mod = (await import('mlflow')) as { default: { default?: unknown } };
  const MLflow = (mod.default.default ?? mod.default) as new (args: { endpoint: string; headers?: Record<string, string> }) => Client;
  return new MLflow({ endpoint, headers });
}

let shim: Shim;
const token = 'npm-client-token';

beforeAll(async () => {
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
  shim = await startShim({ token });
});
afterAll(async () => {
  await shim.close();
  vi.restoreAllMocks();
});

describe('npm mlflow@2.0.7 client against the shim', () => {
  it('drives experiments, runs, metrics, params, tags, batches, searches and history', async () => {
    const mlflow = await client(shim.url, { Authorization: `Bearer ${token}` });
    const { experiment_id } = await mlflow.Experiments.create({ name: 'npm-smoke' });
    expect((await mlflow.Experiments.get({ experiment_id })).experiment.name).toBe('npm-smoke');
    await mlflow.Experiments.update({ experiment_id, new_name: 'npm-smoke-2' });
    expect((await mlflow.Experiments.get({ experiment_id })).experiment.name).toBe('npm-smoke-2');

    const { run } = await mlflow.Runs.create({ experiment_id, user_id: 'npm', start_time: 1700000000000, tags: [{ key: 'mlflow.user', value: 'npm' }] });
    const run_id = run.info.run_id as string;
    expect(run.info.status).toBe('RUNNING');
    await mlflow.Runs.logMetric({ run_id, key: 'loss', value: 0.5, timestamp: 1700000001000, step: 1 });
    await mlflow.Runs.logMetric({ run_id, key: 'loss', value: 0.25, timestamp: 1700000002000, step: 2 });
    await mlflow.Runs.logParameter({ run_id, key: 'lr', value: '0.01' });
    await mlflow.Runs.setTag({ run_id, key: 'stage', value: 'dev' });
    await mlflow.Runs.setTag({ run_id, key: 'temp', value: 'x' });
    await mlflow.Runs.deleteTag({ run_id, key: 'temp' });
    await mlflow.Runs.logBatch({
      run_id,
      metrics: [{ key: 'acc', value: 0.9, timestamp: 1700000003000, step: 2 }],
      params: [{ key: 'epochs', value: '3' }],
      tags: [{ key: 'team', value: 'eo' }],
    });

    const got = (await mlflow.Runs.get({ run_id })).run;
    const byKey = (list: { key: string; value: unknown }[]) => Object.fromEntries(list.map((x) => [x.key, x.value]));
    expect(byKey(got.data.metrics)).toEqual({ loss: 0.25, acc: 0.9 });
    expect(byKey(got.data.params)).toEqual({ lr: '0.01', epochs: '3' });
    expect(byKey(got.data.tags)).toMatchObject({ stage: 'dev', team: 'eo', 'mlflow.user': 'npm' });
    expect(byKey(got.data.tags)).not.toHaveProperty('temp');

    const history = await mlflow.Metrics.getHistory({ run_id, metric_key: 'loss' });
    expect(history.metrics.map((m: { value: number }) => m.value)).toEqual([0.5, 0.25]);

    const found = await mlflow.Runs.search({ experiment_ids: [experiment_id], filter: 'metrics.acc > 0.5' });
    expect(found.runs.map((r: { info: { run_id: string } }) => r.info.run_id)).toEqual([run_id]);

    const ended = await mlflow.Runs.update({ run_id, status: 'FINISHED', end_time: 1700000009000 });
    expect(ended.run_info).toMatchObject({ status: 'FINISHED', end_time: 1700000009000 });

    await mlflow.Runs.delete({ run_id });
    expect((await mlflow.Runs.search({ experiment_ids: [experiment_id] })).runs ?? []).toEqual([]);
    await mlflow.Runs.restore({ run_id });
    expect((await mlflow.Runs.search({ experiment_ids: [experiment_id] })).runs).toHaveLength(1);

    const artifacts = await mlflow.Artifacts.list({ run_id });
    expect(artifacts.root_uri).toBe(got.info.artifact_uri);

    await mlflow.Experiments.delete({ experiment_id });
    expect((await mlflow.Experiments.get({ experiment_id })).experiment.lifecycle_stage).toBe('deleted');
    await mlflow.Experiments.restore({ experiment_id });
  });

  it('surfaces MLflow error bodies: unknown run, changed param, missing token', async () => {
    const mlflow = await client(shim.url, { Authorization: `Bearer ${token}` });
    const parse = async (p: Promise<unknown>) => {
      try {
        await p;
      } catch (err) {
        // The client wraps twice: Error(Error('{"status":...}')).
        return JSON.parse((err as Error).message.replace(/^Error: /, '')) as { status: number; data: { error_code: string } };
      }
      throw new Error('expected the call to fail');
    };
    const missing = await parse(mlflow.Runs.get({ run_id: 'nope' }));
    expect([missing.status, missing.data.error_code]).toEqual([404, 'RESOURCE_DOES_NOT_EXIST']);

    const { run } = await mlflow.Runs.create({ experiment_id: '0', user_id: 'npm', start_time: Date.now() });
    await mlflow.Runs.logParameter({ run_id: run.info.run_id, key: 'p', value: 'a' });
    const changed = await parse(mlflow.Runs.logParameter({ run_id: run.info.run_id, key: 'p', value: 'b' }));
    expect([changed.status, changed.data.error_code]).toEqual([400, 'INVALID_PARAMETER_VALUE']);

    const anonymous = await client(shim.url);
    const denied = await parse(anonymous.Runs.create({ experiment_id: '0', user_id: 'x', start_time: Date.now() }));
    expect([denied.status, denied.data.error_code]).toEqual([401, 'UNAUTHENTICATED']);
  });
});
