/**
 * Pickle safety: loading a pickle imports and calls whatever globals it names, so a pickle is only as
 * safe as its imports. The verdict is an allow-list: a pickle is `safe` when every global it imports
 * is one of {@link SAFE_GLOBALS} (the callables `torch.load(weights_only=True)` needs to rebuild
 * tensors and containers, plus NumPy's array reconstruction); anything else, known-dangerous or just
 * unknown, makes it `unsafe`. A pickle that cannot be read to its end is `unsafe` too: its unread part
 * may import anything.
 */
import type { PickleGlobal } from './pickle.js';
import type { PickleSafety } from './types.js';

const TORCH_DTYPES = [
  'float32', 'float', 'float64', 'double', 'float16', 'half', 'bfloat16', 'complex32', 'complex64', 'complex128', 'cfloat', 'cdouble',
  'uint8', 'int8', 'int16', 'short', 'int32', 'int', 'int64', 'long', 'bool', 'uint16', 'uint32', 'uint64',
  'qint8', 'quint8', 'qint32', 'quint4x2', 'quint2x4', 'float8_e4m3fn', 'float8_e5m2', 'float8_e4m3fnuz', 'float8_e5m2fnuz',
];
const TORCH_STORAGES = [
  'FloatStorage', 'DoubleStorage', 'HalfStorage', 'BFloat16Storage', 'ComplexFloatStorage', 'ComplexDoubleStorage', 'ByteStorage',
  'CharStorage', 'ShortStorage', 'IntStorage', 'LongStorage', 'BoolStorage', 'QInt8Storage', 'QUInt8Storage', 'QInt32Storage',
  'QUInt4x2Storage', 'QUInt2x4Storage', 'UntypedStorage',
];

/**
 * The documented allow-list (docs/models.md#pickle-safety). Each entry rebuilds data and
 * runs no code chosen by the file's author:
 * - `collections.OrderedDict`, `builtins.set/frozenset/bytearray/complex/slice`, `_codecs.encode`
 *   (how protocol 2 writes bytes): plain containers and values;
 * - `torch._utils._rebuild_*` and `torch._tensor._rebuild_from_type_v2`, `torch.nn.parameter.Parameter`,
 *   `torch.Size`, `torch.device`, `torch.serialization._get_layout`, the `torch.<Type>Storage` classes,
 *   `torch.storage.UntypedStorage/TypedStorage`, the dtypes (`torch.float32`...), layouts and
 *   quantization schemes: what `torch.save` writes for tensors, parameters and state dicts;
 * - `numpy.core.multiarray._reconstruct` / `numpy._core.multiarray._reconstruct`, `.scalar`,
 *   `numpy.ndarray`, `numpy.dtype` and `numpy.dtypes.*DType`: NumPy arrays and scalars.
 * Classes that merely hold data but are not listed (`argparse.Namespace`, Lightning's
 * `AttributeDict`) are unknown, hence unsafe: the list stays close to what `weights_only` loading
 * accepts.
 */
export const SAFE_GLOBALS: ReadonlySet<string> = new Set([
  'collections.OrderedDict',
  'builtins.set',
  'builtins.frozenset',
  'builtins.bytearray',
  'builtins.complex',
  'builtins.slice',
  '_codecs.encode',
  'torch._utils._rebuild_tensor',
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_tensor_v3',
  'torch._utils._rebuild_parameter',
  'torch._utils._rebuild_parameter_with_state',
  'torch._utils._rebuild_sparse_tensor',
  'torch._utils._rebuild_nested_tensor',
  'torch._utils._rebuild_meta_tensor_no_storage',
  'torch._utils._rebuild_wrapper_subclass',
  'torch._utils._rebuild_device_tensor_from_cpu_tensor',
  'torch._utils._rebuild_device_tensor_from_numpy',
  'torch._utils._rebuild_qtensor',
  'torch._tensor._rebuild_from_type_v2',
  'torch.nn.parameter.Parameter',
  'torch.Tensor',
  'torch.Size',
  'torch.device',
  'torch.serialization._get_layout',
  'torch.storage.UntypedStorage',
  'torch.storage.TypedStorage',
  'torch.sparse_coo',
  'torch.sparse_csr',
  'torch.strided',
  'torch.per_tensor_affine',
  'torch.per_channel_affine',
  'torch.per_channel_affine_float_qparams',
  ...TORCH_DTYPES.map((d) => `torch.${d}`),
  ...TORCH_STORAGES.map((s) => `torch.${s}`),
  'numpy.core.multiarray._reconstruct',
  'numpy._core.multiarray._reconstruct',
  'numpy.core.multiarray.scalar',
  'numpy._core.multiarray.scalar',
  'numpy.ndarray',
  'numpy.dtype',
]);

/** Globals named in messages as known ways to run code (they are unsafe like any unknown global). */
export const KNOWN_DANGEROUS: ReadonlySet<string> = new Set([
  'os.system', 'posix.system', 'nt.system', 'os.popen', 'os.execv', 'os.execl', 'os.spawnl', 'os.remove', 'os.unlink', 'os.rmdir',
  'subprocess.Popen', 'subprocess.call', 'subprocess.check_call', 'subprocess.check_output', 'subprocess.run', 'subprocess.getoutput',
  'builtins.eval', 'builtins.exec', 'builtins.compile', 'builtins.getattr', 'builtins.setattr', 'builtins.__import__', 'builtins.open',
  'builtins.globals', 'builtins.breakpoint', 'runpy._run_code', 'runpy.run_path', 'runpy.run_module', 'webbrowser.open', 'shutil.rmtree',
  'socket.socket', 'pickle.loads', 'pickle.load', 'marshal.loads', 'types.FunctionType', 'types.CodeType', 'importlib.import_module',
  'pty.spawn', 'code.InteractiveInterpreter', 'timeit.timeit', 'ctypes.CDLL',
]);

/** Modules whose every member can run code or touch the system. */
const DANGEROUS_MODULES = /^(os|posix|nt|subprocess|runpy|webbrowser|shutil|socket|pty|ctypes|importlib|code|commands|sys|marshal|multiprocessing|asyncio|httplib|http|urllib|requests|aiohttp)(\.|$)/;

/** Is this global safe to import here? TorchScript archives also name their own `__torch__` classes. */
export function isSafeGlobal(name: string, context: { torchScript?: boolean } = {}): boolean {
  if (SAFE_GLOBALS.has(name)) return true;
  if (/^numpy\.dtypes\.[A-Za-z0-9]+DType$/.test(name)) return true;
  // TorchScript's own loader resolves these against the archive's compiled code, not Python modules.
  if (context.torchScript && (/^__torch__(\.[A-Za-z_][A-Za-z0-9_]*)+$/.test(name) || /^torch\.jit\._pickle\.[a-z_]+$/.test(name))) return true;
  return false;
}

/** Is this global a known way to run code? */
export function isDangerousGlobal(name: string): boolean {
  return KNOWN_DANGEROUS.has(name) || DANGEROUS_MODULES.test(name) || name.startsWith('<');
}

/** The verdict for the globals of one or more pickles. */
export function pickleSafety(globals: PickleGlobal[], pickles: number, unreadable: string[] = [], context: { torchScript?: boolean } = {}): PickleSafety {
  const names = [...new Set(globals.map((g) => g.name))].sort();
  const unsafeGlobals = names.filter((n) => !isSafeGlobal(n, context));
  return {
    verdict: unsafeGlobals.length === 0 && unreadable.length === 0 ? 'safe' : 'unsafe',
    globals: names,
    unsafeGlobals,
    dangerousGlobals: unsafeGlobals.filter(isDangerousGlobal),
    pickles,
    ...(unreadable.length > 0 ? { unreadable } : {}),
  };
}
