/**
 * GitLab crawl benchmark: a full and a no-change incremental crawl of the fake GitLab with 1,000 and
 * 10,000 projects at 20 ms injected latency, concurrency 16. Each crawl runs in its own process
 * (peak RSS is that process's), the fake in another.
 *
 *   npx tsx bench/gitlab-crawl.ts [--sizes 1000,10000] [--latency 20] [--concurrency 16]
 *                                 [--modes rest,graphql] [--graphql-ms-per-project 0]
 *
 * Prints, per size and phase: wall time, HTTP requests per project (retries included) by purpose,
 * GraphQL batches per project, peak RSS, and the ratios to the targets of the GitLab source (≤ 5
 * metadata requests per project, ≤ 1 request per 50 projects when nothing changed, a 10,000-project
 * full crawl under 60 s). A fifth of the instance's heads are merge commits with recent activity:
 * the no-change phase checks those heads and must re-read none of them ("re-read N of M").
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGitLabSource } from '../generator/sources/gitlab/source.js';
import { readState, writeState } from '../generator/pipeline/state.js';
import { createState, previousFromState } from '../generator/state/state.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const arg = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
};

interface PhaseResult {
  phase: 'full' | 'incremental';
  projects: number;
  wallMs: number;
  requests: number;
  retries: number;
  calls: Record<string, number>;
  origins: Record<string, number>;
  failed: number;
  peakRssMiB: number;
  stateWriteMs: number;
  stateBytes: number;
  /** CPU time of the crawl process during the crawl (user + system). */
  cpuMs: number;
}

async function runPhase(
  phase: 'full' | 'incremental',
  url: string,
  token: string,
  stateDir: string,
  concurrency: number,
  graphql: boolean,
): Promise<PhaseResult> {
  const previous = phase === 'incremental' ? previousFromState((await readState(stateDir)).state) : undefined;
  const src = createGitLabSource({ url, token, concurrency, graphql });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const listing = await src.projects({
    topics: ['sharinghub:aimodel', 'sharinghub:dataset', 'sharinghub:processor', 'sharinghub:tools', 'sharinghub:space'],
    visibility: ['public'],
    archived: 'exclude',
    ...(previous ? { previous } : {}),
  });
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const t1 = performance.now();
  const file = await writeState(stateDir, createState({ generatedAt: new Date().toISOString(), source: src.description, entries: listing.entries, marks: src.marks }));
  const stateWriteMs = performance.now() - t1;
  const stateBytes = (await stat(file)).size;
  const origins: Record<string, number> = {};
  for (const e of listing.entries) origins[e.origin] = (origins[e.origin] ?? 0) + 1;
  return {
    phase,
    projects: listing.entries.length,
    wallMs,
    requests: src.transport.requests,
    retries: src.transport.retries,
    calls: { ...src.calls },
    origins,
    failed: listing.failed.length,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    stateWriteMs,
    stateBytes,
    cpuMs: (cpu.user + cpu.system) / 1000,
  };
}

function spawnTsx(argv: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', ...argv], { stdio: ['pipe', 'pipe', 'inherit'] });
}

async function startFake(n: number, latency: number, gqlCost: number): Promise<{ child: ChildProcess; url: string; token: string }> {
  const child = spawnTsx([path.join(here, 'gitlab-fake-server.ts'), String(n), String(latency), String(gqlCost)]);
  const line = await new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /READY (\S+) (\S+)/.exec(buf);
      if (m) resolve(m[0]);
    });
    child.on('exit', (code) => reject(new Error(`fake exited ${code}`)));
  });
  const [, url, token] = line.split(' ');
  return { child, url: url!, token: token! };
}

async function phaseInChild(
  phase: string,
  url: string,
  token: string,
  stateDir: string,
  concurrency: number,
  graphql: boolean,
): Promise<PhaseResult> {
  const child = spawnTsx([
    fileURLToPath(import.meta.url),
    '--child',
    phase,
    '--url',
    url,
    '--state',
    stateDir,
    '--concurrency',
    String(concurrency),
    '--graphql',
    String(graphql),
  ]);
  child.stdin!.end(token);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  if (code !== 0) throw new Error(`${phase} crawl exited ${code}`);
  return JSON.parse(out.trim().split('\n').pop()!) as PhaseResult;
}

const fmt = (n: number, d = 2) => n.toFixed(d);

async function main(): Promise<void> {
  if (args[0] === '--child') {
    let token = '';
    for await (const c of process.stdin) token += c;
    const r = await runPhase(
      args[1] as 'full' | 'incremental',
      arg('url', ''),
      token.trim(),
      arg('state', ''),
      Number(arg('concurrency', '16')),
      arg('graphql', 'false') === 'true',
    );
    process.stdout.write(JSON.stringify(r) + '\n');
    return;
  }
  const sizes = arg('sizes', '1000,10000').split(',').map(Number);
  const latency = Number(arg('latency', '20'));
  const concurrency = Number(arg('concurrency', '16'));
  const gqlCost = Number(arg('graphql-ms-per-project', '0'));
  const { loadavg, cpus } = await import('node:os');
  console.log(
    `GitLab crawl benchmark: fake GitLab at ${latency} ms latency, concurrency ${concurrency}, Node ${process.version}, ` +
      `${cpus().length} CPUs, load ${loadavg()[0]!.toFixed(1)}` +
      (gqlCost ? `, GraphQL server time ${gqlCost} ms per project` : ''),
  );
  const modes = arg('modes', 'rest,graphql').split(',');
  for (const n of sizes) {
    const fake = await startFake(n, latency, gqlCost);
    const results = new Map<string, PhaseResult>();
    try {
      for (const mode of modes) {
        const stateDir = await mkdtemp(path.join(tmpdir(), 'stachub-bench-'));
        try {
          for (const phase of ['full', 'incremental'] as const) {
            const r = await phaseInChild(phase, fake.url, fake.token, stateDir, concurrency, mode === 'graphql');
            results.set(`${mode} ${phase}`, r);
            const c = r.calls;
            const metadata = (c.graphql! + c.tree! + c.readme! + c.head! + c.release! + c.license!) / r.projects;
            const graphqlPerProject = c.graphql! / r.projects;
            // what the calls do not count is the ONNX scanner's Range requests (and retries, shown apart)
            const counted = Object.values(c).reduce((a, b) => a + b, 0);
            const onnxRequests = r.requests - r.retries - counted;
            console.log(
              [
                `${n} ${mode} ${phase}`.padEnd(26),
                `${fmt(r.wallMs / 1000, 1)} s`.padStart(8),
                `${fmt(r.requests / r.projects, 3)} req/project`.padStart(20),
                `metadata ${fmt(metadata, 3)}/project`.padStart(23),
                `GraphQL ${fmt(graphqlPerProject, 3)}/project`.padStart(22),
                `LFS ${c.lfsPointer}`.padStart(9),
                `ONNX ${onnxRequests}`.padStart(10),
                `retries ${r.retries}`.padStart(10),
                `CPU ${fmt(r.cpuMs / 1000, 1)} s`.padStart(10),
                `RSS ${fmt(r.peakRssMiB, 0)} MiB`.padStart(13),
                `state ${fmt(r.stateWriteMs / 1000, 1)} s ${fmt(r.stateBytes / 1048576, 1)} MiB`.padStart(20),
                JSON.stringify(r.origins),
              ].join(' '),
            );
            if (phase === 'full') {
              const target = mode === 'graphql' ? 0.2 : 5;
              console.log(
                `   metadata ${fmt(metadata / target)}× of the ${target}/project target` +
                  (n >= 10000 ? `; wall ${fmt(r.wallMs / 60000)}× of 60 s` : '') +
                  `; calls ${JSON.stringify(c)}`,
              );
            } else {
              console.log(
                `   ${fmt(r.requests / r.projects / (1 / 50))}× of 1 request per 50 projects (${r.requests} requests); ` +
                  `re-read ${r.origins.fresh ?? 0} of ${r.projects}, head checks ${c.head}`,
              );
            }
          }
        } finally {
          await rm(stateDir, { recursive: true, force: true });
        }
      }
      const rest = results.get('rest full');
      const gq = results.get('graphql full');
      if (rest && gq) {
        console.log(
          `   graphql/rest (full, ${n}): wall ${fmt(gq.wallMs / rest.wallMs)}×, requests ${fmt(gq.requests / rest.requests)}×, ` +
            `CPU ${fmt(gq.cpuMs / rest.cpuMs)}×, RSS ${fmt(gq.peakRssMiB / rest.peakRssMiB)}×`,
        );
      }
    } finally {
      fake.child.stdin!.end();
      fake.child.kill('SIGTERM');
    }
  }
}

await main();
