/**
 * Replays the recorded MLflow Python client call sequences (test/fixtures/mlflow-calls) against
 * a fresh shim, asserting the answers the client relies on; then reads the same store the way
 * the catalog does (openStore read API).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../pipelines/tracking/store.js';
import { type Shim, repoRoot, startShim } from './helpers.js';
import { useProtoOracle } from './proto-oracle.js';

// Every answer below is parsed by the MLflow client's own parser (schemas/vendor/mlflow).
useProtoOracle();

const FIXTURES = path.join(repoRoot, 'test/fixtures/mlflow-calls');

interface Call {
  method: string;
  path: string;
  query?: Record<string, string | string[]>;
  json?: unknown;
  body_text?: string;
  body_base64?: string;
  content_type?: string;
  capture?: Record<string, string>;
  expect?: { status?: number; body?: unknown; body_base64?: string };
}

type Vars = Record<string, unknown>;

function substitute<T>(value: T, vars: Vars): T {
  if (typeof value === 'string') {
    return value.replace(/\$\{([\w.]+)\}/g, (_m, name: string) => {
      if (name === 'now') return String(Date.now());
      if (!(name in vars)) throw new Error(`fixture uses \${${name}} before capturing it`);
      return String(vars[name]);
    }) as T;
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, vars)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, vars)])) as T;
  }
  return value;
}

function get(obj: unknown, dotted: string): unknown {
  let cur = obj;
  for (const part of dotted.split('.')) cur = cur === null || typeof cur !== 'object' ? undefined : (cur as Record<string, unknown>)[part];
  return cur;
}

/** Partial match with the `$match`, `$absent`, `$type` and `$length` matchers of the fixture README. */
function check(actual: unknown, expected: unknown, where: string, problems: string[]): void {
  if (expected !== null && typeof expected === 'object' && !Array.isArray(expected)) {
    const e = expected as Record<string, unknown>;
    if ('$match' in e) {
      if (typeof actual !== 'string' || !new RegExp(e['$match'] as string).test(actual)) problems.push(`${where}: ${JSON.stringify(actual)} does not match /${String(e['$match'])}/`);
      return;
    }
    if ('$absent' in e) {
      if (actual !== undefined) problems.push(`${where}: expected absent, got ${JSON.stringify(actual)}`);
      return;
    }
    if ('$type' in e) {
      const t = Array.isArray(actual) ? 'array' : actual === null ? 'null' : typeof actual;
      if (t !== e['$type']) problems.push(`${where}: expected a ${String(e['$type'])}, got ${JSON.stringify(actual)}`);
      return;
    }
    if ('$length' in e) {
      if (!Array.isArray(actual) || actual.length !== e['$length']) problems.push(`${where}: expected ${String(e['$length'])} items, got ${JSON.stringify(actual)}`);
      return;
    }
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) {
      problems.push(`${where}: expected an object, got ${JSON.stringify(actual)}`);
      return;
    }
    if (Object.keys(e).length === 0 && Object.keys(actual).length !== 0) problems.push(`${where}: expected {}, got ${JSON.stringify(actual)}`);
    for (const [k, v] of Object.entries(e)) check((actual as Record<string, unknown>)[k], v, `${where}.${k}`, problems);
    return;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) {
      problems.push(`${where}: expected ${expected.length} items, got ${JSON.stringify(actual)}`);
      return;
    }
    expected.forEach((v, i) => check(actual[i], v, `${where}[${i}]`, problems));
    return;
  }
  if (actual !== expected) problems.push(`${where}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

async function replay(shim: Shim, file: string): Promise<Vars> {
  const fixture = JSON.parse(fs.readFileSync(path.join(FIXTURES, file), 'utf8')) as { calls: Call[] };
  const vars: Vars = {};
  for (const [i, raw] of fixture.calls.entries()) {
    const call = { ...raw, expect: raw.expect, capture: raw.capture };
    const c = substitute({ method: call.method, path: call.path, query: call.query, json: call.json, body_text: call.body_text }, vars);
    let url = shim.url + c.path;
    if (c.query) {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(c.query)) for (const x of Array.isArray(v) ? v : [v]) q.append(k, x);
      url += `?${q.toString()}`;
    }
    const headers: Record<string, string> = {};
    let body: string | Buffer | undefined;
    if (c.json !== undefined) {
      body = JSON.stringify(c.json);
      headers['Content-Type'] = 'application/json';
    } else if (c.body_text !== undefined) body = c.body_text;
    else if (raw.body_base64 !== undefined) body = Buffer.from(raw.body_base64, 'base64');
    if (raw.content_type) headers['Content-Type'] = raw.content_type;
    const res = await fetch(url, { method: c.method, headers, body });
    const bytes = Buffer.from(await res.arrayBuffer());
    const label = `${file} call #${i} ${c.method} ${c.path}`;
    const problems: string[] = [];
    if (call.expect?.status !== undefined && res.status !== call.expect.status) problems.push(`status ${res.status} (${bytes.toString('utf8').slice(0, 200)})`);
    if (call.expect?.body_base64 !== undefined && bytes.toString('base64') !== call.expect.body_base64) problems.push('downloaded bytes differ');
    let json: unknown;
    if (call.expect?.body !== undefined || call.capture) {
      try {
        json = JSON.parse(bytes.toString('utf8'));
      } catch {
        problems.push(`not JSON: ${bytes.toString('utf8').slice(0, 100)}`);
      }
      if (call.expect?.body !== undefined) {
        // Capture first so an expectation may use a value from its own response.
        for (const [name, p] of Object.entries(call.capture ?? {})) vars[name] = get(json, p);
        check(json, substitute(call.expect.body, vars), 'body', problems);
      }
    }
    for (const [name, p] of Object.entries(call.capture ?? {})) {
      vars[name] = get(json, p);
      if (vars[name] === undefined) problems.push(`capture ${name} (${p}) found nothing`);
    }
    expect(problems, label).toEqual([]);
  }
  return vars;
}

describe('recorded MLflow client call sequences', () => {
  let shim: Shim | undefined;
  afterEach(async () => {
    await shim?.close();
    shim = undefined;
  });

  it('set_experiment: get-by-name 404, create, get; then found by name', async () => {
    shim = await startShim();
    await replay(shim, 'set-experiment.json');
  });

  it('start_run, log_param/log_metric/log_params/log_metrics, set_tag, end_run', async () => {
    shim = await startShim();
    const vars = await replay(shim, 'start-run-log-end.json');
    const run = shim.store.run(vars['run_id'] as string)!;
    const metrics = Object.fromEntries(run.data.metrics.map((m) => [m.key, m.value]));
    expect(metrics).toEqual({ loss: 0.4, val_loss: 'NaN', accuracy: 0.91, f1: 0.88 });
    const tags = Object.fromEntries(run.data.tags.map((t) => [t.key, t.value]));
    expect(tags['mlflow.runName']).toBe('baseline');
    expect(tags['mlflow.source.git.repoURL']).toBe('https://gitlab.example.com/ml/flood-model.git');
  });

  it('mlflow.onnx.log_model (2.x flow): artifacts, log-model history, registration; readable by the catalog', async () => {
    shim = await startShim();
    const vars = await replay(shim, 'onnx-log-model-2x.json');
    const tags = vars['tags'] as { key: string; value: string }[];
    const history = JSON.parse(tags.find((t) => t.key === 'mlflow.log-model.history')!.value) as Record<string, unknown>[];
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ artifact_path: 'model', run_id: vars['run_id'], flavors: { onnx: { onnx_version: '1.16.1' } } });
    expect(history[0]).not.toHaveProperty('signature');
    await shim.close();

    // The catalog reads the store directory directly.
    const store = await openStore(shim.dir);
    const [mv] = store.modelVersions('flood-segmentation');
    expect(mv).toMatchObject({ version: '1', run_id: vars['run_id'], source: `mlflow-artifacts:/${String(vars['experiment_id'])}/${String(vars['run_id'])}/artifacts/model` });
    const onnx = store.artifactFile(`${mv!.source}/model.onnx`)!;
    expect(fs.statSync(onnx).size).toBe(20);
    expect(fs.readFileSync(store.artifactFile(`runs:/${String(vars['run_id'])}/model/MLmodel`)!, 'utf8')).toContain('loader_module: mlflow.onnx');
  });

  it('mlflow.onnx.log_model (3.x flow): logged model, outputs, models:/ registration, register_model via search, alias', async () => {
    shim = await startShim();
    const vars = await replay(shim, 'onnx-log-model-3x.json');
    await shim.close();
    const store = await openStore(shim.dir);
    const [rm] = store.registeredModels();
    expect(rm).toMatchObject({ name: 'flood-unet', aliases: [{ alias: 'champion', version: '2' }] });
    const versions = store.modelVersions('flood-unet');
    expect(versions.map((v) => [v.version, v.source, v.run_id, v.aliases])).toEqual([
      ['1', `models:/${String(vars['model_id'])}`, vars['run_id'], []],
      ['2', `models:/${String(vars['model_id'])}`, vars['run_id'], ['champion']],
    ]);
    const lm = store.loggedModel(vars['model_id'] as string)!;
    expect(lm.info.status).toBe('LOGGED_MODEL_READY');
    expect(fs.existsSync(store.artifactFile(`models:/${String(vars['model_id'])}/model.onnx`)!)).toBe(true);
  });

  it('MLflow 3: log_model in a run with registered_model_name, load by models:/m-... and models:/<name>/<version>, search_logged_models by metric', async () => {
    shim = await startShim();
    const vars = await replay(shim, 'log-load-search-3x.json');
    await shim.close();
    const store = await openStore(shim.dir);
    // The run history was not doubled by the metrics log_model links to the model.
    expect(store.metricHistory(vars['run_id'] as string, 'iou').map((m) => m.step)).toEqual([0, 1, 2]);
    const lm = store.loggedModel(vars['model_id'] as string)!;
    expect(lm.info.status).toBe('LOGGED_MODEL_READY');
    expect(lm.data.metrics).toHaveLength(1);
    const tag = lm.info.tags.find((t) => t.key === 'mlflow.modelVersions')!;
    expect(JSON.parse(tag.value)).toEqual([{ name: 'flood-3x', version: 1 }]);
    const [mv] = store.modelVersions('flood-3x');
    expect(fs.readFileSync(store.artifactFile(`${mv!.source}/model.onnx`)!)).toEqual(Buffer.from(Array.from({ length: 20 }, (_, i) => i)));
  });

  it('register_model twice (2.x), resume a run, latest versions and searches', async () => {
    shim = await startShim();
    await replay(shim, 'register-model-2x.json');
  });
});
