/**
 * Benchmark: `stachub inspect` against a full protobufjs decode (the peer) on synthetic ~1 GiB and
 * ~2.5 GiB ONNX models, locally and over HTTP Range on loopback. Each measurement runs in its own
 * process (bench/onnx-child.mjs, or the real CLI) so peak RSS is that process's own; wall time is the
 * whole process, Node start-up included. The models are written to a temp dir and deleted at the end.
 *
 *   npx tsx bench/onnx-inspect.ts [--runs 3] [--sizes 1,2.5] [--worst-case yes|no]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startRangeServer } from '../test/onnx/range-server.js';
import { benchArg as arg, buildDist, childMeasure, fmtBytes, median as medianOf, root, runProcess, type Measure } from './harness.js';
import { TENSOR_BYTES, writeModel } from './onnx-model.js';

const runs = Number(arg('runs', '3'));
const sizesGiB = arg('sizes', '1,2.5').split(',').map(Number);
/** Also the worst case for a skipping reader: 100,000 tiny (1 KiB) tensors and 100,000 nodes. */
const worstCase = arg('worst-case', 'yes') !== 'no';

// ---- measured runs ---------------------------------------------------------------------------

const child = (mode: 'scan' | 'full', target: string): Promise<Measure> => childMeasure('bench/onnx-child.mjs', mode, target);

async function cli(target: string, dir: string): Promise<Measure> {
  const rssFile = path.join(dir, 'rss.txt');
  const { wallMs, stdout, code } = await runProcess(
    process.execPath,
    ['--import', path.join(root, 'bench/onnx-rss.mjs'), path.join(root, 'bin/stachub.js'), 'inspect', '--json', target],
    { ...process.env, ONNX_BENCH_RSS_FILE: rssFile },
  );
  const parameters = code === 0 ? (JSON.parse(stdout) as { parameterCount: number }).parameterCount : undefined;
  return { wallMs, rssMiB: Number(readFileSync(rssFile, 'utf8')) / 1024, parameters, ...(code === 0 ? {} : { error: `exit ${code}` }) };
}

/** Median (by wall time) of `runs` measurements. */
const median = (fn: () => Promise<Measure>, n = runs): Promise<Measure> => medianOf(fn, n);

// ---- main ------------------------------------------------------------------------------------

buildDist('dist/generator/onnx/index.js');

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
