/**
 * Long fuzz run of the ONNX scanner: seeded mutations of Debian's libonnx-testdata models, the demo
 * model and the generated edge cases. Prints the outcome counts, the slowest case and peak RSS; exits
 * non-zero on any untyped error or any read beyond the input.
 *
 *   npx tsx bench/onnx-fuzz.ts [--cases 20000] [--seed 1]
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { demoModelBytes } from '../examples/scripts/make-demo-onnx.js';
import { OnnxError, bufferByteSource, inspectOnnx } from '../generator/onnx/index.js';
import { edgeCaseModels } from '../test/onnx/edge-cases.js';
import { CORPUS_DIR, onnxFilesUnder } from '../test/onnx/helpers.js';
import { PACKAGES, requirePackages } from '../test/system-packages.js';
import { mutate, rng } from '../test/onnx/mutate.js';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const cases = arg('cases', 20000);
const seed = arg('seed', 1);

const models: Uint8Array[] = [demoModelBytes(), ...Object.values(edgeCaseModels())];
requirePackages('the ONNX fuzz benchmark (its seeds)', PACKAGES.onnxTestdata);
for (const f of onnxFilesUnder(CORPUS_DIR)) models.push(readFileSync(f));

const rand = rng(seed);
const outcomes: Record<string, number> = {};
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
    await inspectOnnx(source);
    outcomes.ok = (outcomes.ok ?? 0) + 1;
  } catch (err) {
    if (!(err instanceof OnnxError) || err.cause !== undefined) failures.push(`${name}: ${String(err)}`);
    else outcomes[err.code] = (outcomes[err.code] ?? 0) + 1;
  }
  const ms = performance.now() - start;
  if (ms > slowest.ms) slowest = { ms, name };
  if (source.stats.bytesRead > bytes.length) failures.push(`${name}: read ${source.stats.bytesRead} bytes of ${bytes.length}`);
  if (i % 500 === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
}
peakRss = Math.max(peakRss, process.memoryUsage().rss);
const total = (performance.now() - t0) / 1000;
console.log(`${cases} cases from ${models.length} models, seed ${seed}, ${total.toFixed(1)} s`);
console.log('outcomes:', JSON.stringify(outcomes));
console.log(`slowest case: ${slowest.ms.toFixed(1)} ms (${slowest.name}); peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB`);
if (failures.length > 0) {
  console.log(`${failures.length} untyped failures:\n${failures.slice(0, 20).join('\n')}`);
  process.exitCode = 1;
} else {
  console.log('no untyped errors, no read beyond the input');
}
