/**
 * Durability: a real `stachub track` process is killed with SIGKILL while 16 clients log, then
 * restarted on the same store: every acknowledged write (a 200 received) is there. A torn final
 * journal record is dropped on restart and later writes still survive.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { api, tempDir } from './helpers.js';
import { ensureBuilt, startTrackProcess } from './cli-process.js';
import { encodeRecord } from '../../pipelines/tracking/journal.js';

const TOKEN = 'durability-token';
const auth = { Authorization: `Bearer ${TOKEN}` };

interface Acked {
  metrics: { run: string; key: string; step: number; value: number }[];
  params: { run: string; key: string; value: string }[];
  artifacts: { path: string; content: string }[];
}

/** One client: log-metric, log-batch, log-parameter and artifact uploads until told to stop. */
async function client(url: string, run: string, artifactRoot: string, id: number, acked: Acked, stop: { now: boolean }): Promise<void> {
  for (let i = 0; !stop.now; i++) {
    try {
      const kind = i % 10;
      if (kind < 6) {
        const m = { run, key: `c${id}`, step: i, value: id * 1e6 + i };
        const r = await api(url, 'POST', 'runs/log-metric', { run_id: run, key: m.key, value: m.value, timestamp: 1700000000000 + i, step: i }, auth);
        if (r.status === 200) acked.metrics.push(m);
      } else if (kind < 8) {
        const ms = [0, 1, 2].map((j) => ({ run, key: `b${id}`, step: i * 10 + j, value: i + j / 10 }));
        const r = await api(url, 'POST', 'runs/log-batch', { run_id: run, metrics: ms.map((m) => ({ key: m.key, value: m.value, timestamp: 1, step: m.step })) }, auth);
        if (r.status === 200) acked.metrics.push(...ms);
      } else if (kind === 8) {
        const p = { run, key: `p${id}-${i}`, value: `v${i}` };
        const r = await api(url, 'POST', 'runs/log-parameter', { run_id: run, key: p.key, value: p.value }, auth);
        if (r.status === 200) acked.params.push(p);
      } else {
        const a = { path: `${artifactRoot}/c${id}/f${i}.txt`, content: `client ${id} file ${i} `.repeat(50) };
        const r = await fetch(`${url}/api/2.0/mlflow-artifacts/artifacts/${a.path}`, { method: 'PUT', body: a.content, headers: auth });
        await r.arrayBuffer();
        if (r.status === 200) acked.artifacts.push(a);
      }
    } catch {
      // The server was killed mid-request: this write was never acknowledged.
      if (stop.now) return;
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}

async function verify(url: string, acked: Acked): Promise<void> {
  const byRunKey = new Map<string, Map<number, unknown>>();
  for (const m of acked.metrics) {
    const k = `${m.run} ${m.key}`;
    if (!byRunKey.has(k)) {
      const h = await api(url, 'GET', 'metrics/get-history', { run_id: m.run, metric_key: m.key }, auth);
      expect(h.status).toBe(200);
      byRunKey.set(k, new Map((h.body.metrics ?? []).map((p: { step: number; value: unknown }) => [p.step, p.value])));
    }
    expect(byRunKey.get(k)!.get(m.step), `${m.key} step ${m.step}`).toBe(m.value);
  }
  const params = new Map<string, Record<string, string>>();
  for (const p of acked.params) {
    if (!params.has(p.run)) {
      const r = await api(url, 'GET', 'runs/get', { run_id: p.run }, auth);
      params.set(p.run, Object.fromEntries(r.body.run.data.params.map((x: { key: string; value: string }) => [x.key, x.value])));
    }
    expect(params.get(p.run)![p.key], p.key).toBe(p.value);
  }
  for (const a of acked.artifacts) {
    const r = await fetch(`${url}/api/2.0/mlflow-artifacts/artifacts/${a.path}`, { headers: auth });
    expect(await r.text(), a.path).toBe(a.content);
  }
}

beforeAll(() => {
  ensureBuilt();
});

describe('durability of acknowledged writes (stachub track, SIGKILL)', () => {
  /** Three rounds: 16 clients log, the server is SIGKILLed mid-load, restarted, and every acknowledged write is read back. */
  async function killRounds(extraEnv: NodeJS.ProcessEnv): Promise<string> {
    const store = tempDir('stachub-durable-');
    const acked: Acked = { metrics: [], params: [], artifacts: [] };
    let proc = await startTrackProcess(['--port', '0', '--store', store], { STACHUB_TRACK_TOKEN: TOKEN, ...extraEnv });
    const exp = await api(proc.url, 'POST', 'experiments/create', { name: 'durable' }, auth);
    const runs: string[] = [];
    for (let round = 0; round < 3; round++) {
      const run = await api(proc.url, 'POST', 'runs/create', { experiment_id: exp.body.experiment_id }, auth);
      expect(run.status).toBe(200);
      runs.push(run.body.run.info.run_id);
      const root = (run.body.run.info.artifact_uri as string).replace('mlflow-artifacts:/', '');
      const stop = { now: false };
      const before = acked.metrics.length;
      const clients = Array.from({ length: 16 }, (_, id) => client(proc.url, runs[round]!, root, id, acked, stop));
      // Kill in the middle of the load, once a good number of writes were acknowledged.
      const deadline = Date.now() + 10_000;
      while (acked.metrics.length - before < 300 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      proc.child.kill('SIGKILL');
      await proc.exited;
      stop.now = true;
      await Promise.all(clients);
      expect(acked.metrics.length - before).toBeGreaterThan(100);

      proc = await startTrackProcess(['--port', '0', '--store', store], { STACHUB_TRACK_TOKEN: TOKEN, ...extraEnv });
      await verify(proc.url, acked);
    }
    expect(acked.params.length).toBeGreaterThan(0);
    expect(acked.artifacts.length).toBeGreaterThan(0);
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
    return store;
  }

  it('every acknowledged write survives kill -9 and restart, across three kills', async () => {
    await killRounds({});
  });

  it('every acknowledged write survives kill -9 at any moment of a journal compaction', async () => {
    // A compaction every 4 KiB of journal: under this load one runs most of the time, so the
    // kills land in its steps (seal, snapshot files, manifest switch, cleanup).
    const store = await killRounds({ STACHUB_TRACK_COMPACT_BYTES: '4096' });
    expect(fs.existsSync(path.join(store, 'manifest.json'))).toBe(true);
    const gen = Number(/"gen":(\d+)/.exec(fs.readFileSync(path.join(store, 'manifest.json'), 'utf8'))![1]);
    expect(gen).toBeGreaterThan(3);
  });


  it('says on start-up how many intact records no longer applied, and which was the first', async () => {
    const store = tempDir('stachub-failed-');
    let proc = await startTrackProcess(['--port', '0', '--store', store]);
    expect((await api(proc.url, 'POST', 'runs/create', { experiment_id: '0' })).status).toBe(200);
    proc.child.kill('SIGKILL');
    await proc.exited;
    // A hand-edited journal: a metric naming a run the store does not have.
    fs.appendFileSync(path.join(store, 'journal.log'), encodeRecord(['m', 999, 'loss', 2, 2, 1]));
    proc = await startTrackProcess(['--port', '0', '--store', store]);
    expect(proc.stderr()).toMatch(/; 1 records no longer applied and were skipped, the first: journal\.log record \d+: unknown run #999/);
    proc.child.kill('SIGKILL');
    await proc.exited;
  });

  it('a torn final record is dropped on restart, and writes after it survive the next restart', async () => {
    const store = tempDir('stachub-torn-');
    let proc = await startTrackProcess(['--port', '0', '--store', store]);
    const run = (await api(proc.url, 'POST', 'runs/create', { experiment_id: '0' })).body.run.info.run_id as string;
    expect((await api(proc.url, 'POST', 'runs/log-metric', { run_id: run, key: 'm', value: 1, timestamp: 1, step: 1 })).status).toBe(200);
    proc.child.kill('SIGKILL');
    await proc.exited;
    // A crash in the middle of writing a record leaves a line without its end.
    const journal = path.join(store, 'journal.log');
    fs.appendFileSync(journal, '1a2b3c4d ["m",0,"m",99,2,');

    proc = await startTrackProcess(['--port', '0', '--store', store]);
    expect(proc.stderr()).toMatch(/dropped a torn final record of \d+ bytes/);
    const h1 = await api(proc.url, 'GET', 'metrics/get-history', { run_id: run, metric_key: 'm' });
    expect(h1.body.metrics.map((m: { value: number }) => m.value)).toEqual([1]);
    expect((await api(proc.url, 'POST', 'runs/log-metric', { run_id: run, key: 'm', value: 2, timestamp: 3, step: 2 })).status).toBe(200);
    proc.child.kill('SIGKILL');
    await proc.exited;

    proc = await startTrackProcess(['--port', '0', '--store', store]);
    expect(proc.stderr()).not.toMatch(/dropped a torn/);
    const h2 = await api(proc.url, 'GET', 'metrics/get-history', { run_id: run, metric_key: 'm' });
    expect(h2.body.metrics.map((m: { value: number }) => m.value)).toEqual([1, 2]);
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
    expect(fs.existsSync(path.join(store, 'server.lock'))).toBe(false);
  });
});
