/** The committed demo model is exactly what examples/scripts/make-demo-onnx.ts writes. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_MODEL_PATH, demoModelBytes } from '../../examples/scripts/make-demo-onnx.js';
import { fileByteSource, inspectOnnx } from '../../generator/onnx/index.js';
import { repoRoot } from './helpers.js';

describe('demo ONNX model', () => {
  it('the committed file equals the script output', () => {
    const committed = readFileSync(path.join(repoRoot, DEMO_MODEL_PATH));
    expect(Buffer.compare(committed, Buffer.from(demoModelBytes()))).toBe(0);
  });

  it('describes a segmentation net with a symbolic batch, a few KB of weights and metadata_props', async () => {
    const s = await inspectOnnx(fileByteSource(path.join(repoRoot, DEMO_MODEL_PATH)));
    expect(s.inputs).toEqual([{ name: 'sar', type: 'tensor', dataType: 'float32', shape: ['batch', 2, 256, 256] }]);
    expect(s.outputs).toEqual([{ name: 'water_probability', type: 'tensor', dataType: 'float32', shape: ['batch', 2, 256, 256] }]);
    // Conv weights and biases: 8*2*9+8 + 16*8*9+16 + 8*24*9+8 + 2*8+2, plus the 4 Resize scales.
    expect(s.parameterCount).toBe(152 + 1168 + 1736 + 18 + 4);
    expect(s.metadataProps.bands).toBe('VV,VH');
  });
});
