/**
 * The tracking store's entities, and their MLflow REST JSON shapes (reference/mlflow.md §1.6): the
 * messages of `service.proto` and `model_registry.proto` as generator/mlflow-messages.ts defines
 * them for the whole of stachub, named here `<Entity>Json` beside the store's own entities.
 */
import type * as mlflow from '../../generator/mlflow-messages.js';
import type { KeyValue, LoggedModelStatus, RunStatus } from '../../generator/mlflow-messages.js';
import type { MetricPoint, MetricSeries } from './series.js';

export type { MetricPoint } from './series.js';
export type { KeyValue, LifecycleStage, LoggedModelStatus, RunStatus } from '../../generator/mlflow-messages.js';

export const RUN_STATUSES: RunStatus[] = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'];
export const LOGGED_MODEL_STATUSES: LoggedModelStatus[] = [
  'LOGGED_MODEL_STATUS_UNSPECIFIED',
  'LOGGED_MODEL_PENDING',
  'LOGGED_MODEL_READY',
  'LOGGED_MODEL_UPLOAD_FAILED',
];
/** Registry stages, spelled as MLflow stores them. */
export const STAGES = ['None', 'Staging', 'Production', 'Archived'] as const satisfies readonly mlflow.ModelVersionStage[];
export type Stage = mlflow.ModelVersionStage;

// The store's entities: the fields of MLflow's messages, with tags, params and aliases in maps
// (the JSON shapes below turn them back into lists).

export interface Experiment extends Omit<mlflow.Experiment, 'tags'> {
  tags: Map<string, string>;
}

export type DatasetInput = mlflow.DatasetInput;

export interface Run extends Omit<mlflow.RunInfo, 'run_uuid'> {
  /** Store-internal number used by journal records instead of the 32-character run id. */
  seq: number;
  deleted_time?: number;
  params: Map<string, string>;
  tags: Map<string, string>;
  /** Full history per key, in logging order. */
  metrics: Map<string, MetricSeries>;
  /** Latest value per key: max by (step, timestamp, value), NaN lowest. */
  latest: Map<string, MetricPoint>;
  datasetInputs: DatasetInput[];
  modelInputs: string[];
  modelOutputs: { model_id: string; step: number }[];
}

export interface LoggedModel extends Omit<mlflow.LoggedModelInfo, 'tags' | 'registrations'> {
  tags: Map<string, string>;
  params: Map<string, string>;
  /** Metrics logged with this model's id (MLflow keeps them in `logged_model_metrics`). */
  metrics: MetricJson[];
  deleted: boolean;
}

export interface ModelVersion extends Omit<mlflow.ModelVersion, 'status' | 'status_message' | 'tags' | 'aliases'> {
  /** Registration is immediate here. */
  status: 'READY';
  tags: Map<string, string>;
}

export interface RegisteredModel extends Omit<mlflow.RegisteredModel, 'latest_versions' | 'tags' | 'aliases'> {
  tags: Map<string, string>;
  aliases: Map<string, string>;
  versions: Map<string, ModelVersion>;
  /** Next version number; versions are never reused, even after a delete (as MLflow). */
  nextVersion: number;
}

/** A metric value as MLflow's JSON writes it. */
export function jsonDouble(v: number): mlflow.JsonDouble {
  if (Number.isFinite(v)) return v;
  if (Number.isNaN(v)) return 'NaN';
  return v > 0 ? 'Infinity' : '-Infinity';
}

/** Read a JSON double back (numbers, or the strings protobuf JSON uses for non-finite values). */
export function parseDouble(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (v === 'NaN' || v === 'nan') return NaN;
    if (v === 'Infinity' || v === 'inf') return Infinity;
    if (v === '-Infinity' || v === '-inf') return -Infinity;
    if (v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  }
  return undefined;
}

export function kvList(m: Map<string, string>): KeyValue[] {
  const out: KeyValue[] = [];
  for (const [key, value] of m) out.push({ key, value });
  return out;
}

export type MetricJson = mlflow.Metric;

export function metricJson(key: string, p: MetricPoint, runId?: string): MetricJson {
  return {
    key,
    value: jsonDouble(p.value),
    timestamp: p.timestamp,
    step: p.step,
    model_id: p.model_id,
    dataset_name: p.dataset_name,
    dataset_digest: p.dataset_digest,
    run_id: p.model_id !== undefined ? runId : undefined,
  };
}

export type ExperimentJson = mlflow.Experiment;

export function experimentJson(e: Experiment): ExperimentJson {
  return {
    experiment_id: e.experiment_id,
    name: e.name,
    artifact_location: e.artifact_location,
    lifecycle_stage: e.lifecycle_stage,
    last_update_time: e.last_update_time,
    creation_time: e.creation_time,
    tags: kvList(e.tags),
  };
}

export type RunInfoJson = mlflow.RunInfo;

export function runInfoJson(r: Run): RunInfoJson {
  return {
    run_uuid: r.run_id,
    run_id: r.run_id,
    run_name: r.run_name,
    experiment_id: r.experiment_id,
    user_id: r.user_id,
    status: r.status,
    start_time: r.start_time,
    end_time: r.end_time,
    artifact_uri: r.artifact_uri,
    lifecycle_stage: r.lifecycle_stage,
  };
}

export type RunJson = mlflow.Run;

export function runJson(r: Run): RunJson {
  const metrics: MetricJson[] = [];
  for (const [key, p] of r.latest) metrics.push(metricJson(key, p, r.run_id));
  return {
    info: runInfoJson(r),
    data: { metrics, params: kvList(r.params), tags: kvList(r.tags) },
    inputs: { dataset_inputs: r.datasetInputs, model_inputs: r.modelInputs.map((model_id) => ({ model_id })) },
    outputs: { model_outputs: r.modelOutputs },
  };
}

export type LoggedModelJson = mlflow.LoggedModel;

export type ModelVersionJson = mlflow.ModelVersion;

export function modelVersionJson(mv: ModelVersion, rm: RegisteredModel): ModelVersionJson {
  const aliases: string[] = [];
  for (const [alias, version] of rm.aliases) if (version === mv.version) aliases.push(alias);
  return {
    name: mv.name,
    version: mv.version,
    creation_timestamp: mv.creation_timestamp,
    last_updated_timestamp: mv.last_updated_timestamp,
    user_id: mv.user_id,
    current_stage: mv.current_stage,
    description: mv.description,
    source: mv.source,
    run_id: mv.run_id,
    run_link: mv.run_link,
    model_id: mv.model_id,
    status: mv.status,
    tags: kvList(mv.tags),
    aliases,
  };
}

export type RegisteredModelJson = mlflow.RegisteredModel;

/** The latest version per stage, as `latest_versions` lists them. */
export function latestVersions(rm: RegisteredModel, stages?: string[]): ModelVersion[] {
  const best = new Map<string, ModelVersion>();
  for (const mv of rm.versions.values()) {
    const cur = best.get(mv.current_stage);
    if (!cur || Number(mv.version) > Number(cur.version)) best.set(mv.current_stage, mv);
  }
  const wanted = stages && stages.length > 0 ? new Set(stages.map((s) => s.toLowerCase())) : undefined;
  return [...best.values()]
    .filter((mv) => !wanted || wanted.has(mv.current_stage.toLowerCase()))
    .sort((a, b) => Number(a.version) - Number(b.version));
}

export function registeredModelJson(rm: RegisteredModel): RegisteredModelJson {
  const aliases: { alias: string; version: string }[] = [];
  for (const [alias, version] of rm.aliases) aliases.push({ alias, version });
  return {
    name: rm.name,
    creation_timestamp: rm.creation_timestamp,
    last_updated_timestamp: rm.last_updated_timestamp,
    user_id: rm.user_id,
    description: rm.description,
    latest_versions: latestVersions(rm).map((mv) => modelVersionJson(mv, rm)),
    tags: kvList(rm.tags),
    aliases,
  };
}
