/**
 * MLflow's REST messages as JSON: the entities of `service.proto` (tracking) and
 * `model_registry.proto` (registry), vendored in schemas/vendor/mlflow/, named as there. One model
 * for both sides of stachub: the tracking shim (pipelines/tracking/) answers with these shapes, and
 * the catalog's registry readers (mlflow/) read them from an MLflow server, an export or the shim.
 *
 * JSON as MLflow's `message_to_json` writes it: snake_case names, int64 as numbers, enums by name,
 * unset fields omitted, non-finite doubles as strings. Fields a server always sets are required
 * here; a reader that does not trust its input reads a message as `Received<T>`.
 */

/** A double as JSON carries it: NaN and ±Infinity as strings. */
export type JsonDouble = number | 'NaN' | 'Infinity' | '-Infinity';

/** `lifecycle_stage` of experiments and runs. */
export type LifecycleStage = 'active' | 'deleted';

/** service.proto `RunStatus`. */
export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';

/** service.proto `LoggedModelStatus`. */
export type LoggedModelStatus = 'LOGGED_MODEL_STATUS_UNSPECIFIED' | 'LOGGED_MODEL_PENDING' | 'LOGGED_MODEL_READY' | 'LOGGED_MODEL_UPLOAD_FAILED';

/** model_registry.proto `ModelVersionStatus`. */
export type ModelVersionStatus = 'PENDING_REGISTRATION' | 'FAILED_REGISTRATION' | 'READY';

/** A registry stage (`current_stage`), spelled as MLflow stores it. */
export type ModelVersionStage = 'None' | 'Staging' | 'Production' | 'Archived';

/**
 * Every key/value message: `Param`, `RunTag`, `ExperimentTag`, `InputTag`, `LoggedModelTag`,
 * `LoggedModelParameter`, `RegisteredModelTag`, `ModelVersionTag`.
 */
export interface KeyValue {
  key: string;
  value: string;
}
export type Param = KeyValue;
export type RunTag = KeyValue;
export type ExperimentTag = KeyValue;
export type InputTag = KeyValue;
export type LoggedModelTag = KeyValue;
export type LoggedModelParameter = KeyValue;
export type RegisteredModelTag = KeyValue;
export type ModelVersionTag = KeyValue;

/** service.proto `Metric` (`run_id` only on a logged model's metrics). */
export interface Metric {
  key: string;
  value: JsonDouble;
  timestamp: number;
  step: number;
  model_id?: string;
  dataset_name?: string;
  dataset_digest?: string;
  run_id?: string;
}

/** service.proto `Experiment`. */
export interface Experiment {
  experiment_id: string;
  name: string;
  artifact_location: string;
  lifecycle_stage: LifecycleStage;
  creation_time: number;
  last_update_time: number;
  tags: ExperimentTag[];
}

/** service.proto `RunInfo` (`run_uuid` is the deprecated twin of `run_id`). */
export interface RunInfo {
  run_id: string;
  run_uuid: string;
  run_name: string;
  experiment_id: string;
  user_id: string;
  status: RunStatus;
  start_time: number;
  end_time?: number;
  artifact_uri: string;
  lifecycle_stage: LifecycleStage;
}

/** service.proto `RunData`: the latest value of each metric, every param and tag. */
export interface RunData {
  metrics: Metric[];
  params: Param[];
  tags: RunTag[];
}

/** service.proto `Dataset`. */
export interface Dataset {
  name: string;
  digest: string;
  source_type: string;
  source: string;
  schema?: string;
  profile?: string;
}

/** service.proto `DatasetInput`. */
export interface DatasetInput {
  dataset: Dataset;
  tags: InputTag[];
}

/** service.proto `ModelInput`. */
export interface ModelInput {
  model_id: string;
}

/** service.proto `ModelOutput`. */
export interface ModelOutput {
  model_id: string;
  step: number;
}

/** service.proto `RunInputs`. */
export interface RunInputs {
  dataset_inputs: DatasetInput[];
  model_inputs: ModelInput[];
}

/** service.proto `RunOutputs`. */
export interface RunOutputs {
  model_outputs: ModelOutput[];
}

/** service.proto `Run`, as `runs/get` returns it. */
export interface Run {
  info: RunInfo;
  data: RunData;
  inputs: RunInputs;
  outputs: RunOutputs;
}

/** service.proto `LoggedModelRegistrationInfo`. */
export interface LoggedModelRegistrationInfo {
  name: string;
  version: string;
}

/** service.proto `LoggedModelInfo` (MLflow 3.x). */
export interface LoggedModelInfo {
  model_id: string;
  experiment_id: string;
  name: string;
  creation_timestamp_ms: number;
  last_updated_timestamp_ms: number;
  artifact_uri: string;
  status: LoggedModelStatus;
  model_type?: string;
  source_run_id?: string;
  status_message?: string;
  tags: LoggedModelTag[];
  registrations: LoggedModelRegistrationInfo[];
}

/** service.proto `LoggedModelData`. */
export interface LoggedModelData {
  params: LoggedModelParameter[];
  metrics: Metric[];
}

/** service.proto `LoggedModel`, as `logged-models/get` returns it. */
export interface LoggedModel {
  info: LoggedModelInfo;
  data: LoggedModelData;
}

/** model_registry.proto `ModelVersion` (`model_id`: the MLflow 3.x logged model it was made from). */
export interface ModelVersion {
  name: string;
  version: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  user_id?: string;
  current_stage: ModelVersionStage;
  description?: string;
  source: string;
  run_id?: string;
  run_link?: string;
  model_id?: string;
  status: ModelVersionStatus;
  status_message?: string;
  tags: ModelVersionTag[];
  aliases: string[];
}

/** model_registry.proto `RegisteredModelAlias`. */
export interface RegisteredModelAlias {
  alias: string;
  version: string;
}

/** model_registry.proto `RegisteredModel`. */
export interface RegisteredModel {
  name: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  user_id?: string;
  description?: string;
  latest_versions: ModelVersion[];
  tags: RegisteredModelTag[];
  aliases: RegisteredModelAlias[];
}

/**
 * A message as a reader receives it from a server or an export it does not control: each field
 * may be missing or of another type, and is checked where it is read.
 */
export type Received<T> = { readonly [K in keyof T]?: unknown };
