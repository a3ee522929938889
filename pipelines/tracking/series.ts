/**
 * A metric's history in memory: columns of float64 instead of one object per point, points of a
 * reopened snapshot read on first use, and the duplicate check of MLflow's metrics primary key.
 */
/** One metric point. `value` may be NaN or ±Infinity. */
export interface MetricPoint {
  value: number;
  timestamp: number;
  step: number;
  model_id?: string;
  dataset_name?: string;
  dataset_digest?: string;
}

/** What a MetricPoint carries besides value, timestamp and step (MLflow 3.x). */
export type PointExtra = Pick<MetricPoint, 'model_id' | 'dataset_name' | 'dataset_digest'>;

/** What a point carries beside value, timestamp and step (the model and dataset it was logged for), if anything. */
export function pointExtra(p: MetricPoint): PointExtra | undefined {
  if (p.model_id === undefined && p.dataset_name === undefined && p.dataset_digest === undefined) return undefined;
  return { model_id: p.model_id, dataset_name: p.dataset_name, dataset_digest: p.dataset_digest };
}
type MetricExtra = PointExtra;

/** Where points of a series are on disk: one block of a snapshot segment file. */
export interface BlockRef {
  file: string;
  offset: number;
  count: number;
}

/** Reads one segment block back: little-endian float64 columns and extras. */
export type BlockReader = (ref: BlockRef) => {
  values: Uint8Array;
  timestamps: Uint8Array;
  steps: Uint8Array;
  extras: [number, PointExtra][];
};

/** What a snapshot records of a series, so it can be reopened without reading its points. */
export interface SeriesInfo {
  blocks: BlockRef[];
  count: number;
  /** Timestamp of the last point in the blocks. */
  lastTs: number;
  ordered: boolean;
}

const hashScratch = new Float64Array(1);
const hashWords = new Uint32Array(hashScratch.buffer);

/** Mix one float64's bits into a 32-bit hash (0 and -0 alike, every NaN alike). */
function mix(h: number, x: number): number {
  hashScratch[0] = x === 0 ? 0 : Number.isNaN(x) ? NaN : x;
  h = Math.imul(h ^ hashWords[0]!, 0x9e3779b1);
  h = Math.imul(h ^ hashWords[1]!, 0x85ebca77);
  return h ^ (h >>> 15);
}

function pointHash(timestamp: number, step: number, value: number): number {
  return mix(mix(mix(0x811c9dc5, timestamp), step), value);
}

/**
 * An open-addressing hash set of a series' point indexes keyed by (timestamp, step, value), in
 * one Int32Array (4 to 8 bytes a point), for the duplicate check of series logged out of order.
 */
class PointIndex {
  private slots = new Int32Array(16);
  private size = 0;

  has(series: MetricSeries, p: MetricPoint): boolean {
    const mask = this.slots.length - 1;
    for (let s = pointHash(p.timestamp, p.step, p.value) & mask; ; s = (s + 1) & mask) {
      const at = this.slots[s]!;
      if (at === 0) return false;
      if (series.matches(at - 1, p)) return true;
    }
  }

  add(series: MetricSeries, i: number): void {
    if (2 * (this.size + 1) > this.slots.length) this.grow(series);
    this.insert(series, i);
    this.size++;
  }

  private insert(series: MetricSeries, i: number): void {
    const mask = this.slots.length - 1;
    let s = series.hashOf(i) & mask;
    while (this.slots[s] !== 0) s = (s + 1) & mask;
    this.slots[s] = i + 1;
  }

  private grow(series: MetricSeries): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2);
    for (const at of old) if (at !== 0) this.insert(series, at - 1);
  }
}

/**
 * One metric's history, kept in three growing Float64Arrays (24 bytes a point) instead of one
 * object per point (about five times more), since a long training logs millions of points.
 * Timestamps (ms) and steps are integers well inside float64's exact range.
 *
 * A series reopened from a snapshot starts with its first `head` points still on disk (segment
 * blocks): they are read on first use, so a restart does not read every point of every run.
 * Appending does not need them unless a new point could repeat one of them.
 */
export class MetricSeries {
  private values: Float64Array = new Float64Array(8);
  private timestamps: Float64Array = new Float64Array(8);
  private steps: Float64Array = new Float64Array(8);
  /** The rare points logged with a model or dataset (MLflow 3.x), by index. */
  private extras: Map<number, MetricExtra> | undefined;
  /** Timestamps never went down so far: an identical point can only be among the trailing ones. */
  private ordered = true;
  /** Points [0, head) not read yet from `headBlocks` (undefined once read). */
  private head = 0;
  private headBlocks: BlockRef[] | undefined;
  private headLastTs = 0;
  private reader: BlockReader | undefined;
  /** Hash index of the points, kept once timestamps went down (see contains). */
  private index: PointIndex | undefined;
  length = 0;
  /** Points already written to snapshot segments, and where. */
  persisted = 0;
  blocks: BlockRef[] = [];

  /** A series whose points are in segment blocks, read on first use. */
  static fromSnapshot(info: SeriesInfo, reader: BlockReader): MetricSeries {
    const s = new MetricSeries();
    s.head = info.count;
    s.length = info.count;
    s.persisted = info.count;
    s.blocks = [...info.blocks];
    s.headBlocks = info.count > 0 ? [...info.blocks] : undefined;
    s.headLastTs = info.lastTs;
    s.ordered = info.ordered;
    s.reader = reader;
    return s;
  }

  /** What a snapshot needs to reopen this series from its blocks (points [0, persisted)). */
  info(): SeriesInfo {
    const lastTs = this.persisted === 0 ? 0 : this.persisted - 1 < this.head && this.headBlocks ? this.headLastTs : this.timestamps[this.persisted - 1]!;
    return { blocks: [...this.blocks], count: this.persisted, lastTs, ordered: this.ordered };
  }

  private capacity(n: number): void {
    if (n <= this.values.length) return;
    let cap = this.values.length;
    while (cap < n) cap *= 2;
    const grow = (a: Float64Array): Float64Array => {
      const b = new Float64Array(cap);
      b.set(a.subarray(0, Math.min(a.length, this.length)));
      return b;
    };
    this.values = grow(this.values);
    this.timestamps = grow(this.timestamps);
    this.steps = grow(this.steps);
  }

  /** Read the points still on disk. */
  private load(): void {
    const blocks = this.headBlocks;
    if (!blocks) return;
    this.headBlocks = undefined;
    this.capacity(this.length);
    let pos = 0;
    for (const ref of blocks) {
      const b = this.reader!(ref);
      new Uint8Array(this.values.buffer, pos * 8, ref.count * 8).set(b.values);
      new Uint8Array(this.timestamps.buffer, pos * 8, ref.count * 8).set(b.timestamps);
      new Uint8Array(this.steps.buffer, pos * 8, ref.count * 8).set(b.steps);
      for (const [i, e] of b.extras) (this.extras ??= new Map()).set(pos + i, e);
      pos += ref.count;
    }
  }

  /**
   * True when a point with the same timestamp, step and value (NaN equal to NaN) is already here.
   * MLflow's metrics table has the primary key (key, timestamp, step, run_uuid, value, is_nan)
   * (`SqlMetric`), and `SqlAlchemyStore._log_metrics` drops rows that would repeat it.
   *
   * While timestamps never went down, only the trailing points at or after `p`'s timestamp can
   * match. Once they did (several writers on one run, a client logging late points), the series
   * keeps a hash index of its points instead, so each check stays O(1) rather than a scan of the
   * whole history.
   */
  contains(p: MetricPoint): boolean {
    if (!this.ordered) return this.indexed().has(this, p);
    const nan = Number.isNaN(p.value);
    for (let i = this.length - 1; i >= 0; i--) {
      if (i < this.head && this.headBlocks) {
        // Ordered: every point on disk is at or before the last one's timestamp.
        if (this.headLastTs < p.timestamp) return false;
        this.load();
      }
      const ts = this.timestamps[i]!;
      if (ts < p.timestamp) return false;
      if (ts !== p.timestamp || this.steps[i] !== p.step) continue;
      const v = this.values[i]!;
      if (nan ? Number.isNaN(v) : v === p.value) return true;
    }
    return false;
  }

  /** The hash index of every point (built on first use, points on disk read first). */
  private indexed(): PointIndex {
    if (!this.index) {
      this.load();
      this.index = new PointIndex();
      for (let i = 0; i < this.length; i++) this.index.add(this, i);
    }
    return this.index;
  }

  /** Point `i` has `p`'s timestamp, step and value (NaN equal to NaN), for the index. */
  matches(i: number, p: MetricPoint): boolean {
    const v = this.values[i]!;
    return this.timestamps[i] === p.timestamp && this.steps[i] === p.step && (Number.isNaN(p.value) ? Number.isNaN(v) : v === p.value);
  }

  /** The index's hash of point `i`. */
  hashOf(i: number): number {
    return pointHash(this.timestamps[i]!, this.steps[i]!, this.values[i]!);
  }

  push(p: MetricPoint): void {
    if (this.length > 0) {
      const last = this.length - 1 < this.head && this.headBlocks ? this.headLastTs : this.timestamps[this.length - 1]!;
      if (p.timestamp < last) this.ordered = false;
    }
    this.capacity(this.length + 1);
    const i = this.length++;
    this.values[i] = p.value;
    this.timestamps[i] = p.timestamp;
    this.steps[i] = p.step;
    this.index?.add(this, i);
    const extra = pointExtra(p);
    if (extra) (this.extras ??= new Map()).set(i, extra);
  }

  /** The raw columns of points [from, to), and their extras, for a snapshot segment. */
  columns(from: number, to: number): { values: Float64Array; timestamps: Float64Array; steps: Float64Array; extras: [number, PointExtra][] } {
    if (from < this.head) this.load();
    const extras: [number, PointExtra][] = [];
    if (this.extras) for (const [i, e] of this.extras) if (i >= from && i < to) extras.push([i - from, e]);
    return { values: this.values.subarray(from, to), timestamps: this.timestamps.subarray(from, to), steps: this.steps.subarray(from, to), extras };
  }

  at(i: number): MetricPoint {
    if (i < this.head) this.load();
    const p: MetricPoint = { value: this.values[i]!, timestamp: this.timestamps[i]!, step: this.steps[i]! };
    const extra = this.extras?.get(i);
    return extra ? { ...p, ...extra } : p;
  }

  *[Symbol.iterator](): IterableIterator<MetricPoint> {
    for (let i = 0; i < this.length; i++) yield this.at(i);
  }
}
