/** `/api/2.0/mlflow/experiments/*` (reference §1.3). */
import { experimentJson } from '../entities.js';
import { invalid } from '../errors.js';
import { paginate } from '../search.js';
import { LIMITS } from '../validation.js';
import type { Route } from './types.js';
import * as experiments from '../commands/experiments.js';
import { getExperiment, getExperimentByName } from '../lookups.js';
import * as queries from '../queries.js';

const VIEW_TYPES = ['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL'];

/** ViewType enum by name or number (protobuf accepts both). */
export function viewType(v: string | number | undefined, name: string): string {
  if (v === undefined || v === '') return 'ACTIVE_ONLY';
  if (typeof v === 'number' || /^\d+$/.test(v)) {
    const byNumber = VIEW_TYPES[Number(v) - 1];
    if (byNumber) return byNumber;
  } else if (VIEW_TYPES.includes(v)) return v;
  throw invalid(`Invalid value ${JSON.stringify(v)} for parameter '${name}' supplied.`);
}

export const experimentRoutes: Route[] = [
  {
    method: 'POST',
    path: 'experiments/create',
    handler: async ({ store, fields }) => {
      const name = fields.requiredString('name');
      const id = await experiments.createExperiment(store, name, fields.string('artifact_location'), fields.keyValues('tags'));
      return { experiment_id: id };
    },
  },
  {
    method: 'GET',
    path: 'experiments/get',
    handler: ({ store, fields }) => ({ experiment: experimentJson(getExperiment(store.state, fields.requiredString('experiment_id'))) }),
  },
  {
    method: 'GET',
    path: 'experiments/get-by-name',
    handler: ({ store, fields }) => ({ experiment: experimentJson(getExperimentByName(store.state, fields.requiredString('experiment_name'))) }),
  },
  ...(['POST', 'GET'] as const).map(
    (method): Route => ({
      method,
      path: 'experiments/search',
      read: true,
      handler: ({ store, fields }) => {
        const max = fields.maxResults(1000, LIMITS.searchExperiments);
        const view = viewType(fields.fromQuery ? fields.string('view_type') : (fields.data['view_type'] as string | number | undefined), 'view_type');
        const list = queries.searchExperiments(store.state, view, fields.string('filter'), fields.stringList('order_by'));
        const { page, nextPageToken } = paginate(list, max, fields.string('page_token'));
        return { experiments: page.map(experimentJson), next_page_token: nextPageToken };
      },
    }),
  ),
  {
    method: 'POST',
    path: 'experiments/delete',
    handler: async ({ store, fields }) => {
      await experiments.deleteExperiment(store, fields.requiredString('experiment_id'));
      return {};
    },
  },
  {
    method: 'POST',
    path: 'experiments/restore',
    handler: async ({ store, fields }) => {
      await experiments.restoreExperiment(store, fields.requiredString('experiment_id'));
      return {};
    },
  },
  {
    method: 'POST',
    path: 'experiments/update',
    handler: async ({ store, fields }) => {
      const id = fields.requiredString('experiment_id');
      const newName = fields.string('new_name');
      if (newName !== undefined) await experiments.renameExperiment(store, id, newName);
      else getExperiment(store.state, id);
      return {};
    },
  },
  {
    method: 'POST',
    path: 'experiments/set-experiment-tag',
    handler: async ({ store, fields }) => {
      await experiments.setExperimentTag(store, fields.requiredString('experiment_id'), fields.requiredString('key'), fields.string('value') ?? '');
      return {};
    },
  },
  {
    method: 'POST',
    path: 'experiments/delete-experiment-tag',
    handler: async ({ store, fields }) => {
      await experiments.deleteExperimentTag(store, fields.requiredString('experiment_id'), fields.requiredString('key'));
      return {};
    },
  },
];
