/**
 * One hostile or broken project never takes the catalog down: every README below used to crash
 * the build (exit 1, nothing written) or make the whole catalog invalid (exit 3, nothing
 * published). Each now builds with exit 0: the bad project is reported with an error, every good
 * project is published, and the output validates offline.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../../generator/build.js';
import { main } from '../../generator/cli.js';
import { defaultConfig } from '../../generator/config.js';
import { wktToExtent } from '../../generator/metadata/extent.js';
import { guessDimOrder } from '../../generator/stac/extensions/mlm.js';
import { DT, encodeModel } from '../onnx/schema.js';
import type { BuildReport, ProjectReport } from '../../generator/report.js';
import type { PreviousProject, Source } from '../../generator/sources/source.js';
import type { StacItem } from '../../generator/stac/types.js';
import type { ProjectSnapshot } from '../../generator/types.js';
import { readmeWith, repoRoot, schemaMapPairs, snapshot } from '../helpers.js';

let work: string;
let n = 0;
beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'stachub-hostile-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let so = '';
  let se = '';
  const code = await main(['node', 'stachub', ...argv], { stdout: (s) => (so += s), stderr: (s) => (se += s), now: () => new Date('2026-11-01T00:00:00Z'), env: {}, isTTY: false });
  return { code, stdout: so, stderr: se };
}

interface ProjectSpec {
  path: string;
  readme?: string | Buffer;
  descriptor?: string;
  visibility?: string;
  files?: Record<string, string | Uint8Array>;
}

/** A workspace of projects; the good one is always there. */
async function workspace(projects: ProjectSpec[]): Promise<string> {
  const ws = path.join(work, `ws-${++n}`);
  let id = 100;
  for (const p of [{ path: 'team/good', readme: readmeWith('title: Good\nlicense: MIT\ngsd: 10') }, ...projects]) {
    const dir = path.join(ws, p.path.replace(/\//g, '__'));
    await mkdir(dir, { recursive: true });
    const descriptor =
      p.descriptor ??
      [
        `id: ${++id}`,
        `path_with_namespace: ${p.path}`,
        `visibility: ${p.visibility ?? 'public'}`,
        'topics: [sharinghub:aimodel]',
        `web_url: https://gitlab.example.com/${p.path}`,
        'created_at: 2026-01-01T00:00:00Z',
        'last_activity_at: 2026-01-02T00:00:00Z',
      ].join('\n');
    await writeFile(path.join(dir, 'stachub-project.yml'), descriptor);
    if (p.readme !== undefined) await writeFile(path.join(dir, 'README.md'), p.readme);
    for (const [name, content] of Object.entries(p.files ?? {})) {
      await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
      await writeFile(path.join(dir, name), content);
    }
  }
  return ws;
}

interface Built {
  code: number;
  stderr: string;
  out: string;
  report: BuildReport;
  bad: ProjectReport | undefined;
  item: (p: string) => Promise<StacItem>;
}

/** Build with schema validation, then check the output validates and the good project is published. */
async function buildOf(projects: ProjectSpec[], extra: string[] = []): Promise<Built> {
  const ws = await workspace(projects);
  const out = path.join(ws, '..', `${path.basename(ws)}-out`);
  const r = await run(['build', '--workspace', ws, '--out', out, '--schema-map', ...schemaMapPairs, ...extra]);
  const report = JSON.parse(await readFile(path.join(out, 'build-report.json'), 'utf8')) as BuildReport;
  const item = async (p: string): Promise<StacItem> => JSON.parse(await readFile(path.join(out, 'ai-model', p, `${p.split('/').pop()}.json`), 'utf8')) as StacItem;
  return { code: r.code, stderr: r.stderr, out, report, bad: report.projects.find((x) => x.path !== 'team/good'), item };
}

async function expectGoodAndValid(b: Built): Promise<void> {
  expect(b.code, b.stderr).toBe(0);
  const good = await b.item('team/good');
  expect(good.properties.gsd).toBe(10);
  const v = await run(['validate', b.out, '--offline', '--schema-map', ...schemaMapPairs]);
  expect(v.code, v.stdout + v.stderr).toBe(0);
}

const bad = (frontMatter: string, extra: Partial<ProjectSpec> = {}): ProjectSpec => ({ path: 'team/bad', readme: readmeWith(frontMatter), ...extra });

describe('front-matter values the schema rejects are dropped, never used', () => {
  it.each([
    ['assets: [null]', 'assets.0', 2],
    ['assets: [{glob: 5}]', 'assets.0.glob', 2],
    ['providers: [{name: a, roles: 5}]', 'providers.0.roles', 2],
    ['title: Bad\nmlflow: {models: [null]}', 'mlflow.models.0', 3],
  ])('%s: the project is published with an error naming the key and line', async (fm, key, line) => {
    const b = await buildOf([bad(fm)], ['--mlflow-export', path.join(repoRoot, 'examples/mlflow-export')]);
    await expectGoodAndValid(b);
    expect(b.bad?.messages).toContainEqual(expect.objectContaining({ level: 'error', code: 'front-matter/schema', line, message: expect.stringMatching(new RegExp(`^${key.replace(/\./g, '\\.')}: .*the value is ignored`)) }));
    expect(b.report.counts.items).toBe(2);
  });

  it('keeps the rest of a rule or a provider: a title that is not a string is left out of the asset', async () => {
    const b = await buildOf([bad('assets: [{glob: "*.txt", title: 5}]\nproviders: [{name: a, roles: 5}]', { files: { 'notes.txt': 'hi' } })]);
    await expectGoodAndValid(b);
    const item = await b.item('team/bad');
    expect(item.assets['notes.txt']).toMatchObject({ type: 'text/plain', roles: ['data'] });
    expect(item.assets['notes.txt']).not.toHaveProperty('title');
    expect(item.properties.providers).toContainEqual({ name: 'a' });
  });

  it('stachub lint reports mlflow: {models: [null]} with its line', async () => {
    const file = path.join(work, 'lint-README.md');
    await writeFile(file, readmeWith('license: MIT\nmlflow: {models: [null]}'));
    const r = await run(['lint', file]);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain(`${file}:3: error: mlflow.models.0: must be string; the value is ignored [front-matter/schema]`);
  });
});

describe('front matter and README budgets', () => {
  const laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]', ...'bcdefghi'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`)].join('\n');

  it.each([
    ['a YAML billion-laughs block', laughs, /aliases more than 100 times/],
    ['front matter of more than 20000 values', `big: [${Array.from({ length: 20_001 }, (_, i) => i).join(',')}]`, /more than 20000 values/],
    ['front matter nested 2000 levels', `deep: ${'['.repeat(2000)}${']'.repeat(2000)}`, /nested/],
  ])('%s: an error of the project, which is published without its front matter', async (_, fm, message) => {
    const b = await buildOf([bad(fm)]);
    await expectGoodAndValid(b);
    expect(b.bad?.messages).toContainEqual(expect.objectContaining({ level: 'error', code: 'front-matter/yaml', message: expect.stringMatching(message) }));
    expect((await b.item('team/bad')).properties).not.toHaveProperty('big');
  });

  it('a 50 MB README is not read: an error of its project', async () => {
    const huge = Buffer.alloc(50 * 1024 * 1024, 'lorem ipsum dolor sit amet '.repeat(10));
    const b = await buildOf([{ path: 'team/bad', readme: Buffer.concat([Buffer.from('---\ntitle: Huge\n---\n'), huge]) }]);
    await expectGoodAndValid(b);
    expect(b.bad?.messages).toContainEqual(expect.objectContaining({ level: 'error', code: 'budget/readme-bytes' }));
    expect((await b.item('team/bad')).properties.title).toBe('bad');
  });

  it('more asset rules, links or matched files than the limits: the first ones are used, with an error', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 1001; i++) files[`data/f${String(i).padStart(4, '0')}.csv`] = 'x';
    const rules = Array.from({ length: 101 }, (_, i) => `  - glob: "data/f${String(i).padStart(4, '0')}.csv"`).join('\n');
    const links = Array.from({ length: 201 }, (_, i) => `  - {href: "https://example.com/${i}", rel: related}`).join('\n');
    const b = await buildOf([bad(`assets:\n  - "*.csv"\n${rules}\nlinks:\n${links}`, { files })]);
    await expectGoodAndValid(b);
    const codes = b.bad?.messages.map((m) => m.code);
    expect(codes).toEqual(expect.arrayContaining(['budget/asset-rules', 'budget/links', 'budget/matched-files']));
    const item = await b.item('team/bad');
    expect(Object.keys(item.assets).filter((k) => k.endsWith('.csv'))).toHaveLength(1000);
    expect(item.links.filter((l) => l.href.startsWith('https://example.com/'))).toHaveLength(200);
  });

  it('a backtracking glob against a long file name does not stall the build', async () => {
    const b = await buildOf([bad(`assets: ["${'*a'.repeat(12)}*b", "{a,b}{c,d}{e,f}{g,h}{i,j}{k,l}{m,n}"]`, { files: { [`${'a'.repeat(80)}.txt`]: 'x' } })]);
    await expectGoodAndValid(b);
    expect(b.bad?.messages).toContainEqual(expect.objectContaining({ code: 'assets/glob', line: 2 }));
    expect(Object.keys((await b.item('team/bad')).assets)).toEqual([]);
  });

  it('a WKT extent of more than 50000 positions is not used; 300,000 positions no longer overflow the stack', async () => {
    const points = (k: number): string => Array.from({ length: k }, (_, i) => `${i % 90} ${i % 45}`).join(',');
    const b = await buildOf([bad(`extent: {spatial: "MULTIPOINT (${points(60_000)})"}`)]);
    await expectGoodAndValid(b);
    expect(b.bad?.messages).toContainEqual(expect.objectContaining({ level: 'error', code: 'budget/wkt-points', line: 2 }));
    expect((await b.item('team/bad')).geometry).toBeNull();
    expect(wktToExtent(`MULTIPOINT (${points(300_000)})`).bbox).toEqual([0, 0, 89, 44]);
  });

  it('an ONNX model with 100,000 symbolic dims is not described: an error of its project', async () => {
    const dims = Array.from({ length: 100_000 }, (_, i) => ({ dim_param: `d${i % 7}x` }));
    const onnx = encodeModel({
      ir_version: 8,
      opset_import: [{ domain: '', version: 17 }],
      graph: {
        name: 'g',
        input: [{ name: 'x', type: { tensor_type: { elem_type: DT.FLOAT, shape: { dim: dims } } } }],
        output: [{ name: 'y', type: { tensor_type: { elem_type: DT.FLOAT, shape: { dim: [{ dim_value: 1 }] } } } }],
      },
    });
    const b = await buildOf([bad('assets: ["*.onnx"]', { files: { 'model.onnx': onnx } })]);
    await expectGoodAndValid(b);
    expect(b.bad?.messages).toContainEqual(expect.objectContaining({ level: 'error', code: 'budget/onnx', file: 'model.onnx' }));
    const item = await b.item('team/bad');
    expect(item.assets['model.onnx']).toBeDefined();
    expect(item.properties).not.toHaveProperty('mlm:input');
    // And naming the dims themselves is linear, with every name distinct.
    const order = guessDimOrder({ type: 'tensor', dataType: 'float32', shape: dims.map((d) => d.dim_param) }, 'input');
    expect(new Set(order).size).toBe(100_000);
  });
});

describe('a namespace that collides with a page', () => {
  it('a project under a group named index.html is left out with an error; the category page stays', async () => {
    const b = await buildOf([{ path: 'index.html/bad', readme: readmeWith('title: Bad') }]);
    await expectGoodAndValid(b);
    expect(b.bad).toMatchObject({ path: 'index.html/bad', status: 'error', messages: [expect.objectContaining({ code: 'project/failed', message: expect.stringContaining('layout stage') })] });
    expect(await readFile(path.join(b.out, 'ai-model/index.html'), 'utf8')).toContain('<html');
    expect(b.report.counts.items).toBe(1);
  });
});

describe('a valid catalog always', () => {
  it.each([
    ['gsd: -1', 'stac/dropped', 'gsd'],
    ['platform: 5', 'stac/dropped', 'platform'],
    ['sci:doi: 5', 'stac/dropped', 'sci:doi'],
    ['datetime: "x"', 'front-matter/datetime', 'datetime'],
  ])('%s: the property is dropped with an error; the catalog validates and exit is 0 (3 with --strict)', async (fm, code, key) => {
    const b = await buildOf([bad(fm)]);
    await expectGoodAndValid(b);
    expect(b.bad?.status).toBe('error');
    expect(b.bad?.messages).toContainEqual(expect.objectContaining({ level: 'error', code, message: expect.stringContaining(key) }));
    const item = await b.item('team/bad');
    if (key === 'datetime') expect(item.properties.datetime).toBe('2026-01-02T00:00:00Z');
    else expect(item.properties).not.toHaveProperty(key);
    expect(item.stac_extensions).not.toContain('https://stac-extensions.github.io/scientific/v1.0.0/schema.json');
    const strict = await buildOf([bad(fm)], ['--strict']);
    expect(strict.code).toBe(3);
  });

  it('__proto__, constructor, prototype and toString are plain keys, never extension prefixes', async () => {
    const fm = 'toString: {a: 1}\nconstructor: {b: 2}\nprototype: {c: 3}\n__proto__: {d: 4}\nhasOwnProperty: x\nassets: ["*.constructor"]\nlinks: [{href: "https://example.com/a", rel: __defineGetter__}]';
    const b = await buildOf([bad(fm, { files: { 'x.constructor': 'x' } })]);
    await expectGoodAndValid(b);
    const item = await b.item('team/bad');
    expect(item.stac_extensions.every((u) => typeof u === 'string')).toBe(true);
    expect(item.properties.toString).toEqual({ a: 1 });
    expect(item.properties.constructor).toEqual({ b: 2 });
    expect(item.properties.prototype).toEqual({ c: 3 });
    expect(Object.hasOwn(item.properties, '__proto__')).toBe(true);
    expect(Object.keys(item.properties).filter((k) => /^(toString|constructor|prototype|__proto__):/.test(k))).toEqual([]);
    expect(b.bad?.messages.filter((m) => m.code === 'extensions/block')).toEqual([]);
    // A link rel or a file extension named after an Object.prototype member is just a name too.
    expect(b.bad?.messages.filter((m) => m.level === 'error')).toEqual([]);
    expect(item.assets['x.constructor']).not.toHaveProperty('type');
    expect(await readFile(path.join(b.out, 'ai-model/team/bad/index.html'), 'utf8')).toContain('__defineGetter__');
  });
});

describe('the build report names only what the catalog publishes', () => {
  it('a private project with a broken descriptor is counted, not named; one whose visibility is unreadable is not named', async () => {
    const b = await buildOf([
      { path: 'hidden-group/secret-thing', visibility: 'private', descriptor: 'path_with_namespace: hidden-group/secret-thing\nvisibility: private\ntopics: 5\n', readme: 'x' },
      { path: 'hidden-group/other-secret', descriptor: 'path_with_namespace: hidden-group/other-secret\nvisibility: [private\n', readme: 'x' },
    ]);
    expect(b.code, b.stderr).toBe(0);
    const text = await readFile(path.join(b.out, 'build-report.json'), 'utf8');
    expect(text).not.toContain('hidden-group');
    expect(text).not.toContain('secret');
    expect(b.report.counts.excludedVisibility).toBe(1);
    expect(b.report.projects.map((p) => p.path)).toEqual(['(unreadable descriptor 1)', 'team/good']);
  });
});

describe('isolation per project (pipeline API)', () => {
  const config = defaultConfig('/tmp');
  const now = (): Date => new Date('2026-01-02T03:04:05Z');
  /** A snapshot no stage can make an item from (a source is outside input too). */
  const broken = (id: number, fullPath: string): ProjectSnapshot => ({ ...snapshot(readmeWith('license: MIT'), { info: { id, fullPath } }), files: [null as never] });
  const sourceOf = (snapshots: ProjectSnapshot[]): Source => ({
    description: 'memory',
    projects: async () => ({ entries: snapshots.map((s) => ({ snapshot: s, origin: 'fresh' as const })), failed: [], excluded: { visibility: 0, archived: 0 } }),
  });

  it('an untyped failure is an error of its project; the others are published', async () => {
    const good = snapshot(readmeWith('license: MIT'), { info: { id: 1, fullPath: 'team/good' } });
    const { report, files } = await build({ config, source: sourceOf([good, broken(2, 'team/broken')]), now });
    expect(files.some((f) => f.path === 'ai-model/team/good/good.json')).toBe(true);
    expect(files.some((f) => f.path.includes('team/broken'))).toBe(false);
    expect(report.projects.find((p) => p.path === 'team/broken')).toMatchObject({ status: 'error', messages: [expect.objectContaining({ code: 'project/failed', message: expect.stringContaining('record stage, TypeError') })] });
  });

  it('with a previous snapshot in the state, the failing project keeps its previous item', async () => {
    const before = snapshot(readmeWith('title: Before\nlicense: MIT'), { info: { id: 2, fullPath: 'team/broken' } });
    const previous = new Map<number, PreviousProject>([[2, { topics: before.project.topics, lastActivityAt: before.project.lastActivityAt, snapshot: before }]]);
    const result = await build({ config, source: sourceOf([broken(2, 'team/broken')]), now, previous });
    const item = result.files.find((f) => f.path === 'ai-model/team/broken/broken.json');
    expect(JSON.parse(Buffer.from(item!.content).toString('utf8')).properties.title).toBe('Before');
    expect(result.report.projects[0]).toMatchObject({ status: 'error', origin: 'stale', messages: expect.arrayContaining([expect.objectContaining({ code: 'project/failed', message: expect.stringContaining('its item from the previous build is kept') })]) });
    // The state written after this build keeps the previous snapshot, not the broken one.
    expect(result.listing.entries[0]?.snapshot).toBe(before);
  });
});
