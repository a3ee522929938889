/** `/api/2.0/mlflow/artifacts/list`: a run's artifacts, paths relative to the run's artifact root. */
import { invalid } from '../errors.js';
import { isUnsafePath } from '../validation.js';
import type { Route } from './types.js';
import { getRun } from '../lookups.js';

export const runArtifactRoutes: Route[] = [
  {
    method: 'GET',
    path: 'artifacts/list',
    handler: async ({ store, artifacts, fields }) => {
      const run = getRun(store.state, fields.requiredString('run_id', 'run_uuid'));
      const rel = (fields.string('path') ?? '').replace(/^\.?\/*|\/+$/g, '');
      if (rel !== '' && isUnsafePath(rel)) throw invalid('Invalid path');
      // Only runs whose artifacts this server proxies can be listed.
      const base = /^mlflow-artifacts:(?:\/\/[^/]*)?\/+(.*)$/.exec(run.artifact_uri);
      if (!base || isUnsafePath(base[1]!)) return { root_uri: run.artifact_uri };
      const files = await artifacts.list(rel === '' ? base[1]! : `${base[1]!}/${rel}`, rel);
      return { root_uri: run.artifact_uri, files };
    },
  },
];
