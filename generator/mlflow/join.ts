/**
 * Which registered models belong to which records (PURE): the records as the linking rules see
 * them (with the model names their READMEs list). `stac/registry.ts` joins the outcome to the tree.
 */
import type { ProjectRecord } from '../metadata/record.js';
import type { OnnxSummary } from '../onnx/types.js';
import { linkModels, type LinkProject } from './link.js';
import type { MlflowReport } from '../report.js';
import type { ModelVersion, RegistryDiagnostic, WebUi } from './types.js';

/** What the registry edge read (see `readRegistry`). */
export interface RegistryRead {
  /** The registry's description (never a credential). */
  source: string;
  trackingUri?: string;
  /** The web pages behind the tracking URI (default MLflow's UI). */
  webUi?: WebUi;
  versions: ModelVersion[];
  /** ONNX summaries of model files, by `versionKey`. */
  onnx: ReadonlyMap<string, OnnxSummary>;
  diagnostics: RegistryDiagnostic[];
}

export type { MlflowReport };

/**
 * The records as linking sees them; only projects published in some category can receive models.
 * The README's `mlflow.models` were read, and their problems reported, when the record was made.
 */
export function linkProjects(records: readonly ProjectRecord[]): LinkProject[] {
  return records
    .filter((r) => r.categories.length > 0)
    .map((r) => ({ id: r.snapshot.project.id, fullPath: r.id, webUrl: r.snapshot.project.webUrl, models: r.mlflowModels }));
}

/** Names of the registered models that some record links (to describe only what will be published). */
export function linkedModelNames(records: readonly ProjectRecord[], versions: ModelVersion[], options: { projectTag?: string } = {}): Set<string> {
  return new Set(linkModels(linkProjects(records), versions, options).linked.map((l) => l.modelName));
}
