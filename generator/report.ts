/**
 * The build report (`build-report.json`, DESIGN.md): one entry per project with its status and
 * messages, and counts. Projects left out for visibility or archival are counted, never named.
 */
import type { Diagnostic } from './types.js';
import { redact } from './redact.js';

/** How a registered model was tied to a project (generator/mlflow/link.ts). */
export type LinkRule = 'tag' | 'name-suffix' | 'git-repo' | 'readme';

export interface LinkedModel {
  modelName: string;
  /** Full path of the project it is linked to. */
  project: string;
  rule: LinkRule;
}

/** A registered model left out of the catalog, for the build report. */
export interface UnlinkedModel {
  modelName: string;
  versions: string[];
  /**
   * `no-match`: no rule applies; `not-in-catalog`: the tag or name names a project the catalog does not
   * publish; `ambiguous`: several projects could claim it.
   */
  reason: 'no-match' | 'not-in-catalog' | 'ambiguous';
  message: string;
}

/** The `mlflow` section of `build-report.json`. */
export interface MlflowReport {
  source: string;
  trackingUri?: string;
  counts: { models: number; versions: number; linkedModels: number; publishedVersions: number; unlinkedModels: number };
  linked: LinkedModel[];
  /**
   * Registered models left out of the catalog, counted by reason and never named: an unlinked
   * model may belong to a private project, and the report is public.
   */
  unlinked: Record<UnlinkedModel['reason'], number>;
  /** Registry-level problems (unreadable runs, missing MLmodel files...) about the models the catalog publishes. */
  messages: Diagnostic[];
  /** Registry problems about models the catalog does not publish: counted, not shown. */
  messagesWithheld?: number;
}

export type ProjectStatus = 'ok' | 'warning' | 'error' | 'skipped';

export interface ProjectReport {
  path: string;
  status: ProjectStatus;
  /** Categories the project was published in. */
  categories: string[];
  /** `fresh` (read now), `unchanged` (reused from the previous build), `stale` (read failed, previous item kept). */
  origin?: 'fresh' | 'unchanged' | 'stale';
  messages: Diagnostic[];
}

export interface BuildReport {
  stachub: string;
  generatedAt: string;
  source: string;
  projects: ProjectReport[];
  counts: {
    projects: number;
    items: number;
    collections: number;
    ok: number;
    warning: number;
    error: number;
    skipped: number;
    /** Projects not read because the configuration does not allow their visibility. */
    excludedVisibility: number;
    excludedArchived: number;
    /** STAC documents checked against every schema they declare (0 with --no-validate). */
    schemaChecked: number;
    warnings: number;
    errors: number;
  };
  /** Catalog-level problems (validation of the whole output). */
  messages: Diagnostic[];
  durationMs?: number;
  requests?: number;
  /** The MLflow registry joined to the catalog: linked and unlinked models, registry problems. */
  mlflow?: MlflowReport;
}

export function statusOf(messages: readonly Diagnostic[]): ProjectStatus {
  if (messages.some((m) => m.level === 'error')) return 'error';
  if (messages.some((m) => m.level === 'warning')) return 'warning';
  return 'ok';
}

/**
 * A project's messages as the report prints them: credentials redacted (generator/redact.ts: a
 * server may echo a token into an error), ordered top-down by level, then file and line.
 */
export function sortMessages(messages: Diagnostic[]): Diagnostic[] {
  const rank = { error: 0, warning: 1, info: 2 } as const;
  return messages.map((m) => ({ ...m, message: redact(m.message) })).sort(
    (a, b) => rank[a.level] - rank[b.level] || (a.file ?? '').localeCompare(b.file ?? '') || (a.line ?? 0) - (b.line ?? 0),
  );
}

/** One-screen console summary of a build. */
export function summarize(report: BuildReport): string {
  const c = report.counts;
  const lines = [
    `stachub: ${c.projects} project(s) -> ${c.items} item(s) in ${c.collections} collection(s)` +
      (report.durationMs !== undefined ? ` in ${(report.durationMs / 1000).toFixed(2)} s` : ''),
    `  ${c.ok} ok, ${c.warning} with warnings, ${c.error} with errors, ${c.skipped} skipped; ${c.warnings} warning(s), ${c.errors} error(s)`,
  ];
  lines.push(`  ${c.schemaChecked} STAC document(s) checked against their schemas`);
  if (c.excludedVisibility || c.excludedArchived) {
    lines.push(`  left out: ${c.excludedVisibility} not allowed by visibility, ${c.excludedArchived} archived`);
  }
  for (const p of report.projects) {
    for (const m of p.messages.filter((x) => x.level === 'error')) {
      lines.push(`  error   ${p.path}: ${m.file ? `${m.file}${m.line ? `:${m.line}` : ''}: ` : ''}${m.message}`);
    }
  }
  for (const m of report.messages.filter((x) => x.level === 'error')) lines.push(`  error   ${m.file ?? ''}: ${m.message}`);
  for (const m of report.messages.filter((x) => x.level === 'warning')) lines.push(`  warning ${m.file ? `${m.file}: ` : ''}${m.message}`);
  return `${lines.join('\n')}\n`;
}
