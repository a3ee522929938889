/**
 * Field numbers of the ONNX protobuf messages the scanner reads, from the official schema
 * (`onnx/onnx.proto`, ONNX 1.23 / IR 14 draft), and the `TensorProto.DataType` table.
 */
export const F = {
  Model: {
    ir_version: 1,
    producer_name: 2,
    producer_version: 3,
    domain: 4,
    model_version: 5,
    doc_string: 6,
    graph: 7,
    opset_import: 8,
    metadata_props: 14,
    training_info: 20,
    functions: 25,
    configuration: 26,
  },
  OperatorSetId: { domain: 1, version: 2 },
  StringStringEntry: { key: 1, value: 2 },
  Function: { name: 1, domain: 10 },
  Graph: {
    node: 1,
    name: 2,
    initializer: 5,
    doc_string: 10,
    input: 11,
    output: 12,
    value_info: 13,
    quantization_annotation: 14,
    sparse_initializer: 15,
    metadata_props: 16,
  },
  Node: { input: 1, output: 2, name: 3, op_type: 4, attribute: 5, doc_string: 6, domain: 7 },
  Attribute: { name: 1, f: 2, i: 3, s: 4, t: 5, g: 6, tensors: 10, graphs: 11, type: 20, sparse_tensor: 22, sparse_tensors: 23 },
  Tensor: {
    dims: 1,
    data_type: 2,
    segment: 3,
    float_data: 4,
    int32_data: 5,
    string_data: 6,
    int64_data: 7,
    name: 8,
    raw_data: 9,
    double_data: 10,
    uint64_data: 11,
    doc_string: 12,
    external_data: 13,
    data_location: 14,
    metadata_props: 16,
  },
  SparseTensor: { values: 1, indices: 2, dims: 3 },
  ValueInfo: { name: 1, type: 2, doc_string: 3 },
  Type: { tensor_type: 1, sequence_type: 4, map_type: 5, denotation: 6, opaque_type: 7, sparse_tensor_type: 8, optional_type: 9 },
  TensorType: { elem_type: 1, shape: 2 },
  MapType: { key_type: 1, value_type: 2 },
  Shape: { dim: 1 },
  Dimension: { dim_value: 1, dim_param: 2, denotation: 3 },
} as const;

/**
 * `TensorProto.DataType` id -> [name, bits per element]. Names follow MLM (raster `data_type`) where it
 * has one (`float32`, `cfloat64`...), else the ONNX name in lower case (`bool`, `bfloat16`, `int4`...).
 * 4-bit types pack two elements per byte and 2-bit types four.
 */
const DATA_TYPES: Record<number, [string, number]> = {
  0: ['undefined', 0],
  1: ['float32', 32],
  2: ['uint8', 8],
  3: ['int8', 8],
  4: ['uint16', 16],
  5: ['int16', 16],
  6: ['int32', 32],
  7: ['int64', 64],
  8: ['string', 0],
  9: ['bool', 8],
  10: ['float16', 16],
  11: ['float64', 64],
  12: ['uint32', 32],
  13: ['uint64', 64],
  14: ['cfloat32', 64],
  15: ['cfloat64', 128],
  16: ['bfloat16', 16],
  17: ['float8e4m3fn', 8],
  18: ['float8e4m3fnuz', 8],
  19: ['float8e5m2', 8],
  20: ['float8e5m2fnuz', 8],
  21: ['uint4', 4],
  22: ['int4', 4],
  23: ['float4e2m1', 4],
  24: ['float8e8m0', 8],
  25: ['uint2', 2],
  26: ['int2', 2],
};

/** Name of a `TensorProto.DataType` id; ids this table does not know read `type<N>`. */
export function dataTypeName(id: number): string {
  return DATA_TYPES[id]?.[0] ?? `type${id}`;
}

/** Bits per element of a data type id (0 for strings, undefined and unknown ids). */
export function elementBits(id: number): number {
  return DATA_TYPES[id]?.[1] ?? 0;
}

/** The MLM / raster v1.1 `data_type` values. */
export const MLM_DATA_TYPES: ReadonlySet<string> = new Set([
  'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64',
  'float16', 'float32', 'float64', 'cint16', 'cint32', 'cfloat32', 'cfloat64',
]);
