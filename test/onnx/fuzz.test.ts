/**
 * Fuzzing: seeded mutations of real models (Debian's corpus when installed, plus the demo and the
 * generated edge cases) give either a summary or a typed OnnxError that names the source and an
 * offset inside it; reads never exceed the input. bench/onnx-fuzz.ts runs the same for longer.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoModelBytes } from '../../examples/scripts/make-demo-onnx.js';
import { OnnxError, bufferByteSource, inspectOnnx } from '../../generator/onnx/index.js';
import { edgeCaseModels } from './edge-cases.js';
import { PACKAGES, requirePackages } from '../system-packages.js';
import { CORPUS_DIR, onnxFilesUnder } from './helpers.js';
import { mutate, rng } from './mutate.js';

const FORMAT_CODES = new Set(['onnx/empty', 'onnx/truncated', 'onnx/malformed', 'onnx/not-onnx', 'onnx/too-deep', 'onnx/limit']);

function seeds(): Uint8Array[] {
  const models: Uint8Array[] = [demoModelBytes(), ...Object.values(edgeCaseModels())];
  requirePackages('the ONNX fuzz test (its seeds)', PACKAGES.onnxTestdata);
  // Every 25th corpus model: operator tests, pytorch-converted and pytorch-operator models alike.
  const files = onnxFilesUnder(CORPUS_DIR).filter((_, i) => i % 25 === 0);
  for (const f of files) models.push(readFileSync(f));
  return models;
}

describe('scanner fuzzing', () => {
  it('gives only summaries or typed errors on 400 seeded mutations', async () => {
    const models = seeds();
    const rand = rng(0x5eed);
    const outcomes: Record<string, number> = {};
    for (let i = 0; i < 400; i++) {
      const { kind, bytes } = mutate(models[Math.floor(rand() * models.length)]!, models[Math.floor(rand() * models.length)]!, rand);
      const name = `case-${i}-${kind}.onnx`;
      const source = bufferByteSource(bytes, name);
      try {
        const s = await inspectOnnx(source);
        expect(() => JSON.stringify(s)).not.toThrow();
        outcomes.ok = (outcomes.ok ?? 0) + 1;
      } catch (err) {
        expect(err, name).toBeInstanceOf(OnnxError);
        const e = err as OnnxError;
        // A wrapped unexpected exception would carry a cause: none may occur.
        expect(e.cause, `${name}: ${e.message}`).toBeUndefined();
        expect(FORMAT_CODES.has(e.code), `${name}: ${e.code}`).toBe(true);
        expect(e.file).toBe(name);
        expect(e.message).toContain(name);
        if (e.offset !== undefined) {
          expect(e.offset).toBeGreaterThanOrEqual(0);
          expect(e.offset).toBeLessThanOrEqual(bytes.length);
        }
        outcomes[e.code] = (outcomes[e.code] ?? 0) + 1;
      }
      expect(source.stats.bytesRead).toBeLessThanOrEqual(bytes.length);
    }
    // Both outcomes occur, and several error kinds: the mutations reach the parser's checks.
    expect(outcomes.ok).toBeGreaterThan(0);
    expect(Object.keys(outcomes).length).toBeGreaterThanOrEqual(4);
  });
});
