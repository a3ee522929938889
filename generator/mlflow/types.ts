/**
 * The MLflow model registry as the catalog sees it (DESIGN.md `Registry.versions()`): what it
 * keeps of MLflow's messages (generator/mlflow-messages.ts), joined per version.
 *
 * Three edges produce the same `ModelVersion`s: an mlflow-export-import directory, a live MLflow
 * server over REST, and the tracking shim's store. Everything after them (linking versions to
 * projects, mapping them into STAC) is pure.
 */
import type { JsonDouble } from '../mlflow-messages.js';
import type { ByteSource } from '../onnx/byte-source.js';
import type { Diagnostic } from '../types.js';

/** A final metric value. MLflow allows NaN and ±Infinity, which JSON can only carry as strings. */
export type MetricValue = JsonDouble;

/** One flavor of the `MLmodel` file (`flavors.<name>`). */
export interface Flavor {
  /** Flavor key: `onnx`, `sklearn`, `pytorch`, `python_function`, ... */
  name: string;
  /** The flavor's framework version (`onnx_version`, `sklearn_version`, `pytorch_version`, ...), when given. */
  version?: string;
  /** `python_function.loader_module` (e.g. `mlflow.onnx`). */
  loaderModule?: string;
  /** The file or folder the flavor loads, relative to the model root (`data`, `model_path`, `pickled_model`...). */
  data?: string;
}

/** The model file of a version: the file a consumer downloads. */
export interface ModelFile {
  /** File name, e.g. `model.onnx`. */
  name: string;
  /**
   * Path of the file inside the artifact store, relative to the run's (2.x) or logged model's (3.x)
   * artifact root, e.g. `model/model.onnx`.
   */
  artifactPath: string;
  /**
   * Absolute http(s) URL that serves the bytes (the MLflow artifact download API, or where an export
   * is published). Absent when no public URL is known: the file is then not published as an asset.
   */
  href?: string;
  /** Absolute local path of the bytes (export directories and the shim's store), for hashing and ONNX. */
  localPath?: string;
  /** Size in bytes, when the registry knows it. */
  size?: number;
  /** SHA-256 hex, when computed at the edge. */
  sha256?: string;
  /** Media type guessed from the name (`application/octet-stream; framework=onnx` for `.onnx`). */
  mediaType: string;
}

/** The registered model a version belongs to. */
export interface RegisteredModelInfo {
  name: string;
  description?: string;
  /** Registered-model tags (MLflow SharingHub's `project` tag lives here). */
  tags: Record<string, string>;
  /** Every alias of the registered model (the authoritative alias source, MLflow issue #9783). */
  aliases: { alias: string; version: string }[];
  /** ISO 8601. */
  createdAt?: string;
  updatedAt?: string;
}

/** One registered model version, with what its run and its `MLmodel` say. */
export interface ModelVersion {
  /** Registered model name (may end with MLflow SharingHub's ` (<project id>)` suffix). */
  modelName: string;
  /** Version number as MLflow sends it (a decimal string). */
  version: string;
  /** Aliases pointing at this version (`champion`, ...). */
  aliases: string[];
  /** Legacy stage: `None`, `Staging`, `Production` or `Archived` (absent on registries without stages). */
  stage?: string;
  /** `READY`, `PENDING_REGISTRATION` or `FAILED_REGISTRATION`. */
  status?: string;
  /** ISO 8601 creation time of the version. */
  createdAt?: string;
  /** ISO 8601 last update of the version. */
  updatedAt?: string;
  description?: string;
  /** Model-version tags. Not published (they may hold anything); kept for linking and reports. */
  tags: Record<string, string>;
  /** Where the model was registered from (`mlflow-artifacts:/...`, `runs:/...`, `models:/m-...`, a path...). */
  source?: string;
  /** MLflow 3.x logged-model id (`m-<hex>`), when the version comes from one. */
  modelId?: string;
  runId?: string;
  /** A web page of the run: the version's `run_link` if set, else the MLflow UI URL when the server is known. */
  runLink?: string;
  /** Name of the run, when known. */
  runName?: string;
  /** The run's final metric values (MLflow's latest value per key: max by step, timestamp, value). */
  metrics: Record<string, MetricValue>;
  params: Record<string, string>;
  /**
   * The run's tags, without `mlflow.log-model.history` (large). Used to link the model to a project
   * (`mlflow.source.git.repoURL`); never published as a whole.
   */
  runTags: Record<string, string>;
  /** Flavors from the version's `MLmodel` (or, failing that, the run's `mlflow.log-model.history`). */
  flavors: Flavor[];
  /** Main framework: the first flavor that is not `python_function`, with its version. */
  framework?: { name: string; version?: string };
  /** MLflow version that wrote the model. */
  mlflowVersion?: string;
  /** The file a consumer downloads, when the `MLmodel` names one. */
  modelFile?: ModelFile;
  /** The registered model. */
  registeredModel: RegisteredModelInfo;
}

/**
 * Which web pages the tracking URI serves: MLflow's UI (hash routes, `#/experiments/...`), or the
 * run viewer of `stachub track` (the same routes as plain paths, `experiments/...`).
 */
export type WebUi = 'mlflow' | 'stachub-track';

/** A registry problem; `model` names the registered model it is about (kept out of the report). */
export interface RegistryDiagnostic extends Diagnostic {
  model?: string;
}

/** What a registry read returns: every version it could read and every problem it met. */
export interface RegistryResult {
  versions: ModelVersion[];
  /** The web pages behind the tracking URI (default `mlflow`). */
  webUi?: WebUi;
  /** Problems not tied to a project (an unreadable run, a missing MLmodel...). Codes start with `mlflow/`. */
  diagnostics: RegistryDiagnostic[];
}

/** The registry seam: an export directory, an MLflow server, or the tracking shim's store. */
export interface Registry {
  /** Short description for logs; never contains a credential. */
  readonly description: string;
  /**
   * The MLflow tracking URI to advertise in the catalog (`mlflow:tracking-uri` link, MLflow UI links),
   * without credentials and with a trailing slash. Absent for exports unless configured.
   */
  readonly trackingUri?: string;
  /**
   * Every version of every registered model.
   * Throws `SourceUnreachableError` (exit 4) only when the registry cannot be listed at all.
   */
  versions(): Promise<RegistryResult>;
  /**
   * Random access to a version's model file (a local file, or Range requests with the registry's
   * credentials), for the ONNX scanner. Undefined when the bytes cannot be reached.
   */
  modelFileSource(file: ModelFile): ByteSource | undefined;
  /**
   * The whole model file, at most `maxBytes` (undefined if larger or unreachable): the fallback for
   * servers that ignore HTTP Range, used for small files only.
   */
  downloadModelFile?(file: ModelFile, maxBytes: number): Promise<Uint8Array | undefined>;
}
