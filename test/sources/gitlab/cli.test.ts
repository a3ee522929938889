import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../../generator/cli.js';
import { STATE_FILE, decodeState } from '../../../generator/state/state.js';
import type { FakeGitLab } from '../../fakes/gitlab/server.js';
import { sha256Hex } from '../../fakes/gitlab/model.js';
import { DT, encodeModel } from '../../onnx/schema.js';
import { TOKEN, addDataset, addModel, startFake } from './helpers.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const ONNX_MODEL = encodeModel({
  ir_version: 8,
  producer_name: 'stachub-test',
  opset_import: [{ domain: '', version: 17 }],
  graph: {
    name: 'g',
    node: [{ op_type: 'MatMul', input: ['x', 'w'], output: ['y'] }],
    initializer: [{ name: 'w', dims: [3, 2], data_type: DT.FLOAT, raw_data: Buffer.alloc(24, 1) }],
    input: [{ name: 'x', type: { tensor_type: { elem_type: DT.FLOAT, shape: { dim: [{ dim_param: 'batch' }, { dim_value: 3 }] } } } }],
    output: [{ name: 'y', type: { tensor_type: { elem_type: DT.FLOAT, shape: { dim: [{ dim_param: 'batch' }, { dim_value: 2 }] } } } }],
  },
});

let gl: FakeGitLab;
let work: string;
beforeEach(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'stachub-gitlab-cli-'));
});
afterEach(async () => {
  await gl?.stop();
  await rm(work, { recursive: true, force: true });
});

async function run(argv: string[], env: NodeJS.ProcessEnv) {
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'stachub', ...argv], {
    stdout: (s) => void (stdout += s),
    stderr: (s) => void (stderr += s),
    env,
    isTTY: false,
  });
  return { code, stdout, stderr };
}

async function files(dir: string, prefix = ''): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const d of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${d.name}` : d.name;
    if (d.isDirectory()) for (const [k, v] of await files(path.join(dir, d.name), rel)) out.set(k, v);
    else out.set(rel, await readFile(path.join(dir, d.name)));
  }
  return out;
}

describe('stachub build --gitlab-url', () => {
  it('builds from GitLab with SharingHub default categories, then incrementally, never leaking the token', async () => {
    gl = await startFake();
    addModel(gl, 1);
    addModel(gl, 2);
    addDataset(gl, 3);
    gl.addProject({ id: 4, fullPath: 'secret/private', topics: ['sharinghub:aimodel'], visibility: 'private', members: ['bot'], files: { 'README.md': 'PRIVATE-MARKER' } });
    const out = path.join(work, 'public');
    const env = { GITLAB_TOKEN: TOKEN };
    const first = await run(['build', '--gitlab-url', gl.url, '--out', out, '--no-validate'], env);
    expect(first.code, first.stderr).toBe(0);
    const out1 = await files(out);
    expect([...out1.keys()]).toContain(STATE_FILE);
    expect([...out1.keys()].some((k) => k.includes('model-1'))).toBe(true);
    const state = decodeState(out1.get(STATE_FILE)!);
    expect(state.projects.map((p) => p.id)).toEqual([1, 2, 3]);
    const everything = [...out1.values()].map((b) => b.toString('latin1')).join('\n') + first.stdout + first.stderr;
    expect(everything).not.toContain(TOKEN);
    expect(everything).not.toContain('PRIVATE-MARKER');
    expect(everything).not.toContain('secret/private');

    // second build, nothing changed: listing requests only, same catalog
    gl.clearLog();
    const second = await run(['build', '--gitlab-url', gl.url, '--out', out, '--no-validate'], env);
    expect(second.code, second.stderr).toBe(0);
    expect(gl.requests.every((r) => r.route === 'projects')).toBe(true);
    const report = JSON.parse((await readFile(path.join(out, 'build-report.json'), 'utf8')) as string) as { projects: { origin?: string }[] };
    expect(report.projects.every((p) => p.origin === 'unchanged')).toBe(true);
  });

  it('a GitLab build validates against the STAC schemas: LFS checksums, ONNX as MLM, release, package and image links', async () => {
    gl = await startFake();
    gl.addProject({
      id: 1,
      fullPath: 'grp/model',
      topics: ['sharinghub:aimodel'],
      files: {
        'README.md': '---\ntitle: My model\nassets:\n  - "*.onnx"\n---\n# Model\n',
        LICENSE: 'MIT License\n',
        '.gitattributes': '*.onnx filter=lfs\n',
        'model.onnx': { content: ONNX_MODEL, lfs: true },
      },
      license: { key: 'mit', name: 'MIT License' },
      releases: [{ tag_name: 'v1', name: 'v1', released_at: '2026-01-01T00:00:00Z' }],
      packages: [{ id: 5, name: 'pkg', version: '1', package_type: 'pypi' }],
      containers: [{ id: 3, name: '', path: 'grp/model', location: 'registry.example.com/grp/model', tags: ['latest'] }],
    });
    const out = path.join(work, 'public');
    // Validated with the schemas stachub ships: no --schema-map, no network.
    const r = await run(['build', '--gitlab-url', gl.url, '--out', out, '--strict'], { GITLAB_TOKEN: TOKEN });
    expect(r.code, r.stderr).toBe(0);
    const item = JSON.parse(await readFile(path.join(out, 'ai-model/grp/model/model.json'), 'utf8')) as {
      properties: Record<string, unknown>;
      assets: Record<string, Record<string, unknown>>;
      links: { rel: string }[];
    };
    expect(item.properties.license).toBe('MIT');
    expect(item.properties['mlm:input']).toBeDefined();
    expect(item.assets['model.onnx']).toMatchObject({
      href: `${gl.url}/api/v4/projects/1/repository/files/model.onnx/raw?ref=main&lfs=true`,
      'file:size': ONNX_MODEL.length,
      'file:checksum': `1220${sha256Hex(ONNX_MODEL)}`,
    });
    expect(item.assets.release).toMatchObject({ roles: ['source'] });
    expect(item.links.map((l) => l.rel)).toEqual(expect.arrayContaining(['license', 'package', 'container']));
  });

  it('takes the URL from GITLAB_URL or CI_SERVER_URL', async () => {
    gl = await startFake();
    addModel(gl, 1);
    const out = path.join(work, 'public');
    const r = await run(['build', '--out', out, '--no-validate'], { CI_SERVER_URL: gl.url, GITLAB_TOKEN: TOKEN });
    expect(r.code, r.stderr).toBe(0);
    expect(gl.requests.length).toBeGreaterThan(0);
  });

  it('exits 4 and writes nothing when the listing fails (here: a rejected token)', async () => {
    gl = await startFake();
    addModel(gl, 1);
    const out = path.join(work, 'public');
    const r = await run(['build', '--gitlab-url', gl.url, '--out', out, '--no-validate'], { GITLAB_TOKEN: 'glpat-revoked-token-123' });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/401/);
    expect(r.stderr).not.toContain('glpat-revoked-token-123');
    await expect(stat(out)).rejects.toThrow();
  });
});
