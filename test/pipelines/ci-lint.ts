/**
 * Offline checks of GitLab CI files: GitLab's own CI JSON Schema (`schemas/vendor/gitlab-ci/ci.json`,
 * the schema of GitLab's pipeline editor) plus what the schema cannot see: `$[[ inputs.x ]]`
 * interpolation of components (done here as GitLab does it: a value that is exactly one input
 * keeps the input's type), inputs declared and used, and references between jobs.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv, { type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import YAML from 'yaml';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// `!reference [job, key]` stays a plain array of strings, as the schema expects.
const referenceTag = { tag: '!reference', collection: 'seq' as const, resolve: (seq: unknown) => seq as never };

let validator: ((doc: unknown) => boolean) & { errors?: ErrorObject[] | null } = undefined as never;

/** Validate one document against GitLab's CI schema; returns readable errors (empty when valid). */
export function schemaErrors(doc: unknown): string[] {
  if (!validator) {
    const schema = JSON.parse(readFileSync(path.resolve(repoRoot, 'schemas/vendor/gitlab-ci/ci.json'), 'utf8')) as object;
    // strict: false, because the schema uses the editor's `markdownDescription` keyword.
    const ajv = new Ajv.default({ strict: false, allErrors: true });
    addFormats.default(ajv);
    validator = ajv.compile(schema);
  }
  if (validator(doc)) return [];
  // Most specific paths first: one mistake inside a oneOf reports once per branch.
  return (validator.errors ?? [])
    .map((e) => `${e.instancePath || '/'} ${e.message ?? ''}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`)
    .sort((a, b) => b.split('/').length - a.split('/').length);
}

/** The documents of a YAML file (a component has a `spec:` header, `---`, then its jobs). */
export function parseDocs(text: string): unknown[] {
  const docs = YAML.parseAllDocuments(text, { customTags: [referenceTag] });
  return docs.map((d) => {
    if (d.errors.length > 0) throw new Error(d.errors.map((e) => e.message).join('\n'));
    return d.toJS() as unknown;
  });
}

export interface InputSpec {
  type?: 'string' | 'number' | 'boolean' | 'array';
  default?: unknown;
  options?: unknown[];
  description?: string;
  regex?: string;
}

export interface Component {
  file: string;
  inputs: Record<string, InputSpec>;
  header: unknown;
  body: Record<string, unknown>;
}

export function readComponent(file: string): Component {
  const docs = parseDocs(readFileSync(file, 'utf8'));
  if (docs.length !== 2) throw new Error(`${file}: expected a spec header and a body, found ${docs.length} document(s)`);
  const header = docs[0] as { spec?: { inputs?: Record<string, InputSpec> } };
  return { file, inputs: header.spec?.inputs ?? {}, header, body: docs[1] as Record<string, unknown> };
}

const WHOLE = /^\$\[\[\s*inputs\.([A-Za-z0-9_-]+)\s*\]\]$/;
const ANY = /\$\[\[\s*inputs\.([A-Za-z0-9_-]+)\s*\]\]/g;

/** Every input name a document refers to. */
export function referencedInputs(doc: unknown): Set<string> {
  const names = new Set<string>();
  const walk = (v: unknown): void => {
    if (typeof v === 'string') for (const m of v.matchAll(ANY)) names.add(m[1]!);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) (walk(k), walk(x));
  };
  walk(doc);
  return names;
}

/**
 * Interpolate a component body with the given inputs (defaults for the others), as GitLab does
 * before it reads the jobs. Throws for a missing mandatory input or a value of the wrong type.
 */
export function interpolate(c: Component, given: Record<string, unknown> = {}): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(c.inputs)) {
    const v = name in given ? given[name] : spec.default;
    if (v === undefined) throw new Error(`${c.file}: input ${name} is mandatory`);
    const type = spec.type ?? 'string';
    const ok = type === 'array' ? Array.isArray(v) : typeof v === type;
    if (!ok) throw new Error(`${c.file}: input ${name} must be a ${type}, got ${JSON.stringify(v)}`);
    if (spec.options && !spec.options.includes(v)) throw new Error(`${c.file}: input ${name} must be one of ${spec.options.join(', ')}`);
    values[name] = v;
  }
  for (const name of Object.keys(given)) if (!(name in c.inputs)) throw new Error(`${c.file}: unknown input ${name}`);
  const sub = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const whole = WHOLE.exec(v);
      if (whole) return values[whole[1]!];
      return v.replace(ANY, (_, n: string) => String(values[n]));
    }
    if (Array.isArray(v)) return v.map(sub);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [sub(k) as string, sub(x)]));
    return v;
  };
  return sub(c.body) as Record<string, unknown>;
}

const GLOBAL_KEYS = new Set(['spec', 'image', 'services', 'before_script', 'after_script', 'variables', 'cache', 'default', 'stages', 'include', 'workflow']);

/** Jobs of a pipeline document (hidden `.jobs` included). */
export function jobsOf(doc: Record<string, unknown>): Map<string, Record<string, unknown>> {
  return new Map(Object.entries(doc).filter(([k, v]) => !GLOBAL_KEYS.has(k) && v && typeof v === 'object') as Array<[string, Record<string, unknown>]>);
}

/** Cross references the schema does not check: stages, needs, extends and !reference targets. */
export function referenceErrors(doc: Record<string, unknown>): string[] {
  const errors: string[] = [];
  const jobs = jobsOf(doc);
  const stages = (doc.stages as string[] | undefined) ?? ['build', 'test', 'deploy'];
  const allStages = new Set(['.pre', ...stages, '.post']);
  const resolve = (name: string, key: string): unknown => {
    let job = jobs.get(name);
    const seen = new Set<string>();
    while (job) {
      if (key in job) return job[key];
      const parent = job.extends as string | undefined;
      if (!parent || seen.has(parent)) return undefined;
      seen.add(parent);
      job = jobs.get(parent);
    }
    return undefined;
  };
  for (const [name, job] of jobs) {
    const parents = ([] as string[]).concat((job.extends as string | string[] | undefined) ?? []);
    for (const p of parents) if (!jobs.has(p)) errors.push(`${name}: extends unknown job ${p}`);
    if (name.startsWith('.')) continue;
    const stage = (resolve(name, 'stage') as string | undefined) ?? 'test';
    if (!allStages.has(stage)) errors.push(`${name}: stage ${stage} is not in stages`);
    for (const n of (job.needs as Array<string | { job: string }> | undefined) ?? []) {
      const target = typeof n === 'string' ? n : n.job;
      if (!jobs.has(target)) errors.push(`${name}: needs unknown job ${target}`);
    }
    const script = resolve(name, 'script');
    if (!Array.isArray(script) && typeof script !== 'string') errors.push(`${name}: no script`);
  }
  const walk = (v: unknown, where: string): void => {
    if (Array.isArray(v)) {
      // A two-string array whose first element names a hidden job is a !reference.
      if (v.length === 2 && typeof v[0] === 'string' && v[0].startsWith('.') && typeof v[1] === 'string') {
        const target = jobs.get(v[0]);
        if (!target || !(v[1] in target)) errors.push(`${where}: !reference [${v[0]}, ${v[1]}] does not resolve`);
      } else v.forEach((x) => walk(x, where));
    } else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, `${where}.${k}`);
  };
  for (const [name, job] of jobs) walk(job, name);
  return errors;
}
