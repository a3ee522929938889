/** `/api/2.0/mlflow/runs/*` and `metrics/get-history` (reference §1.3). */
import { type DatasetInput, RUN_STATUSES, type RunStatus, parseDouble, runInfoJson, runJson } from '../entities.js';
import { invalid } from '../errors.js';
import { Fields, invalidValue, missingValue } from '../request.js';
import { paginate } from '../search.js';
import type { MetricInput } from '../commands/runs.js';
import { LIMITS } from '../validation.js';
import { viewType } from './experiments.js';
import type { Route, RouteContext } from './types.js';
import * as runs from '../commands/runs.js';
import { getRun } from '../lookups.js';
import * as queries from '../queries.js';

const runId = (f: Fields): string => f.requiredString('run_id', 'run_uuid');

function runStatus(v: unknown): RunStatus | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'number' && RUN_STATUSES[v - 1]) return RUN_STATUSES[v - 1];
  if (typeof v === 'string' && (RUN_STATUSES as string[]).includes(v)) return v as RunStatus;
  throw invalidValue('status', v);
}

/** One metric of log-metric or log-batch. */
function metric(f: Fields): MetricInput {
  return {
    key: f.requiredString('key'),
    value: f.requiredDouble('value'),
    timestamp: f.requiredInt('timestamp'),
    step: f.int('step') ?? 0,
    model_id: f.string('model_id') || undefined,
    dataset_name: f.string('dataset_name') || undefined,
    dataset_digest: f.string('dataset_digest') || undefined,
  };
}

function dataset(o: Record<string, unknown>): DatasetInput {
  const f = new Fields(o, false);
  const d = f.data['dataset'];
  if (d === undefined || d === null) throw missingValue('dataset');
  if (typeof d !== 'object' || Array.isArray(d)) throw invalidValue('dataset', d);
  const df = new Fields(d as Record<string, unknown>, false);
  return {
    dataset: {
      name: df.requiredString('name'),
      digest: df.requiredString('digest'),
      source_type: df.requiredString('source_type'),
      source: df.requiredString('source'),
      schema: df.string('schema'),
      profile: df.string('profile'),
    },
    tags: f.keyValues('tags'),
  };
}

export const runRoutes: Route[] = [
  {
    method: 'POST',
    path: 'runs/create',
    handler: async ({ store, fields }) => {
      const run = await runs.createRun(store, {
        experimentId: fields.string('experiment_id') || '0',
        userId: fields.string('user_id'),
        startTime: fields.int('start_time'),
        runName: fields.string('run_name'),
        tags: fields.keyValues('tags'),
      });
      return { run: runJson(run) };
    },
  },
  {
    method: 'GET',
    path: 'runs/get',
    handler: ({ store, fields }) => ({ run: runJson(getRun(store.state, runId(fields))) }),
  },
  {
    method: 'POST',
    path: 'runs/update',
    handler: async ({ store, fields }) => {
      const run = await runs.updateRun(store, runId(fields), {
        status: runStatus(fields.data['status']),
        endTime: fields.int('end_time'),
        runName: fields.string('run_name'),
      });
      return { run_info: runInfoJson(run) };
    },
  },
  {
    method: 'POST',
    path: 'runs/delete',
    handler: async ({ store, fields }) => {
      await runs.deleteRun(store, runId(fields));
      return {};
    },
  },
  {
    method: 'POST',
    path: 'runs/restore',
    handler: async ({ store, fields }) => {
      await runs.restoreRun(store, runId(fields));
      return {};
    },
  },
  {
    method: 'POST',
    path: 'runs/log-metric',
    handler: async ({ store, fields }) => {
      const id = runId(fields);
      await runs.logMetric(store, id, metric(fields));
      return {};
    },
  },
  {
    method: 'POST',
    path: 'runs/log-parameter',
    handler: async ({ store, fields }) => {
      const id = runId(fields);
      await runs.logParam(store, id, fields.requiredString('key'), fields.string('value') ?? '');
      return {};
    },
  },
  {
    method: 'POST',
    path: 'runs/set-tag',
    handler: async ({ store, fields }) => {
      const id = runId(fields);
      await runs.setTag(store, id, fields.requiredString('key'), fields.string('value') ?? '');
      return {};
    },
  },
  {
    method: 'POST',
    path: 'runs/delete-tag',
    handler: async ({ store, fields }) => {
      await runs.deleteTag(store, runId(fields), fields.requiredString('key'));
      return {};
    },
  },
  {
    method: 'POST',
    path: 'runs/log-batch',
    handler: async ({ store, fields }) => {
      // validation.py _validate_batch_log_api_req, measured as MLflow measures it (see LIMITS).
      const size = Object.keys(fields.data).length;
      if (size > LIMITS.batchRequestSize) {
        throw invalid(`Batched logging API requests must be at most ${LIMITS.batchRequestSize} bytes, got a request of size ${size}.`);
      }
      const id = runId(fields);
      const metrics = fields.objectList('metrics');
      const params = fields.objectList('params');
      const tags = fields.objectList('tags');
      if (metrics.length > LIMITS.batchMetrics) {
        throw invalid(`A batch logging request can contain at most ${LIMITS.batchMetrics} metrics. Got ${metrics.length} metrics. Please split up metrics across multiple requests and try again.`);
      }
      if (params.length > LIMITS.batchParams) {
        throw invalid(`A batch logging request can contain at most ${LIMITS.batchParams} params. Got ${params.length} params. Please split up params across multiple requests and try again.`);
      }
      if (tags.length > LIMITS.batchTags) {
        throw invalid(`A batch logging request can contain at most ${LIMITS.batchTags} tags. Got ${tags.length} tags. Please split up tags across multiple requests and try again.`);
      }
      const total = metrics.length + params.length + tags.length;
      if (total > LIMITS.batchTotal) {
        throw invalid(`A batch logging request can contain at most ${LIMITS.batchTotal} metrics, params, and tags in total. Got ${total} total entities.`);
      }
      await runs.logBatch(store, 
        id,
        metrics.map((m) => metric(new Fields(m, false))),
        fields.keyValues('params'),
        fields.keyValues('tags'),
      );
      return {};
    },
  },
  {
    method: 'POST',
    path: 'runs/search',
    read: true,
    handler: ({ store, fields }) => {
      const max = fields.maxResults(1000, LIMITS.searchRuns);
      const view = viewType(fields.data['run_view_type'] as string | number | undefined, 'run_view_type');
      const list = queries.searchRuns(store.state, fields.stringList('experiment_ids'), view, fields.string('filter'), fields.stringList('order_by'));
      const { page, nextPageToken } = paginate(list, max, fields.string('page_token'));
      return { runs: page.map(runJson), next_page_token: nextPageToken };
    },
  },
  {
    method: 'POST',
    path: 'runs/log-inputs',
    handler: async ({ store, fields }) => {
      const id = runId(fields);
      if (!fields.has('datasets') && !fields.has('models')) throw missingValue('datasets');
      const datasets = fields.objectList('datasets').map(dataset);
      const models = fields.objectList('models').map((m) => new Fields(m, false).requiredString('model_id'));
      await runs.logInputs(store, id, datasets, models);
      return {};
    },
  },
  {
    method: 'POST',
    path: 'runs/outputs',
    handler: async ({ store, fields }) => {
      const id = runId(fields);
      const models = fields.objectList('models').map((m) => {
        const f = new Fields(m, false);
        return { model_id: f.requiredString('model_id'), step: f.int('step') ?? 0 };
      });
      await runs.logOutputs(store, id, models);
      return {};
    },
  },
  {
    method: 'POST',
    path: 'runs/log-model',
    handler: async ({ store, fields }) => {
      const id = runId(fields);
      await runs.logModel(store, id, fields.requiredString('model_json'));
      return {};
    },
  },
  {
    method: 'GET',
    path: 'metrics/get-history-bulk-interval',
    read: true,
    handler: ({ store, fields }) => historyBulkInterval(store, fields),
  },
  {
    method: 'GET',
    path: 'metrics/get-history',
    handler: ({ store, fields }) => {
      const id = runId(fields);
      const key = fields.requiredString('metric_key');
      getRun(store.state, id);
      const all = store.metricHistory(id, key);
      if (!fields.has('max_results') && !fields.has('page_token')) return { metrics: all };
      const max = fields.maxResults(25000, 25000);
      const { page, nextPageToken } = paginate(all, max, fields.string('page_token'));
      return { metrics: page, next_page_token: nextPageToken };
    },
  },
];


/** handlers.py get_metric_history_bulk_interval_handler limits. */
const MAX_RUNS_GET_METRIC_HISTORY_BULK = 100;
const MAX_RESULTS_PER_RUN = 2500;
const MAX_RESULTS_GET_METRIC_HISTORY = 25000;

function bisectLeft(a: number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function bisectRight(a: number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x < a[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** handlers.py `_get_sampled_steps_from_steps`, its index arithmetic included. */
export function sampledSteps(startStep: number, endStep: number, maxResults: number, allSteps: number[]): Set<number> {
  const startIdx = bisectLeft(allSteps, startStep);
  const endIdx = bisectRight(allSteps, endStep);
  if (endIdx - startIdx <= maxResults) return new Set(allSteps.slice(startIdx, endIdx));
  const numSteps = endIdx - startIdx;
  const interval = numSteps / maxResults;
  const out: number[] = [];
  for (let i = 0; i < maxResults; i++) {
    const idx = startIdx + Math.trunc(i * interval);
    if (idx < numSteps) out.push(allSteps[idx]!);
  }
  out.push(allSteps[endIdx - 1]!);
  return new Set(out);
}

/**
 * `GET metrics/get-history-bulk-interval` (the UI's charts): the points of one metric of up to
 * 100 runs at sampled steps, as handlers.py `get_metric_history_bulk_interval_impl` computes them
 * (every run's first and last step kept), each point with its run_id, ordered by step, timestamp
 * and value as `get_metric_history_bulk_interval_from_steps` queries them.
 */
function historyBulkInterval(store: RouteContext['store'], fields: Fields): object {
  const runIds = fields.stringList('run_ids');
  if (runIds.length === 0) throw missingValue('run_ids');
  if (runIds.length > MAX_RUNS_GET_METRIC_HISTORY_BULK) {
    throw invalid(`GetMetricHistoryBulkInterval request must specify at most ${MAX_RUNS_GET_METRIC_HISTORY_BULK} run_ids. Received ${runIds.length} run_ids.`);
  }
  const key = fields.requiredString('metric_key');
  const maxResults = fields.int('max_results') ?? MAX_RESULTS_PER_RUN;
  if (maxResults < 1 || maxResults > MAX_RESULTS_PER_RUN) throw invalid(`max_results must be between 1 and ${MAX_RESULTS_PER_RUN}.`);
  let startStep = fields.int('start_step');
  let endStep = fields.int('end_step');
  if (startStep !== undefined && endStep !== undefined) {
    if (startStep > endStep) throw invalid(`end_step must be greater than start_step. Found start_step=${startStep} and end_step=${endStep}.`);
  } else if (startStep !== undefined || endStep !== undefined) {
    throw invalid('If either start step or end step are specified, both must be specified.');
  }
  const histories = runIds.map((id) => ({ id, points: store.metricHistory(id, key) }));
  const minsAndMaxes = new Set<number>();
  const stepSet = new Set<number>();
  for (const { points } of histories) {
    if (points.length === 0) continue;
    let min = Infinity;
    let max = -Infinity;
    for (const p of points) {
      min = Math.min(min, p.step);
      max = Math.max(max, p.step);
      stepSet.add(p.step);
    }
    minsAndMaxes.add(min).add(max);
  }
  const allSteps = [...stepSet].sort((a, b) => a - b);
  if (startStep === undefined || endStep === undefined) {
    startStep = 0;
    endStep = allSteps.length > 0 ? allSteps[allSteps.length - 1]! : 0;
  }
  const steps = sampledSteps(startStep, endStep, maxResults, allSteps);
  for (const s of minsAndMaxes) if (s >= startStep && s <= endStep) steps.add(s);
  const metrics: object[] = [];
  for (const { id, points } of histories) {
    const chosen = points
      .filter((p) => steps.has(p.step))
      .sort((a, b) => a.step - b.step || a.timestamp - b.timestamp || (parseDouble(a.value) ?? NaN) - (parseDouble(b.value) ?? NaN))
      .slice(0, MAX_RESULTS_GET_METRIC_HISTORY);
    for (const p of chosen) metrics.push({ key: p.key, value: p.value, timestamp: p.timestamp, step: p.step, run_id: id });
  }
  return metrics.length > 0 ? { metrics } : {};
}
