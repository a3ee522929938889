/**
 * The store's entities by id or name, with MLflow's RESOURCE_DOES_NOT_EXIST messages when one is
 * missing: what every command checks first and what the routes' `get` endpoints return.
 */
import type { Experiment, LoggedModel, ModelVersion, RegisteredModel, Run } from './entities.js';
import { invalid, notFound } from './errors.js';
import type { StoreState } from './reducer.js';

/** A registry version with the registered model it belongs to. */
export interface VersionOf {
  rm: RegisteredModel;
  mv: ModelVersion;
}

export function getExperiment(state: StoreState, id: string): Experiment {
  const e = state.experimentsById.get(id);
  if (!e) throw notFound(`No Experiment with id=${id} exists`);
  return e;
}

export function getExperimentByName(state: StoreState, name: string): Experiment {
  const id = state.experimentIdsByName.get(name);
  if (id === undefined) throw notFound(`Could not find experiment with name '${name}'`);
  return state.experimentsById.get(id)!;
}

export function getRun(state: StoreState, runId: string): Run {
  const r = state.runsById.get(runId);
  if (!r) throw notFound(`Run '${runId}' not found`);
  return r;
}

/** A run that may be written to: SqlAlchemyStore._check_run_is_active (a run of a deleted experiment is deleted too). */
export function activeRun(state: StoreState, runId: string): Run {
  const r = getRun(state, runId);
  if (r.lifecycle_stage !== 'active') throw invalid(`The run ${runId} must be in the 'active' state. Current state is ${r.lifecycle_stage}.`);
  return r;
}

export function getLoggedModel(state: StoreState, modelId: string): LoggedModel {
  const m = state.loggedModels.get(modelId);
  if (!m || m.deleted) throw notFound(`Logged model with ID '${modelId}' not found.`);
  return m;
}

export function getRegisteredModel(state: StoreState, name: string): RegisteredModel {
  const rm = state.registered.get(name);
  if (!rm) throw notFound(`Registered Model with name=${name} not found`);
  return rm;
}

export function getModelVersion(state: StoreState, name: string, version: string): VersionOf {
  const rm = getRegisteredModel(state, name);
  const mv = rm.versions.get(version);
  if (!mv) throw notFound(`Model Version (name=${name}, version=${version}) not found`);
  return { rm, mv };
}

/** The version an alias of a registered model points at. */
export function versionByAlias(state: StoreState, name: string, alias: string): VersionOf {
  const rm = getRegisteredModel(state, name);
  const version = rm.aliases.get(alias);
  if (version === undefined) throw notFound(`Registered model alias ${alias} not found.`);
  return getModelVersion(state, name, version);
}

/**
 * The `mlflow-artifacts:` root behind a model version source (`runs:/`, `models:/m-...` or a
 * plain URI), as `get_model_version_download_uri` resolves it; undefined when it is elsewhere.
 */
export function artifactRoot(state: StoreState, source: string): string | undefined {
  let m: RegExpExecArray | null;
  if ((m = /^runs:\/([^/]+)\/?(.*)$/.exec(source))) {
    const r = state.runsById.get(m[1]!);
    return r ? (m[2] ? `${r.artifact_uri}/${m[2]}` : r.artifact_uri) : undefined;
  }
  if ((m = /^models:\/(m-[0-9a-f]+)\/?(.*)$/.exec(source))) {
    const lm = state.loggedModels.get(m[1]!);
    return lm ? (m[2] ? `${lm.artifact_uri}/${m[2]}` : lm.artifact_uri) : undefined;
  }
  return /^mlflow-artifacts:/.test(source) ? source : undefined;
}

/**
 * The path below the store's artifact root behind an artifact URI it keeps:
 * `mlflow-artifacts:/...` (also with a host), `runs:/<run>/<path>`, `models:/<model_id>/<path>`.
 */
export function artifactRel(state: StoreState, uri: string): string | undefined {
  const root = artifactRoot(state, uri);
  const m = root === undefined ? null : /^mlflow-artifacts:(?:\/\/[^/]*)?\/+(.*)$/.exec(root);
  return m ? m[1] : undefined;
}
