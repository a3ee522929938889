/**
 * A windowed protobuf wire reader over a ByteSource. It keeps a small window of the file in memory,
 * refills it only when a field needs bytes that are not there, and skips a payload by moving its
 * position, so the next refill starts after the payload. Refills of contiguous data double the window
 * (dense metadata costs few reads), and so do refills after skips shorter than the window (small
 * tensors); a refill after a longer skip starts again from the smallest window.
 */
import type { ByteSource } from './byte-source.js';
import { OnnxError, type OnnxErrorCode } from './errors.js';

/** Protobuf wire types (https://protobuf.dev/programming-guides/encoding/). */
export const WIRE = { VARINT: 0, I64: 1, LEN: 2, I32: 5 } as const;

const EMPTY = new Uint8Array(0);
const utf8 = new TextDecoder('utf-8');

export interface WindowOptions {
  /** Smallest read (bytes): the read that follows a skipped payload. */
  minWindow: number;
  /** Largest read (bytes) while parsing contiguous fields. */
  maxWindow: number;
}

export class WireReader {
  private buf: Uint8Array = EMPTY;
  /** File offset of buf[0]. */
  private bufStart = 0;
  /** Index of the next byte in buf. */
  private p = 0;
  private window: number;
  private lastReadEnd = -1;

  constructor(
    readonly source: ByteSource,
    readonly size: number,
    private readonly opts: WindowOptions,
  ) {
    this.window = opts.minWindow;
  }

  get pos(): number {
    return this.bufStart + this.p;
  }

  fail(code: OnnxErrorCode, offset: number | undefined, detail: string): never {
    throw new OnnxError(code, this.source.name, offset, detail);
  }

  /** Bytes available in the window from the current position. */
  avail(): number {
    return this.buf.length - this.p;
  }

  /** Makes min(n, bytes left in the file) bytes available from the current position. */
  async fill(n: number): Promise<void> {
    const avail = this.buf.length - this.p;
    const pos = this.pos;
    const need = Math.min(n, this.size - pos);
    if (avail >= need) return;
    const readAt = pos + avail;
    // Dense metadata (or payloads smaller than the window): grow. After a long skip: start small.
    const gap = readAt - this.lastReadEnd;
    this.window = gap >= 0 && gap <= this.window ? Math.min(this.opts.maxWindow, this.window * 2) : this.opts.minWindow;
    const readLen = Math.min(Math.max(need - avail, this.window), this.size - readAt);
    const chunk = await this.source.read(readAt, readLen);
    if (chunk.length < need - avail) this.fail('onnx/io', readAt + chunk.length, 'the file is shorter than its size (changed while reading?)');
    this.lastReadEnd = readAt + chunk.length;
    if (avail === 0) {
      this.buf = chunk;
    } else {
      const merged = new Uint8Array(avail + chunk.length);
      merged.set(this.buf.subarray(this.p), 0);
      merged.set(chunk, avail);
      this.buf = merged;
    }
    this.bufStart = pos;
    this.p = 0;
  }

  /** The byte at the current position, without consuming it. */
  async peekByte(): Promise<number> {
    await this.fill(1);
    return this.buf[this.p] as number;
  }

  /** Moves to an absolute offset; reads nothing. */
  seek(offset: number): void {
    const rel = offset - this.bufStart;
    if (rel >= 0 && rel <= this.buf.length) {
      this.p = rel;
    } else {
      this.buf = EMPTY;
      this.bufStart = offset;
      this.p = 0;
    }
  }

  /**
   * Decodes a varint already in the window (call fill(10) first) as a JS number, int64 semantics:
   * a 10-byte two's complement value is negative. Values above 2^53 lose precision.
   */
  varint(): number {
    const buf = this.buf;
    const start = this.p;
    const limit = Math.min(buf.length, start + 10);
    let p = start;
    let lo = 0;
    let hi = 0;
    let b = 0;
    for (let i = 0; i < 4; i++) {
      if (p >= limit) return this.varintEnd(start);
      b = buf[p++] as number;
      lo |= (b & 0x7f) << (i * 7);
      if (b < 0x80) {
        this.p = p;
        return lo >>> 0;
      }
    }
    if (p >= limit) return this.varintEnd(start);
    b = buf[p++] as number;
    lo |= (b & 0x7f) << 28;
    hi = (b & 0x7f) >> 4;
    if (b >= 0x80) {
      let i = 0;
      for (; i < 5; i++) {
        if (p >= limit) return this.varintEnd(start);
        b = buf[p++] as number;
        hi |= (b & 0x7f) << (i * 7 + 3);
        if (b < 0x80) break;
      }
      if (i === 5) this.fail('onnx/malformed', this.bufStart + start, 'varint longer than 10 bytes');
    }
    this.p = p;
    lo >>>= 0;
    hi >>>= 0;
    if (hi & 0x80000000) return -((~hi >>> 0) * 0x1_0000_0000 + (~lo >>> 0) + 1);
    return hi * 0x1_0000_0000 + lo;
  }

  private varintEnd(start: number): never {
    const at = this.bufStart + start;
    if (at + this.buf.length - start >= this.size) this.fail('onnx/truncated', at, 'the file ends inside a varint');
    return this.fail('onnx/malformed', at, 'varint longer than 10 bytes');
  }

  /** Reads a UTF-8 string of `len` bytes, keeping at most `cap` bytes of it (the rest is skipped). */
  async string(len: number, cap: number): Promise<string> {
    const keep = Math.min(len, cap);
    if (this.avail() < keep) await this.fill(keep);
    return this.stringInWindow(len, cap);
  }

  /** As {@link string}, when the kept bytes are already in the window. */
  stringInWindow(len: number, cap: number): string {
    const end = this.pos + len;
    const keep = Math.min(len, cap);
    const s = utf8.decode(this.buf.subarray(this.p, this.p + keep));
    this.seek(end);
    return s;
  }
}
