/**
 * The store's durability layer: one append-only file of records, one record per line,
 * `<crc32 hex> <json>\n`. Appends are group-committed: while one write+fdatasync is in flight,
 * new records queue up and go to disk together with a single fdatasync, and each append
 * resolves only once its record is on disk. So an acknowledged write survives `kill -9`
 * (and, as far as the disk honours fdatasync, a power cut).
 *
 * On open, every line is checked against its CRC: a torn tail (a record cut by a crash) is
 * dropped and, when opened for writing, truncated away so later appends follow valid data;
 * a corrupt line elsewhere is skipped and counted.
 */
import fs from 'node:fs';
import { crc32 } from 'node:zlib';

/** What `readJournal` found besides the records. */
export interface JournalReplay {
  records: unknown[];
  /** Byte length of the valid prefix (where the next append goes). */
  validBytes: number;
  /** Bytes of a torn final record that were dropped. */
  tornBytes: number;
  /** Complete lines whose CRC or JSON did not check out (skipped). */
  corruptLines: number;
}

const NEWLINE = 0x0a;

/** Encode one record as a journal line. */
export function encodeRecord(record: unknown): string {
  const json = JSON.stringify(record);
  return crc32(json).toString(16).padStart(8, '0') + ' ' + json + '\n';
}

/** Parse a journal file's bytes; never throws on bad content. */
export function parseJournal(buf: Buffer): JournalReplay {
  const records: unknown[] = [];
  let corruptLines = 0;
  let start = 0;
  let validBytes = 0;
  while (start < buf.length) {
    const end = buf.indexOf(NEWLINE, start);
    if (end === -1) break; // torn tail: no newline yet
    const line = buf.subarray(start, end);
    const rec = decodeLine(line);
    if (rec === undefined) corruptLines++;
    else records.push(rec);
    start = end + 1;
    validBytes = start;
  }
  return { records, validBytes, tornBytes: buf.length - validBytes, corruptLines };
}

function decodeLine(line: Buffer): unknown {
  if (line.length < 10 || line[8] !== 0x20) return undefined;
  const expected = Number.parseInt(line.subarray(0, 8).toString('latin1'), 16);
  const payload = line.subarray(9);
  if (!Number.isFinite(expected) || crc32(payload) !== expected) return undefined;
  try {
    return JSON.parse(payload.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Read a journal without modifying it (a missing file is an empty journal). */
export function readJournal(file: string): JournalReplay {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], validBytes: 0, tornBytes: 0, corruptLines: 0 };
    throw err;
  }
  return parseJournal(buf);
}

interface Waiter {
  resolve: () => void;
  reject: (err: Error) => void;
}

/** Most fdatasync calls in flight at once (libuv's thread pool has 4 threads). */
const MAX_SYNCS_IN_FLIGHT = 3;

/**
 * An open journal, appending with group commit.
 *
 * Once per event-loop turn (setImmediate, after the poll phase has parsed every request that
 * arrived), all queued records are written with one synchronous write (to the page cache:
 * microseconds), then one fdatasync is started in the thread pool; the records' promises resolve
 * when it returns. A new batch may start its fdatasync while earlier ones are still in flight
 * (up to MAX_SYNCS_IN_FLIGHT): each fdatasync starts after its batch's write returned, so it
 * covers that batch and all earlier ones. Pipelining the syncs instead of waiting for the
 * previous one to finish roughly halves the wait of a request that arrives during a sync.
 */
export class JournalWriter {
  private readonly fd: number;
  private pending: string[] = [];
  private pendingChars = 0;
  private waiters: Waiter[] = [];
  private scheduled = false;
  private inFlight = 0;
  private failure: Error | undefined;
  private closed = false;
  private position: number;
  private idle: (() => void) | undefined;
  /** Number of fdatasync calls made (for benchmarks and tests of the batching). */
  syncCount = 0;
  /** Number of records written. */
  recordCount = 0;

  /** Open for appending, truncating a torn tail found by `replay` first. */
  constructor(file: string, replay: JournalReplay, private readonly sync = true) {
    this.fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644);
    if (replay.tornBytes > 0) {
      fs.ftruncateSync(this.fd, replay.validBytes);
      fs.fsyncSync(this.fd);
    }
    this.position = replay.validBytes;
  }

  /** Queue a record; resolves once it is durable, rejects if the disk write failed. */
  append(record: unknown): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error('journal is closed'));
    const line = encodeRecord(record);
    this.pending.push(line);
    this.pendingChars += line.length;
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.schedule();
    });
  }

  /** Bytes in the file plus those queued for it (queued ones counted as characters). */
  get bytes(): number {
    return this.position + this.pendingChars;
  }

  /** True once a write failed: the in-memory state may be ahead of the disk. */
  get failed(): Error | undefined {
    return this.failure;
  }

  private schedule(): void {
    if (this.scheduled || this.pending.length === 0 || this.inFlight >= MAX_SYNCS_IN_FLIGHT) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private fail(err: unknown, waiters: Waiter[]): void {
    this.failure ??= err instanceof Error ? err : new Error(String(err));
    for (const w of waiters) w.reject(this.failure);
    for (const w of this.waiters) w.reject(this.failure);
    this.waiters = [];
    this.pending = [];
    this.pendingChars = 0;
  }

  private flush(): void {
    if (this.pending.length === 0 || this.failure) return;
    const lines = this.pending;
    const waiters = this.waiters;
    this.pending = [];
    this.pendingChars = 0;
    this.waiters = [];
    try {
      const buf = Buffer.from(lines.length === 1 ? lines[0]! : lines.join(''), 'utf8');
      let off = 0;
      while (off < buf.length) off += fs.writeSync(this.fd, buf, off, buf.length - off, this.position + off);
      this.position += buf.length;
      this.recordCount += lines.length;
    } catch (err) {
      this.fail(err, waiters);
      return;
    }
    if (!this.sync) {
      for (const w of waiters) w.resolve();
      return;
    }
    this.inFlight++;
    fs.fdatasync(this.fd, (err) => {
      this.inFlight--;
      this.syncCount++;
      if (err) this.fail(err, waiters);
      else for (const w of waiters) w.resolve();
      if (this.inFlight === 0 && this.idle) this.idle();
      this.schedule();
    });
  }

  /** Write what is queued, wait for the syncs in flight, then close the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    if (this.inFlight > 0) await new Promise<void>((resolve) => (this.idle = resolve));
    fs.closeSync(this.fd);
  }
}
