/**
 * A pickle opcode reader that never executes anything. It replays the pickle machine (stack, marks,
 * memo) over symbolic values: a `GLOBAL` becomes a name, a `REDUCE` a record of "this callable with
 * these arguments", and nothing is imported, called or constructed. What comes out is the shape of the
 * object the pickle would build (for a PyTorch state dict: tensor rebuild calls with their storages,
 * sizes and strides) and every global it imports, for the safety verdict.
 *
 * Opcodes and their arguments follow CPython's `Lib/pickletools.py` (protocols 0 to 5).
 */
import type { ByteSource } from '../onnx/byte-source.js';
import { Cursor } from './cursor.js';
import { ModelError } from './errors.js';

/** A value on the symbolic pickle stack. */
export type PValue =
  | { k: 'none' }
  | { k: 'bool'; v: boolean }
  /** `big` holds the exact value of integers past 2^53 (LONG1/LONG4). */
  | { k: 'int'; v: number; big?: bigint }
  | { k: 'float'; v: number }
  | { k: 'str'; v: string; truncated?: boolean }
  | { k: 'bytes'; length: number }
  | { k: 'tuple'; items: PValue[] }
  | { k: 'list'; items: PValue[] }
  | { k: 'dict'; entries: [PValue, PValue][] }
  | { k: 'set'; items: PValue[] }
  | { k: 'global'; module: string; name: string }
  /** `REDUCE`, `NEWOBJ`, `OBJ`, `INST`: a call that would have happened; `state` is what `BUILD` would set. */
  | { k: 'call'; fn: PValue; args: PValue[]; kwargs?: PValue; state?: PValue; entries?: [PValue, PValue][]; items?: PValue[] }
  /** A persistent id (`PERSID`, `BINPERSID`): in PyTorch files, a reference to a storage record. */
  | { k: 'pid'; id: PValue }
  /** `NEXT_BUFFER`, `EXT*` and other values the reader cannot see into. */
  | { k: 'opaque'; what: string };

/** One global a pickle imports, where it was found. */
export interface PickleGlobal {
  /** `module.name` (Python 2 module names mapped as `fix_imports` does: `__builtin__` -> `builtins`). */
  name: string;
  /** The opcode that imported it. */
  opcode: 'GLOBAL' | 'STACK_GLOBAL' | 'INST' | 'EXT';
  offset: number;
}

/** Limits against hostile pickles. */
export interface PickleLimits {
  /** Values created (stack entries, containers, calls) before `model/limit`; default 1,000,000. */
  maxValues?: number;
  /** Opcodes read before `model/limit`; default 20,000,000. */
  maxOps?: number;
  /** Characters of a string kept (longer strings are truncated, their bytes skipped); default 4,096. */
  maxString?: number;
}

/** What reading one pickle gave. */
export interface PickleRead {
  /** The value the pickle would return, when it was read to its `STOP`. */
  root?: PValue;
  globals: PickleGlobal[];
  /** Byte offset past the `STOP` opcode. */
  end: number;
  protocol: number;
  /** Why the pickle could not be read to its end (the globals before that point are still listed). */
  error?: ModelError;
}

const PY2_MODULES: Record<string, string> = { __builtin__: 'builtins', copy_reg: 'copyreg', exceptions: 'builtins', cPickle: 'pickle' };
const NONE: PValue = { k: 'none' };
const decoder = new TextDecoder('utf-8', { fatal: false });
const latin1 = new TextDecoder('latin1');

/**
 * Reads one pickle from `start` in `src`. Format errors are returned in `error` (the verdict still
 * needs the globals found before them); limits and I/O failures are thrown as {@link ModelError}.
 */
export async function readPickle(src: ByteSource, start: number, end: number, limits: PickleLimits = {}): Promise<PickleRead> {
  const maxValues = limits.maxValues ?? 1_000_000;
  const maxOps = limits.maxOps ?? 20_000_000;
  const maxString = limits.maxString ?? 4096;
  const c = new Cursor(src, start, end);
  const globals: PickleGlobal[] = [];
  let stack: PValue[] = [];
  const marks: PValue[][] = [];
  const memo = new Map<number, PValue>();
  let values = 0;
  let protocol = 0;
  let opStart = start;
  const count = (n = 1): void => {
    values += n;
    if (values > maxValues) throw new ModelError('model/limit', src.name, opStart, `more than ${maxValues} pickle values`);
  };
  const bad = (detail: string): ModelError => new ModelError('pickle/malformed', src.name, opStart, detail);
  const pop = (): PValue => {
    const v = stack.pop();
    if (v === undefined) throw bad('pops an empty stack');
    return v;
  };
  const top = (): PValue => {
    const v = stack[stack.length - 1];
    if (v === undefined) throw bad('reads an empty stack');
    return v;
  };
  const popMark = (): PValue[] => {
    const items = stack;
    const prev = marks.pop();
    if (prev === undefined) throw bad('no MARK to pop to');
    stack = prev;
    return items;
  };
  const push = (v: PValue): void => {
    count();
    stack.push(v);
  };
  const addGlobal = (module: string, name: string, opcode: PickleGlobal['opcode']): PValue => {
    const m = PY2_MODULES[module] ?? module;
    globals.push({ name: `${m}.${name}`, opcode, offset: opStart });
    return { k: 'global', module: m, name };
  };
  /** A string field of `n` bytes: kept up to `maxString`, the rest skipped unread. */
  const text = async (n: number, dec: { decode(b: Uint8Array): string } = decoder): Promise<PValue> => {
    if (n > maxString) {
      const head = await c.take(maxString);
      const v = dec.decode(head);
      c.skip(n - maxString);
      return { k: 'str', v, truncated: true };
    }
    return { k: 'str', v: dec.decode(await c.take(n)) };
  };
  const u32 = async (): Promise<number> => {
    const b = await c.take(4);
    return (b[0]! | (b[1]! << 8) | (b[2]! << 16)) + b[3]! * 0x1000000;
  };
  const u64 = async (): Promise<number> => {
    const b = await c.take(8);
    const hi = (b[4]! | (b[5]! << 8) | (b[6]! << 16)) + b[7]! * 0x1000000;
    if (hi >= 0x200000) throw new ModelError('model/limit', src.name, opStart, 'an 8-byte length past 2^53');
    return hi * 0x100000000 + ((b[0]! | (b[1]! << 8) | (b[2]! << 16)) + b[3]! * 0x1000000);
  };
  const lineText = async (): Promise<string> => latin1.decode(await c.line(maxString));
  const memoGet = (i: number): PValue => {
    const v = memo.get(i);
    if (v === undefined) throw bad(`memo key ${i} was never set`);
    return v;
  };
  const memoPut = (i: number): void => {
    if (!memo.has(i)) count();
    memo.set(i, top());
  };
  const setItems = (target: PValue, items: PValue[]): void => {
    if (items.length % 2 !== 0) throw bad('SETITEMS with an odd number of items');
    // dict subclasses (OrderedDict) are rebuilt by a call, then filled with SETITEMS, then BUILD sets attributes.
    const entries = target.k === 'dict' ? target.entries : target.k === 'call' ? (target.entries ??= []) : undefined;
    if (!entries) throw bad(`SETITEM on a ${target.k}`);
    for (let i = 0; i < items.length; i += 2) entries.push([items[i]!, items[i + 1]!]);
  };
  const appendItems = (target: PValue, items: PValue[]): void => {
    if (target.k === 'list' || target.k === 'set') target.items.push(...items);
    else if (target.k === 'call') (target.items ??= []).push(...items);
    else throw bad(`APPEND on a ${target.k}`);
  };

  let ops = 0;
  try {
    for (;;) {
      if (++ops > maxOps) throw new ModelError('model/limit', src.name, c.pos, `more than ${maxOps} pickle opcodes`);
      opStart = c.pos;
      const op = (await c.take(1))[0]!;
      switch (op) {
        case 0x80: // PROTO
          protocol = (await c.take(1))[0]!;
          if (protocol > 5) throw bad(`unsupported pickle protocol ${protocol}`);
          break;
        case 0x95: // FRAME: a length prefix only
          await c.take(8);
          break;
        case 0x2e: // STOP
          if (stack.length !== 1 || marks.length !== 0) throw bad(`STOP with ${stack.length} values on the stack`);
          return { root: stack[0]!, globals, end: c.pos, protocol };
        case 0x28: // MARK
          marks.push(stack);
          stack = [];
          break;
        case 0x30: // POP
          if (stack.length === 0) popMark();
          else pop();
          break;
        case 0x31: // POP_MARK
          popMark();
          break;
        case 0x32: // DUP
          push(top());
          break;
        case 0x4e: // NONE
          push(NONE);
          break;
        case 0x88:
          push({ k: 'bool', v: true });
          break;
        case 0x89:
          push({ k: 'bool', v: false });
          break;
        case 0x4a: {
          // BININT
          const b = await c.take(4);
          push({ k: 'int', v: b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24) });
          break;
        }
        case 0x4b: // BININT1
          push({ k: 'int', v: (await c.take(1))[0]! });
          break;
        case 0x4d: {
          // BININT2
          const b = await c.take(2);
          push({ k: 'int', v: b[0]! | (b[1]! << 8) });
          break;
        }
        case 0x8a: // LONG1
        case 0x8b: {
          // LONG4
          const n = op === 0x8a ? (await c.take(1))[0]! : await u32();
          if (n > 64) {
            c.skip(n);
            push({ k: 'opaque', what: 'long integer' });
          } else {
            const b = await c.take(n);
            push(n > 6 ? { k: 'int', v: Number(bigSigned(b)), big: bigSigned(b) } : { k: 'int', v: littleSigned(b) });
          }
          break;
        }
        case 0x49: {
          // INT (text): "01"/"00" are True/False in protocol 0
          const s = (await lineText()).trim();
          if (s === '01' || s === '00') push({ k: 'bool', v: s === '01' });
          else {
            const v = Number(s);
            if (!/^[-+]?\d+$/.test(s)) throw bad(`INT ${JSON.stringify(s.slice(0, 20))}`);
            push({ k: 'int', v });
          }
          break;
        }
        case 0x4c: {
          // LONG (text, with an optional L)
          const s = (await lineText()).trim().replace(/L$/, '');
          if (!/^[-+]?\d+$/.test(s)) throw bad(`LONG ${JSON.stringify(s.slice(0, 20))}`);
          push({ k: 'int', v: Number(s) });
          break;
        }
        case 0x46: {
          // FLOAT (text)
          const s = (await lineText()).trim();
          const v = Number(s);
          if (Number.isNaN(v) && !/^[-+]?nan$/i.test(s)) throw bad(`FLOAT ${JSON.stringify(s.slice(0, 20))}`);
          push({ k: 'float', v });
          break;
        }
        case 0x47: {
          // BINFLOAT: big-endian double
          const b = await c.take(8);
          push({ k: 'float', v: new DataView(b.buffer, b.byteOffset, 8).getFloat64(0, false) });
          break;
        }
        case 0x53: {
          // STRING: a quoted Python 2 str literal
          const s = (await lineText()).trim();
          if (s.length < 2 || (s[0] !== "'" && s[0] !== '"') || s[s.length - 1] !== s[0]) throw bad('STRING without matching quotes');
          push({ k: 'str', v: s.slice(1, -1) });
          break;
        }
        case 0x56: // UNICODE (raw-unicode-escape line)
          push({ k: 'str', v: await lineText() });
          break;
        case 0x54: // BINSTRING
          push(await text(await u32(), latin1));
          break;
        case 0x55: // SHORT_BINSTRING
          push(await text((await c.take(1))[0]!, latin1));
          break;
        case 0x58: // BINUNICODE
          push(await text(await u32()));
          break;
        case 0x8c: // SHORT_BINUNICODE
          push(await text((await c.take(1))[0]!));
          break;
        case 0x8d: // BINUNICODE8
          push(await text(await u64()));
          break;
        case 0x42: // BINBYTES
        case 0x43: // SHORT_BINBYTES
        case 0x8e: // BINBYTES8
        case 0x96: {
          // BYTEARRAY8: payloads are skipped, only their length is kept
          const n = op === 0x43 ? (await c.take(1))[0]! : op === 0x42 ? await u32() : await u64();
          c.skip(n);
          push({ k: 'bytes', length: n });
          break;
        }
        case 0x97: // NEXT_BUFFER (out-of-band data)
          push({ k: 'opaque', what: 'out-of-band buffer' });
          break;
        case 0x98: // READONLY_BUFFER
          top();
          break;
        case 0x29: // EMPTY_TUPLE
          push({ k: 'tuple', items: [] });
          break;
        case 0x85:
        case 0x86:
        case 0x87: {
          // TUPLE1..3
          const n = op - 0x84;
          if (stack.length < n) throw bad(`TUPLE${n} on a stack of ${stack.length}`);
          push({ k: 'tuple', items: stack.splice(stack.length - n, n) });
          break;
        }
        case 0x74: // TUPLE
          {
            const items = popMark();
            push({ k: 'tuple', items });
          }
          break;
        case 0x5d: // EMPTY_LIST
          push({ k: 'list', items: [] });
          break;
        case 0x6c: {
          // LIST
          const items = popMark();
          push({ k: 'list', items });
          break;
        }
        case 0x7d: // EMPTY_DICT
          push({ k: 'dict', entries: [] });
          break;
        case 0x64: {
          // DICT
          const items = popMark();
          const d: PValue = { k: 'dict', entries: [] };
          setItems(d, items);
          push(d);
          break;
        }
        case 0x8f: // EMPTY_SET
          push({ k: 'set', items: [] });
          break;
        case 0x91: {
          // FROZENSET
          const items = popMark();
          push({ k: 'set', items });
          break;
        }
        case 0x61: {
          // APPEND
          const v = pop();
          appendItems(top(), [v]);
          break;
        }
        case 0x65: // APPENDS
        case 0x90: {
          // ADDITEMS
          const items = popMark();
          appendItems(top(), items);
          break;
        }
        case 0x73: {
          // SETITEM
          const v = pop();
          const key = pop();
          setItems(top(), [key, v]);
          break;
        }
        case 0x75: {
          // SETITEMS
          const items = popMark();
          setItems(top(), items);
          break;
        }
        case 0x63: {
          // GLOBAL "module\nname\n"
          const module = await lineText();
          const name = await lineText();
          push(addGlobal(module, name, 'GLOBAL'));
          break;
        }
        case 0x93: {
          // STACK_GLOBAL: module and name come from the stack (possibly from the memo)
          const name = pop();
          const module = pop();
          if (module.k === 'str' && name.k === 'str') push(addGlobal(module.v, name.v, 'STACK_GLOBAL'));
          else {
            globals.push({ name: `<computed ${describe(module)}.${describe(name)}>`, opcode: 'STACK_GLOBAL', offset: opStart });
            push({ k: 'opaque', what: 'computed global' });
          }
          break;
        }
        case 0x82:
        case 0x83:
        case 0x84: {
          // EXT1/2/4: a global from the copyreg extension registry, unknown here
          const b = await c.take(op === 0x82 ? 1 : op === 0x83 ? 2 : 4);
          const code = op === 0x82 ? b[0]! : op === 0x83 ? b[0]! | (b[1]! << 8) : b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24);
          globals.push({ name: `<copyreg extension ${code}>`, opcode: 'EXT', offset: opStart });
          push({ k: 'opaque', what: `extension ${code}` });
          break;
        }
        case 0x69: {
          // INST "module\nname\n": import and call with the marked items
          const module = await lineText();
          const name = await lineText();
          const args = popMark();
          push({ k: 'call', fn: addGlobal(module, name, 'INST'), args });
          break;
        }
        case 0x6f: {
          // OBJ: class and arguments after the mark
          const items = popMark();
          if (items.length === 0) throw bad('OBJ without a class');
          push({ k: 'call', fn: items[0]!, args: items.slice(1) });
          break;
        }
        case 0x81: {
          // NEWOBJ: cls.__new__(cls, *args)
          const args = pop();
          const cls = pop();
          push({ k: 'call', fn: cls, args: args.k === 'tuple' ? args.items : [args] });
          break;
        }
        case 0x92: {
          // NEWOBJ_EX
          const kwargs = pop();
          const args = pop();
          const cls = pop();
          push({ k: 'call', fn: cls, args: args.k === 'tuple' ? args.items : [args], kwargs });
          break;
        }
        case 0x52: {
          // REDUCE: callable(*args)
          const args = pop();
          const fn = pop();
          push({ k: 'call', fn, args: args.k === 'tuple' ? args.items : [args] });
          break;
        }
        case 0x62: {
          // BUILD: obj.__setstate__(state) or obj.__dict__.update(state)
          const state = pop();
          const obj = top();
          if (obj.k === 'call') obj.state = state;
          break;
        }
        case 0x50: // PERSID
          push({ k: 'pid', id: { k: 'str', v: await lineText() } });
          break;
        case 0x51: // BINPERSID
          push({ k: 'pid', id: pop() });
          break;
        case 0x67: // GET
          push(memoGet(parseIndex(await lineText(), bad)));
          break;
        case 0x68: // BINGET
          push(memoGet((await c.take(1))[0]!));
          break;
        case 0x6a: // LONG_BINGET
          push(memoGet(await u32()));
          break;
        case 0x70: // PUT
          memoPut(parseIndex(await lineText(), bad));
          break;
        case 0x71: // BINPUT
          memoPut((await c.take(1))[0]!);
          break;
        case 0x72: // LONG_BINPUT
          memoPut(await u32());
          break;
        case 0x94: // MEMOIZE
          memoPut(memo.size);
          break;
        default:
          throw bad(`unknown opcode 0x${op.toString(16).padStart(2, '0')}`);
      }
    }
  } catch (err) {
    if (err instanceof ModelError && (err.code === 'pickle/malformed' || err.code === 'model/truncated')) {
      return { globals, end: c.pos, protocol, error: err };
    }
    throw err;
  }
}

function parseIndex(s: string, bad: (d: string) => ModelError): number {
  const t = s.trim();
  if (!/^\d{1,10}$/.test(t)) throw bad(`memo key ${JSON.stringify(t.slice(0, 20))}`);
  return Number(t);
}

/** Two's-complement little-endian integer (LONG1/LONG4); past 2^53 precision is lost, which is fine here. */
function littleSigned(b: Uint8Array): number {
  if (b.length === 0) return 0;
  let v = 0;
  for (let i = b.length - 1; i >= 0; i--) v = v * 256 + b[i]!;
  if (b[b.length - 1]! & 0x80) v -= 2 ** (8 * b.length);
  return v;
}

function bigSigned(b: Uint8Array): bigint {
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
  if (b[b.length - 1]! & 0x80) v -= 1n << BigInt(8 * b.length);
  return v;
}

/** A short text for a value, in messages. */
export function describe(v: PValue): string {
  switch (v.k) {
    case 'str':
      return JSON.stringify(v.v.slice(0, 40));
    case 'global':
      return `${v.module}.${v.name}`;
    case 'call':
      return `${describe(v.fn)}(...)`;
    default:
      return v.k;
  }
}
