/**
 * Model files other than ONNX, described from their headers: PyTorch (zip and legacy), TorchScript,
 * pickles, safetensors (and sharded indexes), GGUF. Formats are recognised by their first bytes, not
 * their names. No pickle is executed and no weight is read.
 */
import type { ByteSource } from '../onnx/byte-source.js';
import { asModelError, ModelError, type ModelErrorCode } from './errors.js';
import { looksLikeGguf, readGguf } from './gguf.js';
import { readPickle, type PickleGlobal } from './pickle.js';
import { readPickleFile, readTorchZip } from './pytorch.js';
import { pickleSafety } from './safety.js';
import { looksLikeSafetensors, readSafetensors, readSafetensorsIndex } from './safetensors.js';
import { summarise } from './summary.js';
import type { ModelFormat, ModelSummary } from './types.js';
import { entrySource, looksLikeZip, readZipDirectory } from './zip.js';

export type { ModelFormat, ModelSummary, TensorInfo, TensorSummary, TensorGroup } from './types.js';
export type { PickleSafety } from './types.js';
export { ModelError, type ModelErrorCode };
export { SAFE_GLOBALS } from './safety.js';

/** What the first bytes say a file is; `onnx` is left to the ONNX scanner. */
export type SniffedFormat = 'onnx' | 'gguf' | 'zip' | 'pickle' | 'safetensors' | 'safetensors-index';

const PICKLE_NAMES = /\.(pkl|pickle|joblib|pt|pth|bin|ckpt)$/i;

/**
 * The format of `src` by magic bytes: `GGUF`; a zip header; a pickle `PROTO` opcode (or, for
 * `.pkl`-like names, a protocol 0/1 opening); a sane safetensors header length followed by `{`; a
 * JSON object with a `weight_map`; an ONNX `ModelProto` opening (field 1, `ir_version`). Undefined
 * when none fits.
 */
export async function sniffFormat(src: ByteSource, name = src.name): Promise<SniffedFormat | undefined> {
  const nameHint = name.replace(/[?#].*$/, '');
  const size = await src.size();
  if (size === 0) throw new ModelError('model/empty', src.name, undefined, 'the file is empty');
  const head = await src.read(0, Math.min(size, 64));
  if (looksLikeGguf(head)) return 'gguf';
  if (looksLikeZip(head)) return 'zip';
  if (head[0] === 0x80 && head.length > 1 && head[1]! >= 2 && head[1]! <= 5) return 'pickle';
  if (looksLikeSafetensors(head, size)) return 'safetensors';
  const text = new TextDecoder().decode(head).trimStart();
  if (text.startsWith('{') && /weight_map|"metadata"/.test(new TextDecoder().decode(await src.read(0, Math.min(size, 4096))))) return 'safetensors-index';
  if (head[0] === 0x08 && /\.onnx$/i.test(nameHint)) return 'onnx';
  if (PICKLE_NAMES.test(nameHint) && /^[(c}\]]/.test(String.fromCharCode(head[0]!))) return 'pickle';
  if (head[0] === 0x08) return 'onnx';
  return undefined;
}

/** Options of {@link inspectModel}. */
export interface ModelInspectOptions {
  /** Opens a file beside this one (the shards of a sharded safetensors model); undefined when not available. */
  openSibling?: (name: string) => ByteSource | undefined;
  /** Nested zips read at most this deep (default 3). */
  maxZipDepth?: number;
  /** The file's name when the source's is a URL that hides it (protocol 0 pickles are recognised by name). */
  nameHint?: string;
}

/**
 * Describes a model file that is not ONNX. Throws {@link ModelError} (`model/unknown-format` for
 * ONNX and unknown bytes). The source is closed when done.
 */
export async function inspectModel(src: ByteSource, opts: ModelInspectOptions = {}): Promise<ModelSummary> {
  try {
    const format = await sniffFormat(src, opts.nameHint ?? src.name);
    switch (format) {
      case 'gguf':
        return await readGguf(src);
      case 'safetensors':
        return await readSafetensors(src);
      case 'safetensors-index':
        return await readSafetensorsIndex(src, opts.openSibling ?? (() => undefined));
      case 'pickle':
        return await readPickleFile(src);
      case 'zip':
        return await readZip(src, 0, opts.maxZipDepth ?? 3);
      default:
        throw new ModelError('model/unknown-format', src.name, 0, format === 'onnx' ? 'an ONNX model (read by the ONNX scanner)' : 'not a model format stachub reads (ONNX, PyTorch, TorchScript, pickle, safetensors, GGUF)');
    }
  } catch (err) {
    throw asModelError(err, src.name);
  } finally {
    await src.close();
  }
}

/**
 * A zip: a PyTorch archive when it holds `data.pkl`, else any zip whose pickles (entries named
 * `.pkl`, `.pickle`, `.joblib` or starting with a pickle `PROTO`) and nested zips are judged.
 */
async function readZip(src: ByteSource, depth: number, maxDepth: number): Promise<ModelSummary> {
  const entries = await readZipDirectory(src);
  if (entries.some((e) => /^([^/]+\/)?data\.pkl$/.test(e.name))) return readTorchZip(src, entries);
  const globals: PickleGlobal[] = [];
  const unreadable: string[] = [];
  let pickles = 0;
  const notes: string[] = [];
  for (const e of entries) {
    if (e.name.endsWith('/')) continue;
    const s = await entrySource(src, e);
    const size = await s.size();
    if (size === 0) continue;
    const head = await s.read(0, 4);
    if (looksLikeZip(head)) {
      if (depth + 1 > maxDepth) {
        unreadable.push(`${e.name}: a zip nested deeper than ${maxDepth}`);
        continue;
      }
      const inner = await readZip(s, depth + 1, maxDepth);
      if (inner.pickleSafety) {
        pickles += inner.pickleSafety.pickles;
        globals.push(...inner.pickleSafety.globals.map((name) => ({ name, opcode: 'GLOBAL' as const, offset: 0 })));
        unreadable.push(...(inner.pickleSafety.unreadable ?? []).map((u) => `${e.name}!/${u}`));
      }
      continue;
    }
    if (/\.(pkl|pickle|joblib)$/i.test(e.name) || head[0] === 0x80) {
      const r = await readPickle(s, 0, size);
      pickles++;
      globals.push(...r.globals);
      if (r.error) unreadable.push(`${e.name}: ${r.error.detail}`);
    }
  }
  if (pickles === 0) notes.push('no pickle in this zip');
  return summarise({
    format: 'zip',
    tensors: [],
    inputs: [],
    outputs: [],
    artifactType: 'zip',
    metadata: { entries: entries.length },
    ...(pickles > 0 || unreadable.length > 0 ? { pickleSafety: pickleSafety(globals, pickles, unreadable) } : {}),
    notes,
  });
}
