/**
 * The tracking store's journal records: one line of `journal.log` (or of a snapshot's
 * `meta-<k>.log`) each. Metric points use a compact array form, every other record an object
 * with an `op`; snapshot records (`s-*`) carry whole entities. Field names are short because a
 * journal holds millions of lines, and they never change: old journals must replay.
 */
import type { DatasetInput, Experiment, LifecycleStage, LoggedModel, LoggedModelStatus, ModelVersion, RegisteredModel, Run, RunStatus } from './entities.js';
import type { PointExtra, SeriesInfo } from './series.js';

/** Pairs of a Map, as JSON keeps them. */
type Pairs = [string, string][];

/** One metric point of a run (`seq` is the run's store-internal number). */
export type MetricRecord = [op: 'm', seq: number, key: string, value: number | string, timestamp: number, step: number, extra?: PointExtra];
/** A point inside a `batch` record. */
export type MetricTuple = [key: string, value: number | string, timestamp: number, step: number, extra?: PointExtra];

/** A run as a snapshot keeps it: maps as pairs, series as their blocks, latest values as tuples. */
export type SnapshotRun = Omit<Run, 'params' | 'tags' | 'metrics' | 'latest'> & {
  params: Pairs;
  tags: Pairs;
  series: [string, SeriesInfo][];
  latest: MetricTuple[];
};

/** Every record with an `op`. */
export type OpRecord =
  // Snapshot records (TrackingStore.compact): whole entities.
  | { op: 's-store'; nextExperimentId: number }
  | { op: 's-exp'; e: Omit<Experiment, 'tags'> & { tags: Pairs } }
  | { op: 's-run'; r: SnapshotRun }
  | { op: 's-lm'; m: Omit<LoggedModel, 'tags' | 'params'> & { tags: Pairs; params: Pairs } }
  | {
      op: 's-rm';
      rm: Omit<RegisteredModel, 'tags' | 'aliases' | 'versions'> & { tags: Pairs; aliases: Pairs; versions: (Omit<ModelVersion, 'tags'> & { tags: Pairs })[] };
    }
  // Experiments.
  | { op: 'exp'; id: string; name: string; loc: string; t: number; tags: Pairs }
  | { op: 'exp-stage'; id: string; stage: LifecycleStage; t: number }
  | { op: 'exp-rename'; id: string; name: string; t: number }
  | { op: 'exp-tag'; id: string; k: string; v: string; t: number }
  | { op: 'exp-tag-del'; id: string; k: string; t: number }
  // Runs.
  | { op: 'run'; seq: number; id: string; name: string; exp: string; user: string; st: number; uri: string; tags: Pairs }
  | { op: 'run-upd'; seq: number; status?: RunStatus; et?: number; name?: string }
  | { op: 'run-stage'; seq: number; stage: LifecycleStage; t: number }
  | { op: 'p'; seq: number; k: string; v: string }
  | { op: 't'; seq: number; k: string; v: string }
  | { op: 't-del'; seq: number; k: string }
  | { op: 'batch'; seq: number; m: MetricTuple[]; p: Pairs; t: Pairs }
  | { op: 'inputs'; seq: number; ds: DatasetInput[]; models: string[] }
  | { op: 'outputs'; seq: number; models: { model_id: string; step: number }[] }
  // Logged models (MLflow 3).
  | { op: 'lm'; id: string; exp: string; name: string; t: number; uri: string; type?: string; run?: string; tags: Pairs; p: Pairs }
  | { op: 'lm-status'; id: string; status: LoggedModelStatus; t: number }
  | { op: 'lm-del'; id: string; t: number }
  | { op: 'lm-tags'; id: string; tags: Pairs; t: number }
  | { op: 'lm-tag-del'; id: string; k: string; t: number }
  | { op: 'lm-params'; id: string; p: Pairs; t: number }
  // Registered models, aliases and versions.
  | { op: 'rm'; name: string; t: number; desc?: string; tags: Pairs }
  | { op: 'rm-upd'; name: string; desc?: string; t: number }
  | { op: 'rm-rename'; name: string; to: string; t: number }
  | { op: 'rm-del'; name: string }
  | { op: 'rm-tag'; name: string; k: string; v: string; t: number }
  | { op: 'rm-tag-del'; name: string; k: string; t: number }
  | { op: 'alias'; name: string; alias: string; version: string; t: number }
  | { op: 'alias-del'; name: string; alias: string; t: number }
  | { op: 'mv'; name: string; version: string; t: number; desc?: string; source: string; run?: string; link?: string; model?: string; tags: Pairs }
  | { op: 'mv-upd'; name: string; version: string; desc?: string; t: number }
  | { op: 'mv-stage'; name: string; version: string; stage: string; archive: boolean; t: number }
  | { op: 'mv-del'; name: string; version: string; t: number }
  | { op: 'mv-tag'; name: string; version: string; k: string; v: string; t?: number }
  | { op: 'mv-tag-del'; name: string; version: string; k: string; t?: number };

export type JournalRecord = MetricRecord | OpRecord;
