/**
 * Publishing benchmark: a 10,000-item catalog (items, their HTML pages, collections, root, search
 * index: ~20,000 files) published to a loopback S3 server (s3rver), three times: first publish,
 * no-change publish, one-change publish. Each step rewrites the whole output folder, as
 * `stachub build` does. Peer: `aws s3 sync --delete` (AWS CLI) on the same trees, against the same
 * server. Requests are counted by a proxy in front of the server, for both tools alike.
 *
 *   npx tsx bench/publish.ts [items=10000]
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { readOutputDir } from '../generator/publish/read-dir.js';
import { S3ObjectStore } from '../generator/publish/s3-store.js';
import { StoreSink } from '../generator/publish/sink.js';
import type { OutputFile } from '../generator/types.js';
import { ACCESS, startS3, syntheticCatalog } from '../test/publish/fixtures.js';

const ITEMS = Number(process.argv[2] ?? 10_000);
const run = promisify(execFile);

function catalog(version: string): OutputFile[] {
  const projects: Record<string, string[]> = {};
  for (let i = 0; i < ITEMS; i++) (projects[`c${i % 5}`] ??= []).push(`p${String(i).padStart(5, '0')}`);
  // No preview images: two files per item (JSON + HTML), like a catalog of README-only projects.
  return syntheticCatalog({ projects, versions: { p00042: version } }).filter((f) => !f.path.endsWith('.png'));
}

async function writeTree(dir: string, files: OutputFile[]): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  for (const f of files) {
    await mkdir(dirname(join(dir, f.path)), { recursive: true });
    await writeFile(join(dir, f.path), f.content);
  }
}

interface Counts {
  total: number;
  byMethod: Record<string, number>;
}

async function main(): Promise<void> {
  const s3 = await startS3(['bench-stachub', 'bench-aws']);
  const counts: Counts = { total: 0, byMethod: {} };
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const proxy = http.createServer((req, res) => {
    counts.total++;
    counts.byMethod[req.method ?? '?'] = (counts.byMethod[req.method ?? '?'] ?? 0) + 1;
    const up = http.request(`${s3.endpoint}${req.url}`, { method: req.method, headers: req.headers, agent }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    req.pipe(up);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const endpoint = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
  const work = await mkdtemp(join(tmpdir(), 'stachub-bench-'));
  const home = join(work, 'home');
  await mkdir(home);
  const awsEnv = { PATH: process.env.PATH, HOME: home, AWS_ACCESS_KEY_ID: ACCESS.accessKeyId, AWS_SECRET_ACCESS_KEY: ACCESS.secretAccessKey, AWS_DEFAULT_REGION: 'us-east-1' };

  const steps: Array<[string, string]> = [
    ['first publish', '1'],
    ['no-change publish', '1'],
    ['one-change publish', '2'],
  ];
  const rows: string[] = [];
  const out = join(work, 'public');
  for (const [label, version] of steps) {
    const files = catalog(version);
    await writeTree(out, files);

    counts.total = 0;
    counts.byMethod = {};
    let t = performance.now();
    const store = new S3ObjectStore({ bucket: 'bench-stachub', endpoint, forcePathStyle: true, credentials: ACCESS });
    const report = await new StoreSink(store, { prefix: 'hub' }).write(await readOutputDir(out));
    store.close();
    const stachubMs = performance.now() - t;
    const stachubReq = counts.total;
    const stachubPuts = counts.byMethod.PUT ?? 0;

    counts.total = 0;
    counts.byMethod = {};
    t = performance.now();
    await run('aws', ['--endpoint-url', endpoint, 's3', 'sync', '--delete', '--only-show-errors', out, 's3://bench-aws/hub'], {
      env: awsEnv,
      maxBuffer: 1 << 26,
    });
    const awsMs = performance.now() - t;
    const awsReq = counts.total;
    const awsPuts = counts.byMethod.PUT ?? 0;

    rows.push(
      `| ${label} | ${files.length} | ${report.written} | ${stachubReq} (${stachubPuts} PUT) | ${(stachubMs / 1000).toFixed(1)} s | ` +
        `${awsReq} (${awsPuts} PUT) | ${(awsMs / 1000).toFixed(1)} s | ${(stachubReq / Math.max(1, awsReq)).toFixed(3)} | ${(stachubMs / awsMs).toFixed(2)} |`,
    );
    process.stderr.write(`${label}: done\n`);
  }
  console.log(`Publishing ${ITEMS} items to s3rver on loopback (Node ${process.version}; ${(await run('aws', ['--version'])).stdout.trim() || 'aws cli'})\n`);
  console.log('| step | files | stachub uploads | stachub requests | stachub wall | aws s3 sync requests | aws s3 sync wall | requests ratio (stachub/aws) | time ratio (stachub/aws) |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
  proxy.close();
  agent.destroy();
  await s3.stop();
  await rm(work, { recursive: true, force: true });
}

await main();
