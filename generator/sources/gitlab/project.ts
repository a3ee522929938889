/**
 * A project as the listing gives it, and the pure facts derived from it alone (its `ProjectInfo`,
 * its README's name, the files its GraphQL batch asks for); repository paths checked.
 */
import type { ProjectInfo, ProjectSnapshot, Visibility } from '../../types.js';
import type { PreviousProject } from '../source.js';
import { DVC_FILES, LICENSE_FILES } from './graphql.js';

/** A project as `GET /projects` lists it (the fields we read). */
export interface ListedProject {
  id: number;
  name: string;
  name_with_namespace: string;
  path_with_namespace: string;
  description: string | null;
  default_branch?: string | null;
  topics?: string[] | null;
  tag_list?: string[] | null;
  web_url: string;
  readme_url?: string | null;
  created_at: string;
  last_activity_at: string;
  star_count?: number;
  visibility?: Visibility;
  archived?: boolean;
  empty_repo?: boolean;
  packages_enabled?: boolean;
  container_registry_enabled?: boolean;
  container_registry_access_level?: string;
}

/** The project facts the listing gives, with the license and head read apart. */
export function projectInfo(p: ListedProject, extra: Pick<ProjectInfo, 'license' | 'headCommit'>): ProjectInfo {
  return {
    id: p.id,
    fullPath: p.path_with_namespace,
    name: p.name,
    nameWithNamespace: p.name_with_namespace,
    description: p.description ?? null,
    topics: [...(p.topics ?? p.tag_list ?? [])].sort(),
    visibility: p.visibility ?? 'public',
    archived: p.archived ?? false,
    webUrl: p.web_url,
    defaultBranch: p.default_branch ?? 'main',
    createdAt: p.created_at,
    lastActivityAt: p.last_activity_at,
    starCount: p.star_count ?? 0,
    license: extra.license,
    ...(extra.headCommit ? { headCommit: extra.headCommit } : {}),
  };
}

/** The previous snapshot with what the listing says now (name, topics, stars, dates...). */
export function refreshed(prev: PreviousProject, p: ListedProject): ProjectSnapshot {
  const old = prev.snapshot.project;
  return {
    ...prev.snapshot,
    project: projectInfo(p, { license: old.license, headCommit: old.headCommit }),
    // a warning about an earlier failed read is not carried into a later build
    diagnostics: prev.snapshot.diagnostics.filter((d) => d.code !== 'gitlab/stale'),
  };
}

/** The README's file name from `readme_url` (`{web_url}/-/blob/{branch}/{name}`); undefined if the field is absent. */
export function readmeFromUrl(url: string | null | undefined, branch: string): string | null | undefined {
  if (url === undefined) return undefined;
  if (url === null) return null;
  const marker = [`/-/blob/${branch}/`, `/blob/${branch}/`].find((m) => url.includes(m));
  if (!marker) return 'README.md';
  let name: string;
  try {
    name = decodeURIComponent(url.slice(url.indexOf(marker) + marker.length));
  } catch {
    return 'README.md';
  }
  return safeRepoPath(name) ? name : 'README.md';
}

/** The files a project's GraphQL batch asks for: its README candidates, the LICENSE names and the fixed DVC files. */
export function batchFiles(p: ListedProject): string[] {
  const readmeName = readmeFromUrl(p.readme_url, p.default_branch ?? 'main');
  const readme = readmeName ? [readmeName] : readmeName === null ? [] : ['README.md', 'readme.md'];
  return [...readme, ...LICENSE_FILES, ...DVC_FILES];
}

/** Repository paths from outside are not trusted: relative, POSIX, no `..`, no control characters. */
export function safeRepoPath(p: string): boolean {
  if (!p || p.startsWith('/') || p.includes('\\') || /[\u0000-\u001f]/.test(p)) return false;
  return !p.split('/').some((s) => s === '..' || s === '.' || s === '');
}
