/**
 * Tensors in an ONNX model: a TensorProto's header (name, dims, data type, external data) is read and
 * its payload skipped; a SparseTensorProto's values and indices likewise. Their sizes are added to the
 * summary's weight totals, inline bytes and external data references.
 */
import { F, dataTypeName, elementBits } from './fields.js';
import type { ExternalDataRef, OnnxSummary } from './types.js';
import type { FieldWalker } from './walk.js';
import { WIRE } from './wire.js';

/** What the scanner keeps of a tensor: its header, never its values. */
export interface TensorHead {
  name: string;
  dims: number[];
  dataType: number;
  /** Bytes of string_data entries (the size of a string tensor). */
  stringBytes: number;
  external: { location?: string; offset?: number; length?: number };
  dataLocation: number;
}

/** Reads a tensor's header and seeks past its payload; records external data and inline bytes in `s`. */
export async function readTensor(w: FieldWalker, end: number, s: OnnxSummary): Promise<TensorHead> {
  const r = w.r;
  const t: TensorHead = { name: '', dims: [], dataType: 0, stringBytes: 0, external: {}, dataLocation: 0 };
  let inline = 0;
  await w.fields(end, (f, wt, v, at) => {
    const T = F.Tensor;
    switch (f) {
      case T.dims:
        if (wt === WIRE.VARINT) {
          w.count(t.dims.length, 'tensor dims', at);
          t.dims.push(v);
          return undefined;
        }
        w.want(wt, WIRE.LEN, 'TensorProto.dims', at);
        return w.packedVarints(r.pos + v, t.dims, at);
      case T.data_type:
        w.want(wt, WIRE.VARINT, 'TensorProto.data_type', at);
        t.dataType = v;
        return undefined;
      case T.name:
        return w.text(wt, v, 'TensorProto.name', at, (x) => (t.name = x));
      case T.string_data:
        w.want(wt, WIRE.LEN, 'TensorProto.string_data', at);
        t.stringBytes += v;
        inline += v;
        return undefined;
      case T.raw_data:
      case T.float_data:
      case T.int32_data:
      case T.int64_data:
      case T.double_data:
      case T.uint64_data:
        // The payload: counted, never read (the field loop seeks past it).
        inline += wt === WIRE.LEN ? v : wt === WIRE.I64 ? 8 : wt === WIRE.I32 ? 4 : 1;
        return undefined;
      case T.external_data: {
        w.want(wt, WIRE.LEN, 'TensorProto.external_data', at);
        const kv = new Map<string, string>();
        return w.entry(v, kv, 'external_data', at).then(() => {
          for (const [k, val] of kv) {
            if (k === 'location') t.external.location = val;
            else if (k === 'offset' && /^\d+$/.test(val)) t.external.offset = Number(val);
            else if (k === 'length' && /^\d+$/.test(val)) t.external.length = Number(val);
          }
        });
      }
      case T.data_location:
        w.want(wt, WIRE.VARINT, 'TensorProto.data_location', at);
        t.dataLocation = v;
        return undefined;
      default:
        return undefined;
    }
  });
  s.inlineDataBytes += inline;
  if (t.dataLocation === 1) {
    w.count(s.externalData.length, 'external data tensors', end);
    const location = t.external.location ?? '';
    const ref: ExternalDataRef = { tensor: t.name, location };
    if (t.external.offset !== undefined) ref.offset = t.external.offset;
    if (t.external.length !== undefined) ref.length = t.external.length;
    if (isUnsafeLocation(location)) ref.unsafe = true;
    s.externalData.push(ref);
  }
  return t;
}

/** Reads a sparse tensor's parts: its stored values tensor and its indices. */
export async function readSparseParts(w: FieldWalker, end: number, s: OnnxSummary): Promise<{ values?: TensorHead; indices?: TensorHead }> {
  const r = w.r;
  const out: { values?: TensorHead; indices?: TensorHead } = {};
  await w.fields(end, async (f, wt, v, at) => {
    if (f === F.SparseTensor.values) {
      w.want(wt, WIRE.LEN, 'SparseTensorProto.values', at);
      out.values = await readTensor(w, r.pos + v, s);
    } else if (f === F.SparseTensor.indices) {
      w.want(wt, WIRE.LEN, 'SparseTensorProto.indices', at);
      out.indices = await readTensor(w, r.pos + v, s);
    }
  });
  return out;
}

/** Adds a counted tensor to the summary's weight totals; returns its element count. */
export function weigh(t: TensorHead, s: OnnxSummary): number {
  let n = 1;
  for (const d of t.dims) n *= d;
  // Negative dims count nothing; absurd ones (hostile headers) stay finite numbers for JSON.
  if (!(n > 0)) n = 0;
  n = Math.min(n, Number.MAX_SAFE_INTEGER);
  const bytes = Math.min(Number.MAX_SAFE_INTEGER, t.dataType === 8 ? t.stringBytes : Math.ceil((n * elementBits(t.dataType)) / 8));
  const wb = s.weightBytes;
  const key = dataTypeName(t.dataType);
  wb.total = Math.min(Number.MAX_SAFE_INTEGER, wb.total + bytes);
  wb.byDataType[key] = Math.min(Number.MAX_SAFE_INTEGER, (wb.byDataType[key] ?? 0) + bytes);
  return n;
}

/** External data locations must be relative and stay in the model's folder (onnx docs/ExternalData.md). */
function isUnsafeLocation(location: string): boolean {
  if (location === '' || location.startsWith('/') || location.startsWith('\\') || /^[a-zA-Z]:/.test(location)) return true;
  return location.split(/[\\/]/).includes('..');
}
