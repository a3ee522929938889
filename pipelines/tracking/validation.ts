/**
 * MLflow's server-side validation rules (reference/mlflow.md §1.7, `mlflow/utils/validation.py`),
 * with MLflow's messages where clients or users may read them.
 */
import { invalid } from './errors.js';

export const LIMITS = {
  batchMetrics: 1000,
  batchParams: 100,
  batchTags: 100,
  batchTotal: 1000,
  /**
   * `MAX_BATCH_LOG_REQUEST_SIZE` (1e6). MLflow compares it with `len()` of the parsed JSON body
   * (handlers.py `_log_batch` passes `_get_request_json()`, a dict, to
   * `_validate_batch_log_api_req`), so it counts top-level fields, not bytes.
   */
  batchRequestSize: 1_000_000,
  keyLength: 250,
  paramValue: 6000,
  runTagValue: 8000,
  experimentTagValue: 5000,
  registryTagValue: 5000,
  experimentName: 500,
  searchRuns: 50000,
  searchExperiments: 50000,
  searchRegisteredModels: 1000,
  searchModelVersions: 200000,
  searchLoggedModels: 50000,
  alias: 255,
} as const;

/**
 * Metric, param and tag names: `validate_param_and_metric_name` of MLflow 2.16+ (PR #12943), the
 * non-Windows rule, which also admits `:`.
 */
const KEY_RE = /^[/\w.\- :]*$/;
const BAD_CHARACTERS = 'Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).';

/** posixpath.normpath, enough to tell whether a key would name another path. */
function normpath(p: string): string {
  if (p === '') return '.';
  const abs = p.startsWith('/');
  const parts: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..' && parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop();
    else if (seg === '..' && abs) continue;
    else parts.push(seg);
  }
  const out = (abs ? '/' : '') + parts.join('/');
  return out === '' ? '.' : out;
}

/** Keys already found valid: the same few keys arrive on every log-metric call. Bounded. */
const validKeys = new Set<string>();

/** A metric/param/tag key: MLflow's character set, length and "is a clean relative path" rules. */
export function validateKey(kind: 'metric' | 'param' | 'tag', key: string): void {
  if (validKeys.has(key)) return;
  checkKey(kind, key);
  if (validKeys.size >= 10_000) validKeys.clear();
  validKeys.add(key);
}

function checkKey(kind: 'metric' | 'param' | 'tag', key: string): void {
  // MLflow's `invalid_value(path, name, message)`: the name JSON-encoded; metrics call the field `name`.
  const field = kind === 'metric' ? 'name' : 'key';
  if (!KEY_RE.test(key)) {
    throw invalid(`Invalid value ${JSON.stringify(key)} for parameter '${field}' supplied: ${BAD_CHARACTERS}`);
  }
  const norm = normpath(key);
  if (norm !== key || norm === '.' || norm.startsWith('..') || norm.startsWith('/')) {
    throw invalid(
      `Invalid value ${JSON.stringify(key)} for parameter '${field}' supplied: Names may be treated as files in certain cases, and must not resolve to other names when treated as such. This name would resolve to '${norm}'`,
    );
  }
  if (key.length > LIMITS.keyLength) {
    throw invalid(`${capitalize(kind)} name '${key.slice(0, 50)}...' had length ${key.length}, which exceeded length limit of ${LIMITS.keyLength}`);
  }
}

/**
 * A value length limit (`_validate_length_limit`). Only run params and run tags are truncated
 * (`_validate_param` / `_validate_tag` pass `truncate=True`, MLFLOW_TRUNCATE_LONG_VALUES);
 * experiment, registered model and model version tags are refused (`_validate_experiment_tag`,
 * `_validate_registered_model_tag`, `_validate_model_version_tag`).
 */
export function limitValue(what: string, value: string, limit: number, truncate: boolean): string {
  if (value.length <= limit) return value;
  if (truncate) return value.slice(0, limit);
  throw invalid(`'${what}' exceeds the maximum length of ${limit} characters`);
}

/** `_validate_metric`: a timestamp must be a nonnegative long. */
export function validateTimestamp(key: string, value: number, timestamp: number, field = 'timestamp'): void {
  if (timestamp < 0) {
    throw invalid(
      `Invalid value ${timestamp} for parameter '${field}' supplied: metric '${key}' (value=${Number.isInteger(value) ? value.toFixed(1) : String(value)}). Timestamp must be a nonnegative long (64-bit integer) `,
    );
  }
}

export function validateExperimentName(name: string): void {
  if (name === '') throw invalid('Invalid experiment name: \'\'');
  if (name.length > LIMITS.experimentName) {
    throw invalid(`Experiment name exceeds the maximum length of ${LIMITS.experimentName} characters`);
  }
}

const ALIAS_RE = /^[\w-]*$/;

/** Registered model alias rules: `^[\w\-]*$`, at most 255 characters, not `latest`, not `v<digits>`. */
export function validateAlias(alias: string): void {
  if (!ALIAS_RE.test(alias) || alias === '') {
    throw invalid(`Invalid alias name: '${alias}'. Names may only contain alphanumerics, underscores (_), and dashes (-).`);
  }
  if (alias.length > LIMITS.alias) throw invalid(`Alias name '${alias}' exceeds the maximum length of ${LIMITS.alias}`);
  if (alias.toLowerCase() === 'latest') throw invalid(`'${alias}' alias name (case insensitive) is reserved.`);
  if (/^v\d+$/i.test(alias)) throw invalid(`Version alias name '${alias}' is reserved.`);
}

/** A registered model name: non-empty. */
export function validateModelName(name: string): void {
  if (name === '') throw invalid('Registered model name cannot be empty.');
}

/**
 * True when a path (artifact path, model version source) tries to leave its root: `..` segments,
 * absolute paths, NUL bytes, Windows drive letters, backslashes, also after percent-decoding
 * (repeatedly, so `%252e%252e` is caught as well).
 */
export function isUnsafePath(p: string): boolean {
  let cur = p;
  for (let i = 0; i < 4; i++) {
    if (cur.includes('\0') || cur.includes('\\')) return true;
    if (cur.startsWith('/') || /^[a-zA-Z]:/.test(cur)) return true;
    if (cur.split('/').some((s) => s === '..')) return true;
    let next: string;
    try {
      next = decodeURIComponent(cur);
    } catch {
      return true;
    }
    if (next === cur) return false;
    cur = next;
  }
  return true;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
