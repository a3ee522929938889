/**
 * Benchmark: describing a 2 GiB PyTorch checkpoint and a 2 GiB safetensors file. stachub's readers
 * (header only) against the peers: `torch.load(map_location='meta')` with Debian's python3-torch
 * (1.13: no `mmap=True` yet; a meta load still reads every storage record), and a full read of the
 * file (the floor of any loader that reads the weights). Each run is its own process, so peak RSS is
 * its own; wall time includes start-up. The files are written sparsely to a temp dir and deleted.
 *
 *   npx tsx bench/models-inspect.ts [--runs 3] [--gib 2]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { benchArg, buildDist, childMeasure, fmtBytes, median, runProcess, type Measure } from './harness.js';
import { writeSparseSafetensors, writeSparseTorch } from './models-files.js';

const runs = Number(benchArg('runs', '3'));
const gib = Number(benchArg('gib', '2'));
const PYTHON = '/usr/bin/python3';

const node = (mode: 'scan' | 'full', file: string): Promise<Measure> => childMeasure('bench/models-child.mjs', mode, file);

/** torch.load(map_location='meta'): parameters from the loaded state dict; bytes read from /proc/self/io. */
const TORCH_META = `
import json, resource, sys, torch
sd = torch.load(sys.argv[1], map_location='meta')
io = dict(l.split(': ') for l in open('/proc/self/io').read().splitlines())
print(json.dumps({'parameters': sum(t.numel() for t in sd.values()), 'bytesRead': int(io['rchar']), 'maxRssKiB': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
`;

async function torchMeta(file: string): Promise<Measure> {
  const { wallMs, stdout } = await runProcess(PYTHON, ['-c', TORCH_META, file]);
  try {
    const r = JSON.parse(stdout.trim()) as { maxRssKiB: number; bytesRead: number; parameters: number };
    return { wallMs, rssMiB: r.maxRssKiB / 1024, bytesRead: r.bytesRead, parameters: r.parameters };
  } catch {
    return { wallMs, rssMiB: 0, error: 'torch.load failed (is python3-torch installed? apt-get install -y python3-torch)' };
  }
}

buildDist('dist/generator/models/index.js');

const dir = mkdtempSync(path.join(tmpdir(), 'stachub-models-bench-'));
const rows: string[][] = [];
const ratios: string[] = [];
try {
  // 16 MiB tensors (4096 x 1024 float32): 128 of them per 2 GiB.
  const n = Math.round((gib * 2 ** 30) / (16 * 2 **20));
  const files = [
    { label: 'PyTorch (torch.save zip)', file: path.join(dir, 'model.pt'), write: writeSparseTorch, torch: true },
    { label: 'safetensors', file: path.join(dir, 'model.safetensors'), write: writeSparseSafetensors, torch: false },
  ];
  for (const f of files) {
    const size = f.write(f.file, n, 4096, 1024);
    const label = `${f.label}, ${fmtBytes(size)} (${n} x 16 MiB)`;
    console.log(`${label}: ${runs} runs each ...`);
    const scan = await median(() => node('scan', f.file), runs);
    const full = await median(() => node('full', f.file), 1);
    const meta = f.torch ? await median(() => torchMeta(f.file), 1) : undefined;
    const expected = n * 4096 * 1024;
    if (scan.parameters !== expected) throw new Error(`stachub counted ${scan.parameters} parameters, expected ${expected} (${scan.error ?? ''})`);
    if (meta && !meta.error && meta.parameters !== expected) throw new Error(`torch counted ${meta.parameters} parameters`);
    const row = (reader: string, m: Measure): string[] => [label, reader, m.error ? `fails: ${m.error}` : `${(m.wallMs / 1000).toFixed(2)} s`, `${m.rssMiB.toFixed(0)} MiB`, fmtBytes(m.bytesRead)];
    rows.push(row('stachub inspectModel (file)', scan), row('full read (every byte, 1 MiB reads)', full));
    if (meta) rows.push(row("torch.load(map_location='meta')", meta));
    const ratio = (peer: Measure, name: string): string =>
      `${name} / stachub: ${(peer.wallMs / scan.wallMs).toFixed(1)}x wall, ${(peer.rssMiB / scan.rssMiB).toFixed(1)}x peak RSS, ${((peer.bytesRead ?? 0) / (scan.bytesRead ?? 1)).toFixed(0)}x bytes read`;
    ratios.push(`${label}: stachub read ${fmtBytes(scan.bytesRead)} (${scan.bytesRead! < 4 * 2 ** 20 ? 'under' : 'OVER'} 4 MiB)`);
    ratios.push(`  ${ratio(full, 'full read')}`);
    if (meta && !meta.error) ratios.push(`  ${ratio(meta, "torch.load(map_location='meta')")}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join(' | '));
console.log('');
for (const r of ratios) console.log(r);
