/**
 * The GitLab project source: lists the projects of each category topic (REST, keyset pages) and reads
 * each project into a `ProjectSnapshot` (README, recursive tree, head commit, latest release, license,
 * LFS pointers, preview, packages, container images, ONNX summaries).
 *
 * Incremental: with the previous build's state, a project whose listing shows no sign of change is
 * reused without any request (see `decideChange`). Fault policy: a project that cannot be read keeps
 * its previous snapshot ('stale'); the listing failing throws `SourceUnreachableError` (exit 4).
 */
import { SourceUnreachableError, UsageError } from '../../errors.js';
import { OnnxError, bufferByteSource, httpByteSource, inspectOnnx, scanOptionsFor, type OnnxSummary } from '../../onnx/index.js';
import type {
  ContainerInfo,
  Diagnostic,
  PackageInfo,
  ProjectInfo,
  ProjectSnapshot,
  ReleaseInfo,
  DvcFileText,
  RepoFile,
  Visibility,
} from '../../types.js';
import type { FailedProject, PreviousProject, Source, SourceEntry, SourceListing, SourceQuery } from '../source.js';
import { createGitbeaker, type GitLabApi } from './client.js';
import { DVC_FILES, GraphQLBatcher, LICENSE_FILES, fetchProjectBatch, type GqlProject } from './graphql.js';
import { lfsMatcher, parseLfsPointer } from './lfs.js';
import { LICENSE_FILE, detectLicense } from './license.js';
import { isDvcMetadata } from '../../metadata/dvc.js';
import { GitLabRequestError, GitLabTransport, type TransportOptions } from './transport.js';

/** Reads one ONNX file over HTTP (Range requests) and returns its summary (`generator/onnx`). */
export type OnnxInspectHook = (file: {
  /** Absolute URL serving the real bytes. */
  url: string;
  /** Headers to send (authorization); never log them. */
  headers: Record<string, string>;
  /** A fetch that goes through the crawl's transport (retries, rate limits, concurrency, counting). */
  fetch: typeof fetch;
}) => Promise<OnnxSummary>;

/** Models fetched whole when the server ignores Range (GitLab serves git blobs without Range support). */
export const WHOLE_ONNX_MAX_BYTES = 32 * 1024 * 1024;

/**
 * The default ONNX hook: the lazy scanner of `generator/onnx` over HTTP Range requests. LFS objects
 * are served with Range support; a model committed to Git itself is served whole, so when the
 * server ignores Range and `X-Gitlab-Size` says the file is small enough, it is fetched in one
 * request and scanned in memory.
 */
export const inspectOnnxOverHttp: OnnxInspectHook = async ({ url, headers, fetch }) => {
  try {
    return await inspectOnnx(httpByteSource(url, { headers, fetch }), scanOptionsFor(url));
  } catch (err) {
    if (!(err instanceof OnnxError) || err.code !== 'onnx/range-unsupported') throw err;
    const head = await fetch(url, { method: 'HEAD', headers });
    const size = Number(head.headers.get('x-gitlab-size') ?? head.headers.get('content-length') ?? NaN);
    if (!Number.isFinite(size) || size > WHOLE_ONNX_MAX_BYTES) throw err;
    const res = await fetch(url, { headers });
    if (!res.ok) throw err;
    return inspectOnnx(bufferByteSource(new Uint8Array(await res.arrayBuffer()), err.file));
  }
};

export interface GitLabSourceOptions {
  /** GitLab base URL, e.g. `https://gitlab.example.com` (no `/api/v4`). */
  url: string;
  /** A `read_api` token (personal, group or project access token), sent as `Authorization: Bearer`. */
  token?: string;
  /** Requests in flight at once (default 8). */
  concurrency?: number;
  /** Per-attempt timeout in ms (default 30 000). */
  timeoutMs?: number;
  /** Further transport settings (retries, backoff; tests shorten them). */
  transport?: Omit<TransportOptions, 'concurrency' | 'timeoutMs' | 'secrets'>;
  /** Describe ONNX files (default: `inspectOnnxOverHttp`; `false`: list them without describing them). */
  inspectOnnx?: OnnxInspectHook | false;
  /** LFS pointers read per project at most (default 500); further LFS files are listed without size. */
  maxLfsPointers?: number;
  /**
   * Package versions read per project at most (default 1,000, the newest first; each version of a
   * package counts). The fast path reads the first 20 in its batch and goes to REST past that.
   */
  maxPackageVersions?: number;
  /** DVC files (`*.dvc`, `dvc.lock`) read per project at most (default 200). */
  maxDvcFiles?: number;
  /**
   * Carry a root `preview.png|jpg|jpeg` up to this many bytes into the snapshot, so the catalog
   * republishes it (default 0: not carried; the item links the file's href, which serves it for
   * public projects, and neither a request nor state space is spent).
   */
  carryPreviewMaxBytes?: number;
  /**
   * A project whose `last_activity_at` is unchanged is reused without a request once this long has
   * passed between its `last_activity_at` and the previous check (default 65 min: GitLab moves
   * `last_activity_at` at most once an hour, plus 5 min for clock skew).
   */
  activityGraceMs?: number;
  /** Read a project again after this long even if nothing shows a change (default 7 days). */
  refreshAfterMs?: number;
  /**
   * Read projects through GitLab GraphQL in batches (README, tree, head, release, packages and
   * container repositories in one request per batch), REST for the rest and as the fallback.
   */
  graphql?: boolean;
  /** Projects per GraphQL batch (default 20). */
  graphqlBatchSize?: number;
  now?: () => Date;
  /** Progress and retry lines (never contain the token). */
  log?: (line: string) => void;
}

/** Logical calls made, by purpose (retries are counted by the transport, not here). */
export interface GitLabCallCounts {
  listing: number;
  graphql: number;
  tree: number;
  readme: number;
  head: number;
  release: number;
  license: number;
  packages: number;
  containers: number;
  gitattributes: number;
  lfsPointer: number;
  preview: number;
  /** Raw reads of DVC files (`.dvc/config`, `dvc.lock`, `*.dvc`). */
  dvc: number;
}

/** A project as `GET /projects` lists it (the fields we read). */
interface ListedProject {
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

interface TreeEntry {
  path: string;
  type: string;
}

interface RestRelease {
  tag_name: string;
  name?: string | null;
  description?: string | null;
  released_at?: string | null;
  assets?: { sources?: { format: string; url: string }[] | null } | null;
}

interface RestPackage {
  name: string;
  version?: string;
  package_type: string;
  _links?: { web_path?: string };
}

const PREVIEW_NAMES = ['preview.png', 'preview.jpg', 'preview.jpeg'];
const PREVIEW_TYPES: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg' };

/** What to do with a listed project, given the previous build's record of it. */
export type ChangeDecision = 'reuse' | 'check-head' | 'read';

/**
 * Decide from the listing alone whether a project may have changed (pure; no request).
 * GitLab moves `last_activity_at` on a push only if it is older than one hour (reference/gitlab.md §0.8).
 * So if it is unchanged and the previous check happened at least an hour (+ skew) after it, no push
 * can have happened since that check: reuse. If it is unchanged but recent, a push may hide inside the
 * hour: check the head commit (one request). If it moved: check the head too (activity is not always a
 * push). No previous record, no head, another default branch, or an old snapshot (older than 3/4 to
 * all of `refreshAfterMs`, depending on the project id): read.
 */
export function decideChange(
  listed: { last_activity_at: string; default_branch?: string | null },
  prev: PreviousProject | undefined,
  nowMs: number,
  opts: { activityGraceMs: number; refreshAfterMs: number },
): ChangeDecision {
  if (!prev?.headCommit) return 'read';
  if ((listed.default_branch ?? 'main') !== prev.snapshot.project.defaultBranch) return 'read';
  const readAt = prev.readAt ? Date.parse(prev.readAt) : NaN;
  // each project's refresh age lies between 3/4 and all of refreshAfterMs, fixed by its id, so the
  // projects read together in a first build are not all read again in the same later build
  const spread = 0.75 + 0.25 * (((prev.snapshot.project.id * 2654435761) >>> 0) % 1000) / 1000;
  if (!Number.isFinite(readAt) || nowMs - readAt > opts.refreshAfterMs * spread) return 'read';
  if (listed.last_activity_at !== prev.lastActivityAt) return 'check-head';
  const checkedAt = prev.checkedAt ? Date.parse(prev.checkedAt) : readAt;
  const activity = Date.parse(listed.last_activity_at);
  if (Number.isFinite(activity) && checkedAt - activity >= opts.activityGraceMs) return 'reuse';
  return 'check-head';
}

/** What the source remembers per project for the next build (the state stores it beside the snapshot). */
export interface GitLabProjectMark {
  readAt: string;
  checkedAt: string;
}

export class GitLabSource implements Source {
  readonly description: string;
  readonly transport: GitLabTransport;
  readonly calls: GitLabCallCounts = {
    listing: 0,
    graphql: 0,
    tree: 0,
    readme: 0,
    head: 0,
    release: 0,
    license: 0,
    packages: 0,
    containers: 0,
    gitattributes: 0,
    lfsPointer: 0,
    preview: 0,
    dvc: 0,
  };
  /** After `projects()`: when each listed project was last read / last verified unchanged. */
  readonly marks = new Map<number, GitLabProjectMark>();
  private readonly api: GitLabApi;
  private readonly host: string;
  private readonly o: GitLabSourceOptions;
  private readonly authHeaders: Record<string, string>;
  private readonly batcher: GraphQLBatcher | undefined;

  constructor(opts: GitLabSourceOptions) {
    this.o = opts;
    this.host = opts.url.replace(/\/+$/, '').replace(/\/api\/v4$/, '');
    this.description = `gitlab ${this.host}`;
    this.transport = new GitLabTransport({
      ...opts.transport,
      concurrency: opts.concurrency ?? 8,
      timeoutMs: opts.timeoutMs ?? 30_000,
      secrets: opts.token ? [opts.token] : [],
      onRetry:
        opts.transport?.onRetry ??
        ((r) => opts.log?.(`gitlab: retry ${r.attempt} of ${r.method} ${r.path} (${r.status ?? 'network'}) in ${r.delayMs} ms`)),
    });
    this.api = createGitbeaker(this.host, opts.token, this.transport);
    this.authHeaders = opts.token ? { authorization: `Bearer ${opts.token}` } : {};
    if (opts.graphql) {
      this.batcher = new GraphQLBatcher(
        (ids, files) => {
          this.calls.graphql++;
          return fetchProjectBatch(this.transport, this.host, this.authHeaders, ids, files);
        },
        Math.max(1, Math.min(100, opts.graphqlBatchSize ?? 20)),
        (reason) => opts.log?.(`gitlab: GraphQL batch failed (${reason}); reading over REST from now on`),
        (id, reason) => opts.log?.(`gitlab: project ${id}: GraphQL could not read it (${reason}); reading it over REST`),
        (err) => err instanceof GitLabRequestError && err.timedOut,
      );
    }
  }

  async projects(query: SourceQuery): Promise<SourceListing> {
    const now = (this.o.now ?? (() => new Date()))();
    const excluded = { visibility: 0, archived: 0 };
    const entries: SourceEntry[] = [];
    const failed: FailedProject[] = [];
    const grace = this.o.activityGraceMs ?? 65 * 60 * 1000;
    const refresh = this.o.refreshAfterMs ?? 7 * 24 * 3600 * 1000;
    const nowIso = now.toISOString();

    // Listing pages feed a work queue, so projects are read while the listing goes on.
    const queue: ListedProject[] = [];
    let queued = 0;
    const seen = new Set<number>();
    let listingDone = false;
    let aborted = false;
    let wake: (() => void)[] = [];
    const notify = () => {
      const w = wake;
      wake = [];
      for (const f of w) f();
    };
    const accept = (p: ListedProject) => {
      if (seen.has(p.id)) return;
      seen.add(p.id);
      if (query.accept && !query.accept(p.path_with_namespace)) return; // another shard's project
      // Defence in depth: the server filtered already; a token that sees more must not widen the catalog.
      const vis: Visibility = p.visibility ?? 'public';
      if (!query.visibility.includes(vis)) excluded.visibility++;
      else if (query.archived === 'exclude' && p.archived === true) excluded.archived++;
      else {
        queue.push(p);
        queued++;
        prefetch();
        notify();
      }
    };

    // GraphQL batches fill from the listing, not from free workers: the projects near the head of
    // the queue that will be read are handed to the batcher ahead of time, a batch's worth at once
    // (a bounded look-ahead, so answers do not pile up in memory while workers are busy with REST)
    const prefetched = new Map<number, Promise<GqlProject | null>>();
    const batchSize = Math.max(1, Math.min(100, this.o.graphqlBatchSize ?? 20));
    // past the projects the workers hold, so that a worker finds its next project already asked for
    const lookahead = Math.max(1, (this.o.concurrency ?? 8) * 4) + batchSize * 2;
    const willRead = (q: ListedProject) =>
      decideChange(q, query.previous?.get(q.id), now.getTime(), { activityGraceMs: grace, refreshAfterMs: refresh }) === 'read';
    const prefetch = (taken?: ListedProject) => {
      const batcher = this.batcher;
      if (!batcher || batcher.disabled) return;
      const todo = (taken ? [taken, ...queue] : queue).slice(0, lookahead).filter((q) => !prefetched.has(q.id) && willRead(q));
      const urgent = taken !== undefined && todo[0] === taken;
      // whole batches only, unless a worker waits for a project not yet asked for, or the window
      // holds the whole rest of a finished listing
      const tail = listingDone && queue.length <= lookahead;
      const n = tail || (urgent && todo.length < batchSize) ? todo.length : Math.floor(todo.length / batchSize) * batchSize;
      for (const q of todo.slice(0, n)) prefetched.set(q.id, batcher.get(q.id, batchFiles(q)));
    };

    const readOne = async (p: ListedProject) => {
      const prev = query.previous?.get(p.id);
      try {
        let decision = decideChange(p, prev, now.getTime(), { activityGraceMs: grace, refreshAfterMs: refresh });
        if (decision === 'check-head' && prev) {
          const head = await this.headCommit(p.id, p.default_branch ?? 'main');
          decision = head === prev.headCommit ? 'reuse' : 'read';
        }
        if (decision === 'reuse' && prev) {
          entries.push({ snapshot: this.refreshed(prev, p), origin: 'unchanged' });
          this.marks.set(p.id, { readAt: prev.readAt ?? nowIso, checkedAt: nowIso });
        } else {
          const gq = prefetched.get(p.id);
          prefetched.delete(p.id);
          entries.push({ snapshot: await this.read(p, gq), origin: 'fresh' });
          this.marks.set(p.id, { readAt: nowIso, checkedAt: nowIso });
        }
      } catch (err) {
        const reason = this.transport.redact(err instanceof Error ? err.message : String(err));
        if (prev) {
          const snapshot = this.refreshed(prev, p);
          snapshot.diagnostics = [
            ...snapshot.diagnostics,
            {
              level: 'warning',
              code: 'gitlab/stale',
              message: `could not be read from GitLab (${reason}); the item of the previous build is kept`,
            },
          ];
          entries.push({ snapshot, origin: 'stale' });
          if (prev.readAt && prev.checkedAt) this.marks.set(p.id, { readAt: prev.readAt, checkedAt: prev.checkedAt });
        } else {
          failed.push({
            fullPath: p.path_with_namespace,
            diagnostics: [{ level: 'error', code: 'gitlab/unreadable', message: `could not be read from GitLab (${reason})` }],
          });
        }
        this.o.log?.(`gitlab: ${p.path_with_namespace}: ${reason}`);
      }
    };

    const worker = async () => {
      for (;;) {
        if (aborted) return;
        const p = queue.shift();
        if (p) prefetch(p);
        if (p) {
          await readOne(p);
          query.onProgress?.(entries.length + failed.length, queued);
        } else if (listingDone) return;
        else await new Promise<void>((r) => wake.push(r));
      }
    };

    const listing = (async () => {
      try {
        await Promise.all(query.topics.map((topic) => this.listTopic(topic, query, accept)));
      } catch (err) {
        aborted = true;
        throw err;
      } finally {
        listingDone = true;
        notify();
      }
    })();
    // Enough projects in flight to keep every request slot busy across their dependent steps.
    const workers = Math.max(1, (this.o.concurrency ?? 8) * 4);
    const settled = await Promise.allSettled([listing, ...Array.from({ length: workers }, worker)]);
    this.transport.close();
    const listingResult = settled[0]!;
    // A half-crawled catalog is never published: a failed listing fails the whole source.
    if (listingResult.status === 'rejected') throw listingResult.reason;
    for (const r of settled) if (r.status === 'rejected') throw r.reason;

    entries.sort((a, b) => a.snapshot.project.id - b.snapshot.project.id);
    failed.sort((a, b) => a.fullPath.localeCompare(b.fullPath));
    return { entries, failed, excluded, requests: this.transport.requests, marks: new Map(this.marks) };
  }

  // ---------------------------------------------------------------------------------------------
  // Discovery

  /** The projects carrying one topic (exact name), one keyset page at a time, handed to `accept`. */
  private async listTopic(topic: string, query: SourceQuery, accept: (p: ListedProject) => void): Promise<void> {
    if (topic.includes(',')) {
      // GitLab splits `topic` on commas (AND): such a category topic can never match as one name.
      throw new UsageError(`category topic "${topic}" contains a comma, which GitLab's topic filter cannot express`);
    }
    const only = query.visibility.length === 1 ? query.visibility[0] : undefined;
    const perPage = 100;
    let idAfter: number | undefined;
    let total = 0;
    for (;;) {
      let page: ListedProject[];
      try {
        this.calls.listing++;
        // maxPages 1: one page per call, so reading starts before the listing ends
        page = (await this.api.Projects.all({
          topic,
          pagination: 'keyset',
          orderBy: 'id',
          sort: 'asc',
          perPage,
          maxPages: 1,
          ...(idAfter !== undefined ? { idAfter } : {}),
          ...(only ? { visibility: only } : {}),
          ...(query.archived === 'exclude' ? { archived: false } : {}),
        }));
      } catch (err) {
        const reason = this.transport.redact(err instanceof Error ? err.message : String(err));
        throw new SourceUnreachableError(`GitLab ${this.host}: listing the projects of topic "${topic}" failed: ${reason}`);
      }
      for (const p of page) {
        // exact topic names (the server matches exactly; keep the guarantee if a proxy does not)
        const topics = p.topics ?? p.tag_list ?? [];
        if (topics.includes(topic)) accept(p);
      }
      total += page.length;
      const last = page[page.length - 1];
      // a short page is the last one (keyset pages are full while more records follow)
      if (!last || page.length < perPage) break;
      if (idAfter !== undefined && last.id <= idAfter) {
        throw new SourceUnreachableError(`GitLab ${this.host}: the listing of topic "${topic}" did not advance`);
      }
      idAfter = last.id;
    }
    this.o.log?.(`gitlab: topic "${topic}": ${total} project(s)`);
  }

  // ---------------------------------------------------------------------------------------------
  // Reading one project

  private info(p: ListedProject, extra: Pick<ProjectInfo, 'license' | 'headCommit'>): ProjectInfo {
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
  private refreshed(prev: PreviousProject, p: ListedProject): ProjectSnapshot {
    const old = prev.snapshot.project;
    return {
      ...prev.snapshot,
      project: this.info(p, { license: old.license, headCommit: old.headCommit }),
      // a warning about an earlier failed read is not carried into a later build
      diagnostics: prev.snapshot.diagnostics.filter((d) => d.code !== 'gitlab/stale'),
    };
  }

  private async headCommit(id: number, branch: string): Promise<string | undefined> {
    this.calls.head++;
    try {
      const c = await this.api.Commits.show(id, branch, { stats: false });
      return c.id;
    } catch (err) {
      if (isStatus(err, 404)) return undefined;
      throw err;
    }
  }

  private fileHref(id: number, path: string, branch: string): string {
    return `${this.host}/api/v4/projects/${id}/repository/files/${encodeURIComponent(path)}/raw?ref=${encodeURIComponent(branch)}&lfs=true`;
  }

  /** A raw file (pointer, not LFS object); null on 404. */
  private async raw(id: number, path: string, branch: string): Promise<{ body: string | Blob; commit?: string } | null> {
    try {
      const r = await this.api.RepositoryFiles.showRaw(id, path, branch, { showExpanded: true });
      return { body: r.data, commit: r.headers['x-gitlab-commit-id'] };
    } catch (err) {
      if (isStatus(err, 404)) return null;
      throw err;
    }
  }

  private async tree(id: number, branch: string): Promise<TreeEntry[]> {
    this.calls.tree++;
    try {
      return (await this.api.Repositories.allRepositoryTrees(id, {
        recursive: true,
        pagination: 'keyset',
        perPage: 100,
        ref: branch,
      }));
    } catch (err) {
      if (isStatus(err, 404)) return []; // empty repository
      throw err;
    }
  }

  private async release(p: ListedProject): Promise<ReleaseInfo | null> {
    this.calls.release++;
    let list: RestRelease[];
    try {
      list = await this.api.ProjectReleases.all(p.id, { orderBy: 'released_at', sort: 'desc', perPage: 1, page: 1 });
    } catch (err) {
      if (isStatus(err, 403) || isStatus(err, 404)) return null; // releases feature off
      throw err;
    }
    return list[0] ? this.toRelease(p, list[0]) : null;
  }

  private toRelease(p: ListedProject, r: RestRelease): ReleaseInfo {
    const zip = r.assets?.sources?.find((s) => s.format === 'zip')?.url;
    return {
      tagName: r.tag_name,
      name: r.name ?? r.tag_name,
      ...(r.description ? { description: r.description } : {}),
      ...(r.released_at ? { releasedAt: r.released_at } : {}),
      archiveHref: zip ?? `${this.host}/api/v4/projects/${p.id}/repository/archive.zip?sha=${encodeURIComponent(r.tag_name)}`,
    };
  }

  private async packages(p: ListedProject, diagnostics?: Diagnostic[]): Promise<PackageInfo[]> {
    if (p.packages_enabled === false) return [];
    this.calls.packages++;
    let list: RestPackage[];
    try {
      // every version is a row: read the newest `maxPackageVersions` (100 per page)
      const cap = this.maxPackageVersions();
      list = (await this.api.Packages.all({
        projectId: p.id,
        orderBy: 'created_at',
        sort: 'desc',
        perPage: Math.min(100, cap),
        maxPages: Math.ceil(cap / 100),
      }));
    } catch (err) {
      if (isStatus(err, 403) || isStatus(err, 404)) return [];
      throw err;
    }
    const packages = this.toPackages(p, list.slice(0, this.maxPackageVersions()));
    if (list.length >= this.maxPackageVersions()) {
      diagnostics?.push({
        level: 'info',
        code: 'gitlab/packages-limit',
        message: `more than ${this.maxPackageVersions()} package versions: packages whose versions are all older are not linked`,
      });
    }
    return packages;
  }

  private maxPackageVersions(): number {
    return Math.max(1, this.o.maxPackageVersions ?? 1000);
  }

  /** Newest first in: the latest version of each package name out (SharingHub's `package` links). */
  private toPackages(p: ListedProject, list: RestPackage[]): PackageInfo[] {
    const seen = new Map<string, PackageInfo>();
    for (const k of list) {
      const key = `${k.package_type}\u0000${k.name}`;
      if (seen.has(key)) continue;
      seen.set(key, {
        name: k.name,
        ...(k.version ? { version: k.version } : {}),
        packageType: k.package_type,
        webUrl: k._links?.web_path ? `${this.host}${k._links.web_path}` : `${p.web_url}/-/packages`,
      });
    }
    return [...seen.values()];
  }

  private async containers(p: ListedProject): Promise<ContainerInfo[]> {
    if (p.container_registry_enabled === false || p.container_registry_access_level === 'disabled') return [];
    this.calls.containers++;
    let list: { name: string; location: string; tags?: { name: string }[] }[];
    try {
      list = (await this.api.ContainerRegistry.allRepositories({ projectId: p.id, tags: true, perPage: 100 }));
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

  /** Read a project; `batched` is its fast-path answer when it was asked for ahead of time. */
  private async read(p: ListedProject, batched?: Promise<GqlProject | null>): Promise<ProjectSnapshot> {
    const id = p.id;
    const branch = p.default_branch ?? 'main';
    const diagnostics: Diagnostic[] = [];
    const empty = p.empty_repo === true;
    const readmeName = readmeFromUrl(p.readme_url, branch);
    const readmeCandidates = readmeName ? [readmeName] : readmeName === null ? [] : ['README.md', 'readme.md'];
    const gq = batched ? await batched : this.batcher ? await this.batcher.get(id, batchFiles(p)) : null;
    const gRepo = gq?.repository ?? null;
    const gTree = gRepo?.tree ?? null;
    // the fast path's tree is usable when complete (one page of 100 blobs)
    const gTreeOk = gq !== null && (gTree === null || !gTree.blobs.pageInfo.hasNextPage);
    const gBlobs = new Map((gRepo?.blobs?.nodes ?? []).map((b) => [b.path, b]));

    // The head commit comes from REST facts only: the `X-Gitlab-Commit-Id` of a raw read (the
    // ref's commit, lib/api/files.rb), else `GET /repository/commits/:branch`. Never from the
    // fast path's `tree.lastCommit`, which skips merge commits (see graphql.ts).
    const heads: string[] = [];
    const rawRead = async (path: string) => {
      const r = await this.raw(id, path, branch);
      if (r?.commit) heads.push(r.commit);
      return r;
    };
    const readmeRead = async (path: string) => {
      this.calls.readme++;
      const r = await rawRead(path);
      if (!r) return null;
      return { path, text: typeof r.body === 'string' ? r.body : await r.body.text() };
    };

    const treeP: Promise<TreeEntry[]> = empty
      ? Promise.resolve([])
      : gTreeOk
        ? Promise.resolve((gTree?.blobs.nodes ?? []).map((b) => ({ path: b.path, type: 'blob' })))
        : this.tree(id, branch);
    let readmeP: Promise<{ path: string; text: string } | null>;
    if (gq) {
      const name = readmeCandidates.find((n) => typeof gBlobs.get(n)?.rawTextBlob === 'string');
      readmeP = Promise.resolve(name ? { path: name, text: gBlobs.get(name)!.rawTextBlob! } : null);
    } else readmeP = readmeName ? readmeRead(readmeName) : Promise.resolve(null);
    // the fast path reads 20 package versions; a project with more is read over REST (every version is a node)
    const gPackagesOk = gq !== null && !gq.packages?.pageInfo?.hasNextPage;
    const [entries, readmeFirst, release, packages, containers] = await Promise.all([
      treeP,
      readmeP,
      gq ? Promise.resolve(this.releaseFrom(p, gq)) : this.release(p),
      gPackagesOk ? Promise.resolve(this.packagesFrom(p, gq!)) : this.packages(p, diagnostics),
      gq && (gq.containerRepositories?.nodes.length ?? 0) === 0 ? Promise.resolve([]) : this.containers(p),
    ]);

    const blobs: string[] = [];
    for (const e of entries) {
      if (e.type !== 'blob') continue;
      if (!safeRepoPath(e.path)) {
        diagnostics.push({ level: 'warning', code: 'gitlab/unsafe-path', message: 'a file with an unsafe path was skipped' });
        continue;
      }
      blobs.push(e.path);
    }
    const inRoot = new Set(blobs.filter((b) => !b.includes('/')));

    // README: the file `readme_url` names; without that field (anonymous listing), README.md / readme.md.
    let readme = readmeFirst;
    if (!gq && p.readme_url === undefined && !empty) {
      const name = ['README.md', 'readme.md'].find((n) => inRoot.has(n));
      if (name) readme = await readmeRead(name);
    }

    // License: a well-known LICENSE text the fast path brought is recognised here; else GitLab says.
    let licenseP: Promise<ProjectInfo['license']> = Promise.resolve(null);
    const licenseFile = [...inRoot].find((f) => LICENSE_FILE.test(f));
    if (licenseFile) {
      const text = gBlobs.get(licenseFile)?.rawTextBlob;
      const known = typeof text === 'string' ? detectLicense(text) : null;
      licenseP = known
        ? Promise.resolve({ ...known, url: `${p.web_url}/-/blob/${branch}/${licenseFile}` })
        : this.license(id);
    }
    licenseP.catch(() => undefined); // awaited below; keep an early rejection from going unhandled

    // LFS: the fast path names LFS files (lfsOid); over REST, the root .gitattributes does.
    // The pointer of each gives the size (and the oid when REST found the file).
    const lfs = new Map<string, { oid: string; size: number }>();
    let candidates: string[] = [];
    if (gTreeOk && gq) {
      const oids = new Map((gTree?.blobs.nodes ?? []).filter((b) => b.lfsOid).map((b) => [b.path, b.lfsOid!]));
      candidates = blobs.filter((b) => oids.has(b));
    } else if (inRoot.has('.gitattributes')) {
      this.calls.gitattributes++;
      const attrs = await rawRead('.gitattributes');
      if (attrs && typeof attrs.body === 'string') {
        const isLfs = lfsMatcher(attrs.body);
        candidates = blobs.filter((b) => isLfs(b));
      }
    }
    const cap = this.o.maxLfsPointers ?? 500;
    if (candidates.length > cap) {
      diagnostics.push({
        level: 'info',
        code: 'gitlab/lfs-limit',
        message: `${candidates.length} LFS files; sizes and checksums are read for the first ${cap} only`,
      });
    }
    // No raw read ahead (fast path, no LFS or .dvc file): ask for the head now, beside the other reads.
    const rawAhead = candidates.length > 0 || blobs.some((b) => isDvcMetadata(b) && typeof gBlobs.get(b)?.rawTextBlob !== 'string');
    const earlyHeadP = heads.length === 0 && !rawAhead && !empty ? this.headCommit(id, branch) : undefined;
    earlyHeadP?.catch(() => undefined); // awaited below
    const dvcP = this.readDvc(blobs, gq ? gBlobs : null, rawRead, diagnostics);
    await Promise.all(
      candidates.slice(0, cap).map(async (path) => {
        this.calls.lfsPointer++;
        const r = await rawRead(path);
        const text = r && typeof r.body === 'string' ? r.body : null;
        const ptr = text === null ? null : parseLfsPointer(text);
        if (ptr) lfs.set(path, ptr);
      }),
    );
    const dvc = await dvcP;

    const license = await licenseP;
    const files: RepoFile[] = blobs.map((path) => {
      const ptr = lfs.get(path);
      return {
        path,
        ...(ptr ? { size: ptr.size, sha256: ptr.oid, lfs: { oid: ptr.oid, size: ptr.size } } : {}),
        href: this.fileHref(id, path, branch),
      };
    });

    const carried: ProjectSnapshot['carried'] = [];
    const previewName = PREVIEW_NAMES.find((n) => inRoot.has(n));
    const maxPreview = this.o.carryPreviewMaxBytes ?? 0;
    if (previewName && maxPreview > 0) {
      const ptr = lfs.get(previewName);
      if (!ptr || ptr.size <= maxPreview) {
        this.calls.preview++;
        const bytes = await this.rawBytes(this.fileHref(id, previewName, branch));
        if (bytes && bytes.length <= maxPreview) {
          carried.push({ path: previewName, mediaType: PREVIEW_TYPES[previewName.split('.').pop()!]!, bytes });
        }
      }
    }

    const onnx: ProjectSnapshot['onnx'] = {};
    const inspect = this.o.inspectOnnx === undefined ? inspectOnnxOverHttp : this.o.inspectOnnx;
    if (inspect) {
      const f = transportFetch(this.transport);
      for (const path of blobs.filter((b) => b.toLowerCase().endsWith('.onnx'))) {
        try {
          onnx[path] = await inspect({ url: this.fileHref(id, path, branch), headers: { ...this.authHeaders }, fetch: f });
        } catch (err) {
          diagnostics.push({
            level: 'warning',
            code: 'gitlab/onnx-unreadable',
            file: path,
            message: `ONNX file could not be described: ${this.transport.redact(err instanceof Error ? err.message : String(err))}`,
          });
        }
      }
    }

    // the first raw read's commit (raw reads of one build see one head unless a push lands meanwhile)
    const headCommit = (earlyHeadP ? await earlyHeadP : undefined) ?? heads[0] ?? (empty ? undefined : await this.headCommit(id, branch));

    return {
      project: this.info(p, { license, headCommit }),
      readme: readme ? { path: readme.path, text: readme.text } : null,
      files,
      release,
      packages,
      containers,
      carried,
      onnx,
      diagnostics,
      ...(dvc.length > 0 ? { dvc } : {}),
    };
  }

  /**
   * DVC metadata files as text: `.dvc/config` and the root `dvc.lock` from the fast path when it
   * ran, everything else with one raw read each (at most `maxDvcFiles`). Sorted by path.
   */
  private async readDvc(
    blobs: string[],
    fromBatch: Map<string, { path: string; rawTextBlob: string | null }> | null,
    rawRead: (path: string) => Promise<{ body: string | Blob } | null>,
    diagnostics: Diagnostic[],
  ): Promise<DvcFileText[]> {
    const wanted = blobs.filter((b) => isDvcMetadata(b));
    if (wanted.length === 0) return [];
    const cap = Math.max(0, this.o.maxDvcFiles ?? 200);
    const out: DvcFileText[] = [];
    const viaRest: string[] = [];
    for (const path of wanted) {
      const text = fromBatch?.get(path)?.rawTextBlob;
      if (typeof text === 'string') out.push({ path, text });
      else viaRest.push(path);
    }
    if (viaRest.length > cap) {
      diagnostics.push({
        level: 'info',
        code: 'gitlab/dvc-limit',
        message: `${viaRest.length} DVC files; the first ${cap} are read`,
      });
    }
    await Promise.all(
      viaRest.slice(0, cap).map(async (path) => {
        this.calls.dvc++;
        const r = await rawRead(path);
        if (!r) return;
        out.push({ path, text: typeof r.body === 'string' ? r.body : await r.body.text() });
      }),
    );
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  private releaseFrom(p: ListedProject, gq: GqlProject): ReleaseInfo | null {
    const r = gq.releases?.nodes[0];
    if (!r) return null;
    return this.toRelease(p, {
      tag_name: r.tagName,
      name: r.name,
      description: r.description,
      ...(r.releasedAt ? { released_at: r.releasedAt } : {}),
      assets: { sources: r.assets?.sources?.nodes ?? [] },
    });
  }

  private packagesFrom(p: ListedProject, gq: GqlProject): PackageInfo[] {
    return this.toPackages(
      p,
      (gq.packages?.nodes ?? []).map((k) => ({
        name: k.name,
        ...(k.version ? { version: k.version } : {}),
        package_type: k.packageType.toLowerCase(),
        ...(k._links?.webPath ? { _links: { web_path: k._links.webPath } } : {}),
      })),
    );
  }

  private async license(id: number): Promise<ProjectInfo['license']> {
    this.calls.license++;
    const p = await this.api.Projects.show(id, { license: true });
    if (!p.license?.key) return null;
    return { key: p.license.key, ...(p.license.name ? { name: p.license.name } : {}), url: p.license_url ?? null };
  }

  /** Real bytes of a file (LFS resolved), through the transport; null on 404. */
  private async rawBytes(url: string): Promise<Uint8Array | null> {
    const r = await this.transport.request(url, { headers: { ...this.authHeaders } });
    if (r.status === 404) return null;
    if (r.status >= 400) {
      throw new GitLabRequestError(`GET ${new URL(url).pathname}: HTTP ${r.status}`, { status: r.status, method: 'GET', path: new URL(url).pathname });
    }
    return r.body;
  }
}

/** Build the GitLab source (what `stachub build --gitlab-url` uses). */
export function createGitLabSource(opts: GitLabSourceOptions): GitLabSource {
  return new GitLabSource(opts);
}

/** A `fetch` that sends through the transport (used by the ONNX byte source for its Range reads). */
export function transportFetch(t: GitLabTransport): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.toString() : input.url;
    const headers: Record<string, string> = {};
    new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined)).forEach((v, k) => {
      headers[k] = v;
    });
    const r = await t.request(url, { method: init?.method ?? 'GET', headers, ...(init?.redirect ? { redirect: init.redirect } : {}) });
    const nullBody = r.status === 204 || r.status === 304 || (init?.method ?? 'GET') === 'HEAD';
    const res = new Response(nullBody ? null : r.body, { status: r.status, headers: r.headers });
    Object.defineProperty(res, 'url', { value: r.url });
    return res;
  }) as typeof fetch;
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
function batchFiles(p: ListedProject): string[] {
  const readmeName = readmeFromUrl(p.readme_url, p.default_branch ?? 'main');
  const readme = readmeName ? [readmeName] : readmeName === null ? [] : ['README.md', 'readme.md'];
  return [...readme, ...LICENSE_FILES, ...DVC_FILES];
}

/** Repository paths from outside are not trusted: relative, POSIX, no `..`, no control characters. */
export function safeRepoPath(p: string): boolean {
  if (!p || p.startsWith('/') || p.includes('\\') || /[\u0000-\u001f]/.test(p)) return false;
  return !p.split('/').some((s) => s === '..' || s === '.' || s === '');
}

function isStatus(err: unknown, status: number): boolean {
  return err instanceof GitLabRequestError && err.status === status;
}
