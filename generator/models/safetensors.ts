/**
 * safetensors: an 8-byte little-endian header length N, N bytes of JSON
 * (`{"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str: str}}`), then
 * the tensor bytes. Only the header is read. Rules from the format's specification
 * (huggingface/safetensors README, "Format"): offsets relative to the byte after the header,
 * contiguous, no overlap, each tensor exactly `elements * width` bytes, header under 100 MB.
 */
import type { ByteSource } from '../onnx/byte-source.js';
import { le } from './cursor.js';
import { ModelError } from './errors.js';
import { summarise } from './summary.js';
import type { ModelSummary, TensorInfo } from './types.js';

/** safetensors dtype -> our name and bits per element. */
const DTYPES: Record<string, [string, number]> = {
  BOOL: ['bool', 8], U8: ['uint8', 8], I8: ['int8', 8], I16: ['int16', 16], U16: ['uint16', 16], F16: ['float16', 16], BF16: ['bfloat16', 16],
  I32: ['int32', 32], U32: ['uint32', 32], F32: ['float32', 32], F64: ['float64', 64], I64: ['int64', 64], U64: ['uint64', 64],
  C64: ['cfloat32', 64], F8_E5M2: ['float8e5m2', 8], F8_E4M3: ['float8e4m3fn', 8], F8_E8M0: ['float8e8m0', 8], F6_E2M3: ['float6e2m3', 6],
  F6_E3M2: ['float6e3m2', 6], F4: ['float4e2m1', 4],
};

/** The spec's bound on the header (the reference implementation refuses larger ones). */
export const MAX_HEADER = 100_000_000;

export interface SafetensorsOptions {
  /** Header bytes at most (default 100,000,000). */
  maxHeader?: number;
}

/** Does the source start like a safetensors file? (a sane length, then `{`) */
export function looksLikeSafetensors(head: Uint8Array, size: number): boolean {
  if (head.length < 9 || head[8] !== 0x7b) return false;
  const hi = le.u32(head, 4);
  const n = hi * 0x100000000 + le.u32(head, 0);
  return hi < 0x200000 && n >= 2 && n <= size - 8;
}

/** Reads the header of one safetensors file (`file`, for shards, is put on each tensor). */
export async function readSafetensors(src: ByteSource, opts: SafetensorsOptions & { file?: string } = {}): Promise<ModelSummary> {
  const size = await src.size();
  const bad = (at: number | undefined, d: string): ModelError => new ModelError('safetensors/malformed', src.name, at, d);
  if (size < 8) throw new ModelError('model/truncated', src.name, 0, 'too short for a safetensors header length');
  const n = le.u64(await src.read(0, 8), 0, src.name, 0);
  const max = opts.maxHeader ?? MAX_HEADER;
  if (n > max) throw new ModelError('model/limit', src.name, 0, `a ${n}-byte header (limit ${max})`);
  if (8 + n > size) throw new ModelError('model/truncated', src.name, 8, `the ${n}-byte header runs past the end`);
  const text = new TextDecoder('utf-8', { fatal: false }).decode(await src.read(8, n));
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (err) {
    throw bad(8, `the header is not JSON (${(err as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw bad(8, 'the header is not a JSON object');
  const dataSize = size - 8 - n;
  const tensors: TensorInfo[] = [];
  const spans: [number, number, string][] = [];
  let metadata: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(8, '__metadata__ is not an object');
      metadata = Object.fromEntries(Object.entries(v as Record<string, unknown>).filter(([k]) => k !== '__proto__'));
      for (const [k, x] of Object.entries(metadata)) if (typeof x !== 'string') throw bad(8, `__metadata__.${k} is not a string`);
      continue;
    }
    const e = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e !== 'object' || e === null) throw bad(8, `tensor ${JSON.stringify(name)} is not an object`);
    const dt = typeof e.dtype === 'string' ? DTYPES[e.dtype] : undefined;
    if (!dt) throw bad(8, `tensor ${JSON.stringify(name)}: unknown dtype ${JSON.stringify(e.dtype)}`);
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw bad(8, `tensor ${JSON.stringify(name)}: bad shape`);
    const off = e.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isSafeInteger(d) && d >= 0) || off[1] < off[0]) {
      throw bad(8, `tensor ${JSON.stringify(name)}: bad data_offsets`);
    }
    const shape = e.shape as number[];
    const elements = shape.reduce((a, b) => a * b, 1);
    if (!Number.isSafeInteger(elements)) throw new ModelError('model/limit', src.name, 8, `tensor ${JSON.stringify(name)}: more than 2^53 elements`);
    const bytes = (off[1] as number) - (off[0] as number);
    if (bytes * 8 !== Math.ceil((elements * dt[1]) / 8) * 8) throw bad(8, `tensor ${JSON.stringify(name)}: ${bytes} bytes for ${elements} ${e.dtype} elements`);
    if ((off[1] as number) > dataSize) throw new ModelError('model/truncated', src.name, 8, `tensor ${JSON.stringify(name)} runs past the end`);
    spans.push([off[0] as number, off[1] as number, name]);
    tensors.push({ name, dataType: dt[0], shape, elements, bytes, group: 'model', ...(opts.file ? { file: opts.file } : {}) });
  }
  // The buffer must be covered exactly once, in order (no overlap: a hidden payload cannot hide there).
  spans.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let at = 0;
  for (const [b, e, name] of spans) {
    if (b !== at) throw bad(8, `tensor ${JSON.stringify(name)} starts at ${b}, expected ${at} (gap or overlap)`);
    at = e;
  }
  const format = metadata.format;
  const framework = format === 'pt' ? 'PyTorch' : format === 'tf' ? 'TensorFlow' : format === 'flax' ? 'Flax' : format === 'np' ? undefined : undefined;
  const lib = format === 'pt' ? 'torch' : format === 'tf' ? 'tensorflow' : format === 'flax' ? 'flax' : format === 'np' ? 'numpy' : 'torch';
  return summarise({
    format: 'safetensors',
    tensors,
    inputs: [],
    outputs: [],
    ...(framework ? { framework } : {}),
    artifactType: `safetensors.${lib}.save_file`,
    metadata,
    notes: at !== dataSize ? [`${dataSize - at} bytes after the last tensor`] : [],
  });
}

/** The JSON of `model.safetensors.index.json`: which shard holds each tensor. */
export interface SafetensorsIndex {
  metadata: Record<string, unknown>;
  weightMap: Record<string, string>;
  shards: string[];
}

/** Does this JSON text look like a sharded-model index? */
export function parseSafetensorsIndex(text: string, name: string): SafetensorsIndex {
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (err) {
    throw new ModelError('safetensors/malformed', name, 0, `the index is not JSON (${(err as Error).message})`);
  }
  const wm = (obj as { weight_map?: unknown } | null)?.weight_map;
  if (typeof wm !== 'object' || wm === null || Array.isArray(wm)) throw new ModelError('safetensors/malformed', name, 0, 'the index has no weight_map object');
  const weightMap: Record<string, string> = {};
  for (const [k, v] of Object.entries(wm as Record<string, unknown>)) {
    // Shards are siblings of the index: a path that climbs or is absolute is refused.
    if (typeof v !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(v)) throw new ModelError('safetensors/malformed', name, 0, `tensor ${JSON.stringify(k)}: shard ${JSON.stringify(v)} is not a file name beside the index`);
    if (k !== '__proto__') weightMap[k] = v;
  }
  const md = (obj as { metadata?: unknown }).metadata;
  return {
    metadata: typeof md === 'object' && md !== null && !Array.isArray(md) ? (md as Record<string, unknown>) : {},
    weightMap,
    shards: [...new Set(Object.values(weightMap))].sort(),
  };
}

/**
 * A sharded model: the index, then each shard's header (opened by `openShard`, which returns
 * undefined for a shard that is not available). Tensors come from the shards; the index's
 * weight_map must agree with them.
 */
export async function readSafetensorsIndex(
  src: ByteSource,
  openShard: (file: string) => ByteSource | undefined,
  opts: SafetensorsOptions = {},
): Promise<ModelSummary> {
  const size = await src.size();
  if (size > 64 * 1024 * 1024) throw new ModelError('model/limit', src.name, 0, 'an index over 64 MiB');
  const index = parseSafetensorsIndex(new TextDecoder().decode(await src.read(0, size)), src.name);
  const tensors: TensorInfo[] = [];
  const notes: string[] = [];
  let framework: string | undefined;
  let artifactType = 'safetensors.torch.save_file';
  for (const shard of index.shards) {
    const s = openShard(shard);
    if (!s) {
      notes.push(`shard ${shard} not available: its tensors are not described`);
      continue;
    }
    try {
      const part = await readSafetensors(s, { ...opts, file: shard });
      framework ??= part.framework;
      artifactType = part.artifactType;
      for (const t of part.tensors) {
        if (index.weightMap[t.name] !== shard) notes.push(`${shard} holds ${t.name}, which the index puts in ${index.weightMap[t.name] ?? 'no shard'}`);
        tensors.push(t);
      }
    } finally {
      await s.close();
    }
  }
  return summarise({
    format: 'safetensors-index',
    tensors,
    inputs: [],
    outputs: [],
    ...(framework ? { framework } : {}),
    artifactType,
    metadata: index.metadata,
    files: index.shards,
    notes,
  });
}
