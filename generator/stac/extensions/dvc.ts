/**
 * stachub's `dvc:` asset fields: a DVC-tracked output as an asset (its object in the project's DVC
 * remote, with the File extension's size and md5 checksum), and the path `dvc pull` takes.
 */
import type { DvcAsset } from '../../metadata/dvc.js';
import type { StacAsset } from '../types.js';
import { fileFields } from './file.js';

/** The asset of one DVC output, keyed by its path. */
export function dvcAsset(o: DvcAsset): StacAsset {
  if (!o.inRemote) return { href: o.href, title: o.path, description: o.description, roles: ['metadata'], 'dvc:path': o.path };
  return {
    href: o.href,
    title: o.path,
    description: o.description,
    ...(o.type ? { type: o.type } : {}),
    roles: ['data'],
    ...fileFields({ ...(o.size !== undefined ? { size: o.size } : {}), ...(o.md5 ? { md5: o.md5 } : {}) }),
    ...(o.nfiles !== undefined ? { 'dvc:nfiles': o.nfiles } : {}),
    // the path `dvc pull` takes (the site's "fetch with DVC" snippet)
    'dvc:path': o.path,
  };
}

/** The assets of a project's DVC outputs, keyed by output path, in the order they are recorded. */
export function dvcAssetMap(list: readonly DvcAsset[]): Record<string, StacAsset> {
  return Object.fromEntries(list.map((o) => [o.path, dvcAsset(o)]));
}

/** The path `dvc pull` takes for an asset, if it is DVC-tracked data. */
export function dvcPathOf(asset: StacAsset): string | undefined {
  const p = asset['dvc:path'];
  return typeof p === 'string' ? p : undefined;
}
