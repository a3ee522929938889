/**
 * Seeded mutations of whole projects for fuzzing the build (used by test/core/project-fuzz.test.ts
 * and the longer bench/project-fuzz.ts run). A case is one mutated project: the front matter of a
 * demo project or a test fixture with types swapped, nulls, huge and deep values, prototype keys,
 * YAML anchors, unicode, STAC fields with wrong values, or a broken descriptor. Cases are built in
 * batches, each beside good projects, through the real CLI; after each build the checks of
 * `checkBatch` must hold. Deterministic: the same seed gives the same cases.
 */
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parse, stringify } from 'yaml';
import { main } from '../../generator/cli.js';
import { MemoryOutput } from '../../generator/publish/memory-output.js';
import { parseReadme } from '../../generator/metadata/frontmatter.js';
import type { BuildReport } from '../../generator/report.js';
import { demoModelBytes } from '../../examples/scripts/make-demo-onnx.js';
import { repoRoot, schemaMapPairs } from '../helpers.js';
import { rng } from '../onnx/mutate.js';

export { rng };

/** Front matters to start from: the demo READMEs and the shapes the test fixtures use. */
export async function seedFrontMatters(): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = [];
  const ws = path.join(repoRoot, 'examples/workspace');
  for (const d of (await readdir(ws)).sort()) {
    try {
      const text = await readFile(path.join(ws, d, 'README.md'), 'utf8');
      const parsed = parseReadme(text, 'README.md');
      if (Object.keys(parsed.data).length > 0) out.push(JSON.parse(JSON.stringify(parsed.data)) as Record<string, unknown>);
    } catch {
      // a demo project without README
    }
  }
  out.push(
    { title: 'Fixture', license: 'MIT', assets: ['*.onnx', { glob: '*.txt', key: 'notes', title: 'Notes {path}', roles: ['metadata'] }], mlflow: { models: ['wine'] } },
    { extent: { spatial: 'POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0))', temporal: ['2020-01-01', null] }, links: [{ href: 'https://example.com', rel: 'about' }], related: ['dataset+https://gitlab.example.com/fuzz/good-0'] },
    { 'mlm:name': 'net', 'mlm:tasks': ['classification'], 'mlm:architecture': 'ResNet', extensions: { eo: 'https://stac-extensions.github.io/eo/v1.1.0/schema.json' }, eo: { cloud_cover: 5 } },
  );
  return out;
}

const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', '__defineGetter__'];
const STAC_KEYS = [
  'gsd', 'datetime', 'start_datetime', 'end_datetime', 'created', 'updated', 'platform', 'constellation', 'instruments', 'sci:doi', 'sci:citation', 'sci:publications',
  'mlm:name', 'mlm:tasks', 'mlm:input', 'mlm:output', 'mlm:architecture', 'eo:bands', 'proj:epsg', 'description', 'title', 'license', 'license-url', 'keywords',
  'providers', 'assets', 'links', 'extent', 'related', 'extensions', 'mlflow', 'sharinghub', 'preview', 'mlm', 'eo', 'sci', 'label', 'ml-model', 'stac_extensions', 'id', 'type',
];
const UNICODE = ['\u202e\u202dRTL', '🤖🔥💥', '\ud800', 'a\u0000b', 'line\u2028sep', 'e\u0301\u0301\u0301', '<script>alert(1)</script>', '"; rm -rf / #', '${{7*7}}', '../../../etc/passwd', 'javascript:alert(1)', '\t\n\r'];

export const MUTATIONS = ['swap-type', 'null', 'huge-string', 'huge-array', 'deep', 'proto-key', 'stac-key', 'unicode', 'delete', 'anchors', 'alias-bomb', 'broken-yaml', 'body', 'descriptor', 'files'] as const;
export type ProjectMutation = (typeof MUTATIONS)[number];

/** A project of a fuzz workspace. */
export interface FuzzProject {
  path: string;
  readme: string | null;
  descriptor: string;
  files: Record<string, string | Uint8Array>;
  /** A good project must be published with this title. */
  good?: { title: string };
  mutation?: ProjectMutation;
}

type Rand = () => number;
const int = (rand: Rand, n: number): number => Math.floor(rand() * n);
const pick = <T>(rand: Rand, xs: readonly T[]): T => xs[int(rand, xs.length)]!;

function randomValue(rand: Rand, depth = 0): unknown {
  switch (int(rand, depth > 2 ? 6 : 9)) {
    case 0: return null;
    case 1: return int(rand, 2) === 0 ? -int(rand, 1e6) : rand() * 1e9;
    case 2: return pick(rand, [true, false, 0, -1, 1e308, -0, 3.14]);
    case 3: return pick(rand, UNICODE);
    case 4: return pick(rand, ['', 'x', '2024-01-01T00:00:00Z', 'not a date', 'MIT', 'https://example.com/a', '*.onnx', 'POINT (1 2)', 'MULTIPOINT ((1 2), (3 4))']);
    case 5: return pick(rand, PROTO_KEYS);
    case 6: return Array.from({ length: int(rand, 4) }, () => randomValue(rand, depth + 1));
    case 7: {
      const o: Record<string, unknown> = {};
      for (let i = int(rand, 4); i > 0; i--) setOwn(o, pick(rand, [...STAC_KEYS, ...PROTO_KEYS, 'glob', 'href', 'key', 'name', 'roles', 'models', 'spatial', 'temporal']), randomValue(rand, depth + 1));
      return o;
    }
    default: return { glob: pick(rand, ['*', '**/*', '*.onnx', '{a,b}{c,d}{e,f}{g,h}*', 'data/**/x*y*z*w*v*.txt', '[', '!(a|b)', `${'*a'.repeat(12)}*b`, '**/**/**/**/**/*']), title: randomValue(rand, depth + 1), roles: randomValue(rand, depth + 1) };
  }
}

function setOwn(o: Record<string, unknown>, k: string, v: unknown): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

/** Paths to every value of `v` (as key lists), the root included. */
function nodePaths(v: unknown, at: Array<string | number> = [], out: Array<Array<string | number>> = []): Array<Array<string | number>> {
  out.push(at);
  if (out.length > 2000) return out;
  if (Array.isArray(v)) v.forEach((x, i) => nodePaths(x, [...at, i], out));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) nodePaths(x, [...at, k], out);
  return out;
}

function setAt(root: Record<string, unknown>, at: Array<string | number>, value: unknown, remove = false): void {
  if (at.length === 0) return;
  let node: unknown = root;
  for (const seg of at.slice(0, -1)) node = (node as Record<string | number, unknown>)[seg];
  const last = at[at.length - 1]!;
  if (node === null || typeof node !== 'object') return;
  if (remove && !Array.isArray(node)) delete (node as Record<string, unknown>)[last as string];
  else if (Array.isArray(node)) node[last as number] = value;
  else setOwn(node as Record<string, unknown>, String(last), value);
}

function nest(depth: number, leaf: unknown): unknown {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = i % 2 === 0 ? [v] : { k: v };
  return v;
}

/** The README text of a front matter value and a body. */
function readmeOf(data: unknown, body: string): string {
  let yaml: string;
  try {
    yaml = stringify(data, { lineWidth: 0 });
  } catch {
    yaml = 'title: unserialisable\n';
  }
  return `---\n${yaml}---\n${body}`;
}

const BODIES = [
  () => '# Model\n\nSome text with a [link](./data/a.txt) and ![preview](preview.png).\n',
  () => `# Deep\n\n${'> '.repeat(500)}quote\n\n${'- '.repeat(300)}item\n`,
  () => `| a | b |\n|---|---|\n${'| x | y |\n'.repeat(3000)}`,
  () => '<script>alert(1)</script><img src=x onerror=alert(1)><iframe src="javascript:alert(1)"></iframe>\n',
  () => `DOI: 10.1234/abc ${'10.5555/x '.repeat(200)}\n`,
  () => `${'[x](' .repeat(2000)}${')'.repeat(2000)}\n`,
  () => `${'*'.repeat(20000)}_${'_'.repeat(20000)}\n`,
];

/** A descriptor for `fullPath` (GitLab's REST field names). */
export function descriptorOf(id: number, fullPath: string, extra: Record<string, unknown> = {}): string {
  return stringify({
    id,
    path_with_namespace: fullPath,
    topics: ['sharinghub:aimodel'],
    web_url: `https://gitlab.example.com/${fullPath}`,
    created_at: '2026-01-01T00:00:00Z',
    last_activity_at: '2026-01-02T00:00:00Z',
    ...extra,
  });
}

/** A good project: it must be published, valid, whatever its neighbours do. */
export function goodProject(i: number): FuzzProject {
  const title = `Good project ${i}`;
  return {
    path: `fuzz/good-${i}`,
    readme: readmeOf({ title, license: 'MIT', gsd: 10, assets: ['*.txt'], extent: { spatial: [0, 0, 10, 10] } }, '# Good\n\nA good project.\n'),
    descriptor: descriptorOf(90_000 + i, `fuzz/good-${i}`),
    files: { 'notes.txt': 'notes' },
    good: { title },
  };
}

/** One mutated project (case `index` of a run). */
export function fuzzProject(seeds: ReadonlyArray<Record<string, unknown>>, rand: Rand, index: number): FuzzProject {
  const data = JSON.parse(JSON.stringify(pick(rand, seeds))) as Record<string, unknown>;
  const mutation = pick(rand, MUTATIONS);
  const fullPath = `fuzz/case-${index}`;
  let body = BODIES[0]!();
  let readme: string | null = null;
  let descriptor = descriptorOf(index + 1, fullPath);
  const files: Record<string, string | Uint8Array> = { 'notes.txt': 'x', 'data/a.txt': 'a', [`data/${'a'.repeat(120)}.txt`]: 'a' };
  const paths = nodePaths(data).filter((p) => p.length > 0);
  const at = paths.length > 0 ? pick(rand, paths) : ['title'];
  switch (mutation) {
    case 'swap-type': setAt(data, at, randomValue(rand)); break;
    case 'null': setAt(data, at, null); break;
    case 'huge-string': setAt(data, at, 'x'.repeat(1 + int(rand, 300_000))); break;
    case 'huge-array': setAt(data, at, Array.from({ length: 1 + int(rand, 6000) }, () => randomValue(rand, 3))); break;
    case 'deep': setAt(data, at, nest(10 + int(rand, 80), randomValue(rand, 3))); break;
    case 'proto-key': {
      const target = pick(rand, [[], ...paths.filter((p) => p.length < 3)]);
      let node: unknown = data;
      for (const seg of target) node = (node as Record<string | number, unknown>)[seg];
      if (node !== null && typeof node === 'object' && !Array.isArray(node)) setOwn(node as Record<string, unknown>, pick(rand, PROTO_KEYS), randomValue(rand));
      else setOwn(data, pick(rand, PROTO_KEYS), randomValue(rand));
      break;
    }
    case 'stac-key': setOwn(data, pick(rand, STAC_KEYS), randomValue(rand)); break;
    case 'unicode': setAt(data, at, pick(rand, UNICODE)); setOwn(data, pick(rand, UNICODE), pick(rand, UNICODE)); break;
    case 'delete': setAt(data, at, undefined, true); break;
    case 'anchors':
      readme = `---\nbase: &base {title: Anchored, license: MIT}\n<<: *base\nextent: &e {spatial: [0, 0, 1, 1]}\nalso: *e\nassets: &a ["*.txt"]\nlinks: *a\nproviders: [*base, *base]\n---\n${body}`;
      break;
    case 'alias-bomb': {
      const levels = 2 + int(rand, 8);
      const lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
      for (let l = 1; l <= levels; l++) lines.push(`l${l}: &l${l} [${Array(10).fill(`*l${l - 1}`).join(',')}]`);
      readme = `---\ntitle: Bomb\n${lines.join('\n')}\n---\n${body}`;
      break;
    }
    case 'broken-yaml': {
      const text = readmeOf(data, body);
      const cut = 4 + int(rand, Math.max(1, text.indexOf('\n---\n', 4) - 4));
      readme = text.slice(0, cut) + pick(rand, ['\t: :', '[{', '"', '&', '*missing', '? ', ': x\n  y: z', '\u0000', '%YAML 9.9\n']) + text.slice(cut);
      break;
    }
    case 'body': body = pick(rand, BODIES)(); break;
    case 'descriptor': {
      const bad = pick(rand, [
        () => 'id: [broken\n',
        () => descriptorOf(index + 1, fullPath, { id: 'seven' }),
        () => descriptorOf(index + 1, fullPath, { topics: 'sharinghub:aimodel' }),
        () => descriptorOf(index + 1, fullPath, { visibility: pick(rand, ['private', 'internal', 'secret']) }),
        () => descriptorOf(index + 1, fullPath, { web_url: 'javascript:alert(1)' }),
        () => descriptorOf(index + 1, fullPath, { created_at: 'yesterday' }),
        () => descriptorOf(index + 1, `index.html/case-${index}`),
        () => descriptorOf(index + 1, `fuzz/${'x'.repeat(230)}-${index}`),
        () => descriptorOf(index + 1, `fuzz/case-${index}/collection.json`),
        () => descriptorOf(index + 1, `fuzz/ünïcode-${index}`),
        () => descriptorOf(index + 1, 'fuzz/good-0'),
        () => descriptorOf(index + 1, fullPath, { license: { key: 5 } }),
        () => descriptorOf(index + 1, fullPath, { release: { tag_name: '<x>', name: 5 }, packages: [null, { name: 'p', package_type: 5 }], containers: [{ location: 'registry/x', tags: [null, 1] }] }),
        () => '',
        () => '- just\n- a list\n',
      ]);
      descriptor = bad();
      break;
    }
    case 'files':
      files['model.onnx'] = pick(rand, [demoModelBytes(), new Uint8Array([8, 7, 18, 4, 116, 101, 115, 116]), new Uint8Array(0)]);
      files['preview.png'] = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);
      files[`deep/${'d/'.repeat(20)}f.onnx`] = demoModelBytes();
      setOwn(data, 'assets', ['**/*.onnx', '*.png', { path: 'model.onnx', key: 'model', roles: ['mlm:model'] }]);
      break;
  }
  return { path: fullPath, readme: readme ?? readmeOf(data, body), descriptor, files, mutation };
}

/** Write projects as a workspace folder. */
export async function writeWorkspace(dir: string, projects: readonly FuzzProject[]): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  for (const [i, p] of projects.entries()) {
    const folder = path.join(dir, `p${String(i).padStart(3, '0')}`);
    await mkdir(folder, { recursive: true });
    await writeFile(path.join(folder, 'stachub-project.yml'), p.descriptor);
    if (p.readme !== null) await writeFile(path.join(folder, 'README.md'), p.readme);
    for (const [name, content] of Object.entries(p.files)) {
      await mkdir(path.dirname(path.join(folder, name)), { recursive: true });
      await writeFile(path.join(folder, name), content);
    }
  }
}

export interface BatchOutcome {
  code: number;
  ms: number;
  stderr: string;
  report?: BuildReport;
  /** What broke the rules (empty: the batch is fine). */
  failures: string[];
  /** Projects that failed with an unexpected (untyped) error caught by the guard. */
  untyped: string[];
  lost: string[];
}

/** Build one workspace with the real CLI and check the outcome. */
export async function runBatch(dir: string, projects: readonly FuzzProject[], opts: { strict?: boolean } = {}): Promise<BatchOutcome> {
  const ws = path.join(dir, 'ws');
  const out = path.join(dir, 'out');
  await writeWorkspace(ws, projects);
  // The output stays in memory (a fresh folder each batch): the checks below read it from there.
  const output = new MemoryOutput();
  let stderr = '';
  const t0 = performance.now();
  const code = await main(['node', 'stachub', 'build', '--workspace', ws, '--out', out, '--schema-map', ...schemaMapPairs, ...(opts.strict ? ['--strict'] : [])], {
    stdout: () => {},
    stderr: (s) => void (stderr += s),
    now: () => new Date('2026-11-01T00:00:00Z'),
    env: {},
    isTTY: false,
    output: output.open,
  });
  const ms = performance.now() - t0;
  const failures: string[] = [];
  const lost: string[] = [];
  const untyped: string[] = [];
  if (!(code === 0 || (opts.strict && code === 3))) failures.push(`exit ${code}: ${stderr.split('\n').filter((l) => /error|invalid|problem/i.test(l)).slice(0, 5).join(' | ')}`);
  let report: BuildReport | undefined;
  try {
    report = output.json<BuildReport>(out, 'build-report.json');
  } catch {
    failures.push('no build-report.json');
  }
  if (report) {
    if (report.messages.some((m) => m.level === 'error')) failures.push(`catalog errors: ${report.messages.map((m) => m.message).join(' | ').slice(0, 300)}`);
    for (const p of report.projects) {
      for (const m of p.messages) {
        if (m.code === 'project/failed' && !/PathClashError|StachubError/.test(m.message)) untyped.push(`${p.path}: ${m.message}`);
      }
    }
    for (const g of projects.filter((p) => p.good)) {
      const name = g.path.split('/').pop()!;
      try {
        const item = output.json<{ properties: Record<string, unknown> }>(out, `ai-model/${g.path}/${name}.json`);
        if (item.properties.title !== g.good!.title) lost.push(`${g.path}: title ${String(item.properties.title)}`);
      } catch {
        lost.push(`${g.path}: not published`);
      }
      const entry = report.projects.find((p) => p.path === g.path);
      if (entry?.status !== 'ok') lost.push(`${g.path}: status ${entry?.status}: ${entry?.messages.map((m) => m.message).join(' | ')}`);
    }
  }
  return { code, ms, stderr, ...(report ? { report } : {}), failures, untyped, lost };
}
