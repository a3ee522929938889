/**
 * `toRecord`: one project's snapshot + the configuration -> the project's catalog record (PURE).
 * Implements SharingHub's README metadata contract (reference/sharinghub.md §1.4-1.7, §2, §3).
 */
import type { Category, Config } from '../config.js';
import type { AssetRule, CarriedFile, Diagnostic, ProjectSnapshot, RepoFile } from '../types.js';
import { discoverAssets, type DiscoveredAsset } from './assets.js';
import { readBody, summarize, type Citation } from './body.js';
import { previewSource } from './preview.js';
import { dvcAssets, type DvcAsset } from './dvc.js';
import { bboxToExtent, ExtentError, ExtentTooLargeError, toInstant, wktToExtent, type Geometry } from './extent.js';
import { parseMlflowFrontMatter, parseReadme, type FrontMatter, type Provider } from './frontmatter.js';
import { spdxFromGitLab, spdxUrl } from './license.js';
import { modelFilesOf, type ModelFile } from './models.js';
import { LIMITS } from '../limits.js';
import { readmeHrefs } from './hrefs.js';

/** A link to another project of the catalog, resolved by the STAC stage once every record is known. */
export interface ProjectReference {
  rel: string;
  /** GitLab project URL as written in the README. */
  url: string;
  /** Category id the README names (`dataset+https://...` or a `related:` key). */
  collection?: string;
  title?: string;
  line?: number;
}

/** Everything the catalog says about one project, before it is split into per-category items. */
export interface ProjectRecord {
  /** Item id: the project's full path. */
  id: string;
  snapshot: ProjectSnapshot;
  /** Categories (collections) the project belongs to, in configuration order. */
  categories: string[];
  title: string;
  /** Markdown description (the README body with its relative targets rewritten). */
  description: string;
  /** Short plain text for cards and search. */
  summary: string;
  geometry: Geometry | null;
  bbox?: number[];
  /** The project's dates, RFC 3339 (SharingHub §1.4: the temporal extent sets start and end). */
  dates: ProjectDates;
  /** The project's GitLab topics other than the category topics. */
  keywords: string[];
  /** SPDX id and the page that states it; absent when the project names none. */
  license?: { id: string; url?: string };
  providers: Provider[];
  /** SharingHub's facts of the project (`sharinghub:<name>`): name and value, in the order they are stated. */
  sharinghub: Array<[name: string, value: unknown]>;
  /** The README's own fields (extension blocks as `prefix:field`, other keys as written), in README order. */
  fields: Record<string, unknown>;
  /** Extension prefixes and their schema URLs: the README's `extensions:`, then the instance's. */
  schemas: Record<string, string>;
  /** Schema URLs the README's fields and asset rules use through those prefixes. */
  extensions: string[];
  /** DOIs the README body cites (SharingHub §1.7). */
  citation: Citation;
  /** The README's `links:` to outside the catalog, resolved, with the fields written on them. */
  links: ReadmeLink[];
  /** Links to other projects of the catalog (`derived_from`, helper hrefs). */
  references: ProjectReference[];
  /** Files and URLs the asset rules select, in rule order. */
  files: DiscoveredAsset[];
  /** DVC-tracked outputs not already named by an asset rule. */
  dvc: DvcAsset[];
  /** Model files among `files` to describe from their headers, in the order they are described. */
  models: ModelFile[];
  /** The README's MLM fields without their prefix (its `mlm:` block and `mlm:<field>` keys). */
  mlm?: Record<string, unknown>;
  /** Where the README's `mlm` block is, for the problems the model description finds. */
  mlmAt: { file: string; line?: number };
  /** The preview image: where the README names it and its resolved href. */
  preview?: { source: string; href: string };
  /** Files republished beside the item (hrefs in assets/description point to them relatively). */
  carried: CarriedFile[];
  /** Registered MLflow models the README lists under `mlflow.models` (the fourth linking rule). */
  mlflowModels: string[];
  diagnostics: Diagnostic[];
}

/** The dates of a project's item. */
export interface ProjectDates {
  datetime: string;
  start: string;
  end: string;
  created: string;
  updated: string;
}

export type { ModelFile, Provider };

/** A README `links:` entry: the fields as written, with its relation and resolved href. */
export type ReadmeLink = Record<string, unknown> & { rel: string; href: string };

/** Properties stachub sets from the project's dates; a README value replaces them only when it is a date-time. */
const TIME_KEYS = new Set(['datetime', 'start_datetime', 'end_datetime', 'created', 'updated']);
/** Folder (inside the item's folder) that holds files republished from the repository. */
export const CARRIED_DIR = 'media';
/** `<category id>+<GitLab project URL>`: a link to another project of the catalog. */
const HELPER_HREF = /^([a-z0-9][a-z0-9-]*)\+(https?:\/\/.+)$/i;

/** Categories whose topic the project carries, in configuration order. */
export function categoriesOf(topics: readonly string[], categories: readonly Category[]): Category[] {
  return categories.filter((c) => topics.includes(c.gitlabTopic));
}

export function toRecord(snapshot: ProjectSnapshot, config: Config): ProjectRecord {
  const { project } = snapshot;
  const diagnostics: Diagnostic[] = [...snapshot.diagnostics];
  const categories = categoriesOf(project.topics, config.categories);
  const readmeFile = snapshot.readme?.path ?? 'README.md';
  if (!snapshot.readme) {
    diagnostics.push({ level: 'warning', code: 'readme/missing', message: 'the project has no README.md: its page shows the GitLab description only' });
  }
  let readmeText = snapshot.readme?.text ?? '';
  if (Buffer.byteLength(readmeText, 'utf8') > LIMITS.readmeBytes) {
    diagnostics.push({
      level: 'error',
      code: 'budget/readme-bytes',
      message: `the README is larger than ${LIMITS.readmeBytes} bytes: it is not read (the page shows the GitLab description)`,
      file: readmeFile,
    });
    readmeText = '';
  }
  const readme = parseReadme(readmeText, readmeFile);
  diagnostics.push(...readme.diagnostics);
  const fm = readme.frontMatter;
  const notes = readmeNotes(readmeFile, readme.lineOf, diagnostics);
  const { at, warn, fail } = notes;

  const hrefs = readmeHrefs(snapshot, CARRIED_DIR);
  const resolveHref = hrefs.resolve;

  // --- title, description ---------------------------------------------------------------
  const title = fm.title?.trim() || project.name;
  // One reading of the body: its rewritten text, its DOIs (SharingHub §1.7) and its preview image.
  const read = readBody(readme.body, (href, kind) => resolveHref(href, kind));
  const body = read.text;
  const description = body || project.description || '';
  const summary = project.description?.trim() || summarize(body);

  const dates = datesOf(project, fm.extent, notes);
  const { geometry, bbox } = spatialOf(fm.extent, notes);

  // --- keywords, license, providers, sharinghub:* -------------------------------------------
  const categoryTopics = new Set(config.categories.map((c) => c.gitlabTopic));
  const keywords = project.topics.filter((t) => !categoryTopics.has(t));
  const license = licenseOf(project, fm, notes);
  const providers = providersOf(project, fm);
  const sharinghub = sharinghubFacts(snapshot, categories, fm);

  const { known, extensions, fields } = propertiesOf(fm, config.extensions, notes);

  // --- links: README links (the STAC stage adds the GitLab page, bug tracker, packages...) --
  const { links, references } = linksOf(fm, resolveHref, notes);
  references.push(...relatedOf(fm, notes));

  // --- assets -----------------------------------------------------------------------------
  const categoryRules: AssetRule[] = categories.flatMap((c) => c.assets);
  const written = fm.assets ?? [];
  if (written.length > LIMITS.assetRules) {
    fail('budget/asset-rules', `assets: ${written.length} asset rules, more than ${LIMITS.assetRules}: the first ${LIMITS.assetRules} are used`, at('assets'));
  }
  // Rules the schema rejected are holes: skipped, and the others keep their index for their line.
  const readmeRules = written
    .slice(0, LIMITS.assetRules)
    .map((rule, index) => ({ rule, index }))
    .filter((r): r is { rule: AssetRule; index: number } => r.rule !== undefined);
  const found = discoverAssets([...readmeRules.map((r) => r.rule), ...categoryRules], snapshot.files, (href) => resolveHref(href), {
    file: readmeFile,
    lineOf: (i) => (i < readmeRules.length ? readme.lineOf(['assets', readmeRules[i]!.index]) : undefined),
    maxMatches: LIMITS.matchedFiles,
  });
  diagnostics.push(...found.diagnostics);
  for (const a of found.assets) {
    for (const field of Object.keys(a.asset.fields)) {
      const prefix = /^([a-z][a-z0-9-]*):/.exec(field)?.[1];
      if (prefix && prefix !== 'file' && known[prefix]) extensions.add(known[prefix]!);
    }
  }
  // --- DVC-tracked data (.dvc files, dvc.lock) -> data assets at the DVC remote ------------------
  const dvc = dvcAssets(snapshot.dvc, snapshot.files);
  diagnostics.push(...dvc.diagnostics);
  const keys = new Set(found.assets.map((a) => a.key));
  const models = modelFilesOf(found.assets, snapshot, diagnostics);

  const mlm = mlmBlock(fm.rest);

  // --- preview (SharingHub §2.2: body image wins over key, then preview.png/.jpg/.jpeg) -------
  let preview: ProjectRecord['preview'];
  const previewFrom = previewSource(read.previewImage, fm.preview, (p) => snapshot.files.some((f) => f.path === p));
  if (previewFrom) {
    const href = resolveHref(previewFrom, 'image');
    if (href) preview = { source: previewFrom, href };
    else warn('preview/missing', `preview '${previewFrom}' is not a file of the repository`, at('preview'));
  }

  // --- mlflow.models: the registered models the README claims (linked by the MLflow join) ----
  const listed = parseMlflowFrontMatter(fm.mlflow);
  if (!diagnostics.some((d) => d.code === 'front-matter/schema' && d.message.startsWith('mlflow'))) {
    diagnostics.push(...listed.diagnostics.map((d) => ({ ...d, ...at('mlflow') })));
  }

  return {
    id: project.fullPath,
    snapshot,
    categories: categories.map((c) => c.id),
    title,
    description,
    summary,
    geometry,
    ...(bbox ? { bbox } : {}),
    dates,
    keywords,
    ...(license ? { license } : {}),
    providers,
    sharinghub,
    fields,
    schemas: { ...known },
    extensions: [...extensions].sort(),
    citation: read.citation,
    links,
    references,
    files: found.assets,
    dvc: dvc.assets.filter((d) => !keys.has(d.path)),
    models,
    ...(mlm ? { mlm } : {}),
    mlmAt: at('mlm'),
    ...(preview ? { preview } : {}),
    carried: hrefs.carried(),
    mlflowModels: listed.models,
    diagnostics,
  };
}

/** Where a README problem is, and the list the problems of the project go to. */
interface Notes {
  /** The README's path. */
  file: string;
  /** The README's path and the line of a front-matter key path. */
  at(...path: Array<string | number>): { file: string; line?: number };
  warn(code: string, message: string, where?: { file?: string; line?: number }): void;
  fail(code: string, message: string, where?: { file?: string; line?: number }): void;
}

function readmeNotes(file: string, lineOfKey: (path: ReadonlyArray<string | number>) => number | undefined, diagnostics: Diagnostic[]): Notes {
  return {
    file,
    at: (...path) => {
      const line = lineOfKey(path);
      return line === undefined ? { file } : { file, line };
    },
    warn: (code, message, where = {}) => void diagnostics.push({ level: 'warning', code, message, ...where }),
    fail: (code, message, where = {}) => void diagnostics.push({ level: 'error', code, message, ...where }),
  };
}

/** The item's dates (SharingHub §1.4: datetime = last activity; the temporal extent sets start/end). */
function datesOf(project: ProjectSnapshot['project'], extent: FrontMatter['extent'], { at, fail }: Notes): ProjectDates {
  let start = project.createdAt;
  let end = project.lastActivityAt;
  if (extent?.temporal) {
    const [s, e] = extent.temporal;
    try {
      if (s !== null && s !== undefined) start = toInstant(s);
      if (e !== null && e !== undefined) end = toInstant(e);
      if (Date.parse(start) > Date.parse(end)) {
        fail('extent/temporal', `extent.temporal: start ${start} is after end ${end}`, at('extent', 'temporal'));
        start = project.createdAt;
        end = project.lastActivityAt;
      }
    } catch (err) {
      fail('extent/temporal', `extent.temporal: ${(err as Error).message}`, at('extent', 'temporal'));
    }
  }
  // STAC's created/updated are about the entry itself, not the data: the project's dates.
  // (SharingHub copies the temporal extent into them, which makes a 2019 dataset look stale.)
  return {
    datetime: toInstant(project.lastActivityAt),
    start: toInstant(start),
    end: toInstant(end),
    created: toInstant(project.createdAt),
    updated: toInstant(project.lastActivityAt),
  };
}

/** The item's geometry and bbox from `extent.spatial` (a bbox or WKT), or none. */
function spatialOf(extent: FrontMatter['extent'], { at, warn, fail }: Notes): { geometry: Geometry | null; bbox?: number[] } {
  if (extent?.spatial === undefined) return { geometry: null };
  try {
    if (typeof extent.spatial === 'string') return wktToExtent(extent.spatial, LIMITS.wktPoints);
    // A hole (an element the schema rejected) reaches the bbox check, which names it.
    const r = bboxToExtent(extent.spatial as number[]);
    for (const w of r.warnings) warn('extent/spatial', `extent.spatial: ${w}`, at('extent', 'spatial'));
    return r.extent;
  } catch (err) {
    if (!(err instanceof ExtentError)) throw err;
    fail(err instanceof ExtentTooLargeError ? 'budget/wkt-points' : 'extent/spatial', `extent.spatial: ${err.message}; the extent is not used`, at('extent', 'spatial'));
    return { geometry: null };
  }
}

/** The README's license, else the one GitLab detected; a warning when there is none. */
function licenseOf(project: ProjectSnapshot['project'], fm: FrontMatter, { file, warn }: Notes): ProjectRecord['license'] {
  let licenseId: string | undefined;
  if (fm.license?.trim()) licenseId = fm.license.trim();
  else if (project.license?.key) licenseId = spdxFromGitLab(project.license.key);
  if (!licenseId) {
    warn('license/missing', 'no license: set `license:` (an SPDX id) in the front matter or add a LICENSE file', { file });
    return undefined;
  }
  const url = fm['license-url'] ?? (project.license?.url && !fm.license ? project.license.url : undefined) ?? spdxUrl(licenseId);
  return { id: licenseId, ...(url ? { url } : {}) };
}

/** The README's providers, plus the GitLab host and the namespace as producer unless named. */
function providersOf(project: ProjectSnapshot['project'], fm: FrontMatter): Provider[] {
  const providers: Provider[] = [...(fm.providers ?? [])];
  const hasRole = (role: string): boolean => providers.some((p) => p.roles?.includes(role));
  const gitlabBase = project.webUrl.slice(0, project.webUrl.length - project.fullPath.length).replace(/\/$/, '');
  if (!hasRole('host')) providers.push({ name: `GitLab (${gitlabBase})`, roles: ['host'], url: project.webUrl });
  if (!hasRole('producer')) {
    const ns = project.fullPath.split('/')[0] ?? project.fullPath;
    providers.push({ name: (project.nameWithNamespace.split(' / ')[0] ?? ns).trim(), roles: ['producer'], url: `${gitlabBase}/${ns}` });
  }
  return providers;
}

/** SharingHub's facts of the project (§1.5), the categories' features, then the README's overrides. */
function sharinghubFacts(snapshot: ProjectSnapshot, categories: readonly Category[], fm: FrontMatter): ProjectRecord['sharinghub'] {
  const { project } = snapshot;
  const sharinghub = new Map<string, unknown>();
  const fact = (name: string, value: unknown): void => void sharinghub.set(name, value);
  fact('id', project.id);
  fact('name', project.nameWithNamespace);
  fact('path', project.fullPath);
  fact('stars', project.starCount);
  fact('default-branch', project.defaultBranch);
  fact('dvc-init', snapshot.files.some((f) => f.path.startsWith('.dvc/')) ? 'enable' : 'disable');
  for (const c of categories) {
    for (const [feature, state] of Object.entries(c.features)) {
      // A feature enabled by any of the project's categories is enabled.
      if (sharinghub.get(feature) !== 'enable') fact(feature, state);
    }
  }
  for (const [k, v] of Object.entries(fm.sharinghub ?? {})) fact(k, v);
  const dvcFiles = snapshot.files.filter((f) => f.path.endsWith('.dvc') && !f.path.startsWith('.dvc/')).map((f) => f.path);
  if (dvcFiles.length > 0) fact('dvc-files', dvcFiles);
  return [...sharinghub];
}

/** The README's other keys as item fields: extension blocks as `prefix:field`, the rest as written. */
function propertiesOf(fm: FrontMatter, instanceExtensions: Record<string, string>, { at, warn, fail }: Notes): { known: Record<string, string>; extensions: Set<string>; fields: Record<string, unknown> } {
  // No prototype: a README key such as `toString` or `__proto__` is never taken for a prefix.
  const known: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [prefix, url] of Object.entries(fm.extensions ?? {})) known[prefix] = url;
  Object.assign(known, instanceExtensions); // the instance configuration wins on an equal prefix
  const extensions = new Set<string>();
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fm.rest)) {
    if (known[key] && isObject(value)) {
      for (const [field, v] of Object.entries(value)) setOwn(fields, `${key}:${field}`, v);
      extensions.add(known[key]!);
      continue;
    }
    const prefix = /^([a-z][a-z0-9-]*):/.exec(key)?.[1];
    if (prefix && known[prefix]) extensions.add(known[prefix]!);
    if (known[key] && !isObject(value)) {
      warn('extensions/block', `'${key}' is an extension prefix: its value should be a mapping of fields`, at(key));
    }
    if (TIME_KEYS.has(key)) {
      // STAC requires these to be RFC 3339 date-times: a README value that is not one is not used.
      try {
        setOwn(fields, key, toInstant(value));
      } catch (err) {
        fail('front-matter/datetime', `${key}: ${(err as Error).message}; the project's own date is used`, at(key));
      }
      continue;
    }
    setOwn(fields, key, value); // leftover keys are copied verbatim (SharingHub "remaining properties")
  }
  return { known, extensions, fields };
}

/** The README's `links:`: outside links resolved, `<category>+<project URL>` ones as references. */
function linksOf(fm: FrontMatter, resolveHref: (href: string, kind: 'link') => string | undefined, { at, warn, fail }: Notes): { links: ReadmeLink[]; references: ProjectReference[] } {
  const links: ReadmeLink[] = [];
  const references: ProjectReference[] = [];
  if (!fm.links) return { links, references };
  if (fm.links.length > LIMITS.links) {
    fail('budget/links', `links: ${fm.links.length} links, more than ${LIMITS.links}: the first ${LIMITS.links} are used`, at('links'));
  }
  fm.links.slice(0, LIMITS.links).forEach((l, i) => {
    if (!l) return;
    const rel = typeof l.rel === 'string' && l.rel ? l.rel : 'related';
    const helper = HELPER_HREF.exec(l.href);
    if (helper) {
      references.push({ rel, url: helper[2]!, collection: helper[1]!, ...(typeof l.title === 'string' ? { title: l.title } : {}), ...lineOf(at('links', i)) });
      return;
    }
    const href = resolveHref(l.href, 'link');
    if (!href) {
      warn('links/href', `links[${i}]: '${l.href}' is neither a URL nor a file of the repository`, at('links', i));
      return;
    }
    links.push({ ...l, rel, href });
  });
  return { links, references };
}

/** The README's `related:` as `derived_from` references. */
function relatedOf(fm: FrontMatter, { at }: Notes): ProjectReference[] {
  const references: ProjectReference[] = [];
  const related = fm.related;
  if (Array.isArray(related)) {
    related.forEach((entry, i) => {
      if (entry === undefined) return;
      const helper = HELPER_HREF.exec(entry);
      references.push({ rel: 'derived_from', url: helper ? helper[2]! : entry, ...(helper ? { collection: helper[1]! } : {}), ...lineOf(at('related', i)) });
    });
  } else if (related) {
    for (const [collection, v] of Object.entries(related)) {
      const urls = Array.isArray(v) ? v : [v];
      urls.forEach((url, i) => {
        if (url !== undefined) references.push({ rel: 'derived_from', url, collection, ...lineOf(at('related', collection, ...(Array.isArray(v) ? [i] : []))) });
      });
    }
  }
  return references;
}

/** Set a key as an own property (`__proto__` included), never through a setter of the prototype. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** The README's MLM fields without their prefix: the `mlm:` block and any top-level `mlm:<field>` keys. */
function mlmBlock(data: FrontMatter['rest']): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) if (k.startsWith('mlm:')) setOwn(out, k.slice(4), v);
  if (isObject(data.mlm)) for (const [k, v] of Object.entries(data.mlm)) setOwn(out, k, v);
  return Object.keys(out).length > 0 ? out : undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function lineOf(where: { line?: number }): { line?: number } {
  return where.line === undefined ? {} : { line: where.line };
}


export type { RepoFile };
