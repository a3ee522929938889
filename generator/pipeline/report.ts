/**
 * The build report (build-report.json) of one assembly: per project, its own diagnostics, its join
 * problems, its repairs and its items' validation problems; the catalog's own messages; the counts.
 */
import type { joinRegistry } from '../stac/registry.js';
import type { ProjectRecord } from '../metadata/record.js';
import { sortMessages, statusOf, type BuildReport, type ProjectReport } from '../report.js';
import type { SourceListing } from '../sources/source.js';
import type { StacTree } from '../stac/types.js';
import type { Diagnostic } from '../types.js';
import type { ValidationProblem } from '../validate/index.js';

/** What one assembly knows when it writes its report. */
export interface ReportInput {
  records: readonly ProjectRecord[];
  listing: Pick<SourceListing, 'entries' | 'failed' | 'excluded' | 'requests'>;
  tree: StacTree;
  /** The owner (record id) of each item document, by path. */
  itemOwner: ReadonlyMap<string, string>;
  /** What writing each record's STAC fields said (model descriptions: generator/stac/fields.ts). */
  fieldDiagnostics: ReadonlyMap<string, Diagnostic[]>;
  joinDiagnostics: ReadonlyMap<string, Diagnostic[]>;
  mlflow: Pick<ReturnType<typeof joinRegistry>, 'projectDiagnostics' | 'report'> | undefined;
  /** Repairs said per project (generator/pipeline/repair.ts). */
  notes: ReadonlyMap<string, Diagnostic[]>;
  /** Validation problems left (schema and links; "unavailable" ones already turned into warnings). */
  problems: readonly ValidationProblem[];
  catalogMessages: Diagnostic[];
  schemaChecked: number;
  generatedAt: string;
  version: string;
  source: string;
  durationMs: number;
}

export function buildReport(input: ReportInput): BuildReport {
  const { records, listing, mlflow, notes } = input;
  const byProject = new Map<string, Diagnostic[]>();
  const catalogMessages = [...input.catalogMessages];
  for (const p of input.problems) {
    const owner = input.itemOwner.get(p.path);
    const d: Diagnostic = { level: 'error', code: p.kind === 'schema' ? 'stac/schema' : 'stac/link', message: p.message, file: p.path };
    if (owner) byProject.set(owner, [...(byProject.get(owner) ?? []), d]);
    else catalogMessages.push(d);
  }
  const origins = new Map(listing.entries.map((e) => [e.snapshot.project.fullPath, e.origin]));
  const projects: ProjectReport[] = records.map((r) => {
    const origin = origins.get(r.id) ?? 'fresh';
    const messages = sortMessages([
      ...(origin === 'stale'
        ? [{ level: 'warning' as const, code: 'source/stale', message: 'the project could not be read; its item from the previous build is kept' }]
        : []),
      ...r.diagnostics,
      ...(input.fieldDiagnostics.get(r.id) ?? []),
      ...(input.joinDiagnostics.get(r.id) ?? []),
      ...(mlflow?.projectDiagnostics.get(r.id) ?? []),
      ...(notes.get(r.id) ?? []),
      ...(byProject.get(r.id) ?? []),
    ]);
    const status = r.categories.length === 0 ? 'skipped' : statusOf(messages);
    return { path: r.id, status, categories: r.categories, origin, messages };
  });
  for (const f of listing.failed) {
    projects.push({ path: f.fullPath, status: 'error', categories: [], messages: sortMessages(f.diagnostics) });
  }
  projects.sort((a, b) => a.path.localeCompare(b.path));
  const count = (s: ProjectReport['status']): number => projects.filter((p) => p.status === s).length;
  const all = [...projects.flatMap((p) => p.messages), ...catalogMessages];
  return {
    stachub: input.version,
    generatedAt: input.generatedAt,
    source: describeSourceKind(input.source),
    projects,
    counts: {
      projects: projects.length,
      items: input.tree.collections.reduce((n, c) => n + c.items.length, 0),
      collections: input.tree.collections.length,
      ok: count('ok'),
      warning: count('warning'),
      error: count('error'),
      skipped: count('skipped'),
      excludedVisibility: listing.excluded.visibility,
      excludedArchived: listing.excluded.archived,
      schemaChecked: input.schemaChecked,
      warnings: all.filter((m) => m.level === 'warning').length,
      errors: all.filter((m) => m.level === 'error').length,
    },
    messages: catalogMessages,
    durationMs: input.durationMs,
    ...(listing.requests !== undefined ? { requests: listing.requests } : {}),
    ...(mlflow ? { mlflow: mlflow.report } : {}),
  };
}

/** The report names the kind of source and its location, never credentials. */
function describeSourceKind(description: string): string {
  return description.replace(/\/\/[^/@\s]*@/g, '//');
}
