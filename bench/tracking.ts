/**
 * Load benchmark of the tracking shim on loopback: 32 concurrent clients (keep-alive HTTP/1.1, one
 * request in flight each, one run each) calling `runs/log-metric`, then `runs/log-batch`, for a fixed
 * time. Reports requests/s, metric points/s, p50/p99 latency, fsyncs (group-commit size), the
 * journal bytes per million metric points, and the replay time of the resulting store.
 * The peer is the same server with fsync off (no durability: an upper bound), printed as ratios,
 * next to the targets (5,000 log-metric requests/s, p99 under 20 ms).
 *
 *   npx tsx bench/tracking.ts [--seconds 5] [--clients 32] [--batch 100] [--restart-points 10000000] [--restart-only]
 *   npx tsx bench/tracking.ts --peer DIR [--rounds 5] [--seconds 5]
 *
 * With `--peer DIR` (a checkout of another version, e.g. `git worktree add DIR <commit>` with its
 * node_modules linked) the peer is that version's server instead: for log-metric and log-batch,
 * durable (and log-metric with every client on one run), the two servers run interleaved (peer, this, peer, this... `--rounds` times each, so a
 * shared, loaded machine weighs on both alike), and the medians are compared as ratios (req/s,
 * p99, server CPU per request), with min/median/max of each.
 *
 * Then a large store (10 M points by default) is built through the store API to time a restart
 * and compare the bytes on disk (snapshot + journal tail, after compactions) with the live data.
 *
 * The server runs in a child process (this file with --serve), so server and load generator each
 * get one of the two cores.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(import.meta.url);

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? def : Number(process.argv[i + 1]);
}

interface Server {
  url: string;
  stop: () => Promise<{ syncs: number; records: number; cpuMs: number; rssMiB: number }>;
}

/**
 * Start a server in a child process: this file's `--serve` mode, or the same file of another
 * checkout (`script`), which speaks the same URL/STATS protocol.
 */
async function startServer(dir: string, fsync: boolean, script = here): Promise<Server> {
  const prof = process.env['BENCH_CPU_PROF'] ? ['--cpu-prof', '--cpu-prof-dir', process.env['BENCH_CPU_PROF']] : [];
  const child = spawn(process.execPath, [...prof, '--import', 'tsx', script, '--serve', dir, fsync ? 'fsync' : 'nofsync'], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /URL (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  return {
    url,
    stop: () =>
      new Promise((resolve) => {
        child.on('exit', () => resolve(JSON.parse(/STATS (.*)/.exec(out)![1]!) as { syncs: number; records: number; cpuMs: number; rssMiB: number }));
        child.kill('SIGTERM');
      }),
  };
}

/**
 * A minimal keep-alive HTTP/1.1 connection (like wrk's): writes a prebuilt request, reads the
 * status line and Content-Length. Much cheaper than node:http's client, so the load generator
 * does not starve the server of the second core.
 */
class Connection {
  private socket: net.Socket;
  private buf: Buffer = Buffer.alloc(0);
  private pending: ((status: number) => void) | undefined;
  constructor(host: string, port: number) {
    this.socket = net.connect(port, host);
    this.socket.setNoDelay(true);
    this.socket.on('data', (d: Buffer) => {
      this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
      this.parse();
    });
  }
  private parse(): void {
    const end = this.buf.indexOf('\r\n\r\n');
    if (end === -1 || !this.pending) return;
    const head = this.buf.subarray(0, end).toString('latin1');
    const len = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
    if (this.buf.length < end + 4 + len) return;
    const status = Number(head.slice(9, 12));
    this.buf = this.buf.subarray(end + 4 + len);
    const done = this.pending;
    this.pending = undefined;
    done(status);
  }
  post(path: string, body: string, host: string): Promise<number> {
    return new Promise((resolve) => {
      this.pending = resolve;
      this.socket.write(`POST ${path} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    });
  }
  close(): void {
    this.socket.destroy();
  }
}

interface Result {
  requests: number;
  points: number;
  seconds: number;
  p50: number;
  p99: number;
  errors: number;
}

/** `shared`: every client logs to the first client's run (several writers on one run, timestamps interleaved). */
async function load(server: Server, kind: 'metric' | 'batch', seconds: number, clients: number, batch: number, shared = false): Promise<Result> {
  const url = new URL(server.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  const runs: string[] = [];
  for (let c = 0; c < clients; c++) {
    const body = JSON.stringify({ experiment_id: '0', run_name: `bench-${kind}-${c}` });
    const run = await new Promise<string>((resolve, reject) => {
      const req = http.request({ agent, host: url.hostname, port: url.port, path: '/api/2.0/mlflow/runs/create', method: 'POST', headers: { 'Content-Type': 'application/json' } }, (res) => {
        let t = '';
        res.on('data', (d: Buffer) => (t += d.toString()));
        res.on('end', () => resolve((JSON.parse(t) as { run: { info: { run_id: string } } }).run.info.run_id));
      });
      req.on('error', reject);
      req.end(body);
    });
    runs.push(run);
  }
  const latencies: number[] = [];
  let points = 0;
  let errors = 0;
  let measuring = false;
  let stop = false;
  const worker = async (c: number): Promise<void> => {
    const run = runs[shared ? 0 : c]!;
    const conn = new Connection(url.hostname, Number(url.port));
    const target = kind === 'metric' ? '/api/2.0/mlflow/runs/log-metric' : '/api/2.0/mlflow/runs/log-batch';
    for (let step = 0; !stop; step++) {
      const t0 = process.hrtime.bigint();
      let body: string;
      let n: number;
      if (kind === 'metric') {
        body = JSON.stringify({ run_id: run, run_uuid: run, key: 'loss', value: Math.random(), timestamp: Date.now(), step });
        n = 1;
      } else {
        const now = Date.now();
        const metrics = [];
        for (let j = 0; j < batch; j++) metrics.push({ key: `m${j % 10}`, value: Math.random(), timestamp: now, step: step * batch + j });
        body = JSON.stringify({ run_id: run, metrics, params: [], tags: [] });
        n = batch;
      }
      const status = await conn.post(target, body, url.host);
      if (!measuring) continue;
      if (status !== 200) errors++;
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      points += n;
    }
    conn.close();
  };
  const workers = Array.from({ length: clients }, (_, c) => worker(c));
  await new Promise((r) => setTimeout(r, 1000)); // warm-up
  measuring = true;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  measuring = false;
  const elapsed = (performance.now() - t0) / 1000;
  stop = true;
  await Promise.all(workers);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
  return { requests: latencies.length, points, seconds: elapsed, p50: q(0.5), p99: q(0.99), errors };
}

async function main(): Promise<void> {
  const seconds = arg('seconds', 5);
  const clients = arg('clients', 32);
  const batch = arg('batch', 100);
  const peerAt = process.argv.indexOf('--peer');
  if (peerAt !== -1) {
    await peerRun(path.resolve(process.argv[peerAt + 1]!), arg('rounds', 5), seconds, clients, batch);
    return;
  }
  const { openStore } = await import('../pipelines/tracking/store.js');
  if (process.argv.includes('--restart-only')) {
    await restartCase(arg('restart-points', 10_000_000));
    return;
  }
  console.log(`tracking shim load benchmark: ${clients} clients on loopback, ${seconds} s per case, ${os.cpus().length} cores, Node ${process.version}`);
  const rows: Record<string, Result & { syncs: number; records: number; cpuMs: number; rssMiB: number; journalBytes: number; replayMs: number }> = {};
  for (const [name, kind, fsync] of [
    ['log-metric', 'metric', true],
    ['log-metric (no fsync)', 'metric', false],
    [`log-batch x${batch}`, 'batch', true],
    [`log-batch x${batch} (no fsync)`, 'batch', false],
  ] as const) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stachub-bench-track-'));
    const server = await startServer(dir, fsync);
    const r = await load(server, kind, seconds, clients, batch);
    const stats = await server.stop();
    const t0 = performance.now();
    const store = await openStore(dir);
    const replayMs = performance.now() - t0;
    // The store on disk: snapshot (after compactions) and journal tail.
    const usage = store.diskUsage();
    const journalBytes = usage.snapshotBytes + usage.journalBytes;
    rows[name] = { ...r, ...stats, journalBytes, replayMs };
    fs.rmSync(dir, { recursive: true, force: true });
    const rps = r.requests / r.seconds;
    console.log(
      `${name.padEnd(28)} ${rps.toFixed(0).padStart(7)} req/s  ${(r.points / r.seconds).toFixed(0).padStart(8)} points/s  ` +
        `p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms  errors ${r.errors}  ` +
        `records/fsync ${stats.syncs ? (stats.records / stats.syncs).toFixed(1) : '-'}  server CPU ${((stats.cpuMs * 1000) / stats.records).toFixed(0)} us/request`,
    );
  }
  const m = rows['log-metric']!;
  const mPeer = rows['log-metric (no fsync)']!;
  const b = rows[`log-batch x${batch}`]!;
  const bPeer = rows[`log-batch x${batch} (no fsync)`]!;
  const rps = (x: Result) => x.requests / x.seconds;
  console.log('');
  console.log(`log-metric vs target 5,000 req/s:        ${(rps(m) / 5000).toFixed(2)}x`);
  console.log(`log-metric p99 vs target 20 ms:          ${(m.p99 / 20).toFixed(2)}x of the budget`);
  console.log(`log-metric durable vs no-fsync peer:     ${(rps(m) / rps(mPeer)).toFixed(2)}x req/s, p99 ${(m.p99 / mPeer.p99).toFixed(2)}x`);
  console.log(`log-batch durable vs no-fsync peer:      ${(rps(b) / rps(bPeer)).toFixed(2)}x req/s, p99 ${(b.p99 / bPeer.p99).toFixed(2)}x`);
  const perMillion = (x: { journalBytes: number; points: number; requests: number }, pts: number) => (x.journalBytes / pts) * 1e6 / 1024 / 1024;
  // Points written include the warm-up second: count them from the journal's records instead of the measured window.
  const metricPoints = m.records; // one record per log-metric (plus a few run records)
  const batchPoints = b.records * batch;
  console.log(`store size per million metric points:    log-metric ${perMillion(m, metricPoints).toFixed(1)} MiB, log-batch ${perMillion(b, batchPoints).toFixed(1)} MiB`);
  console.log(`server RSS at the end:                    log-metric store ${m.rssMiB.toFixed(0)} MiB, log-batch store ${b.rssMiB.toFixed(0)} MiB (${(batchPoints / 1e6).toFixed(2)} M points in memory)`);
  console.log(`replay on open:                          ${(metricPoints / 1e6).toFixed(2)} M points (log-metric store) in ${m.replayMs.toFixed(0)} ms, ${(batchPoints / 1e6).toFixed(2)} M points (log-batch store) in ${b.replayMs.toFixed(0)} ms`);
  // The figures of the table in docs/performance.md#tracking-server before journal compaction.
  const README = { metricRps: 25616, metricP99: 2.24, batchRps: 5711, batchP99: 13.37 };
  console.log(
    `vs docs/performance.md's figures (same bench):    log-metric ${(rps(m) / README.metricRps).toFixed(2)}x req/s, p99 ${(m.p99 / README.metricP99).toFixed(2)}x; ` +
      `log-batch ${(rps(b) / README.batchRps).toFixed(2)}x req/s, p99 ${(b.p99 / README.batchP99).toFixed(2)}x`,
  );
  const restartPoints = arg('restart-points', 10_000_000);
  if (restartPoints > 0) await restartCase(restartPoints);
}

/** One measured case of one server: rates, latency and the server's CPU per request. */
interface Sample {
  rps: number;
  p99: number;
  cpuUs: number;
}

/**
 * This server against a peer checkout's, interleaved: `rounds` runs of each per case, alternating
 * peer and this version, each on a fresh store; prints every run, then min/median/max and the
 * ratios of the medians.
 */
async function peerRun(peerDir: string, rounds: number, seconds: number, clients: number, batch: number): Promise<void> {
  const peerScript = path.join(peerDir, 'bench', 'tracking.ts');
  if (!fs.existsSync(peerScript)) throw new Error(`no bench/tracking.ts in ${peerDir}`);
  console.log(`tracking shim vs peer ${peerDir}: ${clients} clients on loopback, ${seconds} s per run, ${rounds} interleaved runs each, ${os.cpus().length} cores, Node ${process.version}`);
  const median = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  };
  const spread = (xs: number[], digits: number): string =>
    `${Math.min(...xs).toFixed(digits)} / ${median(xs).toFixed(digits)} / ${Math.max(...xs).toFixed(digits)}`;
  for (const [name, kind, shared] of [
    ['log-metric', 'metric', false],
    [`log-batch x${batch}`, 'batch', false],
    ['log-metric, 1 run', 'metric', true],
  ] as const) {
    const samples: Record<'peer' | 'this', Sample[]> = { peer: [], this: [] };
    for (let round = 0; round < rounds; round++) {
      for (const who of ['peer', 'this'] as const) {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stachub-bench-track-'));
        try {
          const server = await startServer(dir, true, who === 'peer' ? peerScript : here);
          const r = await load(server, kind, seconds, clients, batch, shared);
          const stats = await server.stop();
          const s = { rps: r.requests / r.seconds, p99: r.p99, cpuUs: (stats.cpuMs * 1000) / stats.records };
          samples[who].push(s);
          console.log(
            `${name.padEnd(17)} ${who.padEnd(4)} #${round + 1}  ${s.rps.toFixed(0).padStart(7)} req/s  p99 ${s.p99.toFixed(2).padStart(7)} ms  ` +
              `server CPU ${s.cpuUs.toFixed(0).padStart(4)} us/request  errors ${r.errors}`,
          );
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      }
    }
    const col = (who: 'peer' | 'this', f: keyof Sample): number[] => samples[who].map((s) => s[f]);
    console.log('');
    console.log(`${name}, min / median / max of ${rounds} runs:`);
    for (const who of ['this', 'peer'] as const) {
      console.log(
        `  ${who.padEnd(4)}  req/s ${spread(col(who, 'rps'), 0)}   p99 ${spread(col(who, 'p99'), 2)} ms   server CPU ${spread(col(who, 'cpuUs'), 0)} us/request`,
      );
    }
    const ratio = (f: keyof Sample): string => (median(col('this', f)) / median(col('peer', f))).toFixed(2);
    console.log(`  this / peer (medians): req/s ${ratio('rps')}x, p99 ${ratio('p99')}x, server CPU per request ${ratio('cpuUs')}x`);
    console.log('');
  }
}

/**
 * Restart time and disk use of a large store: `points` metric points (10 runs x 10 keys, log-batch
 * of 1,000 through the store API, default compaction), then the time `openStore` takes to load it
 * as a restarting server does, and the bytes on disk against the live data (the size of a full
 * snapshot of the same state, taken right after).
 */
async function restartCase(points: number): Promise<void> {
  const { openStore } = await import('../pipelines/tracking/store.js');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stachub-bench-restart-'));
  try {
    const store = await openStore(dir, { writable: true, fsync: false });
    const exp = await store.createExperiment('restart', undefined, []);
    const runs: string[] = [];
    for (let i = 0; i < 10; i++) runs.push((await store.createRun({ experimentId: exp, tags: [] })).run_id);
    const t0 = performance.now();
    let logged = 0;
    for (let step = 0; logged < points; step++) {
      for (const run of runs) {
        const metrics = [];
        for (let j = 0; j < 1000; j++) metrics.push({ key: `m${j % 10}`, value: Math.random(), timestamp: 1_750_000_000_000 + step * 1000 + j, step: step * 100 + Math.floor(j / 10) });
        await store.logBatch(run, metrics, [], []);
        logged += 1000;
        if (logged >= points) break;
      }
    }
    const loadS = (performance.now() - t0) / 1000;
    const written = store.journalStats;
    await store.close();
    const t1 = performance.now();
    const reopened = await openStore(dir, { writable: true, fsync: false, compactAfterBytes: 0 });
    const restartMs = performance.now() - t1;
    const disk = reopened.diskUsage();
    // Points stay on disk until first used: reading every series back once.
    const t2 = performance.now();
    let read = 0;
    for (const run of runs) for (let k = 0; k < 10; k++) read += reopened.metricHistory(run, `m${k}`).length;
    const readAllMs = performance.now() - t2;
    await reopened.compact();
    const live = reopened.diskUsage().snapshotBytes;
    await reopened.close();
    const mib = (n: number) => (n / 1048576).toFixed(0);
    console.log('');
    console.log(`large store: ${(logged / 1e6).toFixed(1)} M points logged in ${loadS.toFixed(1)} s (store API), ${written.compactions} compactions`);
    console.log(`restart (openStore) at ${(logged / 1e6).toFixed(1)} M points:   ${restartMs.toFixed(0)} ms (target < 2,000 ms: ${(restartMs / 2000).toFixed(2)}x)`);
    console.log(`first read of every history after it:    ${(read / 1e6).toFixed(1)} M points in ${readAllMs.toFixed(0)} ms (JSON objects built for each point)`);
    console.log(
      `disk vs live data:                       ${mib(disk.snapshotBytes + disk.journalBytes)} MiB on disk (snapshot ${mib(disk.snapshotBytes)} + journal ${mib(disk.journalBytes)}) ` +
        `/ ${mib(live)} MiB live = ${((disk.snapshotBytes + disk.journalBytes) / live).toFixed(2)}x (target < 1.5x); journal-only store would hold ${mib(written.bytesWritten)} MiB`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// Dispatch last: the classes above must be initialised before main() runs.
if (process.argv[2] === '--serve') {
  const { startTrackingServer } = await import('../pipelines/tracking/server.js');
  const server = await startTrackingServer({ port: 0, storeDir: process.argv[3]!, fsync: process.argv[4] !== 'nofsync' });
  const cpu0 = process.cpuUsage();
  process.stdout.write(`URL ${server.url}\n`);
  // Die with the benchmark: stdin closes when the parent exits, however it exits.
  process.stdin.on('end', () => process.exit(1));
  process.stdin.resume();
  process.on('SIGTERM', () => {
    const used = process.cpuUsage(cpu0);
    const stats = { ...server.store.journalStats, cpuMs: (used.user + used.system) / 1000, rssMiB: process.memoryUsage().rss / 1048576 };
    void server.close().then(() => {
      process.stdout.write(`STATS ${JSON.stringify(stats)}\n`);
      process.exit(0);
    });
  });
} else {
  await main();
}
