/**
 * Writes the demo workspace's ONNX model: a tiny U-Net that segments flood water in two-band
 * (VV, VH) SAR chips. Weights are deterministic pseudo-random numbers (this is a format demo, not a
 * trained model). Run with `npx tsx examples/scripts/make-demo-onnx.ts`; the output is committed and a
 * test checks it equals what this script produces.
 *
 *   sar  float32[batch, 2, 256, 256]  (VV, VH backscatter in dB)
 *     -> Conv 3x3 (8) -> Relu ----------------------------------------> Concat -> Conv 3x3 (8) -> Relu -> Conv 1x1 (2)
 *     -> MaxPool 2x2 -> Conv 3x3 (16) -> Relu -> Resize x2 (nearest) -/     -> Softmax -> water_probability float32[batch, 2, 256, 256]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { rng } from '../../test/onnx/mutate.js';
import { DT, encodeModel } from '../../test/onnx/schema.js';

/** Repository-relative path of the demo model. */
export const DEMO_MODEL_PATH = 'examples/workspace/flood-segmentation/model/flood-unet.onnx';

/** A float32 initializer with little-endian raw_data, He-style scaled random values. */
function weights(name: string, dims: number[], rand: () => number, fanIn: number): Record<string, unknown> {
  const n = dims.reduce((a, b) => a * b, 1);
  const raw = Buffer.alloc(4 * n);
  const scale = Math.sqrt(2 / fanIn);
  for (let i = 0; i < n; i++) raw.writeFloatLE((rand() * 2 - 1) * scale, 4 * i);
  return { name, dims, data_type: DT.FLOAT, raw_data: raw };
}

function floats(name: string, values: number[]): Record<string, unknown> {
  const raw = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => raw.writeFloatLE(v, 4 * i));
  return { name, dims: [values.length], data_type: DT.FLOAT, raw_data: raw };
}

const ints = (name: string, v: number[]) => ({ name, type: 7, ints: v });
const conv = (x: string, w: string, b: string, y: string, k: number) => ({
  op_type: 'Conv',
  name: y,
  input: [x, w, b],
  output: [y],
  attribute: [ints('kernel_shape', [k, k]), ints('pads', k === 3 ? [1, 1, 1, 1] : [0, 0, 0, 0])],
});
const relu = (x: string, y: string) => ({ op_type: 'Relu', name: y, input: [x], output: [y] });
const tensor = (dims: (number | string)[]) => ({
  tensor_type: { elem_type: DT.FLOAT, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) } },
});

/** The model's bytes. */
export function demoModelBytes(): Uint8Array {
  // A seeded PRNG (mulberry32), so the committed file is reproducible byte for byte.
  const rand = rng(20260101);
  return encodeModel({
    ir_version: 8,
    producer_name: 'stachub-demo',
    producer_version: '1.0',
    domain: 'org.example.flood',
    model_version: 1,
    doc_string: 'Tiny U-Net for flood water segmentation of Sentinel-1 VV/VH chips (demo weights).',
    opset_import: [{ domain: '', version: 17 }],
    metadata_props: [
      { key: 'bands', value: 'VV,VH' },
      { key: 'classes', value: 'not water,water' },
      { key: 'training_data', value: 'Sen1Floods11 hand-labelled chips' },
    ],
    graph: {
      name: 'flood_unet',
      node: [
        conv('sar', 'enc1.w', 'enc1.b', 'enc1.conv', 3),
        relu('enc1.conv', 'enc1'),
        { op_type: 'MaxPool', name: 'pool', input: ['enc1'], output: ['pool'], attribute: [ints('kernel_shape', [2, 2]), ints('strides', [2, 2])] },
        conv('pool', 'enc2.w', 'enc2.b', 'enc2.conv', 3),
        relu('enc2.conv', 'enc2'),
        {
          op_type: 'Resize',
          name: 'up',
          input: ['enc2', '', 'up.scales'],
          output: ['up'],
          attribute: [{ name: 'mode', type: 3, s: Buffer.from('nearest') }],
        },
        { op_type: 'Concat', name: 'skip', input: ['enc1', 'up'], output: ['skip'], attribute: [{ name: 'axis', type: 2, i: 1 }] },
        conv('skip', 'dec1.w', 'dec1.b', 'dec1.conv', 3),
        relu('dec1.conv', 'dec1'),
        conv('dec1', 'head.w', 'head.b', 'logits', 1),
        { op_type: 'Softmax', name: 'softmax', input: ['logits'], output: ['water_probability'], attribute: [{ name: 'axis', type: 2, i: 1 }] },
      ],
      initializer: [
        weights('enc1.w', [8, 2, 3, 3], rand, 18),
        weights('enc1.b', [8], rand, 18),
        weights('enc2.w', [16, 8, 3, 3], rand, 72),
        weights('enc2.b', [16], rand, 72),
        floats('up.scales', [1, 1, 2, 2]),
        weights('dec1.w', [8, 24, 3, 3], rand, 216),
        weights('dec1.b', [8], rand, 216),
        weights('head.w', [2, 8, 1, 1], rand, 8),
        weights('head.b', [2], rand, 8),
      ],
      input: [{ name: 'sar', type: tensor(['batch', 2, 256, 256]), doc_string: 'VV and VH backscatter in dB, clipped to [-30, 5]' }],
      output: [{ name: 'water_probability', type: tensor(['batch', 2, 256, 256]), doc_string: 'softmax over not water, water' }],
    },
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const out = path.join(root, DEMO_MODEL_PATH);
  mkdirSync(path.dirname(out), { recursive: true });
  const bytes = demoModelBytes();
  writeFileSync(out, bytes);
  process.stdout.write(`wrote ${path.relative(root, out)} (${bytes.length} bytes)\n`);
}
