/**
 * Long fuzz run of the model readers (PyTorch zip and legacy, TorchScript, pickles, zips,
 * safetensors, GGUF): seeded mutations of files written by python3-torch and by the spec-following
 * writers of the tests. Prints outcome counts, the slowest case and peak RSS; exits non-zero on any
 * untyped error or any read far beyond the input.
 *
 *   npx tsx bench/models-fuzz.ts [--cases 100000] [--seed 1]
 */
import { ModelError, inspectModel } from '../generator/models/index.js';
import { torchFixtures } from '../test/models/helpers.js';
import { modelSeeds } from '../test/models/seeds.js';
import { fuzz } from './harness.js';

const fx = await torchFixtures();
const seeds = modelSeeds(fx.dir);
fx.cleanup();

await fuzz({
  seeds,
  seedsLabel: 'seed files',
  defaultCases: 100_000,
  async inspect(source) {
    const s = await inspectModel(source);
    JSON.stringify(s);
    return s.format;
  },
  categoriesLabel: 'described, by format',
  typedCode: (err) => (err instanceof ModelError && err.cause === undefined ? err.code : undefined),
  // Overlapping windows (a zip's end record, then its directory) may read a byte twice, never more.
  maxRead: (length) => length * 2 + 65_536,
  okLine: 'no untyped errors, no read beyond the input',
});
