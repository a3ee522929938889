/**
 * Long fuzz run of the ONNX scanner: seeded mutations of Debian's libonnx-testdata models, the demo
 * model and the generated edge cases. Prints the outcome counts, the slowest case and peak RSS; exits
 * non-zero on any untyped error or any read beyond the input.
 *
 *   npx tsx bench/onnx-fuzz.ts [--cases 20000] [--seed 1]
 */
import { readFileSync } from 'node:fs';
import { demoModelBytes } from '../examples/scripts/make-demo-onnx.js';
import { OnnxError, inspectOnnx } from '../generator/onnx/index.js';
import { edgeCaseModels } from '../test/onnx/edge-cases.js';
import { CORPUS_DIR, onnxFilesUnder } from '../test/onnx/helpers.js';
import { PACKAGES, requirePackages } from '../test/system-packages.js';
import { fuzz } from './harness.js';

const seeds: Uint8Array[] = [demoModelBytes(), ...Object.values(edgeCaseModels())];
requirePackages('the ONNX fuzz benchmark (its seeds)', PACKAGES.onnxTestdata);
for (const f of onnxFilesUnder(CORPUS_DIR)) seeds.push(readFileSync(f));

await fuzz({
  seeds,
  seedsLabel: 'models',
  defaultCases: 20_000,
  async inspect(source) {
    await inspectOnnx(source);
    return undefined;
  },
  typedCode: (err) => (err instanceof OnnxError && err.cause === undefined ? err.code : undefined),
  maxRead: (length) => length,
  okLine: 'no untyped errors, no read beyond the input',
});
