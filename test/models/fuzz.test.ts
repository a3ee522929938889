/**
 * Fuzzing the model readers: seeded mutations of every format (torch's own checkpoints, TorchScript
 * and legacy files, safetensors, GGUF, hostile pickles and zips) give either a summary or a typed
 * ModelError naming the source, and never read past the input. bench/models-fuzz.ts runs 100,000.
 */
import { describe, expect, it } from 'vitest';
import { bufferByteSource } from '../../generator/onnx/byte-source.js';
import { ModelError, inspectModel } from '../../generator/models/index.js';
import { mutate, rng } from '../onnx/mutate.js';
import { torchFixtures } from './helpers.js';
import { modelSeeds } from './seeds.js';

describe('model reader fuzzing', () => {
  it('gives only summaries or typed errors on 3,000 seeded mutations across formats', async () => {
    const fx = await torchFixtures();
    const models = modelSeeds(fx.dir);
    fx.cleanup();
    const rand = rng(0xf0f0);
    const outcomes: Record<string, number> = {};
    const formats: Record<string, number> = {};
    for (let i = 0; i < 3000; i++) {
      const { kind, bytes } = mutate(models[Math.floor(rand() * models.length)]!, models[Math.floor(rand() * models.length)]!, rand);
      const name = `case-${i}-${kind}`;
      const source = bufferByteSource(bytes, name);
      try {
        const s = await inspectModel(source);
        expect(() => JSON.stringify(s)).not.toThrow();
        outcomes.ok = (outcomes.ok ?? 0) + 1;
        formats[s.format] = (formats[s.format] ?? 0) + 1;
      } catch (err) {
        expect(err, name).toBeInstanceOf(ModelError);
        const e = err as ModelError;
        // An unexpected exception is wrapped with its cause: none may occur.
        expect(e.cause, `${name}: ${e.message}`).toBeUndefined();
        expect(e.file.startsWith(name)).toBe(true);
        if (e.offset !== undefined) expect(e.offset, e.message).toBeLessThanOrEqual(bytes.length);
        outcomes[e.code] = (outcomes[e.code] ?? 0) + 1;
      }
      expect(source.stats.bytesRead).toBeLessThanOrEqual(bytes.length * 2 + 65_536);
    }
    expect(outcomes.ok).toBeGreaterThan(0);
    expect(Object.keys(outcomes).length).toBeGreaterThanOrEqual(5);
    // Mutants of every family still reach their reader.
    for (const f of ['pytorch', 'torchscript', 'pytorch-legacy', 'pickle', 'zip', 'safetensors', 'gguf']) expect(formats[f], f).toBeGreaterThan(0);
  }, 300_000);
});
