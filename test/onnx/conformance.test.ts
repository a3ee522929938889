/**
 * Conformance: `stachub inspect --json` against the official ONNX Python package
 * (`onnx.load(..., load_external_data=False)`, test/onnx/reference.py) on every model of Debian's
 * libonnx-testdata and on generated edge cases. One CLI run and one Python process for everything.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../generator/cli.js';
import { edgeCaseModels } from './edge-cases.js';
import { PACKAGES, requirePackages } from '../system-packages.js';
import { CORPUS_DIR, onnxFilesUnder, referenceSummaries } from './helpers.js';

describe('stachub inspect --json agrees with python3-onnx', () => {
  let dir: string;
  let corpus: string[];
  let edge: string[];
  const ours = new Map<string, Record<string, unknown>>();
  let ref: Map<string, Record<string, unknown>>;
  let exitCode: number;

  beforeAll(async () => {
    requirePackages('the ONNX conformance test', PACKAGES.onnx, PACKAGES.onnxTestdata);
    dir = mkdtempSync(path.join(tmpdir(), 'stachub-onnx-conf-'));
    edge = Object.entries(edgeCaseModels()).map(([name, bytes]) => {
      const p = path.join(dir, name);
      writeFileSync(p, bytes);
      return p;
    });
    corpus = onnxFilesUnder(CORPUS_DIR);
    const all = [...corpus, ...edge];
    let out = '';
    exitCode = await main(['node', 'stachub', 'inspect', '--json', ...all], {
      stdout: (s) => {
        out += s;
      },
      stderr: () => undefined,
    });
    for (const line of out.split('\n')) {
      if (!line) continue;
      const obj = JSON.parse(line) as Record<string, unknown>;
      ours.set(obj.source as string, obj);
    }
    ref = referenceSummaries(all);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the whole corpus (over a thousand models) in one run', () => {
    expect(corpus.length).toBeGreaterThan(1000);
    expect(exitCode).toBe(0);
    expect(ours.size).toBe(corpus.length + edge.length);
  });

  it('agrees on every field the reference reports, for every model', () => {
    const mismatches: string[] = [];
    for (const [file, expected] of ref) {
      const got = ours.get(file);
      if (expected.error !== undefined) {
        mismatches.push(`${file}: the reference could not read it (${String(expected.error)})`);
        continue;
      }
      if (!got || got.error !== undefined) {
        mismatches.push(`${file}: not read (${JSON.stringify(got?.error)})`);
        continue;
      }
      const picked = Object.fromEntries(Object.keys(expected).map((k) => [k, got[k]]));
      try {
        expect(picked).toEqual(expected);
      } catch (e) {
        mismatches.push(`${file}: ${(e as Error).message.slice(0, 2000)}`);
      }
    }
    expect(mismatches.slice(0, 5)).toEqual([]);
    expect(ref.size).toBe(corpus.length + edge.length);
  });

  it('reports each generated edge case as the case intends', () => {
    const get = (name: string) => ours.get(path.join(dir, name)) as Record<string, any>;

    const ext = get('external-data.onnx');
    expect(ext.externalData).toEqual([
      { tensor: 'w', location: 'weights.bin', offset: 0, length: 48 },
      { tensor: 'evil', location: '../../etc/passwd', unsafe: true },
    ]);
    expect(ext.parameterCount).toBe(14);
    expect(ext.inlineDataBytes).toBe(0);

    const sparse = get('sparse-initializer.onnx');
    expect(sparse.parameters.sparseInitializers).toBe(3);
    expect(sparse.inputs.map((i: { name: string }) => i.name)).toEqual(['x']);

    const io = get('non-tensor-io.onnx');
    expect(io.outputs.map((o: { type: string }) => o.type)).toEqual(['tensor', 'sequence', 'map', 'optional', 'unknown', 'unknown', 'sequence']);
    expect(io.inputs[1]).toEqual({ name: 'sp', type: 'sparse_tensor', dataType: 'float64', shape: [10] });

    const ir3 = get('ir3-initializer-inputs.onnx');
    expect(ir3.inputs).toEqual([{ name: '0', type: 'tensor', dataType: 'float32', shape: [1, 10] }]);
    expect(ir3.parameterCount).toBe(55);

    const dims = get('unknown-dims.onnx');
    expect(dims.inputs[0].shape).toEqual([null, 'seq', 3, -1]);
    expect(dims.inputs[1].shape).toBeNull();
    expect(dims.inputs[2].shape).toEqual([]);

    const sub = get('subgraph-weights.onnx');
    // Main: w 9; Constants: k0 9 + k1 2 + c1v 7 + k 1 (value_float and other domains do not count);
    // subgraphs: tw 6 + dw 11 + b1w 4 + b2w 5.
    expect(sub.parameters).toEqual({ initializers: 9, subgraphInitializers: 26, sparseInitializers: 0, constants: 19 });
    expect(sub.subgraphCount).toBe(6);

    const meta = get('metadata-props.onnx');
    expect(Object.entries(meta.metadataProps)).toEqual([
      ['author', 'stachub tests'],
      ['license', 'Apache-2.0'],
      ['unicode', 'Überschwemmung 洪水'],
      ['__proto__', 'a key like any other'],
      ['constructor', 'also'],
    ]);
    // python3-onnx 1.12 predates GraphProto.metadata_props (IR 10): checked here instead.
    expect(meta.graphMetadataProps).toEqual({ 'pkg.torch.export.graph_signature': '{"inputs":["x"]}' });
    expect(meta.functions).toEqual([{ domain: 'local', name: 'MyRelu' }]);

    const types = get('tensor-types.onnx');
    expect(types.weightBytes.byDataType).toEqual({ string: 14, int4: 3, float16: 8, float64: 16, int64: 8, cfloat32: 8 });

    expect(get('packed-dims.onnx').parameterCount).toBe(1200);
  });
});
