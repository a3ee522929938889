/** Commands of `/api/2.0/mlflow/runs/*`: validate against the run's state, then journal. */
import { randomUUID } from 'node:crypto';
import { LOG_MODEL_HISTORY_TAG } from '../../../generator/mlflow/assemble.js';
import { type DatasetInput, type KeyValue, type MetricPoint, type Run, type RunStatus, jsonDouble } from '../entities.js';
import { invalid, notFound } from '../errors.js';
import { activeRun, getExperiment, getLoggedModel, getRun } from '../lookups.js';
import type { MetricRecord, MetricTuple } from '../records.js';
import { pointExtra } from '../series.js';
import { LIMITS, limitValue, validateKey, validateTimestamp } from '../validation.js';
import { type StoreCore, randomName } from './core.js';

/** A metric as sent by a client: value already parsed. */
export interface MetricInput extends MetricPoint {
  key: string;
}

export async function createRun(
  store: StoreCore,
  input: { experimentId: string; userId?: string; startTime?: number; runName?: string; tags: KeyValue[] },
): Promise<Run> {
  const e = getExperiment(store.state, input.experimentId);
  if (e.lifecycle_stage !== 'active') {
    // SqlAlchemyStore._check_experiment_is_active: INVALID_PARAMETER_VALUE (400).
    throw invalid(`The experiment ${e.experiment_id} must be in the 'active' state. Current state is ${e.lifecycle_stage}.`);
  }
  const tags = new Map<string, string>();
  for (const t of input.tags) {
    validateKey('tag', t.key);
    tags.set(t.key, limitValue('value', t.value, LIMITS.runTagValue, store.truncateLongValues));
  }
  const tagName = tags.get('mlflow.runName');
  if (input.runName && tagName && input.runName !== tagName) {
    throw invalid(`Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='${input.runName}', mlflow.runName='${tagName}').`);
  }
  const runName = input.runName || tagName || randomName();
  tags.set('mlflow.runName', runName);
  const userId = tags.get('mlflow.user') ?? (input.userId || 'unknown');
  const runId = randomUUID().replace(/-/g, '');
  const seq = store.state.runsBySeq.length;
  const base = e.artifact_location.replace(/\/+$/, '');
  await store.commit({
    op: 'run',
    seq,
    id: runId,
    exp: e.experiment_id,
    name: runName,
    user: userId,
    st: input.startTime ?? store.now(),
    uri: `${base}/${runId}/artifacts`,
    tags: [...tags],
  });
  return store.state.runsById.get(runId)!;
}

export async function updateRun(store: StoreCore, runId: string, update: { status?: RunStatus; endTime?: number; runName?: string }): Promise<Run> {
  const r = activeRun(store.state, runId);
  await store.commit({ op: 'run-upd', seq: r.seq, status: update.status, et: update.endTime, name: update.runName || undefined });
  return r;
}

export async function deleteRun(store: StoreCore, runId: string): Promise<void> {
  const r = getRun(store.state, runId);
  await store.commit({ op: 'run-stage', seq: r.seq, stage: 'deleted', t: store.now() });
}

export async function restoreRun(store: StoreCore, runId: string): Promise<void> {
  const r = getRun(store.state, runId);
  await store.commit({ op: 'run-stage', seq: r.seq, stage: 'active', t: store.now() });
}

export async function logMetric(store: StoreCore, runId: string, m: MetricInput): Promise<void> {
  const r = activeRun(store.state, runId);
  validateKey('metric', m.key);
  validateTimestamp(m.key, m.value, m.timestamp);
  await store.commit(metricRecord(r.seq, m));
}

export async function logParam(store: StoreCore, runId: string, key: string, value: string): Promise<void> {
  const r = activeRun(store.state, runId);
  validateKey('param', key);
  value = limitValue('Param value', value, LIMITS.paramValue, store.truncateLongValues);
  const old = r.params.get(key);
  if (old !== undefined) {
    if (old === value) return;
    throw invalid(
      `Changing param values is not allowed. Param with key='${key}' was already logged with value='${old}' for run ID='${runId}'. Attempted logging new value '${value}'.`,
    );
  }
  await store.commit({ op: 'p', seq: r.seq, k: key, v: value });
}

export async function setTag(store: StoreCore, runId: string, key: string, value: string): Promise<void> {
  const r = activeRun(store.state, runId);
  validateKey('tag', key);
  value = limitValue('value', value, LIMITS.runTagValue, store.truncateLongValues);
  await store.commit({ op: 't', seq: r.seq, k: key, v: value });
}

export async function deleteTag(store: StoreCore, runId: string, key: string): Promise<void> {
  const r = activeRun(store.state, runId);
  if (!r.tags.has(key)) throw notFound(`No tag with name: ${key} in run with id ${runId}`);
  await store.commit({ op: 't-del', seq: r.seq, k: key });
}

export async function logBatch(store: StoreCore, runId: string, metrics: MetricInput[], params: KeyValue[], tags: KeyValue[]): Promise<void> {
  const r = activeRun(store.state, runId);
  metrics.forEach((m, i) => {
    validateKey('metric', m.key);
    validateTimestamp(m.key, m.value, m.timestamp, `metrics[${i}].timestamp`);
  });
  // validation.py _validate_param_keys_unique: any key given twice, even with the same value.
  const seen = new Set<string>();
  const dupes: string[] = [];
  for (const p of params) {
    if (seen.has(p.key)) dupes.push(p.key);
    seen.add(p.key);
  }
  if (dupes.length > 0) {
    throw invalid(
      `Duplicate parameter keys have been submitted: [${dupes.map((k) => `'${k}'`).join(', ')}]. Please ensure the request contains only one param value per param key.`,
    );
  }
  const newParams = new Map<string, string>();
  const conflicts: string[] = [];
  for (const p of params) {
    validateKey('param', p.key);
    const value = limitValue('Param value', p.value, LIMITS.paramValue, store.truncateLongValues);
    const old = r.params.get(p.key);
    if (old !== undefined && old !== value) conflicts.push(p.key);
    else if (old === undefined) newParams.set(p.key, value);
  }
  if (conflicts.length > 0) {
    throw invalid(`Changing param values is not allowed. Params were already logged='[${conflicts.map((k) => `'${k}'`).join(', ')}]' for run ID='${runId}'.`);
  }
  const tagList: [string, string][] = [];
  for (const t of tags) {
    validateKey('tag', t.key);
    tagList.push([t.key, limitValue('value', t.value, LIMITS.runTagValue, store.truncateLongValues)]);
  }
  if (metrics.length === 0 && newParams.size === 0 && tagList.length === 0) return;
  await store.commit({ op: 'batch', seq: r.seq, m: metrics.map(metricTuple), p: [...newParams], t: tagList });
}

export async function logInputs(store: StoreCore, runId: string, datasets: DatasetInput[], modelIds: string[]): Promise<void> {
  const r = activeRun(store.state, runId);
  if (datasets.length === 0 && modelIds.length === 0) return;
  await store.commit({ op: 'inputs', seq: r.seq, ds: datasets, models: modelIds });
}

export async function logOutputs(store: StoreCore, runId: string, models: { model_id: string; step: number }[]): Promise<void> {
  const r = activeRun(store.state, runId);
  for (const m of models) getLoggedModel(store.state, m.model_id);
  await store.commit({ op: 'outputs', seq: r.seq, models });
}

/** What `Model.get_tags_dict` leaves out of a model's summary: the bulky signature, example and metadata. */
const NOT_IN_HISTORY = ['signature', 'saved_input_example_info', 'input_example', 'metadata', 'resources', 'env_vars', 'auth_policy', 'prompts'];

/** `runs/log-model` (2.x): append the model's summary to the run tag `mlflow.log-model.history`. */
export async function logModel(store: StoreCore, runId: string, modelJson: string): Promise<void> {
  const r = activeRun(store.state, runId);
  let model: Record<string, unknown>;
  try {
    model = JSON.parse(modelJson) as Record<string, unknown>;
  } catch {
    throw invalid(`Malformed model info. \n ${modelJson.slice(0, 200)} \n is not a valid JSON.`);
  }
  if (model === null || typeof model !== 'object' || Array.isArray(model)) throw invalid('Malformed model info: model_json must be a JSON object.');
  const missing = ['artifact_path', 'flavors', 'utc_time_created', 'run_id'].filter((k) => !(k in model));
  if (missing.length > 0) throw invalid(`Model json is missing mandatory fields: [${missing.map((k) => `'${k}'`).join(', ')}]`);
  const summary: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(model)) if (!NOT_IN_HISTORY.includes(k)) summary[k] = v;
  const history = jsonListTag(r.tags.get(LOG_MODEL_HISTORY_TAG));
  history.push(summary);
  await store.commit({ op: 't', seq: r.seq, k: LOG_MODEL_HISTORY_TAG, v: JSON.stringify(history) });
}

/** A tag holding a JSON list, as a list ([] when it is missing, not JSON or not a list). */
export function jsonListTag(value: string | undefined): unknown[] {
  if (!value) return [];
  try {
    const parsed = JSON.parse(value) as unknown;
    return Array.isArray(parsed) ? parsed : [];
  } catch {
    return [];
  }
}

function metricRecord(seq: number, m: MetricInput): MetricRecord {
  const extra = pointExtra(m);
  const rec: MetricRecord = ['m', seq, m.key, jsonDouble(m.value), m.timestamp, m.step];
  if (extra) rec.push(extra);
  return rec;
}

function metricTuple(m: MetricInput): MetricTuple {
  const extra = pointExtra(m);
  const t: MetricTuple = [m.key, jsonDouble(m.value), m.timestamp, m.step];
  if (extra) t.push(extra);
  return t;
}
