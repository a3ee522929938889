/** `/api/2.0/mlflow/model-versions/*` (reference §1.4). */
import { modelVersionJson } from '../entities.js';
import { paginate } from '../search.js';
import { LIMITS } from '../validation.js';
import type { Route } from './types.js';
import * as modelVersions from '../commands/model-versions.js';
import { getModelVersion } from '../lookups.js';
import * as queries from '../queries.js';

export const modelVersionRoutes: Route[] = [
  {
    method: 'POST',
    path: 'model-versions/create',
    handler: async ({ store, fields }) => {
      // READY at once: the client polls while PENDING_REGISTRATION (reference §1.4).
      const { rm, mv } = await modelVersions.createModelVersion(store, {
        name: fields.requiredString('name'),
        source: fields.requiredString('source'),
        runId: fields.string('run_id'),
        runLink: fields.string('run_link'),
        description: fields.string('description'),
        modelId: fields.string('model_id') || undefined,
        tags: fields.keyValues('tags'),
      });
      return { model_version: modelVersionJson(mv, rm) };
    },
  },
  {
    method: 'GET',
    path: 'model-versions/get',
    handler: ({ store, fields }) => {
      const { rm, mv } = getModelVersion(store.state, fields.requiredString('name'), fields.requiredString('version'));
      return { model_version: modelVersionJson(mv, rm) };
    },
  },
  {
    method: 'GET',
    path: 'model-versions/search',
    handler: ({ store, fields }) => {
      const max = fields.maxResults(10000, LIMITS.searchModelVersions);
      const list = queries.searchModelVersions(store.state, fields.string('filter'), fields.stringList('order_by'));
      const { page, nextPageToken } = paginate(list, max, fields.string('page_token'));
      return { model_versions: page.map(({ rm, mv }) => modelVersionJson(mv, rm)), next_page_token: nextPageToken };
    },
  },
  {
    method: 'PATCH',
    path: 'model-versions/update',
    handler: async ({ store, fields }) => {
      const { rm, mv } = await modelVersions.updateModelVersion(store, fields.requiredString('name'), fields.requiredString('version'), fields.string('description'));
      return { model_version: modelVersionJson(mv, rm) };
    },
  },
  {
    method: 'POST',
    path: 'model-versions/transition-stage',
    handler: async ({ store, fields }) => {
      const { rm, mv } = await modelVersions.transitionStage(store, 
        fields.requiredString('name'),
        fields.requiredString('version'),
        fields.requiredString('stage'),
        fields.bool('archive_existing_versions') ?? false,
      );
      return { model_version: modelVersionJson(mv, rm) };
    },
  },
  {
    method: 'DELETE',
    path: 'model-versions/delete',
    handler: async ({ store, fields }) => {
      await modelVersions.deleteModelVersion(store, fields.requiredString('name'), fields.requiredString('version'));
      return {};
    },
  },
  {
    method: 'GET',
    path: 'model-versions/get-download-uri',
    handler: ({ store, fields }) => {
      const { mv } = getModelVersion(store.state, fields.requiredString('name'), fields.requiredString('version'));
      let uri = mv.source;
      const lm = /^models:\/(m-[0-9a-f]+)\/?(.*)$/.exec(uri);
      const run = /^runs:\/([^/]+)\/?(.*)$/.exec(uri);
      if (lm) {
        const m = store.loggedModel(lm[1]!);
        if (m) uri = lm[2] ? `${m.info.artifact_uri}/${lm[2]}` : m.info.artifact_uri;
      } else if (run) {
        const r = store.run(run[1]!);
        if (r) uri = run[2] ? `${r.info.artifact_uri}/${run[2]}` : r.info.artifact_uri;
      }
      return { artifact_uri: uri };
    },
  },
  {
    method: 'POST',
    path: 'model-versions/set-tag',
    handler: async ({ store, fields }) => {
      await modelVersions.setModelVersionTag(store, fields.requiredString('name'), fields.requiredString('version'), fields.requiredString('key'), fields.string('value') ?? '');
      return {};
    },
  },
  {
    method: 'DELETE',
    path: 'model-versions/delete-tag',
    handler: async ({ store, fields }) => {
      await modelVersions.deleteModelVersionTag(store, fields.requiredString('name'), fields.requiredString('version'), fields.requiredString('key'));
      return {};
    },
  },
];
