/** Commands of `/api/2.0/mlflow/logged-models/*` (MLflow 3.x): validate, then journal. */
import { randomBytes } from 'node:crypto';
import type { KeyValue, LoggedModel, LoggedModelStatus } from '../entities.js';
import { invalid, notFound } from '../errors.js';
import { getExperiment, getLoggedModel, getRun } from '../lookups.js';
import { validateKey } from '../validation.js';
import { type StoreCore, randomName } from './core.js';

export async function createLoggedModel(
  store: StoreCore,
  input: { experimentId: string; name?: string; modelType?: string; sourceRunId?: string; params: KeyValue[]; tags: KeyValue[] },
): Promise<LoggedModel> {
  const e = getExperiment(store.state, input.experimentId);
  if (e.lifecycle_stage !== 'active') {
    throw invalid(`The experiment ${e.experiment_id} must be in the 'active' state. Current state is ${e.lifecycle_stage}.`);
  }
  if (input.sourceRunId !== undefined) getRun(store.state, input.sourceRunId);
  for (const t of input.tags) validateKey('tag', t.key);
  for (const p of input.params) validateKey('param', p.key);
  const id = `m-${randomBytes(16).toString('hex')}`;
  const base = e.artifact_location.replace(/\/+$/, '');
  const name = input.name || randomName();
  await store.commit({
    op: 'lm',
    id,
    exp: e.experiment_id,
    name,
    t: store.now(),
    uri: `${base}/models/${id}/artifacts`,
    type: input.modelType,
    run: input.sourceRunId,
    p: input.params.map((p) => [p.key, p.value]),
    tags: input.tags.map((t) => [t.key, t.value]),
  });
  return store.state.loggedModels.get(id)!;
}

export async function finalizeLoggedModel(store: StoreCore, modelId: string, status: LoggedModelStatus): Promise<LoggedModel> {
  const m = getLoggedModel(store.state, modelId);
  await store.commit({ op: 'lm-status', id: modelId, status, t: store.now() });
  return m;
}

export async function deleteLoggedModel(store: StoreCore, modelId: string): Promise<void> {
  getLoggedModel(store.state, modelId);
  await store.commit({ op: 'lm-del', id: modelId, t: store.now() });
}

export async function setLoggedModelTags(store: StoreCore, modelId: string, tags: KeyValue[]): Promise<void> {
  getLoggedModel(store.state, modelId);
  for (const t of tags) validateKey('tag', t.key);
  await store.commit({ op: 'lm-tags', id: modelId, tags: tags.map((t) => [t.key, t.value]), t: store.now() });
}

export async function deleteLoggedModelTag(store: StoreCore, modelId: string, key: string): Promise<void> {
  const m = getLoggedModel(store.state, modelId);
  if (!m.tags.has(key)) throw notFound(`No tag with key '${key}' found for logged model with ID '${modelId}'.`);
  await store.commit({ op: 'lm-tag-del', id: modelId, k: key, t: store.now() });
}

export async function logLoggedModelParams(store: StoreCore, modelId: string, params: KeyValue[]): Promise<void> {
  getLoggedModel(store.state, modelId);
  for (const p of params) validateKey('param', p.key);
  await store.commit({ op: 'lm-params', id: modelId, p: params.map((p) => [p.key, p.value]), t: store.now() });
}
