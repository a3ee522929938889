/**
 * What a real GitLab does that a naive fake hides: `tree.lastCommit` is not the head after a merge
 * commit, `packages(first:)` counts versions, a field error comes with `data`, a slow tree runs
 * past the GraphQL timeout, and an older schema refuses a field with HTTP 200.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeGitLab } from '../../fakes/gitlab/server.js';
import { createState, previousFromState } from '../../../generator/state/state.js';
import type { GitLabSource } from '../../../generator/sources/gitlab/source.js';
import type { SourceListing, SourceQuery } from '../../../generator/sources/source.js';
import { AIMODEL, DATASET, TOKEN, addDataset, addModel, query, source, startFake } from './helpers.js';

let gl: FakeGitLab;
afterEach(async () => {
  await gl?.stop();
});

async function crawl(src: GitLabSource, q: SourceQuery) {
  const listing = await src.projects(q);
  const state = createState({ generatedAt: new Date().toISOString(), source: src.description, entries: listing.entries, marks: src.marks });
  return { listing, previous: previousFromState(state) };
}

const snapshots = (l: SourceListing) => l.entries.map((e) => e.snapshot);
const fresh = (l: SourceListing) => l.entries.filter((e) => e.origin === 'fresh').map((e) => e.snapshot.project.id);

async function gql(body: unknown): Promise<{ status: number; json: { data?: unknown; errors?: { message: string; path?: unknown[] }[] } }> {
  const r = await fetch(`${gl.url}/api/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify(body),
  });
  return { status: r.status, json: (await r.json()) as never };
}

describe('GitLab source on a real GitLab: head commits', () => {
  it('the fake answers tree.lastCommit with the last commit that changed a file, not a merge-commit head', async () => {
    gl = await startFake();
    addModel(gl, 1);
    const head = gl.merge(1, { 'CHANGELOG.md': 'v2\n' });
    const p = gl.projects.get(1)!;
    expect(p.commits[0]!.id).toBe(head);
    const feature = p.commits[1]!.id;
    const r = await gql({ query: '{ projects(ids: ["gid://gitlab/Project/1"]) { nodes { repository { tree(recursive: true) { lastCommit { sha } } } } } }' });
    expect((r.json.data as { projects: { nodes: { repository: { tree: { lastCommit: { sha: string } } } }[] } }).projects.nodes[0]!.repository.tree.lastCommit.sha).toBe(feature);
    // REST: X-Gitlab-Commit-Id is the ref's commit (the head), X-Gitlab-Last-Commit-Id the file's last change
    const raw = await fetch(`${gl.url}/api/v4/projects/1/repository/files/README.md/raw?ref=main`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(raw.headers.get('x-gitlab-commit-id')).toBe(head);
    expect(raw.headers.get('x-gitlab-last-commit-id')).not.toBe(head);
  });

  it('a no-change rebuild re-reads no project whose head is a merge commit (GraphQL and REST)', async () => {
    gl = await startFake();
    for (let i = 1; i <= 10; i++) addModel(gl, i);
    addDataset(gl, 11);
    // a fifth of the heads are merge commits; the merges move last_activity_at to now, so the next
    // build checks those heads (GitLab's one-hour activity rule)
    gl.merge(2, { 'CHANGELOG.md': 'merged\n' });
    gl.merge(7, { 'CHANGELOG.md': 'merged\n' });
    gl.merge(11, { 'notes.txt': 'merged\n' }); // a dataset: no raw read on the fast path, so the head is asked for
    for (const graphql of [true, false]) {
      const first = await crawl(source(gl, { graphql, inspectOnnx: false }), query());
      for (const e of first.listing.entries) {
        expect(e.snapshot.project.headCommit).toBe(gl.projects.get(e.snapshot.project.id)!.commits[0]!.id);
      }
      gl.clearLog();
      const second = await crawl(source(gl, { graphql, inspectOnnx: false }), query({ previous: first.previous }));
      expect(fresh(second.listing)).toEqual([]);
      // one head check per recently active project, nothing else
      expect(gl.requests.filter((r) => r.route !== 'projects').map((r) => `${r.route} ${r.projectId}`).sort()).toEqual(['commit 11', 'commit 2', 'commit 7']);
    }
  });
});

describe('GitLab source on a real GitLab: packages', () => {
  it('keeps every package of a project with 25 versions of one package and a second package', async () => {
    gl = await startFake();
    const versions = Array.from({ length: 25 }, (_, i) => ({ id: 100 + i, name: 'big-model', version: `1.0.${24 - i}`, package_type: 'pypi' }));
    gl.addProject({
      id: 1,
      fullPath: 'g/many-versions',
      topics: [AIMODEL],
      files: { 'README.md': '# m\n' },
      packages: [...versions, { id: 200, name: 'tokenizer', version: '0.3.0', package_type: 'generic' }],
    });
    addDataset(gl, 2);
    const rest = await source(gl, { inspectOnnx: false }).projects(query());
    gl.clearLog();
    const src = source(gl, { inspectOnnx: false, graphql: true });
    const fast = await src.projects(query());
    const pk = fast.entries.find((e) => e.snapshot.project.id === 1)!.snapshot.packages;
    expect(pk.map((p) => `${p.name} ${p.version}`)).toEqual(['big-model 1.0.24', 'tokenizer 0.3.0']);
    expect(snapshots(fast)).toEqual(snapshots(rest));
    // the batch saw hasNextPage on project 1's packages: one REST read for that project only
    expect(gl.requests.filter((r) => r.route === 'packages').map((r) => r.projectId)).toEqual([1]);
  });

  it('reads at most maxPackageVersions versions over REST and says so', async () => {
    gl = await startFake();
    const versions = Array.from({ length: 30 }, (_, i) => ({ id: 100 + i, name: `pkg-${i % 3}`, version: `1.${29 - i}`, package_type: 'npm' }));
    gl.addProject({ id: 1, fullPath: 'g/m', topics: [AIMODEL], files: { 'README.md': '# m\n' }, packages: [...versions, { id: 999, name: 'old-only', version: '0.1', package_type: 'npm' }] });
    const l = await source(gl, { inspectOnnx: false, maxPackageVersions: 30 }).projects(query());
    const s = l.entries[0]!.snapshot;
    expect(s.packages.map((p) => p.name)).toEqual(['pkg-0', 'pkg-1', 'pkg-2']);
    expect(s.diagnostics.map((d) => d.code)).toContain('gitlab/packages-limit');
  });
});

describe('GitLab source on a real GitLab: partial GraphQL answers', () => {
  it('a field error with data sends only the project it names to REST and keeps GraphQL on', async () => {
    gl = await startFake();
    for (let i = 1; i <= 45; i++) addModel(gl, i);
    const rest = await source(gl, { inspectOnnx: false }).projects(query());
    gl.clearLog();
    gl.graphqlFieldErrors.set(5, '14:Deadline Exceeded (Gitaly)');
    const lines: string[] = [];
    const src = source(gl, { inspectOnnx: false, graphql: true, graphqlBatchSize: 20, log: (l) => lines.push(l) });
    const fast = await src.projects(query());
    expect(snapshots(fast)).toEqual(snapshots(rest));
    expect(fast.entries).toHaveLength(45);
    // the answer naming project 5: HTTP 200, data for the others, errors[].path into project 5
    const graphqlCalls = gl.requests.filter((r) => r.route === 'graphql');
    expect(graphqlCalls.length).toBeGreaterThanOrEqual(3); // 45 projects in batches of at most 20: GraphQL stayed on
    expect(graphqlCalls.flatMap((r) => r.graphqlIds ?? []).sort((a, b) => a - b)).toEqual(Array.from({ length: 45 }, (_, i) => i + 1));
    expect(gl.requests.filter((r) => r.route === 'tree' || r.route === 'releases').map((r) => r.projectId)).toEqual([5, 5]);
    expect(lines.some((l) => /GraphQL batch failed/.test(l))).toBe(false);
    expect(lines.some((l) => /project 5: GraphQL could not read it \(14:Deadline Exceeded/.test(l))).toBe(true);
  });

  it('a query this GitLab does not know (HTTP 200, errors, no data) turns the fast path off', async () => {
    gl = await startFake({ graphqlHiddenFields: ['Blob.lfsOid'] });
    for (let i = 1; i <= 25; i++) addModel(gl, i);
    const rest = await source(gl, { inspectOnnx: false }).projects(query());
    gl.clearLog();
    const lines: string[] = [];
    const fast = await source(gl, { inspectOnnx: false, graphql: true, log: (l) => lines.push(l) }).projects(query());
    expect(snapshots(fast)).toEqual(snapshots(rest));
    expect(gl.requests.filter((r) => r.route === 'graphql').map((r) => r.status)).toEqual([200]);
    expect(lines.find((l) => /GraphQL batch failed/.test(l))).toMatch(/Cannot query field "lfsOid" on type "Blob"/);
  });
});

describe('GitLab source on a real GitLab: big trees', () => {
  it('a batch with one slow tree loses no project and keeps GraphQL on: the rest goes again in smaller batches', async () => {
    // GitLab stops a query at 30 s; each tree costs 1 s of Gitaly time, project 5's costs 25 s
    gl = await startFake({ graphqlDefaultTreeMs: 1_000 });
    for (let i = 1; i <= 40; i++) addModel(gl, i, `group/model-${i}`, { topics: [i % 2 ? AIMODEL : DATASET] });
    gl.graphqlTreeMs.set(5, 25_000);
    const rest = await source(gl, { inspectOnnx: false }).projects(query());
    gl.clearLog();
    const src = source(gl, { inspectOnnx: false, graphql: true, graphqlBatchSize: 20 });
    const fast = await src.projects(query());
    expect(snapshots(fast)).toEqual(snapshots(rest));
    expect(fast.entries).toHaveLength(40);
    // every project read through GraphQL in the end: no REST tree, release or README
    expect(gl.count('tree') + gl.count('releases') + src.calls.readme).toBe(0);
    const batches = gl.requests.filter((r) => r.route === 'graphql').map((r) => r.graphqlIds ?? []);
    const sizes = batches.map((b) => b.length);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(20);
    // the projects after the slow tree timed out and were sent again, in smaller batches
    const sent = batches.flat();
    expect(new Set(sent).size).toBe(40);
    expect(sent.length).toBeGreaterThan(40);
    const firstResent = batches.findIndex((b, i) => b.some((id) => batches.slice(0, i).flat().includes(id)));
    expect(firstResent).toBeGreaterThan(0);
    expect(Math.max(...sizes.slice(firstResent))).toBeLessThanOrEqual(10);
    expect(batches.length).toBeLessThanOrEqual(12);
  });

  it('a tree that times out even alone is read over REST, the others stay on GraphQL', async () => {
    gl = await startFake({ graphqlDefaultTreeMs: 1_000 });
    for (let i = 1; i <= 12; i++) addModel(gl, i);
    gl.graphqlTreeMs.set(3, 31_000);
    const rest = await source(gl, { inspectOnnx: false }).projects(query());
    gl.clearLog();
    const fast = await source(gl, { inspectOnnx: false, graphql: true, graphqlBatchSize: 12 }).projects(query());
    expect(snapshots(fast)).toEqual(snapshots(rest));
    expect(gl.requests.filter((r) => r.route === 'tree').map((r) => r.projectId)).toEqual([3]);
  });
});

describe('GitLab source: DVC files', () => {
  it('reads .dvc/config, dvc.lock and .dvc files (GraphQL: the fixed paths in the batch, .dvc files with one raw read each)', async () => {
    gl = await startFake();
    const md5 = '0123456789abcdef0123456789abcdef';
    gl.addProject({
      id: 1,
      fullPath: 'g/data',
      topics: [DATASET],
      files: {
        'README.md': '# d\n',
        '.dvc/config': "[core]\n    remote = store\n['remote \"store\"']\n    url = s3://bucket/d\n",
        '.dvc/.gitignore': '/cache\n',
        'dvc.lock': `schema: '2.0'\nstages:\n  s:\n    outs:\n    - path: out.bin\n      hash: md5\n      md5: ${md5}\n      size: 3\n`,
        'data/raw.dvc': `outs:\n- md5: ${md5}.dir\n  size: 9\n  nfiles: 3\n  hash: md5\n  path: raw\n`,
      },
    });
    const rest = await source(gl, { inspectOnnx: false }).projects(query());
    const restReads = gl.requests.filter((r) => r.route === 'raw').length;
    gl.clearLog();
    const src = source(gl, { inspectOnnx: false, graphql: true });
    const fast = await src.projects(query());
    expect(snapshots(fast)).toEqual(snapshots(rest));
    expect(fast.entries[0]!.snapshot.dvc!.map((d) => d.path)).toEqual(['.dvc/config', 'data/raw.dvc', 'dvc.lock']);
    expect(restReads).toBe(4); // README + three DVC files
    expect(gl.requests.filter((r) => r.route === 'raw').map((r) => decodeURIComponent(r.url.split('/files/')[1]!.split('/raw')[0]!))).toEqual(['data/raw.dvc']);
    // that raw read's X-Gitlab-Commit-Id is the head: no commits request
    expect(gl.count('commit')).toBe(0);
    expect(fast.entries[0]!.snapshot.project.headCommit).toBe(gl.projects.get(1)!.commits[0]!.id);
  });
});
