/**
 * `validate`: every schema problem of every STAC document (stac-node-validator, one batch) and
 * every link or asset href that does not resolve inside the catalog. Reports all problems, not
 * just the first.
 */
import { createRequire } from 'node:module';
import { isInternal } from '../stac/links.js';
import { cachedCompiles, processCompiledSchemas, type CompiledSchemas } from './compiled.js';

const require = createRequire(import.meta.url);
type Report = {
  valid: boolean | null;
  skipped: boolean;
  messages: string[];
  results: { core: AjvError[]; extensions: Record<string, AjvError[] | undefined>; custom: AjvError[] };
  children: Report[];
};
type AjvError = { instancePath?: string; message?: string; params?: Record<string, unknown> };
const stacValidate = require('stac-node-validator') as (data: unknown, config: Record<string, unknown>) => Promise<Report>;

/** Loads a schema by URL (from a local mirror, a cache, or the network). */
export type SchemaLoader = (uri: string) => Promise<unknown>;

export interface ValidationProblem {
  /** Output-relative path of the document. */
  path: string;
  /** `unavailable`: a schema could not be loaded, so the document could not be checked (not a fault of the document). */
  kind: 'schema' | 'link' | 'unavailable';
  message: string;
  /** Schema problems: JSON pointer of the offending value in the document ('' for the document). */
  pointer?: string;
  /**
   * Schema problems: the extension schema (URL) that reported it; absent for the core STAC schema.
   * `unavailable` problems: the schema that could not be loaded.
   */
  schema?: string;
}

/**
 * Schema-validate STAC documents (path -> JSON) in one batch. Compiled schemas are reused from
 * `compiled` (by default the process's) while the loader gives the same schemas.
 */
export async function validateSchemas(
  docs: ReadonlyMap<string, Record<string, unknown>>,
  loader: SchemaLoader,
  compiled: CompiledSchemas = processCompiledSchemas,
): Promise<ValidationProblem[]> {
  const entries = [...docs.entries()].filter(([, json]) => typeof json.stac_version === 'string');
  if (entries.length === 0) return [];
  const report = await stacValidate(
    entries.map(([, json]) => json),
    { loader, schemaMap: {}, verbose: true, customValidator: cachedCompiles(compiled, loader) },
  );
  // An array is always answered with one child report per document, in order, even for one document.
  const children = report.children;
  const problems: ValidationProblem[] = [];
  children.forEach((child, i) => {
    const path = entries[i]![0];
    const add = (prefix: string, errors: AjvError[] | undefined, schema?: string): void => {
      for (const e of dedupe(errors ?? [])) {
        // stac-node-validator reports a schema its loader could not give only in this message.
        const missing = /^Schema at '([^']+)' not found/.exec(e.message ?? '');
        if (missing) {
          problems.push({ path, kind: 'unavailable', message: `schema ${missing[1]} could not be loaded`, schema: missing[1]! });
          continue;
        }
        const where = e.instancePath ? `${e.instancePath} ` : '';
        const extra = e.params && 'allowedValues' in e.params ? ` (${(e.params.allowedValues as unknown[]).map(String).join(', ')})` : '';
        problems.push({ path, kind: 'schema', message: `${prefix}${where}${e.message ?? 'is invalid'}${extra}`, pointer: e.instancePath ?? '', ...(schema ? { schema } : {}) });
      }
    };
    add('', child.results.core);
    for (const [url, errors] of Object.entries(child.results.extensions)) add(`${extensionName(url)}: `, errors, url);
  });
  return problems;
}

function dedupe(errors: AjvError[]): AjvError[] {
  const seen = new Set<string>();
  // Ajv's if/then wrappers only repeat the precise error below them.
  return errors.filter((e) => {
    if (e.message === 'must match "then" schema' || e.message === 'must match "else" schema') return false;
    const key = `${e.instancePath}|${e.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function extensionName(url: string): string {
  const m = /stac-extensions\.github\.io\/([^/]+)\/(v[^/]+)\//.exec(url);
  return m ? `${m[1]} ${m[2]}` : url;
}

/**
 * Every link and asset href of every document that points inside the catalog must name a file of
 * it. Relative hrefs are resolved against the document; absolute ones under `baseUrl` too.
 */
export function checkLinks(docs: ReadonlyMap<string, Record<string, unknown>>, files: ReadonlySet<string>, baseUrl?: string): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  for (const [path, json] of docs) {
    const hrefs: Array<{ what: string; href: string }> = [];
    for (const l of (json.links as Array<{ rel?: string; href?: unknown }> | undefined) ?? []) {
      hrefs.push({ what: `link '${l.rel ?? '?'}'`, href: String(l.href ?? '') });
    }
    for (const [key, a] of Object.entries((json.assets as Record<string, { href?: unknown }> | undefined) ?? {})) {
      hrefs.push({ what: `asset '${key}'`, href: String(a.href ?? '') });
    }
    for (const { what, href } of hrefs) {
      if (href === '') {
        problems.push({ path, kind: 'link', message: `${what} has no href` });
        continue;
      }
      if (isInternal(href)) {
        problems.push({ path, kind: 'link', message: `${what}: unresolved internal reference ${href}` });
        continue;
      }
      let target: string | undefined;
      if (baseUrl && href.startsWith(baseUrl)) target = href.slice(baseUrl.length);
      else if (/^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith('//')) continue; // outside the catalog
      else target = resolvePath(path, href);
      if (target === undefined) {
        problems.push({ path, kind: 'link', message: `${what}: ${href} leaves the catalog folder` });
        continue;
      }
      const clean = target.split(/[?#]/)[0]!;
      if (!files.has(clean)) problems.push({ path, kind: 'link', message: `${what}: ${href} does not exist (${clean})` });
    }
  }
  return problems;
}

/** Resolve a relative href against the document path; undefined if it climbs above the root. */
export function resolvePath(fromDoc: string, href: string): string | undefined {
  const parts = fromDoc.split('/').slice(0, -1);
  for (const seg of href.split('/')) {
    if (seg === '.' || seg === '') continue;
    if (seg === '..') {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else parts.push(decodeSafe(seg));
  }
  return parts.join('/');
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
