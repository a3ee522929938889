/**
 * The REST reader: each fact of a project (head commit, a raw file, the tree, the latest release,
 * packages, container images, the license GitLab detected, a file's real bytes) from one REST call
 * through gitbeaker and the crawl's transport. A feature that is off (403/404) reads as nothing.
 */
import type { ContainerInfo, Diagnostic, PackageInfo, ProjectInfo, ReleaseInfo } from '../../types.js';
import { maxPackageVersions, toPackages, toRelease, type RestPackage, type RestRelease, type TreeEntry } from './facts.js';
import type { GitLabContext } from './options.js';
import type { ListedProject } from './project.js';
import { GitLabRequestError } from './transport.js';

/** Reads a project's facts over REST (each call counted by purpose in the context's counters). */
export class RestReader {
  constructor(private readonly ctx: GitLabContext) {}

  /** The head commit of `branch` (`GET /repository/commits/:branch`); undefined when GitLab has none (404). */
  async headCommit(id: number, branch: string): Promise<string | undefined> {
    this.ctx.calls.head++;
    try {
      const c = await this.ctx.api.Commits.show(id, branch, { stats: false });
      return c.id;
    } catch (err) {
      if (isStatus(err, 404)) return undefined;
      throw err;
    }
  }

  /** The raw-file URL of a repository file (LFS objects resolved by GitLab). */
  fileHref(id: number, path: string, branch: string): string {
    return `${this.ctx.host}/api/v4/projects/${id}/repository/files/${encodeURIComponent(path)}/raw?ref=${encodeURIComponent(branch)}&lfs=true`;
  }

  /** A raw file (pointer, not LFS object); null on 404. */
  async raw(id: number, path: string, branch: string): Promise<{ body: string | Blob; commit?: string } | null> {
    try {
      const r = await this.ctx.api.RepositoryFiles.showRaw(id, path, branch, { showExpanded: true });
      return { body: r.data, commit: r.headers['x-gitlab-commit-id'] };
    } catch (err) {
      if (isStatus(err, 404)) return null;
      throw err;
    }
  }

  /** The recursive tree of `branch`, every keyset page; empty for an empty repository. */
  async tree(id: number, branch: string): Promise<TreeEntry[]> {
    this.ctx.calls.tree++;
    try {
      return await this.ctx.api.Repositories.allRepositoryTrees(id, {
        recursive: true,
        pagination: 'keyset',
        perPage: 100,
        ref: branch,
      });
    } catch (err) {
      if (isStatus(err, 404)) return []; // empty repository
      throw err;
    }
  }

  /** The latest release, or null (none, or the feature is off). */
  async release(p: ListedProject): Promise<ReleaseInfo | null> {
    this.ctx.calls.release++;
    let list: RestRelease[];
    try {
      list = await this.ctx.api.ProjectReleases.all(p.id, { orderBy: 'released_at', sort: 'desc', perPage: 1, page: 1 });
    } catch (err) {
      if (isStatus(err, 403) || isStatus(err, 404)) return null; // releases feature off
      throw err;
    }
    return list[0] ? toRelease(this.ctx.host, p, list[0]) : null;
  }

  /** The latest version of each package, reading at most `maxPackageVersions` versions. */
  async packages(p: ListedProject, diagnostics?: Diagnostic[]): Promise<PackageInfo[]> {
    if (p.packages_enabled === false) return [];
    this.ctx.calls.packages++;
    let list: RestPackage[];
    try {
      // every version is a row: read the newest `maxPackageVersions` (100 per page)
      const cap = maxPackageVersions(this.ctx.o);
      list = await this.ctx.api.Packages.all({
        projectId: p.id,
        orderBy: 'created_at',
        sort: 'desc',
        perPage: Math.min(100, cap),
        maxPages: Math.ceil(cap / 100),
      });
    } catch (err) {
      if (isStatus(err, 403) || isStatus(err, 404)) return [];
      throw err;
    }
    const packages = toPackages(this.ctx.host, p, list.slice(0, maxPackageVersions(this.ctx.o)));
    if (list.length >= maxPackageVersions(this.ctx.o)) {
      diagnostics?.push({
        level: 'info',
        code: 'gitlab/packages-limit',
        message: `more than ${maxPackageVersions(this.ctx.o)} package versions: packages whose versions are all older are not linked`,
      });
    }
    return packages;
  }

  /** The container repositories and their tags (snapshot images and digest tags skipped). */
  async containers(p: ListedProject): Promise<ContainerInfo[]> {
    if (p.container_registry_enabled === false || p.container_registry_access_level === 'disabled') return [];
    this.ctx.calls.containers++;
    let list: { name: string; location: string; tags?: { name: string }[] }[];
    try {
      list = await this.ctx.api.ContainerRegistry.allRepositories({ projectId: p.id, tags: true, perPage: 100 });
    } catch (err) {
      if (isStatus(err, 403) || isStatus(err, 404)) return [];
      throw err;
    }
    return list
      .filter((r) => !r.name.startsWith('snapshot')) // as SharingHub: snapshot images are skipped
      .map((r) => ({
        location: r.location,
        tags: (r.tags ?? []).map((t) => t.name).filter((t) => !/^[0-9a-f]{64}$/.test(t)),
      }));
  }

  /** The license GitLab detected (`GET /projects/:id?license=true`). */
  async license(id: number): Promise<ProjectInfo['license']> {
    this.ctx.calls.license++;
    const p = await this.ctx.api.Projects.show(id, { license: true });
    if (!p.license?.key) return null;
    return { key: p.license.key, ...(p.license.name ? { name: p.license.name } : {}), url: p.license_url ?? null };
  }

  /** Real bytes of a file (LFS resolved), through the transport; null on 404. */
  async rawBytes(url: string): Promise<Uint8Array | null> {
    const r = await this.ctx.transport.request(url, { headers: { ...this.ctx.authHeaders } });
    if (r.status === 404) return null;
    if (r.status >= 400) {
      throw new GitLabRequestError(`GET ${new URL(url).pathname}: HTTP ${r.status}`, { status: r.status, method: 'GET', path: new URL(url).pathname });
    }
    return r.body;
  }
}

/** Whether `err` is a GitLab answer with this status. */
export function isStatus(err: unknown, status: number): boolean {
  return err instanceof GitLabRequestError && err.status === status;
}
