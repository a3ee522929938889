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

function url(u: CodeUrl): string {
  return u.absolute !== null ? esc(u.absolute) : `<span data-abs="${esc(u.relative)}">${esc(u.relative)}</span>`;
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
      `item = pystac.Item.from_file("${url(s.itemUrl)}")`,
      'print(item.properties.get("title"))',
      'for key, asset in item.assets.items():',
      '    print(key, asset.href)',
    ].join('\n'),
  });
  const curl = [`curl -s "${url(s.itemUrl)}"`];
  for (const d of s.downloads.slice(0, 4)) curl.push(`curl -L -o ${esc(shellWord(d.file))} "${url(d.url)}"`);
  out.push({ id: 'curl', label: 'curl', lang: 'shell', code: curl.join('\n') });
  if (s.mlflowUris.length > 0) {
    const lines = ['import mlflow', ''];
    if (s.trackingUri) lines.push(`mlflow.set_tracking_uri("${esc(s.trackingUri)}")`);
    lines.push(`model = mlflow.pyfunc.load_model("${esc(s.mlflowUris[0])}")`);
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
        `mlflow.set_tracking_uri("${esc(s.trackingUri)}")`,
        `mlflow.set_experiment("${esc(s.experiment)}")`,
        'with mlflow.start_run():',
        '    mlflow.log_param("learning_rate", 0.001)',
        '    mlflow.log_metric("accuracy", 0.9)',
        `    # models registered with a name ending in "${esc(/ \(\d+\)$/.exec(s.experiment)?.[0] ?? '')}" are published on this page`,
      ].join('\n'),
    });
  }
  const onnx = s.downloads.find((d) => d.onnx);
  if (onnx) {
    const lines = ['import numpy as np', 'import onnxruntime as ort', '', `session = ort.InferenceSession("${esc(onnx.file)}")`];
    const feeds: string[] = [];
    for (const input of s.inputs) {
      const v = pyName(input.name);
      const shape = input.shape.map((d) => (d < 0 ? 1 : d));
      const dtype = NUMPY_TYPES.has(input.dataType) ? input.dataType : 'float32';
      lines.push(`${v} = np.zeros((${shape.join(', ')}${shape.length === 1 ? ',' : ''}), dtype=np.${dtype})`);
      feeds.push(`"${esc(input.name)}": ${v}`);
    }
    lines.push(`outputs = session.run(None, {${feeds.join(', ')}})`);
    out.push({ id: 'onnxruntime', label: 'onnxruntime', lang: 'python', code: lines.join('\n') });
  }
  return out;
}

function shellWord(s: string): string {
  return /^[\w.@%+=:,/-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function pyName(s: string): string {
  const n = s.replace(/[^A-Za-z0-9_]/g, '_').replace(/^(\d)/, '_$1');
  return n === '' ? 'x' : n;
}

/**
 * "Fetch with DVC": clone the project and `dvc pull` its DVC-tracked data (the assets that carry
 * `dvc:path`, generator/metadata/dvc.ts). Every word is shell-quoted with single quotes; null when
 * the project has no DVC data or no clonable URL.
 */
export function dvcSnippet(input: { projectUrl: string | undefined; paths: string[] }): Snippet | null {
  if (!input.projectUrl || input.paths.length === 0 || !/^https?:\/\//i.test(input.projectUrl)) return null;
  const repo = input.projectUrl.replace(/\/+$/, '');
  const folder = repo.slice(repo.lastIndexOf('/') + 1) || 'project';
  const sq = (w: string): string => esc(`'${w.replace(/'/g, `'\\''`)}'`);
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
