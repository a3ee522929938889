/**
 * The tracking store's read queries: the search endpoints over the in-memory state, with
 * MLflow's filter keys, default orders and tie-breaks. Nothing here writes.
 */
import {
  type Experiment,
  type LoggedModel,
  type LoggedModelStatus,
  type MetricJson,
  type ModelVersion,
  type RegisteredModel,
  type Run,
  parseDouble,
} from './entities.js';
import { invalid } from './errors.js';
import type { StoreState } from './reducer.js';
import { type Clause, type OrderBy, compareKeys, matches, parseFilter, parseOrderBy } from './search.js';
import { checkRunClauses, datasetInputsMatch, runOrderWithTiebreaks, translateRunOrder } from './search-rules.js';

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

/** Experiments matching an MLflow filter, sorted (default: newest first). */
export function searchExperiments(state: StoreState, viewType: string, filter: string | undefined, orderBy: string[] | undefined): Experiment[] {
  const clauses = parseFilter(filter);
  const order = parseOrderBy(orderBy);
  for (const c of clauses) {
    if (c.type === 'attribute' && !['name', 'creation_time', 'last_update_time', 'experiment_id'].includes(c.key)) {
      throw invalid(`Invalid attribute key '${c.key}' specified. Valid keys are '['name', 'creation_time', 'last_update_time']'`);
    }
    if (c.type !== 'attribute' && c.type !== 'tag') throw invalid(`Invalid filter '${filter}': experiments can be filtered by attributes and tags only`);
  }
  const list = [...state.experimentsById.values()].filter(
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

export function searchRuns(state: StoreState, experimentIds: string[], viewType: string, filter: string | undefined, orderBy: string[] | undefined): Run[] {
  const clauses = checkRunClauses(parseFilter(filter));
  const keys = runOrderWithTiebreaks(translateRunOrder(parseOrderBy(orderBy)));
  const exps = new Set(experimentIds);
  const list: Run[] = [];
  const matchesRun = (r: Run, c: Clause): boolean => (c.type === 'dataset' ? datasetInputsMatch(r.datasetInputs, c) : matches(runValue(r, c), c));
  for (const r of state.runsBySeq) {
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

export function searchLoggedModels(state: StoreState, experimentIds: string[], filter: string | undefined, orderBy: LoggedModelOrder[], datasets: LoggedModelDataset[] = []): LoggedModel[] {
  const clauses = parseFilter(filter);
  const exps = new Set(experimentIds);
  // A metric clause holds when one of the model's metrics (on the given datasets) satisfies it,
  // as SqlAlchemyStore.search_logged_models joins logged_model_metrics.
  const holds = (m: LoggedModel, c: Clause): boolean =>
    c.type === 'metric'
      ? m.metrics.some((p) => p.key === c.key && onDatasets(p, datasets) && matches(parseDouble(p.value), c))
      : matches(loggedModelValue(m, c), c);
  const list = [...state.loggedModels.values()].filter(
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

export function searchRegisteredModels(state: StoreState, filter: string | undefined, orderBy: string[] | undefined): RegisteredModel[] {
  const clauses = parseFilter(filter);
  for (const c of clauses) {
    if (c.type === 'attribute' && c.key !== 'name') throw invalid(`Invalid attribute key '${c.key}' specified. Valid keys are '{'name'}'`);
    if (c.type !== 'attribute' && c.type !== 'tag') throw invalid(`Invalid filter '${filter}'`);
  }
  const order = parseOrderBy(orderBy);
  const list = [...state.registered.values()].filter((rm) => clauses.every((c) => matches(registeredModelValue(rm, c), c)));
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
export function searchModelVersions(state: StoreState, filter: string | undefined, orderBy: string[] | undefined): { rm: RegisteredModel; mv: ModelVersion }[] {
  const clauses = parseFilter(filter);
  for (const c of clauses) {
    if (c.type === 'attribute' && !['name', 'run_id', 'source_path', 'version_number', 'source', 'model_id'].includes(c.key)) {
      throw invalid(`Invalid attribute key '${c.key}' specified. Valid keys are '{'name', 'run_id', 'source_path', 'version_number'}'`);
    }
    if (c.type !== 'attribute' && c.type !== 'tag') throw invalid(`Invalid filter '${filter}'`);
  }
  const order = parseOrderBy(orderBy);
  const list: { rm: RegisteredModel; mv: ModelVersion }[] = [];
  for (const rm of state.registered.values()) {
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
