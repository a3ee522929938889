/**
 * Sharded builds from GitLab (the fake GitLab server of the source tests): 3 shards + merge give the
 * same catalog, site and state as one job. Two values depend on the run, not on the projects: the
 * report's wall time and request count (each shard lists the projects, so the shards together send
 * more requests), and the state's read/checked times (the source's clock).
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../generator/cli.js';
import { decodeState, STATE_FILE } from '../../generator/state/state.js';
import type { FakeGitLab } from '../fakes/gitlab/server.js';
import { TOKEN, addDataset, addModel, startFake } from '../sources/gitlab/helpers.js';

const NOW = new Date('2026-11-01T12:00:00Z');
let gl: FakeGitLab;
let work: string;

beforeAll(async () => {
  gl = await startFake();
  for (let id = 1; id <= 9; id++) (id % 3 === 0 ? addDataset(gl, id) : addModel(gl, id));
  work = await mkdtemp(path.join(os.tmpdir(), 'stachub-shards-gitlab-'));
});
afterAll(async () => {
  await gl.stop();
  await rm(work, { recursive: true, force: true });
});

async function run(argv: string[], env: NodeJS.ProcessEnv) {
  let stderr = '';
  const code = await main(['node', 'stachub', ...argv], { stdout: () => {}, stderr: (s) => void (stderr += s), now: () => NOW, env, isTTY: false });
  return { code, stderr };
}

async function tree(dir: string, prefix = ''): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const d of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${d.name}` : d.name;
    if (d.isDirectory()) for (const [k, v] of await tree(path.join(dir, d.name), rel)) out.set(k, v);
    else out.set(rel, await readFile(path.join(dir, d.name)));
  }
  return out;
}

function runFree(name: string, bytes: Buffer): string {
  if (name === 'build-report.json') return bytes.toString('utf8').replace(/"durationMs": \d+/, '"durationMs": 0').replace(/"requests": \d+/, '"requests": 0');
  if (name === STATE_FILE) {
    const state = decodeState(bytes);
    // The build's clock reaches the GitLab source, so read/checked times match across jobs too.
    for (const p of state.projects) expect(p.readAt, `${p.fullPath} readAt`).toBe(NOW.toISOString());
    return JSON.stringify(state, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v));
  }
  return bytes.toString('base64');
}

describe('sharded build from GitLab', () => {
  it('3 shards + merge give the one-job catalog, site and state', async () => {
    const env = { GITLAB_TOKEN: TOKEN };
    const single = path.join(work, 'single');
    const one = await run(['build', '--gitlab-url', gl.url, '--out', single, '--no-validate'], env);
    expect(one.code, one.stderr).toBe(0);

    const dirs: string[] = [];
    for (let i = 1; i <= 3; i++) {
      const dir = path.join(work, `shard-${i}`);
      dirs.push(dir);
      const r = await run(['build', '--gitlab-url', gl.url, '--out', dir, '--no-validate', '--shard', `${i}/3`], env);
      expect(r.code, r.stderr).toBe(0);
    }
    const merged = path.join(work, 'merged');
    const m = await run(['merge', ...dirs, '--out', merged, '--no-validate'], { ...env, GITLAB_URL: gl.url });
    expect(m.code, m.stderr).toBe(0);

    const a = await tree(single);
    const b = await tree(merged);
    expect([...a.keys()]).toContain(STATE_FILE);
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [name, bytes] of a) expect(runFree(name, b.get(name)!), name).toBe(runFree(name, bytes));
    expect(decodeState(b.get(STATE_FILE)!).projects.map((p) => p.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});
