import { afterEach, describe, expect, it } from 'vitest';
import type { FakeGitLab } from '../../fakes/gitlab/server.js';
import { sha256Hex } from '../../fakes/gitlab/model.js';
import { SourceUnreachableError } from '../../../generator/errors.js';
import type { OnnxSummary } from '../../../generator/onnx/index.js';
import { DT, encodeModel } from '../../onnx/schema.js';
import { AIMODEL, DATASET, ONNX_BYTES, TOKEN, addDataset, addModel, query, source, startFake } from './helpers.js';

let gl: FakeGitLab;
afterEach(async () => {
  await gl?.stop();
});

describe('GitLab source: discovery', () => {
  it('lists the projects of each category topic, once each, by exact topic name', async () => {
    gl = await startFake();
    addModel(gl, 1);
    addDataset(gl, 2);
    addModel(gl, 3, 'group/both', { topics: [AIMODEL, DATASET] });
    gl.addProject({ id: 4, fullPath: 'group/near-miss', topics: ['Sharinghub:aimodel', 'sharinghub:aimodel2'], files: { 'README.md': 'x' } });
    gl.addProject({ id: 5, fullPath: 'group/other', topics: ['unrelated'], files: { 'README.md': 'x' } });
    const listing = await source(gl).projects(query());
    expect(listing.entries.map((e) => e.snapshot.project.fullPath).sort()).toEqual(['group/both', 'group/data-2', 'group/model-1']);
    expect(listing.failed).toEqual([]);
    // one keyset listing per topic
    const lists = gl.requests.filter((r) => r.route === 'projects');
    expect(lists.every((r) => r.url.includes('pagination=keyset') && r.url.includes('order_by=id'))).toBe(true);
  });

  it('follows keyset pages across more than 100 projects', async () => {
    gl = await startFake();
    for (let i = 1; i <= 230; i++) {
      gl.addProject({ id: i, fullPath: `g/p${i}`, topics: [AIMODEL], files: {}, emptyRepo: true, packagesEnabled: false, containerRegistryEnabled: false });
    }
    const listing = await source(gl).projects(query({ topics: [AIMODEL] }));
    expect(listing.entries).toHaveLength(230);
    expect(gl.count('projects')).toBe(4); // 100 + 100 + 30, and gitbeaker follows the last Link to []
  });

  it('sends the token as Authorization: Bearer, never as PRIVATE-TOKEN', async () => {
    gl = await startFake();
    addModel(gl, 1);
    await source(gl).projects(query());
    expect(gl.requests.length).toBeGreaterThan(3);
    expect(gl.requests.every((r) => r.auth === 'bearer')).toBe(true);
  });

  it('leaves out private and internal projects the token can see, and archived ones', async () => {
    gl = await startFake();
    addModel(gl, 1);
    gl.addProject({ id: 2, fullPath: 'secret/private-model', topics: [AIMODEL], visibility: 'private', members: ['bot'], files: { 'README.md': 'secret' } });
    gl.addProject({ id: 3, fullPath: 'corp/internal-model', topics: [AIMODEL], visibility: 'internal', files: { 'README.md': 'corp' } });
    gl.addProject({ id: 4, fullPath: 'group/old-model', topics: [AIMODEL], archived: true, files: { 'README.md': 'old' } });
    const listing = await source(gl).projects(query());
    expect(listing.entries.map((e) => e.snapshot.project.fullPath)).toEqual(['group/model-1']);
    // the private project was never read
    expect(gl.count(undefined, 2)).toBe(0);
    const withInternal = await source(gl).projects(query({ visibility: ['public', 'internal'], archived: 'include' }));
    expect(withInternal.entries.map((e) => e.snapshot.project.fullPath).sort()).toEqual([
      'corp/internal-model',
      'group/model-1',
      'group/old-model',
    ]);
  });

  it('fails with SourceUnreachableError (exit 4) when the listing cannot be read', async () => {
    gl = await startFake();
    addModel(gl, 1);
    gl.faults.push({ route: 'projects', kind: 'status', status: 503 });
    const err = await source(gl, { transport: { baseDelayMs: 1, maxDelayMs: 5, maxRetries: 2 } })
      .projects(query())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceUnreachableError);
    expect((err as SourceUnreachableError).exitCode).toBe(4);
    expect(String((err as Error).message)).not.toContain(TOKEN);
  });

  it('fails with exit 4 on a rejected token, without echoing it', async () => {
    gl = await startFake();
    const err = await source(gl, { token: 'glpat-wrong-token-value' })
      .projects(query())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceUnreachableError);
    expect(String((err as Error).message)).toContain('401');
    expect(String((err as Error).message)).not.toContain('glpat-wrong-token-value');
  });
});

describe('GitLab source: one project', () => {
  it('reads README, tree, head, release, license, LFS, .dvc, preview, packages and containers', async () => {
    gl = await startFake();
    addModel(gl, 7, 'team/sub/model');
    const onnxCalls: { url: string; headers: Record<string, string> }[] = [];
    const listing = await source(gl, {
      carryPreviewMaxBytes: 1024 * 1024,
      inspectOnnx: async ({ url, headers, fetch }) => {
        onnxCalls.push({ url, headers });
        const r = await fetch(url, { headers: { ...headers, range: 'bytes=0-3' } });
        return { status: r.status, head: [...new Uint8Array(await r.arrayBuffer())] } as unknown as OnnxSummary;
      },
    }).projects(query());
    expect(listing.entries).toHaveLength(1);
    const { snapshot: s, origin } = listing.entries[0]!;
    expect(origin).toBe('fresh');
    expect(s.project).toMatchObject({
      id: 7,
      fullPath: 'team/sub/model',
      visibility: 'public',
      defaultBranch: 'main',
      topics: ['segmentation', AIMODEL].sort(),
      license: { key: 'mit', name: 'MIT License' },
      headCommit: gl.projects.get(7)!.commits[0]!.id,
    });
    expect(s.readme?.path).toBe('README.md');
    expect(s.readme?.text).toContain('title: Model 7');
    expect(s.files.map((f) => f.path).sort()).toEqual(
      ['.gitattributes', 'LICENSE', 'README.md', 'data/train.csv.dvc', 'models/model.onnx', 'preview.png', 'src/train.py'].sort(),
    );
    const model = s.files.find((f) => f.path === 'models/model.onnx')!;
    const oid = sha256Hex(ONNX_BYTES);
    expect(model.lfs).toEqual({ oid, size: ONNX_BYTES.length });
    expect(model.sha256).toBe(oid);
    expect(model.href).toBe(`${gl.url}/api/v4/projects/7/repository/files/models%2Fmodel.onnx/raw?ref=main&lfs=true`);
    // the href serves the real bytes, without a token
    const bytes = new Uint8Array(await (await fetch(model.href)).arrayBuffer());
    expect([...bytes]).toEqual([...ONNX_BYTES]);
    expect(s.release).toMatchObject({ tagName: 'v1.1', name: 'Second', description: 'more notes' });
    expect(s.release?.archiveHref).toMatch(/v1\.1.*\.zip$/);
    expect(s.packages).toEqual([
      { name: 'model-pkg', version: '1.1.0', packageType: 'pypi', webUrl: `${gl.url}/team/sub/model/-/packages/72` },
    ]);
    expect(s.containers).toEqual([{ location: 'registry.example.com/team/sub/model', tags: ['latest'] }]);
    expect(s.carried).toHaveLength(1);
    expect(s.carried[0]).toMatchObject({ path: 'preview.png', mediaType: 'image/png' });
    // ONNX through the hook, with a Range request the server honours
    expect(onnxCalls.map((c) => c.url)).toEqual([model.href]);
    expect(s.onnx['models/model.onnx']).toEqual({ status: 206, head: [...ONNX_BYTES.slice(0, 4)] });
    expect(s.diagnostics).toEqual([]);
  });

  it('costs at most 5 metadata requests, plus one per LFS pointer', async () => {
    gl = await startFake();
    addModel(gl, 7);
    const src = source(gl);
    await src.projects(query({ topics: [AIMODEL] }));
    const c = src.calls;
    expect(c.tree + c.readme + c.head + c.release + c.license).toBeLessThanOrEqual(5);
    expect(c.lfsPointer).toBe(1);
    // the head commit came with the README (X-Gitlab-Commit-Id), not a separate request
    expect(gl.count('commit')).toBe(0);
  });

  it('describes ONNX models with the scanner over Range requests (at most 4 per model)', async () => {
    gl = await startFake();
    const model = encodeModel({
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
    gl.addProject({
      id: 3,
      fullPath: 'g/real-model',
      topics: [AIMODEL],
      files: { 'README.md': '# m\n', '.gitattributes': '*.onnx filter=lfs\n', 'model.onnx': { content: model, lfs: true } },
    });
    const listing = await source(gl).projects(query());
    const s = listing.entries[0]!.snapshot;
    expect(s.diagnostics).toEqual([]);
    expect(s.onnx['model.onnx']).toMatchObject({
      producerName: 'stachub-test',
      inputs: [{ name: 'x', type: 'tensor', dataType: 'float32', shape: ['batch', 3] }],
      outputs: [{ name: 'y', type: 'tensor', dataType: 'float32', shape: ['batch', 2] }],
      parameterCount: 6,
    });
    const ranged = gl.requests.filter((r) => r.route === 'raw' && r.url.includes('model.onnx') && r.url.includes('lfs=true'));
    expect(ranged.length).toBeGreaterThan(0);
    expect(ranged.length).toBeLessThanOrEqual(4);
  });

  it('LFS bytes behind a redirect to another origin never receive the token', async () => {
    gl = await startFake({ lfsRedirect: true });
    addModel(gl, 1);
    const listing = await source(gl, {
      carryPreviewMaxBytes: 1024 * 1024,
      inspectOnnx: async ({ url, headers, fetch }) => {
        // the byte source follows redirects by hand; the transport must hand it the 302
        const first = await fetch(url, { headers: { ...headers, range: 'bytes=0-3' }, redirect: 'manual' });
        expect(first.status).toBe(302);
        const r = await fetch(first.headers.get('location')!, { headers: { range: 'bytes=0-3' } });
        return { status: r.status } as unknown as OnnxSummary;
      },
    }).projects(query());
    expect(listing.entries[0]!.snapshot.onnx['models/model.onnx']).toEqual({ status: 206 });
    // and a redirect followed by the transport itself drops the credentials at the origin change
    const t = (await import('../../../generator/sources/gitlab/transport.js')).GitLabTransport;
    const transport = new t();
    const r = await transport.request(`${gl.url}/api/v4/projects/1/repository/files/models%2Fmodel.onnx/raw?ref=main&lfs=true`, {
      headers: { authorization: `Bearer ${TOKEN}`, 'private-token': TOKEN },
    });
    transport.close();
    expect([...r.body]).toEqual([...ONNX_BYTES]);
    expect(gl.objectStoreRequests.length).toBeGreaterThanOrEqual(2);
    for (const h of gl.objectStoreRequests) {
      expect(h.authorization).toBeUndefined();
      expect(h['private-token']).toBeUndefined();
    }
  });

  it('a small ONNX model committed to Git (served without Range support) is fetched whole', async () => {
    gl = await startFake();
    const model = encodeModel({
      ir_version: 8,
      producer_name: 'in-git',
      opset_import: [{ domain: '', version: 17 }],
      graph: { name: 'g', node: [], input: [{ name: 'x', type: { tensor_type: { elem_type: DT.FLOAT } } }], output: [] },
    });
    gl.addProject({ id: 4, fullPath: 'g/in-git', topics: [AIMODEL], files: { 'README.md': '# m\n', 'm.onnx': model } });
    const s = (await source(gl).projects(query())).entries[0]!.snapshot;
    expect(s.diagnostics).toEqual([]);
    expect(s.onnx['m.onnx']).toMatchObject({ producerName: 'in-git' });
  });

  it('a failing ONNX description is a warning on the snapshot, not a failure', async () => {
    gl = await startFake();
    addModel(gl, 1);
    const listing = await source(gl, {
      inspectOnnx: async () => {
        throw new Error('truncated protobuf');
      },
    }).projects(query());
    const s = listing.entries[0]!.snapshot;
    expect(s.diagnostics).toEqual([
      expect.objectContaining({ level: 'warning', code: 'gitlab/onnx-unreadable', file: 'models/model.onnx' }),
    ]);
  });

  it('reads an empty repository without failing', async () => {
    gl = await startFake();
    gl.addProject({ id: 9, fullPath: 'g/empty', topics: [AIMODEL], emptyRepo: true });
    const listing = await source(gl).projects(query());
    expect(listing.entries[0]!.snapshot).toMatchObject({ readme: null, files: [], release: null });
  });

  it('finds readme.md from readme_url', async () => {
    gl = await startFake();
    addDataset(gl, 2);
    const s = (await source(gl).projects(query())).entries[0]!.snapshot;
    expect(s.readme).toEqual({ path: 'readme.md', text: '# Dataset 2\n' });
    // packages and registry disabled on the project: not asked
    expect(gl.count('packages') + gl.count('registry')).toBe(0);
  });

  it('works anonymously against public projects (README found from the tree)', async () => {
    gl = await startFake();
    addModel(gl, 1);
    gl.addProject({ id: 2, fullPath: 'secret/p', topics: [AIMODEL], visibility: 'private', files: { 'README.md': 'x' } });
    const listing = await source(gl, { token: undefined }).projects(query());
    expect(listing.entries.map((e) => e.snapshot.project.fullPath)).toEqual(['group/model-1']);
    expect(listing.entries[0]!.snapshot.readme?.path).toBe('README.md');
    expect(gl.requests.every((r) => r.auth === 'none')).toBe(true);
  });
});
