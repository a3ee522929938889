/**
 * Registry edge: the tracking shim's store directory (`stachub track --store DIR`), read directly
 * through a read-only view of the store (`TrackingStoreView`; the pipeline passes the tracking
 * server's `openRegistryView(dir)`: no lock, a torn journal tail is ignored), so a build on the same
 * machine needs no running server. The store returns the same JSON entities as the REST API; the
 * model folder behind a version's source comes from `store.artifactFile` (which refuses paths that
 * leave the store).
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { SourceUnreachableError } from '../errors.js';
import { fileByteSource } from '../onnx/byte-source.js';
import { assembleVersion, compareVersions, loggedModelIdOf, modelDirInRun, registeredModelInfo, runInfo, versionMlmodel, withSlash, type RunInfo } from './assemble.js';
import { isSafeRelative } from './mlmodel.js';
import type * as mlflow from '../mlflow-messages.js';
import type { ModelVersion, Registry, RegistryDiagnostic, RegistryResult } from './types.js';

/**
 * What the registry reads of a tracking-shim store, as the REST API returns its entities. The
 * tracking server's store, opened by pipelines/tracking/view.ts, is one; the generator needs no more of it.
 */
export interface TrackingStoreView {
  /** The store directory (artifacts are below `<root>/artifacts`). */
  readonly root: string;
  /** A run as `runs/get` returns it, if the store has it. */
  run(runId: string): mlflow.Run | undefined;
  /** Every registered model as `registered-models/get` returns it. */
  registeredModels(): readonly mlflow.RegisteredModel[];
  /** Every version of one registered model, oldest first, as `model-versions/get` returns it. */
  modelVersions(name: string): readonly mlflow.ModelVersion[];
  /** The local path of an artifact URI of the store; throws or is undefined for one that leaves the store. */
  artifactFile(uri: string): string | undefined;
}

/** Opens the store of a directory for reading (no lock). */
export type OpenTrackingStore = (dir: string) => Promise<TrackingStoreView>;

export interface ShimRegistryOptions {
  /** The store directory of `stachub track`. */
  dir: string;
  /** How the store is opened (the pipeline passes the tracking server's `openRegistryView`). */
  open: OpenTrackingStore;
  /** Public URL of the running shim, for the tracking-uri link, run pages and model file downloads. */
  trackingUri?: string;
}

export function shimStoreRegistry(options: ShimRegistryOptions): Registry {
  const trackingUri = options.trackingUri ? withSlash(options.trackingUri) : undefined;
  return {
    description: `stachub tracking store ${options.dir}`,
    ...(trackingUri ? { trackingUri } : {}),
    versions: () => readShimStore(options.open, options.dir, trackingUri),
    modelFileSource: (file) => (file.localPath ? fileByteSource(file.localPath) : undefined),
  };
}

/** Read every registered model version of a tracking-shim store. */
export async function readShimStore(open: OpenTrackingStore, dir: string, trackingUri?: string): Promise<RegistryResult> {
  let store: TrackingStoreView;
  try {
    if (!(await stat(dir)).isDirectory()) throw new Error('not a directory');
    store = await open(dir);
  } catch (err) {
    throw new SourceUnreachableError(`tracking store ${dir} cannot be read: ${(err as Error).message}`, { cause: err });
  }
  const diagnostics: RegistryDiagnostic[] = [];
  const artifactsRoot = path.join(store.root, 'artifacts');
  const runs = new Map<string, RunInfo | undefined>();
  const runOf = (id: string): RunInfo | undefined => {
    if (!runs.has(id)) {
      const raw = store.run(id);
      runs.set(id, raw ? runInfo(raw as unknown as Record<string, unknown>) : undefined);
    }
    return runs.get(id);
  };
  const versions: ModelVersion[] = [];
  for (const rmRaw of store.registeredModels()) {
    const rm = registeredModelInfo(rmRaw);
    for (const mvRaw of store.modelVersions(rm.name)) {
      const label = `${rm.name} v${mvRaw.version}`;
      const run = mvRaw.run_id ? runOf(mvRaw.run_id) : undefined;
      if (mvRaw.run_id && !run) diagnostics.push({ level: 'info', code: 'mlflow/run-missing', message: `${label}: run ${mvRaw.run_id} is not in the store`, model: rm.name });
      let modelDir: string | undefined;
      try {
        modelDir = store.artifactFile(mvRaw.source);
      } catch {
        modelDir = undefined; // a source that tries to leave the store
      }
      const runRel = loggedModelIdOf(mvRaw.source) ? undefined : modelDirInRun(mvRaw.source, run?.artifactUri);
      const text = modelDir ? await readFile(path.join(modelDir, 'MLmodel'), 'utf8').catch(() => undefined) : undefined;
      const found = versionMlmodel({ text, run, modelRel: runRel, label, model: rm.name, where: 'in the store' });
      diagnostics.push(...found.diagnostics);
      const mlmodel = found.mlmodel;
      let file: { artifactPath: string; href?: string; localPath?: string; size?: number } | undefined;
      if (mlmodel?.modelFile && isSafeRelative(mlmodel.modelFile)) {
        file = { artifactPath: runRel ? `${runRel}/${mlmodel.modelFile}` : mlmodel.modelFile };
        if (modelDir) {
          const local = path.join(modelDir, mlmodel.modelFile);
          const info = await stat(local).catch(() => undefined);
          const rel = path.relative(artifactsRoot, local);
          if (info?.isFile() && !rel.startsWith('..') && !path.isAbsolute(rel)) {
            file.localPath = local;
            file.size = info.size;
            if (trackingUri) file.href = `${trackingUri}api/2.0/mlflow-artifacts/artifacts/${rel.split(path.sep).map(encodeURIComponent).join('/')}`;
          }
        }
      }
      versions.push(
        assembleVersion({ registeredModel: rm, raw: mvRaw, run, mlmodel, file, trackingUri, webUi: 'stachub-track' }),
      );
    }
  }
  versions.sort(compareVersions);
  // The store's server serves the run viewer at its tracking URI.
  return { versions, diagnostics, webUi: 'stachub-track' };
}
