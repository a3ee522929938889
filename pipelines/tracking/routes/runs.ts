/** `/api/2.0/mlflow/runs/*` and `metrics/get-history` (reference §1.3). */
import { type DatasetInput, RUN_STATUSES, type RunStatus, runInfoJson, runJson } from '../entities.js';
import { invalid } from '../errors.js';
import { Fields, invalidValue, missingValue } from '../request.js';
import { paginate } from '../search.js';
import type { MetricInput } from '../store.js';
import { LIMITS } from '../validation.js';
import { viewType } from './experiments.js';
import type { Route } from './types.js';

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
      const run = await store.createRun({
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
    handler: ({ store, fields }) => ({ run: runJson(store.getRun(runId(fields))) }),
  },
  {
    method: 'POST',
    path: 'runs/update',
    handler: async ({ store, fields }) => {
      const run = await store.updateRun(runId(fields), {
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
      await store.deleteRun(runId(fields));
      return {};
    },
  },
  {
    method: 'POST',
    path: 'runs/restore',
    handler: async ({ store, fields }) => {
      await store.restoreRun(runId(fields));
      return {};
    },
  },
  {
    method: 'POST',
    path: 'runs/log-metric',
    handler: async ({ store, fields }) => {
      const id = runId(fields);
      await store.logMetric(id, metric(fields));
      return {};
    },
  },
  {
    method: 'POST',
    path: 'runs/log-parameter',
    handler: async ({ store, fields }) => {
      const id = runId(fields);
      await store.logParam(id, fields.requiredString('key'), fields.string('value') ?? '');
      return {};
    },
  },
  {
    method: 'POST',
    path: 'runs/set-tag',
    handler: async ({ store, fields }) => {
      const id = runId(fields);
      await store.setTag(id, fields.requiredString('key'), fields.string('value') ?? '');
      return {};
    },
  },
  {
    method: 'POST',
    path: 'runs/delete-tag',
    handler: async ({ store, fields }) => {
      await store.deleteTag(runId(fields), fields.requiredString('key'));
      return {};
    },
  },
  {
    method: 'POST',
    path: 'runs/log-batch',
    maxBodyBytes: LIMITS.batchBytes,
    handler: async ({ store, fields }) => {
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
      await store.logBatch(
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
      const list = store.searchRuns(fields.stringList('experiment_ids'), view, fields.string('filter'), fields.stringList('order_by'));
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
      await store.logInputs(id, datasets, models);
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
      await store.logOutputs(id, models);
      return {};
    },
  },
  {
    method: 'POST',
    path: 'runs/log-model',
    handler: async ({ store, fields }) => {
      const id = runId(fields);
      await store.logModel(id, fields.requiredString('model_json'));
      return {};
    },
  },
  {
    method: 'GET',
    path: 'metrics/get-history',
    handler: ({ store, fields }) => {
      const id = runId(fields);
      const key = fields.requiredString('metric_key');
      store.getRun(id);
      const all = store.metricHistory(id, key);
      if (!fields.has('max_results') && !fields.has('page_token')) return { metrics: all };
      const max = fields.maxResults(25000, 25000);
      const { page, nextPageToken } = paginate(all, max, fields.string('page_token'));
      return { metrics: page, next_page_token: nextPageToken };
    },
  },
];

