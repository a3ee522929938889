/** `/api/2.0/mlflow/registered-models/*` (reference §1.4). */
import { latestVersions, modelVersionJson, registeredModelJson } from '../entities.js';
import { paginate } from '../search.js';
import { LIMITS } from '../validation.js';
import type { Route } from './types.js';

export const registeredModelRoutes: Route[] = [
  {
    method: 'POST',
    path: 'registered-models/create',
    handler: async ({ store, fields }) => {
      const rm = await store.createRegisteredModel(fields.requiredString('name'), fields.keyValues('tags'), fields.string('description'));
      return { registered_model: registeredModelJson(rm) };
    },
  },
  {
    method: 'GET',
    path: 'registered-models/get',
    handler: ({ store, fields }) => ({ registered_model: registeredModelJson(store.getRegisteredModel(fields.requiredString('name'))) }),
  },
  {
    method: 'GET',
    path: 'registered-models/search',
    handler: ({ store, fields }) => {
      const max = fields.maxResults(100, LIMITS.searchRegisteredModels);
      const list = store.searchRegisteredModels(fields.string('filter'), fields.stringList('order_by'));
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
        const rm = store.getRegisteredModel(fields.requiredString('name'));
        return { model_versions: latestVersions(rm, fields.stringList('stages')).map((mv) => modelVersionJson(mv, rm)) };
      },
    }),
  ),
  {
    method: 'PATCH',
    path: 'registered-models/update',
    handler: async ({ store, fields }) => {
      const rm = await store.updateRegisteredModel(fields.requiredString('name'), fields.string('description'));
      return { registered_model: registeredModelJson(rm) };
    },
  },
  {
    method: 'POST',
    path: 'registered-models/rename',
    handler: async ({ store, fields }) => {
      const rm = await store.renameRegisteredModel(fields.requiredString('name'), fields.requiredString('new_name'));
      return { registered_model: registeredModelJson(rm) };
    },
  },
  {
    method: 'DELETE',
    path: 'registered-models/delete',
    handler: async ({ store, fields }) => {
      await store.deleteRegisteredModel(fields.requiredString('name'));
      return {};
    },
  },
  {
    method: 'POST',
    path: 'registered-models/set-tag',
    handler: async ({ store, fields }) => {
      await store.setRegisteredModelTag(fields.requiredString('name'), fields.requiredString('key'), fields.string('value') ?? '');
      return {};
    },
  },
  {
    method: 'DELETE',
    path: 'registered-models/delete-tag',
    handler: async ({ store, fields }) => {
      await store.deleteRegisteredModelTag(fields.requiredString('name'), fields.requiredString('key'));
      return {};
    },
  },
  {
    method: 'POST',
    path: 'registered-models/alias',
    handler: async ({ store, fields }) => {
      await store.setAlias(fields.requiredString('name'), fields.requiredString('alias'), fields.requiredString('version'));
      return {};
    },
  },
  {
    method: 'DELETE',
    path: 'registered-models/alias',
    handler: async ({ store, fields }) => {
      await store.deleteAlias(fields.requiredString('name'), fields.requiredString('alias'));
      return {};
    },
  },
  {
    method: 'GET',
    path: 'registered-models/alias',
    handler: ({ store, fields }) => {
      const { rm, mv } = store.versionByAlias(fields.requiredString('name'), fields.requiredString('alias'));
      return { model_version: modelVersionJson(mv, rm) };
    },
  },
];
