import { afterEach, describe, expect, it } from 'vitest';
import type { FakeGitLab } from '../../fakes/gitlab/server.js';
import { createState, encodeState, previousFromState } from '../../../generator/state/state.js';
import type { GitLabSource } from '../../../generator/sources/gitlab/source.js';
import type { SourceListing, SourceQuery } from '../../../generator/sources/source.js';
import { AIMODEL, TOKEN, addDataset, addModel, query, source, startFake } from './helpers.js';

let gl: FakeGitLab;
afterEach(async () => {
  await gl?.stop();
});

/** Run a build's source step and return its listing plus the state the build would write. */
async function crawl(src: GitLabSource, q: SourceQuery) {
  const listing = await src.projects(q);
  const state = createState({
    generatedAt: new Date().toISOString(),
    source: src.description,
    entries: listing.entries,
    marks: src.marks,
  });
  return { listing, state, previous: previousFromState(state) };
}

const paths = (l: SourceListing) => l.entries.map((e) => e.snapshot.project.fullPath).sort();
const origins = (l: SourceListing) => Object.fromEntries(l.entries.map((e) => [e.snapshot.project.fullPath, e.origin]));

function instance(g: FakeGitLab) {
  for (let i = 1; i <= 6; i++) addModel(g, i);
  addDataset(g, 7);
}

describe('GitLab source: incremental builds', () => {
  it('a no-change build costs only the listing requests', async () => {
    gl = await startFake();
    instance(gl);
    const first = await crawl(source(gl), query());
    expect(Object.values(origins(first.listing))).toEqual(Array(7).fill('fresh'));
    gl.clearLog();
    const second = await crawl(source(gl), query({ previous: first.previous }));
    expect(Object.values(origins(second.listing))).toEqual(Array(7).fill('unchanged'));
    expect(gl.requests.every((r) => r.route === 'projects')).toBe(true);
    expect(gl.count('projects')).toBe(4); // two topics × (one page + the empty page after it)
    // reused snapshots are the previous ones
    expect(second.listing.entries.map((e) => e.snapshot.files)).toEqual(first.listing.entries.map((e) => e.snapshot.files));
  });

  it('after one project gets a commit, re-reads only that project', async () => {
    gl = await startFake();
    instance(gl);
    const first = await crawl(source(gl), query());
    gl.push(3, { 'README.md': '---\ntitle: Changed\n---\n# changed\n', 'new.txt': 'x' });
    gl.clearLog();
    const second = await crawl(source(gl), query({ previous: first.previous }));
    const o = origins(second.listing);
    expect(o['group/model-3']).toBe('fresh');
    expect(Object.entries(o).filter(([, v]) => v !== 'unchanged').map(([k]) => k)).toEqual(['group/model-3']);
    const perProject = gl.requests.filter((r) => r.route !== 'projects');
    expect(new Set(perProject.map((r) => r.projectId))).toEqual(new Set([3]));
    const s = second.listing.entries.find((e) => e.snapshot.project.id === 3)!.snapshot;
    expect(s.readme?.text).toContain('title: Changed');
    expect(s.files.some((f) => f.path === 'new.txt')).toBe(true);
    expect(s.project.headCommit).toBe(gl.projects.get(3)!.commits[0]!.id);
  });

  it('with the GraphQL fast path too, re-reads only the project that changed', async () => {
    gl = await startFake();
    instance(gl);
    const first = await crawl(source(gl, { graphql: true }), query());
    gl.push(3, { 'README.md': 'new text' });
    gl.clearLog();
    const second = await crawl(source(gl, { graphql: true }), query({ previous: first.previous }));
    expect(Object.entries(origins(second.listing)).filter(([, v]) => v !== 'unchanged').map(([k]) => k)).toEqual(['group/model-3']);
    const gq = gl.requests.filter((r) => r.route === 'graphql');
    expect(gq.flatMap((r) => r.graphqlIds ?? [])).toEqual([3]);
    expect(new Set(gl.requests.filter((r) => r.route !== 'projects' && r.route !== 'graphql').map((r) => r.projectId))).toEqual(new Set([3]));
    expect(second.listing.entries.find((e) => e.snapshot.project.id === 3)!.snapshot.readme?.text).toBe('new text');
  });

  it('catches a commit hidden inside the hour GitLab does not move last_activity_at (one head check)', async () => {
    gl = await startFake();
    const recent = new Date(Date.now() - 10 * 60 * 1000).toISOString();
    gl.addProject({ id: 1, fullPath: 'g/recent', topics: [AIMODEL], lastActivityAt: recent, files: { 'README.md': 'v1' } });
    gl.addProject({ id: 2, fullPath: 'g/recent-quiet', topics: [AIMODEL], lastActivityAt: recent, files: { 'README.md': 'q' } });
    const first = await crawl(source(gl), query());
    gl.push(1, { 'README.md': 'v2' });
    expect(gl.projects.get(1)!.lastActivityAt).toBe(recent); // GitLab's once-an-hour rule
    gl.clearLog();
    const second = await crawl(source(gl), query({ previous: first.previous }));
    expect(origins(second.listing)).toEqual({ 'g/recent': 'fresh', 'g/recent-quiet': 'unchanged' });
    expect(second.listing.entries.find((e) => e.snapshot.project.id === 1)!.snapshot.readme?.text).toBe('v2');
    expect(gl.count('commit', 2)).toBe(1);
    expect(gl.requests.filter((r) => r.projectId === 2)).toHaveLength(1);
  });

  it('the listing is the truth: a project that lost its topic or became private disappears', async () => {
    gl = await startFake();
    instance(gl);
    const first = await crawl(source(gl), query());
    gl.setTopics(2, ['something-else']);
    gl.setVisibility(4, 'private');
    gl.projects.get(4)!.members.add('bot'); // the token can still see it
    const second = await crawl(source(gl), query({ previous: first.previous }));
    expect(paths(second.listing)).not.toContain('group/model-2');
    expect(paths(second.listing)).not.toContain('group/model-4');
    expect(second.listing.entries).toHaveLength(5);
    expect(second.state.projects.map((p) => p.id)).not.toContain(4);
  });

  it('a topic edit updates the reused snapshot without reading the project', async () => {
    gl = await startFake();
    instance(gl);
    const first = await crawl(source(gl), query());
    gl.setTopics(5, [AIMODEL, 'new-keyword']);
    gl.clearLog();
    const second = await crawl(source(gl), query({ previous: first.previous }));
    const e = second.listing.entries.find((x) => x.snapshot.project.id === 5)!;
    expect(e.origin).toBe('unchanged');
    expect(e.snapshot.project.topics).toEqual(['new-keyword', AIMODEL]);
    expect(gl.requests.every((r) => r.route === 'projects')).toBe(true);
  });
});

describe('GitLab source: faults', () => {
  it('a project failing with 500 keeps its previous item and says so', async () => {
    gl = await startFake();
    instance(gl);
    const first = await crawl(source(gl), query());
    gl.push(2, { 'README.md': 'changed' });
    gl.faults.push({ route: 'tree', projectId: 2, kind: 'status', status: 500 });
    gl.clearLog();
    const second = await crawl(source(gl, { transport: { baseDelayMs: 1, maxDelayMs: 5, maxRetries: 2 } }), query({ previous: first.previous }));
    const e = second.listing.entries.find((x) => x.snapshot.project.id === 2)!;
    expect(e.origin).toBe('stale');
    expect(e.snapshot.files).toEqual(first.listing.entries.find((x) => x.snapshot.project.id === 2)!.snapshot.files);
    expect(e.snapshot.diagnostics).toContainEqual(expect.objectContaining({ level: 'warning', code: 'gitlab/stale' }));
    expect(second.listing.failed).toEqual([]);
    expect(second.listing.entries).toHaveLength(7);
    // the retries happened: 3 attempts on the tree of project 2
    expect(gl.requests.filter((r) => r.route === 'tree' && r.projectId === 2)).toHaveLength(3);
    // once GitLab is back, the next build catches up with the commit it missed
    gl.faults.length = 0;
    const third = await crawl(source(gl), query({ previous: second.previous }));
    const caught = third.listing.entries.find((x) => x.snapshot.project.id === 2)!;
    expect(caught.origin).toBe('fresh');
    expect(caught.snapshot.readme?.text).toBe('changed');
    expect(caught.snapshot.diagnostics.filter((d) => d.code === 'gitlab/stale')).toEqual([]);
    expect(origins(third.listing)['group/model-1']).toBe('unchanged');
  });

  it('a failing project without a previous item is reported as failed, the others go on', async () => {
    gl = await startFake();
    instance(gl);
    gl.faults.push({ route: 'raw', projectId: 6, kind: 'status', status: 502 });
    const { listing } = await crawl(source(gl, { transport: { baseDelayMs: 1, maxDelayMs: 5, maxRetries: 1 } }), query());
    expect(listing.entries).toHaveLength(6);
    expect(listing.failed).toEqual([
      { fullPath: 'group/model-6', diagnostics: [expect.objectContaining({ level: 'error', code: 'gitlab/unreadable' })] },
    ]);
  });

  it('rides out a 429 storm with Retry-After, losing nothing', async () => {
    gl = await startFake();
    instance(gl);
    gl.faults.push({ route: 'projects', kind: 'rate-limit', retryAfter: 1, times: 1 });
    gl.faults.push({ route: 'tree', kind: 'rate-limit', retryAfter: 1, times: 6 });
    gl.faults.push({ route: 'raw', kind: 'rate-limit', retryAfter: 1, times: 5 });
    const started = Date.now();
    const src = source(gl);
    const { listing } = await crawl(src, query());
    expect(listing.entries).toHaveLength(7);
    expect(listing.failed).toEqual([]);
    expect(gl.requests.filter((r) => r.status === 429)).toHaveLength(12);
    // Retry-After was honoured (gitbeaker's own retry would have given up within ~0.25 s)
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(src.transport.retries).toBeGreaterThanOrEqual(12);
  });

  it('rides out 429s without headers (application limiter), resets and slow answers', async () => {
    gl = await startFake();
    instance(gl);
    gl.faults.push({ route: 'tree', kind: 'rate-limit-json', times: 3 });
    gl.faults.push({ route: 'raw', projectId: 1, kind: 'reset', times: 2 });
    gl.faults.push({ route: 'releases', projectId: 2, kind: 'delay', delayMs: 1500, times: 1 });
    gl.faults.push({ route: 'projects', kind: 'status', status: 503, times: 1 });
    const { listing } = await crawl(source(gl, { timeoutMs: 500 }), query());
    expect(listing.entries).toHaveLength(7);
    expect(listing.failed).toEqual([]);
    expect(gl.requests.filter((r) => r.status === 429)).toHaveLength(3);
    expect(gl.requests.filter((r) => r.status === -1)).toHaveLength(2);
  });

  it('never writes the token into the state, a log line or an error message', async () => {
    gl = await startFake();
    instance(gl);
    const lines: string[] = [];
    gl.faults.push({ route: 'raw', projectId: 6, kind: 'status', status: 500 });
    gl.faults.push({ route: 'tree', kind: 'rate-limit', retryAfter: 1, times: 2 });
    const src = source(gl, { log: (l) => lines.push(l), transport: { baseDelayMs: 1, maxDelayMs: 5, maxRetries: 1 } });
    const { listing, state } = await crawl(src, query());
    expect(lines.length).toBeGreaterThan(0);
    const everything = [
      ...lines,
      JSON.stringify(listing),
      Buffer.from(encodeState(state)).toString('latin1'),
      JSON.stringify(state),
    ].join('\n');
    expect(everything).not.toContain(TOKEN);
    expect(everything).not.toContain(TOKEN.slice(6));
  });
});
