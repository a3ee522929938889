/**
 * Writers for test files, each following its format's specification: stored zip archives (PKWARE
 * APPNOTE), safetensors (huggingface/safetensors "Format"), GGUF (ggml docs/gguf.md), and pickles
 * assembled opcode by opcode (CPython Lib/pickletools.py) for hostile cases.
 */
import { crc32 } from 'node:zlib';

const u16 = (v: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(v);
  return b;
};
const u32 = (v: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return b;
};
const u64 = (v: number | bigint): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(v));
  return b;
};

/** A zip with stored (uncompressed) entries. */
export function zipStored(entries: { name: string; data: Uint8Array }[]): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const data = Buffer.from(e.data);
    const crc = crc32(data);
    const local = Buffer.concat([u32(0x04034b50), u16(20), u16(0), u16(0), u16(0), u16(0), u32(crc), u32(data.length), u32(data.length), u16(name.length), u16(0), name]);
    central.push(
      Buffer.concat([
        u32(0x02014b50), u16(20), u16(20), u16(0), u16(0), u16(0), u16(0), u32(crc), u32(data.length), u32(data.length),
        u16(name.length), u16(0), u16(0), u16(0), u16(0), u32(0), u32(offset), name,
      ]),
    );
    parts.push(local, data);
    offset += local.length + data.length;
  }
  const dir = Buffer.concat(central);
  const end = Buffer.concat([u32(0x06054b50), u16(0), u16(0), u16(entries.length), u16(entries.length), u32(dir.length), u32(offset), u16(0)]);
  return Buffer.concat([...parts, dir, end]);
}

/** safetensors dtypes and their widths in bytes. */
export const ST_WIDTH: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1, U16: 2, U32: 4, U64: 8 };

export interface StTensor {
  name: string;
  dtype: string;
  shape: number[];
}

/**
 * A safetensors file: header length, JSON header (padded with spaces to 8 bytes, as the reference
 * writer does), then each tensor's bytes in order (zeros). `dataBytes: false` leaves the data out
 * and gives the file's intended size, for sparse files written by the caller.
 */
export function safetensors(tensors: StTensor[], metadata?: Record<string, string>): Buffer {
  const { header, dataSize } = safetensorsHeader(tensors, metadata);
  return Buffer.concat([header, Buffer.alloc(dataSize)]);
}

export function safetensorsHeader(tensors: StTensor[], metadata?: Record<string, string>): { header: Buffer; dataSize: number } {
  const obj: Record<string, unknown> = {};
  if (metadata) obj.__metadata__ = metadata;
  let at = 0;
  for (const t of tensors) {
    const n = t.shape.reduce((a, b) => a * b, 1) * ST_WIDTH[t.dtype]!;
    obj[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [at, at + n] };
    at += n;
  }
  let json = JSON.stringify(obj);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const body = Buffer.from(json, 'utf8');
  return { header: Buffer.concat([u64(body.length), body]), dataSize: at };
}

/** GGUF value types. */
export const GGUF = { UINT8: 0, INT8: 1, UINT16: 2, INT16: 3, UINT32: 4, INT32: 5, FLOAT32: 6, BOOL: 7, STRING: 8, ARRAY: 9, UINT64: 10, INT64: 11, FLOAT64: 12 } as const;

export type GgufValue = { type: number; value: unknown; itemType?: number };

/** ggml types used by the tests: [id, elements per block, bytes per block]. */
export const GGML: Record<string, [number, number, number]> = { F32: [0, 1, 4], F16: [1, 1, 2], Q4_0: [2, 32, 18], Q8_0: [8, 32, 34], Q4_K: [12, 256, 144], Q6_K: [14, 256, 210], BF16: [30, 1, 2] };

function ggufString(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  return Buffer.concat([u64(b.length), b]);
}

function ggufValue(type: number, value: unknown, itemType?: number): Buffer {
  switch (type) {
    case GGUF.UINT8: return Buffer.from([value as number]);
    case GGUF.INT8: { const b = Buffer.alloc(1); b.writeInt8(value as number); return b; }
    case GGUF.UINT16: return u16(value as number);
    case GGUF.INT16: { const b = Buffer.alloc(2); b.writeInt16LE(value as number); return b; }
    case GGUF.UINT32: return u32(value as number);
    case GGUF.INT32: { const b = Buffer.alloc(4); b.writeInt32LE(value as number); return b; }
    case GGUF.FLOAT32: { const b = Buffer.alloc(4); b.writeFloatLE(value as number); return b; }
    case GGUF.BOOL: return Buffer.from([value ? 1 : 0]);
    case GGUF.STRING: return ggufString(value as string);
    case GGUF.UINT64: return u64(value as number);
    case GGUF.INT64: { const b = Buffer.alloc(8); b.writeBigInt64LE(BigInt(value as number)); return b; }
    case GGUF.FLOAT64: { const b = Buffer.alloc(8); b.writeDoubleLE(value as number); return b; }
    case GGUF.ARRAY: {
      const items = value as unknown[];
      return Buffer.concat([u32(itemType!), u64(items.length), ...items.map((v) => ggufValue(itemType!, v))]);
    }
    default: throw new Error(`type ${type}`);
  }
}

export interface GgufTensor {
  name: string;
  /** ggml dims, innermost first (ne[0] is a row). */
  dims: number[];
  type: keyof typeof GGML;
}

/** A GGUF v3 file: header, key-values, tensor infos, padding to the alignment, zeroed tensor data. */
export function gguf(kv: Record<string, GgufValue>, tensors: GgufTensor[], alignment = 32): Buffer {
  const parts: Buffer[] = [Buffer.from('GGUF'), u32(3), u64(tensors.length), u64(Object.keys(kv).length)];
  for (const [k, v] of Object.entries(kv)) parts.push(ggufString(k), u32(v.type), ggufValue(v.type, v.value, v.itemType));
  let offset = 0;
  const sizes: number[] = [];
  for (const t of tensors) {
    const [id, block, bytes] = GGML[t.type]!;
    const n = (t.dims.reduce((a, b) => a * b, 1) / block) * bytes;
    parts.push(ggufString(t.name), u32(t.dims.length), ...t.dims.map((d) => u64(d)), u32(id), u64(offset));
    sizes.push(n);
    offset += Math.ceil(n / alignment) * alignment;
  }
  const head = Buffer.concat(parts);
  const pad = (alignment - (head.length % alignment)) % alignment;
  return Buffer.concat([head, Buffer.alloc(pad), Buffer.alloc(offset)]);
}

/** Pickle opcodes, assembled by hand. */
export const op = {
  proto: (v: number): Buffer => Buffer.from([0x80, v]),
  global: (module: string, name: string): Buffer => Buffer.from(`c${module}\n${name}\n`, 'latin1'),
  inst: (module: string, name: string): Buffer => Buffer.from(`i${module}\n${name}\n`, 'latin1'),
  str: (s: string): Buffer => {
    const b = Buffer.from(s, 'utf8');
    return Buffer.concat([Buffer.from([0x58]), u32(b.length), b]);
  },
  shortStr: (s: string): Buffer => {
    const b = Buffer.from(s, 'utf8');
    return Buffer.concat([Buffer.from([0x8c, b.length]), b]);
  },
  mark: Buffer.from('('),
  tuple: Buffer.from('t'),
  tuple1: Buffer.from([0x85]),
  tuple2: Buffer.from([0x86]),
  emptyTuple: Buffer.from(')'),
  emptyDict: Buffer.from('}'),
  reduce: Buffer.from('R'),
  build: Buffer.from('b'),
  obj: Buffer.from('o'),
  newobj: Buffer.from([0x81]),
  stackGlobal: Buffer.from([0x93]),
  memoize: Buffer.from([0x94]),
  binput: (i: number): Buffer => Buffer.from([0x71, i]),
  binget: (i: number): Buffer => Buffer.from([0x68, i]),
  pop: Buffer.from('0'),
  setitem: Buffer.from('s'),
  ext1: (code: number): Buffer => Buffer.from([0x82, code]),
  none: Buffer.from('N'),
  stop: Buffer.from('.'),
};

/** Concatenates opcodes into a pickle. */
export const pickle = (...ops: Buffer[]): Buffer => Buffer.concat(ops);
