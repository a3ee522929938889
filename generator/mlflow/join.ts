/**
 * Which registered models belong to which records (PURE): the records as the linking rules see
 * them, and the model names their READMEs list. `stac/registry.ts` joins the outcome to the tree.
 */
import type { ProjectRecord } from '../metadata/record.js';
import { parseReadme } from '../metadata/frontmatter.js';
import type { OnnxSummary } from '../onnx/types.js';
import type { Diagnostic } from '../types.js';
import { linkModels, parseMlflowFrontMatter, type LinkProject } from './link.js';
import { isRecord } from './mlmodel.js';
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

/** Model names a project's README lists under `mlflow.models` (the fourth linking rule). */
export function listedModels(record: ProjectRecord): { models: string[]; diagnostics: Diagnostic[] } {
  const own = (record as ProjectRecord & { mlflowModels?: unknown }).mlflowModels;
  if (Array.isArray(own)) return { models: own.filter((m): m is string => typeof m === 'string'), diagnostics: [] };
  const readme = record.snapshot.readme;
  if (!readme) return { models: [], diagnostics: [] };
  const parsed = parseReadme(readme.text, readme.path);
  // The schema check leaves a hole where it dropped a list element; a record that carries the
  // schema's problems has reported it already.
  const block = parsed.data['mlflow'];
  const reported = record.diagnostics.some((d) => d.code === 'front-matter/schema');
  const out = parseMlflowFrontMatter(reported && isRecord(block) && Array.isArray(block['models']) ? { ...block, models: block['models'].filter((m) => m !== undefined) } : block);
  const line = parsed.lineOf(['mlflow']);
  return { models: out.models, diagnostics: out.diagnostics.map((d) => ({ ...d, file: readme.path, ...(line ? { line } : {}) })) };
}

/** The records as linking sees them; only projects published in some category can receive models. */
export function linkProjects(records: readonly ProjectRecord[]): { projects: LinkProject[]; diagnostics: Map<string, Diagnostic[]> } {
  const projects: LinkProject[] = [];
  const diagnostics = new Map<string, Diagnostic[]>();
  for (const r of records) {
    if (r.categories.length === 0) continue;
    const listed = listedModels(r);
    // A record that reported its block's problems itself is not told them twice.
    if (listed.diagnostics.length > 0 && !r.diagnostics.some((d) => d.code === 'front-matter/mlflow')) diagnostics.set(r.id, listed.diagnostics);
    projects.push({ id: r.snapshot.project.id, fullPath: r.id, webUrl: r.snapshot.project.webUrl, models: listed.models });
  }
  return { projects, diagnostics };
}

/** Names of the registered models that some record links (to describe only what will be published). */
export function linkedModelNames(records: readonly ProjectRecord[], versions: ModelVersion[], options: { projectTag?: string } = {}): Set<string> {
  return new Set(linkModels(linkProjects(records).projects, versions, options).linked.map((l) => l.modelName));
}
