/**
 * Building `ModelVersion`s from MLflow's JSON entities, shared by every registry reader.
 * Pure: the readers fetch the entities (REST, files, the shim's store) and hand them here.
 * Field names follow MLflow's JSON (reference/mlflow.md §1.6 and §3.1).
 */
import {
  fromLogModelHistory,
  frameworkOf,
  isoFromMillis,
  isRecord,
  latestEntry,
  mediaTypeOf,
  metricValue,
  parseMlmodel,
  str,
  tagsToRecord,
  type MlmodelInfo,
} from './mlmodel.js';
import type * as mlflow from '../mlflow-messages.js';
import type { MetricValue, ModelFile, ModelVersion, RegisteredModelInfo, RegistryDiagnostic, WebUi } from './types.js';

/** Key of a version in maps built at the edge (ONNX summaries). */
export function versionKey(v: Pick<ModelVersion, 'modelName' | 'version'>): string {
  return `${v.modelName}\u0000${v.version}`;
}

/** The parts of a run the catalog uses. */
export interface RunInfo {
  runId: string;
  runName?: string;
  experimentId?: string;
  artifactUri?: string;
  metrics: Record<string, MetricValue>;
  params: Record<string, string>;
  tags: Record<string, string>;
}

/** The run tag that holds the 2.x model history: large, read for flavors, never kept in `runTags`. */
export const LOG_MODEL_HISTORY_TAG = 'mlflow.log-model.history';

/** A registered model as REST (`registered-models/search|get`) or export-import (`model.json`) writes it. */
export function registeredModelInfo(raw: mlflow.Received<mlflow.RegisteredModel>): RegisteredModelInfo {
  const info: RegisteredModelInfo = {
    name: String(raw['name'] ?? ''),
    tags: tagsToRecord(raw['tags']),
    aliases: [],
  };
  const description = str(raw['description']);
  if (description) info.description = description;
  const created = isoFromMillis(raw['creation_timestamp']);
  if (created) info.createdAt = created;
  const updated = isoFromMillis(raw['last_updated_timestamp']);
  if (updated) info.updatedAt = updated;
  if (Array.isArray(raw['aliases'])) {
    for (const a of raw['aliases']) {
      if (isRecord(a) && typeof a['alias'] === 'string' && a['version'] !== undefined) {
        info.aliases.push({ alias: a['alias'], version: String(a['version']) });
      }
    }
  }
  return info;
}

/**
 * A run from REST `runs/get` (`{info, data:{metrics[], params[], tags[]}}`) or from an export's
 * `run.json` payload (`{info, params:{}, metrics:{key:[history]}, tags:{}}`).
 */
export function runInfo(raw: Record<string, unknown>): RunInfo | undefined {
  const info = isRecord(raw['info']) ? raw['info'] : undefined;
  const runId = str(info?.['run_id']) ?? str(info?.['run_uuid']);
  if (!info || !runId) return undefined;
  const data = isRecord(raw['data']) ? raw['data'] : raw;
  const run: RunInfo = {
    runId,
    metrics: finalMetrics(data['metrics']),
    params: tagsToRecord(data['params']),
    tags: tagsToRecord(data['tags']),
  };
  const runName = str(info['run_name']) ?? run.tags['mlflow.runName'];
  if (runName) run.runName = runName;
  const exp = str(info['experiment_id']);
  if (exp) run.experimentId = exp;
  const art = str(info['artifact_uri']);
  if (art) run.artifactUri = art;
  return run;
}

/**
 * Final metric values: REST sends one entry per key (already the latest); exports send the whole
 * history per key. Either way the value kept is MLflow's latest: max by (step, timestamp, value).
 */
export function finalMetrics(raw: unknown): Record<string, MetricValue> {
  const groups = new Map<string, Array<{ value: unknown; step?: unknown; timestamp?: unknown }>>();
  const add = (key: string, e: { value: unknown; step?: unknown; timestamp?: unknown }): void => {
    const list = groups.get(key) ?? [];
    list.push(e);
    groups.set(key, list);
  };
  if (Array.isArray(raw)) {
    for (const m of raw) if (isRecord(m) && typeof m['key'] === 'string') add(m['key'], m as { value: unknown });
  } else if (isRecord(raw)) {
    for (const [key, v] of Object.entries(raw)) {
      if (Array.isArray(v)) {
        for (const e of v) if (isRecord(e)) add(key, e as { value: unknown });
      } else if (isRecord(v)) {
        add(key, v as { value: unknown });
      } else {
        add(key, { value: v });
      }
    }
  }
  const out: Record<string, MetricValue> = {};
  for (const key of [...groups.keys()].sort()) {
    const best = latestEntry(groups.get(key) ?? []);
    const v = best ? metricValue(best.value) : undefined;
    if (v !== undefined) out[key] = v;
  }
  return out;
}

/**
 * Where a version's model folder sits relative to its run's artifact root, from the version `source`:
 * `runs:/<run>/<path>`, `<run artifact_uri>/<path>`, or (as SharingHub does) the part after the
 * last `/artifacts/`. `''` means the root itself; `undefined` means it cannot be told.
 */
export function modelDirInRun(source: string | undefined, runArtifactUri?: string): string | undefined {
  if (!source) return undefined;
  const runs = /^runs:\/[^/]+\/?(.*)$/.exec(source);
  if (runs) return trimSlashes(runs[1] ?? '');
  if (runArtifactUri) {
    const root = runArtifactUri.replace(/\/+$/, '');
    if (source === root) return '';
    if (source.startsWith(root + '/')) return trimSlashes(source.slice(root.length + 1));
  }
  const at = source.lastIndexOf('/artifacts/');
  if (at >= 0) return trimSlashes(source.slice(at + '/artifacts/'.length));
  if (source.endsWith('/artifacts')) return '';
  return undefined;
}

/** The logged-model id of a 3.x `models:/<model_id>` source (not `models:/<name>/<version>`). */
export function loggedModelIdOf(source: string | undefined): string | undefined {
  const m = /^models:\/(m-[0-9a-f]+)\/?$/i.exec(source ?? '');
  return m?.[1];
}

/**
 * Where a web page of the tracking server lives: MLflow's UI routes are hash routes (`#/experiments/...`);
 * the run viewer of `stachub track` serves the same routes as paths, so each link is a page of its own.
 */
function uiPage(trackingUri: string, route: string, ui: WebUi): string {
  return `${withSlash(trackingUri)}${ui === 'stachub-track' ? '' : '#/'}${route}`;
}

/** The web page of a run (MLflow UI, or the `stachub track` viewer). */
export function runPageUrl(trackingUri: string, experimentId: string, runId: string, ui: WebUi = 'mlflow'): string {
  return uiPage(trackingUri, `experiments/${encodeURIComponent(experimentId)}/runs/${encodeURIComponent(runId)}`, ui);
}

/** The web page of a registered model version (MLflow UI, or the `stachub track` viewer). */
export function modelVersionPageUrl(trackingUri: string, name: string, version: string, ui: WebUi = 'mlflow'): string {
  return uiPage(trackingUri, `models/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}`, ui);
}

/** The `models:/<name>/<version>` URI of a version (what MLflow clients load). */
export function modelsUri(name: string, version: string): string {
  return `models:/${name}/${version}`;
}

/** What a registry reader found of a version's `MLmodel`, and where it looked. */
export interface MlmodelLookup {
  /** The text of the version's `MLmodel` file, when the reader could read one. */
  text: string | undefined;
  /** The version's run: its `mlflow.log-model.history` tag describes the models of 2.x runs. */
  run: RunInfo | undefined;
  /** The model's folder in the run's artifacts: which entry of that tag is the version's. */
  modelRel: string | undefined;
  /** `<model> v<version>`, the start of each message. */
  label: string;
  /** The registered model's name, for the diagnostics. */
  model: string;
  /** Where the reader looked (`in the export`, `in the store`, `found`), for the message when it found none. */
  where: string;
}

/**
 * A version's MLmodel, the same way for every reader: the `MLmodel` file's, else the run's
 * `mlflow.log-model.history` entry (enough for flavors, not for the file size); with the problems
 * met (a file that is not YAML, no MLmodel at all).
 */
export function versionMlmodel(l: MlmodelLookup): { mlmodel: MlmodelInfo | undefined; diagnostics: RegistryDiagnostic[] } {
  const diagnostics: RegistryDiagnostic[] = [];
  let mlmodel: MlmodelInfo | undefined;
  if (l.text !== undefined) {
    mlmodel = parseMlmodel(l.text);
    if (!mlmodel) diagnostics.push({ level: 'warning', code: 'mlflow/mlmodel-invalid', message: `${l.label}: MLmodel is not valid YAML`, model: l.model });
  }
  if (!mlmodel && l.run) mlmodel = fromLogModelHistory(l.run.tags[LOG_MODEL_HISTORY_TAG], l.modelRel);
  if (!mlmodel) diagnostics.push({ level: 'info', code: 'mlflow/mlmodel-missing', message: `${l.label}: no MLmodel ${l.where} (no flavors, no model file)`, model: l.model });
  return { mlmodel, diagnostics };
}

export interface AssembleInput {
  registeredModel: RegisteredModelInfo;
  /** The version entity (REST `ModelVersion`, or an export's version dict). */
  raw: mlflow.Received<mlflow.ModelVersion>;
  run?: RunInfo;
  mlmodel?: MlmodelInfo;
  /** The model file as the reader located it (href, size, local path). */
  file?: { artifactPath: string; href?: string; localPath?: string; size?: number };
  /** The public tracking URI, for the run page link when the version has no `run_link`. */
  trackingUri?: string;
  /** The web pages behind the tracking URI (default MLflow's UI). */
  webUi?: WebUi;
}

/** One `ModelVersion` from what a reader gathered. */
export function assembleVersion(input: AssembleInput): ModelVersion {
  const { registeredModel: rm, raw, run, mlmodel } = input;
  const version = String(raw['version'] ?? '');
  const aliases = new Set<string>();
  if (Array.isArray(raw['aliases'])) for (const a of raw['aliases']) if (typeof a === 'string') aliases.add(a);
  for (const a of rm.aliases) if (a.version === version) aliases.add(a.alias);
  const runTags = { ...(run?.tags ?? {}) };
  delete runTags[LOG_MODEL_HISTORY_TAG];
  const flavors = mlmodel?.flavors ?? [];
  const mv: ModelVersion = {
    modelName: String(raw['name'] ?? rm.name),
    version,
    aliases: [...aliases].sort(),
    tags: tagsToRecord(raw['tags']),
    metrics: run?.metrics ?? {},
    // Sorted: the published items must not depend on the order a server lists params in.
    params: Object.fromEntries(Object.entries(run?.params ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    runTags,
    flavors,
    registeredModel: rm,
  };
  const stage = str(raw['current_stage']);
  if (stage) mv.stage = stage;
  const status = str(raw['status']);
  if (status) mv.status = status;
  const created = isoFromMillis(raw['creation_timestamp']);
  if (created) mv.createdAt = created;
  const updated = isoFromMillis(raw['last_updated_timestamp']);
  if (updated) mv.updatedAt = updated;
  const description = str(raw['description']);
  if (description) mv.description = description;
  const source = str(raw['source']);
  if (source) mv.source = source;
  const modelId = str(raw['model_id']) ?? loggedModelIdOf(source) ?? mlmodel?.modelId;
  if (modelId) mv.modelId = modelId;
  const runId = str(raw['run_id']) ?? run?.runId;
  if (runId) mv.runId = runId;
  if (run?.runName) mv.runName = run.runName;
  const link = str(raw['run_link']);
  if (link && /^https?:\/\//i.test(link)) mv.runLink = link;
  else if (input.trackingUri && run?.experimentId && runId) mv.runLink = runPageUrl(input.trackingUri, run.experimentId, runId, input.webUi);
  const framework = frameworkOf(flavors);
  if (framework) mv.framework = framework;
  if (mlmodel?.mlflowVersion) mv.mlflowVersion = mlmodel.mlflowVersion;
  if (input.file) {
    const name = input.file.artifactPath.split('/').pop() ?? input.file.artifactPath;
    const file: ModelFile = {
      name,
      artifactPath: input.file.artifactPath,
      ...(input.file.href ? { href: input.file.href } : {}),
      mediaType: mediaTypeOf(name, framework?.name),
    };
    if (input.file.localPath) file.localPath = input.file.localPath;
    if (input.file.size !== undefined) file.size = input.file.size;
    mv.modelFile = file;
  }
  return mv;
}

/** Sort versions by model name, then numerically by version. */
export function compareVersions(a: ModelVersion, b: ModelVersion): number {
  if (a.modelName !== b.modelName) return a.modelName < b.modelName ? -1 : 1;
  return versionNumber(a.version) - versionNumber(b.version) || (a.version < b.version ? -1 : a.version > b.version ? 1 : 0);
}

export function versionNumber(v: string): number {
  return /^\d+$/.test(v) ? Number(v) : Number.MAX_SAFE_INTEGER;
}

export function withSlash(url: string): string {
  return url.endsWith('/') ? url : url + '/';
}

function trimSlashes(p: string): string {
  return p.replace(/^\/+|\/+$/g, '');
}
