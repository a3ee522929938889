/**
 * `toStac`: project records + configuration -> the catalog tree (PURE). One collection per
 * category, one item per project and category. Links between documents use internal references
 * (see links.ts); `layout` turns them into hrefs.
 */
import type { Category, Config } from '../config.js';
import type { ProjectRecord } from '../metadata/record.js';
import type { CarriedFile, Diagnostic } from '../types.js';
import { FaultCollector } from '../isolate.js';
import { recordFields, type RecordFields } from './fields.js';
import { link, MEDIA, REL, ref } from './links.js';
import { STAC_VERSION, type StacCatalog, type StacCollection, type StacItem, type StacLink } from './types.js';

/** An item before layout: `dir` is its folder relative to its collection's folder. */
export interface UnplacedItem {
  json: StacItem;
  dir: string;
  carried: CarriedFile[];
}

export interface UnplacedTree {
  catalog: StacCatalog;
  collections: Array<{ collection: StacCollection; items: UnplacedItem[] }>;
}

export interface ToStacResult {
  tree: UnplacedTree;
  /** Problems found while joining records (e.g. a related project that is not in the catalog), by item id. */
  diagnostics: Map<string, Diagnostic[]>;
  /** Problems found while writing each record's fields (the model descriptions), by record id, for every record. */
  fieldDiagnostics: Map<string, Diagnostic[]>;
}

export function toStac(records: readonly ProjectRecord[], config: Config): ToStacResult {
  const diagnostics = new Map<string, Diagnostic[]>();
  const byUrl = new Map<string, ProjectRecord>();
  for (const r of records) byUrl.set(normalizeProjectUrl(r.snapshot.project.webUrl), r);
  const titles = new Map(config.categories.map((c) => [c.id, c.title]));
  // Each item under its project's guard (generator/isolate.ts): the failures are thrown together.
  const faults = new FaultCollector();
  // A record's fields are the same in each of its categories: written once, for every record
  // (a project in no category still gets its model problems reported).
  const fields = new Map<string, RecordFields>();
  const fieldDiagnostics = new Map<string, Diagnostic[]>();
  for (const r of records) {
    const f = faults.run(r.id, 'stac', () => recordFields(r), undefined);
    if (!f) continue;
    fields.set(r.id, f);
    fieldDiagnostics.set(r.id, f.diagnostics);
  }

  const collections = config.categories.map((category) => {
    const members = records.filter((r) => r.categories.includes(category.id) && fields.has(r.id)).sort((a, b) => a.id.localeCompare(b.id));
    const items = members.flatMap((r) =>
      faults.run(
        r.id,
        'stac',
        () => [
          {
            json: toItem(r, fields.get(r.id)!, category, byUrl, titles, config, (d) => {
              const list = diagnostics.get(r.id) ?? [];
              if (!list.some((x) => x.message === d.message)) list.push(d);
              diagnostics.set(r.id, list);
            }),
            dir: r.id,
            carried: r.carried,
          },
        ],
        [],
      ),
    );
    return { collection: toCollection(category, items.map((i) => i.json), config), items };
  });
  faults.throwIfAny();

  const catalog: StacCatalog = {
    type: 'Catalog',
    stac_version: STAC_VERSION,
    id: config.catalog.id,
    title: config.catalog.title,
    description: config.catalog.description,
    links: [
      link.root(config.catalog.title),
      ...config.categories.map((c) => link.child(c.id, c.title)),
    ],
  };
  return { tree: { catalog, collections }, diagnostics, fieldDiagnostics };
}

function toItem(
  r: ProjectRecord,
  fields: RecordFields,
  category: Category,
  byUrl: Map<string, ProjectRecord>,
  titles: Map<string, string>,
  config: Config,
  report: (d: Diagnostic) => void,
): StacItem {
  const links: StacLink[] = [
    link.root(config.catalog.title),
    link.parent(ref.collection(category.id), category.title),
    link.collection(category.id, category.title),
    ...fields.links,
  ];
  for (const reference of r.references) {
    const target = byUrl.get(normalizeProjectUrl(reference.url));
    if (!target) {
      report({
        level: 'warning',
        code: 'related/unknown',
        message: `${reference.rel} ${reference.url}: no such project in the catalog (unknown, not public, or without a category topic); the link is left out`,
        file: r.snapshot.readme?.path ?? 'README.md',
        ...(reference.line !== undefined ? { line: reference.line } : {}),
      });
      continue;
    }
    let collection = reference.collection;
    if (!collection || !target.categories.includes(collection)) {
      if (collection && titles.has(collection)) {
        report({
          level: 'warning',
          code: 'related/category',
          message: `${reference.url} is not in category '${collection}'; linked to its item in '${target.categories[0]}'`,
          file: r.snapshot.readme?.path ?? 'README.md',
          ...(reference.line !== undefined ? { line: reference.line } : {}),
        });
      }
      collection = target.categories[0]!;
    }
    links.push({
      rel: reference.rel,
      href: ref.item(collection, target.id),
      type: MEDIA.geojson,
      title: reference.title ?? `${collection}: ${target.id}`,
    });
  }
  const properties: StacItem['properties'] = {
    title: r.title,
    // STAC: a description is at least one character (a project with no README and no GitLab description has none).
    ...(r.description ? { description: r.description } : {}),
    ...fields.properties,
    datetime: fields.properties.datetime as string,
  };
  return {
    type: 'Feature',
    stac_version: STAC_VERSION,
    stac_extensions: [...fields.extensions],
    id: r.id,
    geometry: r.geometry,
    ...(r.bbox ? { bbox: r.bbox } : {}),
    properties,
    links,
    assets: fields.assets,
    collection: category.id,
  };
}

function toCollection(category: Category, items: StacItem[], config: Config): StacCollection {
  const boxes = items.map((i) => i.bbox).filter((b): b is number[] => Array.isArray(b) && b.length === 4);
  // A loop, not Math.min(...xs): spreading one argument per item overflows the stack on large catalogs.
  const union = boxes.length
    ? boxes.reduce((u, b) => [Math.min(u[0]!, b[0]!), Math.min(u[1]!, b[1]!), Math.max(u[2]!, b[2]!), Math.max(u[3]!, b[3]!)], [Infinity, Infinity, -Infinity, -Infinity])
    : [-180, -90, 180, 90];
  const starts = items.map((i) => (i.properties.start_datetime ?? i.properties.datetime) as string).sort();
  const ends = items.map((i) => (i.properties.end_datetime ?? i.properties.datetime) as string).sort();
  const licenses = distinct(items.map((i) => i.properties.license).filter((l): l is string => typeof l === 'string'));
  const summaries: Record<string, unknown> = {};
  const addSummary = (field: string): void => {
    const values = distinct(items.flatMap((i) => asList(i.properties[field])).filter((v): v is string => typeof v === 'string'));
    if (values.length > 0) summaries[field] = values.sort();
  };
  for (const f of ['license', 'keywords', 'mlm:framework', 'mlm:tasks', 'mlm:architecture', 'ml-model:prediction_type', 'label:tasks']) addSummary(f);
  if (starts.length > 0) summaries.datetime = { minimum: starts[0], maximum: ends[ends.length - 1] };
  const links: StacLink[] = [
    link.root(config.catalog.title),
    link.parent(ref.catalog(), config.catalog.title),
    ...items.map((i) => link.item(category.id, i.id, String(i.properties.title ?? i.id))),
  ];
  if (category.logo) links.push({ rel: REL.preview, href: category.logo, title: `${category.title} logo` });
  return {
    type: 'Collection',
    stac_version: STAC_VERSION,
    stac_extensions: [],
    id: category.id,
    title: category.title,
    description: category.description ?? `${category.title} published from GitLab projects tagged \`${category.gitlabTopic}\`.`,
    keywords: [category.id],
    // One license when every item shares it; otherwise `other` (STAC 1.1 dropped `various`).
    license: licenses.length === 1 ? licenses[0]! : 'other',
    extent: {
      spatial: { bbox: [union] },
      temporal: { interval: [[starts[0] ?? null, ends[ends.length - 1] ?? null]] },
    },
    ...(Object.keys(summaries).length > 0 ? { summaries } : {}),
    links,
  };
}

/** `https://host/group/project(.git)(/)` -> a comparable key. */
export function normalizeProjectUrl(url: string): string {
  return url.trim().replace(/[?#].*$/, '').replace(/\/+$/, '').replace(/\.git$/, '').replace(/\/-$/, '').toLowerCase();
}

function distinct<T>(values: T[]): T[] {
  return [...new Set(values)];
}

function asList(v: unknown): unknown[] {
  return Array.isArray(v) ? v : v === undefined ? [] : [v];
}
