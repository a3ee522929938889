/**
 * "Use it" snippets of a project page: pystac, curl, MLflow and onnxruntime. Code is returned as
 * HTML; a URL that is only known in the browser (no base URL at build time) is wrapped in
 * `<span data-abs="relative">` and made absolute by site.js.
 */
import { esc } from './html.js';

/** A snippet tab: `code` is HTML (already escaped). */
export interface Snippet {
  id: string;
  label: string;
  lang: string;
  code: string;
}

/** A URL to print in code: absolute when known, else relative and completed client-side. */
export interface CodeUrl {
  absolute: string | null;
  relative: string;
}

/** The language a URL is written in: a Python string literal or one shell word. */
type Quote = 'py' | 'sh';

/**
 * A URL as a quoted literal of `lang`, in HTML. A relative URL is completed in the browser by
 * site.js, which quotes the absolute URL again for the same language (`data-quote`).
 */
function url(u: CodeUrl, lang: Quote): string {
  const quote = lang === 'py' ? pyString : shellQuote;
  if (u.absolute !== null) return text(quote(u.absolute));
  return `<span data-abs="${esc(u.relative)}" data-quote="${lang}">${text(quote(u.relative))}</span>`;
}

/** Code as HTML element content: only `&`, `<` and `>` need escaping there. */
function text(code: string): string {
  return code.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

/**
 * Characters written as escapes rather than as themselves: controls (a newline would end a
 * string or a command), format characters (bidirectional overrides make code read differently
 * from how it runs), line and paragraph separators, lone surrogates, private-use and unassigned
 * code points.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Co}\p{Cn}]/u;

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/**
 * A Python 3 string literal holding exactly `s`: double-quoted, with `\\`, `"` and every
 * invisible character escaped (`\n`, `\xHH`, `\uHHHH`, `\UHHHHHHHH`); letters of any script stay
 * readable.
 */
export function pyString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '\\' || ch === '"') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (INVISIBLE.test(ch)) out += cp <= 0xff ? `\\x${hex(cp, 2)}` : cp <= 0xffff ? `\\u${hex(cp, 4)}` : `\\U${hex(cp, 8)}`;
    else out += ch;
  }
  return `${out}"`;
}

/**
 * One shell word holding exactly `s` for bash (and zsh): as it is when it has only characters no
 * shell treats specially (letters, digits, `_.@%+=:,/-`), else single-quoted, where nothing is special
 * (`$(...)`, backquotes, `\\`, `!` stay literal; a `'` is written `'\\''`); a string with invisible
 * characters is written `$'...'` with `\\xHH` escapes of its UTF-8 bytes instead, so a pasted
 * command shows what it runs (a NUL, which no argument can hold, ends the word there as in C).
 */
export function shellQuote(s: string): string {
  if (/^[\w.@%+=:,/-]+$/.test(s)) return s;
  if (!INVISIBLE.test(s)) return `'${s.replace(/'/g, `'\\''`)}'`;
  let out = "$'";
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '\\' || ch === "'") out += `\\${ch}`;
    // UTF-8 bytes: bash reads `\\u` escapes only in a UTF-8 locale, `\\x` in any.
    else if (INVISIBLE.test(ch)) out += [...Buffer.from(ch, 'utf8')].map((b) => `\\x${hex(b, 2)}`).join('');
    else out += ch;
  }
  return `${out}'`;
}

/** Python keywords and the names the onnxruntime snippet itself uses: never an input's variable. */
const TAKEN = new Set(
  (
    'False None True and as assert async await break class continue def del elif else except finally for from global if ' +
    'import in is lambda nonlocal not or pass raise return try while with yield match case type _ np ort session outputs'
  ).split(' '),
);

/** A variable for each input: its own name when that is a plain identifier, else `input_<n>`. */
function variables(names: string[]): string[] {
  const used = new Set<string>();
  return names.map((name, i) => {
    let v = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name) && !TAKEN.has(name) ? name : `input_${i}`;
    while (used.has(v)) v = `${v}_`;
    used.add(v);
    return v;
  });
}

/** A dimension to allocate: a known size, or 1 for a variable or unknown one. */
function dimension(d: unknown): number {
  return typeof d === 'number' && Number.isSafeInteger(d) && d >= 0 ? d : 1;
}

const NUMPY_TYPES = new Set(['int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'float16', 'float32', 'float64']);

/** What the snippets need to know about a project. */
export interface SnippetInput {
  itemUrl: CodeUrl;
  downloads: Array<{ file: string; url: CodeUrl; onnx: boolean }>;
  mlflowUris: string[];
  trackingUri: string | null;
  /** `<project name> (<GitLab project id>)`: the names MLflow SharingHub and stachub link to the project. */
  experiment: string | null;
  inputs: Array<{ name: string; shape: number[]; dataType: string }>;
}

export function snippets(s: SnippetInput): Snippet[] {
  const out: Snippet[] = [];
  out.push({
    id: 'pystac',
    label: 'pystac',
    lang: 'python',
    code: [
      'import pystac',
      '',
      `item = pystac.Item.from_file(${url(s.itemUrl, 'py')})`,
      'print(item.properties.get("title"))',
      'for key, asset in item.assets.items():',
      '    print(key, asset.href)',
    ].join('\n'),
  });
  const curl = [`curl -s ${url(s.itemUrl, 'sh')}`];
  for (const d of s.downloads.slice(0, 4)) curl.push(`curl -L -o ${text(shellQuote(d.file))} ${url(d.url, 'sh')}`);
  out.push({ id: 'curl', label: 'curl', lang: 'shell', code: curl.join('\n') });
  if (s.mlflowUris.length > 0) {
    const lines = ['import mlflow', ''];
    if (s.trackingUri) lines.push(`mlflow.set_tracking_uri(${text(pyString(s.trackingUri))})`);
    lines.push(`model = mlflow.pyfunc.load_model(${text(pyString(s.mlflowUris[0]!))})`);
    out.push({ id: 'mlflow', label: 'MLflow', lang: 'python', code: lines.join('\n') });
  }
  if (s.trackingUri && s.experiment) {
    out.push({
      id: 'track',
      label: 'Track a run',
      lang: 'python',
      code: [
        'import mlflow',
        '',
        `mlflow.set_tracking_uri(${text(pyString(s.trackingUri))})`,
        `mlflow.set_experiment(${text(pyString(s.experiment))})`,
        'with mlflow.start_run():',
        '    mlflow.log_param("learning_rate", 0.001)',
        '    mlflow.log_metric("accuracy", 0.9)',
        `    # models registered with a name ending in "${esc(/ \(\d+\)$/.exec(s.experiment)?.[0] ?? '')}" are published on this page`,
      ].join('\n'),
    });
  }
  const onnx = s.downloads.find((d) => d.onnx);
  if (onnx) {
    const lines = ['import numpy as np', 'import onnxruntime as ort', '', `session = ort.InferenceSession(${text(pyString(onnx.file))})`];
    const names = s.inputs.map((input) => String(input.name));
    const vars = variables(names);
    const feeds: string[] = [];
    s.inputs.forEach((input, i) => {
      const shape = (Array.isArray(input.shape) ? input.shape : [1]).map(dimension);
      const dtype = NUMPY_TYPES.has(input.dataType) ? input.dataType : 'float32';
      lines.push(`${vars[i]!} = np.zeros((${shape.join(', ')}${shape.length === 1 ? ',' : ''}), dtype=np.${dtype})`);
      feeds.push(`${text(pyString(names[i]!))}: ${vars[i]!}`);
    });
    lines.push(`outputs = session.run(None, {${feeds.join(', ')}})`);
    out.push({ id: 'onnxruntime', label: 'onnxruntime', lang: 'python', code: lines.join('\n') });
  }
  return out;
}

/**
 * "Fetch with DVC": clone the project and `dvc pull` its DVC-tracked data (the assets that carry
 * `dvc:path`, generator/stac/extensions/dvc.ts). Every word is shell-quoted (shellQuote); null when
 * the project has no DVC data or no clonable URL.
 */
export function dvcSnippet(input: { projectUrl: string | undefined; paths: string[] }): Snippet | null {
  if (!input.projectUrl || input.paths.length === 0 || !/^https?:\/\//i.test(input.projectUrl)) return null;
  const repo = input.projectUrl.replace(/\/+$/, '');
  const folder = repo.slice(repo.lastIndexOf('/') + 1) || 'project';
  const sq = (w: string): string => text(shellQuote(w));
  return {
    id: 'dvc',
    label: 'Fetch with DVC',
    lang: 'shell',
    code: [
      `git clone ${sq(`${repo}.git`)}`,
      `cd ${sq(folder)}`,
      `dvc pull ${[...new Set(input.paths)].sort().map(sq).join(' ')}`,
    ].join('\n'),
  };
}
