/** `/api/2.0/mlflow/registered-models/*` (reference §1.4). */
import { latestVersions, modelVersionJson, registeredModelJson } from '../entities.js';
import { paginate } from '../search.js';
import { LIMITS } from '../validation.js';
import type { Route } from './types.js';
import * as registeredModels from '../commands/registered-models.js';
import { getRegisteredModel, versionByAlias } from '../lookups.js';
import * as queries from '../queries.js';

export const registeredModelRoutes: Route[] = [
  {
    method: 'POST',
    path: 'registered-models/create',
    handler: async ({ store, fields }) => {
      const rm = await registeredModels.createRegisteredModel(store, fields.requiredString('name'), fields.keyValues('tags'), fields.string('description'));
      return { registered_model: registeredModelJson(rm) };
    },
  },
  {
    method: 'GET',
    path: 'registered-models/get',
    handler: ({ store, fields }) => ({ registered_model: registeredModelJson(getRegisteredModel(store.state, fields.requiredString('name'))) }),
  },
  {
    method: 'GET',
    path: 'registered-models/search',
    handler: ({ store, fields }) => {
      const max = fields.maxResults(100, LIMITS.searchRegisteredModels);
      const list = queries.searchRegisteredModels(store.state, fields.string('filter'), fields.stringList('order_by'));
      const { page, nextPageToken } = paginate(list, max, fields.string('page_token'));
      return { registered_models: page.map(registeredModelJson), next_page_token: nextPageToken };
    },
  },
  ...(['POST', 'GET'] as const).map(
    (method): Route => ({
      method,
      path: 'registered-models/get-latest-versions',
      read: true,
      handler: ({ store, fields }) => {
        const rm = getRegisteredModel(store.state, fields.requiredString('name'));
        return { model_versions: latestVersions(rm, fields.stringList('stages')).map((mv) => modelVersionJson(mv, rm)) };
      },
    }),
  ),
  {
    method: 'PATCH',
    path: 'registered-models/update',
    handler: async ({ store, fields }) => {
      const rm = await registeredModels.updateRegisteredModel(store, fields.requiredString('name'), fields.string('description'));
      return { registered_model: registeredModelJson(rm) };
    },
  },
  {
    method: 'POST',
    path: 'registered-models/rename',
    handler: async ({ store, fields }) => {
      const rm = await registeredModels.renameRegisteredModel(store, fields.requiredString('name'), fields.requiredString('new_name'));
      return { registered_model: registeredModelJson(rm) };
    },
  },
  {
    method: 'DELETE',
    path: 'registered-models/delete',
    handler: async ({ store, fields }) => {
      await registeredModels.deleteRegisteredModel(store, fields.requiredString('name'));
      return {};
    },
  },
  {
    method: 'POST',
    path: 'registered-models/set-tag',
    handler: async ({ store, fields }) => {
      await registeredModels.setRegisteredModelTag(store, fields.requiredString('name'), fields.requiredString('key'), fields.string('value') ?? '');
      return {};
    },
  },
  {
    method: 'DELETE',
    path: 'registered-models/delete-tag',
    handler: async ({ store, fields }) => {
      await registeredModels.deleteRegisteredModelTag(store, fields.requiredString('name'), fields.requiredString('key'));
      return {};
    },
  },
  {
    method: 'POST',
    path: 'registered-models/alias',
    handler: async ({ store, fields }) => {
      await registeredModels.setAlias(store, fields.requiredString('name'), fields.requiredString('alias'), fields.requiredString('version'));
      return {};
    },
  },
  {
    method: 'DELETE',
    path: 'registered-models/alias',
    handler: async ({ store, fields }) => {
      await registeredModels.deleteAlias(store, fields.requiredString('name'), fields.requiredString('alias'));
      return {};
    },
  },
  {
    method: 'GET',
    path: 'registered-models/alias',
    handler: ({ store, fields }) => {
      const { rm, mv } = versionByAlias(store.state, fields.requiredString('name'), fields.requiredString('alias'));
      return { model_version: modelVersionJson(mv, rm) };
    },
  },
];
