/**
 * The tracking store: everything the shim records, kept in memory and made durable through one
 * append-only journal (`journal.ts`) under the store directory, plus artifact files on disk.
 *
 * Store directory layout:
 *   journal.log     one record per acknowledged change (experiments, runs, params, metric points,
 *                   tags, logged models, registry); replayed on open. Metric points are appended,
 *                   params are write-once (a different value is refused before it is journaled).
 *   artifacts/      proxied artifacts: `mlflow-artifacts:/<path>` is `artifacts/<path>`.
 *   server.lock     pid of the one process allowed to write.
 *
 * Every change is validated, applied in memory (so concurrent requests see a consistent order,
 * e.g. the write-once param check) and journaled; the HTTP answer waits for the journal's fsync.
 *
 * Readers (the catalog) call `openStore(dir)` without `writable` and use the read API, which
 * returns MLflow's REST JSON shapes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
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
import { MlflowError, StoreInUseError, alreadyExists, invalid, notFound } from './errors.js';
import {
  LIMITS,
  isUnsafePath,
  limitValue,
  validateAlias,
  validateExperimentName,
  validateKey,
  validateModelName,
  validateTimestamp,
} from './validation.js';
import { LOG_MODEL_HISTORY_TAG } from '../../generator/mlflow/assemble.js';
import { type BlockReader, type BlockRef, type MetricSeries, type PointExtra, type SeriesInfo } from './series.js';
import type { JournalRecord, MetricRecord, MetricTuple } from './records.js';
import { StoreState, applyRecord } from './reducer.js';
import * as queries from './queries.js';
import type { LoggedModelDataset, LoggedModelOrder } from './queries.js';

export type { LoggedModelDataset, LoggedModelOrder } from './queries.js';
import {
  type DatasetInput,
  type Experiment,
  type ExperimentJson,
  type KeyValue,
  type LoggedModel,
  type LoggedModelJson,
  type LoggedModelStatus,
  type MetricJson,
  type MetricPoint,
  type ModelVersion,
  type ModelVersionJson,
  type RegisteredModel,
  type RegisteredModelJson,
  type Run,
  type RunJson,
  type RunStatus,
  STAGES,
  experimentJson,
  jsonDouble,
  kvList,
  metricJson,
  modelVersionJson,
  registeredModelJson,
  runJson,
} from './entities.js';

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
export const LOCK_FILE = 'server.lock';
/** Present when the server keeps proxied artifacts in S3: the `s3://bucket/prefix` URL. */
export const DESTINATION_FILE = 'artifacts-destination';
/** The logged-model tag listing the registry versions made from it (MLflow 3). */
export const MODEL_VERSIONS_TAG = 'mlflow.modelVersions';
/** Marks a registry entry as a prompt (mlflow/prompt/constants.py IS_PROMPT_TAG_KEY). */
export const PROMPT_TAG = 'mlflow.prompt.is_prompt';

/** `json.dumps` with Python's default separators (", " and ": "), for tags MLflow writes that way. */
export function pythonJsonDumps(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(pythonJsonDumps).join(', ')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${pythonJsonDumps(x)}`).join(', ')}}`;
  }
  return JSON.stringify(v);
}


/** A metric as sent by a client: value already parsed. */
export interface MetricInput extends MetricPoint {
  key: string;
}

type MetricExtra = PointExtra;

const ADJECTIVES = ['able', 'bold', 'brave', 'calm', 'clever', 'eager', 'fair', 'gentle', 'keen', 'lucky', 'merry', 'quick', 'sharp', 'silent', 'swift', 'wise'];
const NOUNS = ['ant', 'bat', 'cod', 'crow', 'deer', 'dove', 'fox', 'hare', 'hawk', 'lynx', 'mole', 'owl', 'seal', 'slug', 'toad', 'wolf'];

function pick<T>(list: readonly T[]): T {
  return list[Math.floor(Math.random() * list.length)]!;
}

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
  // A reader may race a server's compaction deleting the files of the previous snapshot: read again.
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
    await store.ensureDefaultExperiment();
  }
  return store;
}

/** Where a compaction may be stopped, to test that a kill at that moment loses nothing. */
export type CompactionStep = 'rotate' | 'meta' | 'segment' | 'manifest';

/** Start compacting once the journals not in a snapshot hold this many bytes (default). */
export const DEFAULT_COMPACT_AFTER_BYTES = 8 * 1024 * 1024;

function acquireLock(root: string): void {
  const lock = path.join(root, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(fs.readFileSync(lock, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
        throw new StoreInUseError(root, pid, lock);
      }
      // Stale lock from a killed server: take it over.
      fs.rmSync(lock, { force: true });
    }
  }
  throw new Error(`could not lock store ${root}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The store: read API for everyone, write API for the server. */
export class TrackingStore {
  readonly root: string;
  readonly recovery: StoreRecovery;
  private writer: JournalWriter | undefined;
  private readonly now: () => number;
  private readonly truncate: boolean;

  /** The in-memory state, changed only by applyRecord. */
  private readonly state: StoreState;
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
    this.root = root;
    this.state = new StoreState(root, this.blockReader);
    this.now = options.now ?? Date.now;
    this.truncate = options.truncateLongValues ?? true;
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
    fs.rmSync(path.join(this.root, LOCK_FILE), { force: true });
  }

  // ---------------------------------------------------------------- compaction

  /** Reads a series' block from this store's segment files. */
  private readonly blockReader: BlockReader = (ref) => {
    const b = readBlockAt(ref.file, ref.offset);
    return { values: b.values, timestamps: b.timestamps, steps: b.steps, extras: b.extras as [number, PointExtra][] };
  };

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
    const meta = this.snapshotRecords();
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

  /** The whole non-metric state as records (metric points go to segments). */
  private snapshotRecords(): unknown[] {
    const out: unknown[] = [{ op: 's-store', nextExperimentId: this.state.nextExperimentId }];
    for (const e of this.state.experimentsById.values()) out.push({ op: 's-exp', e: { ...e, tags: [...e.tags] } });
    for (const r of this.state.runsBySeq) {
      if (!r) continue;
      const { metrics, latest, params, tags, ...info } = r;
      const series: [string, SeriesInfo][] = [];
      for (const [key, s] of metrics) {
        const si = s.info();
        series.push([key, { ...si, blocks: si.blocks.map((b) => ({ ...b, file: path.basename(b.file) })) }]);
      }
      const latestList: unknown[] = [];
      for (const [key, p] of latest) {
        const t: unknown[] = [key, jsonDouble(p.value), p.timestamp, p.step];
        const extra = metricExtra(p);
        if (extra) t.push(extra);
        latestList.push(t);
      }
      out.push({ op: 's-run', r: { ...info, params: [...params], tags: [...tags], series, latest: latestList } });
    }
    for (const m of this.state.loggedModels.values()) out.push({ op: 's-lm', m: { ...m, tags: [...m.tags], params: [...m.params] } });
    for (const rm of this.state.registered.values()) {
      out.push({
        op: 's-rm',
        rm: {
          ...rm,
          tags: [...rm.tags],
          aliases: [...rm.aliases],
          versions: [...rm.versions.values()].map((mv) => ({ ...mv, tags: [...mv.tags] })),
        },
      });
    }
    return out;
  }

  /** @internal Experiment "0" ("Default") exists in every store (reference §0.6). */
  async ensureDefaultExperiment(): Promise<void> {
    if (this.state.experimentsById.has('0')) return;
    const t = this.now();
    await this.commit({ op: 'exp', id: '0', name: 'Default', loc: 'mlflow-artifacts:/0', t, tags: [] });
  }

  // ---------------------------------------------------------------- read API (JSON shapes)

  /** Every experiment, deleted ones included. */
  experiments(): ExperimentJson[] {
    return [...this.state.experimentsById.values()].map(experimentJson);
  }

  /** One run as `runs/get` returns it (latest metric values), or undefined. */
  run(runId: string): RunJson | undefined {
    const r = this.state.runsById.get(runId);
    return r ? runJson(r) : undefined;
  }

  /** Runs of one experiment (or all), deleted ones included. */
  runs(experimentId?: string): RunJson[] {
    const out: RunJson[] = [];
    for (const r of this.state.runsBySeq) if (r && (experimentId === undefined || r.experiment_id === experimentId)) out.push(runJson(r));
    return out;
  }

  /** The full history of one metric of one run, in logging order ([] if unknown). */
  metricHistory(runId: string, key: string): MetricJson[] {
    const r = this.state.runsById.get(runId);
    const points = r?.metrics.get(key);
    return points ? [...points].map((p) => metricJson(key, p, runId)) : [];
  }

  /** Every registered model as `registered-models/get` returns it (with aliases). */
  registeredModels(): RegisteredModelJson[] {
    return [...this.state.registered.values()].map(registeredModelJson);
  }

  /** Every version of one registered model (or of all), oldest first, each with its aliases. */
  modelVersions(name?: string): ModelVersionJson[] {
    const out: ModelVersionJson[] = [];
    for (const rm of this.state.registered.values()) {
      if (name !== undefined && rm.name !== name) continue;
      const versions = [...rm.versions.values()].sort((a, b) => Number(a.version) - Number(b.version));
      for (const mv of versions) out.push(modelVersionJson(mv, rm));
    }
    return out;
  }

  /** A 3.x logged model (`models:/<id>` sources), or undefined. */
  loggedModel(modelId: string): LoggedModelJson | undefined {
    const m = this.state.loggedModels.get(modelId);
    return m && !m.deleted ? this.loggedModelJson(m) : undefined;
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
   * The path relative to the artifact root behind an artifact URI kept by this store:
   * `mlflow-artifacts:/...` (also with a host), `runs:/<run>/<path>`, `models:/<model_id>/<path>`.
   */
  private artifactRel(uri: string): string | undefined {
    let m: RegExpExecArray | null;
    if ((m = /^mlflow-artifacts:(?:\/\/[^/]*)?\/+(.*)$/.exec(uri))) return m[1];
    if ((m = /^runs:\/([^/]+)\/?(.*)$/.exec(uri))) {
      const r = this.state.runsById.get(m[1]!);
      const base = r && /^mlflow-artifacts:(?:\/\/[^/]*)?\/+(.*)$/.exec(r.artifact_uri);
      if (base) return m[2] ? `${base[1]}/${m[2]}` : base[1];
    } else if ((m = /^models:\/(m-[0-9a-f]+)\/?(.*)$/.exec(uri))) {
      const lm = this.state.loggedModels.get(m[1]!);
      const base = lm && /^mlflow-artifacts:(?:\/\/[^/]*)?\/+(.*)$/.exec(lm.artifact_uri);
      if (base) return m[2] ? `${base[1]}/${m[2]}` : base[1];
    }
    return undefined;
  }

  /**
   * The `mlflow-artifacts:` root behind a model version source (`runs:/`, `models:/m-...` or a
   * plain URI), as `get_model_version_download_uri` resolves it; undefined when it is elsewhere.
   */
  artifactRoot(source: string): string | undefined {
    let m: RegExpExecArray | null;
    if ((m = /^runs:\/([^/]+)\/?(.*)$/.exec(source))) {
      const r = this.state.runsById.get(m[1]!);
      return r ? (m[2] ? `${r.artifact_uri}/${m[2]}` : r.artifact_uri) : undefined;
    }
    if ((m = /^models:\/(m-[0-9a-f]+)\/?(.*)$/.exec(source))) {
      const lm = this.state.loggedModels.get(m[1]!);
      return lm ? (m[2] ? `${lm.artifact_uri}/${m[2]}` : lm.artifact_uri) : undefined;
    }
    return /^mlflow-artifacts:/.test(source) ? source : undefined;
  }

  /**
   * The local file (or directory) behind an artifact URI kept by this store (see `artifactRel`).
   * Undefined for URIs stored elsewhere, and when the server keeps artifacts in S3 (then use
   * `artifactUrl`). Throws 400 "Invalid path" for paths that try to leave the store.
   */
  artifactFile(uri: string): string | undefined {
    const rel = this.artifactRel(uri);
    if (rel === undefined || this.artifactsDestination !== undefined) return undefined;
    return this.artifactPath(rel);
  }

  /**
   * Where the bytes behind an artifact URI kept by this store are: a local path, or an
   * `s3://bucket/prefix/<path>` URL when the server keeps artifacts in S3.
   */
  artifactUrl(uri: string): string | undefined {
    const rel = this.artifactRel(uri);
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

  // ---------------------------------------------------------------- internal accessors for the routes

  /** @internal */
  getExperiment(id: string): Experiment {
    const e = this.state.experimentsById.get(id);
    if (!e) throw notFound(`No Experiment with id=${id} exists`);
    return e;
  }

  /** @internal */
  getExperimentByName(name: string): Experiment {
    const id = this.state.experimentIdsByName.get(name);
    if (id === undefined) throw notFound(`Could not find experiment with name '${name}'`);
    return this.state.experimentsById.get(id)!;
  }

  /** @internal */
  getRun(runId: string): Run {
    const r = this.state.runsById.get(runId);
    if (!r) throw notFound(`Run '${runId}' not found`);
    return r;
  }

  private activeRun(runId: string): Run {
    const r = this.getRun(runId);
    // SqlAlchemyStore._check_run_is_active (a run of a deleted experiment is deleted too).
    if (r.lifecycle_stage !== 'active') throw invalid(`The run ${runId} must be in the 'active' state. Current state is ${r.lifecycle_stage}.`);
    return r;
  }

  /** @internal */
  getLoggedModel(modelId: string): LoggedModel {
    const m = this.state.loggedModels.get(modelId);
    if (!m || m.deleted) throw notFound(`Logged model with ID '${modelId}' not found.`);
    return m;
  }

  /** @internal */
  loggedModelJson(m: LoggedModel): LoggedModelJson {
    const registrations: { name: string; version: string }[] = [];
    for (const rm of this.state.registered.values()) {
      for (const mv of rm.versions.values()) if (mv.model_id === m.model_id) registrations.push({ name: rm.name, version: mv.version });
    }
    const metrics = m.metrics;
    return {
      info: {
        model_id: m.model_id,
        experiment_id: m.experiment_id,
        name: m.name,
        creation_timestamp_ms: m.creation_timestamp_ms,
        last_updated_timestamp_ms: m.last_updated_timestamp_ms,
        artifact_uri: m.artifact_uri,
        status: m.status,
        model_type: m.model_type,
        source_run_id: m.source_run_id,
        status_message: m.status_message,
        tags: kvList(m.tags),
        registrations,
      },
      data: { params: kvList(m.params), metrics },
    };
  }

  /** @internal */
  getRegisteredModel(name: string): RegisteredModel {
    const rm = this.state.registered.get(name);
    if (!rm) throw notFound(`Registered Model with name=${name} not found`);
    return rm;
  }

  /** @internal */
  getModelVersion(name: string, version: string): { rm: RegisteredModel; mv: ModelVersion } {
    const rm = this.getRegisteredModel(name);
    const mv = rm.versions.get(version);
    if (!mv) throw notFound(`Model Version (name=${name}, version=${version}) not found`);
    return { rm, mv };
  }

  // ---------------------------------------------------------------- experiments

  async createExperiment(name: string, artifactLocation: string | undefined, tags: KeyValue[]): Promise<string> {
    validateExperimentName(name);
    if (this.state.experimentIdsByName.has(name)) throw alreadyExists(`Experiment '${name}' already exists.`);
    for (const t of tags) {
      validateKey('tag', t.key);
      t.value = limitValue('value', t.value, LIMITS.experimentTagValue, false);
    }
    if (artifactLocation && /(^|[/\\])\.\.([/\\]|$)|%2e%2e|\0/i.test(artifactLocation)) {
      throw invalid(`Invalid artifact location '${artifactLocation}': it must not contain '..' segments.`);
    }
    const id = String(this.state.nextExperimentId);
    const loc = artifactLocation && artifactLocation !== '' ? artifactLocation : `mlflow-artifacts:/${id}`;
    await this.commit({ op: 'exp', id, name, loc, t: this.now(), tags: tags.map((t) => [t.key, t.value]) });
    return id;
  }

  /**
   * Marks the experiment and every one of its runs deleted, as `SqlAlchemyStore.delete_experiment`
   * does (`_mark_run_deleted` on each run of `_list_run_infos`); only an active experiment can be
   * deleted (`_get_experiment(..., ViewType.ACTIVE_ONLY)`, else RESOURCE_DOES_NOT_EXIST).
   */
  async deleteExperiment(id: string): Promise<void> {
    const e = this.getExperiment(id);
    if (id === '0') throw invalid('Cannot delete the default experiment \'0\'. This is an internally reserved experiment.');
    if (e.lifecycle_stage !== 'active') throw notFound(`No Experiment with id=${id} exists`);
    await this.commit({ op: 'exp-stage', id, stage: 'deleted', t: this.now() });
  }

  /** `SqlAlchemyStore.restore_experiment`: only a deleted experiment; every run comes back (`_mark_run_active`). */
  async restoreExperiment(id: string): Promise<void> {
    const e = this.getExperiment(id);
    if (e.lifecycle_stage !== 'deleted') throw notFound(`No Experiment with id=${id} exists`);
    await this.commit({ op: 'exp-stage', id, stage: 'active', t: this.now() });
  }

  async renameExperiment(id: string, newName: string): Promise<void> {
    const e = this.getExperiment(id);
    validateExperimentName(newName);
    if (e.lifecycle_stage !== 'active') throw invalid(`Cannot rename a non-active experiment.`);
    if (newName !== e.name && this.state.experimentIdsByName.has(newName)) throw alreadyExists(`Experiment '${newName}' already exists.`);
    await this.commit({ op: 'exp-rename', id, name: newName, t: this.now() });
  }

  async setExperimentTag(id: string, key: string, value: string): Promise<void> {
    const e = this.getExperiment(id);
    if (e.lifecycle_stage !== 'active') throw invalid(`The experiment ${id} must be in the 'active' state. Current state is deleted.`);
    validateKey('tag', key);
    value = limitValue('value', value, LIMITS.experimentTagValue, false);
    await this.commit({ op: 'exp-tag', id, k: key, v: value, t: this.now() });
  }

  async deleteExperimentTag(id: string, key: string): Promise<void> {
    const e = this.getExperiment(id);
    if (!e.tags.has(key)) throw notFound(`No tag with name: ${key} in experiment with id ${id}`);
    await this.commit({ op: 'exp-tag-del', id, k: key, t: this.now() });
  }

  /** Experiments matching an MLflow filter, sorted (default: newest first). */
  searchExperiments(viewType: string, filter: string | undefined, orderBy: string[] | undefined): Experiment[] {
    return queries.searchExperiments(this.state, viewType, filter, orderBy);
  }

  // ---------------------------------------------------------------- runs

  async createRun(input: { experimentId: string; userId?: string; startTime?: number; runName?: string; tags: KeyValue[] }): Promise<Run> {
    const e = this.getExperiment(input.experimentId);
    if (e.lifecycle_stage !== 'active') {
      // SqlAlchemyStore._check_experiment_is_active: INVALID_PARAMETER_VALUE (400).
      throw invalid(`The experiment ${e.experiment_id} must be in the 'active' state. Current state is ${e.lifecycle_stage}.`);
    }
    const tags = new Map<string, string>();
    for (const t of input.tags) {
      validateKey('tag', t.key);
      tags.set(t.key, limitValue('value', t.value, LIMITS.runTagValue, this.truncate));
    }
    const tagName = tags.get('mlflow.runName');
    if (input.runName && tagName && input.runName !== tagName) {
      throw invalid(`Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='${input.runName}', mlflow.runName='${tagName}').`);
    }
    const runName = input.runName || tagName || `${pick(ADJECTIVES)}-${pick(NOUNS)}-${Math.floor(Math.random() * 1000)}`;
    tags.set('mlflow.runName', runName);
    const userId = tags.get('mlflow.user') ?? (input.userId || 'unknown');
    const runId = randomUUID().replace(/-/g, '');
    const seq = this.state.runsBySeq.length;
    const base = e.artifact_location.replace(/\/+$/, '');
    await this.commit({
      op: 'run',
      seq,
      id: runId,
      exp: e.experiment_id,
      name: runName,
      user: userId,
      st: input.startTime ?? this.now(),
      uri: `${base}/${runId}/artifacts`,
      tags: [...tags],
    });
    return this.state.runsById.get(runId)!;
  }

  async updateRun(runId: string, update: { status?: RunStatus; endTime?: number; runName?: string }): Promise<Run> {
    const r = this.activeRun(runId);
    await this.commit({ op: 'run-upd', seq: r.seq, status: update.status, et: update.endTime, name: update.runName || undefined });
    return r;
  }

  async deleteRun(runId: string): Promise<void> {
    const r = this.getRun(runId);
    await this.commit({ op: 'run-stage', seq: r.seq, stage: 'deleted', t: this.now() });
  }

  async restoreRun(runId: string): Promise<void> {
    const r = this.getRun(runId);
    await this.commit({ op: 'run-stage', seq: r.seq, stage: 'active', t: this.now() });
  }

  async logMetric(runId: string, m: MetricInput): Promise<void> {
    const r = this.activeRun(runId);
    validateKey('metric', m.key);
    validateTimestamp(m.key, m.value, m.timestamp);
    await this.commit(metricRecord(r.seq, m));
  }

  async logParam(runId: string, key: string, value: string): Promise<void> {
    const r = this.activeRun(runId);
    validateKey('param', key);
    value = limitValue('Param value', value, LIMITS.paramValue, this.truncate);
    const old = r.params.get(key);
    if (old !== undefined) {
      if (old === value) return;
      throw invalid(
        `Changing param values is not allowed. Param with key='${key}' was already logged with value='${old}' for run ID='${runId}'. Attempted logging new value '${value}'.`,
      );
    }
    await this.commit({ op: 'p', seq: r.seq, k: key, v: value });
  }

  async setTag(runId: string, key: string, value: string): Promise<void> {
    const r = this.activeRun(runId);
    validateKey('tag', key);
    value = limitValue('value', value, LIMITS.runTagValue, this.truncate);
    await this.commit({ op: 't', seq: r.seq, k: key, v: value });
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    const r = this.activeRun(runId);
    if (!r.tags.has(key)) throw notFound(`No tag with name: ${key} in run with id ${runId}`);
    await this.commit({ op: 't-del', seq: r.seq, k: key });
  }

  async logBatch(runId: string, metrics: MetricInput[], params: KeyValue[], tags: KeyValue[]): Promise<void> {
    const r = this.activeRun(runId);
    metrics.forEach((m, i) => {
      validateKey('metric', m.key);
      validateTimestamp(m.key, m.value, m.timestamp, `metrics[${i}].timestamp`);
    });
    // validation.py _validate_param_keys_unique: any key given twice, even with the same value.
    const seen = new Set<string>();
    const dupes: string[] = [];
    for (const p of params) {
      if (seen.has(p.key)) dupes.push(p.key);
      seen.add(p.key);
    }
    if (dupes.length > 0) {
      throw invalid(
        `Duplicate parameter keys have been submitted: [${dupes.map((k) => `'${k}'`).join(', ')}]. Please ensure the request contains only one param value per param key.`,
      );
    }
    const newParams = new Map<string, string>();
    const conflicts: string[] = [];
    for (const p of params) {
      validateKey('param', p.key);
      const value = limitValue('Param value', p.value, LIMITS.paramValue, this.truncate);
      const old = r.params.get(p.key);
      if (old !== undefined && old !== value) conflicts.push(p.key);
      else if (old === undefined) newParams.set(p.key, value);
    }
    if (conflicts.length > 0) {
      throw invalid(`Changing param values is not allowed. Params were already logged='[${conflicts.map((k) => `'${k}'`).join(', ')}]' for run ID='${runId}'.`);
    }
    const tagList: [string, string][] = [];
    for (const t of tags) {
      validateKey('tag', t.key);
      tagList.push([t.key, limitValue('value', t.value, LIMITS.runTagValue, this.truncate)]);
    }
    if (metrics.length === 0 && newParams.size === 0 && tagList.length === 0) return;
    await this.commit({ op: 'batch', seq: r.seq, m: metrics.map(metricTuple), p: [...newParams], t: tagList });
  }

  async logInputs(runId: string, datasets: DatasetInput[], modelIds: string[]): Promise<void> {
    const r = this.activeRun(runId);
    if (datasets.length === 0 && modelIds.length === 0) return;
    await this.commit({ op: 'inputs', seq: r.seq, ds: datasets, models: modelIds });
  }

  async logOutputs(runId: string, models: { model_id: string; step: number }[]): Promise<void> {
    const r = this.activeRun(runId);
    for (const m of models) this.getLoggedModel(m.model_id);
    await this.commit({ op: 'outputs', seq: r.seq, models });
  }

  /** `runs/log-model` (2.x): append the model's summary to the run tag `mlflow.log-model.history`. */
  async logModel(runId: string, modelJson: string): Promise<void> {
    const r = this.activeRun(runId);
    let model: Record<string, unknown>;
    try {
      model = JSON.parse(modelJson) as Record<string, unknown>;
    } catch {
      throw invalid(`Malformed model info. \n ${modelJson.slice(0, 200)} \n is not a valid JSON.`);
    }
    if (model === null || typeof model !== 'object' || Array.isArray(model)) throw invalid('Malformed model info: model_json must be a JSON object.');
    const missing = ['artifact_path', 'flavors', 'utc_time_created', 'run_id'].filter((k) => !(k in model));
    if (missing.length > 0) throw invalid(`Model json is missing mandatory fields: [${missing.map((k) => `'${k}'`).join(', ')}]`);
    // As MLflow's `Model.get_tags_dict`: the summary without the bulky signature and example.
    const summary: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(model)) {
      if (!['signature', 'saved_input_example_info', 'input_example', 'metadata', 'resources', 'env_vars', 'auth_policy', 'prompts'].includes(k)) summary[k] = v;
    }
    let history: unknown[] = [];
    const old = r.tags.get(LOG_MODEL_HISTORY_TAG);
    if (old) {
      try {
        const parsed = JSON.parse(old) as unknown;
        if (Array.isArray(parsed)) history = parsed;
      } catch {
        history = [];
      }
    }
    history.push(summary);
    await this.commit({ op: 't', seq: r.seq, k: LOG_MODEL_HISTORY_TAG, v: JSON.stringify(history) });
  }

  /** Runs matching an MLflow filter; default order `start_time DESC, run_id ASC`. */
  searchRuns(experimentIds: string[], viewType: string, filter: string | undefined, orderBy: string[] | undefined): Run[] {
    return queries.searchRuns(this.state, experimentIds, viewType, filter, orderBy);
  }

  // ---------------------------------------------------------------- logged models (3.x)

  async createLoggedModel(input: {
    experimentId: string;
    name?: string;
    modelType?: string;
    sourceRunId?: string;
    params: KeyValue[];
    tags: KeyValue[];
  }): Promise<LoggedModel> {
    const e = this.getExperiment(input.experimentId);
    if (e.lifecycle_stage !== 'active') {
      throw invalid(`The experiment ${e.experiment_id} must be in the 'active' state. Current state is ${e.lifecycle_stage}.`);
    }
    if (input.sourceRunId !== undefined) this.getRun(input.sourceRunId);
    for (const t of input.tags) validateKey('tag', t.key);
    for (const p of input.params) validateKey('param', p.key);
    const id = `m-${randomBytes(16).toString('hex')}`;
    const base = e.artifact_location.replace(/\/+$/, '');
    const name = input.name || `${pick(ADJECTIVES)}-${pick(NOUNS)}-${Math.floor(Math.random() * 1000)}`;
    await this.commit({
      op: 'lm',
      id,
      exp: e.experiment_id,
      name,
      t: this.now(),
      uri: `${base}/models/${id}/artifacts`,
      type: input.modelType,
      run: input.sourceRunId,
      p: input.params.map((p) => [p.key, p.value]),
      tags: input.tags.map((t) => [t.key, t.value]),
    });
    return this.state.loggedModels.get(id)!;
  }

  async finalizeLoggedModel(modelId: string, status: LoggedModelStatus): Promise<LoggedModel> {
    const m = this.getLoggedModel(modelId);
    await this.commit({ op: 'lm-status', id: modelId, status, t: this.now() });
    return m;
  }

  async deleteLoggedModel(modelId: string): Promise<void> {
    this.getLoggedModel(modelId);
    await this.commit({ op: 'lm-del', id: modelId, t: this.now() });
  }

  async setLoggedModelTags(modelId: string, tags: KeyValue[]): Promise<void> {
    this.getLoggedModel(modelId);
    for (const t of tags) validateKey('tag', t.key);
    await this.commit({ op: 'lm-tags', id: modelId, tags: tags.map((t) => [t.key, t.value]), t: this.now() });
  }

  async deleteLoggedModelTag(modelId: string, key: string): Promise<void> {
    const m = this.getLoggedModel(modelId);
    if (!m.tags.has(key)) throw notFound(`No tag with key '${key}' found for logged model with ID '${modelId}'.`);
    await this.commit({ op: 'lm-tag-del', id: modelId, k: key, t: this.now() });
  }

  async logLoggedModelParams(modelId: string, params: KeyValue[]): Promise<void> {
    this.getLoggedModel(modelId);
    for (const p of params) validateKey('param', p.key);
    await this.commit({ op: 'lm-params', id: modelId, p: params.map((p) => [p.key, p.value]), t: this.now() });
  }

  /** Logged models of the given experiments matching a filter (attributes, params, tags, metrics). */
  searchLoggedModels(experimentIds: string[], filter: string | undefined, orderBy: LoggedModelOrder[], datasets: LoggedModelDataset[] = []): LoggedModel[] {
    return queries.searchLoggedModels(this.state, experimentIds, filter, orderBy, datasets);
  }

  // ---------------------------------------------------------------- model registry

  async createRegisteredModel(name: string, tags: KeyValue[], description?: string): Promise<RegisteredModel> {
    validateModelName(name);
    if (this.state.registered.has(name)) throw alreadyExists(`Registered Model (name=${name}) already exists.`);
    for (const t of tags) {
      validateKey('tag', t.key);
      t.value = limitValue('value', t.value, LIMITS.registryTagValue, false);
    }
    await this.commit({ op: 'rm', name, t: this.now(), desc: description, tags: tags.map((t) => [t.key, t.value]) });
    return this.state.registered.get(name)!;
  }

  async updateRegisteredModel(name: string, description: string | undefined): Promise<RegisteredModel> {
    const rm = this.getRegisteredModel(name);
    await this.commit({ op: 'rm-upd', name, desc: description ?? '', t: this.now() });
    return rm;
  }

  async renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel> {
    this.getRegisteredModel(name);
    validateModelName(newName);
    if (newName !== name && this.state.registered.has(newName)) throw alreadyExists(`Registered Model (name=${newName}) already exists.`);
    await this.commit({ op: 'rm-rename', name, to: newName, t: this.now() });
    return this.state.registered.get(newName)!;
  }

  async deleteRegisteredModel(name: string): Promise<void> {
    this.getRegisteredModel(name);
    await this.commit({ op: 'rm-del', name });
  }

  async setRegisteredModelTag(name: string, key: string, value: string): Promise<void> {
    this.getRegisteredModel(name);
    validateKey('tag', key);
    value = limitValue('value', value, LIMITS.registryTagValue, false);
    await this.commit({ op: 'rm-tag', name, k: key, v: value, t: this.now() });
  }

  async deleteRegisteredModelTag(name: string, key: string): Promise<void> {
    const rm = this.getRegisteredModel(name);
    if (!rm.tags.has(key)) throw notFound(`No tag with name: ${key} in registered model ${name}`);
    await this.commit({ op: 'rm-tag-del', name, k: key, t: this.now() });
  }

  async setAlias(name: string, alias: string, version: string): Promise<void> {
    validateAlias(alias);
    this.getModelVersion(name, version);
    await this.commit({ op: 'alias', name, alias, version, t: this.now() });
  }

  async deleteAlias(name: string, alias: string): Promise<void> {
    const rm = this.getRegisteredModel(name);
    if (!rm.aliases.has(alias)) throw notFound(`Registered model alias ${alias} not found.`);
    await this.commit({ op: 'alias-del', name, alias, t: this.now() });
  }

  /** @internal */
  versionByAlias(name: string, alias: string): { rm: RegisteredModel; mv: ModelVersion } {
    const rm = this.getRegisteredModel(name);
    const version = rm.aliases.get(alias);
    if (version === undefined) throw notFound(`Registered model alias ${alias} not found.`);
    return this.getModelVersion(name, version);
  }

  async createModelVersion(input: {
    name: string;
    source: string;
    runId?: string;
    runLink?: string;
    description?: string;
    modelId?: string;
    tags: KeyValue[];
  }): Promise<{ rm: RegisteredModel; mv: ModelVersion }> {
    const rm = this.getRegisteredModel(input.name);
    // handlers.py _create_model_version: a prompt version (tag mlflow.prompt.is_prompt, any value,
    // `_is_prompt_request`) keeps whatever source it names; other sources are validated.
    const isPrompt = input.tags.some((t) => t.key === PROMPT_TAG);
    if (!isPrompt) this.validateSource(input.source, input.runId);
    for (const t of input.tags) {
      validateKey('tag', t.key);
      t.value = limitValue('value', t.value, LIMITS.registryTagValue, false);
    }
    let runId = input.runId || undefined;
    if (input.modelId !== undefined) {
      const lm = this.getLoggedModel(input.modelId);
      runId ??= lm.source_run_id;
    }
    const version = String(rm.nextVersion);
    await this.commit({
      op: 'mv',
      name: rm.name,
      version,
      t: this.now(),
      source: input.source,
      run: runId,
      link: input.runLink || undefined,
      desc: input.description || undefined,
      model: input.modelId,
      tags: input.tags.map((t) => [t.key, t.value]),
    });
    if (!isPrompt && input.modelId !== undefined) {
      // handlers.py _create_model_version -> tracking store `set_model_versions_tags`: the logged
      // model lists its registrations in the tag `mlflow.modelVersions`, a JSON list of
      // {"name", "version"} written by Python's json.dumps (version as the SQL store's integer).
      const lm = this.getLoggedModel(input.modelId);
      let list: unknown[] = [];
      try {
        const parsed = JSON.parse(lm.tags.get(MODEL_VERSIONS_TAG) ?? '[]') as unknown;
        if (Array.isArray(parsed)) list = parsed;
      } catch {
        list = [];
      }
      list.push({ name: rm.name, version: Number(version) });
      await this.commit({ op: 'lm-tags', id: lm.model_id, tags: [[MODEL_VERSIONS_TAG, pythonJsonDumps(list)]], t: this.now() });
    }
    return { rm, mv: rm.versions.get(version)! };
  }

  /** Model version sources: no traversal; local paths only inside the run's artifact directory (reference §5.28). */
  private validateSource(source: string, runId: string | undefined): void {
    const bad = (): MlflowError => invalid(`Invalid model version source: '${source}'. If supplying a source as local path, make sure that the path is within the run's artifact directory.`);
    if (source === '' ) throw invalid("Missing value for required parameter 'source'.");
    let decoded = source;
    for (let i = 0; i < 4; i++) {
      if (decoded.includes('\0')) throw bad();
      let next: string;
      try {
        next = decodeURIComponent(decoded);
      } catch {
        throw bad();
      }
      if (next === decoded) break;
      decoded = next;
    }
    const schemeMatch = /^([a-zA-Z][\w+.-]*):/.exec(decoded);
    const scheme = schemeMatch && !/^[a-zA-Z]:[\\/]/.test(decoded) ? schemeMatch[1]!.toLowerCase() : undefined;
    const pathPart = decoded.replace(/^[a-zA-Z][\w+.-]*:(\/\/[^/]*)?/, '');
    if (pathPart.split(/[\\/]/).some((s) => s === '..')) throw bad();
    if (scheme === undefined || scheme === 'file') {
      // A local source is only accepted inside the run's own artifact directory in this store.
      const run = runId ? this.state.runsById.get(runId) : undefined;
      const base = run ? this.artifactFile(run.artifact_uri) : undefined;
      if (!base) throw bad();
      const local = path.resolve(pathPart);
      if (local !== base && !local.startsWith(base + path.sep)) throw bad();
    }
  }

  async updateModelVersion(name: string, version: string, description: string | undefined): Promise<{ rm: RegisteredModel; mv: ModelVersion }> {
    const found = this.getModelVersion(name, version);
    await this.commit({ op: 'mv-upd', name, version, desc: description ?? '', t: this.now() });
    return found;
  }

  async transitionStage(name: string, version: string, stage: string, archiveExisting: boolean): Promise<{ rm: RegisteredModel; mv: ModelVersion }> {
    const found = this.getModelVersion(name, version);
    const canonical = STAGES.find((s) => s.toLowerCase() === stage.toLowerCase());
    if (!canonical) throw invalid(`Invalid Model Version stage: ${stage}. Value must be one of ${STAGES.join(', ')}.`);
    if (archiveExisting && canonical !== 'Staging' && canonical !== 'Production') {
      throw invalid(`Model version transition cannot archive existing model versions because '${canonical}' is not an Active stage. Valid stages are Staging, Production`);
    }
    await this.commit({ op: 'mv-stage', name, version, stage: canonical, archive: archiveExisting, t: this.now() });
    return found;
  }

  async deleteModelVersion(name: string, version: string): Promise<void> {
    this.getModelVersion(name, version);
    await this.commit({ op: 'mv-del', name, version, t: this.now() });
  }

  async setModelVersionTag(name: string, version: string, key: string, value: string): Promise<void> {
    this.getModelVersion(name, version);
    validateKey('tag', key);
    value = limitValue('value', value, LIMITS.registryTagValue, false);
    await this.commit({ op: 'mv-tag', name, version, k: key, v: value, t: this.now() });
  }

  async deleteModelVersionTag(name: string, version: string, key: string): Promise<void> {
    const { mv } = this.getModelVersion(name, version);
    if (!mv.tags.has(key)) throw notFound(`No tag with name: ${key} in model version ${name} ${version}`);
    await this.commit({ op: 'mv-tag-del', name, version, k: key, t: this.now() });
  }

  /** Registered models matching a filter (`name`, `tags.k`); default order `name ASC`. */
  searchRegisteredModels(filter: string | undefined, orderBy: string[] | undefined): RegisteredModel[] {
    return queries.searchRegisteredModels(this.state, filter, orderBy);
  }

  /** Model versions matching a filter (`name`, `run_id`, `source_path`, `tags.k`, `version_number`). */
  searchModelVersions(filter: string | undefined, orderBy: string[] | undefined): { rm: RegisteredModel; mv: ModelVersion }[] {
    return queries.searchModelVersions(this.state, filter, orderBy);
  }

  // ---------------------------------------------------------------- journal

  private async commit(rec: JournalRecord): Promise<void> {
    const writer = this.writer;
    if (!writer) throw new MlflowError('INTERNAL_ERROR', 'The tracking store is open read-only.');
    if (writer.failed) throw new MlflowError('INTERNAL_ERROR', 'The tracking store could not write to disk; restart the server.');
    applyRecord(this.state, rec);
    const done = writer.append(rec);
    this.maybeCompact();
    await done;
  }


}

function metricExtra(m: MetricPoint): MetricExtra | undefined {
  if (m.model_id === undefined && m.dataset_name === undefined && m.dataset_digest === undefined) return undefined;
  return { model_id: m.model_id, dataset_name: m.dataset_name, dataset_digest: m.dataset_digest };
}

function metricRecord(seq: number, m: MetricInput): MetricRecord {
  const extra = metricExtra(m);
  const rec: MetricRecord = ['m', seq, m.key, jsonDouble(m.value), m.timestamp, m.step];
  if (extra) rec.push(extra);
  return rec;
}

function metricTuple(m: MetricInput): MetricTuple {
  const extra = metricExtra(m);
  const t: MetricTuple = [m.key, jsonDouble(m.value), m.timestamp, m.step];
  if (extra) t.push(extra);
  return t;
}







