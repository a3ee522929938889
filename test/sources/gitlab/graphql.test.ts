import { afterEach, describe, expect, it } from 'vitest';
import type { FakeGitLab } from '../../fakes/gitlab/server.js';
import type { SourceListing } from '../../../generator/sources/source.js';
import { AIMODEL, addDataset, addModel, query, source, startFake } from './helpers.js';

let gl: FakeGitLab;
afterEach(async () => {
  await gl?.stop();
});

const snapshots = (l: SourceListing) => l.entries.map((e) => e.snapshot);

function instance(g: FakeGitLab) {
  for (let i = 1; i <= 25; i++) addModel(g, i);
  addDataset(g, 26);
  g.addProject({ id: 27, fullPath: 'g/empty', topics: [AIMODEL], emptyRepo: true });
  // a LICENSE text no heading rule knows: GitLab's detector is asked over REST
  g.addProject({
    id: 28,
    fullPath: 'g/odd-license',
    topics: [AIMODEL],
    files: { 'README.md': '# odd\n', LICENSE: 'Copyright 2026 Someone\n\nPermission is hereby granted, free of charge...\n' },
    license: { key: 'mit', name: 'MIT License' },
  });
  // a tree larger than one GraphQL page: REST tree for this project only
  const big: Record<string, string> = { 'README.md': '# big\n' };
  for (let i = 0; i < 130; i++) big[`data/f${String(i).padStart(3, '0')}.csv`] = `${i}\n`;
  g.addProject({ id: 29, fullPath: 'g/big-tree', topics: [AIMODEL], files: big });
}

describe('GitLab source: GraphQL fast path', () => {
  it('produces the same snapshots as REST, with one request per batch for the metadata', async () => {
    gl = await startFake();
    instance(gl);
    const rest = await source(gl, { inspectOnnx: false }).projects(query());
    gl.clearLog();
    const src = source(gl, { inspectOnnx: false, graphql: true, graphqlBatchSize: 20 });
    const fast = await src.projects(query());
    expect(snapshots(fast)).toEqual(snapshots(rest));
    expect(fast.entries).toHaveLength(29);
    // 29 projects in batches of at most 20 (a batch also goes when the listing pauses)
    expect(gl.count('graphql')).toBe(src.calls.graphql);
    expect(src.calls.graphql).toBeGreaterThanOrEqual(2);
    expect(src.calls.graphql).toBeLessThanOrEqual(6);
    // REST only where GraphQL cannot say: the big tree (two keyset pages), the unknown license text, container tags
    expect(gl.requests.filter((r) => r.route === 'tree').map((r) => r.projectId)).toEqual([29, 29]);
    expect(gl.requests.filter((r) => r.route === 'project').map((r) => r.projectId)).toEqual([28]);
    expect(gl.count('releases') + gl.count('packages')).toBe(0);
    expect(gl.count('raw')).toBe(src.calls.lfsPointer + src.calls.readme + src.calls.dvc);
    expect(src.calls.readme).toBe(0);
    // metadata requests per project: GraphQL batches + license + tree + head, REST fallbacks included;
    // the head commit comes from a raw read's X-Gitlab-Commit-Id (LFS pointer, .dvc file) where one
    // was made, else from GET /repository/commits/:branch (projects 26, 28, 29; 27 is empty)
    const c = src.calls;
    expect(c.head).toBe(3);
    expect(gl.requests.filter((r) => r.route === 'commit').map((r) => r.projectId).sort()).toEqual([26, 28, 29]);
    expect(c.tree + c.readme + c.head + c.release + c.license).toBe(5);
  });

  it('sends at most graphqlBatchSize projects per request', async () => {
    gl = await startFake();
    instance(gl);
    const src = source(gl, { inspectOnnx: false, graphql: true, graphqlBatchSize: 5 });
    await src.projects(query());
    expect(src.calls.graphql).toBeGreaterThanOrEqual(6); // 28 / 5
  });

  it('falls back to REST for a failed batch and goes on over REST', async () => {
    gl = await startFake();
    instance(gl);
    const rest = await source(gl, { inspectOnnx: false }).projects(query());
    gl.clearLog();
    gl.faults.push({ route: 'graphql', kind: 'status', status: 500 });
    const lines: string[] = [];
    const src = source(gl, {
      inspectOnnx: false,
      graphql: true,
      log: (l) => lines.push(l),
      transport: { baseDelayMs: 1, maxDelayMs: 5, maxRetries: 1 },
    });
    const fast = await src.projects(query());
    expect(snapshots(fast)).toEqual(snapshots(rest));
    expect(lines.some((l) => /GraphQL batch failed/.test(l))).toBe(true);
    expect(gl.count('graphql')).toBe(2); // one batch, retried once, then REST
    expect(gl.count('tree')).toBe(29); // 27 trees + the big one's two pages
  });

  it('the fake refuses a query over the complexity limit, as GitLab does', async () => {
    gl = await startFake();
    const deep = `query { projects(first: 100) { nodes { ${Array.from({ length: 60 }, (_, i) => `a${i}: repository { tree(recursive: true) { lastCommit { sha } } }`).join(' ')} } } }`;
    const r = await fetch(`${gl.url}/api/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: deep }) });
    expect(r.status).toBe(200);
    const j = (await r.json()) as { errors: { message: string }[] };
    expect(j.errors[0]!.message).toMatch(/exceeds max complexity of 200/);
  });
});
