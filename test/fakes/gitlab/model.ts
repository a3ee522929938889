/**
 * The data model of the fake GitLab: projects, their one-branch repositories, releases, packages,
 * container repositories and the users that tokens stand for. Mutations (`push`, `setTopics`, ...)
 * follow GitLab's own side effects where the crawler depends on them (reference/gitlab.md §0.8:
 * a push bumps `last_activity_at` at most once per hour; a topic edit bumps `updated_at` only).
 */
import { createHash } from 'node:crypto';

export type FakeVisibility = 'public' | 'internal' | 'private';

/** A file of a fake repository. `lfs` files are stored as Git LFS pointers; `content` is the real object. */
export interface FakeFileInput {
  content: string | Uint8Array;
  lfs?: boolean;
}

export interface FakeRelease {
  tag_name: string;
  name: string;
  description?: string;
  released_at: string;
}

export interface FakePackage {
  id: number;
  name: string;
  version: string;
  package_type: string;
}

export interface FakeContainerRepository {
  id: number;
  name: string;
  path: string;
  location: string;
  tags: string[];
}

export interface FakeProjectInput {
  id: number;
  /** `group/sub/project`. */
  fullPath: string;
  name?: string;
  description?: string | null;
  visibility?: FakeVisibility;
  archived?: boolean;
  topics?: string[];
  defaultBranch?: string;
  /** Repository content of the default branch; `{}` with `emptyRepo` for an empty repository. */
  files?: Record<string, string | Uint8Array | FakeFileInput>;
  emptyRepo?: boolean;
  createdAt?: string;
  lastActivityAt?: string;
  starCount?: number;
  /** GitLab-detected license (only reported when the repository has a LICENSE-like file, as GitLab does). */
  license?: { key: string; name: string; nickname?: string | null } | null;
  releases?: FakeRelease[];
  packages?: FakePackage[];
  containers?: FakeContainerRepository[];
  packagesEnabled?: boolean;
  containerRegistryEnabled?: boolean;
  /** User names that are members (can read the project whatever its visibility). */
  members?: string[];
}

export interface StoredFile {
  /** What Git stores: the LFS pointer text for LFS files, the content otherwise. */
  stored: Uint8Array;
  /** The real bytes (the LFS object for LFS files). */
  content: Uint8Array;
  lfs: boolean;
  blobId: string;
}

export interface FakeCommit {
  id: string;
  message: string;
  committed_date: string;
  parent_ids: string[];
  /**
   * Paths this commit changed, as git log's history simplification sees it: empty for an empty
   * commit and for a merge commit whose tree equals one of its parents (the merge of an up-to-date
   * merge request), which `git log -1 <rev> -- <path>` skips (see `lastCommitForPath`).
   */
  changed: string[];
}

export interface FakeProject {
  id: number;
  fullPath: string;
  path: string;
  namespace: string;
  name: string;
  description: string | null;
  visibility: FakeVisibility;
  archived: boolean;
  topics: string[];
  defaultBranch: string;
  files: Map<string, StoredFile>;
  emptyRepo: boolean;
  commits: FakeCommit[];
  createdAt: string;
  updatedAt: string;
  lastActivityAt: string;
  starCount: number;
  license: { key: string; name: string; nickname?: string | null } | null;
  releases: FakeRelease[];
  packages: FakePackage[];
  containers: FakeContainerRepository[];
  packagesEnabled: boolean;
  containerRegistryEnabled: boolean;
  members: Set<string>;
}

const enc = new TextEncoder();

export function toBytes(c: string | Uint8Array): Uint8Array {
  return typeof c === 'string' ? enc.encode(c) : c;
}

/** Git's blob object id: sha1 over `blob <len>\0<content>`. */
export function gitBlobId(bytes: Uint8Array): string {
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The pointer text git-lfs stores in place of the object (git-lfs docs/spec.md). */
export function lfsPointer(content: Uint8Array): string {
  return `version https://git-lfs.github.com/spec/v1\noid sha256:${sha256Hex(content)}\nsize ${content.length}\n`;
}

export function storeFile(input: string | Uint8Array | FakeFileInput): StoredFile {
  const spec: FakeFileInput = typeof input === 'string' || input instanceof Uint8Array ? { content: input } : input;
  const content = toBytes(spec.content);
  const stored = spec.lfs ? enc.encode(lfsPointer(content)) : content;
  return { stored, content, lfs: Boolean(spec.lfs), blobId: gitBlobId(stored) };
}

let commitCounter = 0;
function newCommitId(seed: string): string {
  commitCounter += 1;
  return createHash('sha1').update(`${seed}:${commitCounter}`).digest('hex');
}

/** GitLab bumps `last_activity_at` on events at most once per hour (app/models/event.rb). */
export const ACTIVITY_INTERVAL_MS = 60 * 60 * 1000;

export function createProject(input: FakeProjectInput, now: Date): FakeProject {
  const at = now.toISOString();
  const slash = input.fullPath.lastIndexOf('/');
  const files = new Map<string, StoredFile>();
  for (const [p, f] of Object.entries(input.files ?? {})) files.set(p, storeFile(f));
  const emptyRepo = input.emptyRepo ?? false;
  const createdAt = input.createdAt ?? at;
  const commits: FakeCommit[] = emptyRepo
    ? []
    : [{ id: newCommitId(input.fullPath), message: 'Initial commit', committed_date: createdAt, parent_ids: [], changed: [...files.keys()] }];
  return {
    id: input.id,
    fullPath: input.fullPath,
    path: input.fullPath.slice(slash + 1),
    namespace: slash < 0 ? '' : input.fullPath.slice(0, slash),
    name: input.name ?? input.fullPath.slice(slash + 1),
    description: input.description ?? null,
    visibility: input.visibility ?? 'public',
    archived: input.archived ?? false,
    topics: [...new Set(input.topics ?? [])].sort(),
    defaultBranch: input.defaultBranch ?? 'main',
    files,
    emptyRepo,
    commits,
    createdAt,
    updatedAt: input.lastActivityAt ?? createdAt,
    lastActivityAt: input.lastActivityAt ?? createdAt,
    starCount: input.starCount ?? 0,
    license: input.license ?? null,
    releases: [...(input.releases ?? [])],
    packages: [...(input.packages ?? [])],
    containers: [...(input.containers ?? [])],
    packagesEnabled: input.packagesEnabled ?? true,
    containerRegistryEnabled: input.containerRegistryEnabled ?? true,
    members: new Set(input.members ?? []),
  };
}

/** Apply a push to the default branch: new head commit, files changed (null deletes). */
export function pushCommit(
  p: FakeProject,
  changes: Record<string, string | Uint8Array | FakeFileInput | null>,
  now: Date,
  message = 'Update files',
): string {
  const changed = applyChanges(p, changes);
  const id = newCommitId(p.fullPath);
  p.commits.unshift({ id, message, committed_date: now.toISOString(), parent_ids: p.commits[0] ? [p.commits[0].id] : [], changed });
  p.emptyRepo = false;
  touchActivity(p, now);
  return id;
}

function applyChanges(p: FakeProject, changes: Record<string, string | Uint8Array | FakeFileInput | null>): string[] {
  const changed: string[] = [];
  for (const [path, f] of Object.entries(changes)) {
    const before = p.files.get(path)?.blobId;
    if (f === null) p.files.delete(path);
    else p.files.set(path, storeFile(f));
    if (p.files.get(path)?.blobId !== before) changed.push(path);
  }
  return changed;
}

/**
 * Merge a merge request into the default branch the way GitLab's merge service does with the
 * default "merge commit" method: the MR's commit (its changes, parent = the branch head) and then
 * a merge commit with two parents whose tree equals the MR's tree (the MR was up to date, so the
 * merge changes nothing against its second parent). The merge commit is the new head; returns it.
 */
export function mergeRequest(
  p: FakeProject,
  changes: Record<string, string | Uint8Array | FakeFileInput | null>,
  now: Date,
): string {
  const base = p.commits[0]?.id;
  const feature = newCommitId(p.fullPath);
  const changed = applyChanges(p, changes);
  p.commits.unshift({ id: feature, message: 'Change from a merge request', committed_date: now.toISOString(), parent_ids: base ? [base] : [], changed });
  const merge = newCommitId(p.fullPath);
  p.commits.unshift({
    id: merge,
    message: "Merge branch 'feature' into 'main'",
    committed_date: now.toISOString(),
    parent_ids: base ? [base, feature] : [feature],
    changed: [],
  });
  p.emptyRepo = false;
  touchActivity(p, now);
  return merge;
}

/**
 * The commit Gitaly's `LastCommitForPath` answers (gitaly internal/gitaly/service/commit/
 * last_commit_for_path.go: an empty path or `/` becomes `.`, then `git log -1 <rev> -- <path>`).
 * git log's default history simplification (git-log(1), "History Simplification") leaves out a
 * commit that changes nothing under the path: an empty commit, and a merge whose tree equals a
 * parent's. So for the root this is the newest commit that changed a file, not the branch head.
 * The commits here are one line of history, newest first; a merge's own feature commit follows it.
 */
export function lastCommitForPath(p: FakeProject, path = '.'): FakeCommit | undefined {
  const root = path === '' || path === '.' || path === '/';
  const prefix = path.replace(/^\/|\/$/g, '');
  return p.commits.find((k) => (root ? k.changed.length > 0 : k.changed.some((c) => c === prefix || c.startsWith(`${prefix}/`))));
}

/** An event on the project: `last_activity_at` moves only if it is older than one hour. */
export function touchActivity(p: FakeProject, now: Date): void {
  if (now.getTime() - Date.parse(p.lastActivityAt) >= ACTIVITY_INTERVAL_MS) {
    p.lastActivityAt = now.toISOString();
  }
}
