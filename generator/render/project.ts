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
import { renderReadme } from './markdown.js';
import { SafeHtml } from './html.js';
import { formatBytes, formatCount, formatMetric, groupDigits, isoDate } from './format.js';
import { lineChart } from './charts.js';
import { extentMap, describeBbox, tiledExtentMap } from './map.js';
import { dvcSnippet, snippets, type CodeUrl, type Snippet } from './snippets.js';
import type { ResolvedSite } from './site-config.js';

/** One row of the inputs or outputs table (MLM Model Input / Model Output). */
export interface IoRow {
  name: string;
  description: string | null;
  shape: string;
  dimOrder: string;
  dataType: string;
  bands: string;
  tasks: string;
  classes: string;
}

/** One registered model version in the versions table. */
export interface VersionRow {
  /** The registered model, when the project has several. */
  model: string | null;
  version: string;
  /** The version's page (null when only the project's `mlflow:models` summary describes it). */
  page: string | null;
  date: string;
  stage: string | null;
  aliases: string[];
  /** The version consumers should take (alias champion/production, else Production stage, else latest). */
  recommended: boolean;
  metrics: Array<{ name: string; value: string }>;
}

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
  tensors: { summary: string; largest: Array<{ name: string; shape: string; dataType: string }> } | null;
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
  run: { metrics: Array<{ label: string; value: string }>; params: Array<{ label: string; value: string }>; runName: string | null; flavors: string | null; uri: string | null } | null;
  versionLabel: string | null;
  temporal: string | null;
}

/** Versions listed before the rest are folded away. */
const RECENT_VERSIONS = 10;

const HIDDEN_LINK_RELS = new Set([
  'self', 'root', 'parent', 'collection', 'derived_from', 'ml-model:train-data', 'preview', 'license', 'via',
  'version-history', 'latest-version', 'predecessor-version', 'successor-version', 'cite-as', 'item', 'child',
]);

const LINK_LABELS: Record<string, string> = {
  bug_tracker: 'Issues',
  'mlflow:model': 'MLflow model',
  'mlflow:tracking-uri': 'MLflow tracking',
  package: 'Package',
  container: 'Container image',
  documentation: 'Documentation',
  describedby: 'Description',
};

function shapeText(shape: unknown): string {
  if (!Array.isArray(shape)) return '';
  return shape.map((d) => (d === -1 || d === null ? 'any' : String(d))).join(' × ');
}

/** The entries of `v` that are plain objects (metadata lists may hold anything). */
function objects(v: unknown): Array<Record<string, unknown>> {
  return Array.isArray(v) ? v.filter((x): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x)) : [];
}

function structure(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function ioRows(list: unknown, key: 'input' | 'result'): IoRow[] {
  return objects(list).map((io) => {
    const s = structure(io[key]);
    const bands = Array.isArray(io.bands)
      ? (io.bands as unknown[]).map((b) => (typeof b === 'string' ? b : String((b as { name?: unknown })?.name ?? ''))).filter(Boolean).join(', ')
      : '';
    const classes = Array.isArray(io['classification:classes'])
      ? objects(io['classification:classes'])
          .map((c) => `${String(c.value ?? '')}${c.name !== undefined ? ' ' + String(c.name) : ''}`.trim())
          .join(', ')
      : '';
    return {
      name: String(io.name ?? ''),
      description: typeof io.description === 'string' ? io.description : null,
      shape: shapeText(s.shape),
      dimOrder: Array.isArray(s.dim_order) ? (s.dim_order as unknown[]).join(', ') : '',
      dataType: typeof s.data_type === 'string' ? s.data_type : '',
      bands,
      tasks: Array.isArray(io.tasks) ? (io.tasks as unknown[]).join(', ') : '',
      classes,
    };
  });
}

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
export function projectPage(view: ProjectView, model: SiteModel, site: ResolvedSite, baseUrl: string | undefined): ProjectPage {
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

  // README URLs: the metadata stage made links into the repository absolute; assets named by their
  // repository path are mapped to their href.
  const carried = new Map<string, string>();
  for (const [key, asset] of Object.entries(item.assets ?? {})) {
    const href = hrefFromDoc(asset.href);
    if (href !== null && (key.includes('/') || key.includes('.'))) carried.set(posix.normalize(key.replace(/^\.\//, '')), href);
  }
  const description = withoutTitleHeading(typeof p.description === 'string' ? p.description : '', view.title);
  const readme =
    description.trim() === ''
      ? null
      : new SafeHtml(
          renderReadme(description, (url) => {
            if (url === '' || url.startsWith('#')) return url;
            if (isAbsoluteUrl(url) || url.startsWith('/')) {
              if (url.startsWith('/') && gitlab) return new URL(url, gitlab).href;
              return url;
            }
            // The metadata stage leaves relative only the files it republishes beside the item
            // (so they resolve from the page, which sits in the item's folder); a relative path that
            // names an asset by its repository path goes to the asset.
            const [pathPart, hash] = url.split('#', 2) as [string, string | undefined];
            const local = carried.get(posix.normalize(pathPart.replace(/^\.\//, '')));
            if (local !== undefined) return local + (hash !== undefined ? '#' + hash : '');
            if (resolveFromDoc(docPath, pathPart) === null && gitlab) return new URL(url, gitlab.replace(/\/?$/, '/')).href;
            return hrefFromDoc(url);
          }),
        );

  const inputs = ioRows(p['mlm:input'], 'input');
  const outputs = ioRows(p['mlm:output'], 'result');
  const modelAsset = Object.values(item.assets ?? {}).find((a) => a.roles?.includes('mlm:model'));
  const modelFacts: Array<{ label: string; value: string }> = [];
  const fact = (label: string, v: unknown, f: (x: never) => string = String): void => {
    if (v !== undefined && v !== null && v !== '') modelFacts.push({ label, value: f(v as never) });
  };
  fact('Architecture', p['mlm:architecture']);
  fact('Framework', [p['mlm:framework'], p['mlm:framework_version']].filter(Boolean).join(' ') || undefined);
  fact('Tasks', Array.isArray(p['mlm:tasks']) && (p['mlm:tasks'] as unknown[]).length > 0 ? (p['mlm:tasks'] as string[]).join(', ') : undefined);
  fact('Parameters', p['mlm:total_parameters'], (n: number) => `${formatCount(n)} (${groupDigits(n)})`);
  fact('Model size', modelAsset?.['file:size'], (n: number) => formatBytes(n));
  fact('Memory', p['mlm:memory_size'], (n: number) => formatBytes(n));
  fact('Pretrained', p['mlm:pretrained'] === undefined ? undefined : p['mlm:pretrained'] ? `yes${p['mlm:pretrained_source'] ? ` (${String(p['mlm:pretrained_source'])})` : ''}` : 'no');
  fact('Accelerator', p['mlm:accelerator']);
  fact('Batch size', p['mlm:batch_size_suggestion']);
  const safetyOf = (a: StacAsset | undefined): { verdict?: unknown; unsafe_globals?: unknown; unreadable?: unknown } | undefined => {
    const v = a?.['stachub:pickle_safety'];
    return typeof v === 'object' && v !== null ? (v as { verdict?: unknown }) : undefined;
  };
  const modelSafety = safetyOf(modelAsset);
  fact(
    'Pickle safety',
    modelSafety?.verdict === 'safe' ? 'safe: imports only allow-listed globals' : modelSafety?.verdict === 'unsafe' ? 'unsafe: loading it can run code' : undefined,
  );
  const tensors = tensorView(modelAsset?.['stachub:tensors']);
  const unsafeEntry = Object.entries(item.assets ?? {}).find(([, a]) => safetyOf(a)?.verdict === 'unsafe');
  const pickleWarning = unsafeEntry
    ? {
        file: unsafeEntry[1].title ?? (fileNameOf(unsafeEntry[1].href) || unsafeEntry[0]),
        globals: Array.isArray(safetyOf(unsafeEntry[1])?.unsafe_globals) && (safetyOf(unsafeEntry[1])!.unsafe_globals as unknown[]).length > 0
          ? (safetyOf(unsafeEntry[1])!.unsafe_globals as unknown[]).map(String).join(', ')
          : 'a pickle that cannot be read to its end',
      }
    : null;

  // Versions and their key metrics, grouped by registered model (a project may register several).
  const versionSources: VersionSource[] =
    view.versions.length > 0
      ? view.versions.map((v) => ({ props: v.item.json.properties, page: relativeHref(page, v.page) }))
      : summaryVersions(p['mlflow:models']);
  // Key metrics: those most versions report (then by name), at most six columns and charts.
  const metricCount = new Map<string, number>();
  for (const v of versionSources) {
    for (const [k, val] of Object.entries(metricsOf(v.props))) if (typeof val === 'number') metricCount.set(k, (metricCount.get(k) ?? 0) + 1);
  }
  const metricNames = [...metricCount]
    .sort(([a, na], [b, nb]) => nb - na || a.localeCompare(b))
    .slice(0, 6)
    .map(([k]) => k)
    .sort();
  const modelNames = [...new Set(versionSources.map((v) => modelNameOf(v.props)))];
  const versions: VersionRow[] = versionSources
    .map((v) => {
      const vp = v.props;
      const metrics = metricsOf(vp);
      return {
        model: modelNames.length > 1 ? modelNameOf(vp) : null,
        version: String(vp.version ?? ''),
        page: v.page,
        date: isoDate(vp.created ?? vp.datetime),
        stage: typeof vp['mlflow:stage'] === 'string' && vp['mlflow:stage'] !== 'None' ? (vp['mlflow:stage'] as string) : null,
        aliases: Array.isArray(vp['mlflow:aliases']) ? (vp['mlflow:aliases'] as unknown[]).filter((a): a is string => typeof a === 'string') : [],
        recommended: vp['mlflow:recommended'] === true,
        metrics: metricNames.map((m) => ({ name: m, value: typeof metrics[m] === 'number' ? formatMetric(metrics[m] as number) : '–' })),
      };
    })
    .reverse(); // newest first in the table
  const charts: Array<{ name: string; svg: SafeHtml }> = [];
  let chartId = 0;
  for (const modelName of modelNames) {
    const ofModel = versionSources.filter((v) => modelNameOf(v.props) === modelName);
    for (const m of metricNames) {
      const points = ofModel
        .map((v) => ({ label: `v${String(v.props.version)}`, value: metricsOf(v.props)[m] }))
        .filter((pt): pt is { label: string; value: number } => typeof pt.value === 'number');
      const name = modelNames.length > 1 ? `${modelName}: ${m}` : m;
      if (points.length >= 2) charts.push({ name, svg: new SafeHtml(lineChart(`chart-${chartId++}`, `${name} by version`, points)) });
    }
  }
  // A version page shows its run: final metrics and parameters.
  const run =
    view.versionOf === null
      ? null
      : {
          metrics: Object.entries(metricsOf(p))
            .filter(([, v]) => typeof v === 'number')
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([k, v]) => ({ label: k, value: formatMetric(v as number) })),
          params: Object.entries((p['mlflow:params'] ?? {}) as Record<string, unknown>)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([k, v]) => ({ label: k, value: typeof v === 'string' ? v : JSON.stringify(v) })),
          runName: typeof p['mlflow:run_name'] === 'string' ? (p['mlflow:run_name'] as string) : null,
          flavors: Array.isArray(p['mlflow:flavors'])
            ? (p['mlflow:flavors'] as Array<Record<string, unknown>>).map((f) => `${String(f.name)}${f.version ? ' ' + String(f.version) : ''}`).join(', ')
            : null,
          uri: typeof p['mlflow:uri'] === 'string' ? (p['mlflow:uri'] as string) : null,
        };

  const assets: AssetRow[] = Object.entries(item.assets ?? {}).map(([key, a]: [string, StacAsset]) => {
    const checksum = checksumText(a['file:checksum']);
    return {
      key,
      title: a.title ?? key,
      href: hrefFromDoc(a.href),
      uri: isStorageUri(a.href) ? a.href : null,
      type: mediaLabel(a.type),
      roles: (a.roles ?? []).join(', '),
      size: typeof a['file:size'] === 'number' ? formatBytes(a['file:size'] as number) : '',
      checksum,
      checksumShort: checksum === null ? null : checksum.length > 24 ? `${checksum.slice(0, 19)}…` : checksum,
    };
  });

  const providers = Array.isArray(p.providers)
    ? objects(p.providers).map((pr) => ({
        name: String(pr.name ?? ''),
        href: typeof pr.url === 'string' && /^https?:/.test(pr.url) ? pr.url : null,
        roles: Array.isArray(pr.roles) ? (pr.roles as string[]).join(', ') : '',
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
      note: typeof l['mlflow:uri'] === 'string' ? (l['mlflow:uri'] as string) : isStorageUri(l.href) ? l.href : null,
    }))
    .filter((l) => l.href !== null || l.note !== null);

  const licenseId = typeof p.license === 'string' ? p.license : null;
  const licenseLink = item.links.find((l) => l.rel === 'license');
  const license = licenseId === null ? null : { id: licenseId, href: licenseLink ? hrefFromDoc(licenseLink.href) : null };

  const doi = typeof p['sci:doi'] === 'string' ? (p['sci:doi'] as string) : null;
  const citeText = typeof p['sci:citation'] === 'string' && p['sci:citation'] !== '' ? (p['sci:citation'] as string) : null;
  const pubs = Array.isArray(p['sci:publications'])
    ? objects(p['sci:publications']).map((pub) => ({
        text: String(pub.citation || pub.doi || ''),
        href: typeof pub.doi === 'string' ? `https://doi.org/${pub.doi}` : null,
      }))
    : [];
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
  const mapSvg = p['sharinghub:map-viewer'] === 'disable'
    ? null
    : site.mapTileUrl
    ? tiledExtentMap('extent', item.geometry, item.bbox, site.mapTileUrl)
    : extentMap('extent', item.geometry, item.bbox);
  const bbox = item.bbox && item.bbox.length >= 4 ? describeBbox(item.bbox) : null;

  const downloads = Object.entries(item.assets ?? {})
    .filter(([, a]) => (a.roles ?? []).some((r) => ['mlm:model', 'model', 'data', 'mlm:weights'].includes(r)) && isBrowsableHref(a.href))
    .map(([key, a]) => {
      const fromHref = fileNameOf(a.href);
      const file = /\.[A-Za-z0-9]+$/.test(fromHref) ? fromHref : posix.basename(key) || key;
      return { file, url: codeUrl(a.href), onnx: (a.type ?? '').includes('onnx') || file.endsWith('.onnx') };
    });
  const recommendedLink = item.links.find((l) => l.rel === 'mlflow:recommended-version');
  const recommendedTarget = recommendedLink ? linkTarget(docPath, recommendedLink, baseUrl) : null;
  const recommended = recommendedTarget === null ? undefined : model.byPath.get(recommendedTarget);
  const uriOf = (props: Record<string, unknown>): string[] => (typeof props['mlflow:uri'] === 'string' ? [props['mlflow:uri'] as string] : []);
  const mlflowUris = [
    ...uriOf(p),
    ...(recommended ? uriOf(recommended.item.json.properties) : []),
    ...item.links.filter((l) => typeof l['mlflow:uri'] === 'string').map((l) => l['mlflow:uri'] as string).reverse(),
    ...view.versions.slice().reverse().flatMap((v) => uriOf(v.item.json.properties)),
  ];
  const tracking = item.links.find((l) => l.rel === 'mlflow:tracking-uri');
  const ioForCode = objects(p['mlm:input']).map((io) => {
    const s = structure(io.input);
    return {
      name: String(io.name ?? 'input'),
      shape: Array.isArray(s.shape) ? (s.shape as number[]) : [1],
      dataType: typeof s.data_type === 'string' ? s.data_type : 'float32',
    };
  });

  const start = typeof p.start_datetime === 'string' ? isoDate(p.start_datetime) : '';
  const end = typeof p.end_datetime === 'string' ? isoDate(p.end_datetime) : '';
  const stacBrowser = site.stacBrowserUrl && jsonAbsolute ? stacBrowserHref(site.stacBrowserUrl, jsonAbsolute) : null;

  const primaryEntry =
    Object.entries(item.assets ?? {}).find(([, a]) => a.roles?.includes('mlm:model')) ??
    Object.entries(item.assets ?? {}).find(([, a]) => a.roles?.includes('data'));
  const primaryHref = primaryEntry ? hrefFromDoc(primaryEntry[1].href) : null;
  const primaryDownload = primaryEntry && primaryHref !== null
    ? {
        href: primaryHref,
        label: primaryEntry[1].roles?.includes('mlm:model')
          ? 'Download model'
          : `Download ${fileNameOf(primaryEntry[1].href) || primaryEntry[0]}`,
        size: typeof primaryEntry[1]['file:size'] === 'number' ? formatBytes(primaryEntry[1]['file:size'] as number) : '',
      }
    : null;

  const sizes = Object.values(item.assets ?? {}).map((a) => a['file:size']).filter((n): n is number => typeof n === 'number');
  const assetCount = Object.keys(item.assets ?? {}).length;
  const filesSummary =
    assetCount === 0 ? null : `${assetCount} ${assetCount === 1 ? 'file' : 'files'}${sizes.length > 0 ? `, ${sizes.length < assetCount ? 'at least ' : ''}${formatBytes(sizes.reduce((a, b) => a + b, 0))}` : ''}`;

  return {
    readme,
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
        typeof p['sharinghub:id'] === 'number' && view.versionOf === null
          ? `${posix.basename(item.id)} (${String(p['sharinghub:id'])})`
          : null,
      inputs: ioForCode,
    }), ...dvcSnippets(via?.href, item.assets)],
    run,
    versionOf: view.versionOf ? { title: view.versionOf.title, href: relativeHref(page, view.versionOf.page) } : null,
    versionLabel: p.version !== undefined ? String(p.version) : null,
    temporal: start || end ? `${start || '…'} – ${end || '…'}` : null,
  };
}

/** Drop a README's leading `# Title` when it repeats the page title (the page shows it already). */
export function withoutTitleHeading(markdown: string, title: string): string {
  const m = /^\s*#[ \t]+(.+?)[ \t#]*(\r?\n|$)/.exec(markdown);
  const norm = (t: string): string => t.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
  return m && norm(m[1]!) === norm(title) ? markdown.slice(m[0].length) : markdown;
}

/** The file name at the end of an href (percent-decoding when it is well formed). */
function fileNameOf(href: string): string {
  const base = posix.basename(href.split(/[?#]/)[0]!);
  try {
    return decodeURIComponent(base);
  } catch {
    return base;
  }
}

// SharingHub's category ids (ai-model, dataset) and their usual variants.
const isModelCategory = (id: string): boolean => /model/i.test(id);
const isDatasetCategory = (id: string): boolean => /data/i.test(id);

interface VersionSource {
  props: Record<string, unknown>;
  page: string | null;
}

function metricsOf(props: Record<string, unknown>): Record<string, unknown> {
  const m = props['mlflow:metrics'];
  return m !== null && typeof m === 'object' ? (m as Record<string, unknown>) : {};
}

function modelNameOf(props: Record<string, unknown>): string {
  return typeof props['mlflow:model_name'] === 'string' ? (props['mlflow:model_name'] as string) : '';
}

/** Versions described only by the project's `mlflow:models` summary (no version items in the tree). */
function summaryVersions(models: unknown): VersionSource[] {
  if (!Array.isArray(models)) return [];
  const out: VersionSource[] = [];
  for (const m of models as Array<Record<string, unknown>>) {
    if (!Array.isArray(m.versions)) continue;
    for (const v of m.versions as Array<Record<string, unknown>>) {
      out.push({
        page: null,
        props: {
          'mlflow:model_name': m.name,
          version: v.version,
          created: v.created,
          'mlflow:stage': v.stage,
          'mlflow:aliases': v.aliases,
          'mlflow:metrics': v.metrics,
        },
      });
    }
  }
  return out;
}

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
  const paths = Object.values(assets ?? {}).map((a) => a['dvc:path']).filter((x): x is string => typeof x === 'string');
  const s = dvcSnippet({ projectUrl, paths });
  return s ? [s] : [];
}

/** The tensor summary of a model asset (`stachub:tensors`) as the page shows it. */
function tensorView(v: unknown): ProjectPage['tensors'] {
  if (typeof v !== 'object' || v === null) return null;
  const t = v as { count?: unknown; data_types?: unknown; largest?: unknown; optimizer?: { tensors?: unknown } };
  if (typeof t.count !== 'number') return null;
  const types = typeof t.data_types === 'object' && t.data_types !== null ? Object.entries(t.data_types as Record<string, { tensors?: number; bytes?: number }>) : [];
  const byType = types.map(([k, d]) => `${k} ×${d.tensors ?? 0}${typeof d.bytes === 'number' ? ` (${formatBytes(d.bytes)})` : ''}`).join(', ');
  const optimizer = typeof t.optimizer?.tensors === 'number' ? `; optimizer state: ${t.optimizer.tensors} more tensors, not counted` : '';
  const largest = Array.isArray(t.largest)
    ? (t.largest as Array<{ name?: unknown; shape?: unknown; data_type?: unknown }>).map((x) => ({
        name: String(x.name ?? ''),
        shape: Array.isArray(x.shape) ? `[${x.shape.join(', ')}]` : '',
        dataType: String(x.data_type ?? ''),
      }))
    : [];
  return { summary: `${t.count} ${t.count === 1 ? 'tensor' : 'tensors'}${byType ? `: ${byType}` : ''}${optimizer}`, largest };
}
