/**
 * Sharded builds end to end through the CLI: the demo workspace built in one job, and in four
 * shards joined by `stachub merge`, must give the same files, byte for byte.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../generator/cli.js';
import { decodePartial, PARTIAL_FILE } from '../../generator/pipeline/shard.js';
import { repoRoot } from '../helpers.js';

const NOW = new Date('2026-11-01T12:00:00Z');
const config = path.join(repoRoot, 'examples/stachub.config.yml');
let work: string;

async function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'stachub', ...argv], { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s), now: () => NOW, env, isTTY: false });
  return { code, stdout, stderr };
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

/** `durationMs` is the wall time of the run that wrote the report: the one value two runs never share. */
const wallTimeFree = (name: string, bytes: Buffer): Buffer =>
  name === 'build-report.json' ? Buffer.from(bytes.toString('utf8').replace(/"durationMs": \d+/, '"durationMs": 0')) : bytes;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'stachub-shards-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('sharded build', () => {
  it('4 shards + merge give the same tree as one job, byte for byte', async () => {
    const single = path.join(work, 'single');
    const one = await run(['build', '--config', config, '--out', single]);
    expect(one.code, one.stderr).toBe(0);

    const shardDirs: string[] = [];
    const perShard: number[] = [];
    let projects = 0;
    for (let i = 1; i <= 4; i++) {
      const dir = path.join(work, `shard-${i}`);
      shardDirs.push(dir);
      // Shard 4 takes its place from GitLab's parallel variables, as in a `parallel: 4` job.
      const r = i < 4
        ? await run(['build', '--config', config, '--out', dir, '--shard', `${i}/4`])
        : await run(['build', '--config', config, '--out', dir], { CI_NODE_INDEX: '4', CI_NODE_TOTAL: '4' });
      expect(r.code, r.stderr).toBe(0);
      const files = await readdir(dir);
      expect(files).toEqual([PARTIAL_FILE]);
      const partial = decodePartial(await readFile(path.join(dir, PARTIAL_FILE)), dir);
      expect(partial.shard).toEqual({ index: i, total: 4 });
      projects += partial.records.length;
      perShard.push(partial.records.length);
    }
    const merged = path.join(work, 'merged');
    const m = await run(['merge', ...shardDirs, '--config', config, '--out', merged]);
    expect(m.code, m.stderr).toBe(0);

    const a = await tree(single);
    const b = await tree(merged);
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    // Every project was read by exactly one shard.
    const report = JSON.parse(a.get('build-report.json')!.toString()) as { counts: { projects: number } };
    expect(projects).toBe(report.counts.projects);
    expect(perShard.filter((n) => n > 0).length).toBeGreaterThan(1);
    for (const [name, bytes] of a) {
      expect(wallTimeFree(name, b.get(name)!).equals(wallTimeFree(name, bytes)), name).toBe(true);
    }
  });

  it('merge refuses an incomplete set of shards', async () => {
    const dir = path.join(work, 'lonely');
    expect((await run(['build', '--config', config, '--out', dir, '--shard', '1/3'])).code).toBe(0);
    const r = await run(['merge', dir, '--config', config, '--out', path.join(work, 'never')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/missing partial output of shard\(s\) 2\/3, 3\/3/);
  });
});
