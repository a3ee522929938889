/** `/api/2.0/mlflow/artifacts/list`: a run's artifacts, paths relative to the run's artifact root. */
import { listArtifacts } from '../artifacts.js';
import { invalid } from '../errors.js';
import { isUnsafePath } from '../validation.js';
import type { Route } from './types.js';

export const runArtifactRoutes: Route[] = [
  {
    method: 'GET',
    path: 'artifacts/list',
    handler: async ({ store, fields }) => {
      const run = store.getRun(fields.requiredString('run_id', 'run_uuid'));
      const rel = (fields.string('path') ?? '').replace(/^\.?\/*|\/+$/g, '');
      if (rel !== '' && isUnsafePath(rel)) throw invalid('Invalid path');
      const base = store.artifactFile(run.artifact_uri);
      if (!base) return { root_uri: run.artifact_uri };
      const dir = rel === '' ? base : store.artifactFile(`${run.artifact_uri}/${rel}`);
      const files = dir ? await listArtifacts(dir, rel) : [];
      return { root_uri: run.artifact_uri, files };
    },
  },
];
