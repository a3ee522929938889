/**
 * The files of a compacted store (see store.ts `compact`): a manifest naming the current snapshot,
 * the snapshot's metadata (a journal-format file of whole-entity records) and its metric points
 * in binary segment files, each written once and never changed.
 *
 *   manifest.json      one CRC-checked line: { gen, meta, segments[] }. Replaced atomically
 *                      (write, fsync, rename, fsync the folder): the switch to a new snapshot.
 *   meta-<gen>.log     the state of experiments, runs (with each metric's latest value and the
 *                      segment blocks holding its points), logged models and the registry at the
 *                      snapshot, as records (`encodeRecord` lines).
 *   points-<gen>.bin   the metric points logged since the previous snapshot, per run and key:
 *                      "STKSEG1\n", then blocks `u32 length, u32 crc32, payload`, payload =
 *                      `u32 seq, u32 keyBytes, key, u32 count, f64 values[count], f64 timestamps[count],
 *                      f64 steps[count], u32 extrasBytes, extras JSON` (little-endian).
 *   journal-<k>.log    journals sealed by a compaction: records not yet in a snapshot when
 *                      k >= gen, deleted once a snapshot covers them.
 *   journal.log        the active journal.
 *
 * On open: the snapshot's metadata (each series' latest value and blocks; its points are read
 * from the segments on first use), then the sealed journals k >= gen in order, then journal.log.
 * A compaction killed at any step leaves either the old manifest (and journals that still hold
 * every record) or the new one (whose files were synced before the switch).
 */
import fs from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { encodeRecord, parseJournal } from './journal.js';

export const MANIFEST_FILE = 'manifest.json';
const MAGIC = Buffer.from('STKSEG1\n', 'latin1');

export interface Manifest {
  /** Sealed journals with an index below this are in the snapshot. */
  gen: number;
  meta: string;
  segments: string[];
}

/** One run's points of one key, as raw columns. */
export interface SegmentBlock {
  seq: number;
  key: string;
  count: number;
  values: Float64Array;
  timestamps: Float64Array;
  steps: Float64Array;
  extras: [number, unknown][];
}

/** Make a rename or a new file in `dir` durable. */
export function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Read the manifest; undefined when the store was never compacted (or the file is unreadable). */
export function readManifest(dir: string): Manifest | undefined {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, MANIFEST_FILE), 'utf8');
  } catch {
    return undefined;
  }
  const parsed = parseJournal(Buffer.from(text, 'utf8'));
  const m = parsed.records[0] as Manifest | undefined;
  if (!m || typeof m.gen !== 'number' || typeof m.meta !== 'string' || !Array.isArray(m.segments)) {
    throw new Error(`unreadable ${MANIFEST_FILE} in ${dir}`);
  }
  return m;
}

/** Replace the manifest atomically. */
export function writeManifest(dir: string, m: Manifest): void {
  const tmp = path.join(dir, `${MANIFEST_FILE}.tmp`);
  writeFileSynced(tmp, Buffer.from(encodeRecord(m), 'utf8'));
  fs.renameSync(tmp, path.join(dir, MANIFEST_FILE));
  fsyncDir(dir);
}

/** Write a whole file and fdatasync it. */
export function writeFileSynced(file: string, data: Buffer | string): void {
  const fd = fs.openSync(file, 'w', 0o644);
  try {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off);
    fs.fdatasyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Write the metadata records of a snapshot (journal line format) and sync them. */
export async function writeMeta(file: string, records: unknown[]): Promise<number> {
  const fh = await fs.promises.open(file, 'w', 0o644);
  let bytes = 0;
  try {
    let chunk: string[] = [];
    let size = 0;
    for (const r of records) {
      const line = encodeRecord(r);
      chunk.push(line);
      size += line.length;
      if (size > 1 << 20) {
        const buf = Buffer.from(chunk.join(''), 'utf8');
        await fh.write(buf);
        bytes += buf.length;
        chunk = [];
        size = 0;
      }
    }
    const buf = Buffer.from(chunk.join(''), 'utf8');
    await fh.write(buf);
    bytes += buf.length;
    await fh.datasync();
  } finally {
    await fh.close();
  }
  return bytes;
}

function encodeBlock(b: SegmentBlock): Buffer {
  const key = Buffer.from(b.key, 'utf8');
  const extras = Buffer.from(b.extras.length > 0 ? JSON.stringify(b.extras) : '', 'utf8');
  const payloadLen = 4 + 4 + key.length + 4 + b.count * 24 + 4 + extras.length;
  const buf = Buffer.allocUnsafe(8 + payloadLen);
  let o = 8;
  buf.writeUInt32LE(b.seq, o);
  buf.writeUInt32LE(key.length, o + 4);
  key.copy(buf, o + 8);
  o += 8 + key.length;
  buf.writeUInt32LE(b.count, o);
  o += 4;
  for (const col of [b.values, b.timestamps, b.steps]) {
    Buffer.from(col.buffer, col.byteOffset, b.count * 8).copy(buf, o);
    o += b.count * 8;
  }
  buf.writeUInt32LE(extras.length, o);
  extras.copy(buf, o + 4);
  buf.writeUInt32LE(payloadLen, 0);
  buf.writeUInt32LE(crc32(buf.subarray(8)), 4);
  return buf;
}

/** Write a segment file of blocks and sync it; returns its size and each block's offset. */
export async function writeSegment(file: string, blocks: Iterable<SegmentBlock>): Promise<{ bytes: number; offsets: number[] }> {
  const fh = await fs.promises.open(file, 'w', 0o644);
  let bytes = 0;
  const offsets: number[] = [];
  try {
    await fh.write(MAGIC);
    bytes += MAGIC.length;
    for (const b of blocks) {
      const buf = encodeBlock(b);
      offsets.push(bytes);
      await fh.write(buf);
      bytes += buf.length;
    }
    await fh.datasync();
  } finally {
    await fh.close();
  }
  return { bytes, offsets };
}

function decodePayload(p: Buffer): ReadBlock {
  const seq = p.readUInt32LE(0);
  const keyLen = p.readUInt32LE(4);
  const key = p.toString('utf8', 8, 8 + keyLen);
  let q = 8 + keyLen;
  const count = p.readUInt32LE(q);
  q += 4;
  const values = p.subarray(q, q + count * 8);
  const timestamps = p.subarray(q + count * 8, q + count * 16);
  const steps = p.subarray(q + count * 16, q + count * 24);
  q += count * 24;
  const extrasLen = p.readUInt32LE(q);
  const extras = extrasLen > 0 ? (JSON.parse(p.toString('utf8', q + 4, q + 4 + extrasLen)) as [number, Record<string, string>][]) : [];
  return { seq, key, count, values, timestamps, steps, extras };
}

/** Read the block at `offset` of a segment file (a series' points, read on first use). */
export function readBlockAt(file: string, offset: number): ReadBlock {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(8);
    if (fs.readSync(fd, head, 0, 8, offset) !== 8) throw new Error(`${file}: no block at ${offset}`);
    const len = head.readUInt32LE(0);
    const p = Buffer.allocUnsafe(len);
    let got = 0;
    while (got < len) {
      const n = fs.readSync(fd, p, got, len - got, offset + 8 + got);
      if (n === 0) throw new Error(`${file}: truncated block at ${offset}`);
      got += n;
    }
    if (crc32(p) !== head.readUInt32LE(4)) throw new Error(`${file}: corrupt block at ${offset}`);
    return decodePayload(p);
  } finally {
    fs.closeSync(fd);
  }
}

/** A block read back: the columns stay little-endian bytes, to be copied into a series in bulk. */
export interface ReadBlock {
  seq: number;
  key: string;
  count: number;
  values: Uint8Array;
  timestamps: Uint8Array;
  steps: Uint8Array;
  extras: [number, Record<string, string>][];
}

/** Sealed journal files present in `dir`, by index. */
export function sealedJournals(dir: string): { index: number; file: string }[] {
  const out: { index: number; file: string }[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    const m = /^journal-(\d+)\.log$/.exec(name);
    if (m) out.push({ index: Number(m[1]), file: path.join(dir, name) });
  }
  return out.sort((a, b) => a.index - b.index);
}
