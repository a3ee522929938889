/**
 * Sequential reads over a byte source with a sliding window: formats whose headers are a stream of
 * variable-length records (pickles, GGUF) are read front to back, skipping large payloads without
 * fetching them, so memory stays at one window whatever the file size.
 */
import type { ByteSource } from '../onnx/byte-source.js';
import { ModelError } from './errors.js';

export class Cursor {
  private buf: Uint8Array = new Uint8Array(0);
  private bufStart = 0;
  /** Absolute offset of the next byte. */
  pos: number;

  /**
   * @param src the bytes
   * @param start first offset to read
   * @param end offset past the last readable byte
   * @param window bytes fetched at a time
   */
  constructor(
    readonly src: ByteSource,
    start: number,
    readonly end: number,
    private readonly window = 64 * 1024,
  ) {
    this.pos = start;
  }

  remaining(): number {
    return this.end - this.pos;
  }

  /** `n` bytes from the current position (a view, valid until the next call), advancing past them. */
  async take(n: number): Promise<Uint8Array> {
    if (n > this.end - this.pos) throw new ModelError('model/truncated', this.src.name, this.pos, `needs ${n} bytes, ${this.end - this.pos} left`);
    const rel = this.pos - this.bufStart;
    if (rel < 0 || rel + n > this.buf.length) {
      const want = Math.min(Math.max(this.window, n), this.end - this.pos);
      this.buf = await this.src.read(this.pos, want);
      this.bufStart = this.pos;
      if (this.buf.length < n) throw new ModelError('model/truncated', this.src.name, this.pos, `needs ${n} bytes, the source gave ${this.buf.length}`);
    }
    const at = this.pos - this.bufStart;
    this.pos += n;
    return this.buf.subarray(at, at + n);
  }

  /** Moves past `n` bytes without reading them. */
  skip(n: number): void {
    if (n > this.end - this.pos || n < 0) throw new ModelError('model/truncated', this.src.name, this.pos, `a ${n}-byte field runs past the end`);
    this.pos += n;
  }

  /** Bytes up to the next `\n` (excluded), at most `max` of them. */
  async line(max: number): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      if (this.pos >= this.end) throw new ModelError('model/truncated', this.src.name, this.pos, 'a text line runs past the end');
      let rel = this.pos - this.bufStart;
      if (rel < 0 || rel >= this.buf.length) {
        this.buf = await this.src.read(this.pos, Math.min(this.window, this.end - this.pos));
        this.bufStart = this.pos;
        rel = 0;
        if (this.buf.length === 0) throw new ModelError('model/truncated', this.src.name, this.pos, 'a text line runs past the end');
      }
      const nl = this.buf.indexOf(10, rel);
      const stop = nl === -1 ? this.buf.length : nl;
      const chunk = this.buf.subarray(rel, stop);
      total += chunk.length;
      if (total > max) throw new ModelError('model/limit', this.src.name, this.pos, `a text line longer than ${max} bytes`);
      parts.push(chunk.slice());
      this.pos += chunk.length;
      if (nl !== -1) {
        this.pos += 1;
        break;
      }
    }
    if (parts.length === 1) return parts[0]!;
    const out = new Uint8Array(total);
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}

/** A window of another source (a zip entry stored uncompressed), without copying it. */
export function sliceSource(src: ByteSource, start: number, length: number, name: string): ByteSource {
  const stats = { reads: 0, bytesRead: 0 };
  return {
    name,
    stats,
    size: async () => length,
    async read(offset, n) {
      const end = Math.min(length, offset + n);
      if (end <= offset) return new Uint8Array(0);
      stats.reads++;
      const out = await src.read(start + offset, end - offset);
      stats.bytesRead += out.length;
      return out;
    },
    close: async () => undefined,
  };
}

/** Little-endian readers on a byte view. */
export const le = {
  u16: (b: Uint8Array, o: number): number => b[o]! | (b[o + 1]! << 8),
  u32: (b: Uint8Array, o: number): number => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16)) + b[o + 3]! * 0x1000000,
  /** A u64 as a number; values past 2^53 throw `model/limit` (no real offset or size gets there). */
  u64(b: Uint8Array, o: number, file: string, at: number): number {
    const lo = le.u32(b, o);
    const hi = le.u32(b, o + 4);
    if (hi >= 0x200000) throw new ModelError('model/limit', file, at, 'a 64-bit size or offset past 2^53');
    return hi * 0x100000000 + lo;
  },
};
