/**
 * The field walk the ONNX scanner is built on: iterates the fields of a protobuf message over the
 * windowed wire reader, checks wire types, reads strings and key/value entries, and keeps the limits
 * that hold hostile files in bounded time and memory (field budget, list lengths, string sizes).
 * It knows protobuf, not ONNX: the messages are walked by `scan.ts`, `tensor.ts` and `value-info.ts`.
 */
import { F } from './fields.js';
import { WIRE, type WireReader } from './wire.js';

/** Limits that keep hostile files in bounded time and memory. */
export interface ScanOptions {
  /** Smallest read after a skipped payload (default 4 KiB; HTTP sources use 16 KiB). */
  minWindow?: number;
  /** Largest read while parsing contiguous fields (default 256 KiB; HTTP sources use 1 MiB). */
  maxWindow?: number;
  /** Longest string kept; longer ones are cut (default 64 KiB). */
  maxStringBytes?: number;
  /** Deepest nesting of graphs in node attributes, and of types (default 64). */
  maxDepth?: number;
  /** Most entries kept in any one list (inputs, dims, metadata, initializer names...; default 1,000,000). */
  maxListItems?: number;
  /**
   * Most protobuf fields visited in the whole model (default 50,000,000: real models with 100,000
   * nodes have a few million; a hostile file of empty messages is stopped after a few seconds).
   */
  maxFields?: number;
}

/** Called for each field: its number, wire type, value (VARINT) or length (LEN), and tag offset. */
export type FieldFn = (field: number, wt: number, v: number, tagPos: number) => void | Promise<void>;

/** LEN fields up to this size are brought into the window before their handler runs. */
const PREFETCH = 4096;

/** Walks protobuf messages over a {@link WireReader}, within the scan's limits. */
export class FieldWalker {
  private readonly cap: number;
  readonly maxDepth: number;
  private readonly maxItems: number;
  private fieldBudget: number;

  constructor(
    readonly r: WireReader,
    opts: ScanOptions,
  ) {
    this.cap = opts.maxStringBytes ?? 64 * 1024;
    this.maxDepth = opts.maxDepth ?? 64;
    this.maxItems = opts.maxListItems ?? 1_000_000;
    this.fieldBudget = opts.maxFields ?? 50_000_000;
  }

  /** Iterates the fields of a message ending at `end`; the reader is moved past each field after `fn`. */
  async fields(end: number, fn: FieldFn): Promise<void> {
    const r = this.r;
    while (r.pos < end) {
      if (r.avail() < 20) await r.fill(20);
      const tagPos = r.pos;
      if (--this.fieldBudget < 0) r.fail('onnx/limit', tagPos, 'more protobuf fields than the scan allows (maxFields)');
      const tag = r.varint();
      if (tag < 8 || tag > 0xffffffff) r.fail('onnx/malformed', tagPos, `invalid field tag ${tag}`);
      const field = tag >>> 3;
      const wt = tag & 7;
      let v = 0;
      let next = 0;
      switch (wt) {
        case WIRE.VARINT:
          v = r.varint();
          next = r.pos;
          break;
        case WIRE.LEN:
          v = r.varint();
          if (v < 0) r.fail('onnx/malformed', tagPos, `negative length ${v} for field ${field}`);
          next = r.pos + v;
          break;
        case WIRE.I64:
          next = r.pos + 8;
          break;
        case WIRE.I32:
          next = r.pos + 4;
          break;
        default:
          r.fail('onnx/malformed', tagPos, `invalid wire type ${wt} for field ${field}`);
      }
      if (next > end) {
        if (next > r.size) {
          r.fail('onnx/truncated', tagPos, `field ${field} needs ${next - tagPos} bytes but the file ends at byte ${r.size}`);
        }
        r.fail('onnx/malformed', tagPos, `field ${field} runs past the end of its enclosing message (byte ${end})`);
      }
      // Small sub-messages and strings come whole into the window: their fields parse without refills.
      if (wt === WIRE.LEN && v <= PREFETCH && r.avail() < v) await r.fill(v);
      const ret = fn(field, wt, v, tagPos);
      if (ret) await ret;
      r.seek(next);
    }
  }

  /** Fails with `onnx/malformed` unless the field has the wire type its schema gives it. */
  want(wt: number, expected: number, what: string, tagPos: number): void {
    if (wt !== expected) this.r.fail('onnx/malformed', tagPos, `${what}: wire type ${wt}, expected ${expected}`);
  }

  /** A string field, cut at `maxStringBytes`. */
  str(wt: number, len: number, what: string, tagPos: number): Promise<string> {
    this.want(wt, WIRE.LEN, what, tagPos);
    return this.r.string(len, this.cap);
  }

  /**
   * A string field, set through `set`: synchronously when its bytes are already in the window (the
   * usual case: small fields are prefetched), so hot handlers need no promise.
   */
  text(wt: number, len: number, what: string, tagPos: number, set: (s: string) => void): void | Promise<void> {
    this.want(wt, WIRE.LEN, what, tagPos);
    const keep = Math.min(len, this.cap);
    if (this.r.avail() >= keep) {
      set(this.r.stringInWindow(len, this.cap));
      return undefined;
    }
    return this.r.fill(keep).then(() => set(this.r.stringInWindow(len, this.cap)));
  }

  /** Fails with `onnx/limit` when a list already holds `maxListItems` entries. */
  count(n: number, what: string, tagPos: number): void {
    if (n >= this.maxItems) this.r.fail('onnx/limit', tagPos, `more than ${this.maxItems} ${what}`);
  }

  /** A StringStringEntryProto into a Map (keys come from the file: never plain-object keys). */
  async entry(len: number, into: Map<string, string>, what: string, tagPos: number): Promise<void> {
    let key = '';
    let value = '';
    await this.fields(this.r.pos + len, async (f, wt, v, at) => {
      if (f === F.StringStringEntry.key) key = await this.str(wt, v, `${what}.key`, at);
      else if (f === F.StringStringEntry.value) value = await this.str(wt, v, `${what}.value`, at);
    });
    if (!into.has(key)) this.count(into.size, what, tagPos);
    into.set(key, value);
  }

  /** Packed varints (a LEN field) appended to `into`, each counted against the list limit. */
  async packedVarints(end: number, into: number[], tagPos: number): Promise<void> {
    const r = this.r;
    while (r.pos < end) {
      if (r.avail() < 10) await r.fill(10);
      this.count(into.length, 'tensor dims', tagPos);
      into.push(r.varint());
    }
    if (r.pos > end) r.fail('onnx/malformed', tagPos, 'packed varints run past their field');
  }
}
