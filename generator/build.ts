/**
 * The pipeline (DESIGN.md): Source -> toRecord -> toStac -> layout -> render -> validate -> files.
 * Only the source (and the schema loader) touch the world; `build` returns the files and the
 * report, and the caller decides where they go (a directory, S3, memory).
 */
import type { Config } from './config.js';
import { joinRegistry, readRegistry, type RegistryRead } from './mlflow/index.js';
import type { Registry } from './mlflow/types.js';
import { toRecord, type ProjectRecord } from './metadata/record.js';
import { renderSite } from './render/index.js';
import { siteConfigFromYaml, type SiteConfig } from './render/site-config.js';
import { withLogoFile } from './render/site-files.js';
import path from 'node:path';
import { sortMessages, statusOf, type BuildReport, type ProjectReport } from './report.js';
import type { Source, SourceListing } from './sources/source.js';
import { layout, safeDir, type CatalogType } from './stac/layout.js';
import { jsonBytes } from './stac/serialize.js';
import { toStac } from './stac/toStac.js';
import type { StacTree } from './stac/types.js';
import type { Diagnostic, OutputFile } from './types.js';
import { checkLinks, validateSchemas, type SchemaLoader, type ValidationProblem } from './validate/index.js';

export interface BuildOptions {
  config: Config;
  source: Source;
  /** Schema loader for validating the output; without one, only links are checked. */
  schemaLoader?: SchemaLoader;
  catalogType?: CatalogType;
  now?: () => Date;
  version?: string;
  /** Progress lines (the CLI passes a progress reporter). */
  log?: (line: string) => void;
  /** Projects read so far, of those listed (for a progress bar). */
  onProgress?: (done: number, total: number) => void;
  /** The MLflow model registry to join (read by `build`). */
  registry?: Registry;
  /** An already read registry (what `build` passes to `assemble`; tests may inject one). */
  mlflowRead?: RegistryRead;
  /** Site settings with their local files read (see `resolveSite`); default: the config's, as written. */
  site?: { site: SiteConfig; diagnostics: Diagnostic[] };
  /**
   * Receives each output file as it is made (e.g. `OutputDirWriter.write`), instead of the result
   * holding them all: a large catalog's pages are then never in memory together.
   */
  emit?: (file: OutputFile) => void;
}

export interface BuildResult {
  /** The output files (empty but for nothing when they went to `emit`). */
  files: OutputFile[];
  /** Every output path, emitted or not. */
  paths: Set<string>;
  report: BuildReport;
  tree: StacTree;
  records: ProjectRecord[];
  problems: ValidationProblem[];
}

export const REPORT_FILE = 'build-report.json';

export async function build(options: BuildOptions): Promise<BuildResult> {
  const { records, listing, now, started } = await collect(options);
  const log = options.log ?? (() => {});
  // MLflow registry (generator/mlflow): read once; joined to the records in `assemble`.
  const mlflowRead = options.registry ? await readRegistry(options.registry, log, records) : options.mlflowRead;
  const site = options.site ?? resolveSite(options.config);
  return assemble(records, listing, { ...options, site, ...(mlflowRead ? { mlflowRead } : {}) }, now, started);
}

/**
 * The `site:` settings with the local files they name read in (the logo beside the configuration
 * file): an edge step, so that `assemble` stays pure.
 */
export function resolveSite(config: Config): { site: SiteConfig; diagnostics: Diagnostic[] } {
  const configDir = config.file ? path.dirname(path.resolve(config.file)) : process.cwd();
  return withLogoFile(siteConfigFromYaml(config.site), configDir);
}

/**
 * The reading half of a build: list and read the projects, make their records. A shard of a
 * sharded build (`stachub build --shard`, generator/publish/shard.ts) runs only this, with
 * `accept` selecting its projects; `stachub merge` then runs `assemble` on all the shards' records.
 */
export async function collect(
  options: BuildOptions & { accept?: (fullPath: string) => boolean },
): Promise<{ records: ProjectRecord[]; listing: SourceListing; now: Date; started: number }> {
  const started = Date.now();
  const { config } = options;
  const now = (options.now ?? (() => new Date()))();
  const log = options.log ?? (() => {});

  log(`listing projects from ${options.source.description}`);
  const listing: SourceListing = await options.source.projects({
    topics: config.categories.map((c) => c.gitlabTopic),
    visibility: config.visibility,
    archived: config.archived,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.accept ? { accept: options.accept } : {}),
  });
  log(`read ${listing.entries.length} project(s)`);

  const records = listing.entries.map((e) => toRecord(e.snapshot, config));
  return { records, listing, now, started };
}

/** The pure part of a build: records -> STAC -> layout -> render -> validate -> files + report. */
export async function assemble(
  records: ProjectRecord[],
  listing: Pick<SourceListing, 'entries' | 'failed' | 'excluded' | 'requests'>,
  options: BuildOptions,
  now: Date,
  started: number = Date.now(),
): Promise<BuildResult> {
  const { config } = options;
  // A project path that cannot be a safe folder name never reaches the layout (GitLab forbids
  // such paths, but a source is outside input): it is reported and left out, the others go on.
  const unsafe = records.filter((r) => !isSafeDir(r.id));
  if (unsafe.length > 0) {
    records = records.filter((r) => isSafeDir(r.id));
    listing = {
      ...listing,
      failed: [
        ...listing.failed,
        ...unsafe.map((r) => ({
          fullPath: r.id.replace(/[^\x20-\x7e]/g, '?'),
          diagnostics: [{ level: 'error' as const, code: 'project/unsafe-path', message: 'the project path is not a safe folder name (segments of letters, digits, _ . + - only); the project is left out' }],
        })),
      ],
    };
  }
  const { tree: projectTree, diagnostics: joinDiagnostics } = toStac(records, config);
  // MLflow registry (generator/mlflow): models linked to projects, one item per version.
  const mlflow = options.mlflowRead ? joinRegistry(projectTree, records, options.mlflowRead) : undefined;
  const unplaced = mlflow?.tree ?? projectTree;
  const catalogType: CatalogType = options.catalogType ?? (config.output.baseUrl ? 'relative-published' : 'self-contained');
  const { tree, carried } = layout(unplaced, { catalogType, ...(config.output.baseUrl ? { baseUrl: config.output.baseUrl } : {}) });

  const files: OutputFile[] = [];
  const paths = new Set<string>();
  const put = (f: OutputFile): void => {
    paths.add(f.path);
    if (options.emit) options.emit(f);
    else files.push(f);
  };
  const docs = new Map<string, Record<string, unknown>>();
  const addDoc = (path: string, json: object, mediaType: string): void => {
    docs.set(path, json as Record<string, unknown>);
    put({ path, mediaType, content: jsonBytes(json) });
  };
  addDoc(tree.catalog.path, tree.catalog.json, 'application/json');
  const itemOwner = new Map<string, string>();
  for (const { collection, items } of tree.collections) {
    addDoc(collection.path, collection.json, 'application/json');
    for (const item of items) {
      addDoc(item.path, item.json, 'application/geo+json');
      itemOwner.set(item.path, mlflow?.owners.get(item.json.id) ?? item.json.id);
    }
  }
  for (const f of carried) put({ path: f.path, mediaType: f.mediaType, content: f.bytes });
  const generatedAt = now.toISOString();
  const site = options.site ?? { site: siteConfigFromYaml(config.site), diagnostics: [] };
  for (const f of renderSite({ tree, generatedAt, ...(config.output.baseUrl ? { baseUrl: config.output.baseUrl } : {}), site: site.site })) put(f);

  // Validate what will be written: schemas (when a loader is given) and every link.
  const problems: ValidationProblem[] = [];
  if (options.schemaLoader) {
    try {
      problems.push(...(await validateSchemas(docs, options.schemaLoader)));
    } catch (err) {
      problems.push({ path: 'catalog.json', kind: 'schema', message: `schemas could not be loaded: ${(err as Error).message}` });
    }
  }
  problems.push(...checkLinks(docs, paths, config.output.baseUrl));
  // Schemas that could not be loaded (no network, no --schema-map) mean "not checked", not "invalid":
  // one warning for the catalog, and the build still succeeds on its link checks.
  const unavailable = problems.filter((p) => p.kind === 'unavailable');
  const schemaWarnings: Diagnostic[] = [];
  if (unavailable.length > 0) {
    const schemas = [...new Set(unavailable.map((p) => /schema (\S+)/.exec(p.message)?.[1] ?? p.message))].sort();
    schemaWarnings.push({
      level: 'warning',
      code: 'stac/schemas-unavailable',
      message: `${schemas.length} STAC schema(s) could not be loaded (offline? give --schema-map URL=DIR), so ${new Set(unavailable.map((p) => p.path)).size} document(s) were not schema-checked (links were): ${schemas.join(', ')}`,
    });
    problems.splice(0, problems.length, ...problems.filter((p) => p.kind !== 'unavailable'));
  }

  // Build report: per project, its own diagnostics, join problems and its items' validation problems.
  const byProject = new Map<string, Diagnostic[]>();
  const catalogMessages: Diagnostic[] = [...site.diagnostics, ...schemaWarnings];
  for (const p of problems) {
    const owner = itemOwner.get(p.path);
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
      ...(joinDiagnostics.get(r.id) ?? []),
      ...(mlflow?.projectDiagnostics.get(r.id) ?? []),
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
  const report: BuildReport = {
    stachub: options.version ?? '0.0.0',
    generatedAt,
    source: describeSourceKind(options.source.description),
    projects,
    counts: {
      projects: projects.length,
      items: tree.collections.reduce((n, c) => n + c.items.length, 0),
      collections: tree.collections.length,
      ok: count('ok'),
      warning: count('warning'),
      error: count('error'),
      skipped: count('skipped'),
      excludedVisibility: listing.excluded.visibility,
      excludedArchived: listing.excluded.archived,
      warnings: all.filter((m) => m.level === 'warning').length,
      errors: all.filter((m) => m.level === 'error').length,
    },
    messages: catalogMessages,
    durationMs: Date.now() - started,
    ...(listing.requests !== undefined ? { requests: listing.requests } : {}),
    ...(mlflow ? { mlflow: mlflow.report } : {}),
  };
  put({ path: REPORT_FILE, mediaType: 'application/json', content: jsonBytes(report) });
  files.sort((a, b) => a.path.localeCompare(b.path));
  return { files, paths, report, tree, records, problems };
}

function isSafeDir(dir: string): boolean {
  try {
    safeDir(dir);
    return true;
  } catch {
    return false;
  }
}

/** The report names the kind of source and its location, never credentials. */
function describeSourceKind(description: string): string {
  return description.replace(/\/\/[^/@\s]*@/g, '//');
}
