/**
 * A project record's STAC fields (PURE): the item properties, links, assets and extension schemas
 * every item of the project shares, written from the record's domain facts through the extension
 * builders (stac/extensions/). The model files are described here (MLM), with the problems found.
 */
import type { ModelFile, ProjectRecord } from '../metadata/record.js';
import type { AssetSpec } from '../metadata/assets.js';
import { pathExtension } from '../metadata/preview.js';
import { mediaTypeOf } from '../media-types.js';
import type { Diagnostic } from '../types.js';
import { dvcAsset } from './extensions/dvc.js';
import { FILE_SCHEMA_URL, fileFields } from './extensions/file.js';
import { onnxToMlm, type OnnxMlmOptions, type OnnxMlmResult } from './extensions/mlm.js';
import { MODEL_FORMATS, modelToMlm, pickleSafetyField, safetyDiagnostics } from './extensions/mlm-models.js';
import { SCIENTIFIC_SCHEMA_URL, addScientificFields, citeAsLink } from './extensions/scientific.js';
import type { StacAsset, StacLink } from './types.js';

/** What every item of a project says of it. */
export interface RecordFields {
  /** Item properties other than title and description. */
  properties: Record<string, unknown>;
  /** Links to outside the catalog (license, cite-as, via, README links, packages, preview...). */
  links: StacLink[];
  assets: Record<string, StacAsset>;
  /** Schema URLs of the extensions the properties and assets use, sorted. */
  extensions: string[];
  /** Problems the model description found (for the project's report entry). */
  diagnostics: Diagnostic[];
}

export function recordFields(r: ProjectRecord): RecordFields {
  const { project } = r.snapshot;
  const extensions = new Set(r.extensions);
  const properties: Record<string, unknown> = {
    datetime: r.dates.datetime,
    start_datetime: r.dates.start,
    end_datetime: r.dates.end,
    created: r.dates.created,
    updated: r.dates.updated,
  };
  const links: StacLink[] = [];
  if (r.keywords.length > 0) properties.keywords = r.keywords;
  if (r.license) {
    properties.license = r.license.id;
    if (r.license.url) links.push({ rel: 'license', href: r.license.url, type: 'text/html', title: `License: ${r.license.id}` });
  }
  properties.providers = r.providers;
  for (const [name, value] of r.sharinghub) properties[`sharinghub:${name}`] = value;
  for (const [key, value] of Object.entries(r.fields)) setOwn(properties, key, value);
  if (addScientificFields(properties, r.citation)) extensions.add(r.schemas['sci'] ?? SCIENTIFIC_SCHEMA_URL);
  if (typeof properties['sci:doi'] === 'string') links.push(citeAsLink(properties['sci:doi']));

  links.push({ rel: 'via', href: project.webUrl, type: 'text/html', title: 'GitLab project' });
  links.push({ rel: 'bug_tracker', href: `${project.webUrl}/issues`, type: 'text/html', title: 'Bug Tracker' });
  links.push(...r.links);
  for (const p of r.snapshot.packages) {
    links.push({ rel: 'package', href: p.webUrl, title: `Package ${p.name}`, 'package:name': p.name, 'package:type': p.packageType.toLowerCase().replace(/[^a-z0-9]+/g, '-') });
  }
  for (const c of r.snapshot.containers) {
    links.push({ rel: 'container', href: `https://${c.location}`, title: `Image ${c.location}`, 'container:image': c.location, 'container:tags': c.tags });
  }

  const assets: Record<string, StacAsset> = {};
  const written = new Map<string, StacAsset>();
  for (const a of r.files) {
    const asset = specAsset(a.asset);
    assets[a.key] = asset;
    written.set(a.key, asset);
    if (Object.keys(asset).some((k) => k.startsWith('file:'))) extensions.add(FILE_SCHEMA_URL);
  }
  for (const d of r.dvc) {
    const asset = dvcAsset(d);
    assets[d.path] = asset;
    if (asset['file:checksum'] !== undefined) extensions.add(FILE_SCHEMA_URL);
  }
  const diagnostics = describeModels(r, written, assets, properties, extensions);

  if (r.snapshot.release) {
    const rel = r.snapshot.release;
    assets.release = {
      href: rel.archiveHref,
      title: `Release ${rel.tagName}: ${rel.name}`,
      ...(rel.description ? { description: rel.description } : {}),
      type: mediaTypeOf(rel.archiveHref) ?? 'application/zip',
      roles: ['source'],
    };
  }
  if (r.preview) {
    const p = previewAsset(r.preview.source, r.preview.href);
    links.push(p.link);
    assets[p.key] = p.asset;
  }
  return { properties, links, assets, extensions: [...extensions].sort(), diagnostics };
}

/** A rule's asset: its fields as written, then the File extension's from the file's facts. */
function specAsset(a: AssetSpec): StacAsset {
  return {
    href: a.href,
    ...(a.title !== undefined ? { title: a.title } : {}),
    ...(a.description !== undefined ? { description: a.description } : {}),
    ...(a.type !== undefined ? { type: a.type } : {}),
    roles: a.roles,
    ...a.fields,
    ...fileFields({ ...(a.size !== undefined ? { size: a.size } : {}), ...(a.sha256 ? { sha256: a.sha256 } : {}) }),
  };
}

/**
 * The model files -> MLM: each described file's asset gets the MLM fields; the first describes the
 * item, the README's `mlm:` block completing it. Plain pickles get their safety verdict only.
 */
function describeModels(
  r: ProjectRecord,
  written: ReadonlyMap<string, StacAsset>,
  assets: Record<string, StacAsset>,
  properties: Record<string, unknown>,
  extensions: Set<string>,
): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  let described = false;
  const facts = (m: ModelFile, asset: StacAsset): OnnxMlmOptions => {
    const sha256 = r.files.find((a) => a.key === m.key)?.asset.sha256;
    return {
      name: r.snapshot.project.name,
      ...(asset['file:size'] !== undefined ? { fileSize: asset['file:size'] as number } : {}),
      ...(sha256 ? { sha256 } : {}),
      file: m.path,
    };
  };
  const apply = (key: string, asset: StacAsset, mlm: OnnxMlmResult): void => {
    const roles = [...new Set([...((mlm.asset.roles as string[] | undefined) ?? []), ...(asset.roles ?? []).filter((x) => x !== 'data')])];
    assets[key] = { ...asset, ...mlm.asset, href: asset.href, roles };
    if (!described) {
      for (const k of Object.keys(properties)) if (k.startsWith('mlm:')) delete properties[k];
      Object.assign(properties, mlm.properties);
      described = true;
    }
    for (const url of mlm.stacExtensions) extensions.add(url);
    diagnostics.push(...mlm.diagnostics);
  };
  for (const m of r.models) {
    const asset = written.get(m.key)!;
    if (m.reader === 'onnx') {
      apply(m.key, asset, onnxToMlm(r.snapshot.onnx[m.path]!, described ? undefined : r.mlm, facts(m, asset)));
      continue;
    }
    const model = r.snapshot.models![m.path]!;
    if (!MODEL_FORMATS.has(model.format)) {
      // A plain pickle or zip: no model description, but whoever downloads it must know if loading it runs code.
      if (model.pickleSafety) assets[m.key] = { ...assets[m.key]!, 'stachub:pickle_safety': pickleSafetyField(model.pickleSafety) };
      diagnostics.push(...safetyDiagnostics(model, m.path));
      continue;
    }
    apply(m.key, asset, modelToMlm(model, described ? undefined : r.mlm, facts(m, asset)));
  }
  const mlmUrl = r.schemas['mlm'];
  if (mlmUrl && extensions.has(mlmUrl) && !Object.values(assets).some((a) => a.roles?.includes('mlm:model'))) {
    // MLM requires a model asset; without one the item would not validate. Keep the fields, drop the claim.
    extensions.delete(mlmUrl);
    diagnostics.push({
      level: 'warning',
      code: 'mlm/no-model-asset',
      message:
        'the mlm: block needs a model file: add an asset rule matching it (an .onnx file is described automatically; other formats need roles [mlm:model] and mlm:artifact_type)',
      ...r.mlmAt,
    });
  }
  return diagnostics;
}

/** The `preview` link and the thumbnail asset (with its key) for a resolved href. */
export function previewAsset(source: string, href: string): { key: string; asset: StacAsset; link: StacLink } {
  const ext = pathExtension(source);
  const type = ext ? mediaTypeOf(`preview${ext.toLowerCase()}`) : undefined;
  return {
    key: `preview${ext}`,
    asset: { href, ...(type ? { type } : {}), title: 'Preview', roles: ['thumbnail'] },
    link: { rel: 'preview', href, ...(type ? { type } : {}), title: 'Preview' },
  };
}

/** Set a key as an own property (`__proto__` included), never through a setter of the prototype. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
