/**
 * Request fields, read the way MLflow's handlers read them: JSON body for POST/PATCH/DELETE,
 * query string for GET (repeated keys, `x[]=` and `x[0]=` forms), unknown fields ignored, and
 * MLflow's messages for a missing or mistyped field (reference §1.7 "handler type checks").
 */
import { MlflowError, invalid } from './errors.js';
import { parseDouble } from './entities.js';

const SEE_DOCS = 'See the API docs for more information about request parameters.';

function pyType(v: unknown): string {
  if (v === null) return 'NoneType';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'string') return 'str';
  return 'dict';
}

function pyRepr(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (v === null) return 'None';
  return JSON.stringify(v);
}

export function invalidValue(name: string, v: unknown): Error {
  return invalid(`Invalid value ${pyRepr(v)} for parameter '${name}' supplied. Hint: Value was of type '${pyType(v)}'. ${SEE_DOCS}`);
}

export function missingValue(name: string): Error {
  return invalid(`Missing value for required parameter '${name}'. ${SEE_DOCS}`);
}

/** Parse a query string into fields (repeated keys become arrays). */
export function parseQuery(query: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  if (query === '') return out;
  for (const [rawKey, value] of new URLSearchParams(query)) {
    const key = rawKey.replace(/\[\d*\]$/, '');
    const old = out[key];
    if (old === undefined) out[key] = rawKey === key ? value : [value];
    else if (Array.isArray(old)) old.push(value);
    else out[key] = [old, value];
  }
  return out;
}

/** Typed access to the fields of one request. */
export class Fields {
  constructor(
    readonly data: Record<string, unknown>,
    /** Fields came from a query string: every value is a string. */
    readonly fromQuery: boolean,
  ) {}

  private raw(name: string): unknown {
    const v = this.data[name];
    if (this.fromQuery && Array.isArray(v)) return v[0];
    return v;
  }

  has(name: string): boolean {
    const v = this.data[name];
    return v !== undefined && v !== null;
  }

  /** An optional string field. */
  string(name: string): string | undefined {
    const v = this.raw(name);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw invalidValue(name, v);
    return v;
  }

  /** A required, non-empty string field. */
  requiredString(name: string, ...aliases: string[]): string {
    for (const n of [name, ...aliases]) {
      const v = this.string(n);
      if (v !== undefined && v !== '') return v;
    }
    throw missingValue(name);
  }

  /** An optional int64 field (number, or digits as protobuf JSON allows). */
  int(name: string): number | undefined {
    const v = this.raw(name);
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
    if (typeof v === 'string' && /^-?\d{1,16}$/.test(v.trim())) return Number(v.trim());
    throw invalidValue(name, v);
  }

  requiredInt(name: string): number {
    const v = this.int(name);
    if (v === undefined) throw missingValue(name);
    return v;
  }

  /** A double field: numbers, numeric strings, "NaN", "Infinity", "-Infinity". */
  requiredDouble(name: string): number {
    const v = this.raw(name);
    if (v === undefined || v === null) throw missingValue(name);
    const d = parseDouble(v);
    if (d === undefined) throw invalidValue(name, v);
    return d;
  }

  bool(name: string): boolean | undefined {
    const v = this.raw(name);
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'boolean') return v;
    if (v === 'true' || v === 'True') return true;
    if (v === 'false' || v === 'False') return false;
    throw invalidValue(name, v);
  }

  /** A repeated string field. */
  stringList(name: string): string[] {
    const v = this.data[name];
    if (v === undefined || v === null) return [];
    if (typeof v === 'string') return [v];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw invalidValue(name, v);
    return v as string[];
  }

  /** A repeated message field (JSON only). */
  objectList(name: string): Record<string, unknown>[] {
    const v = this.data[name];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || v.some((x) => x === null || typeof x !== 'object' || Array.isArray(x))) throw invalidValue(name, v);
    return v as Record<string, unknown>[];
  }

  /** `tags: [{key, value}]` (value may be empty, key may not). */
  keyValues(name: string): { key: string; value: string }[] {
    return this.objectList(name).map((o) => {
      const f = new Fields(o, false);
      return { key: f.requiredString('key'), value: f.string('value') ?? '' };
    });
  }

  /** `max_results` with a default and MLflow's upper bound. */
  maxResults(def: number, max: number): number {
    const n = this.int('max_results');
    if (n === undefined) return def;
    if (n < 1 || n > max) {
      throw invalid(`Invalid value ${n} for parameter 'max_results' supplied. It must be at most ${max}${n < 1 ? ' and at least 1' : ''}.`);
    }
    return n;
  }
}

/**
 * Deepest nesting of arrays and objects accepted in a JSON body: protobuf's JSON parser, through
 * which MLflow reads every request (`json_format.ParseDict`, `max_recursion_depth=100`), stops at
 * the same depth. No MLflow request nests deeper than a handful of levels.
 */
export const MAX_JSON_DEPTH = 100;

/**
 * The JSON object of a request body; 400 `MALFORMED_REQUEST` when it is not JSON, not an object,
 * or nested deeper than {@link MAX_JSON_DEPTH} (checked by one pass over the text, before parsing,
 * so no later step ever recurses over an attacker's depth).
 */
export function parseJsonBody(body: Buffer): Record<string, unknown> {
  const text = body.toString('utf8');
  if (jsonDepth(text) > MAX_JSON_DEPTH) {
    throw new MlflowError('MALFORMED_REQUEST', `Malformed request body: nested deeper than ${MAX_JSON_DEPTH} levels.`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
    // Old clients double-encode the body as a JSON string (reference §1.1).
    if (typeof data === 'string') {
      if (jsonDepth(data) > MAX_JSON_DEPTH) {
        throw new MlflowError('MALFORMED_REQUEST', `Malformed request body: nested deeper than ${MAX_JSON_DEPTH} levels.`);
      }
      data = JSON.parse(data);
    }
  } catch (err) {
    if (err instanceof MlflowError) throw err;
    throw new MlflowError('MALFORMED_REQUEST', 'Malformed request body: not valid JSON.');
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new MlflowError('MALFORMED_REQUEST', 'Malformed request body: expected a JSON object.');
  }
  return data as Record<string, unknown>;
}

/** Deepest `[`/`{` nesting of a JSON text, strings skipped (invalid JSON is left to JSON.parse). */
function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) max = depth;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}
