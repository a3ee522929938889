/**
 * PyTorch files without `torch.load`: the pickle of a checkpoint is replayed symbolically
 * (pickle.ts) and the tensor rebuild calls `torch.save` writes are recognised by name
 * (`torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)`, whose storage is a
 * persistent id `('storage', torch.FloatStorage, key, location, numel)`). Layouts follow
 * `torch/serialization.py` (`_save`, `_legacy_save`) and `torch/_utils.py`.
 */
import type { ByteSource } from '../onnx/byte-source.js';
import type { ValueInfo } from '../onnx/types.js';
import { ModelError } from './errors.js';
import { readPickle, type PickleGlobal, type PickleLimits, type PValue } from './pickle.js';
import { pickleSafety } from './safety.js';
import type { ModelSummary, TensorGroup, TensorInfo } from './types.js';
import { entrySource, readZipDirectory, type ZipEntry } from './zip.js';
import { summarise } from './summary.js';

/** `torch.<X>Storage` -> data type (MLM names where MLM has one) and bytes per element. */
const STORAGE_DTYPES: Record<string, [string, number]> = {
  FloatStorage: ['float32', 4],
  DoubleStorage: ['float64', 8],
  HalfStorage: ['float16', 2],
  BFloat16Storage: ['bfloat16', 2],
  ComplexFloatStorage: ['cfloat32', 8],
  ComplexDoubleStorage: ['cfloat64', 16],
  ByteStorage: ['uint8', 1],
  CharStorage: ['int8', 1],
  ShortStorage: ['int16', 2],
  IntStorage: ['int32', 4],
  LongStorage: ['int64', 8],
  BoolStorage: ['bool', 1],
  QInt8Storage: ['qint8', 1],
  QUInt8Storage: ['quint8', 1],
  QInt32Storage: ['qint32', 4],
  QUInt4x2Storage: ['quint4x2', 1],
  QUInt2x4Storage: ['quint2x4', 1],
  UntypedStorage: ['uint8', 1],
};

/** `torch.<dtype>` globals (`_rebuild_tensor_v3`, meta tensors) -> our names and widths. */
const TORCH_DTYPES: Record<string, [string, number]> = {
  float32: ['float32', 4], float: ['float32', 4], float64: ['float64', 8], double: ['float64', 8], float16: ['float16', 2], half: ['float16', 2],
  bfloat16: ['bfloat16', 2], complex32: ['cfloat16', 4], complex64: ['cfloat32', 8], cfloat: ['cfloat32', 8], complex128: ['cfloat64', 16],
  cdouble: ['cfloat64', 16], uint8: ['uint8', 1], int8: ['int8', 1], int16: ['int16', 2], short: ['int16', 2], int32: ['int32', 4], int: ['int32', 4],
  int64: ['int64', 8], long: ['int64', 8], bool: ['bool', 1], uint16: ['uint16', 2], uint32: ['uint32', 4], uint64: ['uint64', 8],
  qint8: ['qint8', 1], quint8: ['quint8', 1], qint32: ['qint32', 4], quint4x2: ['quint4x2', 1], quint2x4: ['quint2x4', 1],
  float8_e4m3fn: ['float8e4m3fn', 1], float8_e5m2: ['float8e5m2', 1], float8_e4m3fnuz: ['float8e4m3fnuz', 1], float8_e5m2fnuz: ['float8e5m2fnuz', 1],
};

/** Keys under which checkpoints keep the model's weights (Lightning: `state_dict`). */
const MODEL_KEYS = ['state_dict', 'model_state_dict', 'model', 'module', 'net', 'network'];
const OPTIMIZER_KEY = /optim/i;

interface Storage {
  key: string;
  dataType: string;
  width: number;
  numel: number;
  device: string;
}

interface FoundTensor {
  path: string[];
  /** Joiners between path segments ('/' between containers, '.' between module attributes). */
  seps: string[];
  dataType: string;
  width: number;
  shape: number[];
  storage?: Storage;
}

const str = (v: PValue | undefined): string | undefined => (v?.k === 'str' ? v.v : undefined);
const int = (v: PValue | undefined): number | undefined => (v?.k === 'int' ? v.v : undefined);
const globalName = (v: PValue | undefined): string | undefined => (v?.k === 'global' ? `${v.module}.${v.name}` : undefined);
function ints(v: PValue | undefined): number[] | undefined {
  if (!v || (v.k !== 'tuple' && v.k !== 'list')) {
    // torch.Size((2, 3)) is a call of torch.Size on a tuple
    if (v?.k === 'call' && globalName(v.fn) === 'torch.Size') return ints(v.args[0]);
    return undefined;
  }
  const out: number[] = [];
  for (const x of v.items) {
    if (x.k !== 'int' || x.v < 0) return undefined;
    out.push(x.v);
  }
  return out;
}

/** The storage a persistent id names: `('storage', torch.FloatStorage, '0', 'cpu', 6)`. */
function storageOf(v: PValue | undefined): Storage | undefined {
  if (v?.k !== 'pid' || v.id.k !== 'tuple') return undefined;
  const [tag, type, key, location, numel] = v.id.items;
  if (str(tag) !== 'storage') return undefined;
  const cls = type?.k === 'global' ? type.name : undefined;
  const dt = cls ? STORAGE_DTYPES[cls] : undefined;
  const k = str(key);
  if (!dt || k === undefined) return undefined;
  return { key: k, dataType: dt[0], width: dt[1], numel: int(numel) ?? 0, device: str(location) ?? 'cpu' };
}

/** A tensor, when `v` is one of the rebuild calls `torch.save` writes. */
function tensorOf(v: PValue, depth = 0): Omit<FoundTensor, 'path' | 'seps'> | undefined {
  if (v.k !== 'call' || depth > 4) return undefined;
  const fn = globalName(v.fn);
  const a = v.args;
  switch (fn) {
    case 'torch._utils._rebuild_tensor':
    case 'torch._utils._rebuild_tensor_v2':
    case 'torch._utils._rebuild_qtensor':
    case 'torch._utils._rebuild_tensor_v3': {
      const storage = storageOf(a[0]);
      const shape = ints(a[2]);
      if (!storage || !shape) return undefined;
      let { dataType, width } = storage;
      if (fn === 'torch._utils._rebuild_tensor_v3') {
        const dt = a[6]?.k === 'global' ? TORCH_DTYPES[a[6].name] : undefined;
        if (dt) [dataType, width] = dt;
      }
      return { dataType, width, shape, storage };
    }
    case 'torch._utils._rebuild_parameter':
    case 'torch._utils._rebuild_parameter_with_state':
      return a[0] ? tensorOf(a[0], depth + 1) : undefined;
    case 'torch._tensor._rebuild_from_type_v2': {
      // (func, new_type, args, state): the tensor is func(*args)
      const inner = a[2];
      return a[0] && inner?.k === 'tuple' ? tensorOf({ k: 'call', fn: a[0], args: inner.items }, depth + 1) : undefined;
    }
    case 'torch._utils._rebuild_meta_tensor_no_storage': {
      const dt = a[0]?.k === 'global' ? TORCH_DTYPES[a[0].name] : undefined;
      const shape = ints(a[1]);
      return dt && shape ? { dataType: dt[0], width: dt[1], shape } : undefined;
    }
    case 'torch._utils._rebuild_wrapper_subclass': {
      const dt = a[1]?.k === 'global' ? TORCH_DTYPES[a[1].name] : undefined;
      const shape = ints(a[2]);
      return dt && shape ? { dataType: dt[0], width: dt[1], shape } : undefined;
    }
    default:
      return undefined;
  }
}

/** Module attribute containers that `state_dict()` flattens away. */
const MODULE_SLOTS = new Set(['_modules', '_parameters', '_buffers']);

/**
 * Every tensor reachable from the pickle's root, with its path. Dicts and lists give `/`-joined
 * keys; objects (a whole pickled `nn.Module`, TorchScript modules) give `.`-joined attribute
 * names, as `state_dict()` would. Shared references are visited once per path, cycles never.
 */
function findTensors(root: PValue, file: string, maxVisits = 2_000_000): { tensors: FoundTensor[]; scalars: Record<string, unknown> } {
  const tensors: FoundTensor[] = [];
  const scalars: Record<string, unknown> = {};
  const onPath = new Set<PValue>();
  let visits = 0;
  const walk = (v: PValue, path: string[], seps: string[], inObject: boolean): void => {
    if (path.length > 64 || onPath.has(v)) return;
    // Memo references make a DAG: a few bytes can name 2^40 paths ("billion laughs"). Bounded here.
    if (++visits > maxVisits) throw new ModelError('model/limit', file, undefined, `more than ${maxVisits} values reachable in the pickle (shared references)`);
    const t = tensorOf(v);
    if (t) {
      tensors.push({ ...t, path, seps });
      return;
    }
    onPath.add(v);
    const sep = inObject ? '.' : '/';
    const entries = (es: [PValue, PValue][], obj: boolean): void => {
      for (const [k, val] of es) {
        const key = k.k === 'str' ? k.v : k.k === 'int' ? String(k.v) : undefined;
        if (key === undefined) continue;
        if (obj && MODULE_SLOTS.has(key)) walk(val, path, seps, true);
        else {
          if (path.length === 0 && (val.k === 'int' || val.k === 'float' || val.k === 'str' || val.k === 'bool') && !(val.k === 'str' && val.truncated)) {
            scalars[key] = val.v;
          }
          walk(val, [...path, key], path.length === 0 ? seps : [...seps, obj ? '.' : sep], obj);
        }
      }
    };
    switch (v.k) {
      case 'dict':
        entries(v.entries, inObject && false);
        break;
      case 'list':
      case 'tuple':
      case 'set':
        v.items.forEach((x, i) => walk(x, [...path, String(i)], path.length === 0 ? seps : [...seps, '/'], false));
        break;
      case 'call': {
        const fn = globalName(v.fn);
        if (v.entries) entries(v.entries, false); // OrderedDict and dict subclasses
        if (v.items) v.items.forEach((x, i) => walk(x, [...path, String(i)], path.length === 0 ? seps : [...seps, '/'], false));
        if (fn !== 'collections.OrderedDict' && v.state) {
          // An object's attributes (BUILD state): module attributes, joined like state_dict keys.
          const st = v.state.k === 'tuple' ? v.state.items[0] : v.state; // (dict, slots) states
          if (st?.k === 'dict') entries(st.entries, true);
        }
        break;
      }
      default:
        break;
    }
    onPath.delete(v);
  };
  walk(root, [], [], false);
  return { tensors, scalars };
}

function joinPath(t: FoundTensor): string {
  let s = t.path[0] ?? '';
  for (let i = 1; i < t.path.length; i++) s += (t.seps[i - 1] ?? '/') + t.path[i];
  return s;
}

/** Which part of a checkpoint each top-level key holds: the weights, the optimizer, or other state. */
function groupOf(found: FoundTensor[]): (t: FoundTensor) => TensorGroup {
  const tops = new Set(found.filter((t) => t.path.length > 1).map((t) => t.path[0]!));
  const modelKey = MODEL_KEYS.find((k) => tops.has(k));
  return (t) => {
    const top = t.path.length > 1 ? t.path[0]! : undefined;
    if (top !== undefined && OPTIMIZER_KEY.test(top)) return 'optimizer';
    if (modelKey === undefined) return 'model';
    return top === modelKey ? 'model' : 'other';
  };
}

/** Turns the tensors of one pickle into `TensorInfo`s (storage bytes from the archive when known). */
export function tensorInfos(root: PValue, storageBytes: (key: string) => number | undefined, file = '<pickle>'): { tensors: TensorInfo[]; scalars: Record<string, unknown> } {
  const { tensors: found, scalars } = findTensors(root, file);
  const group = groupOf(found);
  const tensors = found.map((t): TensorInfo => {
    const elements = t.shape.reduce((a, b) => a * b, 1);
    const bytes = t.storage ? (storageBytes(t.storage.key) ?? t.storage.numel * t.storage.width) : elements * t.width;
    return {
      name: joinPath(t),
      dataType: t.dataType,
      shape: t.shape,
      elements,
      bytes,
      group: group(t),
      ...(t.storage ? { storage: t.storage.key, device: t.storage.device } : {}),
    };
  });
  return { tensors, scalars };
}

/** Lightning records its version; `pytorch-lightning_version` in checkpoints since 1.0. */
function frameworkOf(scalars: Record<string, unknown>): { framework: string; frameworkVersion?: string } {
  const v = scalars['pytorch-lightning_version'] ?? scalars['lightning_version'];
  if (typeof v === 'string') return { framework: 'PyTorch Lightning', frameworkVersion: v };
  return { framework: 'PyTorch' };
}

/** Options of the PyTorch readers. */
export interface PytorchOptions extends PickleLimits {
  /** Bytes of a compressed pickle entry inflated at most (default 64 MiB). */
  maxInflated?: number;
}

/** A `torch.save` (or `torch.jit.save`) zip archive. */
export async function readTorchZip(src: ByteSource, entries: ZipEntry[], opts: PytorchOptions = {}): Promise<ModelSummary> {
  const byName = new Map(entries.map((e) => [e.name, e]));
  const dataPkl = entries.find((e) => /^[^/]+\/data\.pkl$/.test(e.name) || e.name === 'data.pkl');
  if (!dataPkl) throw new ModelError('zip/malformed', src.name, undefined, 'no data.pkl: not a PyTorch archive');
  const prefix = dataPkl.name.slice(0, dataPkl.name.length - 'data.pkl'.length);
  const torchScript = entries.some((e) => e.name === `${prefix}constants.pkl` || e.name.startsWith(`${prefix}code/`));
  const globals: PickleGlobal[] = [];
  const unreadable: string[] = [];
  let pickles = 0;
  let root: PValue | undefined;
  // Every pickle of the archive is judged; data.pkl also gives the tensors.
  const pkls = entries.filter((e) => e.name.startsWith(prefix) && /\.pkl$/.test(e.name) && !e.name.startsWith(`${prefix}data/`));
  for (const e of pkls) {
    const s = await entrySource(src, e, opts.maxInflated);
    const r = await readPickle(s, 0, await s.size(), opts);
    pickles++;
    globals.push(...r.globals);
    if (r.error) unreadable.push(`${e.name}: ${r.error.detail}`);
    if (e === dataPkl) root = r.root;
  }
  const storageBytes = (key: string): number | undefined => byName.get(`${prefix}data/${key}`)?.size;
  const { tensors, scalars } = root ? tensorInfos(root, storageBytes, src.name) : { tensors: [], scalars: {} };
  const notes: string[] = [];
  if (!root) notes.push('data.pkl could not be read to its end: no tensors listed');
  let inputs: ValueInfo[] = [];
  let outputs: ValueInfo[] = [];
  const files: string[] = [];
  if (torchScript && root?.k === 'call' && root.fn.k === 'global') {
    const sig = await torchScriptSignature(src, byName, prefix, root.fn.module, root.fn.name);
    if (sig) {
      inputs = sig.inputs;
      outputs = sig.outputs;
      files.push(sig.file);
    }
  }
  const fw = torchScript ? { framework: 'PyTorch' } : frameworkOf(scalars);
  const version = byName.get(`${prefix}version`) ?? byName.get(`${prefix}.data/version`);
  const metadata: Record<string, unknown> = { ...scalarsOnly(scalars) };
  if (version && version.size <= 16) {
    const s = await entrySource(src, version);
    metadata.serializationVersion = new TextDecoder().decode(await s.read(0, version.size)).trim();
  }
  return summarise({
    format: torchScript ? 'torchscript' : 'pytorch',
    tensors,
    inputs,
    outputs,
    ...fw,
    artifactType: torchScript ? 'torch.jit.save' : 'torch.save',
    metadata,
    pickleSafety: pickleSafety(globals, pickles, unreadable, { torchScript }),
    ...(files.length ? { files } : {}),
    notes,
  });
}

function scalarsOnly(s: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) if (k !== '__proto__' && Object.keys(out).length < 50) out[k] = v;
  return out;
}

/**
 * The `forward` signature of a TorchScript module, from the Python-like source the archive keeps
 * in `code/<module path>.py` (`def forward(self: __torch__.Net, x: Tensor) -> Tensor:`). Tensor
 * arguments become tensor inputs of unknown shape; the archive records no shapes.
 */
async function torchScriptSignature(
  src: ByteSource,
  byName: Map<string, ZipEntry>,
  prefix: string,
  module: string,
  cls: string,
): Promise<{ inputs: ValueInfo[]; outputs: ValueInfo[]; file: string } | undefined> {
  const file = `${prefix}code/${module.split('.').join('/')}.py`;
  const e = byName.get(file);
  if (!e || e.size > 4 * 1024 * 1024) return undefined;
  const s = await entrySource(src, e);
  const code = new TextDecoder().decode(await s.read(0, e.size));
  const start = code.search(new RegExp(`^class ${cls.replace(/[^A-Za-z0-9_]/g, '')}\\(`, 'm'));
  if (start < 0) return undefined;
  const rest = code.slice(start);
  const next = rest.slice(1).search(/^class /m);
  const body = next < 0 ? rest : rest.slice(0, next + 1);
  const m = /def forward\(\s*self(?::[^,)]*)?\s*,?([\s\S]*?)\)\s*->\s*([^:]+):/.exec(body);
  if (!m) return undefined;
  const valueOf = (name: string, type: string): ValueInfo =>
    /^Tensor$/.test(type.trim()) ? { name, type: 'tensor', shape: null } : { name, type: 'unknown' };
  const inputs = splitTop(m[1]!)
    .map((p) => /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*:\s*([^=]+?)\s*(=.*)?$/.exec(p))
    .filter((x): x is RegExpExecArray => x !== null)
    .map((x) => valueOf(x[1]!, x[2]!));
  const ret = m[2]!.trim();
  const tuple = /^Tuple\[(.*)\]$/.exec(ret);
  const outputs = tuple ? splitTop(tuple[1]!).map((t, i) => valueOf(`output_${i}`, t)) : ret === 'NoneType' ? [] : [valueOf('output', ret)];
  return { inputs, outputs, file: file.slice(prefix.length) };
}

/** Splits `a: Tensor, b: Dict[str, int]` on the commas outside brackets. */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '[' || ch === '(') depth++;
    if (ch === ']' || ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      if (cur.trim()) out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur);
  return out;
}

/** The magic number `torch.save` wrote first before 1.6 (`MAGIC_NUMBER` in torch/serialization.py). */
const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

/**
 * A pickle file: consecutive pickles are read (a legacy `torch.save` file is five of them, then raw
 * storages), each one judged. A legacy PyTorch file is recognised by its magic number and described
 * by size only; its pickles still get the safety verdict.
 */
export async function readPickleFile(src: ByteSource, opts: PickleLimits = {}): Promise<ModelSummary> {
  const size = await src.size();
  const globals: PickleGlobal[] = [];
  const unreadable: string[] = [];
  let pos = 0;
  let pickles = 0;
  let legacy = false;
  const first = await readPickle(src, 0, size, opts);
  pickles++;
  globals.push(...first.globals);
  if (first.error) unreadable.push(`pickle 1: ${first.error.detail}`);
  if (first.root?.k === 'int' && first.root.big === LEGACY_MAGIC) legacy = true;
  let objects: PValue | undefined;
  pos = first.end;
  // Following pickles: a legacy checkpoint has four more (protocol, sys_info, objects, storage keys).
  const maxPickles = legacy ? 5 : 8;
  while (!first.error && pickles < maxPickles && pos < size) {
    const head = await src.read(pos, 1);
    if (head[0] !== 0x80) break;
    const r = await readPickle(src, pos, size, opts);
    pickles++;
    globals.push(...r.globals);
    if (r.error) {
      unreadable.push(`pickle ${pickles}: ${r.error.detail}`);
      break;
    }
    if (legacy && pickles === 4) objects = r.root;
    pos = r.end;
  }
  // Legacy persistent ids start like the zip format's: ('storage', type, key, location, numel, view).
  const { tensors, scalars } = objects ? tensorInfos(objects, () => undefined, src.name) : { tensors: [], scalars: {} };
  return summarise({
    format: legacy ? 'pytorch-legacy' : 'pickle',
    tensors,
    inputs: [],
    outputs: [],
    ...(legacy ? frameworkOf(scalars) : {}),
    artifactType: legacy ? 'torch.save' : 'pickle',
    metadata: scalarsOnly(scalars),
    pickleSafety: pickleSafety(globals, pickles, unreadable),
    notes: legacy ? ['PyTorch checkpoint in the format used before 1.6 (pickles, then raw storages)'] : [],
  });
}
