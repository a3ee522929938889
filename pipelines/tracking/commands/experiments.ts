/** Commands of `/api/2.0/mlflow/experiments/*`: validate, then journal one record each. */
import type { KeyValue } from '../entities.js';
import { alreadyExists, invalid, notFound } from '../errors.js';
import { getExperiment } from '../lookups.js';
import { LIMITS, limitValue, validateExperimentName, validateKey } from '../validation.js';
import type { StoreCore } from './core.js';

/** Experiment "0" ("Default") exists in every store (reference §0.6). */
export async function ensureDefaultExperiment(store: StoreCore): Promise<void> {
  if (store.state.experimentsById.has('0')) return;
  const t = store.now();
  await store.commit({ op: 'exp', id: '0', name: 'Default', loc: 'mlflow-artifacts:/0', t, tags: [] });
}

export async function createExperiment(store: StoreCore, name: string, artifactLocation: string | undefined, tags: KeyValue[]): Promise<string> {
  validateExperimentName(name);
  if (store.state.experimentIdsByName.has(name)) throw alreadyExists(`Experiment '${name}' already exists.`);
  for (const t of tags) {
    validateKey('tag', t.key);
    t.value = limitValue('value', t.value, LIMITS.experimentTagValue, false);
  }
  if (artifactLocation && /(^|[/\\])\.\.([/\\]|$)|%2e%2e|\0/i.test(artifactLocation)) {
    throw invalid(`Invalid artifact location '${artifactLocation}': it must not contain '..' segments.`);
  }
  const id = String(store.state.nextExperimentId);
  const loc = artifactLocation && artifactLocation !== '' ? artifactLocation : `mlflow-artifacts:/${id}`;
  await store.commit({ op: 'exp', id, name, loc, t: store.now(), tags: tags.map((t) => [t.key, t.value]) });
  return id;
}

/**
 * Marks the experiment and every one of its runs deleted, as `SqlAlchemyStore.delete_experiment`
 * does (`_mark_run_deleted` on each run of `_list_run_infos`); only an active experiment can be
 * deleted (`_get_experiment(..., ViewType.ACTIVE_ONLY)`, else RESOURCE_DOES_NOT_EXIST).
 */
export async function deleteExperiment(store: StoreCore, id: string): Promise<void> {
  const e = getExperiment(store.state, id);
  if (id === '0') throw invalid('Cannot delete the default experiment \'0\'. This is an internally reserved experiment.');
  if (e.lifecycle_stage !== 'active') throw notFound(`No Experiment with id=${id} exists`);
  await store.commit({ op: 'exp-stage', id, stage: 'deleted', t: store.now() });
}

/** `SqlAlchemyStore.restore_experiment`: only a deleted experiment; every run comes back (`_mark_run_active`). */
export async function restoreExperiment(store: StoreCore, id: string): Promise<void> {
  const e = getExperiment(store.state, id);
  if (e.lifecycle_stage !== 'deleted') throw notFound(`No Experiment with id=${id} exists`);
  await store.commit({ op: 'exp-stage', id, stage: 'active', t: store.now() });
}

export async function renameExperiment(store: StoreCore, id: string, newName: string): Promise<void> {
  const e = getExperiment(store.state, id);
  validateExperimentName(newName);
  if (e.lifecycle_stage !== 'active') throw invalid(`Cannot rename a non-active experiment.`);
  if (newName !== e.name && store.state.experimentIdsByName.has(newName)) throw alreadyExists(`Experiment '${newName}' already exists.`);
  await store.commit({ op: 'exp-rename', id, name: newName, t: store.now() });
}

export async function setExperimentTag(store: StoreCore, id: string, key: string, value: string): Promise<void> {
  const e = getExperiment(store.state, id);
  if (e.lifecycle_stage !== 'active') throw invalid(`The experiment ${id} must be in the 'active' state. Current state is deleted.`);
  validateKey('tag', key);
  value = limitValue('value', value, LIMITS.experimentTagValue, false);
  await store.commit({ op: 'exp-tag', id, k: key, v: value, t: store.now() });
}

export async function deleteExperimentTag(store: StoreCore, id: string, key: string): Promise<void> {
  const e = getExperiment(store.state, id);
  if (!e.tags.has(key)) throw notFound(`No tag with name: ${key} in experiment with id ${id}`);
  await store.commit({ op: 'exp-tag-del', id, k: key, t: store.now() });
}
