/**
 * The values of the symbolic pickle machine, the readers of opcode arguments (pickletools' argument
 * descriptors: fixed-size integers, length-prefixed strings, text lines), and the opcodes that push
 * plain data (none, booleans, integers, floats, strings, bytes). Payloads past the kept length are
 * skipped unread.
 *
 * Opcodes and their arguments follow CPython's `Lib/pickletools.py` (protocols 0 to 5).
 */
import type { Cursor } from './cursor.js';
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

const NONE: PValue = { k: 'none' };
const decoder = new TextDecoder('utf-8', { fatal: false });
const latin1 = new TextDecoder('latin1');

/** The arguments of the opcode being read, from the pickle's bytes. */
export class PickleArgs {
  /** Offset of the opcode being read: errors and globals name it. */
  opStart: number;

  constructor(
    readonly c: Cursor,
    private readonly maxString: number,
  ) {
    this.opStart = c.pos;
  }

  /** A `pickle/malformed` error at the current opcode. */
  bad(detail: string): ModelError {
    return new ModelError('pickle/malformed', this.c.src.name, this.opStart, detail);
  }

  async u8(): Promise<number> {
    return (await this.c.take(1))[0]!;
  }

  async u32(): Promise<number> {
    const b = await this.c.take(4);
    return (b[0]! | (b[1]! << 8) | (b[2]! << 16)) + b[3]! * 0x1000000;
  }

  async u64(): Promise<number> {
    const b = await this.c.take(8);
    const hi = (b[4]! | (b[5]! << 8) | (b[6]! << 16)) + b[7]! * 0x1000000;
    if (hi >= 0x200000) throw new ModelError('model/limit', this.c.src.name, this.opStart, 'an 8-byte length past 2^53');
    return hi * 0x100000000 + ((b[0]! | (b[1]! << 8) | (b[2]! << 16)) + b[3]! * 0x1000000);
  }

  /** A string field of `n` bytes: kept up to `maxString`, the rest skipped unread. */
  async text(n: number, dec: { decode(b: Uint8Array): string } = decoder): Promise<PValue> {
    if (n > this.maxString) {
      const head = await this.c.take(this.maxString);
      const v = dec.decode(head);
      this.c.skip(n - this.maxString);
      return { k: 'str', v, truncated: true };
    }
    return { k: 'str', v: dec.decode(await this.c.take(n)) };
  }

  /** A text line argument (protocol 0), as latin-1. */
  async line(): Promise<string> {
    return latin1.decode(await this.c.line(this.maxString));
  }
}

/** The value a data opcode pushes, its arguments read from `a`; any other opcode is unknown. */
export async function readData(op: number, a: PickleArgs): Promise<PValue> {
  const c = a.c;
  switch (op) {
    case 0x4e: // NONE
      return NONE;
    case 0x88:
      return { k: 'bool', v: true };
    case 0x89:
      return { k: 'bool', v: false };
    case 0x4a: {
      // BININT
      const b = await c.take(4);
      return { k: 'int', v: b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24) };
    }
    case 0x4b: // BININT1
      return { k: 'int', v: await a.u8() };
    case 0x4d: {
      // BININT2
      const b = await c.take(2);
      return { k: 'int', v: b[0]! | (b[1]! << 8) };
    }
    case 0x8a: // LONG1
    case 0x8b: {
      // LONG4
      const n = op === 0x8a ? await a.u8() : await a.u32();
      if (n > 64) {
        c.skip(n);
        return { k: 'opaque', what: 'long integer' };
      }
      const b = await c.take(n);
      return n > 6 ? { k: 'int', v: Number(bigSigned(b)), big: bigSigned(b) } : { k: 'int', v: littleSigned(b) };
    }
    case 0x49: {
      // INT (text): "01"/"00" are True/False in protocol 0
      const s = (await a.line()).trim();
      if (s === '01' || s === '00') return { k: 'bool', v: s === '01' };
      const v = Number(s);
      if (!/^[-+]?\d+$/.test(s)) throw a.bad(`INT ${JSON.stringify(s.slice(0, 20))}`);
      return { k: 'int', v };
    }
    case 0x4c: {
      // LONG (text, with an optional L)
      const s = (await a.line()).trim().replace(/L$/, '');
      if (!/^[-+]?\d+$/.test(s)) throw a.bad(`LONG ${JSON.stringify(s.slice(0, 20))}`);
      return { k: 'int', v: Number(s) };
    }
    case 0x46: {
      // FLOAT (text)
      const s = (await a.line()).trim();
      const v = Number(s);
      if (Number.isNaN(v) && !/^[-+]?nan$/i.test(s)) throw a.bad(`FLOAT ${JSON.stringify(s.slice(0, 20))}`);
      return { k: 'float', v };
    }
    case 0x47: {
      // BINFLOAT: big-endian double
      const b = await c.take(8);
      return { k: 'float', v: new DataView(b.buffer, b.byteOffset, 8).getFloat64(0, false) };
    }
    case 0x53: {
      // STRING: a quoted Python 2 str literal
      const s = (await a.line()).trim();
      if (s.length < 2 || (s[0] !== "'" && s[0] !== '"') || s[s.length - 1] !== s[0]) throw a.bad('STRING without matching quotes');
      return { k: 'str', v: s.slice(1, -1) };
    }
    case 0x56: // UNICODE (raw-unicode-escape line)
      return { k: 'str', v: await a.line() };
    case 0x54: // BINSTRING
      return a.text(await a.u32(), latin1);
    case 0x55: // SHORT_BINSTRING
      return a.text(await a.u8(), latin1);
    case 0x58: // BINUNICODE
      return a.text(await a.u32());
    case 0x8c: // SHORT_BINUNICODE
      return a.text(await a.u8());
    case 0x8d: // BINUNICODE8
      return a.text(await a.u64());
    case 0x42: // BINBYTES
    case 0x43: // SHORT_BINBYTES
    case 0x8e: // BINBYTES8
    case 0x96: {
      // BYTEARRAY8: payloads are skipped, only their length is kept
      const n = op === 0x43 ? await a.u8() : op === 0x42 ? await a.u32() : await a.u64();
      c.skip(n);
      return { k: 'bytes', length: n };
    }
    default:
      throw a.bad(`unknown opcode 0x${op.toString(16).padStart(2, '0')}`);
  }
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
