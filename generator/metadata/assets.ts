/**
 * Asset discovery (reference/sharinghub.md §3): files become assets only when an asset rule of
 * the category or of the README matches them.
 */
import { globMatcher, segmentCount } from '../formats/glob.js';
import type { AssetRule, Diagnostic, RepoFile } from '../types.js';
import { mediaTypeOf, typeOfExtension } from '../media-types.js';

/** SharingHub's `type-as` shortcuts, plus `onnx`: the media-type table's types, some with a profile. */
export const TYPE_AS: Record<string, string> = {
  text: typeOfExtension('.txt'),
  json: typeOfExtension('.json'),
  xml: typeOfExtension('.xml'),
  yaml: typeOfExtension('.yaml'),
  zip: typeOfExtension('.zip'),
  geotiff: `${typeOfExtension('.tif')}; application=geotiff`,
  cog: `${typeOfExtension('.tif')}; application=geotiff; profile=cloud-optimized`,
  geojson: typeOfExtension('.geojson'),
  compose: `${typeOfExtension('.yaml')}; application=compose`,
  notebook: typeOfExtension('.ipynb'),
  onnx: typeOfExtension('.onnx'),
};

/**
 * Match like Python's PurePath.match (SharingHub): a relative pattern is matched from the right,
 * so `*.py` matches a .py file at any depth and `data/*.zip` matches `x/data/a.zip`. A pattern with
 * `**` is matched against the whole path.
 */
export function pathMatches(pattern: string, filePath: string): boolean {
  return pathMatcher(pattern)(filePath);
}

/**
 * `pathMatches` for one pattern, compiled once (a rule is tried on every file of the repository).
 * Matching is linear (generator/formats/glob.ts): a README's pattern cannot stall the build.
 */
export function pathMatcher(pattern: string): (filePath: string) => boolean {
  const clean = pattern.replace(/^\.\//, '');
  if (clean.includes('**') || clean.startsWith('/')) return globMatcher(clean.replace(/^\//, ''));
  const patternSegments = segmentCount(clean);
  const match = globMatcher(clean);
  return (filePath) => {
    const segments = filePath.split('/');
    if (segments.length < patternSegments) return false;
    return match(segments.slice(-patternSegments).join('/'));
  };
}

/** An asset as a rule describes it (`stac/` writes it as a STAC asset). */
export interface AssetSpec {
  href: string;
  title?: string;
  description?: string;
  type?: string;
  roles: string[];
  /** Extension fields written on the rule (e.g. `mlm:artifact_type`), as written. */
  fields: Record<string, unknown>;
  /** The file's size in bytes and SHA-256 (hex), from its LFS pointer or the repository. */
  size?: number;
  sha256?: string;
}

export interface DiscoveredAsset {
  key: string;
  asset: AssetSpec;
  /** The repository file behind the asset (absent for external assets). */
  file?: RepoFile;
}

function fill(template: string, vars: Record<string, string>): string {
  return template.replace(/\{(path|key)\}/g, (_, name: string) => vars[name] ?? '');
}

/**
 * Apply asset rules to a file list (pure). Later rules do not replace an asset an earlier rule
 * created for the same key; `resolveHref` turns a README href (path or URL) into an absolute URL.
 */
export function discoverAssets(
  rules: readonly AssetRule[],
  files: readonly RepoFile[],
  resolveHref: (href: string) => string | undefined,
  where: { file?: string; lineOf?: (index: number) => number | undefined; maxMatches?: number } = {},
): { assets: DiscoveredAsset[]; diagnostics: Diagnostic[] } {
  const assets: DiscoveredAsset[] = [];
  const diagnostics: Diagnostic[] = [];
  const keys = new Set<string>();
  const maxMatches = where.maxMatches ?? Infinity;
  let fromFiles = 0;
  rules.forEach((rule, index) => {
    if (fromFiles > maxMatches) return;
    const r = typeof rule === 'string' ? { glob: rule } : rule;
    const pattern = r.glob ?? r.path;
    const type = r['type-as'] && Object.hasOwn(TYPE_AS, r['type-as']) ? TYPE_AS[r['type-as']] : r.type;
    if (!pattern) {
      if (!r.key || !r.href) return;
      const href = resolveHref(r.href);
      if (!href) {
        diagnostics.push({
          level: 'warning',
          code: 'assets/href',
          message: `asset '${r.key}': href '${r.href}' is neither a URL nor a file of the repository`,
          ...(where.file ? { file: where.file } : {}),
          ...lineField(where.lineOf?.(index)),
        });
        return;
      }
      if (keys.has(r.key)) return;
      keys.add(r.key);
      assets.push({
        key: r.key,
        asset: {
          href,
          ...(r.title ? { title: fill(r.title, { key: r.key, path: r.href }) } : {}),
          ...(r.description ? { description: fill(r.description, { key: r.key, path: r.href }) } : {}),
          ...((type ?? mediaTypeOf(r.href)) ? { type: type ?? mediaTypeOf(r.href) } : {}),
          roles: rolesOf(r.roles),
          fields: {},
        },
      });
      return;
    }
    let matched = 0;
    let matches: (filePath: string) => boolean;
    try {
      matches = pathMatcher(pattern);
    } catch (err) {
      // A pattern that cannot be used (too many brace alternatives): the rule is skipped.
      diagnostics.push({
        level: 'error',
        code: 'assets/glob',
        message: `asset rule pattern is not a usable glob (${(err as Error).message.slice(0, 120)}); the rule is ignored`,
        ...(where.file ? { file: where.file } : {}),
        ...lineField(where.lineOf?.(index)),
      });
      return;
    }
    for (const file of files) {
      if (!matches(file.path)) continue;
      matched++;
      if (++fromFiles > maxMatches) {
        diagnostics.push({
          level: 'error',
          code: 'budget/matched-files',
          message: `asset rules match more than ${maxMatches} files: the first ${maxMatches} are assets, the others are left out`,
          ...(where.file ? { file: where.file } : {}),
          ...lineField(where.lineOf?.(index)),
        });
        break;
      }
      const key = r.key ? fill(r.key, { path: file.path, key: file.path }) : file.path;
      if (keys.has(key)) continue;
      keys.add(key);
      const vars = { path: file.path, key };
      const mediaType = type ?? mediaTypeOf(file.path);
      // Extension fields written on the rule (e.g. `mlm:artifact_type`) are copied to the asset.
      const fields: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(r)) if (/^[a-z][a-z0-9-]*:/.test(k)) fields[k] = v;
      const size = file.lfs?.size ?? file.size;
      const sha = file.lfs?.oid ?? file.sha256;
      const asset: AssetSpec = {
        href: file.href,
        ...(r.title ? { title: fill(r.title, vars) } : {}),
        ...(r.description ? { description: fill(r.description, vars) } : {}),
        ...(mediaType ? { type: mediaType } : {}),
        roles: rolesOf(r.roles),
        fields,
        ...(size !== undefined ? { size } : {}),
        ...(sha ? { sha256: sha } : {}),
      };
      assets.push({ key, asset, file });
    }
    if (matched === 0 && typeof rule !== 'string' && r.path) {
      diagnostics.push({
        level: 'warning',
        code: 'assets/no-match',
        message: `asset rule path '${pattern}' matches no file of the repository`,
        ...(where.file ? { file: where.file } : {}),
        ...lineField(where.lineOf?.(index)),
      });
    }
  });
  return { assets, diagnostics };
}

function lineField(line: number | undefined): { line?: number } {
  return line === undefined ? {} : { line };
}

/** A rule's roles as strings (a list the front-matter check left holes in keeps its strings); default `data`. */
function rolesOf(roles: unknown): string[] {
  return Array.isArray(roles) ? roles.filter((r): r is string => typeof r === 'string') : ['data'];
}
