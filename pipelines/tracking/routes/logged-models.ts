/** `/api/2.0/mlflow/logged-models/*` (MLflow 3.x, reference §1.4). */
import { LOGGED_MODEL_STATUSES, type LoggedModelStatus } from '../entities.js';
import { Fields, invalidValue } from '../request.js';
import { paginate, parseOrderBy } from '../search.js';
import type { LoggedModelOrder } from '../queries.js';
import { LIMITS, isUnsafePath } from '../validation.js';
import { invalid } from '../errors.js';
import type { Route } from './types.js';
import * as loggedModels from '../commands/logged-models.js';
import { getLoggedModel } from '../lookups.js';
import * as queries from '../queries.js';

function status(v: unknown): LoggedModelStatus {
  if (typeof v === 'number' && LOGGED_MODEL_STATUSES[v]) return LOGGED_MODEL_STATUSES[v];
  if (typeof v === 'string' && (LOGGED_MODEL_STATUSES as string[]).includes(v)) return v as LoggedModelStatus;
  throw invalidValue('status', v);
}

export const loggedModelRoutes: Route[] = [
  {
    method: 'POST',
    path: 'logged-models',
    handler: async ({ store, fields }) => {
      const m = await loggedModels.createLoggedModel(store, {
        experimentId: fields.requiredString('experiment_id'),
        name: fields.string('name'),
        modelType: fields.string('model_type'),
        sourceRunId: fields.string('source_run_id') || undefined,
        params: fields.keyValues('params'),
        tags: fields.keyValues('tags'),
      });
      return { model: store.loggedModelJson(m) };
    },
  },
  {
    method: 'POST',
    path: 'logged-models/search',
    read: true,
    handler: ({ store, fields }) => {
      const max = fields.maxResults(100, LIMITS.searchLoggedModels);
      // handlers.py _search_logged_models: order_by entries name a field (`metrics.acc`, `name`)
      // and may restrict a metric to a dataset; `datasets` restricts the metrics of the filter.
      const order: LoggedModelOrder[] = fields.objectList('order_by').map((o) => {
        const f = new Fields(o, false);
        const [parsed] = parseOrderBy([f.requiredString('field_name')]);
        return {
          type: parsed!.type,
          key: parsed!.key,
          ascending: f.bool('ascending') ?? true,
          datasetName: f.string('dataset_name') || undefined,
          datasetDigest: f.string('dataset_digest') || undefined,
        };
      });
      const datasets = fields.objectList('datasets').map((d) => {
        const f = new Fields(d, false);
        return { dataset_name: f.requiredString('dataset_name'), dataset_digest: f.string('dataset_digest') || undefined };
      });
      const list = queries.searchLoggedModels(store.state, fields.stringList('experiment_ids'), fields.string('filter'), order, datasets);
      const { page, nextPageToken } = paginate(list, max, fields.string('page_token'));
      return { models: page.map((m) => store.loggedModelJson(m)), next_page_token: nextPageToken };
    },
  },
  {
    // handlers.py _list_logged_model_artifacts: the model's files, paths relative to its artifact root.
    method: 'GET',
    path: 'logged-models/{model_id}/artifacts/directories',
    handler: async ({ store, artifacts, fields, pathParams }) => {
      const m = getLoggedModel(store.state, pathParams['model_id']!);
      const rel = (fields.string('artifact_directory_path') ?? '').replace(/^\.?\/*|\/+$/g, '');
      if (rel !== '' && isUnsafePath(rel)) throw invalid('Invalid path');
      const base = /^mlflow-artifacts:(?:\/\/[^/]*)?\/+(.*)$/.exec(m.artifact_uri);
      if (!base || isUnsafePath(base[1]!)) return { root_uri: m.artifact_uri };
      const files = await artifacts.list(rel === '' ? base[1]! : `${base[1]!}/${rel}`, rel);
      return { root_uri: m.artifact_uri, files };
    },
  },
  {
    method: 'GET',
    path: 'logged-models/{model_id}',
    handler: ({ store, pathParams }) => ({ model: store.loggedModelJson(getLoggedModel(store.state, pathParams['model_id']!)) }),
  },
  {
    method: 'PATCH',
    path: 'logged-models/{model_id}',
    handler: async ({ store, fields, pathParams }) => {
      const m = await loggedModels.finalizeLoggedModel(store, pathParams['model_id']!, status(fields.data['status']));
      return { model: store.loggedModelJson(m) };
    },
  },
  {
    method: 'DELETE',
    path: 'logged-models/{model_id}',
    handler: async ({ store, pathParams }) => {
      await loggedModels.deleteLoggedModel(store, pathParams['model_id']!);
      return {};
    },
  },
  {
    method: 'POST',
    path: 'logged-models/{model_id}/params',
    handler: async ({ store, fields, pathParams }) => {
      await loggedModels.logLoggedModelParams(store, pathParams['model_id']!, fields.keyValues('params'));
      return {};
    },
  },
  {
    method: 'PATCH',
    path: 'logged-models/{model_id}/tags',
    handler: async ({ store, fields, pathParams }) => {
      await loggedModels.setLoggedModelTags(store, pathParams['model_id']!, fields.keyValues('tags'));
      return {};
    },
  },
  {
    method: 'DELETE',
    path: 'logged-models/{model_id}/tags/{tag_key}',
    handler: async ({ store, pathParams }) => {
      await loggedModels.deleteLoggedModelTag(store, pathParams['model_id']!, pathParams['tag_key']!);
      return {};
    },
  },
];
