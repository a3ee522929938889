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
  MetricSeries,
  type ModelVersion,
  type PointExtra,
  type BlockReader,
  type BlockRef,
  type SeriesInfo,
  type ModelVersionJson,
  type RegisteredModel,
  type RegisteredModelJson,
  type Run,
  type RunJson,
  type RunStatus,
  type Stage,
  STAGES,
  experimentJson,
  jsonDouble,
  kvList,
  metricJson,
  modelVersionJson,
  parseDouble,
  registeredModelJson,
  runJson,
} from './entities.js';
import { type Clause, type OrderBy, compareKeys, matches, parseFilter, parseOrderBy } from './search.js';
import { checkRunClauses, datasetInputsMatch, runOrderWithTiebreaks, translateRunOrder } from './search-rules.js';

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
}

export const JOURNAL_FILE = 'journal.log';
export const ARTIFACTS_DIR = 'artifacts';
export const LOCK_FILE = 'server.lock';
/** Present when the server keeps proxied artifacts in S3: the `s3://bucket/prefix` URL. */
export const DESTINATION_FILE = 'artifacts-destination';
export const LOG_MODEL_HISTORY_TAG = 'mlflow.log-model.history';
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

/** An order-by entry of `logged-models/search`; a metric may be restricted to one dataset. */
export interface LoggedModelOrder extends OrderBy {
  datasetName?: string;
  datasetDigest?: string;
}

/** A `datasets` entry of `logged-models/search`: metrics are only those logged on these datasets. */
export interface LoggedModelDataset {
  dataset_name: string;
  dataset_digest?: string;
}

/** mlflow/entities/logged_model_status.py: the names filters use for each proto status. */
const LOGGED_MODEL_STATUS_NAMES: Record<LoggedModelStatus, string> = {
  LOGGED_MODEL_STATUS_UNSPECIFIED: 'UNSPECIFIED',
  LOGGED_MODEL_PENDING: 'PENDING',
  LOGGED_MODEL_READY: 'READY',
  LOGGED_MODEL_UPLOAD_FAILED: 'FAILED',
};

function onDatasets(p: MetricJson, datasets: LoggedModelDataset[]): boolean {
  return datasets.length === 0 || datasets.some((d) => p.dataset_name === d.dataset_name && (d.dataset_digest === undefined || p.dataset_digest === d.dataset_digest));
}

/** A metric as sent by a client: value already parsed. */
export interface MetricInput extends MetricPoint {
  key: string;
}

// Journal records. Metric points use a compact array form, the rest objects with an `op`.
type MetricRecord = [op: 'm', seq: number, key: string, value: number | string, timestamp: number, step: number, extra?: MetricExtra];
type MetricExtra = { model_id?: string; dataset_name?: string; dataset_digest?: string };
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type OpRecord = { op: string; [k: string]: any };
type JournalRecord = MetricRecord | OpRecord;

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

  private readonly experimentsById = new Map<string, Experiment>();
  private readonly experimentIdsByName = new Map<string, string>();
  private nextExperimentId = 1;
  private readonly runsById = new Map<string, Run>();
  private readonly runsBySeq: Run[] = [];
  private readonly loggedModels = new Map<string, LoggedModel>();
  private readonly registered = new Map<string, RegisteredModel>();
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
    this.now = options.now ?? Date.now;
    this.truncate = options.truncateLongValues ?? true;
    this.fsync = options.fsync ?? true;
    this.compactAfterBytes = options.compactAfterBytes ?? DEFAULT_COMPACT_AFTER_BYTES;
    this.manifest = files.manifest;
    this.nextSealIndex = Math.max(files.manifest?.gen ?? 0, ...files.sealedIndexes.map((i) => i + 1));
    let records = 0;
    let tornBytes = 0;
    let corruptLines = 0;
    const applyAll = (replay: JournalReplay): void => {
      for (const rec of replay.records) {
        try {
          this.apply(rec as JournalRecord);
        } catch {
          // A record that no longer applies (should not happen) is skipped, never fatal.
        }
      }
      records += replay.records.length;
      tornBytes += replay.tornBytes;
      corruptLines += replay.corruptLines;
    };
    if (files.meta) applyAll(files.meta);
    // Segments are not read here: each series reads its blocks on first use (MetricSeries.fromSnapshot).
    files.journals.forEach((j, i) => {
      applyAll(j);
      if (i < files.journals.length - 1) this.sealedBytes += j.validBytes;
    });
    this.recovery = { records, tornBytes, corruptLines };
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
    for (const r of this.runsBySeq) {
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
    const out: unknown[] = [{ op: 's-store', nextExperimentId: this.nextExperimentId }];
    for (const e of this.experimentsById.values()) out.push({ op: 's-exp', e: { ...e, tags: [...e.tags] } });
    for (const r of this.runsBySeq) {
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
    for (const m of this.loggedModels.values()) out.push({ op: 's-lm', m: { ...m, tags: [...m.tags], params: [...m.params] } });
    for (const rm of this.registered.values()) {
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
    if (this.experimentsById.has('0')) return;
    const t = this.now();
    await this.commit({ op: 'exp', id: '0', name: 'Default', loc: 'mlflow-artifacts:/0', t, tags: [] });
  }

  // ---------------------------------------------------------------- read API (JSON shapes)

  /** Every experiment, deleted ones included. */
  experiments(): ExperimentJson[] {
    return [...this.experimentsById.values()].map(experimentJson);
  }

  /** One run as `runs/get` returns it (latest metric values), or undefined. */
  run(runId: string): RunJson | undefined {
    const r = this.runsById.get(runId);
    return r ? runJson(r) : undefined;
  }

  /** Runs of one experiment (or all), deleted ones included. */
  runs(experimentId?: string): RunJson[] {
    const out: RunJson[] = [];
    for (const r of this.runsBySeq) if (r && (experimentId === undefined || r.experiment_id === experimentId)) out.push(runJson(r));
    return out;
  }

  /** The full history of one metric of one run, in logging order ([] if unknown). */
  metricHistory(runId: string, key: string): MetricJson[] {
    const r = this.runsById.get(runId);
    const points = r?.metrics.get(key);
    return points ? [...points].map((p) => metricJson(key, p, runId)) : [];
  }

  /** Every registered model as `registered-models/get` returns it (with aliases). */
  registeredModels(): RegisteredModelJson[] {
    return [...this.registered.values()].map(registeredModelJson);
  }

  /** Every version of one registered model (or of all), oldest first, each with its aliases. */
  modelVersions(name?: string): ModelVersionJson[] {
    const out: ModelVersionJson[] = [];
    for (const rm of this.registered.values()) {
      if (name !== undefined && rm.name !== name) continue;
      const versions = [...rm.versions.values()].sort((a, b) => Number(a.version) - Number(b.version));
      for (const mv of versions) out.push(modelVersionJson(mv, rm));
    }
    return out;
  }

  /** A 3.x logged model (`models:/<id>` sources), or undefined. */
  loggedModel(modelId: string): LoggedModelJson | undefined {
    const m = this.loggedModels.get(modelId);
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
      const r = this.runsById.get(m[1]!);
      const base = r && /^mlflow-artifacts:(?:\/\/[^/]*)?\/+(.*)$/.exec(r.artifact_uri);
      if (base) return m[2] ? `${base[1]}/${m[2]}` : base[1];
    } else if ((m = /^models:\/(m-[0-9a-f]+)\/?(.*)$/.exec(uri))) {
      const lm = this.loggedModels.get(m[1]!);
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
      const r = this.runsById.get(m[1]!);
      return r ? (m[2] ? `${r.artifact_uri}/${m[2]}` : r.artifact_uri) : undefined;
    }
    if ((m = /^models:\/(m-[0-9a-f]+)\/?(.*)$/.exec(source))) {
      const lm = this.loggedModels.get(m[1]!);
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
    const e = this.experimentsById.get(id);
    if (!e) throw notFound(`No Experiment with id=${id} exists`);
    return e;
  }

  /** @internal */
  getExperimentByName(name: string): Experiment {
    const id = this.experimentIdsByName.get(name);
    if (id === undefined) throw notFound(`Could not find experiment with name '${name}'`);
    return this.experimentsById.get(id)!;
  }

  /** @internal */
  getRun(runId: string): Run {
    const r = this.runsById.get(runId);
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
    const m = this.loggedModels.get(modelId);
    if (!m || m.deleted) throw notFound(`Logged model with ID '${modelId}' not found.`);
    return m;
  }

  /** @internal */
  loggedModelJson(m: LoggedModel): LoggedModelJson {
    const registrations: { name: string; version: string }[] = [];
    for (const rm of this.registered.values()) {
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
    const rm = this.registered.get(name);
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
    if (this.experimentIdsByName.has(name)) throw alreadyExists(`Experiment '${name}' already exists.`);
    for (const t of tags) {
      validateKey('tag', t.key);
      t.value = limitValue('value', t.value, LIMITS.experimentTagValue, false);
    }
    if (artifactLocation && /(^|[/\\])\.\.([/\\]|$)|%2e%2e|\0/i.test(artifactLocation)) {
      throw invalid(`Invalid artifact location '${artifactLocation}': it must not contain '..' segments.`);
    }
    const id = String(this.nextExperimentId);
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
    if (newName !== e.name && this.experimentIdsByName.has(newName)) throw alreadyExists(`Experiment '${newName}' already exists.`);
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
    const clauses = parseFilter(filter);
    const order = parseOrderBy(orderBy);
    for (const c of clauses) {
      if (c.type === 'attribute' && !['name', 'creation_time', 'last_update_time', 'experiment_id'].includes(c.key)) {
        throw invalid(`Invalid attribute key '${c.key}' specified. Valid keys are '['name', 'creation_time', 'last_update_time']'`);
      }
      if (c.type !== 'attribute' && c.type !== 'tag') throw invalid(`Invalid filter '${filter}': experiments can be filtered by attributes and tags only`);
    }
    const list = [...this.experimentsById.values()].filter(
      (e) => stageMatches(e.lifecycle_stage, viewType) && clauses.every((c) => matches(experimentValue(e, c), c)),
    );
    const keys: OrderBy[] = order.length > 0 ? order : [{ type: 'attribute', key: 'creation_time', ascending: false }];
    return list.sort((a, b) => {
      for (const o of keys) {
        const c = compareKeys(experimentValue(a, o), experimentValue(b, o), o.ascending);
        if (c !== 0) return c;
      }
      return Number(b.experiment_id) - Number(a.experiment_id);
    });
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
    const seq = this.runsBySeq.length;
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
    return this.runsById.get(runId)!;
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
    const clauses = checkRunClauses(parseFilter(filter));
    const keys = runOrderWithTiebreaks(translateRunOrder(parseOrderBy(orderBy)));
    const exps = new Set(experimentIds);
    const list: Run[] = [];
    const matchesRun = (r: Run, c: Clause): boolean => (c.type === 'dataset' ? datasetInputsMatch(r.datasetInputs, c) : matches(runValue(r, c), c));
    for (const r of this.runsBySeq) {
      if (r && exps.has(r.experiment_id) && stageMatches(r.lifecycle_stage, viewType) && clauses.every((c) => matchesRun(r, c))) {
        list.push(r);
      }
    }
    return list.sort((a, b) => {
      for (const o of keys) {
        const c = compareKeys(runValue(a, o), runValue(b, o), o.ascending);
        if (c !== 0) return c;
      }
      return 0;
    });
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
    return this.loggedModels.get(id)!;
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
    const clauses = parseFilter(filter);
    const exps = new Set(experimentIds);
    // A metric clause holds when one of the model's metrics (on the given datasets) satisfies it,
    // as SqlAlchemyStore.search_logged_models joins logged_model_metrics.
    const holds = (m: LoggedModel, c: Clause): boolean =>
      c.type === 'metric'
        ? m.metrics.some((p) => p.key === c.key && onDatasets(p, datasets) && matches(parseDouble(p.value), c))
        : matches(loggedModelValue(m, c), c);
    const list = [...this.loggedModels.values()].filter(
      (m) => !m.deleted && (exps.size === 0 || exps.has(m.experiment_id)) && clauses.every((c) => holds(m, c)),
    );
    const keys: LoggedModelOrder[] = orderBy.length > 0 ? orderBy : [{ type: 'attribute', key: 'creation_timestamp_ms', ascending: false }];
    const value = (m: LoggedModel, o: LoggedModelOrder): string | number | undefined => {
      if (o.type !== 'metric') return loggedModelValue(m, o);
      const ds = o.datasetName !== undefined ? [{ dataset_name: o.datasetName, dataset_digest: o.datasetDigest }] : [];
      let best: MetricJson | undefined;
      for (const p of m.metrics) {
        if (p.key !== o.key || !onDatasets(p, ds)) continue;
        if (!best || p.step > best.step || (p.step === best.step && p.timestamp > best.timestamp)) best = p;
      }
      return best ? parseDouble(best.value) : undefined;
    };
    return list.sort((a, b) => {
      for (const o of keys) {
        const c = compareKeys(value(a, o), value(b, o), o.ascending);
        if (c !== 0) return c;
      }
      return a.model_id < b.model_id ? -1 : 1;
    });
  }

  // ---------------------------------------------------------------- model registry

  async createRegisteredModel(name: string, tags: KeyValue[], description?: string): Promise<RegisteredModel> {
    validateModelName(name);
    if (this.registered.has(name)) throw alreadyExists(`Registered Model (name=${name}) already exists.`);
    for (const t of tags) {
      validateKey('tag', t.key);
      t.value = limitValue('value', t.value, LIMITS.registryTagValue, false);
    }
    await this.commit({ op: 'rm', name, t: this.now(), desc: description, tags: tags.map((t) => [t.key, t.value]) });
    return this.registered.get(name)!;
  }

  async updateRegisteredModel(name: string, description: string | undefined): Promise<RegisteredModel> {
    const rm = this.getRegisteredModel(name);
    await this.commit({ op: 'rm-upd', name, desc: description ?? '', t: this.now() });
    return rm;
  }

  async renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel> {
    this.getRegisteredModel(name);
    validateModelName(newName);
    if (newName !== name && this.registered.has(newName)) throw alreadyExists(`Registered Model (name=${newName}) already exists.`);
    await this.commit({ op: 'rm-rename', name, to: newName, t: this.now() });
    return this.registered.get(newName)!;
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
      const run = runId ? this.runsById.get(runId) : undefined;
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
    const clauses = parseFilter(filter);
    for (const c of clauses) {
      if (c.type === 'attribute' && c.key !== 'name') throw invalid(`Invalid attribute key '${c.key}' specified. Valid keys are '{'name'}'`);
      if (c.type !== 'attribute' && c.type !== 'tag') throw invalid(`Invalid filter '${filter}'`);
    }
    const order = parseOrderBy(orderBy);
    const list = [...this.registered.values()].filter((rm) => clauses.every((c) => matches(registeredModelValue(rm, c), c)));
    const keys: OrderBy[] = order.length > 0 ? order : [{ type: 'attribute', key: 'name', ascending: true }];
    return list.sort((a, b) => {
      for (const o of keys) {
        const c = compareKeys(registeredModelValue(a, o), registeredModelValue(b, o), o.ascending);
        if (c !== 0) return c;
      }
      return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
    });
  }

  /** Model versions matching a filter (`name`, `run_id`, `source_path`, `tags.k`, `version_number`). */
  searchModelVersions(filter: string | undefined, orderBy: string[] | undefined): { rm: RegisteredModel; mv: ModelVersion }[] {
    const clauses = parseFilter(filter);
    for (const c of clauses) {
      if (c.type === 'attribute' && !['name', 'run_id', 'source_path', 'version_number', 'source', 'model_id'].includes(c.key)) {
        throw invalid(`Invalid attribute key '${c.key}' specified. Valid keys are '{'name', 'run_id', 'source_path', 'version_number'}'`);
      }
      if (c.type !== 'attribute' && c.type !== 'tag') throw invalid(`Invalid filter '${filter}'`);
    }
    const order = parseOrderBy(orderBy);
    const list: { rm: RegisteredModel; mv: ModelVersion }[] = [];
    for (const rm of this.registered.values()) {
      for (const mv of rm.versions.values()) if (clauses.every((c) => matches(modelVersionValue(mv, c), c))) list.push({ rm, mv });
    }
    const keys: OrderBy[] =
      order.length > 0
        ? order
        : [
            { type: 'attribute', key: 'last_updated_timestamp', ascending: false },
            { type: 'attribute', key: 'name', ascending: true },
            { type: 'attribute', key: 'version_number', ascending: false },
          ];
    return list.sort((a, b) => {
      for (const o of keys) {
        const c = compareKeys(modelVersionValue(a.mv, o), modelVersionValue(b.mv, o), o.ascending);
        if (c !== 0) return c;
      }
      return 0;
    });
  }

  // ---------------------------------------------------------------- journal

  private async commit(rec: JournalRecord): Promise<void> {
    const writer = this.writer;
    if (!writer) throw new MlflowError('INTERNAL_ERROR', 'The tracking store is open read-only.');
    if (writer.failed) throw new MlflowError('INTERNAL_ERROR', 'The tracking store could not write to disk; restart the server.');
    this.apply(rec);
    const done = writer.append(rec);
    this.maybeCompact();
    await done;
  }

  /**
   * A run metric point; one logged with a `model_id` is also the logged model's metric, kept apart
   * from the run history as MLflow 3's `SqlAlchemyStore._log_model_metrics` keeps it (so the
   * run's history is not doubled when `log_model` logs the step's metrics again with the id).
   */
  private addMetricPoint(r: Run, key: string, p: MetricPoint): void {
    addMetric(r, key, p);
    if (p.model_id === undefined) return;
    const m = this.loggedModels.get(p.model_id);
    if (!m) return;
    const json = metricJson(key, p, r.run_id);
    const same = (x: MetricJson): boolean =>
      x.key === json.key && x.timestamp === json.timestamp && x.step === json.step && x.value === json.value && x.run_id === json.run_id &&
      x.dataset_name === json.dataset_name && x.dataset_digest === json.dataset_digest;
    if (!m.metrics.some(same)) m.metrics.push(json);
  }

  /** Apply one journal record to the in-memory state (used live and on replay). */
  private apply(rec: JournalRecord): void {
    if (Array.isArray(rec)) {
      const [, seq, key, value, timestamp, step, extra] = rec;
      const r = this.runsBySeq[seq];
      if (r) this.addMetricPoint(r, key, { value: parseDouble(value) ?? NaN, timestamp, step, ...extra });
      return;
    }
    const at = (seq: number): Run => {
      const r = this.runsBySeq[seq];
      if (!r) throw new Error(`unknown run #${seq}`);
      return r;
    };
    switch (rec.op) {
      // Whole-entity records of a snapshot's metadata (compact's snapshotRecords).
      case 's-store':
        this.nextExperimentId = Math.max(this.nextExperimentId, rec.nextExperimentId as number);
        return;
      case 's-exp': {
        const e: Experiment = { ...rec.e, tags: new Map(rec.e.tags as [string, string][]) };
        this.experimentsById.set(e.experiment_id, e);
        this.experimentIdsByName.set(e.name, e.experiment_id);
        return;
      }
      case 's-run': {
        const { series, latest, ...info } = rec.r as { series: [string, SeriesInfo][]; latest: [string, number | string, number, number, PointExtra?][] };
        const metrics = new Map<string, MetricSeries>();
        for (const [key, si] of series) {
          metrics.set(key, MetricSeries.fromSnapshot({ ...si, blocks: si.blocks.map((b) => ({ ...b, file: path.join(this.root, b.file) })) }, this.blockReader));
        }
        const r: Run = {
          ...(info as unknown as Run),
          params: new Map(rec.r.params as [string, string][]),
          tags: new Map(rec.r.tags as [string, string][]),
          metrics,
          latest: new Map(latest.map(([k, v, ts, step, extra]) => [k, { value: parseDouble(v) ?? NaN, timestamp: ts, step, ...extra }])),
        };
        this.runsBySeq[r.seq] = r;
        this.runsById.set(r.run_id, r);
        return;
      }
      case 's-lm': {
        const m: LoggedModel = { ...rec.m, tags: new Map(rec.m.tags as [string, string][]), params: new Map(rec.m.params as [string, string][]) };
        this.loggedModels.set(m.model_id, m);
        return;
      }
      case 's-rm': {
        const versions = new Map<string, ModelVersion>();
        for (const mv of rec.rm.versions as (Omit<ModelVersion, 'tags'> & { tags: [string, string][] })[]) versions.set(mv.version, { ...mv, tags: new Map(mv.tags) });
        const rm: RegisteredModel = { ...rec.rm, tags: new Map(rec.rm.tags as [string, string][]), aliases: new Map(rec.rm.aliases as [string, string][]), versions };
        this.registered.set(rm.name, rm);
        return;
      }
      case 'exp': {
        const e: Experiment = {
          experiment_id: rec.id,
          name: rec.name,
          artifact_location: rec.loc,
          lifecycle_stage: 'active',
          creation_time: rec.t,
          last_update_time: rec.t,
          tags: new Map(rec.tags as [string, string][]),
        };
        this.experimentsById.set(e.experiment_id, e);
        this.experimentIdsByName.set(e.name, e.experiment_id);
        const n = Number(rec.id);
        if (Number.isInteger(n) && n >= this.nextExperimentId) this.nextExperimentId = n + 1;
        return;
      }
      case 'exp-stage': {
        const e = this.experimentsById.get(rec.id)!;
        e.lifecycle_stage = rec.stage;
        e.last_update_time = rec.t;
        // The experiment's runs follow it (SqlAlchemyStore.delete_experiment / restore_experiment).
        for (const r of this.runsBySeq) {
          if (r?.experiment_id !== rec.id) continue;
          r.lifecycle_stage = rec.stage;
          r.deleted_time = rec.stage === 'deleted' ? rec.t : undefined;
        }
        return;
      }
      case 'exp-rename': {
        const e = this.experimentsById.get(rec.id)!;
        this.experimentIdsByName.delete(e.name);
        e.name = rec.name;
        e.last_update_time = rec.t;
        this.experimentIdsByName.set(e.name, e.experiment_id);
        return;
      }
      case 'exp-tag': {
        const e = this.experimentsById.get(rec.id)!;
        e.tags.set(rec.k, rec.v);
        e.last_update_time = rec.t;
        return;
      }
      case 'exp-tag-del': {
        const e = this.experimentsById.get(rec.id)!;
        e.tags.delete(rec.k);
        e.last_update_time = rec.t;
        return;
      }
      case 'run': {
        const r: Run = {
          seq: rec.seq,
          run_id: rec.id,
          run_name: rec.name,
          experiment_id: rec.exp,
          user_id: rec.user,
          status: 'RUNNING',
          start_time: rec.st,
          artifact_uri: rec.uri,
          lifecycle_stage: 'active',
          params: new Map(),
          tags: new Map(rec.tags as [string, string][]),
          metrics: new Map(),
          latest: new Map(),
          datasetInputs: [],
          modelInputs: [],
          modelOutputs: [],
        };
        this.runsBySeq[r.seq] = r;
        this.runsById.set(r.run_id, r);
        return;
      }
      case 'run-upd': {
        const r = at(rec.seq);
        if (rec.status !== undefined) r.status = rec.status;
        if (rec.et !== undefined) r.end_time = rec.et;
        if (rec.name !== undefined) {
          r.run_name = rec.name;
          r.tags.set('mlflow.runName', rec.name);
        }
        return;
      }
      case 'run-stage': {
        const r = at(rec.seq);
        r.lifecycle_stage = rec.stage;
        r.deleted_time = rec.stage === 'deleted' ? rec.t : undefined;
        return;
      }
      case 'p':
        at(rec.seq).params.set(rec.k, rec.v);
        return;
      case 't': {
        const r = at(rec.seq);
        r.tags.set(rec.k, rec.v);
        if (rec.k === 'mlflow.runName') r.run_name = rec.v;
        return;
      }
      case 't-del':
        at(rec.seq).tags.delete(rec.k);
        return;
      case 'batch': {
        const r = at(rec.seq);
        for (const [k, v, ts, step, extra] of rec.m as [string, number | string, number, number, MetricExtra?][]) {
          this.addMetricPoint(r, k, { value: parseDouble(v) ?? NaN, timestamp: ts, step, ...extra });
        }
        for (const [k, v] of rec.p as [string, string][]) if (!r.params.has(k)) r.params.set(k, v);
        for (const [k, v] of rec.t as [string, string][]) {
          r.tags.set(k, v);
          if (k === 'mlflow.runName') r.run_name = v;
        }
        return;
      }
      case 'inputs': {
        const r = at(rec.seq);
        for (const d of rec.ds as DatasetInput[]) {
          const dup = r.datasetInputs.some((x) => x.dataset.name === d.dataset.name && x.dataset.digest === d.dataset.digest);
          if (!dup) r.datasetInputs.push(d);
        }
        for (const id of rec.models as string[]) if (!r.modelInputs.includes(id)) r.modelInputs.push(id);
        return;
      }
      case 'outputs': {
        const r = at(rec.seq);
        for (const m of rec.models as { model_id: string; step: number }[]) {
          if (!r.modelOutputs.some((x) => x.model_id === m.model_id)) r.modelOutputs.push(m);
        }
        return;
      }
      case 'lm': {
        const m: LoggedModel = {
          model_id: rec.id,
          experiment_id: rec.exp,
          name: rec.name,
          creation_timestamp_ms: rec.t,
          last_updated_timestamp_ms: rec.t,
          artifact_uri: rec.uri,
          status: 'LOGGED_MODEL_PENDING',
          model_type: rec.type,
          source_run_id: rec.run,
          tags: new Map(rec.tags as [string, string][]),
          params: new Map(rec.p as [string, string][]),
          metrics: [],
          deleted: false,
        };
        // No creator_id: it is an int64 principal id in service.proto that MLflow's OSS stores never
        // set; a user name there makes the client's ParseDict fail (LoggedModelInfo.creator_id).
        this.loggedModels.set(m.model_id, m);
        return;
      }
      case 'lm-status': {
        const m = this.loggedModels.get(rec.id)!;
        m.status = rec.status;
        m.last_updated_timestamp_ms = rec.t;
        return;
      }
      case 'lm-del':
        this.loggedModels.get(rec.id)!.deleted = true;
        return;
      case 'lm-tags': {
        const m = this.loggedModels.get(rec.id)!;
        for (const [k, v] of rec.tags as [string, string][]) m.tags.set(k, v);
        m.last_updated_timestamp_ms = rec.t;
        return;
      }
      case 'lm-tag-del': {
        const m = this.loggedModels.get(rec.id)!;
        m.tags.delete(rec.k);
        m.last_updated_timestamp_ms = rec.t;
        return;
      }
      case 'lm-params': {
        const m = this.loggedModels.get(rec.id)!;
        for (const [k, v] of rec.p as [string, string][]) m.params.set(k, v);
        m.last_updated_timestamp_ms = rec.t;
        return;
      }
      case 'rm':
        this.registered.set(rec.name, {
          name: rec.name,
          creation_timestamp: rec.t,
          last_updated_timestamp: rec.t,
          description: rec.desc,
          tags: new Map(rec.tags as [string, string][]),
          aliases: new Map(),
          versions: new Map(),
          nextVersion: 1,
        });
        return;
      case 'rm-upd': {
        const rm = this.registered.get(rec.name)!;
        rm.description = rec.desc;
        rm.last_updated_timestamp = rec.t;
        return;
      }
      case 'rm-rename': {
        const rm = this.registered.get(rec.name)!;
        this.registered.delete(rec.name);
        rm.name = rec.to;
        rm.last_updated_timestamp = rec.t;
        for (const mv of rm.versions.values()) mv.name = rec.to;
        this.registered.set(rm.name, rm);
        return;
      }
      case 'rm-del':
        this.registered.delete(rec.name);
        return;
      case 'rm-tag': {
        const rm = this.registered.get(rec.name)!;
        rm.tags.set(rec.k, rec.v);
        rm.last_updated_timestamp = rec.t;
        return;
      }
      case 'rm-tag-del': {
        const rm = this.registered.get(rec.name)!;
        rm.tags.delete(rec.k);
        rm.last_updated_timestamp = rec.t;
        return;
      }
      case 'alias': {
        const rm = this.registered.get(rec.name)!;
        rm.aliases.set(rec.alias, rec.version);
        rm.last_updated_timestamp = rec.t;
        return;
      }
      case 'alias-del': {
        const rm = this.registered.get(rec.name)!;
        rm.aliases.delete(rec.alias);
        rm.last_updated_timestamp = rec.t;
        return;
      }
      case 'mv': {
        const rm = this.registered.get(rec.name)!;
        const mv: ModelVersion = {
          name: rec.name,
          version: rec.version,
          creation_timestamp: rec.t,
          last_updated_timestamp: rec.t,
          current_stage: 'None',
          description: rec.desc,
          source: rec.source,
          run_id: rec.run,
          run_link: rec.link,
          model_id: rec.model,
          status: 'READY',
          tags: new Map(rec.tags as [string, string][]),
        };
        rm.versions.set(mv.version, mv);
        rm.nextVersion = Math.max(rm.nextVersion, Number(mv.version) + 1);
        rm.last_updated_timestamp = rec.t;
        return;
      }
      case 'mv-upd': {
        const mv = this.registered.get(rec.name)!.versions.get(rec.version)!;
        mv.description = rec.desc;
        mv.last_updated_timestamp = rec.t;
        return;
      }
      case 'mv-stage': {
        const rm = this.registered.get(rec.name)!;
        const mv = rm.versions.get(rec.version)!;
        if (rec.archive) {
          for (const other of rm.versions.values()) {
            if (other !== mv && other.current_stage === rec.stage) {
              other.current_stage = 'Archived';
              other.last_updated_timestamp = rec.t;
            }
          }
        }
        mv.current_stage = rec.stage as Stage;
        mv.last_updated_timestamp = rec.t;
        return;
      }
      case 'mv-del': {
        const rm = this.registered.get(rec.name)!;
        rm.versions.delete(rec.version);
        for (const [alias, v] of rm.aliases) if (v === rec.version) rm.aliases.delete(alias);
        rm.last_updated_timestamp = rec.t;
        return;
      }
      case 'mv-tag': {
        const mv = this.registered.get(rec.name)!.versions.get(rec.version)!;
        mv.tags.set(rec.k, rec.v);
        return;
      }
      case 'mv-tag-del': {
        const mv = this.registered.get(rec.name)!.versions.get(rec.version)!;
        mv.tags.delete(rec.k);
        return;
      }
      default:
        throw new Error(`unknown journal record ${String(rec.op)}`);
    }
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

function metricTuple(m: MetricInput): unknown[] {
  const extra = metricExtra(m);
  const t: unknown[] = [m.key, jsonDouble(m.value), m.timestamp, m.step];
  if (extra) t.push(extra);
  return t;
}

/** Is `a` newer than `b` in MLflow's sense: max by (step, timestamp, value), NaN lowest. */
function isNewer(a: MetricPoint, b: MetricPoint): boolean {
  if (a.step !== b.step) return a.step > b.step;
  if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp;
  if (Number.isNaN(b.value)) return !Number.isNaN(a.value);
  if (Number.isNaN(a.value)) return false;
  return a.value >= b.value;
}

/** Append a point to a run's history unless the identical point is there already (MLflow's metric primary key). */
function addMetric(r: Run, key: string, p: MetricPoint): void {
  let list = r.metrics.get(key);
  if (!list) {
    list = new MetricSeries();
    r.metrics.set(key, list);
  } else if (list.contains(p)) return;
  list.push(p);
  const cur = r.latest.get(key);
  if (!cur || isNewer(p, cur)) r.latest.set(key, p);
}

function stageMatches(stage: string, viewType: string): boolean {
  if (viewType === 'ALL') return true;
  if (viewType === 'DELETED_ONLY') return stage === 'deleted';
  return stage === 'active';
}

function experimentValue(e: Experiment, c: { type: string; key: string }): string | number | undefined {
  if (c.type === 'tag') return e.tags.get(c.key);
  switch (c.key) {
    case 'name':
      return e.name;
    case 'creation_time':
      return e.creation_time;
    case 'last_update_time':
      return e.last_update_time;
    case 'experiment_id':
      return e.experiment_id;
    default:
      return undefined;
  }
}

function runValue(r: Run, c: Clause | OrderBy): string | number | undefined {
  switch (c.type) {
    case 'metric':
      return r.latest.get(c.key)?.value;
    case 'param':
      return r.params.get(c.key);
    case 'tag':
      return r.tags.get(c.key);
    case 'dataset':
      return undefined;
    default:
  }
  switch (c.key) {
    case 'run_id':
    case 'run_uuid':
      return r.run_id;
    case 'run_name':
      return r.run_name;
    case 'status':
      return r.status;
    case 'user_id':
      return r.user_id;
    case 'start_time':
      return r.start_time;
    case 'end_time':
      return r.end_time;
    case 'artifact_uri':
      return r.artifact_uri;
    case 'lifecycle_stage':
      return r.lifecycle_stage;
    case 'experiment_id':
      return r.experiment_id;
    default:
      throw invalid(`Invalid attribute key '${c.key}' specified.`);
  }
}

function loggedModelValue(m: LoggedModel, c: Clause | OrderBy): string | number | undefined {
  if (c.type === 'tag') return m.tags.get(c.key);
  if (c.type === 'param') return m.params.get(c.key);
  if (c.type === 'metric') return undefined;
  switch (c.key) {
    case 'name':
      return m.name;
    case 'model_id':
      return m.model_id;
    case 'status':
      // Filters name the entity's status (LoggedModelStatus: PENDING, READY, FAILED), not the proto enum.
      return LOGGED_MODEL_STATUS_NAMES[m.status];
    case 'source_run_id':
      return m.source_run_id;
    case 'model_type':
      return m.model_type;
    case 'creation_timestamp':
    case 'creation_time':
    case 'creation_timestamp_ms':
      return m.creation_timestamp_ms;
    case 'last_updated_timestamp':
    case 'last_updated_timestamp_ms':
      return m.last_updated_timestamp_ms;
    default:
      return undefined;
  }
}

function registeredModelValue(rm: RegisteredModel, c: Clause | OrderBy): string | number | undefined {
  if (c.type === 'tag') return rm.tags.get(c.key);
  switch (c.key) {
    case 'name':
      return rm.name;
    case 'timestamp':
    case 'last_updated_timestamp':
      return rm.last_updated_timestamp;
    case 'creation_timestamp':
      return rm.creation_timestamp;
    default:
      throw invalid(`Invalid order by key '${c.key}' specified.`);
  }
}

function modelVersionValue(mv: ModelVersion, c: Clause | OrderBy): string | number | undefined {
  if (c.type === 'tag') return mv.tags.get(c.key);
  switch (c.key) {
    case 'name':
      return mv.name;
    case 'run_id':
      return mv.run_id;
    case 'source_path':
    case 'source':
      return mv.source;
    case 'model_id':
      return mv.model_id;
    case 'version_number':
    case 'version':
      return Number(mv.version);
    case 'creation_timestamp':
      return mv.creation_timestamp;
    case 'timestamp':
    case 'last_updated_timestamp':
      return mv.last_updated_timestamp;
    case 'current_stage':
      return mv.current_stage;
    default:
      throw invalid(`Invalid order by key '${c.key}' specified.`);
  }
}
