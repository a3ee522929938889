/**
 * The facts both project readers (REST and GraphQL) return, in REST's shapes, and their conversion
 * to what a `ProjectSnapshot` holds: the fast path's answers are mapped to these shapes first, so
 * both readers give the same facts.
 */
import type { PackageInfo, ReleaseInfo } from '../../types.js';
import type { GqlProject } from './graphql.js';
import type { GitLabSourceOptions } from './options.js';
import type { ListedProject } from './project.js';

export interface TreeEntry {
  path: string;
  type: string;
}

export interface RestRelease {
  tag_name: string;
  name?: string | null;
  description?: string | null;
  released_at?: string | null;
  assets?: { sources?: { format: string; url: string }[] | null } | null;
}

export interface RestPackage {
  name: string;
  version?: string;
  package_type: string;
  _links?: { web_path?: string };
}

/** A release as the snapshot holds it (the zip source archive, else GitLab's archive endpoint). */
export function toRelease(host: string, p: ListedProject, r: RestRelease): ReleaseInfo {
  const zip = r.assets?.sources?.find((s) => s.format === 'zip')?.url;
  return {
    tagName: r.tag_name,
    name: r.name ?? r.tag_name,
    ...(r.description ? { description: r.description } : {}),
    ...(r.released_at ? { releasedAt: r.released_at } : {}),
    archiveHref: zip ?? `${host}/api/v4/projects/${p.id}/repository/archive.zip?sha=${encodeURIComponent(r.tag_name)}`,
  };
}

/** Newest first in: the latest version of each package name out (SharingHub's `package` links). */
export function toPackages(host: string, p: ListedProject, list: RestPackage[]): PackageInfo[] {
  const seen = new Map<string, PackageInfo>();
  for (const k of list) {
    const key = `${k.package_type}\u0000${k.name}`;
    if (seen.has(key)) continue;
    seen.set(key, {
      name: k.name,
      ...(k.version ? { version: k.version } : {}),
      packageType: k.package_type,
      webUrl: k._links?.web_path ? `${host}${k._links.web_path}` : `${p.web_url}/-/packages`,
    });
  }
  return [...seen.values()];
}

/** Package versions read per project at most. */
export function maxPackageVersions(o: GitLabSourceOptions): number {
  return Math.max(1, o.maxPackageVersions ?? 1000);
}

/** The latest release from the fast path's answer. */
export function releaseFrom(host: string, p: ListedProject, gq: GqlProject): ReleaseInfo | null {
  const r = gq.releases?.nodes[0];
  if (!r) return null;
  return toRelease(host, p, {
    tag_name: r.tagName,
    name: r.name,
    description: r.description,
    ...(r.releasedAt ? { released_at: r.releasedAt } : {}),
    assets: { sources: r.assets?.sources?.nodes ?? [] },
  });
}

/** The packages from the fast path's answer. */
export function packagesFrom(host: string, p: ListedProject, gq: GqlProject): PackageInfo[] {
  return toPackages(
    host,
    p,
    (gq.packages?.nodes ?? []).map((k) => ({
      name: k.name,
      ...(k.version ? { version: k.version } : {}),
      package_type: k.packageType.toLowerCase(),
      ...(k._links?.webPath ? { _links: { web_path: k._links.webPath } } : {}),
    })),
  );
}
