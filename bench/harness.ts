/**
 * What the model benchmarks share: flags, measured child processes (wall time and the child's own
 * peak RSS), medians, byte formatting, building dist/ before a run, and the seeded fuzz loop.
 */
import { execFileSync, spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { ByteSource } from '../generator/onnx/byte-source.js';
import { bufferByteSource } from '../generator/onnx/byte-source.js';
import { mutate, rng } from '../test/onnx/mutate.js';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The value of `--name VALUE` on the command line, or `dflt`. */
export function benchArg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] as string) : dflt;
}

/** One measured run: wall time of its process and that process's peak RSS. */
export interface Measure {
  wallMs: number;
  rssMiB: number;
  bytesRead?: number;
  reads?: number;
  parameters?: number;
  error?: string;
}

/** Runs a process from the repository root; resolves with its wall time, stdout and exit code. */
export function runProcess(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ wallMs: number; stdout: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ wallMs: performance.now() - t0, stdout, code }));
  });
}

/** A run of a bench child script (`bench/*-child.mjs MODE TARGET`), which prints one JSON line. */
export async function childMeasure(script: string, mode: string, target: string): Promise<Measure> {
  const { wallMs, stdout } = await runProcess(process.execPath, [path.join(root, script), mode, target]);
  const r = JSON.parse(stdout.trim()) as { maxRssKiB: number; bytesRead?: number; reads?: number; error?: string; parameters?: number };
  return { wallMs, rssMiB: r.maxRssKiB / 1024, bytesRead: r.bytesRead, reads: r.reads, error: r.error, parameters: r.parameters };
}

/** Median (by wall time) of `n` measurements. */
export async function median(fn: () => Promise<Measure>, n: number): Promise<Measure> {
  const all: Measure[] = [];
  for (let i = 0; i < n; i++) all.push(await fn());
  all.sort((a, b) => a.wallMs - b.wallMs);
  return all[Math.floor(all.length / 2)] as Measure;
}

export const fmtBytes = (n?: number): string =>
  n === undefined ? '-' : n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(2)} GiB` : n >= 2 ** 20 ? `${(n / 2 ** 20).toFixed(2)} MiB` : `${(n / 1024).toFixed(0)} KiB`;

/** Compiles dist/ (the child scripts run the compiled code) and checks that `expected` was written. */
export function buildDist(expected: string): void {
  console.log('building dist/ (tsc -p tsconfig.build.json) ...');
  try {
    execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'ignore' });
  } catch {
    // Type errors elsewhere in the tree do not stop emission; the files below are what matters.
  }
  statSync(path.join(root, expected));
}

/** A seeded fuzz run over mutations of `seeds` (see test/onnx/mutate.ts). */
export interface FuzzRun {
  seeds: Uint8Array[];
  /** How the seeds are named in the first line ("models", "seed files"). */
  seedsLabel: string;
  /** Cases run without `--cases N` (`--seed N` picks the seed, 1 by default). */
  defaultCases: number;
  /** Describes the source; returns a category to count (a format), or undefined. */
  inspect(source: ByteSource): Promise<string | undefined>;
  /** The stable code of a typed error (one the reader means to throw), or undefined for anything else. */
  typedCode(err: unknown): string | undefined;
  /** Bytes a case may read at most, for an input of `length` bytes. */
  maxRead(length: number): number;
  /** What the last line says when every case passed. */
  okLine: string;
  /** The label of the category counts, when `inspect` returns categories. */
  categoriesLabel?: string;
}

/**
 * Runs the fuzz cases; prints outcome counts, the slowest case and peak RSS; sets a non-zero exit
 * code on any untyped error or any read beyond `maxRead`.
 */
export async function fuzz(run: FuzzRun): Promise<void> {
  const { seeds } = run;
  const cases = Number(benchArg('cases', String(run.defaultCases)));
  const seed = Number(benchArg('seed', '1'));
  const rand = rng(seed);
  const outcomes: Record<string, number> = {};
  const categories: Record<string, number> = {};
  const failures: string[] = [];
  let slowest = { ms: 0, name: '' };
  let peakRss = process.memoryUsage().rss;
  const t0 = performance.now();
  for (let i = 0; i < cases; i++) {
    const { kind, bytes } = mutate(seeds[Math.floor(rand() * seeds.length)]!, seeds[Math.floor(rand() * seeds.length)]!, rand);
    const name = `seed ${seed} case ${i} (${kind}, ${bytes.length} B)`;
    const source = bufferByteSource(bytes, name);
    const start = performance.now();
    try {
      const category = await run.inspect(source);
      outcomes.ok = (outcomes.ok ?? 0) + 1;
      if (category !== undefined) categories[category] = (categories[category] ?? 0) + 1;
    } catch (err) {
      const code = run.typedCode(err);
      if (code === undefined) failures.push(`${name}: ${String(err)}`);
      else outcomes[code] = (outcomes[code] ?? 0) + 1;
    }
    const ms = performance.now() - start;
    if (ms > slowest.ms) slowest = { ms, name };
    if (source.stats.bytesRead > run.maxRead(bytes.length)) failures.push(`${name}: read ${source.stats.bytesRead} bytes of ${bytes.length}`);
    if (i % 500 === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  const total = (performance.now() - t0) / 1000;
  console.log(`${cases} cases from ${seeds.length} ${run.seedsLabel}, seed ${seed}, ${total.toFixed(1)} s`);
  console.log('outcomes:', JSON.stringify(outcomes));
  if (run.categoriesLabel) console.log(`${run.categoriesLabel}:`, JSON.stringify(categories));
  console.log(`slowest case: ${slowest.ms.toFixed(1)} ms (${slowest.name}); peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB`);
  if (failures.length > 0) {
    console.log(`${failures.length} untyped failures:\n${failures.slice(0, 20).join('\n')}`);
    process.exitCode = 1;
  } else {
    console.log(run.okLine);
  }
}
