/**
 * Reading the `MLmodel` file (MLflow `mlflow/models/model.py`; reference/mlflow.md §2.1) and the
 * small conversions every registry reader shares. Pure: text in, data out.
 */
import { parse } from 'yaml';
import type { Flavor, MetricValue } from './types.js';
import { mediaTypeOf as sharedMediaTypeOf } from '../media-types.js';

/** What the catalog needs from an `MLmodel` file. */
export interface MlmodelInfo {
  /** 2.x: run-relative (`model`); 3.x: the full artifact URI of the logged model. */
  artifactPath?: string;
  runId?: string;
  /** 3.x logged-model id. */
  modelId?: string;
  mlflowVersion?: string;
  /** `model_size_bytes`, when written (the whole model folder, not one file). */
  modelSizeBytes?: number;
  flavors: Flavor[];
  /** The file a consumer downloads, relative to the model root (see `modelFileOf`). */
  modelFile?: string;
}

/** Flavor fields that name the framework version, by flavor (`onnx_version`, `sklearn_version`...). */
function flavorVersion(name: string, body: Record<string, unknown>): string | undefined {
  const own = str(body[`${name}_version`]);
  if (own) return own;
  // A few flavors name the field after the library rather than the flavor.
  for (const [k, v] of Object.entries(body)) {
    if (k.endsWith('_version') && k !== 'python_version' && k !== 'mlflow_version') {
      const s = str(v);
      if (s) return s;
    }
  }
  return undefined;
}

/** Flavor fields that name the loaded file or folder, most specific first. */
const DATA_KEYS = ['data', 'model_path', 'pickled_model', 'model_data', 'model_file', 'saved_model_dir'];

function flavorsOf(raw: unknown): Flavor[] {
  if (!isRecord(raw)) return [];
  const out: Flavor[] = [];
  for (const [name, value] of Object.entries(raw)) {
    const body = isRecord(value) ? value : {};
    const flavor: Flavor = { name };
    const version = name === 'python_function' ? undefined : flavorVersion(name, body);
    if (version) flavor.version = version;
    const loader = str(body['loader_module']);
    if (loader) flavor.loaderModule = loader;
    for (const key of DATA_KEYS) {
      const d = str(body[key]);
      if (d) {
        flavor.data = d;
        break;
      }
    }
    out.push(flavor);
  }
  return out;
}

/**
 * The file a consumer downloads: the ONNX flavor's file when there is one (the catalog's preferred
 * format), else what `python_function` loads (`model_path` or `data`, as SharingHub does), else the
 * first flavor that names a file.
 */
export function modelFileOf(flavors: Flavor[]): string | undefined {
  const byName = new Map(flavors.map((f) => [f.name, f]));
  const candidates = [byName.get('onnx'), byName.get('python_function'), ...flavors];
  for (const f of candidates) {
    if (f?.data && isSafeRelative(f.data)) {
      const path = f.data.replace(/\/+$/, '');
      // mlflow.pytorch saves the model as `<model_data>/model.pth`: link that file, not the folder.
      const pytorchDir = byName.get('pytorch')?.data?.replace(/\/+$/, '');
      return pytorchDir === path && !/\.[A-Za-z0-9]+$/.test(path) ? `${path}/model.pth` : path;
    }
  }
  return undefined;
}

/** The main framework: the first flavor other than `python_function`, else the pyfunc loader module. */
export function frameworkOf(flavors: Flavor[]): { name: string; version?: string } | undefined {
  const main = flavors.find((f) => f.name !== 'python_function');
  if (main) return main.version ? { name: main.name, version: main.version } : { name: main.name };
  const loader = flavors.find((f) => f.loaderModule)?.loaderModule;
  return loader ? { name: loader.replace(/^mlflow\./, '') } : undefined;
}

/**
 * Parse an `MLmodel` file. Every scalar is read as a string (YAML failsafe schema) so version
 * numbers such as `3.10` keep their digits. Returns `undefined` when the text is not a YAML mapping.
 */
export function parseMlmodel(text: string): MlmodelInfo | undefined {
  let doc: unknown;
  try {
    doc = parse(text, { schema: 'failsafe' });
  } catch {
    return undefined;
  }
  if (!isRecord(doc)) return undefined;
  return mlmodelFromObject(doc);
}

/** The same from an already parsed object (an `mlflow.log-model.history` entry, a JSON MLmodel). */
export function mlmodelFromObject(doc: Record<string, unknown>): MlmodelInfo {
  const flavors = flavorsOf(doc['flavors']);
  const info: MlmodelInfo = { flavors };
  const artifactPath = str(doc['artifact_path']);
  if (artifactPath) info.artifactPath = artifactPath;
  const runId = str(doc['run_id']);
  if (runId) info.runId = runId;
  const modelId = str(doc['model_id']);
  if (modelId) info.modelId = modelId;
  const mv = str(doc['mlflow_version']);
  if (mv) info.mlflowVersion = mv;
  const size = Number(str(doc['model_size_bytes']));
  if (Number.isSafeInteger(size) && size >= 0 && str(doc['model_size_bytes'])) info.modelSizeBytes = size;
  const file = modelFileOf(flavors);
  if (file) info.modelFile = file;
  return info;
}

/**
 * The entry of a run's `mlflow.log-model.history` tag (2.x) for the model at `artifactPath`
 * (or the only entry when no path is given). A fallback when the `MLmodel` file cannot be read.
 */
export function fromLogModelHistory(tagValue: string | undefined, artifactPath?: string): MlmodelInfo | undefined {
  if (!tagValue) return undefined;
  let list: unknown;
  try {
    list = JSON.parse(tagValue);
  } catch {
    return undefined;
  }
  if (!Array.isArray(list)) return undefined;
  const entries = list.filter(isRecord);
  const match =
    artifactPath === undefined
      ? entries.length === 1
        ? entries[0]
        : undefined
      : entries.find((e) => str(e['artifact_path']) === artifactPath);
  return match ? mlmodelFromObject(match) : undefined;
}

/** Media type of a model file (reference/stac.md §2.4: MLM's `application/octet-stream; framework=...`). */
export function mediaTypeOf(fileName: string, framework?: string): string {
  const known = sharedMediaTypeOf(fileName);
  if (known && (known.startsWith('application/octet-stream') || known === 'application/json')) return known;
  if (framework && /^[a-z0-9_-]+$/i.test(framework) && framework !== 'python_function') {
    return `application/octet-stream; framework=${framework}`;
  }
  return 'application/octet-stream';
}

/** Milliseconds since the epoch (number or decimal string) to ISO 8601, or undefined. */
export function isoFromMillis(value: unknown): string | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(n) || n <= 0) return undefined;
  const d = new Date(n);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** A metric value as MLflow's JSON carries it (numbers, or the strings `NaN`, `Infinity`, `-Infinity`). */
export function metricValue(value: unknown): MetricValue | undefined {
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    if (value === Infinity) return 'Infinity';
    if (value === -Infinity) return '-Infinity';
    return value;
  }
  if (value === 'NaN' || value === 'Infinity' || value === '-Infinity') return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

/** MLflow's "latest value" order for metric entries: max by (step, timestamp, value). */
export function latestEntry<T extends { value: unknown; step?: unknown; timestamp?: unknown }>(entries: T[]): T | undefined {
  let best: T | undefined;
  const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v ?? 0) || 0);
  const val = (v: unknown): number => {
    const m = metricValue(v);
    return typeof m === 'number' ? m : m === 'Infinity' ? Infinity : m === '-Infinity' ? -Infinity : NaN;
  };
  for (const e of entries) {
    if (!best) {
      best = e;
      continue;
    }
    const ds = num(e.step) - num(best.step);
    const dt = num(e.timestamp) - num(best.timestamp);
    if (ds > 0 || (ds === 0 && dt > 0) || (ds === 0 && dt === 0 && val(e.value) > val(best.value))) best = e;
  }
  return best;
}

/** Tag list (`[{key, value}]`, REST) or dict (export-import) to a plain record. */
export function tagsToRecord(tags: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(tags)) {
    for (const t of tags) {
      if (isRecord(t) && typeof t['key'] === 'string') out[t['key']] = String(t['value'] ?? '');
    }
  } else if (isRecord(tags)) {
    for (const [k, v] of Object.entries(tags)) out[k] = v === null || v === undefined ? '' : String(v);
  }
  return out;
}

/** A relative POSIX path that stays inside its root (no `..`, not absolute, no backslash). */
export function isSafeRelative(p: string): boolean {
  if (p === '' || p.startsWith('/') || p.includes('\\') || p.includes('\0')) return false;
  return p.split('/').every((seg) => seg !== '..');
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A non-empty string, treating YAML's `null`/`~` (read as strings by the failsafe schema) as absent. */
export function str(v: unknown): string | undefined {
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v !== 'string') return undefined;
  const s = v.trim();
  if (s === '' || s === 'null' || s === '~') return undefined;
  return s;
}
