/**
 * Benchmark: `stachub inspect` against a full protobufjs decode (the peer) on synthetic ~1 GiB and
 * ~2.5 GiB ONNX models, locally and over HTTP Range on loopback. Each measurement runs in its own
 * process (bench/onnx-child.mjs, or the real CLI) so peak RSS is that process's own; wall time is the
 * whole process, Node start-up included. The models are written to a temp dir and deleted at the end.
 *
 *   npx tsx bench/onnx-inspect.ts [--runs 3] [--sizes 1,2.5] [--worst-case yes|no]
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { startRangeServer } from '../test/onnx/range-server.js';
import { TENSOR_BYTES, writeModel } from './onnx-model.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] as string) : dflt;
};
const runs = Number(arg('runs', '3'));
const sizesGiB = arg('sizes', '1,2.5').split(',').map(Number);
/** Also the worst case for a skipping reader: 100,000 tiny (1 KiB) tensors and 100,000 nodes. */
const worstCase = arg('worst-case', 'yes') !== 'no';

// ---- measured runs ---------------------------------------------------------------------------

interface Measure {
  wallMs: number;
  rssMiB: number;
  bytesRead?: number;
  reads?: number;
  error?: string;
  parameters?: number;
}

function runProcess(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ wallMs: number; stdout: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ wallMs: performance.now() - t0, stdout, code }));
  });
}

async function child(mode: 'scan' | 'full', target: string): Promise<Measure> {
  const { wallMs, stdout } = await runProcess([path.join(root, 'bench/onnx-child.mjs'), mode, target]);
  const r = JSON.parse(stdout.trim()) as { maxRssKiB: number; bytesRead?: number; reads?: number; error?: string; parameters?: number };
  return { wallMs, rssMiB: r.maxRssKiB / 1024, bytesRead: r.bytesRead, reads: r.reads, error: r.error, parameters: r.parameters };
}

async function cli(target: string, dir: string): Promise<Measure> {
  const rssFile = path.join(dir, 'rss.txt');
  const { wallMs, stdout, code } = await runProcess(
    ['--import', path.join(root, 'bench/onnx-rss.mjs'), path.join(root, 'bin/stachub.js'), 'inspect', '--json', target],
    { ...process.env, ONNX_BENCH_RSS_FILE: rssFile },
  );
  const parameters = code === 0 ? (JSON.parse(stdout) as { parameterCount: number }).parameterCount : undefined;
  return { wallMs, rssMiB: Number(readFileSync(rssFile, 'utf8')) / 1024, parameters, ...(code === 0 ? {} : { error: `exit ${code}` }) };
}

/** Median (by wall time) of `runs` measurements. */
async function median(fn: () => Promise<Measure>, n = runs): Promise<Measure> {
  const all: Measure[] = [];
  for (let i = 0; i < n; i++) all.push(await fn());
  all.sort((a, b) => a.wallMs - b.wallMs);
  return all[Math.floor(all.length / 2)] as Measure;
}

// ---- main ------------------------------------------------------------------------------------

const fmtBytes = (n?: number): string =>
  n === undefined ? '-' : n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(2)} GiB` : n >= 2 ** 20 ? `${(n / 2 ** 20).toFixed(2)} MiB` : `${(n / 1024).toFixed(0)} KiB`;

console.log('building dist/ (tsc -p tsconfig.build.json) ...');
try {
  execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'ignore' });
} catch {
  // Type errors elsewhere in the tree do not stop emission; the files below are what matters.
}
statSync(path.join(root, 'dist/generator/onnx/index.js'));

const dir = mkdtempSync(path.join(tmpdir(), 'stachub-onnx-bench-'));
const rows: string[][] = [];
const summary: string[] = [];
try {
  const models = sizesGiB.map((gib) => ({ n: Math.round((gib * 2 ** 30) / TENSOR_BYTES), side: 1024, what: '4 MiB' }));
  if (worstCase) models.push({ n: 100_000, side: 16, what: '1 KiB' });
  for (const { n, side, what } of models) {
    const file = path.join(dir, `synthetic-${n}x${side}.onnx`);
    const size = writeModel(file, n, side);
    const label = `${fmtBytes(size)} (${n.toLocaleString('en-US')} x ${what})`;
    console.log(`model ${label}: ${runs} runs each ...`);
    const scan = await median(() => child('scan', file));
    const viaCli = await median(() => cli(file, dir));
    const full = await median(() => child('full', file), size >= 2 ** 31 ? 1 : runs);
    const server = await startRangeServer({ files: { '/model.onnx': file } });
    let http: Measure;
    try {
      http = await median(() => child('scan', `${server.url}/model.onnx`));
    } finally {
      await server.close();
    }
    const expectParams = n * side * side;
    for (const m of [scan, viaCli, http]) if (m.parameters !== expectParams) throw new Error(`wrong parameter count ${m.parameters} (expected ${expectParams}): ${m.error ?? ''}`);
    const row = (reader: string, m: Measure): string[] => [
      label,
      reader,
      m.error ? `fails: ${m.error}` : `${(m.wallMs / 1000).toFixed(2)} s`,
      m.error ? `${m.rssMiB.toFixed(0)} MiB` : `${m.rssMiB.toFixed(0)} MiB`,
      m.error ? '-' : fmtBytes(m.bytesRead),
      m.reads === undefined ? '-' : String(m.reads),
    ];
    rows.push(row('stachub scanner (inspectOnnx, file)', scan));
    rows.push(row('`stachub inspect --json` (CLI process)', { ...viaCli, bytesRead: scan.bytesRead, reads: scan.reads }));
    rows.push(row('stachub scanner over HTTP Range (loopback)', http));
    rows.push(row('peer: readFileSync + protobufjs decode', full));
    if (full.error) {
      summary.push(`${label}: the peer cannot start (${full.error}); stachub inspect ${(viaCli.wallMs / 1000).toFixed(2)} s, ${viaCli.rssMiB.toFixed(0)} MiB, ${fmtBytes(scan.bytesRead)} read`);
    } else {
      summary.push(
        `${label}: peer / stachub inspect = ${(full.wallMs / viaCli.wallMs).toFixed(1)}x wall, ${(full.rssMiB / viaCli.rssMiB).toFixed(1)}x peak RSS, ` +
          `${((full.bytesRead ?? 0) / (scan.bytesRead ?? 1)).toFixed(0)}x bytes read (scanner in-process vs peer: ${(full.rssMiB / scan.rssMiB).toFixed(1)}x RSS)`,
      );
    }
    rmSync(file);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const header = ['model', 'reader', 'wall (process)', 'peak RSS', 'bytes read', 'reads / requests'];
const table = [header, header.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
console.log(`\nNode ${process.version}, ${runs} runs (median; the peer once above 2 GiB), warm page cache\n`);
console.log(table);
console.log('');
for (const s of summary) console.log(s);
