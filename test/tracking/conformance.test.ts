/**
 * MLflow's own conformance checklist (reference/mlflow.md §5, from tests/tracking/test_rest_tracking.py
 * and tests/server/test_handlers.py), run against the shim over HTTP. Test names carry the item number.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Shim, api, startShim } from './helpers.js';
import { useProtoOracle } from './proto-oracle.js';

// Every answer below is parsed by the MLflow client's own parser (schemas/vendor/mlflow).
useProtoOracle();

let shim: Shim;
let url: string;
const call = (method: string, p: string, payload?: Record<string, unknown>) => api(url, method, p, payload);

async function createExperiment(name: string, extra: Record<string, unknown> = {}): Promise<string> {
  const r = await call('POST', 'experiments/create', { name, ...extra });
  expect(r.status).toBe(200);
  return r.body.experiment_id as string;
}

async function createRun(experimentId: string, extra: Record<string, unknown> = {}): Promise<string> {
  const r = await call('POST', 'runs/create', { experiment_id: experimentId, start_time: Date.now(), ...extra });
  expect(r.status).toBe(200);
  return r.body.run.info.run_id as string;
}

const tagMap = (tags: { key: string; value: string }[] | undefined): Record<string, string> =>
  Object.fromEntries((tags ?? []).map((t) => [t.key, t.value]));

beforeAll(async () => {
  shim = await startShim();
  url = shim.url;
});
afterAll(async () => {
  await shim.close();
});

describe('experiments', () => {
  it('§5.1 a fresh server lists exactly Default; tags and artifact_location round-trip; delete moves between view types', async () => {
    const fresh = await call('POST', 'experiments/search', {});
    expect(fresh.body.experiments.map((e: { name: string }) => e.name)).toEqual(['Default']);
    const id = await createExperiment('exp-1', { artifact_location: 's3://bucket/exp-1', tags: [{ key: 'team', value: 'eo' }] });
    const got = await call('GET', 'experiments/get', { experiment_id: id });
    expect(got.body.experiment).toMatchObject({ name: 'exp-1', artifact_location: 's3://bucket/exp-1', tags: [{ key: 'team', value: 'eo' }] });
    await call('POST', 'experiments/delete', { experiment_id: id });
    const names = async (view: string) =>
      (await call('POST', 'experiments/search', { view_type: view })).body.experiments.map((e: { name: string }) => e.name);
    expect(await names('ACTIVE_ONLY')).not.toContain('exp-1');
    expect(await names('DELETED_ONLY')).toEqual(['exp-1']);
    expect(await names('ALL')).toEqual(expect.arrayContaining(['exp-1', 'Default']));
    await call('POST', 'experiments/restore', { experiment_id: id });
  });

  it('§5.2 experiment pagination: max_results=1 gives one and a token; the last page has no token', async () => {
    await createExperiment('page-a');
    await createExperiment('page-b');
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const r = await call('POST', 'experiments/search', { max_results: 1, page_token: token });
      expect(r.body.experiments).toHaveLength(1);
      seen.push(r.body.experiments[0].name);
      token = r.body.next_page_token;
      pages++;
    } while (token && pages < 50);
    const all = (await call('POST', 'experiments/search', {})).body.experiments.map((e: { name: string }) => e.name);
    expect(seen).toEqual(all);
    expect(token).toBeUndefined();
  });

  it('§5.3 experiments/create type and presence checks', async () => {
    const bad = await call('POST', 'experiments/create', { name: 123 });
    expect(bad.status).toBe(400);
    expect(bad.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(bad.body.message).toContain("Invalid value 123 for parameter 'name'");
    const missing = await call('POST', 'experiments/create', {});
    expect(missing.status).toBe(400);
    expect(missing.body.message).toContain("Missing value for required parameter 'name'");
    const tags = await call('POST', 'experiments/create', { name: 'x-tags', tags: '5' });
    expect(tags.status).toBe(400);
  });

  it('§5.4 delete/restore toggles lifecycle_stage; get works on a deleted experiment', async () => {
    const id = await createExperiment('lifecycle');
    await call('POST', 'experiments/delete', { experiment_id: id });
    expect((await call('GET', 'experiments/get', { experiment_id: id })).body.experiment.lifecycle_stage).toBe('deleted');
    await call('POST', 'experiments/restore', { experiment_id: id });
    expect((await call('GET', 'experiments/get', { experiment_id: id })).body.experiment.lifecycle_stage).toBe('active');
  });

  it('§5.5 rename changes the name; a duplicate name is RESOURCE_ALREADY_EXISTS (400)', async () => {
    const id = await createExperiment('before-rename');
    await createExperiment('taken');
    expect((await call('POST', 'experiments/update', { experiment_id: id, new_name: 'after-rename' })).status).toBe(200);
    expect((await call('GET', 'experiments/get', { experiment_id: id })).body.experiment.name).toBe('after-rename');
    const dup = await call('POST', 'experiments/update', { experiment_id: id, new_name: 'taken' });
    expect([dup.status, dup.body.error_code]).toEqual([400, 'RESOURCE_ALREADY_EXISTS']);
    const dupCreate = await call('POST', 'experiments/create', { name: 'taken' });
    expect([dupCreate.status, dupCreate.body.error_code]).toEqual([400, 'RESOURCE_ALREADY_EXISTS']);
  });

  it('§5.6 get-by-name finds the exact name; an unknown name is 404 RESOURCE_DOES_NOT_EXIST', async () => {
    const id = await createExperiment('Exact Name');
    expect((await call('GET', 'experiments/get-by-name', { experiment_name: 'Exact Name' })).body.experiment.experiment_id).toBe(id);
    const miss = await call('GET', 'experiments/get-by-name', { experiment_name: 'exact name' });
    expect([miss.status, miss.body.error_code]).toEqual([404, 'RESOURCE_DOES_NOT_EXIST']);
  });

  it('§5.19 experiment tags: set, overwrite, isolation, multi-line and empty values', async () => {
    const a = await createExperiment('tags-a');
    const b = await createExperiment('tags-b');
    await call('POST', 'experiments/set-experiment-tag', { experiment_id: a, key: 'k', value: 'v1' });
    await call('POST', 'experiments/set-experiment-tag', { experiment_id: a, key: 'k', value: 'v2' });
    await call('POST', 'experiments/set-experiment-tag', { experiment_id: a, key: 'multi', value: 'line1\nline2' });
    await call('POST', 'experiments/set-experiment-tag', { experiment_id: a, key: 'empty', value: '' });
    await call('POST', 'experiments/set-experiment-tag', { experiment_id: b, key: 'k', value: 'other' });
    expect(tagMap((await call('GET', 'experiments/get', { experiment_id: a })).body.experiment.tags)).toEqual({ k: 'v2', multi: 'line1\nline2', empty: '' });
    expect(tagMap((await call('GET', 'experiments/get', { experiment_id: b })).body.experiment.tags)).toEqual({ k: 'other' });
  });

  it('§5.21 experiment search filters: attribute.name, LIKE, tag ILIKE, !=, order_by name DESC', async () => {
    await createExperiment('filter-ab', { tags: [{ key: 'key', value: 'value' }] });
    await createExperiment('filter-ac', { tags: [{ key: 'key', value: 'other' }] });
    const names = async (body: Record<string, unknown>) =>
      (await call('POST', 'experiments/search', body)).body.experiments?.map((e: { name: string }) => e.name) ?? [];
    expect(await names({ filter: "attribute.name = 'filter-ab'" })).toEqual(['filter-ab']);
    expect(await names({ filter: "name LIKE 'filter-a%'", order_by: ['name DESC'] })).toEqual(['filter-ac', 'filter-ab']);
    expect(await names({ filter: "tag.key ILIKE '%ALU%'" })).toEqual(['filter-ab']);
    expect(await names({ filter: "name LIKE 'filter-%' AND name != 'filter-ab'" })).toEqual(['filter-ac']);
    // Default order: newest first.
    const all = await names({ filter: "name LIKE 'filter-a%'" });
    expect(all).toEqual(['filter-ac', 'filter-ab']);
  });
});

describe('runs', () => {
  let exp: string;
  beforeAll(async () => {
    exp = await createExperiment('runs');
  });

  it('§5.7 runs/create stores start_time, run_name, tags; user_id from tag mlflow.user (default "unknown"); run_uuid == run_id', async () => {
    const r = await call('POST', 'runs/create', {
      experiment_id: exp,
      start_time: 1234,
      run_name: 'named',
      tags: [
        { key: 'mlflow.user', value: 'carol' },
        { key: 'a', value: 'b' },
      ],
    });
    const info = r.body.run.info;
    expect(info).toMatchObject({ start_time: 1234, run_name: 'named', user_id: 'carol' });
    expect(info.run_uuid).toBe(info.run_id);
    expect(tagMap(r.body.run.data.tags)).toMatchObject({ a: 'b', 'mlflow.user': 'carol', 'mlflow.runName': 'named' });
    const anon = await call('POST', 'runs/create', { experiment_id: exp });
    expect(anon.body.run.info.user_id).toBe('unknown');
  });

  it('§5.8 a new run is RUNNING without end_time; terminating sets status and end_time <= now', async () => {
    const id = await createRun(exp);
    const got = (await call('GET', 'runs/get', { run_id: id })).body.run.info;
    expect(got.status).toBe('RUNNING');
    expect(got).not.toHaveProperty('end_time');
    const end = Date.now();
    const upd = await call('POST', 'runs/update', { run_id: id, status: 'KILLED', end_time: end });
    expect(upd.body.run_info).toMatchObject({ status: 'KILLED', end_time: end });
    expect(upd.body.run_info.end_time).toBeLessThanOrEqual(Date.now());
  });

  it('§5.9 runs/update with only run_name keeps the status', async () => {
    const id = await createRun(exp);
    await call('POST', 'runs/update', { run_id: id, status: 'FINISHED', end_time: Date.now() });
    const upd = await call('POST', 'runs/update', { run_id: id, run_name: 'renamed' });
    expect(upd.body.run_info).toMatchObject({ status: 'FINISHED', run_name: 'renamed' });
    expect(tagMap((await call('GET', 'runs/get', { run_id: id })).body.run.data.tags)['mlflow.runName']).toBe('renamed');
  });

  it('§5.10 metrics round-trip value/timestamp/step; step defaults to 0; NaN and ±Infinity accepted', async () => {
    const id = await createRun(exp);
    await call('POST', 'runs/log-metric', { run_id: id, key: 'm', value: 1.5, timestamp: 10, step: 3 });
    await call('POST', 'runs/log-metric', { run_id: id, key: 'nostep', value: 2, timestamp: 11 });
    for (const [key, value] of [['nan', 'NaN'], ['pinf', 'Infinity'], ['ninf', '-Infinity']]) {
      expect((await call('POST', 'runs/log-metric', { run_id: id, key, value, timestamp: 12 })).status).toBe(200);
    }
    const hist = async (key: string) => (await call('GET', 'metrics/get-history', { run_id: id, metric_key: key })).body.metrics;
    expect(await hist('m')).toEqual([{ key: 'm', value: 1.5, timestamp: 10, step: 3 }]);
    expect((await hist('nostep'))[0].step).toBe(0);
    expect((await hist('nan'))[0].value).toBe('NaN');
    expect((await hist('pinf'))[0].value).toBe('Infinity');
    expect((await hist('ninf'))[0].value).toBe('-Infinity');
  });

  it('§5.11 get-history of an unknown key is an empty list', async () => {
    const id = await createRun(exp);
    const r = await call('GET', 'metrics/get-history', { run_id: id, metric_key: 'never' });
    expect(r.status).toBe(200);
    expect(r.body.metrics ?? []).toEqual([]);
  });

  it('§5.12 run.data.metrics holds the value with max (step, timestamp, value)', async () => {
    const id = await createRun(exp);
    const log = (value: number, timestamp: number, step: number) => call('POST', 'runs/log-metric', { run_id: id, key: 'x', value, timestamp, step });
    await log(5, 100, 2);
    await log(1, 50, 3); // higher step wins although older
    await log(0, 10, 1);
    await log(7, 40, 3); // same step, lower timestamp: loses
    await log(2, 50, 3); // same step and timestamp: higher value wins
    const metrics = (await call('GET', 'runs/get', { run_id: id })).body.run.data.metrics;
    expect(metrics).toEqual([{ key: 'x', value: 2, timestamp: 50, step: 3 }]);
  });

  it('§5.13 log-metric validation: types and required fields', async () => {
    const id = await createRun(exp);
    const cases: [Record<string, unknown>, string][] = [
      [{ run_id: 123, key: 'k', value: 1, timestamp: 1 }, "Invalid value 123 for parameter 'run_id'"],
      [{ run_id: id, key: 5, value: 1, timestamp: 1 }, "Invalid value 5 for parameter 'key'"],
      [{ run_id: id, key: 'k', value: 1, timestamp: 1, step: 'x' }, "parameter 'step'"],
      [{ run_id: id, key: 'k', value: 1, timestamp: 1.5 }, "parameter 'timestamp'"],
      [{ key: 'k', value: 1, timestamp: 1 }, "Missing value for required parameter 'run_id'"],
      [{ run_id: id, value: 1, timestamp: 1 }, "Missing value for required parameter 'key'"],
      [{ run_id: id, key: 'k', value: 1 }, "Missing value for required parameter 'timestamp'"],
      [{ run_id: id, key: 'k', value: 'abc', timestamp: 1 }, "parameter 'value'"],
    ];
    for (const [payload, message] of cases) {
      const r = await call('POST', 'runs/log-metric', payload);
      expect([r.status, r.body.error_code], JSON.stringify(payload)).toEqual([400, 'INVALID_PARAMETER_VALUE']);
      expect(r.body.message).toContain(message);
    }
  });

  it('§5.14 param and tag values may be empty strings (single calls and log-batch)', async () => {
    const id = await createRun(exp);
    await call('POST', 'runs/log-parameter', { run_id: id, key: 'p1', value: '' });
    await call('POST', 'runs/set-tag', { run_id: id, key: 't1', value: '' });
    await call('POST', 'runs/log-batch', { run_id: id, params: [{ key: 'p2', value: '' }], tags: [{ key: 't2', value: '' }] });
    const data = (await call('GET', 'runs/get', { run_id: id })).body.run.data;
    expect(tagMap(data.params)).toEqual({ p1: '', p2: '' });
    expect(tagMap(data.tags)).toMatchObject({ t1: '', t2: '' });
  });

  it('§5.15 re-logging a param with a different value is 400; the same value is fine', async () => {
    const id = await createRun(exp);
    expect((await call('POST', 'runs/log-parameter', { run_id: id, key: 'lr', value: '0.1' })).status).toBe(200);
    expect((await call('POST', 'runs/log-parameter', { run_id: id, key: 'lr', value: '0.1' })).status).toBe(200);
    const diff = await call('POST', 'runs/log-parameter', { run_id: id, key: 'lr', value: '0.2' });
    expect([diff.status, diff.body.error_code]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
    expect(diff.body.message).toContain('Changing param values is not allowed');
    const batch = await call('POST', 'runs/log-batch', { run_id: id, params: [{ key: 'lr', value: '0.3' }] });
    expect(batch.status).toBe(400);
    expect(tagMap((await call('GET', 'runs/get', { run_id: id })).body.run.data.params)).toEqual({ lr: '0.1' });
  });

  it('§5.16 set-tag accepts run_uuid instead of run_id; a non-string value is 400', async () => {
    const id = await createRun(exp);
    expect((await call('POST', 'runs/set-tag', { run_uuid: id, key: 'via', value: 'uuid' })).status).toBe(200);
    expect(tagMap((await call('GET', 'runs/get', { run_uuid: id })).body.run.data.tags)['via']).toBe('uuid');
    const bad = await call('POST', 'runs/set-tag', { run_id: id, key: 'k', value: 5 });
    expect([bad.status, bad.body.error_code]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
  });

  it('§5.17 delete-tag: removes; unknown run, unknown tag, deleted run are errors', async () => {
    const id = await createRun(exp);
    await call('POST', 'runs/set-tag', { run_id: id, key: 'gone', value: 'x' });
    expect((await call('POST', 'runs/delete-tag', { run_id: id, key: 'gone' })).status).toBe(200);
    expect(tagMap((await call('GET', 'runs/get', { run_id: id })).body.run.data.tags)).not.toHaveProperty('gone');
    const noRun = await call('POST', 'runs/delete-tag', { run_id: 'f'.repeat(32), key: 'gone' });
    expect([noRun.status, noRun.body.message]).toEqual([404, `Run '${'f'.repeat(32)}' not found`]);
    const noTag = await call('POST', 'runs/delete-tag', { run_id: id, key: 'gone' });
    expect(noTag.body.message).toContain('No tag with name: gone');
    await call('POST', 'runs/set-tag', { run_id: id, key: 'still', value: 'x' });
    await call('POST', 'runs/delete', { run_id: id });
    const deleted = await call('POST', 'runs/delete-tag', { run_id: id, key: 'still' });
    expect(deleted.status).toBe(400);
    // SqlAlchemyStore._check_run_is_active's message (the file store's differs; MLflow 3 uses SQL).
    expect(deleted.body.message).toBe(`The run ${id} must be in the 'active' state. Current state is deleted.`);
  });

  it('§5.18 log-batch: arrays required, timestamp required, step optional, size limits', async () => {
    const id = await createRun(exp);
    for (const field of ['metrics', 'params', 'tags']) {
      const r = await call('POST', 'runs/log-batch', { run_id: id, [field]: { key: 'x' } });
      expect(r.status, field).toBe(400);
    }
    expect((await call('POST', 'runs/log-batch', { run_id: id, metrics: [{ key: 'm', value: 1 }] })).status).toBe(400);
    expect((await call('POST', 'runs/log-batch', { run_id: id, metrics: [{ key: 'm', value: 1, timestamp: 1 }] })).status).toBe(200);
    const metric = (i: number) => ({ key: `m${i}`, value: i, timestamp: 1, step: 0 });
    const kv = (i: number) => ({ key: `k${i}`, value: 'v' });
    const limits: [Record<string, unknown>, string][] = [
      [{ metrics: Array.from({ length: 1001 }, (_, i) => metric(i)) }, 'at most 1000 metrics'],
      [{ params: Array.from({ length: 101 }, (_, i) => kv(i)) }, 'at most 100 params'],
      [{ tags: Array.from({ length: 101 }, (_, i) => kv(i)) }, 'at most 100 tags'],
      [{ metrics: Array.from({ length: 950 }, (_, i) => metric(i)), params: Array.from({ length: 60 }, (_, i) => kv(i)) }, 'in total'],
    ];
    for (const [payload, message] of limits) {
      const r = await call('POST', 'runs/log-batch', { run_id: id, ...payload });
      expect([r.status, r.body.error_code]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
      expect(r.body.message).toContain(message);
    }
    // MLflow measures a batch with len() of the parsed body (its top-level fields, handlers.py
    // _log_batch -> validation.py _validate_batch_log_api_req), so a 1 MiB tag value is no
    // reason to refuse: the value is truncated to MAX_TAG_VAL_LENGTH (8000) like any run tag.
    const big = await call('POST', 'runs/log-batch', { run_id: id, tags: [{ key: 'big', value: 'x'.repeat(1024 * 1024 + 10) }] });
    expect(big.status).toBe(200);
    const data = (await call('GET', 'runs/get', { run_id: id })).body.run.data;
    expect(tagMap(data.tags)['big']).toHaveLength(8000);
    // Nothing of the refused batches was stored.
    expect(data.metrics).toHaveLength(1);
  });

  it('§5.20 runs/search: ACTIVE_ONLY by default; 10 equal start times page 4/4/2 by run_id; max_results bound', async () => {
    const e = await createExperiment('search-paging');
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push(await createRun(e, { start_time: 1000 }));
    const deleted = await createRun(e, { start_time: 1000 });
    await call('POST', 'runs/delete', { run_id: deleted });
    const pages: string[][] = [];
    let token: string | undefined;
    do {
      const r = await call('POST', 'runs/search', { experiment_ids: [e], max_results: 4, page_token: token });
      pages.push(r.body.runs.map((x: { info: { run_id: string } }) => x.info.run_id));
      token = r.body.next_page_token;
    } while (token);
    expect(pages.map((p) => p.length)).toEqual([4, 4, 2]);
    expect(pages.flat()).toEqual([...ids].sort());
    const all = await call('POST', 'runs/search', { experiment_ids: [e], run_view_type: 'ALL' });
    expect(all.body.runs).toHaveLength(11);
    const tooMany = await call('POST', 'runs/search', { experiment_ids: [e], max_results: 123456789 });
    expect([tooMany.status, tooMany.body.error_code]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
  });

  it('§5.21 run search filters: metrics, params, tags, quoted keys, AND; order by metric', async () => {
    const e = await createExperiment('search-filter');
    const mk = async (loss: number, model: string, tag: string) => {
      const id = await createRun(e);
      await call('POST', 'runs/log-batch', {
        run_id: id,
        metrics: [{ key: 'loss', value: loss, timestamp: 1 }],
        params: [{ key: 'model', value: model }],
        tags: [{ key: 'my tag-1', value: tag }],
      });
      return id;
    };
    const a = await mk(0.5, 'unet', 'x');
    const b = await mk(1.5, 'unet', 'y');
    const c = await mk(2.5, 'resnet', 'y');
    const search = async (filter: string, order_by?: string[]) =>
      ((await call('POST', 'runs/search', { experiment_ids: [e], filter, order_by })).body.runs ?? []).map((r: { info: { run_id: string } }) => r.info.run_id);
    expect(await search('metrics.loss > 1', ['metrics.loss ASC'])).toEqual([b, c]);
    expect(await search("params.model = 'unet'", ['metrics.loss DESC'])).toEqual([b, a]);
    expect(await search('tags."my tag-1" = \'y\' AND params.model = \'resnet\'')).toEqual([c]);
    expect(await search("tags.`my tag-1` = 'x'")).toEqual([a]);
    const bad = await call('POST', 'runs/search', { experiment_ids: [e], filter: 'metrics.loss >' });
    expect([bad.status, bad.body.error_code]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
  });

  it('§5.24 log-model (2.x) appends one entry per call to mlflow.log-model.history, in order', async () => {
    const id = await createRun(exp);
    for (const p of ['model', 'model-2']) {
      const model_json = JSON.stringify({ artifact_path: p, run_id: id, utc_time_created: '2024-01-01 00:00:00.000000', flavors: { onnx: {} } });
      expect((await call('POST', 'runs/log-model', { run_id: id, model_json })).status).toBe(200);
    }
    const tags = tagMap((await call('GET', 'runs/get', { run_id: id })).body.run.data.tags);
    const history = JSON.parse(tags['mlflow.log-model.history']!) as { artifact_path: string }[];
    expect(history.map((h) => h.artifact_path)).toEqual(['model', 'model-2']);
    const missing = await call('POST', 'runs/log-model', { run_id: id, model_json: JSON.stringify({ artifact_path: 'x' }) });
    expect(missing.status).toBe(400);
  });

  it('§5.25 log-inputs: datasets and input tags round-trip in run.inputs; run_id and datasets required', async () => {
    const id = await createRun(exp);
    const dataset = { name: 'sen1floods11', digest: 'abc123', source_type: 'http', source: '{"url": "https://example.com/d"}', schema: '{}', profile: '{"rows": 10}' };
    const r = await call('POST', 'runs/log-inputs', { run_id: id, datasets: [{ dataset, tags: [{ key: 'mlflow.data.context', value: 'train' }] }] });
    expect(r.status).toBe(200);
    const inputs = (await call('GET', 'runs/get', { run_id: id })).body.run.inputs;
    expect(inputs.dataset_inputs).toEqual([{ dataset, tags: [{ key: 'mlflow.data.context', value: 'train' }] }]);
    expect((await call('POST', 'runs/log-inputs', { datasets: [] })).status).toBe(400);
    expect((await call('POST', 'runs/log-inputs', { run_id: id })).status).toBe(400);
  });
});

describe('artifacts', () => {
  it('§5.22 log_artifact then list the run root, a directory, and download', async () => {
    const exp = await createExperiment('artifacts');
    const id = await createRun(exp);
    const run = (await call('GET', 'runs/get', { run_id: id })).body.run.info;
    const base = `${url}/api/2.0/mlflow-artifacts/artifacts/${(run.artifact_uri as string).replace('mlflow-artifacts:/', '')}`;
    for (const p of ['my.file', 'dir/my.file']) expect((await fetch(`${base}/${p}`, { method: 'PUT', body: `content of ${p}` })).status).toBe(200);
    const root = (run.artifact_uri as string).replace('mlflow-artifacts:/', '');
    const list = async (p: string) => (await call('GET', '/api/2.0/mlflow-artifacts/artifacts', { path: p })).body;
    expect(((await list(root)).files as { path: string }[]).map((f) => f.path).sort()).toEqual(['dir', 'my.file']);
    expect((await list(`${root}/dir`)).files).toEqual([{ path: 'my.file', is_dir: false, file_size: 'content of dir/my.file'.length }]);
    expect(await list(`${root}/my.file`)).toEqual({});
    expect(await list(`${root}/missing`)).toEqual({});
    // The run-relative listing the UI uses.
    const runList = await call('GET', 'artifacts/list', { run_id: id, path: 'dir' });
    expect(runList.body).toEqual({ root_uri: run.artifact_uri, files: [{ path: 'dir/my.file', is_dir: false, file_size: 22 }] });
    const dl = await fetch(`${base}/dir/my.file`);
    expect(dl.headers.get('content-disposition')).toContain('attachment');
    expect(await dl.text()).toBe('content of dir/my.file');
  });

  it('§5.23 path traversal on listing, download, upload and the run listing is 400 "Invalid path"', async () => {
    const id = await createRun('0');
    const invalidPath = { error_code: 'INVALID_PARAMETER_VALUE', message: 'Invalid path' };
    const probes: [string, string][] = [
      ['GET', '/api/2.0/mlflow-artifacts/artifacts?path=../secret'],
      ['GET', '/api/2.0/mlflow-artifacts/artifacts?path=0/%2e%2e/%2e%2e/x'],
      ['GET', '/api/2.0/mlflow-artifacts/artifacts?path=/etc'],
      ['GET', '/api/2.0/mlflow-artifacts/artifacts/0/..%2f..%2f..%2fetc/passwd'],
      ['GET', '/api/2.0/mlflow-artifacts/artifacts/0/%252e%252e/%252e%252e/journal.log'],
      ['PUT', '/api/2.0/mlflow-artifacts/artifacts/0/..%2f..%2fjournal.log'],
      ['DELETE', '/api/2.0/mlflow-artifacts/artifacts/0/..%2f..%2fjournal.log'],
      ['GET', `/api/2.0/mlflow/artifacts/list?run_id=${id}&path=../../..`],
      ['GET', `/get-artifact?run_uuid=${id}&path=../../../journal.log`],
    ];
    for (const [method, p] of probes) {
      const r = await fetch(url + p, { method, body: method === 'PUT' ? 'x' : undefined });
      expect([r.status, await r.json()], `${method} ${p}`).toEqual([400, invalidPath]);
    }
  });
});

describe('model registry', () => {
  it('§5.26 registered models: create with tags, get, update, rename, delete, search with page tokens', async () => {
    const created = await call('POST', 'registered-models/create', { name: 'rm-a', tags: [{ key: 'project', value: 'g/p' }] });
    expect(created.body.registered_model).toMatchObject({ name: 'rm-a', tags: [{ key: 'project', value: 'g/p' }] });
    expect((await call('GET', 'registered-models/get', { name: 'rm-a' })).body.registered_model.name).toBe('rm-a');
    const upd = await call('PATCH', 'registered-models/update', { name: 'rm-a', description: 'desc' });
    expect(upd.body.registered_model.description).toBe('desc');
    const ren = await call('POST', 'registered-models/rename', { name: 'rm-a', new_name: 'rm-b' });
    expect(ren.body.registered_model.name).toBe('rm-b');
    expect((await call('GET', 'registered-models/get', { name: 'rm-a' })).status).toBe(404);
    for (const n of ['rm-c', 'rm-d']) await call('POST', 'registered-models/create', { name: n });
    const page1 = await call('GET', 'registered-models/search', { filter: "name LIKE 'rm-%'", max_results: 2, order_by: ['name DESC'] });
    expect(page1.body.registered_models.map((m: { name: string }) => m.name)).toEqual(['rm-d', 'rm-c']);
    expect(page1.body.next_page_token).toEqual(expect.any(String));
    const page2 = await call('GET', 'registered-models/search', { filter: "name LIKE 'rm-%'", max_results: 2, order_by: ['name DESC'], page_token: page1.body.next_page_token });
    expect(page2.body.registered_models.map((m: { name: string }) => m.name)).toEqual(['rm-b']);
    expect(page2.body).not.toHaveProperty('next_page_token');
    const byTag = await call('GET', 'registered-models/search', { filter: "tags.project = 'g/p'" });
    expect(byTag.body.registered_models.map((m: { name: string }) => m.name)).toEqual(['rm-b']);
    expect((await call('DELETE', 'registered-models/delete', { name: 'rm-b' })).status).toBe(200);
    expect((await call('GET', 'registered-models/get', { name: 'rm-b' })).body.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    const tooMany = await call('GET', 'registered-models/search', { max_results: 1001 });
    expect(tooMany.status).toBe(400);
  });

  it('§5.27 get-latest-versions accepts stages [], ["None"], ["Staging","Production"]', async () => {
    await call('POST', 'registered-models/create', { name: 'staged' });
    for (let i = 0; i < 3; i++) await call('POST', 'model-versions/create', { name: 'staged', source: 'mlflow-artifacts:/0/x/artifacts/model' });
    await call('POST', 'model-versions/transition-stage', { name: 'staged', version: '2', stage: 'Staging', archive_existing_versions: false });
    await call('POST', 'model-versions/transition-stage', { name: 'staged', version: '3', stage: 'production', archive_existing_versions: true });
    const latest = async (stages: string[]) =>
      (await call('POST', 'registered-models/get-latest-versions', { name: 'staged', stages })).body.model_versions.map(
        (v: { version: string; current_stage: string }) => `${v.version}:${v.current_stage}`,
      );
    expect(await latest([])).toEqual(['1:None', '2:Staging', '3:Production']);
    expect(await latest(['None'])).toEqual(['1:None']);
    expect(await latest(['Staging', 'Production'])).toEqual(['2:Staging', '3:Production']);
  });

  it('§5.28 model version sources: URI forms accepted; traversal and stray local paths refused', async () => {
    await call('POST', 'registered-models/create', { name: 'sources' });
    const runId = await createRun('0');
    const ok = ['mlflow-artifacts:/models', 'mlflow-artifacts:/models/', 'mlflow-artifacts://host:5000/models', 's3://b//k///m', 'runs:/abc/model', 'models:/m-0123'];
    for (const source of ok) expect((await call('POST', 'model-versions/create', { name: 'sources', source })).status, source).toBe(200);
    const bad = ['mlflow-artifacts:/../x', 's3://b/%2f..%2fx', 'mlflow-artifacts:/x%00y', 'file:///etc/passwd', '/tmp/model', 'runs/../x'];
    for (const source of bad) {
      const r = await call('POST', 'model-versions/create', { name: 'sources', source, run_id: runId });
      expect([r.status, r.body.error_code], source).toEqual([400, 'INVALID_PARAMETER_VALUE']);
      expect(r.body.message).toContain('Invalid model version source');
    }
    const noRun = await call('POST', 'model-versions/create', { name: 'sources', source: '/tmp/model' });
    expect(noRun.status).toBe(400);
  });

  it('§5.29 endpoint methods: POST create/rename/transition, PATCH updates, DELETE deletes, GET reads; aliases and tags', async () => {
    const n = 'methods';
    expect((await call('POST', 'registered-models/create', { name: n })).status).toBe(200);
    expect((await call('POST', 'model-versions/create', { name: n, source: 'mlflow-artifacts:/0/r/artifacts/m' })).status).toBe(200);
    const steps: [string, string, Record<string, unknown>][] = [
      ['POST', 'registered-models/set-tag', { name: n, key: 'k', value: 'v' }],
      ['DELETE', 'registered-models/delete-tag', { name: n, key: 'k' }],
      ['PATCH', 'model-versions/update', { name: n, version: '1', description: 'd' }],
      ['POST', 'model-versions/set-tag', { name: n, version: '1', key: 'k', value: 'v' }],
      ['DELETE', 'model-versions/delete-tag', { name: n, version: '1', key: 'k' }],
      ['POST', 'registered-models/alias', { name: n, alias: 'champion', version: '1' }],
      ['GET', 'registered-models/alias', { name: n, alias: 'champion' }],
      ['GET', 'model-versions/get-download-uri', { name: n, version: '1' }],
      ['GET', 'model-versions/search', { filter: `name='${n}'` }],
      ['DELETE', 'registered-models/alias', { name: n, alias: 'champion' }],
      ['DELETE', 'model-versions/delete', { name: n, version: '1' }],
      ['DELETE', 'registered-models/delete', { name: n }],
    ];
    for (const [method, p, payload] of steps) expect((await call(method, p, payload)).status, `${method} ${p}`).toBe(200);
    // Wrong method on a known path is not a 200 and not a 500.
    const wrong = await call('GET', 'registered-models/create', { name: n });
    expect(wrong.status).toBe(405);
    expect(wrong.body.error_code).toBe('ENDPOINT_NOT_FOUND');
    // Alias rules.
    await call('POST', 'registered-models/create', { name: n });
    await call('POST', 'model-versions/create', { name: n, source: 'mlflow-artifacts:/0/r/artifacts/m' });
    for (const alias of ['latest', 'v1', 'bad alias']) {
      expect((await call('POST', 'registered-models/alias', { name: n, alias, version: '2' })).status, alias).toBe(400);
    }
    expect((await call('POST', 'registered-models/alias', { name: n, alias: 'prod', version: '99' })).status).toBe(404);
  });

  it('model-versions/search filters by run_id IN, tags and source_path', async () => {
    const n = 'mv-search';
    await call('POST', 'registered-models/create', { name: n });
    await call('POST', 'model-versions/create', { name: n, source: 'mlflow-artifacts:/0/r1/artifacts/m', run_id: 'r1', tags: [{ key: 'k', value: 'a' }] });
    await call('POST', 'model-versions/create', { name: n, source: 'mlflow-artifacts:/0/r2/artifacts/m', run_id: 'r2' });
    const versions = async (filter: string) =>
      (await call('GET', 'model-versions/search', { filter })).body.model_versions.map((v: { version: string }) => v.version).sort();
    expect(await versions("run_id IN ('r1', 'r2')")).toEqual(['1', '2']);
    expect(await versions("name = 'mv-search' AND tags.k = 'a'")).toEqual(['1']);
    expect(await versions("source_path = 'mlflow-artifacts:/0/r2/artifacts/m'")).toEqual(['2']);
  });
});

describe('wire conventions', () => {
  it('§5.30 errors serialise as {error_code, message} with the mapped status', async () => {
    const r = await call('GET', 'runs/get', { run_id: 'nope' });
    expect(r.status).toBe(404);
    expect(r.headers.get('content-type')).toContain('application/json');
    expect(Object.keys(r.body).sort()).toEqual(['error_code', 'message']);
  });

  it('§5.31 POST without a JSON content type is 400; unknown fields are ignored (JSON and query)', async () => {
    const noType = await fetch(`${url}/api/2.0/mlflow/experiments/create`, { method: 'POST', body: '{"name":"ct"}', headers: { 'Content-Type': 'text/plain' } });
    expect(noType.status).toBe(400);
    const withCharset = await fetch(`${url}/api/2.0/mlflow/experiments/create`, {
      method: 'POST',
      body: '{"name":"ct-2","whatever":1}',
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
    });
    expect(withCharset.status).toBe(200);
    const q = await call('GET', 'experiments/get-by-name', { experiment_name: 'ct-2', unknown_field: 'x' });
    expect(q.status).toBe(200);
    // An old client's double-encoded body.
    const dbl = await fetch(`${url}/api/2.0/mlflow/experiments/create`, {
      method: 'POST',
      body: JSON.stringify(JSON.stringify({ name: 'double' })),
      headers: { 'Content-Type': 'application/json' },
    });
    expect(dbl.status).toBe(200);
  });

  it('§5.32 GET /health is OK and GET /version a version string', async () => {
    const h = await fetch(`${url}/health`);
    expect([h.status, await h.text()]).toEqual([200, 'OK']);
    const v = await fetch(`${url}/version`);
    expect(await v.text()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('GET accepts repeated keys and the x[]= / x[0]= forms; DELETE reads a body or a query string', async () => {
    for (const n of ['q-a', 'q-b']) await call('POST', 'registered-models/create', { name: n });
    for (const form of ['order_by=name+DESC', 'order_by[]=name+DESC', 'order_by[0]=name+DESC']) {
      const r = await fetch(`${url}/api/2.0/mlflow/registered-models/search?filter=name+LIKE+%27q-%25%27&${form}`);
      const names = ((await r.json()) as { registered_models: { name: string }[] }).registered_models.map((m) => m.name);
      expect(names, form).toEqual(['q-b', 'q-a']);
    }
    const viaQuery = await fetch(`${url}/api/2.0/mlflow/registered-models/delete?name=q-a`, { method: 'DELETE' });
    expect(viaQuery.status).toBe(200);
    const viaBody = await call('DELETE', 'registered-models/delete', { name: 'q-b' });
    expect(viaBody.status).toBe(200);
    expect((await call('GET', 'registered-models/search', { filter: "name LIKE 'q-%'" })).body.registered_models ?? []).toEqual([]);
  });

  it('routes are also mounted under /ajax-api/2.0 and /api/2.0/preview', async () => {
    for (const prefix of ['/ajax-api/2.0/mlflow', '/api/2.0/preview/mlflow']) {
      const r = await fetch(`${url}${prefix}/experiments/get?experiment_id=0`);
      expect(r.status).toBe(200);
    }
  });
});
