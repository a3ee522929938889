/**
 * Long fuzz run of the model readers (PyTorch zip and legacy, TorchScript, pickles, zips,
 * safetensors, GGUF): seeded mutations of files written by python3-torch and by the spec-following
 * writers of the tests. Prints outcome counts, the slowest case and peak RSS; exits non-zero on any
 * untyped error or any read far beyond the input.
 *
 *   npx tsx bench/models-fuzz.ts [--cases 100000] [--seed 1]
 */
import { performance } from 'node:perf_hooks';
import { bufferByteSource } from '../generator/onnx/byte-source.js';
import { ModelError, inspectModel } from '../generator/models/index.js';
import { mutate, rng } from '../test/onnx/mutate.js';
import { torchFixtures } from '../test/models/helpers.js';
import { modelSeeds } from '../test/models/seeds.js';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const cases = arg('cases', 100_000);
const seed = arg('seed', 1);

const fx = await torchFixtures();
const models = modelSeeds(fx.dir);
fx.cleanup();

const rand = rng(seed);
const outcomes: Record<string, number> = {};
const formats: Record<string, number> = {};
const failures: string[] = [];
let slowest = { ms: 0, name: '' };
let peakRss = process.memoryUsage().rss;
const t0 = performance.now();
for (let i = 0; i < cases; i++) {
  const { kind, bytes } = mutate(models[Math.floor(rand() * models.length)]!, models[Math.floor(rand() * models.length)]!, rand);
  const name = `seed ${seed} case ${i} (${kind}, ${bytes.length} B)`;
  const source = bufferByteSource(bytes, name);
  const start = performance.now();
  try {
    const s = await inspectModel(source);
    JSON.stringify(s);
    outcomes.ok = (outcomes.ok ?? 0) + 1;
    formats[s.format] = (formats[s.format] ?? 0) + 1;
  } catch (err) {
    if (!(err instanceof ModelError) || err.cause !== undefined) failures.push(`${name}: ${String(err)}`);
    else outcomes[err.code] = (outcomes[err.code] ?? 0) + 1;
  }
  const ms = performance.now() - start;
  if (ms > slowest.ms) slowest = { ms, name };
  // Overlapping windows (a zip's end record, then its directory) may read a byte twice, never more.
  if (source.stats.bytesRead > bytes.length * 2 + 65_536) failures.push(`${name}: read ${source.stats.bytesRead} bytes of ${bytes.length}`);
  if (i % 500 === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
}
peakRss = Math.max(peakRss, process.memoryUsage().rss);
const total = (performance.now() - t0) / 1000;
console.log(`${cases} cases from ${models.length} seed files, seed ${seed}, ${total.toFixed(1)} s`);
console.log('outcomes:', JSON.stringify(outcomes));
console.log('described, by format:', JSON.stringify(formats));
console.log(`slowest case: ${slowest.ms.toFixed(1)} ms (${slowest.name}); peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB`);
if (failures.length > 0) {
  console.log(`${failures.length} untyped failures:\n${failures.slice(0, 20).join('\n')}`);
  process.exitCode = 1;
} else {
  console.log('no untyped errors, no read beyond the input');
}
