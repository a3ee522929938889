/**
 * GGUF (llama.cpp): magic `GGUF`, version (2 or 3; 1 had 32-bit counts), tensor count, metadata
 * key-value count, the key-values, then one info per tensor (name, dims, ggml type, offset). The
 * tensor data that follows is never read. Layout from ggml's docs/gguf.md; block sizes from gguf-py's
 * `GGML_QUANT_SIZES`.
 */
import type { ByteSource } from '../onnx/byte-source.js';
import { Cursor, le } from './cursor.js';
import { ModelError } from './errors.js';
import { summarise } from './summary.js';
import type { ModelSummary, TensorInfo } from './types.js';

/** ggml type id -> [name, elements per block, bytes per block]. */
const GGML_TYPES: Record<number, [string, number, number]> = {
  0: ['float32', 1, 4], 1: ['float16', 1, 2], 2: ['q4_0', 32, 18], 3: ['q4_1', 32, 20], 6: ['q5_0', 32, 22], 7: ['q5_1', 32, 24],
  8: ['q8_0', 32, 34], 9: ['q8_1', 32, 36], 10: ['q2_k', 256, 84], 11: ['q3_k', 256, 110], 12: ['q4_k', 256, 144], 13: ['q5_k', 256, 176],
  14: ['q6_k', 256, 210], 15: ['q8_k', 256, 292], 16: ['iq2_xxs', 256, 66], 17: ['iq2_xs', 256, 74], 18: ['iq3_xxs', 256, 98],
  19: ['iq1_s', 256, 50], 20: ['iq4_nl', 32, 18], 21: ['iq3_s', 256, 110], 22: ['iq2_s', 256, 82], 23: ['iq4_xs', 256, 136],
  24: ['int8', 1, 1], 25: ['int16', 1, 2], 26: ['int32', 1, 4], 27: ['int64', 1, 8], 28: ['float64', 1, 8], 29: ['iq1_m', 256, 56],
  30: ['bfloat16', 1, 2], 34: ['tq1_0', 256, 54], 35: ['tq2_0', 256, 66], 39: ['mxfp4', 32, 17],
};

/** `general.file_type` values (llama_ftype) -> the quantization they name. */
const FILE_TYPES: Record<number, string> = {
  0: 'F32', 1: 'F16', 2: 'Q4_0', 3: 'Q4_1', 7: 'Q8_0', 8: 'Q5_0', 9: 'Q5_1', 10: 'Q2_K', 11: 'Q3_K_S', 12: 'Q3_K_M', 13: 'Q3_K_L',
  14: 'Q4_K_S', 15: 'Q4_K_M', 16: 'Q5_K_S', 17: 'Q5_K_M', 18: 'Q6_K', 19: 'IQ2_XXS', 20: 'IQ2_XS', 21: 'Q2_K_S', 22: 'IQ3_XS',
  23: 'IQ3_XXS', 24: 'IQ1_S', 25: 'IQ4_NL', 26: 'IQ3_S', 27: 'IQ3_M', 28: 'IQ2_S', 29: 'IQ2_M', 30: 'IQ4_XS', 31: 'IQ1_M', 32: 'BF16',
  36: 'TQ1_0', 37: 'TQ2_0', 38: 'MXFP4_MOE',
};

export interface GgufLimits {
  /** Key-values at most (default 1,000,000). */
  maxKeyValues?: number;
  /** Tensors at most (default 1,000,000). */
  maxTensors?: number;
  /** Array elements kept in the summary (longer arrays give their type and length); default 16. */
  keepArray?: number;
  /** Characters of a string kept; default 1,024. */
  maxString?: number;
}

export function looksLikeGguf(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x47 && head[1] === 0x47 && head[2] === 0x55 && head[3] === 0x46;
}

const dec = new TextDecoder('utf-8', { fatal: false });

/** Reads a GGUF header: metadata and tensor infos. */
export async function readGguf(src: ByteSource, limits: GgufLimits = {}): Promise<ModelSummary> {
  const maxKv = limits.maxKeyValues ?? 1_000_000;
  const maxTensors = limits.maxTensors ?? 1_000_000;
  const keepArray = limits.keepArray ?? 16;
  const maxString = limits.maxString ?? 1024;
  const size = await src.size();
  const c = new Cursor(src, 0, size);
  const bad = (d: string): ModelError => new ModelError('gguf/malformed', src.name, c.pos, d);
  const head = await c.take(8);
  if (!looksLikeGguf(head)) throw bad('no GGUF magic');
  const version = le.u32(head, 4);
  if (version < 1 || version > 3) throw bad(`unsupported GGUF version ${version}`);
  // Version 1 used 32-bit counts and lengths; 2 and 3 use 64-bit ones.
  const count = async (): Promise<number> => (version === 1 ? le.u32(await c.take(4), 0) : le.u64(await c.take(8), 0, src.name, c.pos - 8));
  const tensorCount = await count();
  const kvCount = await count();
  if (kvCount > maxKv) throw new ModelError('model/limit', src.name, 16, `${kvCount} metadata key-values (limit ${maxKv})`);
  if (tensorCount > maxTensors) throw new ModelError('model/limit', src.name, 8, `${tensorCount} tensors (limit ${maxTensors})`);
  const string = async (keep = maxString): Promise<string> => {
    const n = await count();
    if (n <= keep) return dec.decode(await c.take(n));
    const s = dec.decode(await c.take(keep));
    c.skip(n - keep);
    return `${s}…`;
  };
  const scalar = async (type: number): Promise<unknown> => {
    switch (type) {
      case 0: return (await c.take(1))[0]!;
      case 1: return ((await c.take(1))[0]! << 24) >> 24;
      case 2: return le.u16(await c.take(2), 0);
      case 3: return (le.u16(await c.take(2), 0) << 16) >> 16;
      case 4: return le.u32(await c.take(4), 0);
      case 5: return le.u32(await c.take(4), 0) | 0;
      case 6: { const b = await c.take(4); return new DataView(b.buffer, b.byteOffset, 4).getFloat32(0, true); }
      case 7: return (await c.take(1))[0] !== 0;
      case 8: return string();
      case 10: { const b = await c.take(8); return Number(new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true)); }
      case 11: { const b = await c.take(8); return Number(new DataView(b.buffer, b.byteOffset, 8).getBigInt64(0, true)); }
      case 12: { const b = await c.take(8); return new DataView(b.buffer, b.byteOffset, 8).getFloat64(0, true); }
      default: throw bad(`unknown metadata value type ${type}`);
    }
  };
  const WIDTH: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
  const value = async (type: number, depth: number): Promise<unknown> => {
    if (type !== 9) return scalar(type);
    if (depth > 4) throw new ModelError('model/limit', src.name, c.pos, 'arrays nested deeper than 4');
    const itemType = le.u32(await c.take(4), 0);
    const n = await count();
    const w = WIDTH[itemType];
    if (n > keepArray && w !== undefined) {
      c.skip(n * w); // fixed-width items are skipped unread
      return { type: 'array', itemType: typeName(itemType), length: n };
    }
    const items: unknown[] = [];
    for (let i = 0; i < n; i++) {
      const v = await value(itemType, depth + 1);
      if (i < keepArray) items.push(v);
    }
    return n > keepArray ? { type: 'array', itemType: typeName(itemType), length: n } : items;
  };
  const metadata: Record<string, unknown> = {};
  for (let i = 0; i < kvCount; i++) {
    const key = await string(4096);
    const type = le.u32(await c.take(4), 0);
    const v = await value(type, 0);
    if (key !== '__proto__') metadata[key] = v;
  }
  const alignment = typeof metadata['general.alignment'] === 'number' ? (metadata['general.alignment'] as number) : 32;
  if (!Number.isInteger(alignment) || alignment <= 0 || alignment % 8 !== 0) throw bad(`general.alignment ${alignment} is not a positive multiple of 8`);
  const tensors: TensorInfo[] = [];
  const infos: { offset: number; bytes: number; name: string }[] = [];
  for (let i = 0; i < tensorCount; i++) {
    const name = await string(4096);
    const nDims = le.u32(await c.take(4), 0);
    if (nDims > 8) throw bad(`tensor ${JSON.stringify(name)} has ${nDims} dimensions (GGML has at most 4)`);
    const dims: number[] = [];
    for (let d = 0; d < nDims; d++) dims.push(version === 1 ? le.u32(await c.take(4), 0) : le.u64(await c.take(8), 0, src.name, c.pos - 8));
    const type = le.u32(await c.take(4), 0);
    const offset = le.u64(await c.take(8), 0, src.name, c.pos - 8);
    const t = GGML_TYPES[type];
    if (!t) throw bad(`tensor ${JSON.stringify(name)}: unknown ggml type ${type}`);
    const elements = dims.reduce((a, b) => a * b, 1);
    if (!Number.isSafeInteger(elements)) throw new ModelError('model/limit', src.name, c.pos, `tensor ${JSON.stringify(name)}: more than 2^53 elements`);
    if (dims.length > 0 && dims[0]! % t[1] !== 0) throw bad(`tensor ${JSON.stringify(name)}: ${dims[0]} elements per row is not a multiple of the ${t[0]} block (${t[1]})`);
    if (offset % alignment !== 0) throw bad(`tensor ${JSON.stringify(name)}: offset ${offset} is not aligned to ${alignment}`);
    const bytes = (elements / t[1]) * t[2];
    // GGML lists dims innermost first (ne[0] is a row); shapes here are outermost first, as PyTorch's.
    tensors.push({ name, dataType: t[0], shape: [...dims].reverse(), elements, bytes, group: 'model' });
    infos.push({ offset, bytes, name });
  }
  const dataStart = Math.ceil(c.pos / alignment) * alignment;
  for (const t of infos) {
    if (dataStart + t.offset + t.bytes > size) throw new ModelError('model/truncated', src.name, c.pos, `tensor ${JSON.stringify(t.name)} runs past the end`);
  }
  const ft = metadata['general.file_type'];
  if (typeof ft === 'number' && FILE_TYPES[ft]) metadata['general.file_type_name'] = FILE_TYPES[ft];
  return summarise({
    format: 'gguf',
    tensors,
    inputs: [],
    outputs: [],
    framework: 'llama.cpp',
    artifactType: 'gguf',
    metadata: { 'gguf.version': version, ...metadata },
    notes: [],
  });
}

function typeName(t: number): string {
  return ['uint8', 'int8', 'uint16', 'int16', 'uint32', 'int32', 'float32', 'bool', 'string', 'array', 'uint64', 'int64', 'float64'][t] ?? `type${t}`;
}
