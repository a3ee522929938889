/**
 * stachub's `mlflow:` fields and link relations (SharingHub's names where it has them,
 * reference/sharinghub.md §1.6, §5.5): on a project's item the `mlflow:models` summary and the
 * `mlflow:model` / `mlflow:tracking-uri` / `mlflow:recommended-version` links; on a version's item
 * the registered version's facts. The builders write the fields; the getters read them back typed.
 */
import type { MetricValue } from '../../mlflow/types.js';
import type { StacAsset, StacLink } from '../types.js';
import { VERSION_REL } from './version.js';

/** Link relations for the registry (the version extension's names, SharingHub's `mlflow:*` names). */
export const MLFLOW_REL = {
  trackingUri: 'mlflow:tracking-uri',
  model: 'mlflow:model',
  run: 'mlflow:run',
  recommended: 'mlflow:recommended-version',
  ...VERSION_REL,
} as const;

/** One flavor of the model (`MLmodel`'s `flavors.<name>`). */
export interface FlavorField {
  name: string;
  version?: string;
  loader_module?: string;
}

/** The facts of one registered model version, as its item states them. */
export interface MlflowVersion {
  modelName: string;
  /** `models:/<name>/<version>`. */
  uri: string;
  aliases: string[];
  stage?: string;
  /** The recommended version of its registered model. */
  recommended?: boolean;
  runId?: string;
  runName?: string;
  modelId?: string;
  metrics: Record<string, MetricValue>;
  params: Record<string, string>;
  flavors: FlavorField[];
  mlflowVersion?: string;
}

/** A version's `mlflow:*` properties, in the order the catalog writes them. */
export function mlflowVersionFields(v: MlflowVersion): Record<string, unknown> {
  return {
    'mlflow:model_name': v.modelName,
    'mlflow:uri': v.uri,
    'mlflow:aliases': v.aliases,
    ...(v.stage ? { 'mlflow:stage': v.stage } : {}),
    ...(v.recommended ? { 'mlflow:recommended': true } : {}),
    ...(v.runId ? { 'mlflow:run_id': v.runId } : {}),
    ...(v.runName ? { 'mlflow:run_name': v.runName } : {}),
    ...(v.modelId ? { 'mlflow:model_id': v.modelId } : {}),
    'mlflow:metrics': v.metrics,
    'mlflow:params': v.params,
    'mlflow:flavors': v.flavors,
    ...(v.mlflowVersion ? { 'mlflow:mlflow_version': v.mlflowVersion } : {}),
  };
}

/** One version in a project's `mlflow:models` summary. */
export interface VersionSummary {
  version: string;
  aliases?: string[];
  stage?: string;
  created?: string;
  metrics?: Record<string, MetricValue>;
}

/** One registered model in a project's `mlflow:models` summary. */
export interface ModelSummaryField {
  name: string;
  latest_version: string;
  recommended_version: string;
  recommended_by: string;
  version_count: number;
  versions: VersionSummary[];
}

/** The project item's `mlflow:models` property. */
export function mlflowModelsField(models: ModelSummaryField[]): { 'mlflow:models': ModelSummaryField[] } {
  return { 'mlflow:models': models };
}

/** The `mlflow:uri` of an asset or a link (a `models:/` URI), if it has one. */
export function mlflowUriOf(target: StacAsset | StacLink): string | undefined {
  const uri = target['mlflow:uri'];
  return typeof uri === 'string' ? uri : undefined;
}

/** A version item's `mlflow:*` facts, read back typed (lenient: what is missing or mistyped reads as absent). */
export interface MlflowVersionView {
  modelName?: string;
  uri?: string;
  aliases: string[];
  stage?: string;
  recommended: boolean;
  runName?: string;
  /** Final metrics; a non-numeric value is kept as written (MLflow's `NaN`, `Infinity`). */
  metrics: Record<string, unknown>;
  params: Record<string, unknown>;
  /** The flavors, when `mlflow:flavors` is a list. */
  flavors?: Array<{ name?: unknown; version?: unknown; loader_module?: unknown }>;
}

export function mlflowVersionOf(p: Readonly<Record<string, unknown>>): MlflowVersionView {
  const str = (k: string): string | undefined => (typeof p[k] === 'string' ? (p[k] as string) : undefined);
  const obj = (k: string): Record<string, unknown> => (isRecord(p[k]) ? p[k] : {});
  const aliases = p['mlflow:aliases'];
  const flavors = p['mlflow:flavors'];
  const metrics = p['mlflow:metrics'];
  const out: MlflowVersionView = {
    aliases: Array.isArray(aliases) ? aliases.filter((a): a is string => typeof a === 'string') : [],
    recommended: p['mlflow:recommended'] === true,
    // Any object: the site reads whatever keys it has.
    metrics: typeof metrics === 'object' && metrics !== null ? (metrics as Record<string, unknown>) : {},
    params: obj('mlflow:params'),
    ...(Array.isArray(flavors) ? { flavors: flavors.filter(isRecord) } : {}),
  };
  const modelName = str('mlflow:model_name');
  const uri = str('mlflow:uri');
  const stage = str('mlflow:stage');
  const runName = str('mlflow:run_name');
  if (modelName !== undefined) out.modelName = modelName;
  if (uri !== undefined) out.uri = uri;
  if (stage !== undefined) out.stage = stage;
  if (runName !== undefined) out.runName = runName;
  return out;
}

/** One version of a `mlflow:models` summary as the site reads it. */
export interface VersionSummaryView {
  /** As written (a README may write the summary: anything can be there). */
  version: unknown;
  created: unknown;
  stage?: string;
  aliases: string[];
  /** Any object: the site reads whatever keys it has. */
  metrics: Record<string, unknown>;
}

/**
 * A project item's `mlflow:models` summary, read back typed (a README may write one): the entries
 * that are objects, each with its name when it is a string and its versions that are objects.
 */
export function mlflowModelsOf(p: Readonly<Record<string, unknown>>): Array<{ name?: string; versions: VersionSummaryView[] }> {
  const models = p['mlflow:models'];
  if (!Array.isArray(models)) return [];
  return models.filter(isRecord).map((m) => ({
    ...(typeof m.name === 'string' ? { name: m.name } : {}),
    versions: (Array.isArray(m.versions) ? m.versions.filter(isRecord) : []).map((v) => ({
      version: v.version,
      created: v.created,
      ...(typeof v.stage === 'string' ? { stage: v.stage } : {}),
      aliases: Array.isArray(v.aliases) ? v.aliases.filter((a): a is string => typeof a === 'string') : [],
      metrics: typeof v.metrics === 'object' && v.metrics !== null ? Object.fromEntries(Object.entries(v.metrics)) : {},
    })),
  }));
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
