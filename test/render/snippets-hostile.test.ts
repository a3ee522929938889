/**
 * The "use it" snippets are code a reader copies and runs, built from values a project controls
 * (ONNX input names, README `mlflow:uri`, file names, external hrefs). Each snippet is run here as
 * a reader would run it: the Python ones with `python3 -c` against stub modules that record what
 * they receive, the shell one with bash and a fake `curl` on PATH. Hostile values must arrive
 * intact as data, and no payload may run (a sentinel file is never created).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pyString, shellQuote, snippets, type Snippet, type SnippetInput } from '../../generator/render/snippets.js';
import { repoRoot } from '../helpers.js';
import { main } from '../../generator/cli.js';

const PYTHON = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'pass']).status === 0);
const BASH = spawnSync('bash', ['-c', 'true']).status === 0;

let work: string;
let sentinel: string;

/** Stub modules: each call appends `[function, ...arguments]` as a JSON line to $SNIPPET_LOG. */
const STUBS: Record<string, string> = {
  '_record.py': `import json, os
def rec(*args):
    with open(os.environ["SNIPPET_LOG"], "a", encoding="utf-8") as f:
        f.write(json.dumps(list(args)) + "\\n")
`,
  'mlflow/__init__.py': `import contextlib
from _record import rec
from . import pyfunc
def set_tracking_uri(uri): rec("set_tracking_uri", uri)
def set_experiment(name): rec("set_experiment", name)
@contextlib.contextmanager
def start_run():
    yield None
def log_param(k, v): rec("log_param", k, v)
def log_metric(k, v): rec("log_metric", k, v)
`,
  'mlflow/pyfunc.py': `from _record import rec
def load_model(uri): rec("load_model", uri)
`,
  'numpy/__init__.py': `from _record import rec
${['int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'float16', 'float32', 'float64'].map((t) => `${t} = "${t}"`).join('\n')}
def zeros(shape, dtype): return {"shape": list(shape), "dtype": dtype}
`,
  'onnxruntime/__init__.py': `from _record import rec
class InferenceSession:
    def __init__(self, path): rec("InferenceSession", path)
    def run(self, names, feeds): rec("run", names, feeds)
`,
  'pystac/__init__.py': `from _record import rec
class _Item:
    properties = {"title": "t"}
    assets = {}
class Item:
    @staticmethod
    def from_file(href):
        rec("from_file", href)
        return _Item()
`,
};

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'stachub-snippets-'));
  sentinel = path.join(work, 'SENTINEL');
  for (const [file, code] of Object.entries(STUBS)) {
    fs.mkdirSync(path.dirname(path.join(work, 'stubs', file)), { recursive: true });
    fs.writeFileSync(path.join(work, 'stubs', file), code);
  }
  // A fake curl that records its arguments, NUL-separated.
  fs.mkdirSync(path.join(work, 'bin'));
  fs.writeFileSync(
    path.join(work, 'bin', 'curl'),
    `#!/bin/sh\nn=$(ls "$CURL_DIR" | wc -l)\nfor a in "$@"; do printf '%s\\0' "$a"; done > "$CURL_DIR/$(printf '%04d' "$n")"\n`,
    { mode: 0o755 },
  );
});
afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

/** The text a reader copies: tags dropped, entities decoded. */
function copied(html: string): string {
  return html
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

function runPython(code: string): unknown[][] {
  if (!PYTHON) throw new Error('python3 is needed by this test: apt-get install -y python3');
  const log = path.join(work, `py-${Math.random().toString(36).slice(2)}.log`);
  const r = spawnSync(PYTHON, ['-c', code], { cwd: work, env: { PATH: process.env.PATH, PYTHONPATH: path.join(work, 'stubs'), SNIPPET_LOG: log, PYTHONIOENCODING: 'utf-8' }, encoding: 'utf8' });
  expect(r.status, `python3 failed:\n${code}\n${r.stderr}`).toBe(0);
  return fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as unknown[]) : [];
}

function runShell(code: string): string[][] {
  if (!BASH) throw new Error('bash is needed by this test: apt-get install -y bash');
  const syntax = spawnSync('bash', ['-n', '-c', code], { encoding: 'utf8' });
  expect(syntax.status, `bash -n:\n${code}\n${syntax.stderr}`).toBe(0);
  const calls = fs.mkdtempSync(path.join(work, 'curl-'));
  const r = spawnSync('bash', ['-c', code], { cwd: work, env: { PATH: `${path.join(work, 'bin')}:${process.env.PATH}`, CURL_DIR: calls }, encoding: 'utf8' });
  expect(r.status, `bash failed:\n${code}\n${r.stderr}`).toBe(0);
  // Each call's arguments, each followed by a NUL.
  return fs.readdirSync(calls).sort().map((f) => fs.readFileSync(path.join(calls, f), 'utf8').split('\0').slice(0, -1));
}

const byId = (list: Snippet[], id: string): string => copied(list.find((s) => s.id === id)!.code);

// Payloads: each, if it ever runs, creates the sentinel file.
const TOUCH = 'touch SENTINEL';
const PY_RUN = `__import__("os").system("${TOUCH}")`;
const HOSTILE_INPUT = `x": None}); ${PY_RUN}; print({"`;
const NAMES = [
  HOSTILE_INPUT,
  `x'); ${PY_RUN}; #`,
  'np',
  'None',
  'a-b',
  'a_b',
  'a_b',
  'déjà vu ✓',
  'line\nbreak\r\n',
  'back\\slash\\',
  '\u202eevil\u2066',
  'tab\there\u0000nul',
  '\ud800lone',
  '"""',
  "'''",
  '{x}',
];

function hostileInput(absolute: boolean): SnippetInput {
  const href = `https://x.example/$(${TOUCH})/\`${TOUCH}\`/it's "q" \\ \n;${TOUCH};/m.onnx`;
  return {
    itemUrl: absolute ? { absolute: `https://cat.example/a'b/$(${TOUCH}).json`, relative: 'x.json' } : { absolute: null, relative: `it's $(${TOUCH}).json` },
    downloads: [
      { file: `m$(${TOUCH}).onnx`, url: { absolute: href, relative: href }, onnx: true },
      { file: `it's \`${TOUCH}\`\nnew line.bin`, url: { absolute: `https://x.example/'; ${TOUCH}; '`, relative: 'r' }, onnx: false },
      { file: '-rf', url: { absolute: 'https://x.example/\u202e/x', relative: 'r' }, onnx: false },
    ],
    mlflowUris: [`models:/m" + ${PY_RUN} + "/1`],
    trackingUri: `http://t.example/"); ${PY_RUN}; ("`,
    experiment: `x" \\ \n ${PY_RUN} (12)`,
    inputs: NAMES.map((name, i) => ({ name, shape: i === 0 ? [-1, 3, `1); ${PY_RUN}; (1` as unknown as number] : [2, 2], dataType: i === 1 ? `float32); ${PY_RUN}; (` : 'uint8' })),
  };
}

describe('snippets with hostile values', () => {
  for (const absolute of [true, false]) {
    it(`run as Python, every value arrives intact and no payload runs (${absolute ? 'absolute' : 'relative'} URLs)`, () => {
      const input = hostileInput(absolute);
      const list = snippets(input);
      expect(list.map((s) => s.id)).toEqual(['pystac', 'curl', 'mlflow', 'track', 'onnxruntime']);

      const pystac = runPython(byId(list, 'pystac'));
      expect(pystac[0]).toEqual(['from_file', absolute ? input.itemUrl.absolute : input.itemUrl.relative]);

      expect(runPython(byId(list, 'mlflow'))).toEqual([
        ['set_tracking_uri', input.trackingUri],
        ['load_model', input.mlflowUris[0]],
      ]);
      expect(runPython(byId(list, 'track')).slice(0, 2)).toEqual([
        ['set_tracking_uri', input.trackingUri],
        ['set_experiment', input.experiment],
      ]);

      const onnx = runPython(byId(list, 'onnxruntime'));
      expect(onnx[0]).toEqual(['InferenceSession', input.downloads[0]!.file]);
      const [fn, outputs, feeds] = onnx[1] as [string, null, Record<string, { shape: number[]; dtype: string }>];
      expect(fn).toBe('run');
      expect(outputs).toBeNull();
      expect(Object.keys(feeds).sort()).toEqual([...new Set(NAMES)].sort());
      expect(feeds[HOSTILE_INPUT]).toEqual({ shape: [1, 3, 1], dtype: 'uint8' });
      expect(feeds[NAMES[1]!]).toEqual({ shape: [2, 2], dtype: 'float32' });
      expect(fs.existsSync(sentinel)).toBe(false);
    });
  }

  it('run with bash and a fake curl, every argument arrives intact and no payload runs', () => {
    const input = hostileInput(true);
    const calls = runShell(byId(snippets(input), 'curl'));
    expect(calls).toEqual([
      ['-s', input.itemUrl.absolute],
      ['-L', '-o', input.downloads[0]!.file, input.downloads[0]!.url.absolute],
      ['-L', '-o', input.downloads[1]!.file, input.downloads[1]!.url.absolute],
      ['-L', '-o', input.downloads[2]!.file, input.downloads[2]!.url.absolute],
    ]);
    expect(fs.existsSync(sentinel)).toBe(false);
  });

  it('shows invisible characters as escapes, so the copied code reads as it runs', () => {
    const list = snippets(hostileInput(true));
    const all = list.map((s) => copied(s.code)).join('\n');
    expect(all).not.toMatch(/[\u202a-\u202e\u2066-\u2069\u0000]/);
    expect(all).toContain('\\u202eevil\\u2066');
    expect(all).toContain("$'https://x.example/\\xe2\\x80\\xae/x'");
  });

  it('site.js quotes a URL it completes in the browser for the snippet language', () => {
    const source = fs.readFileSync(path.join(repoRoot, 'site/assets/site.js'), 'utf8');
    const fn = /function quote\(href, lang\) \{[\s\S]*?\n {2}\}/.exec(source);
    expect(fn, 'site.js defines quote(href, lang)').not.toBeNull();
    const quote = new Function(`${fn![0]}; return quote;`)() as (href: string, lang: string) => string;
    // What the URL parser leaves in an href: printable ASCII, with ' and \ possible in the query.
    const href = new URL(`it's $(${TOUCH}).json?q=a\\b"c`, 'https://cat.example/dir/').href;
    expect(runPython(`from pystac import Item\nItem.from_file(${quote(href, 'py')})`)).toEqual([['from_file', href]]);
    expect(runShell(`curl -s ${quote(href, 'sh')}`)).toEqual([['-s', href]]);
    expect(fs.existsSync(sentinel)).toBe(false);
  });

  it('encodes any string as a Python literal and a shell word that read back as the same string', () => {
    const strings = [...NAMES, '', "'", '"', '\\', '$HOME', '!!', '`id`', '\u2028', '😀', '\u007f', '\u0085'];
    const back = runPython(`from _record import rec\n${strings.map((s) => `rec(${pyString(s)})`).join('\n')}`);
    expect(back).toEqual(strings.map((s) => [s]));
    // No argument can hold a NUL; a lone surrogate has no UTF-8 form.
    const shellable = strings.filter((s) => !s.includes('\u0000') && !s.includes('\ud800'));
    expect(runShell(`curl ${shellable.map(shellQuote).join(' ')}`)).toEqual([shellable]);
  });
});

describe('a hostile README built into a page', () => {
  it('every snippet of the page runs its values as data: the mlflow:uri, the ONNX input name and the external href', async () => {
    const ws = path.join(work, 'ws', 'evil');
    fs.mkdirSync(ws, { recursive: true });
    fs.writeFileSync(
      path.join(ws, 'stachub-project.yml'),
      [
        'id: 7',
        'path_with_namespace: evil/snippets',
        'web_url: https://gitlab.example.com/evil/snippets',
        'topics: [sharinghub:aimodel]',
        'created_at: 2026-01-05T10:00:00Z',
        'last_activity_at: 2026-01-06T10:00:00Z',
      ].join('\n'),
    );
    const uri = `models:/m" + ${PY_RUN} + "/1`;
    // Only characters a URI may hold: `$(touch$IFS./SENTINEL)` runs `touch ./SENTINEL` in a shell.
    const href = "https://x.example/$(touch$IFS./SENTINEL)/a';touch$IFS./SENTINEL;'/m.onnx";
    fs.writeFileSync(
      path.join(ws, 'README.md'),
      [
        '---',
        'title: Hostile snippets',
        `mlflow:uri: ${JSON.stringify(uri)}`,
        'mlm:',
        '  name: evil',
        '  architecture: MLP',
        '  tasks: [classification]',
        '  input:',
        `    - name: ${JSON.stringify(HOSTILE_INPUT)}`,
        '      bands: []',
        '      input: {shape: [-1, 3], dim_order: [batch, channel], data_type: float32}',
        'assets:',
        '  - key: model',
        `    href: ${JSON.stringify(href)}`,
        '    type: application/octet-stream; application=onnx',
        '    roles: [mlm:model]',
        '---',
        'A model.',
      ].join('\n'),
    );
    const out = path.join(work, 'site');
    const code = await main(['node', 'stachub', 'build', '--workspace', path.join(work, 'ws'), '--out', out, '--base-url', 'https://cat.example/', '--no-validate'], {
      stdout: () => undefined,
      stderr: () => undefined,
      env: {},
      isTTY: false,
    });
    expect(code).toBe(0);
    const page = fs.readFileSync(path.join(out, 'ai-model/evil/snippets/index.html'), 'utf8');
    const blocks = new Map([...page.matchAll(/<code id="code-([a-z]+)" class="language-([a-z]+)">([\s\S]*?)<\/code>/g)].map((m) => [m[1]!, { lang: m[2]!, code: copied(m[3]!) }]));
    expect([...blocks.keys()]).toEqual(expect.arrayContaining(['pystac', 'curl', 'mlflow', 'onnxruntime']));
    for (const [id, block] of blocks) {
      if (block.lang === 'python') runPython(block.code);
      else runShell(block.code);
      expect(fs.existsSync(sentinel), `the ${id} snippet ran a payload:\n${block.code}`).toBe(false);
    }
    expect(runPython(blocks.get('mlflow')!.code)).toContainEqual(['load_model', uri]);
    const calls = runShell(blocks.get('curl')!.code);
    expect(calls).toContainEqual(['-L', '-o', 'm.onnx', href]);
    const onnx = runPython(blocks.get('onnxruntime')!.code);
    expect(Object.keys((onnx[1] as [string, null, Record<string, unknown>])[2])).toEqual([HOSTILE_INPUT]);
  });
});
