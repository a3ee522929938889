/**
 * The MLflow registry in the catalog: choose the registry from the configuration, read it (edge),
 * and link its models to the records (pure; `stac/registry.ts` joins them to the catalog tree).
 *
 * Sources: `mlflow.url` (`--mlflow-url`, `MLFLOW_TRACKING_URI`) is a live MLflow server or the
 * tracking shim over REST; `mlflow.export` (`--mlflow-export`) is an mlflow-export-import folder, or
 * the tracking shim's store folder (recognised by its `journal.log`), read without a server.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import { exportRegistry } from './export.js';
import { describeModelFiles } from './onnx.js';
import { restRegistry } from './rest.js';
import { shimStoreRegistry, type OpenTrackingStore } from './shim.js';
import { linkedModelNames, type RegistryRead } from './join.js';
import type { ProjectRecord } from '../metadata/record.js';
import type { Registry, RegistryDiagnostic } from './types.js';

export type { Registry, ModelVersion, RegistryResult } from './types.js';
export type { MlflowReport, RegistryRead } from './join.js';
export { exportRegistry } from './export.js';
export { restRegistry } from './rest.js';
export { shimStoreRegistry, type OpenTrackingStore, type TrackingStoreView } from './shim.js';

/** The stores the registry edge may open, passed in by the pipeline. */
export interface RegistryStores {
  /** Opens a tracking-shim store folder for reading (pipelines/tracking/view.ts `openRegistryView`). */
  openTrackingStore: OpenTrackingStore;
}

/** The registry the configuration names, or undefined when none is configured. */
export function createRegistry(
  mlflow: Config['mlflow'],
  /** The environment (MLflow credentials, `MLFLOW_TRACKING_URI`) and the working directory an export is named from. */
  host: { env: NodeJS.ProcessEnv; cwd: string },
  stores: RegistryStores,
): Registry | undefined {
  const { env, cwd } = host;
  if (mlflow.url) {
    return restRegistry({ url: mlflow.url, env, ...(mlflow.trackingUri ? { publicUrl: mlflow.trackingUri } : {}) });
  }
  if (mlflow.export) {
    // An export has no server of its own: MLFLOW_TRACKING_URI, when it is a URL, says where its models live.
    const envUri = env['MLFLOW_TRACKING_URI'];
    const trackingUri = mlflow.trackingUri ?? (envUri && /^https?:\/\//i.test(envUri) ? envUri.replace(/\/\/[^/@]*@/, '//') : undefined);
    if (existsSync(path.join(mlflow.export, 'journal.log'))) {
      return shimStoreRegistry({ dir: mlflow.export, open: stores.openTrackingStore, ...(trackingUri ? { trackingUri } : {}) });
    }
    return exportRegistry({ dir: mlflow.export, cwd, ...(trackingUri ? { trackingUri } : {}) });
  }
  return undefined;
}

/**
 * Read every version and describe the ONNX model files (kilobytes each, through the registry's byte
 * source), of the linked models only when the records are given. Throws `SourceUnreachableError` (exit 4) only when the registry cannot be listed.
 */
export async function readRegistry(
  registry: Registry,
  log: (line: string) => void = () => {},
  /** The catalog's records: when given, only the model files of linked models are described. */
  records?: readonly ProjectRecord[],
): Promise<RegistryRead> {
  log(`reading the model registry from ${registry.description}`);
  const { versions, diagnostics, webUi } = await registry.versions();
  const wanted = records ? linkedModelNames(records, versions) : undefined;
  const described = await describeModelFiles(registry, versions, wanted ? { only: (v) => wanted.has(v.modelName) } : {});
  const onnxCount = described.onnx.size;
  log(`read ${versions.length} model version(s)${onnxCount ? `, ${onnxCount} ONNX model file(s) described` : ''}`);
  const all: RegistryDiagnostic[] = [...diagnostics, ...described.diagnostics];
  return {
    source: registry.description,
    ...(registry.trackingUri ? { trackingUri: registry.trackingUri } : {}),
    ...(webUi ? { webUi } : {}),
    versions: described.versions,
    onnx: described.onnx,
    diagnostics: all,
  };
}
