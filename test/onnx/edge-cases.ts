/**
 * Generated ONNX models for the cases Debian's libonnx-testdata corpus lacks: external data, sparse
 * initializers, sequence/map/optional/sparse outputs, IR < 4 initializer-inputs, unknown dims,
 * subgraph and Constant-node weights, metadata_props at model and graph level, local functions,
 * packed dims, string and 4-bit tensors. Each is a few hundred bytes, written with protobufjs.
 */
import protobuf from 'protobufjs';
import { DT, ONNX_SCHEMA, encodeModel } from './schema.js';

type Obj = Record<string, unknown>;

const tensorType = (elem: number, dims?: (number | string | null)[]): Obj => ({
  tensor_type: {
    elem_type: elem,
    ...(dims === undefined ? {} : { shape: { dim: dims.map((d) => (d === null ? {} : typeof d === 'number' ? { dim_value: d } : { dim_param: d })) } }),
  },
});
const vi = (name: string, type: Obj | undefined): Obj => (type ? { name, type } : { name });
const f32 = (name: string, dims: number[]): Obj => ({
  name,
  dims,
  data_type: DT.FLOAT,
  raw_data: Buffer.alloc(4 * dims.reduce((a, b) => a * b, 1), 1),
});
const constant = (out: string, t: Obj, domain?: string): Obj => ({
  op_type: 'Constant',
  output: [out],
  ...(domain === undefined ? {} : { domain }),
  attribute: [{ name: 'value', type: 4, t }],
});
const opset = (v = 17): Obj[] => [{ domain: '', version: v }];

/** The models by file name. */
export function edgeCaseModels(): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};

  out['external-data.onnx'] = encodeModel({
    ir_version: 8,
    producer_name: 'stachub-test',
    opset_import: opset(),
    graph: {
      name: 'external',
      node: [{ op_type: 'MatMul', input: ['x', 'w'], output: ['y'] }],
      initializer: [
        {
          name: 'w',
          dims: [4, 3],
          data_type: DT.FLOAT,
          data_location: 1,
          external_data: [
            { key: 'location', value: 'weights.bin' },
            { key: 'offset', value: '0' },
            { key: 'length', value: '48' },
          ],
        },
        {
          name: 'evil',
          dims: [2],
          data_type: DT.INT64,
          data_location: 1,
          external_data: [{ key: 'location', value: '../../etc/passwd' }],
        },
      ],
      input: [vi('x', tensorType(DT.FLOAT, ['batch', 4]))],
      output: [vi('y', tensorType(DT.FLOAT, ['batch', 3]))],
    },
  });

  out['sparse-initializer.onnx'] = encodeModel({
    ir_version: 7,
    producer_name: 'stachub-test',
    opset_import: opset(13),
    graph: {
      name: 'sparse',
      node: [{ op_type: 'Add', input: ['x', 's'], output: ['y'] }],
      sparse_initializer: [
        {
          dims: [4, 4],
          values: { name: 's', dims: [3], data_type: DT.FLOAT, float_data: [1, 2, 3] },
          indices: { name: 's_indices', dims: [3], data_type: DT.INT64, int64_data: [0, 5, 10] },
        },
      ],
      input: [vi('x', tensorType(DT.FLOAT, [4, 4])), vi('s', tensorType(DT.FLOAT, [4, 4]))],
      output: [vi('y', tensorType(DT.FLOAT, [4, 4]))],
    },
  });

  out['non-tensor-io.onnx'] = encodeModel({
    ir_version: 8,
    producer_name: 'skl2onnx',
    producer_version: '1.16.0',
    opset_import: [...opset(17), { domain: 'ai.onnx.ml', version: 1 }],
    graph: {
      name: 'zipmap',
      node: [
        { op_type: 'ArgMax', input: ['x'], output: ['label'] },
        { op_type: 'ZipMap', domain: 'ai.onnx.ml', input: ['p'], output: ['probabilities'] },
      ],
      input: [vi('x', tensorType(DT.FLOAT, [null, 4])), vi('sp', { sparse_tensor_type: { elem_type: DT.DOUBLE, shape: { dim: [{ dim_value: 10 }] } } })],
      output: [
        vi('label', tensorType(DT.INT64, ['N'])),
        vi('probabilities', { sequence_type: { elem_type: { map_type: { key_type: DT.STRING, value_type: tensorType(DT.FLOAT) } } } }),
        vi('by_id', { map_type: { key_type: DT.INT64, value_type: tensorType(DT.DOUBLE, []) } }),
        vi('maybe', { optional_type: { elem_type: { sequence_type: { elem_type: tensorType(DT.BOOL, [2]) } } } }),
        vi('opaque', { opaque_type: { domain: 'com.example', name: 'Blob' } }),
        vi('untyped', undefined),
        vi('empty_seq', { sequence_type: {} }),
      ],
    },
  });

  out['ir3-initializer-inputs.onnx'] = encodeModel({
    ir_version: 3,
    producer_name: 'pytorch',
    producer_version: '0.3',
    opset_import: opset(6),
    graph: {
      name: 'torch-jit-export',
      node: [{ op_type: 'Gemm', input: ['0', '1', '2'], output: ['3'] }],
      initializer: [f32('1', [5, 10]), f32('2', [5])],
      input: [vi('0', tensorType(DT.FLOAT, [1, 10])), vi('1', tensorType(DT.FLOAT, [5, 10])), vi('2', tensorType(DT.FLOAT, [5]))],
      output: [vi('3', tensorType(DT.FLOAT, [1, 5]))],
    },
  });

  out['unknown-dims.onnx'] = encodeModel({
    ir_version: 9,
    producer_name: 'spox',
    opset_import: opset(18),
    graph: {
      name: 'dims',
      node: [{ op_type: 'Identity', input: ['a'], output: ['b'] }],
      input: [
        vi('a', tensorType(DT.FLOAT16, [null, 'seq', 3, -1])),
        vi('no_shape', tensorType(DT.UINT8)),
        vi('scalar', tensorType(DT.INT32, [])),
        vi('bf', tensorType(DT.BFLOAT16, [2])),
        vi('undefined_elem', { tensor_type: { shape: { dim: [{ dim_value: 1 }] } } }),
      ],
      output: [vi('b', tensorType(DT.FLOAT16, [null, 'seq', 3, -1]))],
    },
  });

  const thenBranch = {
    name: 'then',
    node: [constant('c1', f32('c1v', [7]))],
    initializer: [f32('tw', [2, 3])],
    output: [vi('c1', tensorType(DT.FLOAT, [7]))],
  };
  const innerIf = {
    name: 'inner',
    node: [
      {
        op_type: 'If',
        input: ['cond'],
        output: ['o'],
        attribute: [
          { name: 'then_branch', type: 5, g: { name: 'deep', initializer: [f32('dw', [11])], output: [vi('dw', tensorType(DT.FLOAT, [11]))] } },
          { name: 'else_branch', type: 5, g: { name: 'deep2', node: [constant('k', { dims: [], data_type: DT.INT64, int64_data: [3] })] } },
        ],
      },
    ],
    output: [vi('o', tensorType(DT.FLOAT))],
  };
  out['subgraph-weights.onnx'] = encodeModel({
    ir_version: 8,
    producer_name: 'pytorch',
    producer_version: '1.12.1',
    opset_import: [...opset(16), { domain: 'com.example', version: 1 }],
    graph: {
      name: 'subgraphs',
      node: [
        constant('k0', f32('k0v', [3, 3])),
        constant('k1', { dims: [2], data_type: DT.INT64, raw_data: Buffer.alloc(16) }),
        { op_type: 'Constant', output: ['kf'], attribute: [{ name: 'value_float', type: 1, f: 0.5 }] },
        constant('kx', f32('kxv', [100]), 'com.example'),
        { op_type: 'If', input: ['cond'], output: ['r'], attribute: [{ name: 'then_branch', type: 5, g: thenBranch }, { name: 'else_branch', type: 5, g: innerIf }] },
        { op_type: 'Fused', domain: 'com.example', input: ['x'], output: ['z'], attribute: [{ name: 'bodies', type: 10, graphs: [{ name: 'b1', initializer: [f32('b1w', [4])] }, { name: 'b2', initializer: [f32('b2w', [5])] }] }] },
      ],
      initializer: [f32('w', [3, 3])],
      input: [vi('cond', tensorType(DT.BOOL, [])), vi('x', tensorType(DT.FLOAT, [3]))],
      output: [vi('r', tensorType(DT.FLOAT, [7])), vi('z', tensorType(DT.FLOAT, [3]))],
    },
  });

  out['metadata-props.onnx'] = encodeModel({
    ir_version: 10,
    producer_name: 'pytorch',
    producer_version: '2.9.0',
    domain: 'org.example.models',
    model_version: 3,
    doc_string: 'A model with **metadata**.',
    opset_import: opset(18),
    metadata_props: [
      { key: 'author', value: 'stachub' },
      { key: 'license', value: 'Apache-2.0' },
      { key: 'author', value: 'stachub tests' },
      { key: 'unicode', value: 'Überschwemmung 洪水' },
      { key: '__proto__', value: 'a key like any other' },
      { key: 'constructor', value: 'also' },
    ],
    functions: [{ name: 'MyRelu', domain: 'local', input: ['x'], output: ['y'], node: [{ op_type: 'Relu', input: ['x'], output: ['y'] }], opset_import: opset(18) }],
    graph: {
      name: 'main_graph',
      doc_string: 'graph docs',
      node: [{ op_type: 'MyRelu', domain: 'local', input: ['x'], output: ['y'] }],
      input: [vi('x', tensorType(DT.FLOAT, ['s0']))],
      output: [vi('y', tensorType(DT.FLOAT, ['s0']))],
      metadata_props: [{ key: 'pkg.torch.export.graph_signature', value: '{"inputs":["x"]}' }],
    },
  });

  out['tensor-types.onnx'] = encodeModel({
    ir_version: 10,
    producer_name: 'onnx.quantize',
    opset_import: opset(21),
    graph: {
      name: 'types',
      node: [{ op_type: 'Identity', input: ['x'], output: ['y'] }],
      initializer: [
        { name: 'labels', dims: [3], data_type: DT.STRING, string_data: [Buffer.from('water'), Buffer.from('land'), Buffer.from('cloud')] },
        { name: 'q4', dims: [5], data_type: 22, raw_data: Buffer.alloc(3) },
        { name: 'h', dims: [2, 2], data_type: DT.FLOAT16, int32_data: [1, 2, 3, 4] },
        { name: 'd', dims: [2], data_type: DT.DOUBLE, double_data: [1.5, 2.5] },
        { name: 'scalar', data_type: DT.INT64, int64_data: [-7] },
        { name: 'c', dims: [1], data_type: DT.COMPLEX64, float_data: [1, 2] },
      ],
      input: [vi('x', tensorType(DT.COMPLEX128, [1]))],
      output: [vi('y', tensorType(DT.COMPLEX128, [1]))],
    },
  });

  // Same schema with `dims` packed: a parser must accept both encodings.
  const packed = protobuf.parse(ONNX_SCHEMA.replace('repeated int64 dims = 1;', 'repeated int64 dims = 1 [packed = true];'), { keepCase: true }).root;
  const PackedModel = packed.lookupType('onnx.ModelProto');
  out['packed-dims.onnx'] = PackedModel.encode(
    PackedModel.fromObject({
      ir_version: 7,
      producer_name: 'stachub-test',
      opset_import: opset(13),
      graph: {
        name: 'packed',
        node: [{ op_type: 'Add', input: ['x', 'w'], output: ['y'] }],
        initializer: [f32('w', [2, 300, 2])],
        input: [vi('x', tensorType(DT.FLOAT, [2, 300, 2]))],
        output: [vi('y', tensorType(DT.FLOAT, [2, 300, 2]))],
      },
    }),
  ).finish();

  return out;
}
