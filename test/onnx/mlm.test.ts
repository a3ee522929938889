/**
 * onnxToMlm: the MLM v1.5.2 fields of items and model assets, checked offline against the official
 * schemas (stac-node-validator with the schemas shipped in schemas/vendor).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import matter from 'gray-matter';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bufferByteSource, inspectOnnx, type OnnxSummary } from '../../generator/onnx/index.js';
import {
  CLASSIFICATION_SCHEMA_URL,
  FILE_SCHEMA_URL,
  MLM_SCHEMA_URL,
  guessDimOrder,
  onnxToMlm,
  sanitizeMlmName,
  type OnnxMlmResult,
} from '../../generator/stac/extensions/mlm.js';
import { edgeCaseModels } from './edge-cases.js';
import { repoRoot } from './helpers.js';
import { DEMO_MODEL_PATH, demoModelBytes } from '../../examples/scripts/make-demo-onnx.js';

const require = createRequire(import.meta.url);
const validate = require('stac-node-validator') as (data: unknown, config: Record<string, unknown>) => Promise<Report>;
const nodeLoader = require('stac-node-validator/src/loader/node') as unknown;
type Report = { valid: boolean | null; results: { core: unknown[]; extensions: Record<string, unknown[]> }; children: Report[] };

const SCHEMAS = path.resolve(repoRoot, 'schemas/vendor');
const schemaMap = Object.fromEntries(
  ['schemas.stacspec.org', 'stac-extensions.github.io', 'geojson.org', 'proj.org'].map((h) => [`https://${h}/`, path.join(SCHEMAS, h) + '/']),
);

/** A minimal valid STAC 1.1.0 item around the MLM fields (geometry null, no collection). */
function itemAround(id: string, r: OnnxMlmResult): Record<string, unknown> {
  return {
    type: 'Feature',
    stac_version: '1.1.0',
    stac_extensions: r.stacExtensions,
    id,
    geometry: null,
    properties: { datetime: '2026-01-01T00:00:00Z', ...r.properties },
    links: [],
    assets: { model: { href: './model.onnx', title: 'ONNX model', ...r.asset } },
  };
}

async function schemaErrors(items: Record<string, unknown>[]): Promise<unknown[][]> {
  const report = await validate(items, { loader: nodeLoader, schemaMap, verbose: true });
  const children = items.length === 1 ? [report] : report.children;
  return children.map((c) => (c.valid ? [] : [c.results.core, c.results.extensions]));
}

const summaries = async (): Promise<Record<string, OnnxSummary>> => {
  const out: Record<string, OnnxSummary> = {};
  for (const [name, bytes] of Object.entries({ ...edgeCaseModels(), 'demo.onnx': demoModelBytes() })) {
    out[name] = await inspectOnnx(bufferByteSource(bytes, name));
  }
  return out;
};

describe('onnxToMlm', () => {
  it('builds items that validate against MLM v1.5.2, with and without a README block', async () => {
    const s = await summaries();
    const sha = createHash('sha256').update('x').digest('hex');
    const fullReadme = {
      name: 'Flood U-Net (Sentinel-1)',
      architecture: 'U-Net',
      tasks: ['semantic-segmentation'],
      pretrained: false,
      framework_version: '2.3.0',
      accelerator: 'amd64',
      hyperparameters: { epochs: 20 },
      input: [{ name: 'sar', dim_order: ['batch', 'channel', 'height', 'width'], value_scaling: [{ type: 'z-score', mean: 0, stddev: 1 }], description: 'VV and VH backscatter' }],
      output: [{ name: 'water_probability', classes: ['dry', 'water'] }],
    };
    const cases: [string, OnnxMlmResult][] = [
      ['demo-full', onnxToMlm(s['demo.onnx']!, fullReadme, { name: 'flood-segmentation', fileSize: 1234, sha256: sha })],
      ['demo-bare', onnxToMlm(s['demo.onnx']!, undefined, { name: '42 flood model!' })],
    ];
    for (const [name, summary] of Object.entries(s)) cases.push([name.replace('.onnx', ''), onnxToMlm(summary, { tasks: 'classification' }, { name })]);
    const errors = await schemaErrors(cases.map(([id, r]) => itemAround(id, r)));
    expect(Object.fromEntries(cases.map(([id], i) => [id, errors[i]]))).toEqual(Object.fromEntries(cases.map(([id]) => [id, []])));

    const full = cases[0]![1];
    expect(full.stacExtensions).toEqual([MLM_SCHEMA_URL, FILE_SCHEMA_URL, CLASSIFICATION_SCHEMA_URL]);
    expect(full.properties['mlm:name']).toBe('Flood U-Net Sentinel-1');
    expect(full.properties['mlm:pretrained_source']).toBeNull();
    expect(full.asset['file:checksum']).toBe(`1220${sha}`);
    expect(full.asset['file:size']).toBe(1234);
    const out = (full.properties['mlm:output'] as Record<string, unknown>[])[0]!;
    expect(out['classification:classes']).toEqual([
      { value: 0, name: 'dry', description: 'dry' },
      { value: 1, name: 'water', description: 'water' },
    ]);
    expect(out.tasks).toEqual(['semantic-segmentation']);
  });

  it('the demo project (its README mlm block and its committed model) gives a valid item', async () => {
    const readme = matter(readFileSync(path.join(repoRoot, 'examples/workspace/flood-segmentation/README.md'), 'utf8')).data as Record<string, unknown>;
    const bytes = readFileSync(path.join(repoRoot, DEMO_MODEL_PATH));
    const summary = await inspectOnnx(bufferByteSource(bytes));
    const r = onnxToMlm(summary, readme.mlm as Record<string, unknown>, {
      name: 'flood-segmentation',
      fileSize: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    });
    expect(await schemaErrors([itemAround('eo-lab/flood-segmentation', r)])).toEqual([[]]);
    expect(r.diagnostics.filter((d) => d.level !== 'info')).toEqual([]);
  });

  it('the schema check is not vacuous: a broken name and a missing artifact type fail', async () => {
    const s = await summaries();
    const r = onnxToMlm(s['demo.onnx']!, undefined, { name: 'demo' });
    const bad = itemAround('bad', { ...r, properties: { ...r.properties, 'mlm:name': '1-bad-' }, asset: { ...r.asset, 'mlm:artifact_type': undefined } });
    const [errors] = await schemaErrors([bad]);
    expect(errors!.length).toBeGreaterThan(0);
  });

  it('maps shapes (-1 for symbolic and unknown dims), data types and roles from the file', async () => {
    const s = await summaries();
    const dims = onnxToMlm(s['unknown-dims.onnx']!, undefined, { name: 'dims' });
    const inputs = dims.properties['mlm:input'] as { name: string; input: { shape: number[]; data_type: string; dim_order: string[] } }[];
    expect(inputs.map((i) => [i.name, i.input.shape, i.input.data_type])).toEqual([
      ['a', [-1, -1, 3, -1], 'float16'],
      ['no_shape', [-1], 'uint8'],
      ['scalar', [1], 'int32'],
      ['bf', [2], 'other'],
      ['undefined_elem', [1], 'other'],
    ]);
    expect(inputs[0]!.input.dim_order).toEqual(['batch', 'seq', 'height', 'width']);

    const zip = onnxToMlm(s['non-tensor-io.onnx']!, undefined, { name: 'zip' });
    const outs = zip.properties['mlm:output'] as { name: string; description?: string; result: { data_type: string; shape: number[] } }[];
    expect(outs[1]).toMatchObject({ name: 'probabilities', description: 'ONNX type seq(map(string, tensor(float32)))', result: { data_type: 'other', shape: [-1] } });
    expect(outs[3]!.result).toEqual({ shape: [2], dim_order: ['batch'], data_type: 'other' });

    const demo = onnxToMlm(s['demo.onnx']!, undefined, { name: 'demo' });
    expect(demo.asset.roles).toEqual(['mlm:model', 'model', 'mlm:weights', 'weights', 'data']);
    expect(demo.properties['mlm:total_parameters']).toBe(s['demo.onnx']!.parameterCount);
    expect(demo.properties['mlm:memory_size']).toBe(s['demo.onnx']!.weightBytes.total);
    expect(demo.properties['mlm:framework']).toBe('ONNX');
    expect(demo.properties['mlm:architecture']).toBe('unknown');
    expect(demo.asset['mlm:artifact_type']).toBe('onnx');
    expect(demo.asset.type).toBe('application/octet-stream; framework=onnx');

    // Weights in an external file: the asset is the graph only, and the build is told.
    const ext = onnxToMlm(s['external-data.onnx']!, undefined, { name: 'ext' });
    expect(ext.asset.roles).toEqual(['mlm:model', 'model', 'data']);
    expect(ext.diagnostics.map((d) => d.code)).toEqual(['mlm/no-tasks', 'onnx/external-data', 'onnx/external-data-unsafe']);
  });

  it('lets the README complete the file, never contradict it, and reports what it ignored', async () => {
    const s = await summaries();
    const r = onnxToMlm(
      s['unknown-dims.onnx']!,
      {
        'mlm:name': 'dims model',
        tasks: ['segmentation', 'cpu-inference'],
        total_parameters: 5,
        framework: 'PyTorch',
        accelerator: 'cpu',
        artifact_type: 'torch.onnx.export',
        input: [{ name: 'a', input: { shape: [8, 512, 3, 3], data_type: 'float32' } }, { name: 'ghost' }],
      },
      { name: 'x', sha256: 'nothex', file: 'model/dims.onnx' },
    );
    const a = (r.properties['mlm:input'] as { input: { shape: number[]; data_type: string } }[])[0]!;
    expect(a.input.shape).toEqual([8, 512, 3, 3]);
    expect(a.input.data_type).toBe('float16');
    expect(r.properties['mlm:tasks']).toEqual(['segmentation']);
    expect(r.properties['mlm:total_parameters']).toBe(0);
    expect(r.properties['mlm:framework']).toBe('ONNX');
    expect(r.properties['mlm:accelerator']).toBeUndefined();
    expect(r.asset['mlm:artifact_type']).toBe('torch.onnx.export');
    expect(r.asset['file:checksum']).toBeUndefined();
    expect(r.diagnostics.map((d) => d.code).sort()).toEqual(
      ['mlm/task', 'mlm/file-wins', 'mlm/file-wins', 'mlm/accelerator', 'mlm/file-wins', 'mlm/io-unmatched', 'onnx/checksum'].sort(),
    );
    expect(r.diagnostics.every((d) => d.file === 'model/dims.onnx')).toBe(true);
  });

  it('sanitises names to the mlm:name pattern', () => {
    const pattern = /^[a-zA-Z][a-zA-Z0-9_.\-\s]+[a-zA-Z0-9]$/;
    for (const raw of ['resnet18', '42', '', 'é', 'Überschwemmung / Flut v2!', '--x--', 'ab', 'group/sub/project']) {
      expect(sanitizeMlmName(raw)).toMatch(pattern);
    }
    expect(sanitizeMlmName('Überschwemmung / Flut v2!')).toBe('Uberschwemmung Flut v2');
    expect(sanitizeMlmName('group/sub/project')).toBe('group-sub-project');
  });

  it('guesses dim_order by rank and from meaningful symbolic names', () => {
    expect(guessDimOrder({ type: 'tensor', dataType: 'float32', shape: ['batch_size', 3, 'height', 'width'] }, 'input')).toEqual(['batch_size', 'channel', 'height', 'width']);
    expect(guessDimOrder({ type: 'tensor', dataType: 'float32', shape: ['N', 10] }, 'output')).toEqual(['batch', 'class']);
    expect(guessDimOrder({ type: 'tensor', dataType: 'float32', shape: [1, 2, 3, 4, 5, 6, 7] }, 'input')).toEqual(['dim-a', 'dim-b', 'dim-c', 'dim-d', 'dim-e', 'dim-f', 'dim-g']);
    expect(guessDimOrder({ type: 'tensor', dataType: 'float32', shape: ['height', 'height'] }, 'input')).toEqual(['height', 'height-b']);
  });
});
