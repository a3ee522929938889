/** The fake GitLab's documented behaviours (reference/gitlab.md §7), checked over HTTP. */
import { afterEach, describe, expect, it } from 'vitest';
import { FakeGitLab } from './server.js';

let gl: FakeGitLab;
afterEach(async () => {
  await gl?.stop();
});

async function start(n = 0): Promise<FakeGitLab> {
  gl = new FakeGitLab({ tokens: { 'glpat-ok': { user: 'u' } }, jobTokens: { 'job-1': 'u' } });
  for (let i = 1; i <= n; i++) gl.addProject({ id: i, fullPath: `g/p${i}`, topics: ['t'], files: { 'README.md': 'x' } });
  await gl.start();
  return gl;
}

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${gl.url}${path}`, { headers });

describe('fake GitLab', () => {
  it('offset pagination: headers and Link, per_page capped at 100', async () => {
    await start(45);
    const r = await get('/api/v4/projects?topic=t&per_page=20&page=2&order_by=id&sort=asc');
    expect(r.headers.get('x-total')).toBe('45');
    expect(r.headers.get('x-total-pages')).toBe('3');
    expect(r.headers.get('x-next-page')).toBe('3');
    expect(r.headers.get('x-prev-page')).toBe('1');
    const link = r.headers.get('link')!;
    for (const rel of ['prev', 'next', 'first', 'last']) expect(link).toContain(`rel="${rel}"`);
    expect(link).toContain('topic=t');
    expect(((await r.json()) as { id: number }[]).map((p) => p.id)).toEqual(Array.from({ length: 20 }, (_, i) => 21 + i));
    const big = await get('/api/v4/projects?per_page=500');
    expect(((await big.json()) as unknown[]).length).toBe(45);
    expect(big.headers.get('x-per-page')).toBe('100');
  });

  it('drops x-total and rel="last" above 10,000 rows; refuses offsets past 50,000', async () => {
    await start(0);
    for (let i = 1; i <= 10_001; i++) gl.addProject({ id: i, fullPath: `g/p${i}`, files: {} });
    const r = await get('/api/v4/projects?per_page=100');
    expect(r.headers.get('x-total')).toBeNull();
    expect(r.headers.get('link')).not.toContain('rel="last"');
    expect(r.headers.get('link')).toContain('rel="next"');
    const far = await get('/api/v4/projects?per_page=100&page=502');
    expect(far.status).toBe(405);
    expect(((await far.json()) as { error: string }).error).toMatch(/maximum allowed offset of 50000/);
  });

  it('keyset: needs order_by=id, Link on every non-empty page, [] at the end', async () => {
    await start(3);
    expect((await get('/api/v4/projects?pagination=keyset&order_by=name')).status).toBe(405);
    const r = await get('/api/v4/projects?pagination=keyset&order_by=id&sort=asc&per_page=3');
    expect(r.headers.get('link')).toContain('id_after=3');
    const end = await get('/api/v4/projects?pagination=keyset&order_by=id&sort=asc&per_page=3&id_after=3');
    expect(await end.json()).toEqual([]);
    expect(end.headers.get('link')).toBeNull();
    const desc = await get('/api/v4/projects?pagination=keyset&order_by=id&per_page=2');
    expect(desc.headers.get('link')).toContain('id_before=2');
  });

  it('topics: AND over exact names; unknown topic is an empty list', async () => {
    await start(0);
    gl.addProject({ id: 1, fullPath: 'g/a', topics: ['b', 'a'], files: {} });
    gl.addProject({ id: 2, fullPath: 'g/b', topics: ['a'], files: {} });
    const ids = async (q: string) => ((await (await get(`/api/v4/projects?${q}`)).json()) as { id: number }[]).map((p) => p.id);
    expect(await ids('topic=a,b')).toEqual([1]);
    expect(await ids('topic=A')).toEqual([]);
    expect(await ids('topic=nope')).toEqual([]);
    const p = (await (await get('/api/v4/projects/1')).json()) as { topics: string[]; tag_list: string[] };
    expect(p.topics).toEqual(['a', 'b']);
    expect(p.tag_list).toEqual(['a', 'b']);
  });

  it('ids and paths: encoded full path works, a raw slash in a file path does not', async () => {
    await start(0);
    gl.addProject({ id: 7, fullPath: 'grp/sub/proj', files: { 'docs/a b.md': 'hello' } });
    expect((await get('/api/v4/projects/grp%2Fsub%2Fproj')).status).toBe(200);
    const ok = await get('/api/v4/projects/7/repository/files/docs%2Fa%20b.md/raw?ref=main');
    expect(await ok.text()).toBe('hello');
    expect(ok.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(ok.headers.get('x-gitlab-commit-id')).toMatch(/^[0-9a-f]{40}$/);
    expect((await get('/api/v4/projects/7/repository/files/docs/a%20b.md/raw?ref=main')).status).toBe(404);
    const missing = await get('/api/v4/projects/7/repository/files/nope/raw?ref=main');
    expect(await missing.json()).toEqual({ message: '404 File Not Found' });
    expect(await (await get('/api/v4/projects/7/repository/files/docs%2Fa%20b.md/raw?ref=nope')).json()).toEqual({ message: '404 Commit Not Found' });
  });

  it('visibility by token; private is 404; job tokens refused on list and tree', async () => {
    await start(0);
    gl.addProject({ id: 1, fullPath: 'g/private', visibility: 'private', members: ['u'], files: { 'README.md': 'x' } });
    gl.addProject({ id: 2, fullPath: 'g/internal', visibility: 'internal', files: { 'README.md': 'x' } });
    expect((await get('/api/v4/projects/1')).status).toBe(404);
    expect(await (await get('/api/v4/projects')).json()).toEqual([]);
    const seen = (await (await get('/api/v4/projects', { authorization: 'Bearer glpat-ok' })).json()) as { id: number }[];
    expect(seen.map((p) => p.id).sort()).toEqual([1, 2]);
    expect((await get('/api/v4/projects', { 'private-token': 'glpat-ok' })).status).toBe(200);
    expect((await get('/api/v4/projects', { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await get('/api/v4/projects', { 'job-token': 'job-1' })).status).toBe(401);
    expect((await get('/api/v4/projects/1/repository/tree', { 'job-token': 'job-1' })).status).toBe(401);
  });

  it('tree: keyset Link only on full pages; none only with recursive; empty repo is 404', async () => {
    await start(0);
    const files: Record<string, string> = {};
    for (let i = 0; i < 5; i++) files[`d/f${i}`] = String(i);
    gl.addProject({ id: 1, fullPath: 'g/t', files });
    gl.addProject({ id: 2, fullPath: 'g/e', emptyRepo: true });
    const page = await get('/api/v4/projects/1/repository/tree?recursive=true&pagination=keyset&per_page=3');
    expect(((await page.json()) as unknown[]).length).toBe(3);
    expect(page.headers.get('link')).toContain('page_token=');
    const rest = await get(`/api/v4/projects/1/repository/tree?recursive=true&pagination=keyset&per_page=3&page_token=d%2Ff1`);
    expect(((await rest.json()) as { path: string }[]).map((e) => e.path)).toEqual(['d/f2', 'd/f3', 'd/f4']);
    expect(rest.headers.get('link')).toContain('page_token=d%2Ff4');
    // the last, short page has no Link (gitaly_keyset_pager.rb adds one only when records.count == per_page)
    const last = await get(`/api/v4/projects/1/repository/tree?recursive=true&pagination=keyset&per_page=3&page_token=d%2Ff2`);
    expect(((await last.json()) as { path: string }[]).map((e) => e.path)).toEqual(['d/f3', 'd/f4']);
    expect(last.headers.get('link')).toBeNull();
    expect((await get('/api/v4/projects/1/repository/tree?pagination=none')).status).toBe(400);
    expect(((await (await get('/api/v4/projects/1/repository/tree?recursive=true&pagination=none')).json()) as unknown[]).length).toBe(6);
    expect(await (await get('/api/v4/projects/2/repository/tree')).json()).toEqual({ message: '404 Tree Not Found' });
  });

  it('GraphQL: packages count versions as nodes, paged with pageInfo; a field error keeps data (HTTP 200, errors[].path)', async () => {
    await start(0);
    const packages = Array.from({ length: 25 }, (_, i) => ({ id: i + 1, name: 'm', version: `1.${24 - i}`, package_type: 'pypi' }));
    gl.addProject({ id: 1, fullPath: 'g/a', files: { 'README.md': 'a' }, packages });
    gl.addProject({ id: 2, fullPath: 'g/b', files: { 'README.md': 'b' } });
    gl.graphqlFieldErrors.set(2, 'Gitaly unavailable');
    const q = (after?: string) =>
      fetch(`${gl.url}/api/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          query: `query($after: String) { projects(ids: ["gid://gitlab/Project/1", "gid://gitlab/Project/2"], sort: "id_asc") { nodes { id repository { rootRef } packages(first: 20, after: $after) { pageInfo { hasNextPage endCursor } nodes { version } } } } }`,
          variables: { after },
        }),
      });
    const r = await q();
    expect(r.status).toBe(200);
    type Answer = {
      data: { projects: { nodes: { id: string; repository: unknown; packages: { pageInfo: { hasNextPage: boolean; endCursor: string }; nodes: unknown[] } }[] } };
      errors: { message: string; path: unknown[] }[];
    };
    const j = (await r.json()) as Answer;
    const [a, b] = j.data.projects.nodes;
    expect(a!.packages.nodes).toHaveLength(20);
    expect(a!.packages.pageInfo.hasNextPage).toBe(true);
    expect(b!.repository).toBeNull();
    expect(j.errors).toEqual([expect.objectContaining({ message: 'Gitaly unavailable', path: ['projects', 'nodes', 1, 'repository'] })]);
    const next = (await (await q(a!.packages.pageInfo.endCursor)).json()) as Answer;
    expect(next.data.projects.nodes[0]!.packages.nodes).toHaveLength(5);
    expect(next.data.projects.nodes[0]!.packages.pageInfo.hasNextPage).toBe(false);
  });

  it('LFS: the pointer without lfs=true, the object (with Range) with it', async () => {
    await start(0);
    const obj = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
    gl.addProject({ id: 1, fullPath: 'g/l', files: { 'm.bin': { content: obj, lfs: true } } });
    const ptr = await (await get('/api/v4/projects/1/repository/files/m.bin/raw')).text();
    expect(ptr).toMatch(/^version https:\/\/git-lfs\.github\.com\/spec\/v1\noid sha256:[0-9a-f]{64}\nsize 8\n$/);
    const part = await get('/api/v4/projects/1/repository/files/m.bin/raw?lfs=true', { range: 'bytes=2-4' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe('bytes 2-4/8');
    expect([...new Uint8Array(await part.arrayBuffer())]).toEqual([3, 4, 5]);
  });

  it('429 in both forms, 5xx, and the request log', async () => {
    await start(1);
    gl.faults.push({ route: 'projects', kind: 'rate-limit', retryAfter: 30, times: 1 });
    gl.faults.push({ route: 'projects', kind: 'rate-limit-json', times: 1 });
    gl.faults.push({ route: 'project', projectId: 1, kind: 'status', status: 502, times: 1 });
    const a = await get('/api/v4/projects');
    expect(a.status).toBe(429);
    expect(a.headers.get('retry-after')).toBe('30');
    expect(a.headers.get('ratelimit-remaining')).toBe('0');
    expect(await a.text()).toBe('Retry later\n');
    const b = await get('/api/v4/projects');
    expect(b.status).toBe(429);
    expect(b.headers.get('retry-after')).toBeNull();
    expect(await b.json()).toEqual({ message: { error: 'This endpoint has been requested too many times. Try again later.' } });
    expect((await get('/api/v4/projects/1')).status).toBe(502);
    expect((await get('/api/v4/projects/1')).status).toBe(200);
    expect(gl.count('projects')).toBe(2);
    expect(gl.count('project', 1)).toBe(2);
  });
});
