/**
 * The tracking store's core: everything the shim records, kept in memory and made durable through
 * one append-only journal (`journal.ts`) under the store directory, plus artifact files on disk.
 *
 * Store directory layout:
 *   journal.log     one record per acknowledged change (experiments, runs, params, metric points,
 *                   tags, logged models, registry); replayed on open. Metric points are appended,
 *                   params are write-once (a different value is refused before it is journaled).
 *   artifacts/      proxied artifacts: `mlflow-artifacts:/<path>` is `artifacts/<path>`.
 *   server.lock     pid of the one process allowed to write.
 *
 * The commands (`commands/`, one module per MLflow resource) validate a change and build its
 * record; `commit` applies it in memory (so concurrent requests see a consistent order, e.g. the
 * write-once param check) and journals it; the HTTP answer waits for the journal's fsync. Here:
 * opening (recovery), the lock, the journal writer, compaction and the artifact paths.
 *
 * Readers (the catalog) call `openStore(dir)` without `writable` and use the read API (`reads.ts`),
 * which returns MLflow's REST JSON shapes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { JournalWriter, readJournal, type JournalReplay } from './journal.js';
import {
  MANIFEST_FILE,
  type Manifest,
  type SegmentBlock,
  fsyncDir,
  readBlockAt,
  readManifest,
  sealedJournals,
  writeManifest,
  writeMeta,
  writeSegment,
} from './snapshot.js';
import { MlflowError, invalid } from './errors.js';
import { isUnsafePath } from './validation.js';
import type { BlockReader, BlockRef, MetricSeries, PointExtra, SeriesInfo } from './series.js';
import type { JournalRecord } from './records.js';
import { StoreState, applyRecord, snapshotRecords } from './reducer.js';
import { StoreCommands } from './commands/index.js';
import { ensureDefaultExperiment } from './commands/experiments.js';
import { acquireLock, releaseLock } from './lock.js';
import { artifactRel } from './lookups.js';

export type { LoggedModelDataset, LoggedModelOrder } from './queries.js';
export type { MetricInput } from './commands/runs.js';
export { LOCK_FILE } from './lock.js';
export * from './entities.js';

/** Options of `openStore`. */
export interface OpenStoreOptions {
  /** Open for writing (takes the lock, truncates a torn journal tail). Default: read-only. */
  writable?: boolean;
  /** fdatasync each group commit (default true; false only for throwaway stores). */
  fsync?: boolean;
  /** Truncate over-long param/tag values instead of refusing them (MLflow's default, MLFLOW_TRUNCATE_LONG_VALUES). */
  truncateLongValues?: boolean;
  /** Clock in ms, injectable for tests. */
  now?: () => number;
  /**
   * Compact (snapshot + fresh journal) once the journals not yet in a snapshot exceed this many
   * bytes; 0 never compacts on its own. Default DEFAULT_COMPACT_AFTER_BYTES.
   */
  compactAfterBytes?: number;
}

/** What opening found in the journal. */
export interface StoreRecovery {
  records: number;
  tornBytes: number;
  corruptLines: number;
  /** Records read intact that did not apply to the state (e.g. naming a run the store lacks): skipped. */
  failedRecords: number;
  /** Why the first of them failed, with its position (`<file> record <n>`). */
  firstFailure?: string;
}

export const JOURNAL_FILE = 'journal.log';
export const ARTIFACTS_DIR = 'artifacts';
/** Present when the server keeps proxied artifacts in S3: the `s3://bucket/prefix` URL. */
export const DESTINATION_FILE = 'artifacts-destination';

/** Everything read from a store folder before the store is built. */
interface StoreFiles {
  manifest: Manifest | undefined;
  meta: JournalReplay | undefined;
  /** Sealed journals not yet in the snapshot, oldest first, then the active journal. */
  journals: JournalReplay[];
  sealedIndexes: number[];
}

function readStoreFiles(root: string): StoreFiles {
  const manifest = readManifest(root);
  const meta = manifest ? readJournal(path.join(root, manifest.meta)) : undefined;
  const gen = manifest?.gen ?? 0;
  const sealed = sealedJournals(root).filter((j) => j.index >= gen);
  const journals = sealed.map((j) => readJournal(j.file));
  journals.push(readJournal(path.join(root, JOURNAL_FILE)));
  return { manifest, meta, journals, sealedIndexes: sealed.map((j) => j.index) };
}

/** Open (and with `writable`, lock) a store directory. */
export async function openStore(dir: string, options: OpenStoreOptions = {}): Promise<TrackingStore> {
  const root = path.resolve(dir);
  if (options.writable) {
    fs.mkdirSync(path.join(root, ARTIFACTS_DIR), { recursive: true });
    acquireLock(root);
  }
  const journalFile = path.join(root, JOURNAL_FILE);
  let store: TrackingStore | undefined;
  // A reader may race a server's compaction (files renamed or deleted while it reads): read again
  // when the files it read were replaced meanwhile.
  const fingerprint = (): string => {
    const m = readManifest(root);
    return `${m?.gen ?? 0}:${sealedJournals(root).map((j) => j.index).join(',')}`;
  };
  for (let attempt = 0; ; attempt++) {
    try {
      const before = options.writable ? '' : fingerprint();
      const candidate = new TrackingStore(root, options, readStoreFiles(root));
      if (!options.writable && attempt < 4 && fingerprint() !== before) continue;
      store = candidate;
      break;
    } catch (err) {
      if (options.writable || attempt >= 4 || (err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  if (options.writable) {
    const active = readJournal(journalFile);
    store.attachWriter(new JournalWriter(journalFile, active, options.fsync ?? true));
    store.removeStaleFiles();
    await ensureDefaultExperiment(store);
  }
  return store;
}

/** Where a compaction may be stopped, to test that a kill at that moment loses nothing. */
export type CompactionStep = 'rotate' | 'meta' | 'segment' | 'manifest';

/** Start compacting once the journals not in a snapshot hold this many bytes (default). */
export const DEFAULT_COMPACT_AFTER_BYTES = 8 * 1024 * 1024;

/** Reads a series' block from a store's segment files. */
const readBlock: BlockReader = (ref) => {
  const b = readBlockAt(ref.file, ref.offset);
  return { values: b.values, timestamps: b.timestamps, steps: b.steps, extras: b.extras as [number, PointExtra][] };
};

/** The store: the read API for everyone, the journal and the commands for the server. */
export class TrackingStore extends StoreCommands {
  readonly root: string;
  readonly recovery: StoreRecovery;
  private writer: JournalWriter | undefined;
  /** The clock in ms. */
  readonly now: () => number;
  readonly truncateLongValues: boolean;
  private readonly fsync: boolean;
  private compactAfterBytes: number;
  private nextCompactAt = 0;
  private manifest: Manifest | undefined;
  private nextSealIndex: number;
  /** Bytes of sealed journals not yet covered by the snapshot. */
  private sealedBytes = 0;
  private compacting: Promise<void> | undefined;
  private compactions = 0;
  private readonly retired = { syncs: 0, records: 0, bytes: 0 };

  constructor(root: string, options: OpenStoreOptions, files: StoreFiles) {
    super(new StoreState(root, readBlock));
    this.root = root;
    this.now = options.now ?? Date.now;
    this.truncateLongValues = options.truncateLongValues ?? true;
    this.fsync = options.fsync ?? true;
    this.compactAfterBytes = options.compactAfterBytes ?? DEFAULT_COMPACT_AFTER_BYTES;
    this.manifest = files.manifest;
    this.nextSealIndex = Math.max(files.manifest?.gen ?? 0, ...files.sealedIndexes.map((i) => i + 1));
    let records = 0;
    let tornBytes = 0;
    let corruptLines = 0;
    let failedRecords = 0;
    let firstFailure: string | undefined;
    const applyAll = (replay: JournalReplay, source: string): void => {
      replay.records.forEach((rec, i) => {
        try {
          applyRecord(this.state, rec as JournalRecord);
        } catch (err) {
          // A record that no longer applies (should not happen) is skipped, never fatal, and counted.
          failedRecords++;
          firstFailure ??= `${source} record ${i + 1}: ${err instanceof Error ? err.message : String(err)}`;
        }
      });
      records += replay.records.length;
      tornBytes += replay.tornBytes;
      corruptLines += replay.corruptLines;
    };
    if (files.meta) applyAll(files.meta, files.manifest?.meta ?? 'snapshot');
    // Segments are not read here: each series reads its blocks on first use (MetricSeries.fromSnapshot).
    files.journals.forEach((j, i) => {
      applyAll(j, i === files.journals.length - 1 ? JOURNAL_FILE : `sealed journal ${i + 1}`);
      if (i < files.journals.length - 1) this.sealedBytes += j.validBytes;
    });
    this.recovery = { records, tornBytes, corruptLines, failedRecords, ...(firstFailure ? { firstFailure } : {}) };
  }

  /** @internal */
  attachWriter(writer: JournalWriter): void {
    this.writer = writer;
  }

  /** Journal statistics (fsync count, records, compactions) for benchmarks. */
  get journalStats(): { syncs: number; records: number; compactions: number; bytesWritten: number } {
    return {
      syncs: this.retired.syncs + (this.writer?.syncCount ?? 0),
      records: this.retired.records + (this.writer?.recordCount ?? 0),
      compactions: this.compactions,
      bytesWritten: this.retired.bytes + (this.writer?.bytes ?? 0),
    };
  }

  /** Bytes on disk of the snapshot (meta and segments) and of the journals not in it. */
  diskUsage(): { snapshotBytes: number; journalBytes: number } {
    const size = (f: string): number => {
      try {
        return fs.statSync(path.join(this.root, f)).size;
      } catch {
        return 0;
      }
    };
    const snapshotBytes = this.manifest ? size(this.manifest.meta) + this.manifest.segments.reduce((n, f) => n + size(f), 0) : 0;
    let journalBytes = size(JOURNAL_FILE);
    for (const j of sealedJournals(this.root)) if (j.index >= (this.manifest?.gen ?? 0)) journalBytes += size(path.basename(j.file));
    return { snapshotBytes, journalBytes };
  }

  /** Flush and close the journal and release the lock (after a compaction in progress ends). */
  async close(): Promise<void> {
    if (!this.writer) return;
    this.compactAfterBytes = 0;
    await this.compacting;
    await this.writer.close();
    this.writer = undefined;
    releaseLock(this.root);
  }


  /** @internal Remove what a killed compaction left behind (files no manifest names). */
  removeStaleFiles(): void {
    const gen = this.manifest?.gen ?? 0;
    const keep = new Set([this.manifest?.meta, ...(this.manifest?.segments ?? [])]);
    for (const name of fs.readdirSync(this.root)) {
      const sealed = /^journal-(\d+)\.log$/.exec(name);
      const snap = /^(?:meta-\d+\.log|points-\d+\.bin)$/.test(name);
      if ((sealed && Number(sealed[1]) < gen) || (snap && !keep.has(name)) || name === `${MANIFEST_FILE}.tmp`) {
        fs.rmSync(path.join(this.root, name), { force: true });
      }
    }
  }

  /** Called after each journal append: start a compaction once enough bytes are outside the snapshot. */
  private maybeCompact(): void {
    if (this.compacting || this.compactAfterBytes <= 0 || !this.writer) return;
    if (this.writer.bytes + this.sealedBytes < Math.max(this.compactAfterBytes, this.nextCompactAt)) return;
    this.compacting = this.compact()
      .catch(() => {
        // A failed compaction changes nothing that replay relies on; retry after twice the bytes.
        this.nextCompactAt = 2 * ((this.writer?.bytes ?? 0) + this.sealedBytes);
      })
      .finally(() => {
        this.compacting = undefined;
      });
  }

  /**
   * Snapshot the store and start a fresh journal, so restart time and disk stay bounded.
   *
   * 1. Synchronously: the active journal is sealed (renamed `journal-<k>.log`, its queued records
   *    still written and synced through the old file), a new `journal.log` takes every later
   *    record, and the state at that instant is captured: metadata records and, per series, the
   *    range of points not yet in a segment. That state is exactly the snapshot plus the journals
   *    up to k.
   * 2. The new points (`points-<k+1>.bin`), then the metadata naming every series' blocks
   *    (`meta-<k+1>.log`), are written and synced.
   * 3. The manifest is replaced atomically ({ gen: k+1 }); only then are journals below k+1 deleted.
   *
   * On open, the metadata gives each series its latest value and its blocks; the points
   * themselves are read when the series is first used (see MetricSeries.fromSnapshot).
   *
   * A kill before step 3 leaves the old manifest and every journal: replay as before. A kill
   * after it leaves synced snapshot files and the journals from k+1. `stopAfter` ends the
   * compaction early (as a kill would), for tests.
   */
  async compact(stopAfter?: CompactionStep): Promise<void> {
    const old = this.writer;
    if (!old) throw new MlflowError('INTERNAL_ERROR', 'The tracking store is open read-only.');
    if (old.failed) throw old.failed;
    const k = this.nextSealIndex++;
    const active = path.join(this.root, JOURNAL_FILE);
    fs.renameSync(active, path.join(this.root, `journal-${k}.log`));
    const fresh = new JournalWriter(active, { records: [], validBytes: 0, tornBytes: 0, corruptLines: 0 }, this.fsync);
    fsyncDir(this.root);
    this.writer = fresh;
    const sealedNow = old.bytes;
    this.sealedBytes += sealedNow;
    const meta = snapshotRecords(this.state);
    const pending: { seq: number; key: string; series: MetricSeries; from: number; to: number }[] = [];
    for (const r of this.state.runsBySeq) {
      if (!r) continue;
      for (const [key, series] of r.metrics) if (series.length > series.persisted) pending.push({ seq: r.seq, key, series, from: series.persisted, to: series.length });
    }
    await old.close();
    this.retired.syncs += old.syncCount;
    this.retired.records += old.recordCount;
    this.retired.bytes += old.bytes;
    if (old.failed) throw old.failed;
    if (stopAfter === 'rotate') return;
    const gen = k + 1;
    const segments = [...(this.manifest?.segments ?? [])];
    const segName = `points-${gen}.bin`;
    let offsets: number[] = [];
    if (pending.length > 0) {
      ({ offsets } = await writeSegment(
        path.join(this.root, segName),
        (function* blocks(): Generator<SegmentBlock> {
          for (const p of pending) {
            const c = p.series.columns(p.from, p.to);
            yield { seq: p.seq, key: p.key, count: p.to - p.from, values: c.values, timestamps: c.timestamps, steps: c.steps, extras: c.extras };
          }
        })(),
      ));
      segments.push(segName);
    }
    if (stopAfter === 'segment') return;
    // The metadata names, per series, the blocks its points are in: the new block included.
    const newBlocks = new Map<string, { ref: BlockRef; lastTs: number; to: number }>();
    pending.forEach((p, i) => {
      newBlocks.set(`${p.seq} ${p.key}`, { ref: { file: segName, offset: offsets[i]!, count: p.to - p.from }, lastTs: p.series.at(p.to - 1).timestamp, to: p.to });
    });
    for (const rec of meta as { op: string; r?: { seq: number; series: [string, SeriesInfo][] } }[]) {
      if (rec.op !== 's-run') continue;
      for (const [key, si] of rec.r!.series) {
        const nb = newBlocks.get(`${rec.r!.seq} ${key}`);
        if (!nb) continue;
        si.blocks.push(nb.ref);
        si.count = nb.to;
        si.lastTs = nb.lastTs;
      }
    }
    const metaName = `meta-${gen}.log`;
    await writeMeta(path.join(this.root, metaName), meta);
    if (stopAfter === 'meta') return;
    const previous = this.manifest;
    const manifest: Manifest = { gen, meta: metaName, segments };
    writeManifest(this.root, manifest);
    this.manifest = manifest;
    pending.forEach((p, i) => {
      p.series.blocks.push({ file: path.join(this.root, segName), offset: offsets[i]!, count: p.to - p.from });
      p.series.persisted = p.to;
    });
    this.sealedBytes = 0;
    for (const j of sealedJournals(this.root)) if (j.index >= gen) this.sealedBytes += fs.statSync(j.file).size;
    this.compactions++;
    if (stopAfter === 'manifest') return;
    for (const j of sealedJournals(this.root)) if (j.index < gen) fs.rmSync(j.file, { force: true });
    if (previous && previous.meta !== metaName) fs.rmSync(path.join(this.root, previous.meta), { force: true });
  }

  /**
   * Where the server keeps proxied artifacts when not in `artifacts/`: an `s3://bucket/prefix`
   * URL, recorded in the store folder by the server (`stachub track --artifacts-destination`).
   */
  get artifactsDestination(): string | undefined {
    if (this.destination === null) {
      try {
        const text = fs.readFileSync(path.join(this.root, DESTINATION_FILE), 'utf8').trim();
        this.destination = text === '' ? undefined : text;
      } catch {
        this.destination = undefined;
      }
    }
    return this.destination;
  }
  /** null: not read yet. */
  private destination: string | undefined | null = null;

  /** @internal Record (or clear) the artifact destination for readers of this store. */
  recordArtifactsDestination(destination: string | undefined): void {
    const file = path.join(this.root, DESTINATION_FILE);
    if (destination) fs.writeFileSync(file, destination + '\n');
    else fs.rmSync(file, { force: true });
    this.destination = destination;
  }

  /**
   * The local file (or directory) behind an artifact URI kept by this store (see `artifactRel`).
   * Undefined for URIs stored elsewhere, and when the server keeps artifacts in S3 (then use
   * `artifactUrl`). Throws 400 "Invalid path" for paths that try to leave the store.
   */
  artifactFile(uri: string): string | undefined {
    const rel = artifactRel(this.state, uri);
    if (rel === undefined || this.artifactsDestination !== undefined) return undefined;
    return this.artifactPath(rel);
  }

  /**
   * Where the bytes behind an artifact URI kept by this store are: a local path, or an
   * `s3://bucket/prefix/<path>` URL when the server keeps artifacts in S3.
   */
  artifactUrl(uri: string): string | undefined {
    const rel = artifactRel(this.state, uri);
    if (rel === undefined) return undefined;
    const dest = this.artifactsDestination;
    if (dest === undefined) return this.artifactPath(rel);
    if (isUnsafePath(rel.replace(/\/+$/, ''))) throw invalid('Invalid path');
    return `${dest.replace(/\/+$/, '')}/${rel}`;
  }

  /** Resolve a path below `artifacts/`, refusing traversal (400 "Invalid path", as MLflow). */
  artifactPath(rel: string): string {
    const cleaned = rel.replace(/\/+$/, '');
    if (isUnsafePath(cleaned)) throw invalid('Invalid path');
    const base = path.join(this.root, ARTIFACTS_DIR);
    const full = path.resolve(base, cleaned);
    if (full !== base && !full.startsWith(base + path.sep)) throw invalid('Invalid path');
    return full;
  }

  // ---------------------------------------------------------------- journal

  /** @internal Apply a record to the state and journal it (commands/core.ts). */
  async commit(rec: JournalRecord): Promise<void> {
    const writer = this.writer;
    if (!writer) throw new MlflowError('INTERNAL_ERROR', 'The tracking store is open read-only.');
    if (writer.failed) throw new MlflowError('INTERNAL_ERROR', 'The tracking store could not write to disk; restart the server.');
    applyRecord(this.state, rec);
    const done = writer.append(rec);
    this.maybeCompact();
    await done;
  }
}
