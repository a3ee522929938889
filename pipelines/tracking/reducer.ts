/**
 * The tracking store's state and its reducer: `applyRecord` turns one journal record into the
 * change it stands for, the same way live (after each write) and on replay (at open). The
 * command modules only validate and build records; reads go through `queries`.
 */
import path from 'node:path';
import {
  type Experiment,
  type LoggedModel,
  type MetricJson,
  type ModelVersion,
  type RegisteredModel,
  type Run,
  type Stage,
  jsonDouble,
  metricJson,
  parseDouble,
} from './entities.js';
import type { JournalRecord } from './records.js';
import { type BlockReader, type MetricPoint, MetricSeries, type SeriesInfo, pointExtra } from './series.js';

/** Everything the store holds in memory, indexed as the commands and queries need it. */
export class StoreState {
  readonly experimentsById = new Map<string, Experiment>();
  readonly experimentIdsByName = new Map<string, string>();
  nextExperimentId = 1;
  readonly runsById = new Map<string, Run>();
  /** Runs by their store-internal number (journal records name runs by it). */
  readonly runsBySeq: Run[] = [];
  readonly loggedModels = new Map<string, LoggedModel>();
  readonly registered = new Map<string, RegisteredModel>();

  constructor(
    /** The store directory: snapshot blocks are named relative to it. */
    readonly root: string,
    /** Reads a snapshot block of a series on first use. */
    readonly blockReader: BlockReader,
  ) {}
}

/**
 * Apply one journal record to the state (live after each write, and on replay). Pure but for
 * the state it is given; throws when the record does not fit the state (a run or model it names
 * is not there), which replay counts.
 */
export function applyRecord(state: StoreState, rec: JournalRecord): void {
  if (Array.isArray(rec)) {
    const [, seq, key, value, timestamp, step, extra] = rec;
    const r = state.runsBySeq[seq];
    if (!r) throw new Error(`unknown run #${seq}`);
    addMetricPoint(state, r, key, { value: parseDouble(value) ?? NaN, timestamp, step, ...extra });
    return;
  }
  const at = (seq: number): Run => {
    const r = state.runsBySeq[seq];
    if (!r) throw new Error(`unknown run #${seq}`);
    return r;
  };
  switch (rec.op) {
    // Whole-entity records of a snapshot's metadata (compact's snapshotRecords).
    case 's-store':
      state.nextExperimentId = Math.max(state.nextExperimentId, rec.nextExperimentId as number);
      return;
    case 's-exp': {
      const e: Experiment = { ...rec.e, tags: new Map(rec.e.tags) };
      state.experimentsById.set(e.experiment_id, e);
      state.experimentIdsByName.set(e.name, e.experiment_id);
      return;
    }
    case 's-run': {
      const { series, latest, ...info } = rec.r;
      const metrics = new Map<string, MetricSeries>();
      for (const [key, si] of series) {
        metrics.set(key, MetricSeries.fromSnapshot({ ...si, blocks: si.blocks.map((b) => ({ ...b, file: path.join(state.root, b.file) })) }, state.blockReader));
      }
      const r: Run = {
        ...info,
        params: new Map(rec.r.params),
        tags: new Map(rec.r.tags),
        metrics,
        latest: new Map(latest.map(([k, v, ts, step, extra]) => [k, { value: parseDouble(v) ?? NaN, timestamp: ts, step, ...extra }])),
      };
      state.runsBySeq[r.seq] = r;
      state.runsById.set(r.run_id, r);
      return;
    }
    case 's-lm': {
      const m: LoggedModel = { ...rec.m, tags: new Map(rec.m.tags), params: new Map(rec.m.params) };
      state.loggedModels.set(m.model_id, m);
      return;
    }
    case 's-rm': {
      const versions = new Map<string, ModelVersion>();
      for (const mv of rec.rm.versions) versions.set(mv.version, { ...mv, tags: new Map(mv.tags) });
      const rm: RegisteredModel = { ...rec.rm, tags: new Map(rec.rm.tags), aliases: new Map(rec.rm.aliases), versions };
      state.registered.set(rm.name, rm);
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
        tags: new Map(rec.tags),
      };
      state.experimentsById.set(e.experiment_id, e);
      state.experimentIdsByName.set(e.name, e.experiment_id);
      const n = Number(rec.id);
      if (Number.isInteger(n) && n >= state.nextExperimentId) state.nextExperimentId = n + 1;
      return;
    }
    case 'exp-stage': {
      const e = state.experimentsById.get(rec.id)!;
      e.lifecycle_stage = rec.stage;
      e.last_update_time = rec.t;
      // The experiment's runs follow it (SqlAlchemyStore.delete_experiment / restore_experiment).
      for (const r of state.runsBySeq) {
        if (r?.experiment_id !== rec.id) continue;
        r.lifecycle_stage = rec.stage;
        r.deleted_time = rec.stage === 'deleted' ? rec.t : undefined;
      }
      return;
    }
    case 'exp-rename': {
      const e = state.experimentsById.get(rec.id)!;
      state.experimentIdsByName.delete(e.name);
      e.name = rec.name;
      e.last_update_time = rec.t;
      state.experimentIdsByName.set(e.name, e.experiment_id);
      return;
    }
    case 'exp-tag':
      return editExperiment(state, rec.id, rec.t, (e) => e.tags.set(rec.k, rec.v));
    case 'exp-tag-del':
      return editExperiment(state, rec.id, rec.t, (e) => e.tags.delete(rec.k));
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
        tags: new Map(rec.tags),
        metrics: new Map(),
        latest: new Map(),
        datasetInputs: [],
        modelInputs: [],
        modelOutputs: [],
      };
      state.runsBySeq[r.seq] = r;
      state.runsById.set(r.run_id, r);
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
      for (const [k, v, ts, step, extra] of rec.m) {
        addMetricPoint(state, r, k, { value: parseDouble(v) ?? NaN, timestamp: ts, step, ...extra });
      }
      for (const [k, v] of rec.p) if (!r.params.has(k)) r.params.set(k, v);
      for (const [k, v] of rec.t) {
        r.tags.set(k, v);
        if (k === 'mlflow.runName') r.run_name = v;
      }
      return;
    }
    case 'inputs': {
      const r = at(rec.seq);
      for (const d of rec.ds) {
        const dup = r.datasetInputs.some((x) => x.dataset.name === d.dataset.name && x.dataset.digest === d.dataset.digest);
        if (!dup) r.datasetInputs.push(d);
      }
      for (const id of rec.models) if (!r.modelInputs.includes(id)) r.modelInputs.push(id);
      return;
    }
    case 'outputs': {
      const r = at(rec.seq);
      for (const m of rec.models) {
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
        tags: new Map(rec.tags),
        params: new Map(rec.p),
        metrics: [],
        deleted: false,
      };
      // No creator_id: it is an int64 principal id in service.proto that MLflow's OSS stores never
      // set; a user name there makes the client's ParseDict fail (LoggedModelInfo.creator_id).
      state.loggedModels.set(m.model_id, m);
      return;
    }
    case 'lm-status':
      return editLoggedModel(state, rec.id, rec.t, (m) => (m.status = rec.status));
    case 'lm-del':
      state.loggedModels.get(rec.id)!.deleted = true;
      return;
    case 'lm-tags':
      return editLoggedModel(state, rec.id, rec.t, (m) => rec.tags.forEach(([k, v]) => m.tags.set(k, v)));
    case 'lm-tag-del':
      return editLoggedModel(state, rec.id, rec.t, (m) => m.tags.delete(rec.k));
    case 'lm-params':
      return editLoggedModel(state, rec.id, rec.t, (m) => rec.p.forEach(([k, v]) => m.params.set(k, v)));
    case 'rm':
      state.registered.set(rec.name, {
        name: rec.name,
        creation_timestamp: rec.t,
        last_updated_timestamp: rec.t,
        description: rec.desc,
        tags: new Map(rec.tags),
        aliases: new Map(),
        versions: new Map(),
        nextVersion: 1,
      });
      return;
    case 'rm-upd':
      return editRegisteredModel(state, rec.name, rec.t, (rm) => (rm.description = rec.desc));
    case 'rm-rename': {
      const rm = state.registered.get(rec.name)!;
      state.registered.delete(rec.name);
      rm.name = rec.to;
      rm.last_updated_timestamp = rec.t;
      for (const mv of rm.versions.values()) mv.name = rec.to;
      state.registered.set(rm.name, rm);
      return;
    }
    case 'rm-del':
      state.registered.delete(rec.name);
      return;
    case 'rm-tag':
      return editRegisteredModel(state, rec.name, rec.t, (rm) => rm.tags.set(rec.k, rec.v));
    case 'rm-tag-del':
      return editRegisteredModel(state, rec.name, rec.t, (rm) => rm.tags.delete(rec.k));
    case 'alias':
      return editRegisteredModel(state, rec.name, rec.t, (rm) => rm.aliases.set(rec.alias, rec.version));
    case 'alias-del':
      return editRegisteredModel(state, rec.name, rec.t, (rm) => rm.aliases.delete(rec.alias));
    case 'mv': {
      const rm = state.registered.get(rec.name)!;
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
        tags: new Map(rec.tags),
      };
      rm.versions.set(mv.version, mv);
      rm.nextVersion = Math.max(rm.nextVersion, Number(mv.version) + 1);
      rm.last_updated_timestamp = rec.t;
      return;
    }
    case 'mv-upd': {
      const mv = state.registered.get(rec.name)!.versions.get(rec.version)!;
      mv.description = rec.desc;
      mv.last_updated_timestamp = rec.t;
      return;
    }
    case 'mv-stage': {
      const rm = state.registered.get(rec.name)!;
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
      const rm = state.registered.get(rec.name)!;
      rm.versions.delete(rec.version);
      for (const [alias, v] of rm.aliases) if (v === rec.version) rm.aliases.delete(alias);
      rm.last_updated_timestamp = rec.t;
      return;
    }
    case 'mv-tag': {
      const mv = state.registered.get(rec.name)!.versions.get(rec.version)!;
      mv.tags.set(rec.k, rec.v);
      return;
    }
    case 'mv-tag-del': {
      const mv = state.registered.get(rec.name)!.versions.get(rec.version)!;
      mv.tags.delete(rec.k);
      return;
    }
    default:
      throw new Error(`unknown journal record ${String((rec as { op: unknown }).op)}`);
  }
}

// Edits of one entity: the change, then its last-update time (every edit of an experiment, a
// logged model or a registered model stamps it; a missing entity fails the record).

function editExperiment(state: StoreState, id: string, t: number, edit: (e: Experiment) => unknown): void {
  const e = state.experimentsById.get(id)!;
  edit(e);
  e.last_update_time = t;
}

function editLoggedModel(state: StoreState, id: string, t: number, edit: (m: LoggedModel) => unknown): void {
  const m = state.loggedModels.get(id)!;
  edit(m);
  m.last_updated_timestamp_ms = t;
}

function editRegisteredModel(state: StoreState, name: string, t: number, edit: (rm: RegisteredModel) => unknown): void {
  const rm = state.registered.get(name)!;
  edit(rm);
  rm.last_updated_timestamp = t;
}

/**
 * A run metric point; one logged with a `model_id` is also the logged model's metric, kept apart
 * from the run history as MLflow 3's `SqlAlchemyStore._log_model_metrics` keeps it (so the
 * run's history is not doubled when `log_model` logs the step's metrics again with the id).
 */
function addMetricPoint(state: StoreState, r: Run, key: string, p: MetricPoint): void {
  addMetric(r, key, p);
  if (p.model_id === undefined) return;
  const m = state.loggedModels.get(p.model_id);
  if (!m) return;
  const json = metricJson(key, p, r.run_id);
  const same = (x: MetricJson): boolean =>
    x.key === json.key && x.timestamp === json.timestamp && x.step === json.step && x.value === json.value && x.run_id === json.run_id &&
    x.dataset_name === json.dataset_name && x.dataset_digest === json.dataset_digest;
  if (!m.metrics.some(same)) m.metrics.push(json);
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

/** The whole non-metric state as snapshot records (`s-*`, what applyRecord reads back); metric points go to segments. */
export function snapshotRecords(state: StoreState): unknown[] {
  const out: unknown[] = [{ op: 's-store', nextExperimentId: state.nextExperimentId }];
  for (const e of state.experimentsById.values()) out.push({ op: 's-exp', e: { ...e, tags: [...e.tags] } });
  for (const r of state.runsBySeq) {
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
      const extra = pointExtra(p);
      if (extra) t.push(extra);
      latestList.push(t);
    }
    out.push({ op: 's-run', r: { ...info, params: [...params], tags: [...tags], series, latest: latestList } });
  }
  for (const m of state.loggedModels.values()) out.push({ op: 's-lm', m: { ...m, tags: [...m.tags], params: [...m.params] } });
  for (const rm of state.registered.values()) {
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
