/**
 * The search index's postings while a build fills it: for each term, the codes (doc * 4 + tier) of
 * the documents that have it, kept as varint deltas in blocks of one shared byte pool.
 *
 * At 100,000 projects the index holds tens of millions of postings over a few hundred thousand
 * terms, most of them rare. A growing array per term costs 4 to 8 bytes a posting plus a few
 * hundred bytes of overhead per term; here a posting costs one or two bytes when documents come
 * in id order (the project pages are made in that order, see render/index.ts), at most five in
 * any order, and a term costs a few dozen bytes of state and its first block. Blocks grow with
 * their term (8 bytes first, then 16, 32... up to 1 KiB), so rare terms waste little and frequent
 * ones are few blocks.
 */

/** Bytes per page of the pool (a block never straddles two pages). */
const PAGE = 1 << 20;
/** Block sizes by level; each block ends with the 4-byte address of the next one. */
const LEVELS = [8, 16, 32, 64, 128, 256, 512, 1024];
const LINK = 4;

export class PostingsPool {
  private readonly pages: Uint8Array[] = [];
  /** Next free byte (address: page * PAGE + offset). */
  private top = 0;
  private terms = 0;
  // Per term: where its postings start, where the next byte goes, where its current block's link
  // is, its current block level, its number of postings and its last code.
  private first = new Float64Array(1024);
  private cur = new Float64Array(1024);
  private end = new Float64Array(1024);
  private level = new Uint8Array(1024);
  private count = new Int32Array(1024);
  private last = new Int32Array(1024);

  /** Number of terms. */
  get size(): number {
    return this.terms;
  }

  /** A new term, with no postings yet; returns its id. */
  addTerm(): number {
    const t = this.terms++;
    if (t === this.first.length) this.grow();
    const block = this.alloc(0);
    this.first[t] = block;
    this.cur[t] = block;
    this.end[t] = block + LEVELS[0]! - LINK;
    return t;
  }

  /** Number of postings of term `t`. */
  postings(t: number): number {
    return this.count[t]!;
  }

  /** Append a code to term `t`. */
  push(t: number, code: number): void {
    const delta = code - this.last[t]!;
    this.last[t] = code;
    this.count[t]!++;
    // Zigzag, so that a document out of order costs a few bytes, not a failure.
    let v = ((delta << 1) ^ (delta >> 31)) >>> 0;
    while (v >= 0x80) {
      this.writeByte(t, (v & 0x7f) | 0x80);
      v >>>= 7;
    }
    this.writeByte(t, v);
  }

  /** The codes of term `t`, in the order they were pushed. */
  codes(t: number): Int32Array {
    const out = new Int32Array(this.count[t]!);
    let at = this.first[t]!;
    let lvl = 0;
    let end = at + LEVELS[0]! - LINK;
    let prev = 0;
    for (let k = 0; k < out.length; k++) {
      let v = 0;
      let shift = 0;
      for (;;) {
        if (at === end) {
          at = this.readLink(end);
          lvl = Math.min(lvl + 1, LEVELS.length - 1);
          end = at + LEVELS[lvl]! - LINK;
        }
        const b = this.pages[Math.floor(at / PAGE)]![at % PAGE]!;
        at++;
        v |= (b & 0x7f) << shift;
        if (b < 0x80) break;
        shift += 7;
      }
      v >>>= 0;
      prev += (v >>> 1) ^ -(v & 1);
      out[k] = prev;
    }
    return out;
  }

  private writeByte(t: number, b: number): void {
    let at = this.cur[t]!;
    if (at === this.end[t]!) {
      const lvl = Math.min(this.level[t]! + 1, LEVELS.length - 1);
      const next = this.alloc(lvl);
      this.writeLink(at, next);
      this.level[t] = lvl;
      this.end[t] = next + LEVELS[lvl]! - LINK;
      at = next;
    }
    this.pages[Math.floor(at / PAGE)]![at % PAGE] = b;
    this.cur[t] = at + 1;
  }

  /** A block of the given level; returns its address. */
  private alloc(lvl: number): number {
    const size = LEVELS[lvl]!;
    const used = this.top - (this.pages.length - 1) * PAGE;
    if (this.pages.length === 0 || used + size > PAGE) {
      this.pages.push(new Uint8Array(PAGE));
      this.top = (this.pages.length - 1) * PAGE;
    }
    const at = this.top;
    this.top += size;
    return at;
  }

  private writeLink(at: number, to: number): void {
    const page = this.pages[Math.floor(at / PAGE)]!;
    const o = at % PAGE;
    // Addresses are below 2^32 (4,096 pages): four bytes, little-endian.
    page[o] = to & 0xff;
    page[o + 1] = (to >>> 8) & 0xff;
    page[o + 2] = (to >>> 16) & 0xff;
    page[o + 3] = (to >>> 24) & 0xff;
  }

  private readLink(at: number): number {
    const page = this.pages[Math.floor(at / PAGE)]!;
    const o = at % PAGE;
    return (page[o]! | (page[o + 1]! << 8) | (page[o + 2]! << 16) | (page[o + 3]! << 24)) >>> 0;
  }

  private grow(): void {
    const n = this.first.length * 2;
    this.first = widened(this.first, new Float64Array(n));
    this.cur = widened(this.cur, new Float64Array(n));
    this.end = widened(this.end, new Float64Array(n));
    this.level = widened(this.level, new Uint8Array(n));
    this.count = widened(this.count, new Int32Array(n));
    this.last = widened(this.last, new Int32Array(n));
  }
}

/** `to` (a larger array of the same kind) with `from` copied to its start. */
function widened<T extends Float64Array | Int32Array | Uint8Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
