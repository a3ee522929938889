/**
 * MLflow 3 behaviours the shim follows, each written from MLflow's own source (cited per test:
 * mlflow/server/handlers.py, mlflow/store/tracking/sqlalchemy_store.py, mlflow/utils/validation.py,
 * mlflow/utils/search_utils.py, mlflow/exceptions.py, mlflow/protos/service.proto). Every answer
 * is also parsed by the MLflow client's parser (proto oracle).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampledSteps } from '../../pipelines/tracking/routes/runs.js';
import { type Shim, api, startShim } from './helpers.js';
import { useProtoOracle } from './proto-oracle.js';

useProtoOracle();

let shim: Shim;
const call = (method: string, p: string, payload?: Record<string, unknown>) => api(shim.url, method, p, payload);

async function experiment(name: string): Promise<string> {
  const r = await call('POST', 'experiments/create', { name });
  expect(r.status).toBe(200);
  return r.body.experiment_id as string;
}

async function run(exp: string, extra: Record<string, unknown> = {}): Promise<string> {
  const r = await call('POST', 'runs/create', { experiment_id: exp, start_time: 1000, ...extra });
  expect(r.status).toBe(200);
  return r.body.run.info.run_id as string;
}

async function loggedModel(exp: string, runId: string, name = 'model'): Promise<string> {
  const r = await call('POST', 'logged-models', { experiment_id: exp, name, source_run_id: runId });
  expect(r.status).toBe(200);
  return r.body.model.info.model_id as string;
}

const ids = (r: { body: { runs?: { info: { run_id: string } }[] } }) => (r.body.runs ?? []).map((x) => x.info.run_id);

beforeAll(async () => {
  shim = await startShim();
});
afterAll(async () => {
  await shim.close();
});

describe('logged models (MLflow 3)', () => {
  it('a log_model that logs the step metrics again with model_id does not double the run history (sqlalchemy_store.py _log_metrics: metric primary key; _log_model_metrics)', async () => {
    const exp = await experiment('lm-dup');
    const r = await run(exp);
    const m = await loggedModel(exp, r);
    const point = { key: 'acc', value: 0.9, timestamp: 5000, step: 3 };
    expect((await call('POST', 'runs/log-metric', { run_id: r, ...point })).status).toBe(200);
    // What mlflow.<flavor>.log_model does in a run: the run's current metrics again, linked to the model.
    expect((await call('POST', 'runs/log-batch', { run_id: r, metrics: [{ ...point, model_id: m }] })).status).toBe(200);
    expect((await call('POST', 'runs/log-metric', { run_id: r, ...point })).status).toBe(200);
    const history = (await call('GET', 'metrics/get-history', { run_id: r, metric_key: 'acc' })).body.metrics;
    expect(history).toEqual([{ key: 'acc', value: 0.9, timestamp: 5000, step: 3 }]);
    // A different value at the same step and time is a new point.
    await call('POST', 'runs/log-metric', { run_id: r, ...point, value: 0.91 });
    expect((await call('GET', 'metrics/get-history', { run_id: r, metric_key: 'acc' })).body.metrics).toHaveLength(2);
    // The logged model has the metric, with its run.
    const got = (await call('GET', `logged-models/${m}`)).body.model;
    expect(got.data.metrics).toEqual([{ key: 'acc', value: 0.9, timestamp: 5000, step: 3, model_id: m, run_id: r }]);
    expect(got.info).not.toHaveProperty('creator_id');
  });

  it("logged-models/search filters and orders by the model's metrics and matches status = 'READY' (sqlalchemy_store.py search_logged_models; entities/logged_model_status.py)", async () => {
    const exp = await experiment('lm-search');
    const r = await run(exp);
    const models: string[] = [];
    for (const [i, acc] of [0.7, 0.95, 0.85].entries()) {
      const m = await loggedModel(exp, r, `model-${i}`);
      models.push(m);
      await call('POST', 'runs/log-metric', { run_id: r, key: 'acc', value: acc, timestamp: 100 + i, step: 0, model_id: m, dataset_name: 'val', dataset_digest: 'd1' });
    }
    await call('PATCH', `logged-models/${models[0]!}`, { model_id: models[0], status: 'LOGGED_MODEL_READY' });
    await call('PATCH', `logged-models/${models[1]!}`, { model_id: models[1], status: 'LOGGED_MODEL_READY' });
    const search = async (body: Record<string, unknown>) =>
      ((await call('POST', 'logged-models/search', { experiment_ids: [exp], ...body })).body.models ?? []).map((x: { info: { model_id: string } }) => x.info.model_id);
    expect(await search({ filter: 'metrics.acc > 0.8', order_by: [{ field_name: 'metrics.acc', ascending: false }] })).toEqual([models[1], models[2]]);
    expect(await search({ order_by: [{ field_name: 'metrics.acc', ascending: true }] })).toEqual([models[0], models[2], models[1]]);
    expect(await search({ filter: "status = 'READY'", order_by: [{ field_name: 'metrics.acc' }] })).toEqual([models[0], models[1]]);
    expect(await search({ filter: "status = 'LOGGED_MODEL_READY'" })).toEqual([]);
    // Metrics on another dataset do not count.
    expect(await search({ filter: 'metrics.acc > 0.8', datasets: [{ dataset_name: 'test' }] })).toEqual([]);
    expect((await search({ filter: 'metrics.acc > 0.8', datasets: [{ dataset_name: 'val', dataset_digest: 'd1' }] })).sort()).toEqual([models[1], models[2]].sort());
  });

  it('creating a version from a logged model lists it in the model tag mlflow.modelVersions (handlers.py _create_model_version -> set_model_versions_tags)', async () => {
    const exp = await experiment('lm-versions');
    const r = await run(exp);
    const m = await loggedModel(exp, r);
    for (const name of ['reg-a', 'reg-b']) {
      await call('POST', 'registered-models/create', { name });
      const mv = await call('POST', 'model-versions/create', { name, source: `models:/${m}`, model_id: m, run_id: r });
      expect(mv.body.model_version).toMatchObject({ name, version: '1', model_id: m });
    }
    const tags = (await call('GET', `logged-models/${m}`)).body.model.info.tags as { key: string; value: string }[];
    const tag = tags.find((t) => t.key === 'mlflow.modelVersions')!;
    // Python's json.dumps with the SQL store's integer versions.
    expect(tag.value).toBe('[{"name": "reg-a", "version": 1}, {"name": "reg-b", "version": 1}]');
    // A prompt (tag mlflow.prompt.is_prompt) neither gets the tag nor needs a URI source.
    await call('POST', 'registered-models/create', { name: 'my-prompt', tags: [{ key: 'mlflow.prompt.is_prompt', value: 'true' }] });
    const prompt = await call('POST', 'model-versions/create', {
      name: 'my-prompt',
      source: 'dummy-source',
      tags: [
        { key: 'mlflow.prompt.is_prompt', value: 'true' },
        { key: 'mlflow.prompt.text', value: 'Summarise {{ text }}' },
      ],
    });
    expect(prompt.status).toBe(200);
    expect(prompt.body.model_version.source).toBe('dummy-source');
    // Without the prompt tag the same source is refused (handlers.py _validate_source_run).
    const plain = await call('POST', 'model-versions/create', { name: 'my-prompt', source: 'dummy-source' });
    expect(plain.status).toBe(400);
  });
});

describe('experiments', () => {
  it('delete marks every run deleted and restore brings them back; writes to those runs are refused (sqlalchemy_store.py delete_experiment/_mark_run_deleted, restore_experiment/_mark_run_active, _check_run_is_active, _check_experiment_is_active)', async () => {
    const exp = await experiment('cascade');
    const a = await run(exp);
    const b = await run(exp);
    await call('POST', 'runs/delete', { run_id: b });
    expect((await call('POST', 'experiments/delete', { experiment_id: exp })).status).toBe(200);
    for (const id of [a, b]) expect((await call('GET', 'runs/get', { run_id: id })).body.run.info.lifecycle_stage).toBe('deleted');
    expect(ids(await call('POST', 'runs/search', { experiment_ids: [exp] }))).toEqual([]);
    const write = await call('POST', 'runs/log-metric', { run_id: a, key: 'k', value: 1, timestamp: 1 });
    expect([write.status, write.body.error_code, write.body.message]).toEqual([400, 'INVALID_PARAMETER_VALUE', `The run ${a} must be in the 'active' state. Current state is deleted.`]);
    const create = await call('POST', 'runs/create', { experiment_id: exp });
    expect([create.status, create.body.error_code, create.body.message]).toEqual([
      400,
      'INVALID_PARAMETER_VALUE',
      `The experiment ${exp} must be in the 'active' state. Current state is deleted.`,
    ]);
    // Deleting again: only an active experiment is found (ViewType.ACTIVE_ONLY).
    const again = await call('POST', 'experiments/delete', { experiment_id: exp });
    expect([again.status, again.body.error_code]).toEqual([404, 'RESOURCE_DOES_NOT_EXIST']);
    expect((await call('POST', 'experiments/restore', { experiment_id: exp })).status).toBe(200);
    // Every run comes back, the one deleted before the experiment too.
    expect(ids(await call('POST', 'runs/search', { experiment_ids: [exp] })).sort()).toEqual([a, b].sort());
    expect((await call('POST', 'runs/log-metric', { run_id: a, key: 'k', value: 1, timestamp: 1 })).status).toBe(200);
    const restoreActive = await call('POST', 'experiments/restore', { experiment_id: exp });
    expect([restoreActive.status, restoreActive.body.error_code]).toEqual([404, 'RESOURCE_DOES_NOT_EXIST']);
  });

  it('the cascade survives a restart (it is replayed from the journal)', async () => {
    const exp = await experiment('cascade-replay');
    const a = await run(exp);
    await call('POST', 'experiments/delete', { experiment_id: exp });
    await shim.close();
    shim = await startShim({ storeDir: shim.dir });
    expect((await call('GET', 'runs/get', { run_id: a })).body.run.info.lifecycle_stage).toBe('deleted');
  });
});

describe('runs/search', () => {
  it('ties in order_by are broken by start_time DESC, then run_id (service.proto SearchRuns.order_by; sqlalchemy_store.py _get_orderby_clauses)', async () => {
    const exp = await experiment('ties');
    const early = [await run(exp, { start_time: 100 }), await run(exp, { start_time: 100 })].sort();
    const late = [await run(exp, { start_time: 200 }), await run(exp, { start_time: 200 })].sort();
    for (const id of [...early, ...late]) await call('POST', 'runs/log-parameter', { run_id: id, key: 'p', value: 'same' });
    const got = ids(await call('POST', 'runs/search', { experiment_ids: [exp], order_by: ['params.p ASC'] }));
    expect(got).toEqual([...late, ...early]);
    // start_time named in order_by replaces the default tiebreak; run_id still breaks ties.
    expect(ids(await call('POST', 'runs/search', { experiment_ids: [exp], order_by: ['attributes.start_time ASC'] }))).toEqual([...early, ...late]);
  });

  it("param and tag comparators are MLflow's (=, !=, LIKE, ILIKE); IN only for run_id; metrics take no LIKE (search_utils.py SearchUtils.is_param/is_tag/is_metric, validate_list_supported)", async () => {
    const exp = await experiment('comparators');
    const a = await run(exp);
    const b = await run(exp);
    await call('POST', 'runs/log-parameter', { run_id: a, key: 'lr', value: '0.1' });
    await call('POST', 'runs/log-parameter', { run_id: b, key: 'lr', value: '0.2' });
    const search = (filter: string) => call('POST', 'runs/search', { experiment_ids: [exp], filter });
    expect(ids(await search("params.lr LIKE '0.1%'"))).toEqual([a]);
    expect(ids(await search("params.lr != '0.1'"))).toEqual([b]);
    for (const filter of ["params.lr > '0.1'", "params.lr IN ('0.1')", "tags.t < 'x'", 'metrics.m LIKE 1']) {
      const r = await search(filter);
      expect([r.status, r.body.error_code], filter).toEqual([400, 'INVALID_PARAMETER_VALUE']);
      expect(r.body.message, filter).toMatch(/Invalid comparator|Expected numeric|Only the 'run_id'/);
    }
    const inRun = await search(`attributes.run_id IN ('${a}')`);
    expect(ids(inRun)).toEqual([a]);
    const inName = await search("attributes.run_name IN ('x')");
    expect(inName.body.message).toBe("Only the 'run_id' attribute supports comparison with a list of quoted string values.");
  });

  it('attributes.created is start_time (search_utils.py SearchUtils._ALTERNATE_NUMERIC_ATTRIBUTES, translate_key_alias)', async () => {
    const exp = await experiment('created-alias');
    const old = await run(exp, { start_time: 1_000 });
    const recent = await run(exp, { start_time: 5_000 });
    expect(ids(await call('POST', 'runs/search', { experiment_ids: [exp], filter: 'attributes.created > 2000' }))).toEqual([recent]);
    expect(ids(await call('POST', 'runs/search', { experiment_ids: [exp], order_by: ['attributes.created ASC'] }))).toEqual([old, recent]);
    const bad = await call('POST', 'runs/search', { experiment_ids: [exp], filter: "attributes.created = 'x'" });
    expect(bad.status).toBe(400);
  });

  it('datasets.name, datasets.digest and datasets.context filter by the run inputs (search_utils.py SearchUtils.DATASET_ATTRIBUTES, VALID_DATASET_COMPARATORS)', async () => {
    const exp = await experiment('dataset-filters');
    const a = await run(exp);
    const b = await run(exp);
    const ds = (name: string, digest: string, context: string) => ({
      dataset: { name, digest, source_type: 'http', source: '{"url": "https://example.com"}' },
      tags: [{ key: 'mlflow.data.context', value: context }],
    });
    await call('POST', 'runs/log-inputs', { run_id: a, datasets: [ds('floods', 'aaa', 'train')] });
    await call('POST', 'runs/log-inputs', { run_id: b, datasets: [ds('floods', 'bbb', 'eval'), ds('clouds', 'ccc', 'train')] });
    const search = async (filter: string) => ids(await call('POST', 'runs/search', { experiment_ids: [exp], filter })).sort();
    expect(await search("datasets.name = 'floods'")).toEqual([a, b].sort());
    expect(await search("datasets.digest = 'bbb'")).toEqual([b]);
    expect(await search("datasets.context = 'eval'")).toEqual([b]);
    expect(await search("datasets.name IN ('clouds', 'x')")).toEqual([b]);
    expect(await search("datasets.name LIKE 'flo%' AND datasets.digest != 'aaa'")).toEqual([b]);
    const bad = await call('POST', 'runs/search', { experiment_ids: [exp], filter: "datasets.size = '1'" });
    expect([bad.status, bad.body.message]).toEqual([400, "Invalid dataset key 'size' specified. Valid keys are '{'name', 'digest', 'context'}'"]);
  });
});

describe('validation (mlflow/utils/validation.py)', () => {
  it('metric, param and tag keys may contain ":" (validate_param_and_metric_name, MLflow 2.16+); other characters are still refused', async () => {
    const exp = await experiment('colons');
    const r = await run(exp);
    expect((await call('POST', 'runs/log-metric', { run_id: r, key: 'val:loss', value: 1, timestamp: 1 })).status).toBe(200);
    expect((await call('POST', 'runs/log-parameter', { run_id: r, key: 'n:estimators', value: '10' })).status).toBe(200);
    expect((await call('POST', 'runs/set-tag', { run_id: r, key: 'team:owner', value: 'eo' })).status).toBe(200);
    const bad = await call('POST', 'runs/log-parameter', { run_id: r, key: 'a,b', value: '1' });
    expect([bad.status, bad.body.message]).toEqual([
      400,
      'Invalid value "a,b" for parameter \'key\' supplied: Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).',
    ]);
  });

  it('negative metric timestamps are refused (_validate_metric), in log-metric and log-batch', async () => {
    const r = await run(await experiment('negative-ts'));
    const single = await call('POST', 'runs/log-metric', { run_id: r, key: 'k', value: 2, timestamp: -1 });
    expect([single.status, single.body.message]).toEqual([
      400,
      "Invalid value -1 for parameter 'timestamp' supplied: metric 'k' (value=2.0). Timestamp must be a nonnegative long (64-bit integer) ",
    ]);
    const batch = await call('POST', 'runs/log-batch', { run_id: r, metrics: [{ key: 'k', value: 1.5, timestamp: 5 }, { key: 'k', value: 1.5, timestamp: -5 }] });
    expect(batch.status).toBe(400);
    expect(batch.body.message).toContain("parameter 'metrics[1].timestamp'");
    expect((await call('GET', 'metrics/get-history', { run_id: r, metric_key: 'k' })).body.metrics ?? []).toEqual([]);
  });

  it('a param key given twice in one batch is refused, even with the same value (_validate_param_keys_unique)', async () => {
    const r = await run(await experiment('dup-params'));
    const dup = await call('POST', 'runs/log-batch', {
      run_id: r,
      params: [
        { key: 'a', value: '1' },
        { key: 'a', value: '1' },
        { key: 'b', value: '2' },
      ],
    });
    expect([dup.status, dup.body.message]).toEqual([
      400,
      "Duplicate parameter keys have been submitted: ['a']. Please ensure the request contains only one param value per param key.",
    ]);
    // Tags may repeat: the last value wins (LogBatch doc in service.proto).
    expect((await call('POST', 'runs/log-batch', { run_id: r, tags: [{ key: 't', value: '1' }, { key: 't', value: '2' }] })).status).toBe(200);
  });

  it('tag length limits per entity: run tags truncated at 8000, experiment, registered model and model version tags refused over 5000 (_validate_tag, _validate_experiment_tag, _validate_registered_model_tag, _validate_model_version_tag)', async () => {
    const exp = await experiment('tag-limits');
    const r = await run(exp);
    await call('POST', 'runs/set-tag', { run_id: r, key: 'long', value: 'x'.repeat(9000) });
    const tags = (await call('GET', 'runs/get', { run_id: r })).body.run.data.tags as { key: string; value: string }[];
    expect(tags.find((t) => t.key === 'long')!.value).toHaveLength(8000);
    const refused = "'value' exceeds the maximum length of 5000 characters";
    const expTag = await call('POST', 'experiments/set-experiment-tag', { experiment_id: exp, key: 'long', value: 'x'.repeat(5001) });
    expect([expTag.status, expTag.body.message]).toEqual([400, refused]);
    expect((await call('POST', 'experiments/set-experiment-tag', { experiment_id: exp, key: 'ok', value: 'x'.repeat(5000) })).status).toBe(200);
    await call('POST', 'registered-models/create', { name: 'tag-limits' });
    await call('POST', 'model-versions/create', { name: 'tag-limits', source: 'mlflow-artifacts:/0/r/artifacts/m' });
    const rmTag = await call('POST', 'registered-models/set-tag', { name: 'tag-limits', key: 'long', value: 'x'.repeat(5001) });
    expect([rmTag.status, rmTag.body.message]).toEqual([400, refused]);
    const mvTag = await call('POST', 'model-versions/set-tag', { name: 'tag-limits', version: '1', key: 'long', value: 'x'.repeat(5001) });
    expect([mvTag.status, mvTag.body.message]).toEqual([400, refused]);
  });

  it('log-batch is measured as MLflow measures it: the number of top-level fields of the parsed body (handlers.py _log_batch, _validate_batch_log_api_req)', async () => {
    const r = await run(await experiment('batch-size'));
    // 1,000,000 small fields besides run_id (written as text: building such an object is slow).
    const parts: string[] = [];
    for (let i = 0; i < 1_000_000; i++) parts.push(`"${i}":0`);
    const res = await fetch(`${shim.url}/api/2.0/mlflow/runs/log-batch`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: `{"run_id":"${r}",${parts.join(',')}}`,
    });
    expect([res.status, await res.json()]).toEqual([
      400,
      { error_code: 'INVALID_PARAMETER_VALUE', message: 'Batched logging API requests must be at most 1000000 bytes, got a request of size 1000001.' },
    ]);
  });
});

describe('artifacts and the UI routes', () => {
  it('mpu/create answers 501 NOT_IMPLEMENTED with MLflow\'s message, so the client falls back to one PUT (exceptions.py _UnsupportedMultipartUploadException; handlers.py _create_multipart_upload_artifact)', async () => {
    for (const op of ['create', 'complete', 'abort']) {
      const res = await call('POST', `/api/2.0/mlflow-artifacts/mpu/${op}/0/r/artifacts/model.onnx`, { path: 'model.onnx', num_parts: 2 });
      expect([res.status, res.body], op).toEqual([501, { error_code: 'NOT_IMPLEMENTED', message: 'Multipart upload is not supported for the current artifact repository' }]);
    }
  });

  it('the logged-model artifact routes and model-versions/get-artifact serve the files (handlers.py _list_logged_model_artifacts, get_logged_model_artifact_handler, get_model_version_artifact_handler)', async () => {
    const exp = await experiment('ui-routes');
    const r = await run(exp);
    const m = await loggedModel(exp, r);
    const root = ((await call('GET', `logged-models/${m}`)).body.model.info.artifact_uri as string).replace('mlflow-artifacts:/', '');
    for (const [p, text] of [
      ['MLmodel', 'flavors: {}'],
      ['data/model.onnx', 'ONNXBYTES'],
    ]) {
      expect((await fetch(`${shim.url}/api/2.0/mlflow-artifacts/artifacts/${root}/${p}`, { method: 'PUT', body: text })).status).toBe(200);
    }
    const dirs = await call('GET', `logged-models/${m}/artifacts/directories`);
    expect(dirs.body.root_uri).toBe(`mlflow-artifacts:/${root}`);
    expect((dirs.body.files as { path: string }[]).map((f) => f.path).sort()).toEqual(['MLmodel', 'data']);
    const sub = await call('GET', `logged-models/${m}/artifacts/directories`, { artifact_directory_path: 'data' });
    expect(sub.body.files).toEqual([{ path: 'data/model.onnx', is_dir: false, file_size: 9 }]);
    const file = await fetch(`${shim.url}/ajax-api/2.0/mlflow/logged-models/${m}/artifacts/files?artifact_file_path=data/model.onnx`);
    expect([file.status, await file.text()]).toEqual([200, 'ONNXBYTES']);
    const missing = await call('GET', `/ajax-api/2.0/mlflow/logged-models/${m}/artifacts/files`);
    expect([missing.status, missing.body.error_code]).toEqual([400, 'BAD_REQUEST']);
    const escape = await fetch(`${shim.url}/ajax-api/2.0/mlflow/logged-models/${m}/artifacts/files?artifact_file_path=../../../journal.log`);
    expect(escape.status).toBe(400);
    await call('POST', 'registered-models/create', { name: 'ui-model' });
    await call('POST', 'model-versions/create', { name: 'ui-model', source: `models:/${m}`, model_id: m });
    for (const prefix of ['', '/ajax-api/2.0/mlflow']) {
      const mv = await fetch(`${shim.url}${prefix}/model-versions/get-artifact?name=ui-model&version=1&path=MLmodel`);
      expect([mv.status, await mv.text()], prefix).toEqual([200, 'flavors: {}']);
    }
    const unknown = await call('GET', '/model-versions/get-artifact', { name: 'ui-model', version: '9', path: 'MLmodel' });
    expect(unknown.status).toBe(404);
  });
});

describe('metrics/get-history-bulk-interval (handlers.py get_metric_history_bulk_interval_impl)', () => {
  it('samples steps the way _get_sampled_steps_from_steps does', () => {
    const steps = Array.from({ length: 100 }, (_, i) => i);
    expect([...sampledSteps(0, 99, 10, steps)].sort((a, b) => a - b)).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 99]);
    // Within range and few enough: all of them.
    expect([...sampledSteps(5, 8, 10, steps)].sort((a, b) => a - b)).toEqual([5, 6, 7, 8]);
    // MLflow compares the absolute index with the count of steps in range (kept as is).
    expect([...sampledSteps(90, 99, 5, steps)].sort((a, b) => a - b)).toEqual([99]);
  });

  it('answers the points of sampled steps of several runs, each with its run_id, and checks its arguments', async () => {
    const exp = await experiment('bulk-interval');
    const a = await run(exp);
    const b = await run(exp);
    const metrics = (step0: number, n: number) => Array.from({ length: n }, (_, i) => ({ key: 'loss', value: i / 10, timestamp: 1000 + i, step: step0 + i }));
    await call('POST', 'runs/log-batch', { run_id: a, metrics: metrics(0, 50) });
    await call('POST', 'runs/log-batch', { run_id: b, metrics: metrics(10, 5) });
    const get = (q: Record<string, unknown>) => call('GET', 'metrics/get-history-bulk-interval', { run_ids: [a, b], metric_key: 'loss', ...q });
    const all = await get({ max_results: 5 });
    expect(all.status).toBe(200);
    const byRun = (run_id: string) => (all.body.metrics as { run_id: string; step: number }[]).filter((p) => p.run_id === run_id).map((p) => p.step);
    // Sampled steps of the union (0..49, 5 of them) plus each run's first and last step.
    expect(byRun(a)).toEqual([0, 10, 14, 20, 30, 40, 49]);
    expect(byRun(b)).toEqual([10, 14]);
    expect(all.body.metrics[0]).toEqual({ key: 'loss', value: 0, timestamp: 1000, step: 0, run_id: a });
    const ranged = await get({ start_step: 12, end_step: 13 });
    expect((ranged.body.metrics as { step: number }[]).map((p) => p.step)).toEqual([12, 13, 12, 13]);
    expect((await get({ start_step: 3 })).body.message).toBe('If either start step or end step are specified, both must be specified.');
    expect((await get({ start_step: 5, end_step: 2 })).body.message).toBe('end_step must be greater than start_step. Found start_step=5 and end_step=2.');
    expect((await get({ max_results: 2501 })).body.message).toBe('max_results must be between 1 and 2500.');
    const tooMany = await call('GET', 'metrics/get-history-bulk-interval', { run_ids: Array.from({ length: 101 }, (_, i) => `r${i}`), metric_key: 'loss' });
    expect(tooMany.body.message).toBe('GetMetricHistoryBulkInterval request must specify at most 100 run_ids. Received 101 run_ids.');
  });
});
