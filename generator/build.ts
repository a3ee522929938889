/**
 * The pipeline (DESIGN.md): Source -> toRecord -> toStac -> layout -> render -> validate -> files.
 * Only the source (and the schema loader) touch the world; `build` returns the files and the
 * report, and the caller decides where they go (a directory, S3, memory).
 */
import type { Config } from './config.js';
import { readRegistry, type RegistryRead } from './mlflow/index.js';
import { joinRegistry } from './stac/registry.js';
import type { Registry } from './mlflow/types.js';
import { toRecord, type ProjectRecord } from './metadata/record.js';
import { renderSite } from './render/index.js';
import { defaultJobs } from './render/readme-pool.js';
import { siteConfigFromYaml, type SiteConfig } from './render/site-config.js';
import { withLogoFile } from './render/site-files.js';
import type { BuildReport } from './report.js';
import { MemoryFileSink, type FileSink } from './output.js';
import type { PreviousProject, Source, SourceEntry, SourceListing } from './sources/source.js';
import { faultDiagnostic, ProjectFaults, type ProjectFailure } from './isolate.js';
import { LIMITS } from './limits.js';
import { layout, type CatalogType } from './stac/layout.js';
import { jsonBytes } from './stac/serialize.js';
import { toStac } from './stac/toStac.js';
import type { StacTree } from './stac/types.js';
import type { Diagnostic, OutputFile } from './types.js';
import { checkLinks, validateSchemas, type SchemaLoader, type ValidationProblem } from './validate/index.js';
import { isSafeDir, pathClashes, PathGuard } from './pipeline/clashes.js';
import { buildReport } from './pipeline/report.js';
import { REPAIR_ROUNDS, repairPlan, repaired, type ItemPlace, type ItemRepair } from './pipeline/repair.js';

/** Items from which the READMEs are rendered on threads (when more than one job is asked for). */
const THREADED_FROM = 500;

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
   * The previous build's projects (the build state), by project id: a project that fails is built
   * from its previous snapshot instead, when the state has one.
   */
  previous?: ReadonlyMap<number, PreviousProject>;
  /**
   * Where the files go as they are made (an `OutputDirWriter`: no page of a large catalog waits in
   * memory for the others); without one, they are kept and returned in `files`.
   */
  sink?: FileSink;
  /** Worker threads that render READMEs (render/readme-pool.ts), 0 for none; default: one per core but one, for catalogs big enough to gain from it. */
  renderJobs?: number;
}

export interface BuildResult {
  /** The files, sorted by path; empty when they went to `options.sink`. */
  files: OutputFile[];
  report: BuildReport;
  tree: StacTree;
  records: ProjectRecord[];
  problems: ValidationProblem[];
  /**
   * The listing as built: a project that failed is in `failed`, or its entry holds the previous
   * snapshot it was built from (origin `stale`). The build state is written from this one.
   */
  listing: Pick<SourceListing, 'entries' | 'failed' | 'excluded' | 'requests' | 'marks'>;
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
  return withLogoFile(siteConfigFromYaml(config.site), config.dir);
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

  // Each project under its own guard: one README that breaks the record stage is that project's error.
  const records: ProjectRecord[] = [];
  const entries: SourceEntry[] = [];
  const failed = [...listing.failed];
  for (const entry of listing.entries) {
    const made = guardedRecord(entry.snapshot, config);
    if ('record' in made) {
      records.push(made.record);
      entries.push(entry);
      continue;
    }
    const fallback = fallBackToPrevious(entry, made.failure, config, options.previous);
    if (fallback) {
      records.push(fallback.record);
      entries.push(fallback.entry);
    } else {
      failed.push({ fullPath: entry.snapshot.project.fullPath, diagnostics: [faultDiagnostic(made.failure)] });
    }
  }
  return { records, listing: { ...listing, entries, failed }, now, started };
}

/** `toRecord` under the project's guard, with the time budget (docs/metadata.md#limits-what-a-hostile-readme-can-and-cannot-do). */
function guardedRecord(snapshot: SourceEntry['snapshot'], config: Config): { record: ProjectRecord } | { failure: ProjectFailure } {
  const t0 = Date.now();
  try {
    const record = toRecord(snapshot, config);
    const ms = Date.now() - t0;
    if (ms > LIMITS.projectMs) {
      record.diagnostics.push({ level: 'error', code: 'budget/time', message: `making the project's record took ${ms} ms, more than ${LIMITS.projectMs} ms` });
    }
    return { record };
  } catch (error) {
    return { failure: { project: snapshot.project.fullPath, stage: 'record', error } };
  }
}

/**
 * A project that failed is built from the previous build's snapshot when the state has a different
 * one (as when GitLab cannot be read): its item from before stays published, and the report says so.
 */
function fallBackToPrevious(
  entry: SourceEntry,
  failure: ProjectFailure,
  config: Config,
  previous: ReadonlyMap<number, PreviousProject> | undefined,
): { record: ProjectRecord; entry: SourceEntry } | undefined {
  const before = previous?.get(entry.snapshot.project.id)?.snapshot;
  if (!before || before === entry.snapshot || before.project.fullPath !== entry.snapshot.project.fullPath) return undefined;
  if (JSON.stringify(before) === JSON.stringify(entry.snapshot)) return undefined;
  const made = guardedRecord(before, config);
  if (!('record' in made)) return undefined;
  made.record.diagnostics.unshift(faultDiagnostic(failure, 'kept'));
  return { record: made.record, entry: { snapshot: before, origin: 'stale' } };
}

type AssembleListing = Pick<SourceListing, 'entries' | 'failed' | 'excluded' | 'requests' | 'marks'>;

/**
 * The pure part of a build: records -> STAC -> layout -> render -> validate -> files + report.
 *
 * One project never stops the others (DESIGN.md): a project whose item, join or page fails is left
 * out (or built from its previous snapshot, when the state has one) and the rest assembled again;
 * an item property, asset or extension that does not validate is dropped from the item, and an
 * item that still does not validate is left out, each with an error of its project. So the catalog
 * is always valid for every good project.
 */
export async function assemble(
  records: ProjectRecord[],
  listing: AssembleListing,
  options: BuildOptions,
  now: Date,
  started: number = Date.now(),
): Promise<BuildResult> {
  let current = records;
  let currentListing: AssembleListing = listing;
  const repairs = new Map<string, ItemRepair>();
  const notes = new Map<string, Diagnostic[]>();
  const fellBack = new Set<string>();
  const note = (project: string, d: Diagnostic): void => {
    const list = notes.get(project) ?? [];
    if (!list.some((x) => x.code === d.code && x.message === d.message)) list.push(d);
    notes.set(project, list);
  };
  /** Take projects out of the build (their previous snapshot in, when the state has one). */
  const leaveOut = (out: Map<string, Diagnostic>, faults?: ReadonlyMap<string, ProjectFailure>): void => {
    const records2: ProjectRecord[] = [];
    const entries: SourceEntry[] = [];
    const failed = [...currentListing.failed];
    const byPath = new Map(currentListing.entries.map((e) => [e.snapshot.project.fullPath, e]));
    for (const r of current) {
      const d = out.get(r.id);
      if (!d) {
        records2.push(r);
        continue;
      }
      const entry = byPath.get(r.id);
      const failure = faults?.get(r.id);
      const fallback = entry && !fellBack.has(r.id) && failure ? fallBackToPrevious(entry, failure, options.config, options.previous) : undefined;
      if (fallback) {
        fellBack.add(r.id);
        records2.push(fallback.record);
        byPath.set(r.id, fallback.entry);
      } else {
        byPath.delete(r.id);
        notes.delete(r.id);
        failed.push({ fullPath: r.id, diagnostics: [d] });
      }
    }
    for (const e of currentListing.entries) {
      const kept = byPath.get(e.snapshot.project.fullPath);
      if (kept) entries.push(kept);
    }
    current = records2;
    currentListing = { ...currentListing, entries, failed };
  };

  const sink = options.sink ?? new MemoryFileSink();
  const apply = (plan: ReturnType<typeof repairPlan>): boolean => {
    if (plan.repairs.size === 0 && plan.leaveOut.size === 0) return false;
    for (const [itemId, r] of plan.repairs) {
      const have = repairs.get(itemId) ?? { properties: new Set(), assets: new Set(), extensions: new Set() };
      for (const k of r.properties) have.properties.add(k);
      for (const k of r.assets) have.assets.add(k);
      for (const k of r.extensions) have.extensions.add(k);
      repairs.set(itemId, have);
    }
    for (const [project, ds] of plan.notes) for (const d of ds) note(project, d);
    if (plan.leaveOut.size > 0) leaveOut(plan.leaveOut);
    return true;
  };

  // Every round either returns or takes at least one project out or adds a repair, so this ends.
  // What can make an item fail is decided on the items first (schemas, repairs); then the files
  // are made once and go to the sink as they come. A page that fails, a path clash or a broken link
  // found while writing leaves its project out: the sink forgets what it has and the round restarts
  // (nothing is in place until the caller commits the sink).
  for (let round = 0; ; round++) {
    const prepared = prepare(current, currentListing, options, repairs);
    const schemas = await checkSchemas(prepared.docs, options.schemaLoader);
    if (apply(repairPlan(schemas.problems, prepared.items, repairs, round < REPAIR_ROUNDS))) continue;
    sink.reset();
    let written: Set<string>;
    try {
      written = emitFiles(prepared, options, now, sink);
    } catch (err) {
      if (!(err instanceof ProjectFaults)) throw err;
      sink.reset();
      const faults = new Map<string, ProjectFailure>();
      for (const f of err.failures) if (!faults.has(f.project)) faults.set(f.project, f);
      const out = new Map([...faults].map(([id, f]): [string, Diagnostic] => [id, faultDiagnostic(f)]));
      if (![...out.keys()].some((id) => current.some((r) => r.id === id))) throw err;
      leaveOut(out, faults);
      continue;
    }
    const links = checkLinks(prepared.docs, written, options.config.output.baseUrl);
    if (apply(repairPlan(links, prepared.items, repairs, false))) {
      sink.reset();
      continue;
    }
    const problems = [...schemas.problems, ...links];
    const generatedAt = now.toISOString();
    const report = buildReport({
      records: prepared.records,
      listing: prepared.listing,
      tree: prepared.tree,
      itemOwner: new Map([...prepared.items].map(([p, i]) => [p, i.project])),
      fieldDiagnostics: prepared.fieldDiagnostics,
      joinDiagnostics: prepared.joinDiagnostics,
      mlflow: prepared.mlflow,
      notes,
      problems,
      catalogMessages: [...(options.site ?? { diagnostics: [] }).diagnostics, ...schemas.warnings],
      schemaChecked: schemas.checked,
      generatedAt,
      version: options.version ?? '0.0.0',
      source: options.source.description,
      durationMs: Date.now() - started,
    });
    sink.write({ path: REPORT_FILE, mediaType: 'application/json', content: jsonBytes(report) });
    const files = options.sink ? [] : (sink as MemoryFileSink).files.sort((a, b) => a.path.localeCompare(b.path));
    return { files, report, tree: prepared.tree, records: prepared.records, problems, listing: currentListing };
  }
}

/** One assembly's STAC side: the records' items (repaired), laid out, with their owners. */
interface Prepared {
  records: ProjectRecord[];
  listing: AssembleListing;
  tree: StacTree;
  carried: ReturnType<typeof layout>['carried'];
  /** Every STAC document by path (what validation reads). */
  docs: Map<string, Record<string, unknown>>;
  /** Every item document by path, with its project. */
  items: Map<string, ItemPlace>;
  fieldDiagnostics: ReturnType<typeof toStac>['fieldDiagnostics'];
  joinDiagnostics: ReturnType<typeof toStac>['diagnostics'];
  /** The registry join's owners and report (not its tree: the laid-out tree replaces it). */
  mlflow: Pick<ReturnType<typeof joinRegistry>, 'owners' | 'projectDiagnostics' | 'report'> | undefined;
}

/** Records -> STAC -> MLflow join -> repairs -> layout, for one round. */
function prepare(records: ProjectRecord[], listing: AssembleListing, options: BuildOptions, repairs: ReadonlyMap<string, ItemRepair>): Prepared {
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
          diagnostics: [{ level: 'error' as const, code: 'project/unsafe-path', message: 'the project path is not a safe folder name (segments of letters, digits, _ . + - only, at most 200 characters each); the project is left out' }],
        })),
      ],
    };
  }
  const { tree: projectTree, diagnostics: joinDiagnostics, fieldDiagnostics } = toStac(records, config);
  // MLflow registry (generator/mlflow): models linked to projects, one item per version.
  const mlflow = options.mlflowRead ? joinRegistry(projectTree, records, options.mlflowRead) : undefined;
  const joined = mlflow?.tree ?? projectTree;
  const ownerOf = (itemId: string): string => mlflow?.owners.get(itemId) ?? itemId;
  const unplaced =
    repairs.size === 0
      ? joined
      : {
          ...joined,
          collections: joined.collections.map(({ collection, items }) => ({
            collection,
            items: items.map((i) => {
              const r = repairs.get(i.json.id);
              return r ? { ...i, json: repaired(i.json, r) } : i;
            }),
          })),
        };
  const catalogType: CatalogType = options.catalogType ?? (config.output.baseUrl ? 'relative-published' : 'self-contained');
  const { tree, carried } = layout(unplaced, { catalogType, ...(config.output.baseUrl ? { baseUrl: config.output.baseUrl } : {}) });
  const docs = new Map<string, Record<string, unknown>>();
  const items = new Map<string, ItemPlace>();
  docs.set(tree.catalog.path, tree.catalog.json as unknown as Record<string, unknown>);
  for (const { collection, items: list } of tree.collections) {
    docs.set(collection.path, collection.json as unknown as Record<string, unknown>);
    for (const item of list) {
      docs.set(item.path, item.json as unknown as Record<string, unknown>);
      items.set(item.path, { id: item.json.id, project: ownerOf(item.json.id), json: item.json });
    }
  }
  // The tree before layout is let go here: a large catalog would otherwise hold every item twice.
  const kept = mlflow && { owners: mlflow.owners, projectDiagnostics: mlflow.projectDiagnostics, report: mlflow.report };
  return { records, listing, tree, carried, docs, items, fieldDiagnostics, joinDiagnostics, mlflow: kept };
}

/**
 * Schema validation of the STAC documents (when a loader is given). Schemas that could not be
 * loaded (no network, no --schema-map) mean "not checked", not "invalid": one warning for the
 * catalog, and the build still succeeds on its link checks.
 */
async function checkSchemas(
  docs: ReadonlyMap<string, Record<string, unknown>>,
  loader: SchemaLoader | undefined,
): Promise<{ problems: ValidationProblem[]; warnings: Diagnostic[]; checked: number }> {
  if (!loader) return { problems: [], warnings: [], checked: 0 };
  let problems: ValidationProblem[];
  try {
    problems = await validateSchemas(docs as Map<string, Record<string, unknown>>, loader);
  } catch (err) {
    problems = [{ path: 'catalog.json', kind: 'schema', message: `schemas could not be loaded: ${(err as Error).message}` }];
  }
  const unavailable = problems.filter((p) => p.kind === 'unavailable');
  const warnings: Diagnostic[] = [];
  if (unavailable.length > 0) {
    const schemas = [...new Set(unavailable.map((p) => p.schema ?? p.message))].sort();
    warnings.push({
      level: 'warning',
      code: 'stac/schemas-unavailable',
      message: `${schemas.length} STAC schema(s) could not be loaded (offline? give --schema-map URL=DIR or allow the download), so ${new Set(unavailable.map((p) => p.path)).size} document(s) were not schema-checked (links were): ${schemas.join(', ')}`,
    });
  }
  const unchecked = new Set(unavailable.map((p) => p.path));
  const checked = [...docs].filter(([p, json]) => typeof json.stac_version === 'string' && !unchecked.has(p)).length;
  return { problems: problems.filter((p) => p.kind !== 'unavailable'), warnings, checked };
}

/**
 * Write the round's files to the sink as they are made: the STAC documents, the carried files, the
 * site's pages. Throws `ProjectFaults` for the projects whose page fails or whose files clash with
 * others (a clashing file is never written); returns every path written.
 */
function emitFiles(prepared: Prepared, options: BuildOptions, now: Date, sink: FileSink): Set<string> {
  const { config } = options;
  const guard = new PathGuard();
  const put = (f: OutputFile): void => {
    if (guard.accept(f.path)) sink.write(f);
  };
  const { tree } = prepared;
  put({ path: tree.catalog.path, mediaType: 'application/json', content: jsonBytes(tree.catalog.json) });
  for (const { collection, items } of tree.collections) {
    put({ path: collection.path, mediaType: 'application/json', content: jsonBytes(collection.json) });
    for (const item of items) put({ path: item.path, mediaType: 'application/geo+json', content: jsonBytes(item.json) });
  }
  for (const f of prepared.carried) put({ path: f.path, mediaType: f.mediaType, content: f.bytes });
  const site = options.site ?? { site: siteConfigFromYaml(config.site), diagnostics: [] };
  const ownerOf = (itemId: string): string => prepared.mlflow?.owners.get(itemId) ?? itemId;
  try {
    // Render threads cost a start-up each (about a tenth of a second): small catalogs render on this one.
    const jobs = prepared.items.size >= THREADED_FROM ? (options.renderJobs ?? defaultJobs()) : 0;
    for (const f of renderSite({ tree, generatedAt: now.toISOString(), ...(config.output.baseUrl ? { baseUrl: config.output.baseUrl } : {}), site: site.site, jobs })) put(f);
  } catch (err) {
    // Pages fail per item: the item's project is what fails.
    if (err instanceof ProjectFaults) throw new ProjectFaults(err.failures.map((f) => ({ ...f, project: ownerOf(f.project) })));
    throw err;
  }
  // Two files at one path, or a file where another needs a folder (a namespace named `index.html`
  // beside a category page): the project whose item folder holds the file is left out.
  if (guard.refused) {
    const dirs = [...prepared.items].map(([p, i]) => ({ dir: p.slice(0, p.lastIndexOf('/') + 1), project: i.project }));
    throw new ProjectFaults(pathClashes(guard.paths, dirs));
  }
  return guard.seen;
}
