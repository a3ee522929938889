/**
 * A graph input or output: a ValueInfoProto's name and its TypeProto (tensor element type and shape,
 * sequences, maps and optionals, nested up to the scan's depth limit).
 */
import { F, dataTypeName } from './fields.js';
import type { Dim, TypeInfo, ValueInfo } from './types.js';
import type { FieldWalker } from './walk.js';
import { WIRE } from './wire.js';

/** Reads a ValueInfoProto ending at `end`. */
export async function readValueInfo(w: FieldWalker, end: number): Promise<ValueInfo> {
  const r = w.r;
  let name = '';
  let type: TypeInfo = { type: 'unknown' };
  await w.fields(end, async (f, wt, v, at) => {
    if (f === F.ValueInfo.name) name = await w.str(wt, v, 'ValueInfoProto.name', at);
    else if (f === F.ValueInfo.type) {
      w.want(wt, WIRE.LEN, 'ValueInfoProto.type', at);
      type = await readType(w, r.pos + v, 0);
    }
  });
  return { name, ...type };
}

async function readType(w: FieldWalker, end: number, depth: number): Promise<TypeInfo> {
  const r = w.r;
  if (depth > w.maxDepth) r.fail('onnx/too-deep', r.pos, `types nested more than ${w.maxDepth} deep`);
  // The `value` oneof: the last member present wins, as in protobuf.
  let out: TypeInfo = { type: 'unknown' };
  await w.fields(end, async (f, wt, v, at) => {
    const T = F.Type;
    switch (f) {
      case T.tensor_type:
      case T.sparse_tensor_type: {
        w.want(wt, WIRE.LEN, 'TypeProto.tensor_type', at);
        out = await readTensorType(w, r.pos + v, f === T.tensor_type ? 'tensor' : 'sparse_tensor');
        break;
      }
      case T.sequence_type:
      case T.optional_type: {
        w.want(wt, WIRE.LEN, 'TypeProto.sequence_type', at);
        const t: TypeInfo = { type: f === T.sequence_type ? 'sequence' : 'optional' };
        await w.fields(r.pos + v, async (g, wt2, v2, at2) => {
          if (g === 1) {
            w.want(wt2, WIRE.LEN, 'TypeProto.Sequence.elem_type', at2);
            t.elementType = await readType(w, r.pos + v2, depth + 1);
          }
        });
        out = t;
        break;
      }
      case T.map_type: {
        w.want(wt, WIRE.LEN, 'TypeProto.map_type', at);
        const t: TypeInfo = { type: 'map' };
        await w.fields(r.pos + v, async (g, wt2, v2, at2) => {
          if (g === F.MapType.key_type) {
            w.want(wt2, WIRE.VARINT, 'TypeProto.Map.key_type', at2);
            t.keyType = dataTypeName(v2);
          } else if (g === F.MapType.value_type) {
            w.want(wt2, WIRE.LEN, 'TypeProto.Map.value_type', at2);
            t.valueType = await readType(w, r.pos + v2, depth + 1);
          }
        });
        out = t;
        break;
      }
      case T.opaque_type:
        out = { type: 'unknown' };
        break;
      default:
    }
  });
  return out;
}

async function readTensorType(w: FieldWalker, end: number, kind: 'tensor' | 'sparse_tensor'): Promise<TypeInfo> {
  const r = w.r;
  let elem = 0;
  let shape: Dim[] | null = null;
  await w.fields(end, async (f, wt, v, at) => {
    if (f === F.TensorType.elem_type) {
      w.want(wt, WIRE.VARINT, 'TypeProto.Tensor.elem_type', at);
      elem = v;
    } else if (f === F.TensorType.shape) {
      w.want(wt, WIRE.LEN, 'TypeProto.Tensor.shape', at);
      const dims: Dim[] = shape ?? [];
      await w.fields(r.pos + v, async (g, wt2, v2, at2) => {
        if (g !== F.Shape.dim) return;
        w.want(wt2, WIRE.LEN, 'TensorShapeProto.dim', at2);
        w.count(dims.length, 'shape dims', at2);
        let d: Dim = null;
        await w.fields(r.pos + v2, async (h, wt3, v3, at3) => {
          if (h === F.Dimension.dim_value) {
            w.want(wt3, WIRE.VARINT, 'Dimension.dim_value', at3);
            d = v3;
          } else if (h === F.Dimension.dim_param) {
            d = await w.str(wt3, v3, 'Dimension.dim_param', at3);
          }
        });
        dims.push(d);
      });
      shape = dims;
    }
  });
  return { type: kind, dataType: dataTypeName(elem), shape };
}
