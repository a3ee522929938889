/**
 * A pickle opcode reader that never executes anything. It replays the pickle machine (stack, marks,
 * memo) over symbolic values: a `GLOBAL` becomes a name, a `REDUCE` a record of "this callable with
 * these arguments", and nothing is imported, called or constructed. What comes out is the shape of the
 * object the pickle would build (for a PyTorch state dict: tensor rebuild calls with their storages,
 * sizes and strides) and every global it imports, for the safety verdict.
 *
 * This file runs the machine (stack, marks, memo, containers, globals, calls); `pickle-data.ts`
 * reads opcode arguments and the opcodes that push plain data. Opcodes and their arguments follow
 * CPython's `Lib/pickletools.py` (protocols 0 to 5).
 */
import type { ByteSource } from '../onnx/byte-source.js';
import { Cursor } from './cursor.js';
import { ModelError } from './errors.js';
import { describe, PickleArgs, readData, type PValue } from './pickle-data.js';

export { describe, type PValue };

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

/**
 * Reads one pickle from `start` in `src`. Format errors are returned in `error` (the verdict still
 * needs the globals found before them); limits and I/O failures are thrown as {@link ModelError}.
 */
export async function readPickle(src: ByteSource, start: number, end: number, limits: PickleLimits = {}): Promise<PickleRead> {
  const maxValues = limits.maxValues ?? 1_000_000;
  const maxOps = limits.maxOps ?? 20_000_000;
  const maxString = limits.maxString ?? 4096;
  const c = new Cursor(src, start, end);
  const a = new PickleArgs(c, maxString);
  const globals: PickleGlobal[] = [];
  let stack: PValue[] = [];
  const marks: PValue[][] = [];
  const memo = new Map<number, PValue>();
  let values = 0;
  let protocol = 0;
  const count = (n = 1): void => {
    values += n;
    if (values > maxValues) throw new ModelError('model/limit', src.name, a.opStart, `more than ${maxValues} pickle values`);
  };
  const bad = (detail: string): ModelError => a.bad(detail);
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
    globals.push({ name: `${m}.${name}`, opcode, offset: a.opStart });
    return { k: 'global', module: m, name };
  };
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
      a.opStart = c.pos;
      const op = await a.u8();
      switch (op) {
        case 0x80: // PROTO
          protocol = await a.u8();
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
          const module = await a.line();
          const name = await a.line();
          push(addGlobal(module, name, 'GLOBAL'));
          break;
        }
        case 0x93: {
          // STACK_GLOBAL: module and name come from the stack (possibly from the memo)
          const name = pop();
          const module = pop();
          if (module.k === 'str' && name.k === 'str') push(addGlobal(module.v, name.v, 'STACK_GLOBAL'));
          else {
            globals.push({ name: `<computed ${describe(module)}.${describe(name)}>`, opcode: 'STACK_GLOBAL', offset: a.opStart });
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
          globals.push({ name: `<copyreg extension ${code}>`, opcode: 'EXT', offset: a.opStart });
          push({ k: 'opaque', what: `extension ${code}` });
          break;
        }
        case 0x69: {
          // INST "module\nname\n": import and call with the marked items
          const module = await a.line();
          const name = await a.line();
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
          push({ k: 'pid', id: { k: 'str', v: await a.line() } });
          break;
        case 0x51: // BINPERSID
          push({ k: 'pid', id: pop() });
          break;
        case 0x67: // GET
          push(memoGet(parseIndex(await a.line(), bad)));
          break;
        case 0x68: // BINGET
          push(memoGet(await a.u8()));
          break;
        case 0x6a: // LONG_BINGET
          push(memoGet(await a.u32()));
          break;
        case 0x70: // PUT
          memoPut(parseIndex(await a.line(), bad));
          break;
        case 0x71: // BINPUT
          memoPut(await a.u8());
          break;
        case 0x72: // LONG_BINPUT
          memoPut(await a.u32());
          break;
        case 0x94: // MEMOIZE
          memoPut(memo.size);
          break;
        default:
          // Plain data (none, booleans, numbers, strings, bytes), or an unknown opcode.
          push(await readData(op, a));
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
