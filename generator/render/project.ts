/**
 * The project page's content: README, model inputs/outputs, versions with metric charts, assets,
 * providers, citation, related projects, extent map and "use it" snippets. Every href is made
 * relative to the page.
 */
import { posix } from 'node:path';
import type { StacAsset, StacLink } from '../stac/types.js';
import type { ProjectView, SiteModel } from './model.js';
import { linkTarget } from './model.js';
import { absoluteUrl, isAbsoluteUrl, isBrowsableHref, isStorageUri, relativeHref, resolveFromDoc } from './paths.js';
import { readmeJob, renderProjectReadme } from './project-readme.js';
import { SafeHtml } from './html.js';
import { formatBytes, isoDate } from './format.js';
import { dvcPathOf } from '../stac/extensions/dvc.js';
import { fileOf } from '../stac/extensions/file.js';
import { MLFLOW_REL, mlflowUriOf, mlflowVersionOf } from '../stac/extensions/mlflow.js';
import { isModelAsset } from '../stac/extensions/mlm.js';
import { scientificOf } from '../stac/extensions/scientific.js';
import { sharinghubOf } from '../stac/extensions/sharinghub.js';
import { fileNameOf, modelSection, objects, type IoRow, type TensorView } from './project-model.js';
import { runSection, versionsSection, type RunSection, type VersionRow } from './project-versions.js';
import { extentMap, describeBbox, tiledExtentMap } from './map.js';
import { dvcSnippet, snippets, type CodeUrl, type Snippet } from './snippets.js';
import type { ResolvedSite } from './site-config.js';

export { withoutTitleHeading } from './project-readme.js';

/** One asset in the files table. */
export interface AssetRow {
  key: string;
  title: string;
  /** Download link, or null when the href is not a browser URL. */
  href: string | null;
  /** A storage URI (`s3://...`) shown as text when there is no link. */
  uri: string | null;
  type: string;
  roles: string;
  size: string;
  checksum: string | null;
  checksumShort: string | null;
}

/** One entry of the Links panel. */
export interface LinkRow {
  label: string;
  href: string | null;
  note: string | null;
}

/** A related project (via `derived_from`), with its page relative to this one. */
export interface RelatedRow {
  title: string;
  href: string;
  category: string;
}

/** What a project page shows, with every href relative to that page. */
export interface ProjectPage {
  readme: SafeHtml | null;
  inputs: IoRow[];
  outputs: IoRow[];
  modelFacts: Array<{ label: string; value: string }>;
  /** The model file's tensors (`stachub:tensors`): count, data types, the largest ones. */
  tensors: TensorView;
  /** Set when the model file's pickle can run code when loaded (`stachub:pickle_safety`): shown before the download button. */
  pickleWarning: { file: string; globals: string } | null;
  /** The newest versions (shown), then the older ones (folded). */
  versions: VersionRow[];
  olderVersions: VersionRow[];
  versionCount: number;
  metricNames: string[];
  charts: Array<{ name: string; svg: SafeHtml }>;
  assets: AssetRow[];
  providers: Array<{ name: string; href: string | null; roles: string }>;
  /** Number of files and their total size, when sizes are known. */
  filesSummary: string | null;
  links: LinkRow[];
  gitlab: string | null;
  /** The file most people want: the model (role `mlm:model`), else the first data file. */
  primaryDownload: { href: string; label: string; size: string } | null;
  jsonHref: string;
  jsonAbsolute: string | null;
  stacBrowser: string | null;
  license: { id: string; href: string | null } | null;
  citation: { doi: string | null; doiHref: string | null; text: string | null; bibtex: string; publications: Array<{ text: string; href: string | null }> } | null;
  uses: RelatedRow[];
  usedBy: RelatedRow[];
  /** Headings of the two lists, worded for models and datasets when the categories say so. */
  usesLabel: string;
  usedByLabel: string;
  map: SafeHtml | null;
  extentText: string | null;
  mapAttribution: string | null;
  snippets: Snippet[];
  versionOf: { title: string; href: string } | null;
  run: RunSection;
  versionLabel: string | null;
  temporal: string | null;
}

/** Versions listed before the rest are folded away. */
const RECENT_VERSIONS = 10;

/** Asset roles of the files the "use it" snippets download. */
const DOWNLOAD_ROLES: ReadonlySet<string> = new Set(['mlm:model', 'model', 'data', 'mlm:weights']);

const HIDDEN_LINK_RELS = new Set([
  'self', 'root', 'parent', 'collection', 'derived_from', 'ml-model:train-data', 'preview', 'license', 'via',
  'version-history', 'latest-version', 'predecessor-version', 'successor-version', 'cite-as', 'item', 'child',
]);

const LINK_LABELS: Record<string, string> = {
  bug_tracker: 'Issues',
  [MLFLOW_REL.model]: 'MLflow model',
  [MLFLOW_REL.trackingUri]: 'MLflow tracking',
  package: 'Package',
  container: 'Container image',
  documentation: 'Documentation',
  describedby: 'Description',
};

/** `1220<hex>` (multihash sha2-256) -> `sha256:<hex>`; other values are shown as they are. */
export function checksumText(v: unknown): string | null {
  if (typeof v !== 'string' || v === '') return null;
  if (/^1220[0-9a-f]{64}$/i.test(v)) return `sha256:${v.slice(4).toLowerCase()}`;
  if (/^1340[0-9a-f]{128}$/i.test(v)) return `sha512:${v.slice(4).toLowerCase()}`;
  return v;
}

function mediaLabel(type: string | undefined): string {
  if (!type) return '';
  if (type.includes('framework=onnx')) return 'ONNX';
  const known: Record<string, string> = {
    'image/png': 'PNG', 'image/jpeg': 'JPEG', 'image/tiff; application=geotiff': 'GeoTIFF',
    'image/tiff; application=geotiff; profile=cloud-optimized': 'COG', 'application/json': 'JSON',
    'application/geo+json': 'GeoJSON', 'text/csv': 'CSV', 'application/x-parquet': 'Parquet',
    'application/vnd.apache.parquet': 'Parquet', 'application/zip': 'ZIP', 'text/markdown': 'Markdown',
    'application/x-ipynb+json': 'Notebook', 'text/x-python': 'Python', 'application/gzip': 'gzip',
    'application/x-hdf5': 'HDF5', 'application/x-netcdf': 'NetCDF', 'text/html': 'HTML', 'text/plain': 'Text',
  };
  return known[type] ?? type;
}

/** The project page content for `view`, with hrefs relative to its page. */
export function projectPage(
  view: ProjectView,
  model: SiteModel,
  site: ResolvedSite,
  baseUrl: string | undefined,
  /** The README's HTML when already rendered (null: no README); undefined: render it here. */
  readme?: string | null,
): ProjectPage {
  const item = view.item.json;
  const p = item.properties;
  const docPath = view.item.path;
  const page = view.page;
  // A file of the catalog -> href relative to the page; an absolute URL stays as it is; an href
  // with any other scheme (javascript:, data:, s3:...) gives null: never a link.
  const hrefFromDoc = (href: string): string | null => {
    if (!isBrowsableHref(href)) return null;
    const target = linkTarget(docPath, { rel: '', href }, baseUrl);
    return target === null ? href : relativeHref(page, target);
  };
  const codeUrl = (href: string): CodeUrl => {
    const target = linkTarget(docPath, { rel: '', href }, baseUrl);
    if (target === null) return { absolute: href, relative: href };
    return { absolute: baseUrl ? absoluteUrl(baseUrl, target) : null, relative: relativeHref(page, target) };
  };
  const via = item.links.find((l) => l.rel === 'via' && /^https?:\/\//i.test(l.href));
  const gitlab = via?.href ?? null;

  // The README: rendered here, or beforehand on a worker thread (readme-pool.ts) from the same job.
  const job = readme === undefined ? readmeJob(view, baseUrl) : null;
  const readmeHtml = readme !== undefined ? readme : job === null ? null : renderProjectReadme(job);

  const { inputs, outputs, modelFacts, tensors, pickleWarning, ioForCode } = modelSection(item);
  const { versions, metricNames, charts } = versionsSection(view);
  const run = runSection(view, item);

  const assets: AssetRow[] = Object.entries(item.assets ?? {}).map(([key, a]: [string, StacAsset]) => {
    const file = fileOf(a);
    const checksum = checksumText(file.checksum);
    return {
      key,
      title: a.title ?? key,
      href: hrefFromDoc(a.href),
      uri: isStorageUri(a.href) ? a.href : null,
      type: mediaLabel(a.type),
      roles: (a.roles ?? []).join(', '),
      size: file.size !== undefined ? formatBytes(file.size) : '',
      checksum,
      checksumShort: checksum === null ? null : checksum.length > 24 ? `${checksum.slice(0, 19)}…` : checksum,
    };
  });

  const providers = Array.isArray(p.providers)
    ? objects(p.providers).map((pr) => ({
        name: String(pr.name ?? ''),
        href: typeof pr.url === 'string' && /^https?:/.test(pr.url) ? pr.url : null,
        roles: Array.isArray(pr.roles) ? pr.roles.join(', ') : '',
      }))
    : [];

  const links: LinkRow[] = item.links
    .filter((l) => !HIDDEN_LINK_RELS.has(l.rel))
    .filter((l) => {
      const target = linkTarget(docPath, l, baseUrl);
      return target === null || !model.byPath.has(target);
    })
    .map((l: StacLink) => ({
      label: l.title ?? (Object.hasOwn(LINK_LABELS, l.rel) ? LINK_LABELS[l.rel] : undefined) ?? l.rel, // own keys only: a rel may be `constructor`
      href: hrefFromDoc(l.href),
      note: mlflowUriOf(l) ?? (isStorageUri(l.href) ? l.href : null),
    }))
    .filter((l) => l.href !== null || l.note !== null);

  const licenseId = typeof p.license === 'string' ? p.license : null;
  const licenseLink = item.links.find((l) => l.rel === 'license');
  const license = licenseId === null ? null : { id: licenseId, href: licenseLink ? hrefFromDoc(licenseLink.href) : null };

  const sci = scientificOf(p);
  const doi = sci.doi ?? null;
  const citeText = sci.citation !== undefined && sci.citation !== '' ? sci.citation : null;
  const pubs = sci.publications.map((pub) => ({
    text: String(pub.citation || pub.doi || ''),
    href: typeof pub.doi === 'string' ? `https://doi.org/${pub.doi}` : null,
  }));
  const jsonTarget = docPath;
  const jsonAbsolute = baseUrl ? absoluteUrl(baseUrl, jsonTarget) : null;
  const year = (view.created ?? view.updated ?? '').slice(0, 4);
  const authors = providers.filter((pr) => /producer|licensor/.test(pr.roles)).map((pr) => pr.name);
  const bibKey = item.id.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, '') + (year ? `_${year}` : '');
  const bib = [
    `@misc{${bibKey},`,
    `  title = {${view.title}},`,
    ...(authors.length ? [`  author = {${authors.join(' and ')}},`] : []),
    ...(year ? [`  year = {${year}},`] : []),
    ...(doi ? [`  doi = {${doi}},`] : []),
    ...(jsonAbsolute || gitlab ? [`  url = {${doi ? `https://doi.org/${doi}` : (gitlab ?? jsonAbsolute)}},`] : []),
    '}',
  ].join('\n');
  const citation = { doi, doiHref: doi ? `https://doi.org/${doi}` : null, text: citeText, bibtex: bib, publications: pubs };

  const related = (list: ProjectView[]): RelatedRow[] =>
    list.map((r) => ({
      title: r.title,
      href: relativeHref(page, r.page),
      category: model.categories.find((c) => c.id === r.categoryId)?.title ?? r.categoryId,
    }));

  // SharingHub's map-viewer feature: a category that disables it shows no map.
  const sharinghub = sharinghubOf(p);
  const mapSvg = sharinghub.mapViewer === 'disable'
    ? null
    : site.mapTileUrl
    ? tiledExtentMap('extent', item.geometry, item.bbox, site.mapTileUrl)
    : extentMap('extent', item.geometry, item.bbox);
  const bbox = item.bbox && item.bbox.length >= 4 ? describeBbox(item.bbox) : null;

  const downloads = Object.entries(item.assets ?? {})
    .filter(([, a]) => (a.roles ?? []).some((r) => DOWNLOAD_ROLES.has(r)) && isBrowsableHref(a.href))
    .map(([key, a]) => {
      const fromHref = fileNameOf(a.href);
      const file = /\.[A-Za-z0-9]+$/.test(fromHref) ? fromHref : posix.basename(key) || key;
      return { file, url: codeUrl(a.href), onnx: (a.type ?? '').includes('onnx') || file.endsWith('.onnx') };
    });
  const recommendedLink = item.links.find((l) => l.rel === MLFLOW_REL.recommended);
  const recommendedTarget = recommendedLink ? linkTarget(docPath, recommendedLink, baseUrl) : null;
  const recommended = recommendedTarget === null ? undefined : model.byPath.get(recommendedTarget);
  const uriOf = (props: Record<string, unknown>): string[] => {
    const uri = mlflowVersionOf(props).uri;
    return uri === undefined ? [] : [uri];
  };
  const mlflowUris = [
    ...uriOf(p),
    ...(recommended ? uriOf(recommended.item.json.properties) : []),
    ...item.links.flatMap((l) => mlflowUriOf(l) ?? []).reverse(),
    ...view.versions.slice().reverse().flatMap((v) => uriOf(v.item.json.properties)),
  ];
  const tracking = item.links.find((l) => l.rel === MLFLOW_REL.trackingUri);

  const start = typeof p.start_datetime === 'string' ? isoDate(p.start_datetime) : '';
  const end = typeof p.end_datetime === 'string' ? isoDate(p.end_datetime) : '';
  const stacBrowser = site.stacBrowserUrl && jsonAbsolute ? stacBrowserHref(site.stacBrowserUrl, jsonAbsolute) : null;

  const primaryEntry =
    Object.entries(item.assets ?? {}).find(([, a]) => isModelAsset(a)) ??
    Object.entries(item.assets ?? {}).find(([, a]) => a.roles?.includes('data'));
  const primaryHref = primaryEntry ? hrefFromDoc(primaryEntry[1].href) : null;
  const primarySize = primaryEntry ? fileOf(primaryEntry[1]).size : undefined;
  const primaryDownload = primaryEntry && primaryHref !== null
    ? {
        href: primaryHref,
        label: isModelAsset(primaryEntry[1])
          ? 'Download model'
          : `Download ${fileNameOf(primaryEntry[1].href) || primaryEntry[0]}`,
        size: primarySize !== undefined ? formatBytes(primarySize) : '',
      }
    : null;

  const sizes = Object.values(item.assets ?? {}).flatMap((a) => fileOf(a).size ?? []);
  const assetCount = Object.keys(item.assets ?? {}).length;
  const filesSummary =
    assetCount === 0 ? null : `${assetCount} ${assetCount === 1 ? 'file' : 'files'}${sizes.length > 0 ? `, ${sizes.length < assetCount ? 'at least ' : ''}${formatBytes(sizes.reduce((a, b) => a + b, 0))}` : ''}`;

  return {
    readme: readmeHtml === null ? null : new SafeHtml(readmeHtml),
    filesSummary,
    primaryDownload,
    inputs,
    outputs,
    modelFacts,
    tensors,
    pickleWarning,
    versions: versions.slice(0, RECENT_VERSIONS),
    olderVersions: versions.slice(RECENT_VERSIONS),
    versionCount: versions.length,
    metricNames,
    charts,
    assets,
    providers,
    links,
    gitlab,
    jsonHref: relativeHref(page, jsonTarget),
    jsonAbsolute,
    stacBrowser,
    license,
    citation: doi || citeText || pubs.length > 0 ? citation : null,
    uses: related(view.uses),
    usedBy: related(view.usedBy),
    usesLabel:
      isModelCategory(view.categoryId) && view.uses.every((u) => isDatasetCategory(u.categoryId)) ? 'Trained on' : 'Built from',
    usedByLabel:
      isDatasetCategory(view.categoryId) && view.usedBy.every((u) => isModelCategory(u.categoryId)) ? 'Models trained on it' : 'Used by',
    map: mapSvg === null ? null : new SafeHtml(mapSvg),
    extentText: mapSvg === null ? null : bbox,
    mapAttribution: mapSvg !== null && site.mapTileUrl ? site.mapAttribution : null,
    snippets: [...snippets({
      itemUrl: codeUrl(posix.basename(docPath)),
      downloads,
      mlflowUris: [...new Set(mlflowUris)],
      trackingUri: tracking && isAbsoluteUrl(tracking.href) ? tracking.href : null,
      experiment:
        typeof sharinghub.id === 'number' && view.versionOf === null
          ? `${posix.basename(item.id)} (${String(sharinghub.id)})`
          : null,
      inputs: ioForCode,
    }), ...dvcSnippets(via?.href, item.assets)],
    run,
    versionOf: view.versionOf ? { title: view.versionOf.title, href: relativeHref(page, view.versionOf.page) } : null,
    versionLabel: p.version !== undefined ? String(p.version) : null,
    temporal: start || end ? `${start || '…'} – ${end || '…'}` : null,
  };
}

// SharingHub's category ids (ai-model, dataset) and their usual variants.
const isModelCategory = (id: string): boolean => /model/i.test(id);
const isDatasetCategory = (id: string): boolean => /data/i.test(id);

/**
 * `<STAC Browser base>#/external/<item URL>`: STAC Browser's route for a document outside its
 * default catalog (hash history, as S3 and Pages deployments use). The route drops `https://` and
 * keeps any other scheme.
 */
export function stacBrowserHref(base: string, itemUrl: string): string {
  const b = base.replace(/#.*$/, '').replace(/\/?$/, '/');
  return `${b}#/external/${itemUrl.replace(/^https:\/\//, '')}`;
}

/** The "fetch with DVC" snippet for the assets that name a DVC path (none when there are none). */
function dvcSnippets(projectUrl: string | undefined, assets: Record<string, StacAsset> | undefined): Snippet[] {
  const paths = Object.values(assets ?? {}).flatMap((a) => dvcPathOf(a) ?? []);
  const s = dvcSnippet({ projectUrl, paths });
  return s ? [s] : [];
}
