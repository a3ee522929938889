/**
 * README front matter: the YAML between `---` lines at the top of README.md (SharingHub's metadata
 * contract, reference/sharinghub.md §2). Unlike SharingHub, a YAML error is reported with its line,
 * never turned into silent empty metadata.
 */
import matter from 'gray-matter';
import type { AssetRule, Diagnostic } from '../types.js';
import { checkSchema } from '../schemas.js';
import { parseYaml, pointerSegments } from '../yaml.js';

/** An organisation that made, hosts or processed the project (STAC's provider object). */
export interface Provider {
  name: string;
  description?: string;
  roles?: string[];
  url?: string;
}

/** A `links:` entry with a usable href; its other fields stay as written. */
export type FrontMatterLink = Record<string, unknown> & { href: string; rel?: string; title?: string };

/**
 * The front matter, typed after `schemas/front-matter.schema.json` (SharingHub's metadata contract).
 * Only values the schema accepts are here. A list element the schema rejected is a hole
 * (`undefined`), so the others keep their index (and so their line in the README).
 */
export interface FrontMatter {
  title?: string;
  preview?: string;
  license?: string;
  'license-url'?: string;
  extent?: {
    /** A bbox (an element the schema rejected is a hole) or a WKT string. */
    spatial?: Array<number | undefined> | string;
    /** `[start, end]`; null is open, a hole was rejected. */
    temporal?: Array<string | null | undefined>;
  };
  /** Providers with a name; other fields as written. */
  providers?: Provider[];
  /** `<category id>: URL or URLs`, or a list of `<category id>+URL` / URLs. */
  related?: Record<string, string | Array<string | undefined>> | Array<string | undefined>;
  links?: Array<FrontMatterLink | undefined>;
  assets?: Array<AssetRule | undefined>;
  /** Extension prefix -> schema URL. */
  extensions?: Record<string, string>;
  sharinghub?: Record<string, unknown>;
  /** `models` without the names the schema rejected; other keys as written. */
  mlflow?: { models?: string[]; [key: string]: unknown };
  /** Every other key, in README order (extension blocks, `prefix:field` keys, keys copied as written). */
  rest: Record<string, unknown>;
}

export interface ParsedReadme {
  /** Front-matter keys (empty when there is none or it is unusable). */
  data: Record<string, unknown>;
  /** The same front matter, typed. */
  frontMatter: FrontMatter;
  /** Markdown body, front matter removed. */
  body: string;
  /** True when the README starts with a front-matter block. */
  hasFrontMatter: boolean;
  /** 1-based line in the README of a front-matter key path, for problems found later. */
  lineOf(path: ReadonlyArray<string | number>): number | undefined;
  diagnostics: Diagnostic[];
}

// gray-matter only splits the file: parsing is ours, so positions survive.
const splitOnly = { engines: { yaml: { parse: (): object => ({}) } } };

/** Split and parse a README (pure). `file` names it in diagnostics. */
export function parseReadme(text: string, file: string): ParsedReadme {
  const diagnostics: Diagnostic[] = [];
  const normalized = text.replace(/^\uFEFF/, '');
  const split = matter(normalized, splitOnly) as unknown as { matter?: string; content: string };
  const hasFrontMatter = /^---[ \t]*\r?\n/.test(normalized) && split.matter !== undefined;
  if (!hasFrontMatter) {
    return { data: {}, frontMatter: { rest: {} }, body: normalized, hasFrontMatter: false, lineOf: () => undefined, diagnostics };
  }
  // `matter` starts right after the opening `---`, so its line N is the README's line N.
  const parsed = parseYaml(split.matter ?? '');
  if (parsed.errors.length > 0) {
    for (const e of parsed.errors) {
      diagnostics.push({
        level: 'error',
        code: 'front-matter/yaml',
        message: `front matter is not valid YAML: ${e.message}`,
        file,
        ...(e.line !== undefined ? { line: e.line } : {}),
      });
    }
    return { data: {}, frontMatter: { rest: {} }, body: split.content, hasFrontMatter: true, lineOf: () => undefined, diagnostics };
  }
  const value = parsed.value;
  if (value === undefined || value === null) {
    return { data: {}, frontMatter: { rest: {} }, body: split.content, hasFrontMatter: true, lineOf: parsed.lineOf, diagnostics };
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    diagnostics.push({
      level: 'error',
      code: 'front-matter/not-a-mapping',
      message: 'front matter must be a mapping of keys to values',
      file,
      line: 2,
    });
    return { data: {}, frontMatter: { rest: {} }, body: split.content, hasFrontMatter: true, lineOf: parsed.lineOf, diagnostics };
  }
  // A `type` problem of a value that also has a problem inside it comes from the other branch of a
  // oneOf (`assets: [{glob: 5}]` is "not a string" too): the inner problem is the one to report and drop.
  const all = checkSchema('front-matter', value);
  const problems = all.filter((p) => !(p.keyword === 'type' && all.some((q) => q.pointer.startsWith(`${p.pointer}/`))));
  for (const p of problems) {
    const segments = pointerSegments(p.pointer);
    const line = parsed.lineOf(segments);
    diagnostics.push({
      level: 'error',
      code: 'front-matter/schema',
      message: `${segments.length > 0 ? segments.join('.') : 'front matter'}: ${p.message}${segments.length > 0 ? '; the value is ignored' : ''}`,
      file,
      ...(line !== undefined ? { line } : {}),
    });
  }
  // A value the schema rejects is never used: every later stage sees the front matter without it.
  const data = withoutPointers(value, problems.map((p) => pointerSegments(p.pointer))) as Record<string, unknown>;
  return { data, frontMatter: toFrontMatter(data), body: split.content, hasFrontMatter: true, lineOf: parsed.lineOf, diagnostics };
}

/** Keys of the front matter with a dedicated meaning; every other key goes to `rest`. */
const DEDICATED = new Set(['title', 'preview', 'license', 'license-url', 'extent', 'providers', 'related', 'links', 'assets', 'extensions', 'sharinghub', 'mlflow']);

/**
 * The schema-checked front matter as a `FrontMatter` (pure). The schema already dropped what it
 * rejects; this only narrows the types and turns what no reader can use into holes.
 */
export function toFrontMatter(data: Record<string, unknown>): FrontMatter {
  const fm: FrontMatter = { rest: {} };
  for (const [key, value] of Object.entries(data)) if (!DEDICATED.has(key)) setOwn(fm.rest, key, value);
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  for (const key of ['title', 'preview', 'license', 'license-url'] as const) {
    const value = str(data[key]);
    if (value !== undefined) fm[key] = value;
  }
  if (isObject(data.extent)) {
    const { spatial, temporal } = data.extent;
    fm.extent = {};
    if (typeof spatial === 'string') fm.extent.spatial = spatial;
    else if (Array.isArray(spatial)) fm.extent.spatial = spatial.map((n) => (typeof n === 'number' ? n : undefined));
    if (Array.isArray(temporal)) fm.extent.temporal = temporal.map((t) => (typeof t === 'string' || t === null ? t : undefined));
  }
  if (Array.isArray(data.providers)) {
    fm.providers = data.providers
      .filter((p): p is Provider => isObject(p) && typeof p.name === 'string')
      .map((p) => (Array.isArray(p.roles) ? { ...p, roles: p.roles.filter((r): r is string => typeof r === 'string') } : p));
  }
  if (Array.isArray(data.related)) fm.related = data.related.map(str);
  else if (isObject(data.related)) {
    const related: Record<string, string | Array<string | undefined>> = {};
    for (const [category, v] of Object.entries(data.related)) {
      if (typeof v === 'string') setOwn(related, category, v);
      else if (Array.isArray(v)) setOwn(related, category, v.map(str));
    }
    fm.related = related;
  }
  if (Array.isArray(data.links)) fm.links = data.links.map((l) => (isObject(l) && typeof l.href === 'string' ? (l as FrontMatterLink) : undefined));
  if (Array.isArray(data.assets)) fm.assets = data.assets.map((r) => (typeof r === 'string' || isObject(r) ? (r as AssetRule) : undefined));
  if (isObject(data.extensions)) {
    const extensions: Record<string, string> = {};
    for (const [prefix, url] of Object.entries(data.extensions)) if (typeof url === 'string') setOwn(extensions, prefix, url);
    fm.extensions = extensions;
  }
  if (isObject(data.sharinghub)) fm.sharinghub = data.sharinghub;
  if (isObject(data.mlflow)) {
    // Other keys stay: the MLflow reader names each one it does not know.
    const mlflow: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(data.mlflow)) setOwn(mlflow, k, k === 'models' && Array.isArray(v) ? v.filter((m): m is string => typeof m === 'string') : v);
    fm.mlflow = mlflow;
  }
  return fm;
}

/**
 * The README front-matter key that lists a project's registered models (the fourth linking rule):
 *
 * ```yaml
 * mlflow:
 *   models: ["wine-classifier", "wine-classifier-onnx"]
 * ```
 *
 * A top-level `mlflow:` block, beside SharingHub's own keys: SharingHub copies unknown keys into
 * the item properties, so a README written for stachub still publishes there. The metadata stage
 * consumes the key (it is not copied into properties); the MLflow join links the names.
 */
export function parseMlflowFrontMatter(value: unknown): { models: string[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const bad = (message: string): { models: string[]; diagnostics: Diagnostic[] } => {
    diagnostics.push({ level: 'warning', code: 'front-matter/mlflow', message });
    return { models: [], diagnostics };
  };
  if (value === undefined || value === null) return { models: [], diagnostics };
  if (!isObject(value)) return bad('mlflow must be a mapping, e.g. mlflow: { models: [name, ...] }');
  const raw = value['models'];
  if (raw === undefined || raw === null) return { models: [], diagnostics };
  const list = typeof raw === 'string' ? [raw] : raw;
  if (!Array.isArray(list)) return bad('mlflow.models must be a list of registered model names');
  const models: string[] = [];
  for (const [i, m] of list.entries()) {
    if (typeof m === 'string' && m.trim() !== '') {
      if (!models.includes(m.trim())) models.push(m.trim());
    } else {
      diagnostics.push({ level: 'warning', code: 'front-matter/mlflow', message: `mlflow.models[${i}] is not a model name` });
    }
  }
  for (const key of Object.keys(value)) {
    if (key !== 'models') diagnostics.push({ level: 'warning', code: 'front-matter/mlflow', message: `mlflow.${key} is not a known key (known: models)` });
  }
  return { models, diagnostics };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Set a key as an own property (`__proto__` included), never through a setter of the prototype. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * A copy of `value` without the values at `paths` (JSON-pointer segments). A removed list element
 * leaves a hole (`undefined`), so the other elements keep their index and their line. Keys are
 * copied as own properties, so `__proto__` stays a plain key. The copy also undoes YAML aliases
 * (each place gets its own value).
 */
export function withoutPointers(value: unknown, paths: ReadonlyArray<readonly string[]>): unknown {
  const drop = new Set(paths.filter((p) => p.length > 0).map((p) => JSON.stringify(p)));
  const copy = (v: unknown, at: string[]): unknown => {
    if (Array.isArray(v)) return v.map((x, i) => (drop.has(JSON.stringify([...at, String(i)])) ? undefined : copy(x, [...at, String(i)])));
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        if (drop.has(JSON.stringify([...at, k]))) continue;
        Object.defineProperty(out, k, { value: copy(x, [...at, k]), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    return v;
  };
  return copy(value, []);
}
