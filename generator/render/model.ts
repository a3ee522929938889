/**
 * From the laid-out STAC tree to what the pages show: one `ProjectView` per item with its facets
 * (keywords, license, framework, tasks, data types), its versions and its relations to other
 * projects, resolved through the documents' own links. Pure: reads the tree, returns data.
 */
import { posix } from 'node:path';
import { mlflowVersionOf } from '../stac/extensions/mlflow.js';
import { mlmOf, mlmStructureOf } from '../stac/extensions/mlm.js';
import { sharinghubOf } from '../stac/extensions/sharinghub.js';
import { versionOf } from '../stac/extensions/version.js';
import type { Placed, StacCollection, StacItem, StacLink, StacTree } from '../stac/types.js';
import { isBrowsableHref, resolveFromDoc } from './paths.js';
import { summary } from './format.js';

/** One item of the catalog as the site sees it. */
export interface ProjectView {
  item: Placed<StacItem>;
  categoryId: string;
  /** Root-relative path of the HTML page. */
  page: string;
  title: string;
  summary: string;
  keywords: string[];
  license: string | null;
  framework: string | null;
  tasks: string[];
  dataTypes: string[];
  stars: number;
  /** ISO timestamp of the last update (updated, else datetime, else created). */
  updated: string | null;
  created: string | null;
  /** Root-relative path or absolute URL of the preview image. */
  preview: string | null;
  /** MLflow model version items attached to this project (sorted by version). */
  versions: ProjectView[];
  /** For a version item: the project it belongs to. */
  versionOf: ProjectView | null;
  /** Projects this one was derived from (e.g. the datasets a model was trained on). */
  uses: ProjectView[];
  /** Projects derived from this one. */
  usedBy: ProjectView[];
}

/** A category (collection) with its listed projects (version items excluded). */
export interface CategoryView {
  collection: Placed<StacCollection>;
  id: string;
  title: string;
  description: string;
  page: string;
  projects: ProjectView[];
}

/** Everything the pages are made from: categories, every item by path, the listed projects. */
export interface SiteModel {
  categories: CategoryView[];
  /** Every item, version items included, keyed by its JSON path. */
  byPath: Map<string, ProjectView>;
  /** Listed projects of every category (no version items). */
  projects: ProjectView[];
}

const VERSION_RELS = new Set(['version-history', 'latest-version', 'predecessor-version', 'successor-version']);
const USES_RELS = new Set(['derived_from', 'ml-model:train-data']);
const STRUCTURAL_RELS = new Set(['self', 'root', 'parent', 'collection', 'child', 'item']);

/**
 * Where the HTML page of the document at `jsonPath` goes: `index.html` beside it, or
 * `<name>.html` when another document shares its folder (so two pages never collide).
 */
export function pagePathFor(jsonPath: string, sharedFolders: Set<string>): string {
  const dir = posix.dirname(jsonPath);
  const prefix = dir === '.' ? '' : dir + '/';
  if (sharedFolders.has(dir)) return `${prefix}${posix.basename(jsonPath, posix.extname(jsonPath))}.html`;
  return `${prefix}index.html`;
}

/** Folders that hold more than one STAC document of the tree. */
export function sharedFolders(tree: StacTree): Set<string> {
  const seen = new Map<string, number>();
  const add = (p: string): void => {
    const d = posix.dirname(p);
    seen.set(d, (seen.get(d) ?? 0) + 1);
  };
  add(tree.catalog.path);
  for (const c of tree.collections) {
    add(c.collection.path);
    for (const i of c.items) add(i.path);
  }
  return new Set([...seen].filter(([, n]) => n > 1).map(([d]) => d));
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v.trim() !== '' ? v : null;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x !== '') : [];
}

function uniq<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

function dataTypesOf(props: Record<string, unknown>): string[] {
  const mlm = mlmOf(props);
  const out: string[] = [];
  for (const io of [...mlm.input, ...mlm.output]) {
    const dt = str(mlmStructureOf(io, io.input !== undefined && io.input !== null ? 'input' : 'result').data_type);
    if (dt) out.push(dt);
  }
  return uniq(out);
}

function compareVersions(a: ProjectView, b: ProjectView): number {
  // Several registered models: grouped by model name, then by version number.
  const ma = mlflowVersionOf(a.item.json.properties).modelName ?? '';
  const mb = mlflowVersionOf(b.item.json.properties).modelName ?? '';
  if (ma !== mb) return ma.localeCompare(mb, 'en');
  const va = versionOf(a.item.json.properties);
  const vb = versionOf(b.item.json.properties);
  const na = Number(va);
  const nb = Number(vb);
  if (!Number.isNaN(na) && !Number.isNaN(nb)) return na - nb;
  return va.localeCompare(vb, 'en', { numeric: true });
}

/** Resolve a link of the document at `docPath` to a root-relative path (handles published absolute hrefs). */
export function linkTarget(docPath: string, link: StacLink, baseUrl: string | undefined): string | null {
  if (baseUrl && link.href.startsWith(baseUrl)) {
    return posix.normalize(link.href.slice(baseUrl.length).split('#')[0]!.split('?')[0]!);
  }
  return resolveFromDoc(docPath, link.href);
}

/**
 * A copy of an item whose links, assets, bbox and geometry have the types the pages rely on:
 * links and assets without a string href, non-numeric bboxes and malformed geometries are left
 * out, so one odd document never stops the rendering of the others.
 */
export function cleanItem(item: Placed<StacItem>): Placed<StacItem> {
  const j = item.json as unknown as Record<string, unknown>;
  const obj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  const links = (Array.isArray(j.links) ? j.links : []).filter(
    (l): l is StacLink => obj(l) && typeof l.href === 'string' && typeof l.rel === 'string',
  );
  const assets: Record<string, StacItem['assets'][string]> = {};
  for (const [k, a] of Object.entries(obj(j.assets) ? j.assets : {})) {
    if (!obj(a) || typeof a.href !== 'string') continue;
    const roles = Array.isArray(a.roles) ? a.roles.filter((r): r is string => typeof r === 'string') : undefined;
    const clean = { ...a, href: a.href } as StacItem['assets'][string];
    if (roles) clean.roles = roles;
    else delete clean.roles;
    if (clean.title !== undefined && typeof clean.title !== 'string') delete clean.title;
    if (clean.type !== undefined && typeof clean.type !== 'string') delete clean.type;
    assets[k] = clean;
  }
  const bbox = Array.isArray(j.bbox) && j.bbox.length >= 4 && j.bbox.every((n) => typeof n === 'number' && Number.isFinite(n)) ? (j.bbox as number[]) : undefined;
  const geometry = obj(j.geometry) && typeof j.geometry.type === 'string' ? (j.geometry as Record<string, unknown>) : null;
  const properties = obj(j.properties) ? (j.properties as StacItem['properties']) : ({ datetime: null } as StacItem['properties']);
  const json: StacItem = { ...item.json, id: String(j.id ?? item.path), links, assets, geometry, properties };
  if (bbox) json.bbox = bbox;
  else delete json.bbox;
  return { path: item.path, json };
}

/** Build the site model from the tree. */
export function buildModel(tree: StacTree, baseUrl?: string): SiteModel {
  const shared = sharedFolders(tree);
  const byPath = new Map<string, ProjectView>();
  const categories: CategoryView[] = [];
  for (const { collection, items } of tree.collections) {
    const cat: CategoryView = {
      collection,
      id: collection.json.id,
      title: collection.json.title ?? collection.json.id,
      description: collection.json.description,
      page: pagePathFor(collection.path, shared),
      projects: [],
    };
    categories.push(cat);
    for (const original of items) {
      const item = cleanItem(original);
      const p = item.json.properties;
      const preview = item.json.links.find((l) => l.rel === 'preview');
      const thumb = Object.values(item.json.assets ?? {}).find((a) => a.roles?.includes('thumbnail'));
      const candidate = preview?.href ?? thumb?.href ?? null;
      const previewHref = candidate !== null && isBrowsableHref(candidate) ? candidate : null;
      const view: ProjectView = {
        item,
        categoryId: cat.id,
        page: pagePathFor(item.path, shared),
        title: str(p.title) ?? item.json.id,
        summary: summary(str(p.description) ?? ''),
        keywords: uniq(strings(p.keywords)),
        license: str(p.license),
        framework: str(mlmOf(p).framework),
        tasks: uniq(strings(mlmOf(p).tasks)),
        dataTypes: dataTypesOf(p),
        stars: sharinghubOf(p).stars,
        updated: str(p.updated) ?? str(p.datetime) ?? str(p.end_datetime) ?? str(p.created),
        created: str(p.created),
        preview:
          previewHref === null
            ? null
            : (linkTarget(item.path, { rel: 'preview', href: previewHref }, baseUrl) ?? previewHref),
        versions: [],
        versionOf: null,
        uses: [],
        usedBy: [],
      };
      byPath.set(item.path, view);
    }
  }

  // Versions: an item with a `version` property, in the same collection as an item without one,
  // linked to it by a version relation (project -> version) or any non-structural link (version -> project).
  const isVersioned = (v: ProjectView): boolean => v.item.json.properties.version !== undefined;
  for (const view of byPath.values()) {
    for (const link of view.item.json.links) {
      if (STRUCTURAL_RELS.has(link.rel)) continue;
      const target = linkTarget(view.item.path, link, baseUrl);
      const other = target === null ? undefined : byPath.get(target);
      if (!other || other === view || other.categoryId !== view.categoryId) continue;
      if (VERSION_RELS.has(link.rel) && isVersioned(other) && !isVersioned(view)) attachVersion(view, other);
      else if (isVersioned(view) && !isVersioned(other) && !VERSION_RELS.has(link.rel)) attachVersion(other, view);
    }
  }
  for (const view of byPath.values()) {
    for (const link of view.item.json.links) {
      if (!USES_RELS.has(link.rel)) continue;
      const target = linkTarget(view.item.path, link, baseUrl);
      const other = target === null ? undefined : byPath.get(target);
      if (!other || other === view || other.versionOf === view || view.versionOf === other) continue;
      const from = view.versionOf ?? view;
      const to = other.versionOf ?? other;
      if (from === to) continue;
      if (!from.uses.includes(to)) from.uses.push(to);
      if (!to.usedBy.includes(from)) to.usedBy.push(from);
    }
  }
  for (const view of byPath.values()) {
    view.versions.sort(compareVersions);
    if (view.versions.length > 0) {
      // A project is as recent as its latest registered version.
      for (const v of view.versions) {
        if (v.updated && (!view.updated || v.updated > view.updated)) view.updated = v.updated;
      }
    }
  }
  for (const cat of categories) {
    for (const item of tree.collections.find((c) => c.collection === cat.collection)!.items) {
      const view = byPath.get(item.path)!;
      if (view.versionOf === null) cat.projects.push(view);
    }
  }
  return { categories, byPath, projects: categories.flatMap((c) => c.projects) };
}

function attachVersion(project: ProjectView, version: ProjectView): void {
  if (version.versionOf !== null) return;
  version.versionOf = project;
  project.versions.push(version);
}

/** Projects sorted by last update (newest first), then title. */
export function byRecent(a: ProjectView, b: ProjectView): number {
  const ua = a.updated ?? '';
  const ub = b.updated ?? '';
  if (ua !== ub) return ua < ub ? 1 : -1;
  return a.title.localeCompare(b.title, 'en');
}
