/**
 * Registered model versions -> STAC (PURE).
 *
 * For a project's item (before layout) and the versions linked to it, returns
 * (a) what the project's item gains: SharingHub's `mlflow:tracking-uri` link and one `mlflow:model`
 *     link per version (`mlflow:uri: models:/<name>/<version>`, reference/sharinghub.md §1.6, §5.5),
 *     `latest-version` and `mlflow:recommended-version` links per registered model, a
 *     `mlflow:models` summary property, and the recommended version's model file as an asset
 *     (SharingHub's asset key: the file name with its stem replaced by the slug of `<name> v<version>`);
 * (b) one item per version, in the project's collection, with the version extension v1.2.0
 *     (`version`, `deprecated` for archived versions, `latest-version`/`predecessor-version`/
 *     `successor-version` links), aliases, stage, creation time, run link, final metrics and params,
 *     flavors, and the model file as an asset (with the MLM description when it is an ONNX file).
 *
 * Ids and folders: a version item's id is `<project item id>/versions/<model name>/<version>` (the
 * model name as MLflow spells it, `/` and `%` percent-encoded: stable and unique); its folder is
 * `<project folder>/versions/<model slug>/<version>`, so layout writes it at
 * `<category>/<fullPath>/versions/<model slug>/<version>/<version>.json`. Links between documents
 * use the internal `stachub://item/<collection>/<id>` references that layout resolves.
 *
 * The recommended version of a registered model: the one with alias `champion`, else alias
 * `production`, else the newest in stage `Production`, else the latest (highest) version.
 */
import { onnxToMlm } from './extensions/mlm.js';
import { FILE_SCHEMA_URL, fileFields, usesFile } from './extensions/file.js';
import { MLFLOW_REL, mlflowModelsField, mlflowVersionFields, type ModelSummaryField } from './extensions/mlflow.js';
import { VERSION_SCHEMA_URL, versionFields } from './extensions/version.js';
import type { OnnxSummary } from '../onnx/types.js';
import { MEDIA, ref } from './links.js';
import { STAC_VERSION, type StacAsset, type StacItem, type StacLink } from './types.js';
import type { UnplacedItem } from './toStac.js';
import type { Diagnostic } from '../types.js';
import { modelVersionPageUrl, modelsUri, versionKey, versionNumber, withSlash } from '../mlflow/assemble.js';
import { displayName } from '../mlflow/link.js';
import type { ModelVersion, WebUi } from '../mlflow/types.js';

export { MLFLOW_REL, VERSION_SCHEMA_URL, versionKey };

/** Versions listed in a project item's `mlflow:models` summary (the newest). */
export const SUMMARY_VERSIONS = 50;

export interface MlflowStacOptions {
  /** Public MLflow tracking URI (the registry's), for the tracking-uri link and MLflow UI links. */
  trackingUri?: string;
  /** The web pages behind the tracking URI (default MLflow's UI: `#/models/...`). */
  webUi?: WebUi;
  /** ONNX summaries of the versions' model files, by `versionKey` (read at the edge). */
  onnx?: ReadonlyMap<string, OnnxSummary>;
}

/** What the project's item gains. */
export interface ProjectAdditions {
  links: StacLink[];
  properties: Record<string, unknown>;
  assets: Record<string, StacAsset>;
  stacExtensions: string[];
}

export interface MlflowStacResult {
  project: ProjectAdditions;
  /** One unplaced item per published version, for the project's collection. */
  versionItems: UnplacedItem[];
  /** Problems for the project's build report entry (skipped versions, MLM notes). */
  diagnostics: Diagnostic[];
}

/** The id of a version's item. */
export function versionItemId(projectItemId: string, modelName: string, version: string): string {
  return `${projectItemId}/versions/${modelName.replace(/%/g, '%25').replace(/\//g, '%2F')}/${version}`;
}

/** A path segment made of `[A-Za-z0-9_.+-]`, starting with a letter, digit or `_` (the layout's safe segment). */
export function slugSegment(s: string): string {
  const slug = s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9_.+-]+/g, '-')
    .replace(/^[^A-Za-z0-9_]+/, '')
    .replace(/[-.]+$/, '')
    .replace(/\.json$/i, '-json');
  return slug || '_';
}

/** Merge the additions into a copy of the project's item. */
export function withProjectAdditions(item: StacItem, add: ProjectAdditions): StacItem {
  return {
    ...item,
    stac_extensions: [...new Set([...item.stac_extensions, ...add.stacExtensions])],
    properties: { ...item.properties, ...add.properties },
    links: [...item.links, ...add.links],
    assets: { ...item.assets, ...add.assets },
  };
}

/** Why a version is the recommended one. */
export type RecommendedBy = 'alias:champion' | 'alias:production' | 'stage:Production' | 'latest';

export function recommendedVersion(versions: ModelVersion[]): { version: ModelVersion; by: RecommendedBy } | undefined {
  const byAlias = (alias: string): ModelVersion | undefined =>
    versions.find((v) => v.aliases.some((a) => a.toLowerCase() === alias));
  const champion = byAlias('champion');
  if (champion) return { version: champion, by: 'alias:champion' };
  const production = byAlias('production');
  if (production) return { version: production, by: 'alias:production' };
  const sorted = [...versions].sort(byNumber);
  const staged = sorted.filter((v) => v.stage?.toLowerCase() === 'production').pop();
  if (staged) return { version: staged, by: 'stage:Production' };
  const latest = sorted.pop();
  return latest ? { version: latest, by: 'latest' } : undefined;
}

export function mlflowToStac(projectItem: StacItem, projectDir: string, versions: ModelVersion[], options: MlflowStacOptions = {}): MlflowStacResult {
  const diagnostics: Diagnostic[] = [];
  const collection = projectItem.collection;
  const tracking = options.trackingUri ? withSlash(options.trackingUri) : undefined;
  const itemHref = (id: string): string => (collection ? ref.item(collection, id) : `./${id}`);
  const project: ProjectAdditions = { links: [], properties: {}, assets: {}, stacExtensions: [] };
  const versionItems: UnplacedItem[] = [];
  const projectTitle = typeof projectItem.properties['title'] === 'string' ? (projectItem.properties['title'] as string) : projectItem.id;
  const readmeMlm = Object.fromEntries(Object.entries(projectItem.properties).filter(([k]) => k.startsWith('mlm:')));
  const declaresMlModel = projectItem.stac_extensions.some((e) => e.includes('ml-model'));

  if (tracking && versions.length > 0) {
    project.links.push({ rel: MLFLOW_REL.trackingUri, href: tracking, type: MEDIA.html, title: 'MLflow - Tracking URI' });
  }

  // Group by registered model; publish READY versions only (a failed or pending registration has no model).
  const groups = new Map<string, ModelVersion[]>();
  for (const v of versions) {
    if (v.status && v.status !== 'READY') {
      diagnostics.push({ level: 'info', code: 'mlflow/version-not-ready', message: `${v.modelName} v${v.version} is ${v.status}: not published` });
      continue;
    }
    groups.set(v.modelName, [...(groups.get(v.modelName) ?? []), v]);
  }
  const usedSlugs = new Set<string>();
  const summaries: ModelSummaryField[] = [];

  for (const name of [...groups.keys()].sort()) {
    const list = groups.get(name)!.sort(byNumber);
    const display = displayName(name);
    let slug = slugSegment(display);
    for (let n = 2; usedSlugs.has(slug.toLowerCase()); n++) slug = `${slugSegment(display)}-${n}`;
    usedSlugs.add(slug.toLowerCase());
    const ids = list.map((v) => versionItemId(projectItem.id, name, v.version));
    const latest = list[list.length - 1]!;
    const latestId = ids[ids.length - 1]!;
    const rec = recommendedVersion(list)!;
    const recId = ids[list.indexOf(rec.version)]!;
    const title = (v: ModelVersion): string => `${display} v${v.version}`;

    // (a) The project's item.
    list.forEach((v, i) => {
      project.links.push({
        rel: MLFLOW_REL.model,
        href: itemHref(ids[i]!),
        type: MEDIA.geojson,
        title: title(v),
        'mlflow:uri': modelsUri(name, v.version),
      });
    });
    project.links.push({ rel: MLFLOW_REL.latest, href: itemHref(latestId), type: MEDIA.geojson, title: title(latest) });
    project.links.push({ rel: MLFLOW_REL.recommended, href: itemHref(recId), type: MEDIA.geojson, title: title(rec.version) });
    // The newest versions only: each version has its own item, and the project item stays small.
    const recent = list.slice(-SUMMARY_VERSIONS);
    summaries.push({
      name,
      latest_version: latest.version,
      recommended_version: rec.version.version,
      recommended_by: rec.by,
      version_count: list.length,
      versions: recent.map((v) => ({
        version: v.version,
        ...(v.aliases.length ? { aliases: v.aliases } : {}),
        ...(v.stage && v.stage !== 'None' ? { stage: v.stage } : {}),
        ...(v.createdAt ? { created: v.createdAt } : {}),
        ...(Object.keys(v.metrics).length ? { metrics: v.metrics } : {}),
      })),
    });
    const recFile = rec.version.modelFile;
    if (recFile?.href) {
      const dot = recFile.name.lastIndexOf('.');
      const ext = dot > 0 ? recFile.name.slice(dot) : '';
      const key = `${slugSegment(`${display} v${rec.version.version}`).toLowerCase()}${ext.toLowerCase()}`;
      const asset: StacAsset = {
        href: recFile.href,
        type: recFile.mediaType,
        title: title(rec.version),
        roles: ['data', ...(declaresMlModel ? ['ml-model:checkpoint'] : [])],
        'mlflow:uri': modelsUri(name, rec.version.version),
        ...fileFields(modelFileFacts(recFile)),
      };
      if (usesFile(asset)) project.stacExtensions.push(FILE_SCHEMA_URL);
      project.assets[key] = asset;
    }

    // (b) One item per version.
    list.forEach((v, i) => {
      const id = ids[i]!;
      const links: StacLink[] = projectItem.links.filter((l) => ['root', 'parent', 'collection', 'license'].includes(l.rel)).map((l) => ({ ...l }));
      links.push({ rel: 'related', href: itemHref(projectItem.id), type: MEDIA.geojson, title: projectTitle });
      if (v.runLink) links.push({ rel: MLFLOW_REL.run, href: v.runLink, type: MEDIA.html, title: `MLflow run ${v.runName ?? v.runId ?? ''}`.trim() });
      if (tracking) {
        links.push({
          rel: 'alternate',
          href: modelVersionPageUrl(tracking, name, v.version, options.webUi),
          type: MEDIA.html,
          title: `${title(v)} in MLflow`,
        });
      }
      links.push({ rel: MLFLOW_REL.latest, href: itemHref(latestId), type: MEDIA.geojson, title: title(latest) });
      if (i > 0) links.push({ rel: MLFLOW_REL.predecessor, href: itemHref(ids[i - 1]!), type: MEDIA.geojson, title: title(list[i - 1]!) });
      if (i < list.length - 1) links.push({ rel: MLFLOW_REL.successor, href: itemHref(ids[i + 1]!), type: MEDIA.geojson, title: title(list[i + 1]!) });

      const extensions = new Set<string>([VERSION_SCHEMA_URL]);
      const properties: StacItem['properties'] = {
        title: title(v),
        description: v.description ?? v.registeredModel.description ?? `Version ${v.version} of the registered model ${display}.`,
        datetime: v.createdAt ?? (projectItem.properties.datetime as string | null),
        ...(v.createdAt ? { created: v.createdAt } : {}),
        ...(v.updatedAt ? { updated: v.updatedAt } : {}),
        ...(projectItem.properties['license'] !== undefined ? { license: projectItem.properties['license'] } : {}),
        ...versionFields(v.version, v.stage?.toLowerCase() === 'archived'),
        ...mlflowVersionFields({
          modelName: name,
          uri: modelsUri(name, v.version),
          aliases: v.aliases,
          ...(v.stage ? { stage: v.stage } : {}),
          recommended: v === rec.version,
          ...(v.runId ? { runId: v.runId } : {}),
          ...(v.runName ? { runName: v.runName } : {}),
          ...(v.modelId ? { modelId: v.modelId } : {}),
          metrics: v.metrics,
          params: v.params,
          flavors: v.flavors.map((f) => ({ name: f.name, ...(f.version ? { version: f.version } : {}), ...(f.loaderModule ? { loader_module: f.loaderModule } : {}) })),
          ...(v.mlflowVersion ? { mlflowVersion: v.mlflowVersion } : {}),
        }),
      };
      if (properties.datetime === null) {
        properties['start_datetime'] = projectItem.properties['start_datetime'] ?? v.createdAt ?? null;
        properties['end_datetime'] = projectItem.properties['end_datetime'] ?? v.createdAt ?? null;
      }
      const assets: Record<string, StacAsset> = {};
      const file = v.modelFile;
      if (file && !file.href) {
        diagnostics.push({
          level: 'info',
          code: 'mlflow/model-file-unpublished',
          message: `${name} v${v.version}: ${file.artifactPath} has no public URL (give the export's MLflow tracking URI or its public base URL): not published as an asset`,
        });
      }
      if (file?.href) {
        const href = file.href;
        let asset: StacAsset = { href, type: file.mediaType, title: `${title(v)}: ${file.name}`, roles: ['data'] };
        const summary = options.onnx?.get(versionKey(v));
        if (summary) {
          const mlm = onnxToMlm(summary, readmeMlm, {
            name: display,
            ...(file.size !== undefined ? { fileSize: file.size } : {}),
            ...(file.sha256 ? { sha256: file.sha256 } : {}),
            file: `${name} v${v.version}: ${file.artifactPath}`,
          });
          Object.assign(properties, mlm.properties);
          asset = { ...asset, ...mlm.asset, href, title: asset.title };
          mlm.stacExtensions.forEach((e) => extensions.add(e));
          diagnostics.push(...mlm.diagnostics);
        } else {
          asset = { ...asset, ...fileFields(modelFileFacts(file)) };
          if (usesFile(asset)) extensions.add(FILE_SCHEMA_URL);
        }
        assets['model'] = asset;
      }
      const item: StacItem = {
        type: 'Feature',
        stac_version: STAC_VERSION,
        stac_extensions: [...extensions],
        id,
        geometry: projectItem.geometry,
        ...(projectItem.bbox ? { bbox: projectItem.bbox } : {}),
        properties,
        links,
        assets,
        ...(collection ? { collection } : {}),
      };
      versionItems.push({ json: item, dir: `${projectDir}/versions/${slug}/${slugSegment(v.version)}`, carried: [] });
    });
  }
  if (summaries.length > 0) Object.assign(project.properties, mlflowModelsField(summaries));
  project.stacExtensions = [...new Set(project.stacExtensions)];
  return { project, versionItems, diagnostics };
}

/** What the File extension says of a version's model file. */
function modelFileFacts(file: NonNullable<ModelVersion['modelFile']>): { size?: number; sha256?: string } {
  return { ...(file.size !== undefined ? { size: file.size } : {}), ...(file.sha256 ? { sha256: file.sha256 } : {}) };
}

function byNumber(a: ModelVersion, b: ModelVersion): number {
  return versionNumber(a.version) - versionNumber(b.version) || (a.version < b.version ? -1 : a.version > b.version ? 1 : 0);
}
