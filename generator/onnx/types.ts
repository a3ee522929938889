/**
 * What `stachub inspect` reports about an ONNX model (DESIGN.md, "`stachub inspect --json`").
 * Every field comes from the model's protobuf headers; no tensor payload is ever read.
 */

/** The kind of an ONNX `TypeProto` (its `value` oneof); `unknown` covers unset and opaque types. */
export type ValueKind = 'tensor' | 'sparse_tensor' | 'sequence' | 'map' | 'optional' | 'unknown';

/**
 * One dimension of a shape: a number (`dim_value`), a string (`dim_param`, a symbolic size)
 * or `null` (neither is set: the size is unknown).
 */
export type Dim = number | string | null;

/** An ONNX type, recursively (the element type of sequences and optionals, the value type of maps). */
export interface TypeInfo {
  type: ValueKind;
  /**
   * Element type of a tensor or sparse tensor: MLM names (`float32`, `int64`, `cfloat32`...) where MLM has
   * one, else `bool`, `string`, `bfloat16`, `float8e4m3fn`, ..., `undefined` for an unset elem_type.
   */
  dataType?: string;
  /** Tensor shape; `null` when the type carries no shape (unknown rank); `[]` for a scalar. */
  shape?: Dim[] | null;
  /** Element type of a `sequence` or `optional`. */
  elementType?: TypeInfo;
  /** Key type of a `map` (a tensor element type name). */
  keyType?: string;
  /** Value type of a `map`. */
  valueType?: TypeInfo;
}

/** A graph input or output (`ValueInfoProto`). */
export interface ValueInfo extends TypeInfo {
  name: string;
}

/** A tensor whose bytes live in another file (`data_location: EXTERNAL`). Reported, never followed. */
export interface ExternalDataRef {
  /** Name of the tensor (initializer, sparse initializer part or Constant attribute). */
  tensor: string;
  /** `location` key: a path relative to the model file. */
  location: string;
  offset?: number;
  length?: number;
  /** True when the location is absolute or climbs out of the model's folder (`..`): never to be opened. */
  unsafe?: boolean;
}

/** Summary of one ONNX model: the DESIGN.md inspect shape plus the extra fields below. */
export interface OnnxSummary {
  irVersion: number;
  producerName: string;
  producerVersion: string;
  opsetImports: { domain: string; version: number }[];
  /** Graph inputs, without the ones that name an initializer (IR < 4 listed weights as inputs). */
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  /**
   * Elements of every initializer of every graph (main graph and node-attribute subgraphs), the stored
   * values of sparse initializers, and the `value` tensors of `Constant` nodes.
   */
  parameterCount: number;
  /** The model's `metadata_props` (the last value wins for a repeated key). */
  metadataProps: Record<string, string>;
  /** The main graph's own `metadata_props` (IR 10), `{}` when it has none. */
  graphMetadataProps: Record<string, string>;

  /** ModelProto `domain`, `model_version` and `doc_string` ("" / 0 when absent). */
  domain: string;
  modelVersion: number;
  docString: string;
  /** Main graph `name` and `doc_string`. */
  graphName: string;
  graphDocString: string;
  /** Nodes of the main graph, and of every graph (subgraphs included). */
  nodeCount: number;
  totalNodeCount: number;
  /** Initializers and sparse initializers of the main graph. */
  initializerCount: number;
  sparseInitializerCount: number;
  /** Graphs held by node attributes (If/Loop/Scan bodies...), at any depth. */
  subgraphCount: number;
  /** Operator counts over every graph, keyed `op_type` or `domain:op_type` outside the default domain. */
  opTypes: Record<string, number>;
  /** Where `parameterCount` comes from. */
  parameters: {
    initializers: number;
    subgraphInitializers: number;
    sparseInitializers: number;
    constants: number;
  };
  /**
   * Size of the weights counted in `parameterCount` (elements x element width; strings by their bytes),
   * in total and by data type. Includes tensors stored in external files.
   */
  weightBytes: { total: number; byDataType: Record<string, number> };
  /** Bytes of tensor payload stored inside the model file (the `raw_data` and typed data fields). */
  inlineDataBytes: number;
  /** Tensors whose data is in other files. */
  externalData: ExternalDataRef[];
  /** Model-local functions (`FunctionProto`). */
  functions: { domain: string; name: string }[];
}
