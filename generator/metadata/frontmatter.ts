/**
 * README front matter: the YAML between `---` lines at the top of README.md (SharingHub's metadata
 * contract, reference/sharinghub.md §2). Unlike SharingHub, a YAML error is reported with its line,
 * never turned into silent empty metadata.
 */
import matter from 'gray-matter';
import type { Diagnostic } from '../types.js';
import { checkSchema } from '../schemas.js';
import { parseYaml, pointerSegments } from '../yaml.js';

export interface ParsedReadme {
  /** Front-matter keys (empty when there is none or it is unusable). */
  data: Record<string, unknown>;
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
    return { data: {}, body: normalized, hasFrontMatter: false, lineOf: () => undefined, diagnostics };
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
    return { data: {}, body: split.content, hasFrontMatter: true, lineOf: () => undefined, diagnostics };
  }
  const value = parsed.value;
  if (value === undefined || value === null) {
    return { data: {}, body: split.content, hasFrontMatter: true, lineOf: parsed.lineOf, diagnostics };
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    diagnostics.push({
      level: 'error',
      code: 'front-matter/not-a-mapping',
      message: 'front matter must be a mapping of keys to values',
      file,
      line: 2,
    });
    return { data: {}, body: split.content, hasFrontMatter: true, lineOf: parsed.lineOf, diagnostics };
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
  return { data, body: split.content, hasFrontMatter: true, lineOf: parsed.lineOf, diagnostics };
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
