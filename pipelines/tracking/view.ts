/**
 * The read-only registry view of a tracking store folder that the catalog reads
 * (`TrackingStoreView`, generator/mlflow/shim.ts): the store opened without the lock (a torn
 * journal tail is ignored), reduced to the runs, registered models, versions and artifact files.
 */
import type { TrackingStoreView } from '../../generator/mlflow/shim.js';
import { openStore } from './store.js';

/** Open a store folder for reading, as the registry view the catalog needs. */
export async function openRegistryView(dir: string): Promise<TrackingStoreView> {
  const store = await openStore(dir);
  return {
    root: store.root,
    run: (runId) => store.run(runId),
    registeredModels: () => store.registeredModels(),
    modelVersions: (name) => store.modelVersions(name),
    artifactFile: (uri) => store.artifactFile(uri),
  };
}
