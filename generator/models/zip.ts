/**
 * A zip archive read lazily: the end-of-central-directory record (zip64 too), then the central
 * directory, then only the entries asked for. PyTorch checkpoints are zips whose entries are stored
 * uncompressed, so a tensor's bytes are never touched; compressed entries are inflated with a cap.
 * Layout from PKWARE's APPNOTE.TXT (4.3.12 central directory header, 4.3.14-16 zip64 records).
 */
import { inflateRawSync } from 'node:zlib';
import type { ByteSource } from '../onnx/byte-source.js';
import { le, sliceSource } from './cursor.js';
import { ModelError } from './errors.js';

export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflated. */
  method: number;
  compressedSize: number;
  size: number;
  /** Offset of the local file header. */
  headerOffset: number;
}

export interface ZipLimits {
  /** Entries at most (default 1,000,000). */
  maxEntries?: number;
  /** Bytes of central directory at most (default 64 MiB). */
  maxDirectoryBytes?: number;
}

const EOCD = 0x06054b50;
const EOCD64_LOCATOR = 0x07064b50;
const EOCD64 = 0x06064b50;
const CDH = 0x02014b50;
const LFH = 0x04034b50;

/** Does the source start like a zip (a local file header, or the end record of an empty zip)? */
export function looksLikeZip(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && ((head[2] === 3 && head[3] === 4) || (head[2] === 5 && head[3] === 6));
}

/** The entries of the central directory, in order. */
export async function readZipDirectory(src: ByteSource, limits: ZipLimits = {}): Promise<ZipEntry[]> {
  const maxEntries = limits.maxEntries ?? 1_000_000;
  const maxDir = limits.maxDirectoryBytes ?? 64 * 1024 * 1024;
  const size = await src.size();
  const bad = (at: number | undefined, d: string): ModelError => new ModelError('zip/malformed', src.name, at, d);
  if (size < 22) throw new ModelError('model/truncated', src.name, 0, 'too short for a zip end record');
  // The end record is 22 bytes plus a comment of up to 65,535 bytes.
  const tailLen = Math.min(size, 22 + 0xffff);
  const tailStart = size - tailLen;
  const tail = await src.read(tailStart, tailLen);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (le.u32(tail, i) === EOCD && i + 22 + le.u16(tail, i + 20) <= tail.length) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw bad(undefined, 'no end of central directory record');
  let count = le.u16(tail, eocd + 10);
  let dirSize = le.u32(tail, eocd + 12);
  let dirOffset = le.u32(tail, eocd + 16);
  if (count === 0xffff || dirSize === 0xffffffff || dirOffset === 0xffffffff) {
    // zip64: the locator sits just before the end record.
    const loc = eocd - 20;
    if (loc < 0 || le.u32(tail, loc) !== EOCD64_LOCATOR) throw bad(tailStart + eocd, 'zip64 values without a zip64 locator');
    const recAt = le.u64(tail, loc + 8, src.name, tailStart + loc);
    const rec = await src.read(recAt, 56);
    if (rec.length < 56 || le.u32(rec, 0) !== EOCD64) throw bad(tailStart + loc, `no zip64 end of central directory record at ${recAt}`);
    count = le.u64(rec, 32, src.name, recAt);
    dirSize = le.u64(rec, 40, src.name, recAt);
    dirOffset = le.u64(rec, 48, src.name, recAt);
  }
  // Offsets in messages are where the bad value was read (the end record), not where it points.
  const at = tailStart + eocd;
  if (count > maxEntries) throw new ModelError('model/limit', src.name, at, `${count} zip entries (limit ${maxEntries})`);
  if (dirSize > maxDir) throw new ModelError('model/limit', src.name, at, `a ${dirSize}-byte central directory (limit ${maxDir})`);
  if (dirOffset + dirSize > size) throw new ModelError('model/truncated', src.name, at, `the central directory (${dirSize} bytes at ${dirOffset}) runs past the end`);
  const dir = await src.read(dirOffset, dirSize);
  const entries: ZipEntry[] = [];
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > dir.length || le.u32(dir, p) !== CDH) throw bad(dirOffset + p, `central directory entry ${i} is not where the directory says`);
    const method = le.u16(dir, p + 10);
    let compressedSize = le.u32(dir, p + 20);
    let sizeU = le.u32(dir, p + 24);
    const nameLen = le.u16(dir, p + 28);
    const extraLen = le.u16(dir, p + 30);
    const commentLen = le.u16(dir, p + 32);
    let headerOffset = le.u32(dir, p + 42);
    if (p + 46 + nameLen + extraLen + commentLen > dir.length) throw bad(dirOffset + p, `central directory entry ${i} runs past the directory`);
    const name = new TextDecoder().decode(dir.subarray(p + 46, p + 46 + nameLen));
    // zip64 extended information: only the fields whose 32-bit value is 0xFFFFFFFF, in this order.
    let e = p + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd) {
      const id = le.u16(dir, e);
      const len = le.u16(dir, e + 2);
      if (e + 4 + len > extraEnd) break;
      if (id === 0x0001) {
        let q = e + 4;
        const next = (): number => {
          if (q + 8 > e + 4 + len) throw bad(dirOffset + q, 'short zip64 extra field');
          const v = le.u64(dir, q, src.name, dirOffset + q);
          q += 8;
          return v;
        };
        if (sizeU === 0xffffffff) sizeU = next();
        if (compressedSize === 0xffffffff) compressedSize = next();
        if (headerOffset === 0xffffffff) headerOffset = next();
      }
      e += 4 + len;
    }
    entries.push({ name, method, compressedSize, size: sizeU, headerOffset });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/** Offset of an entry's data (after its local header, whose name and extra lengths may differ from the directory's). */
export async function entryDataOffset(src: ByteSource, e: ZipEntry): Promise<number> {
  const size = await src.size();
  const h = await src.read(e.headerOffset, 30);
  if (h.length < 30 || le.u32(h, 0) !== LFH) {
    throw new ModelError('zip/malformed', src.name, e.headerOffset < size ? e.headerOffset : undefined, `no local header for ${JSON.stringify(e.name)} at ${e.headerOffset}`);
  }
  const start = e.headerOffset + 30 + le.u16(h, 26) + le.u16(h, 28);
  if (start + e.compressedSize > size) throw new ModelError('model/truncated', src.name, e.headerOffset, `entry ${JSON.stringify(e.name)} runs past the end`);
  return start;
}

/**
 * The bytes of an entry as a source: a window of the archive when stored, the inflated bytes (at
 * most `maxInflated`) when deflated.
 */
export async function entrySource(src: ByteSource, e: ZipEntry, maxInflated = 64 * 1024 * 1024): Promise<ByteSource> {
  const start = await entryDataOffset(src, e);
  const name = `${src.name}!/${e.name}`;
  if (e.method === 0) {
    if (e.size !== e.compressedSize) throw new ModelError('zip/malformed', src.name, e.headerOffset, `stored entry ${JSON.stringify(e.name)} with two sizes`);
    return sliceSource(src, start, e.size, name);
  }
  if (e.method !== 8) throw new ModelError('zip/malformed', src.name, e.headerOffset, `entry ${JSON.stringify(e.name)} uses compression method ${e.method}`);
  if (e.size > maxInflated || e.compressedSize > maxInflated) {
    throw new ModelError('model/limit', src.name, e.headerOffset, `compressed entry ${JSON.stringify(e.name)} inflates past ${maxInflated} bytes`);
  }
  const packed = await src.read(start, e.compressedSize);
  let bytes: Uint8Array;
  try {
    bytes = inflateRawSync(packed, { maxOutputLength: Math.max(1, maxInflated) });
  } catch (err) {
    throw new ModelError('zip/malformed', src.name, start, `entry ${JSON.stringify(e.name)} does not inflate (${(err as Error).message})`);
  }
  return sliceSource(
    { name, stats: { reads: 0, bytesRead: 0 }, size: async () => bytes.length, read: async (o, n) => bytes.subarray(o, o + n), close: async () => undefined },
    0,
    bytes.length,
    name,
  );
}
