/**
 * Our own JSON Schemas (schemas/*.json): the configuration file and the README front matter.
 * One Ajv instance, compiled once, reporting every problem (allErrors).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** The repository root (works from generator/ sources and from dist/generator/). */
export const packageRoot: string = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'stachub') return dir;
    } catch {
      // keep walking up
    }
    dir = path.dirname(dir);
  }
  throw new Error('stachub: cannot locate the package root (package.json)');
})();

let ajv: Ajv | undefined;
const compiled = new Map<string, ValidateFunction>();

function instance(): Ajv {
  if (!ajv) {
    ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    for (const name of ['front-matter', 'site', 'config']) {
      try {
        ajv.addSchema(JSON.parse(readFileSync(path.join(packageRoot, 'schemas', `${name}.schema.json`), 'utf8')));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
  }
  return ajv;
}

/** A schema problem: JSON pointer of the offending value and a sentence. */
export interface SchemaProblem {
  pointer: string;
  message: string;
  /** The JSON Schema keyword that failed (`type`, `required`, `enum`...). */
  keyword?: string;
}

/** Validate `value` against `schemas/<name>.schema.json` (optionally a sub-definition). */
export function checkSchema(name: 'config' | 'front-matter', value: unknown, fragment = ''): SchemaProblem[] {
  const id = `https://stachub.dev/schemas/${name}.schema.json${fragment}`;
  let validate = compiled.get(id);
  if (!validate) {
    validate = instance().getSchema(id);
    if (!validate) throw new Error(`stachub: schema ${id} is missing`);
    compiled.set(id, validate);
  }
  if (validate(value)) return [];
  return simplify(validate.errors ?? []);
}

/**
 * Ajv reports every branch of a oneOf/anyOf; keep the errors a person can act on:
 * drop the combinator summaries when a more precise error exists at the same place.
 */
function simplify(errors: ErrorObject[]): SchemaProblem[] {
  const out: SchemaProblem[] = [];
  const seen = new Set<string>();
  const precise = new Set(errors.filter((e) => !['oneOf', 'anyOf', 'if', 'not'].includes(e.keyword)).map((e) => e.instancePath));
  for (const e of errors) {
    if (['oneOf', 'anyOf'].includes(e.keyword) && precise.has(e.instancePath)) continue;
    let message = e.message ?? 'is invalid';
    if (e.keyword === 'additionalProperties') message = `unknown key '${String(e.params.additionalProperty)}'`;
    else if (e.keyword === 'required') message = `missing required key '${String(e.params.missingProperty)}'`;
    else if (e.keyword === 'enum') message = `must be one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    else if (e.keyword === 'not' && e.instancePath.endsWith('source')) message = 'must set either workspace or gitlab, not both';
    else if (e.keyword === 'not' && e.instancePath.endsWith('mlflow')) message = 'must set either url or export, not both';
    else if (e.keyword === 'pattern' && String(e.params.pattern).startsWith('^https?://')) message = 'must be an http(s) URL';
    else if (e.keyword === 'format' && ['uri', 'iri'].includes(String(e.params.format))) message = 'must be a URL';
    // One value problem per place is enough ("must be an http(s) URL" says what "format" would);
    // missing and unknown keys are separate problems, each named.
    const perKey = e.keyword === 'required' || e.keyword === 'additionalProperties';
    const key = perKey ? `${e.instancePath} ${message}` : e.instancePath;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ pointer: e.instancePath, message, keyword: e.keyword });
  }
  return out;
}
