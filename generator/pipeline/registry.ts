/**
 * The MLflow registry edge wired to the tracking server's store: a `stachub track` store folder is
 * read through `openRegistryView` (read-only), which the generator's registry code only knows as a view.
 */
import type { Config } from '../config.js';
import { createRegistry as createRegistryWith, shimStoreRegistry as shimStoreRegistryWith, type Registry } from '../mlflow/index.js';
import { openRegistryView } from '../../pipelines/tracking/view.js';

/** The registry the configuration names, or undefined when none is configured. */
export function createRegistry(mlflow: Config['mlflow'], host: { env: NodeJS.ProcessEnv; cwd: string }): Registry | undefined {
  return createRegistryWith(mlflow, host, { openTrackingStore: openRegistryView });
}

/** The registry of a tracking-shim store folder, read without a server. */
export function shimStoreRegistry(options: { dir: string; trackingUri?: string }): Registry {
  return shimStoreRegistryWith({ ...options, open: openRegistryView });
}
