/**
 * The ONNX messages of `onnx.proto` (beside this file) as a protobufjs schema, for writing models (the
 * demo model, test fixtures, benchmark models). The scanner does not use it: it is test and benchmark
 * code, and protobufjs a development dependency.
 */
import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';

/** The schema text (proto2). */
export const ONNX_SCHEMA = readFileSync(new URL('./onnx.proto', import.meta.url), 'utf8');

let root: protobuf.Root | undefined;

/** The parsed schema (cached). */
export function onnxRoot(): protobuf.Root {
  root ??= protobuf.parse(ONNX_SCHEMA, { keepCase: true }).root;
  return root;
}

/** The `onnx.ModelProto` message type. */
export function modelProtoType(): protobuf.Type {
  return onnxRoot().lookupType('onnx.ModelProto');
}

/** Encodes a plain ModelProto object (snake_case field names, as in onnx.proto). */
export function encodeModel(model: Record<string, unknown>): Uint8Array {
  const T = modelProtoType();
  const err = T.verify(model);
  if (err) throw new Error(`invalid ModelProto: ${err}`);
  return T.encode(T.fromObject(model)).finish();
}

/** `TensorProto.DataType` ids by name, for writing models. */
export const DT = {
  FLOAT: 1, UINT8: 2, INT8: 3, UINT16: 4, INT16: 5, INT32: 6, INT64: 7, STRING: 8, BOOL: 9,
  FLOAT16: 10, DOUBLE: 11, UINT32: 12, UINT64: 13, COMPLEX64: 14, COMPLEX128: 15, BFLOAT16: 16,
} as const;

/** Hand-built protobuf, for inputs protobufjs would not write (truncated, hostile, huge): a varint. */
export const varint = (n: number): Buffer => {
  const out: number[] = [];
  while (n > 127) {
    out.push((n & 127) | 128);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
};
/** A LEN field (wire type 2): tag, length, body. */
export const field = (no: number, body: Uint8Array): Buffer => Buffer.concat([varint((no << 3) | 2), varint(body.length), body]);
/** A VARINT field (wire type 0). */
export const vint = (no: number, v: number): Buffer => Buffer.concat([varint(no << 3), varint(v)]);
