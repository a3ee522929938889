/**
 * The optional GraphQL fast path: one `POST /api/graphql` reads the README, LICENSE and DVC
 * (`.dvc/config`, `dvc.lock`) blobs, the recursive tree with LFS oids, the latest release, the
 * packages and the container repositories of a batch of projects (reference/gitlab.md §3). What it
 * cannot give (a tree past 100 files, more than 20 package versions, container tags, sizes of LFS
 * objects, an unrecognised license, the head commit) is read over REST for that project only.
 *
 * The head commit is never taken from `tree.lastCommit`: GitLab answers it with Gitaly's
 * `LastCommitForPath` (`git log -1 <rev> -- .`), which skips a merge commit whose tree equals a
 * parent's, so it is not the branch head (app/graphql/resolvers/last_commit_resolver.rb).
 *
 * Errors: GitLab answers a field that fails (graphql-ruby's 30 s `Timeout` on one slow tree, an
 * `ExecutionError` in one resolver) with `data` (that field null) plus `errors[].path`; only the
 * projects those paths name are read over REST, or, for a timeout, sent again in smaller batches.
 * An answer without `data` (a query this GitLab's schema refuses, a server error) turns the fast
 * path off for the rest of the crawl.
 */
import { SourceUnreachableError } from '../../errors.js';
import type { GitLabTransport } from './transport.js';

/** Files asked for in every batch besides the README names of its projects. */
export const LICENSE_FILES = ['LICENSE', 'LICENSE.md', 'LICENSE.txt', 'LICENCE', 'COPYING'];
/** DVC files at fixed paths, asked for in every batch (the `.dvc` files themselves are read over REST). */
export const DVC_FILES = ['.dvc/config', 'dvc.lock'];
/** Package versions one batch reads per project (each version is a node); more: REST for that project. */
export const GRAPHQL_PACKAGE_VERSIONS = 20;

export const PROJECTS_QUERY = `query StachubProjects($ids: [ID!], $first: Int, $files: [String!]!) {
  projects(ids: $ids, first: $first, sort: "id_asc") {
    nodes {
      id
      repository {
        rootRef
        empty
        blobs(paths: $files) { nodes { path rawTextBlob } }
        tree(recursive: true) {
          blobs(first: 100) { pageInfo { hasNextPage } nodes { path lfsOid } }
        }
      }
      releases(first: 1, sort: RELEASED_AT_DESC) {
        nodes { tagName name description releasedAt assets { sources { nodes { format url } } } }
      }
      packages(first: ${GRAPHQL_PACKAGE_VERSIONS}, sort: CREATED_DESC) {
        pageInfo { hasNextPage endCursor }
        nodes { name version packageType _links { webPath } }
      }
      containerRepositories(first: 20, sort: CREATED_DESC) { nodes { name location } }
    }
  }
}`;

/** One project as the fast path returns it. */
export interface GqlProject {
  id: string;
  repository: {
    rootRef: string | null;
    empty: boolean;
    blobs: { nodes: { path: string; rawTextBlob: string | null }[] } | null;
    tree: {
      blobs: { pageInfo: { hasNextPage: boolean }; nodes: { path: string; lfsOid: string | null }[] };
    } | null;
  } | null;
  releases: {
    nodes: {
      tagName: string;
      name: string | null;
      description: string | null;
      releasedAt: string | null;
      assets: { sources: { nodes: { format: string; url: string }[] } | null } | null;
    }[];
  } | null;
  packages: {
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    nodes: { name: string; version: string | null; packageType: string; _links: { webPath: string | null } | null }[];
  } | null;
  containerRepositories: { nodes: { name: string; location: string }[] } | null;
}

/** A batch that gave no data at all: the fast path is turned off (the REST readers take over). */
export class GraphQLBatchError extends SourceUnreachableError {}

/** What one batch request gave. */
export interface BatchResult {
  /** Projects read in full. */
  nodes: Map<number, GqlProject>;
  /** Projects a field error named (read over REST), with the error's message. */
  failed: Map<number, string>;
  /** Projects whose fields ran past GitLab's GraphQL timeout (worth a smaller batch). */
  timedOut: Set<number>;
}

interface GqlError {
  message?: string;
  path?: (string | number)[];
  extensions?: { code?: string };
}

/** graphql-ruby's `GraphQL::Schema::Timeout` error: "Timeout on Type.field" (GitLab adds code `timeout` on some versions). */
function isTimeout(e: GqlError): boolean {
  return e.extensions?.code === 'timeout' || /^Timeout on /.test(e.message ?? '');
}

/** Run the batch query for these project ids. */
export async function fetchProjectBatch(
  transport: GitLabTransport,
  host: string,
  headers: Record<string, string>,
  ids: number[],
  files: string[],
): Promise<BatchResult> {
  const body = JSON.stringify({
    query: PROJECTS_QUERY,
    variables: { ids: ids.map((id) => `gid://gitlab/Project/${id}`), first: ids.length, files },
  });
  const res = await transport.request(`${host}/api/graphql`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json', accept: 'application/json' },
    body,
    // a batch that failed twice is read over REST rather than retried at length (GitLab stops queries at 30 s)
    maxRetries: 1,
  });
  let json: { data?: { projects?: { nodes?: (GqlProject | null)[] } | null } | null; errors?: GqlError[] };
  try {
    json = JSON.parse(new TextDecoder().decode(res.body)) as typeof json;
  } catch {
    throw new GraphQLBatchError(`HTTP ${res.status}, not JSON`);
  }
  const nodes = json.data?.projects?.nodes;
  if (res.status !== 200 || !nodes) {
    const msg = json.errors?.map((e) => e.message).filter(Boolean).join('; ');
    throw new GraphQLBatchError(transport.redact(`HTTP ${res.status}${msg ? `: ${msg}` : ''}`));
  }
  const idOf = (n: GqlProject | null | undefined) => (n ? Number(/\/(\d+)$/.exec(n.id)?.[1] ?? NaN) : NaN);
  // nodes come sorted by id (`sort: "id_asc"`); when all came back, a node nulled by an error
  // (a non-null field such as `id` timed out) is still known by its place
  const sorted = [...ids].sort((a, b) => a - b);
  const idAt = (i: number) => {
    const own = idOf(nodes[i]);
    return Number.isFinite(own) ? own : nodes.length === ids.length ? (sorted[i] ?? NaN) : NaN;
  };
  const result: BatchResult = { nodes: new Map(), failed: new Map(), timedOut: new Set() };
  let unplaced = false;
  for (const e of json.errors ?? []) {
    // errors[].path = ["projects", "nodes", <index>, ...field names]
    const at = e.path?.[0] === 'projects' && e.path[1] === 'nodes' && typeof e.path[2] === 'number' ? e.path[2] : undefined;
    const id = at === undefined ? NaN : idAt(at);
    if (!Number.isFinite(id)) {
      unplaced = true;
      continue;
    }
    if (isTimeout(e)) result.timedOut.add(id);
    else if (!result.failed.has(id)) result.failed.set(id, transport.redact(e.message ?? 'field error'));
  }
  for (const n of nodes) {
    const id = idOf(n);
    if (!n || !Number.isFinite(id) || result.failed.has(id) || result.timedOut.has(id)) continue;
    // an error that names no project leaves every project of the batch in doubt: REST for all
    if (unplaced) result.failed.set(id, 'a field error without a path');
    else result.nodes.set(id, n);
  }
  return result;
}

/** Why a project got no fast-path data: the caller reads it over REST. */
export type BatchMiss = { reason: string };

/**
 * Collects projects to read and sends them in batches (DataLoader style): a batch goes when it is
 * full or when no more projects arrive within a few milliseconds. After a batch timed out (GitLab's
 * 30 s GraphQL timeout, or the transport's), the batch size is halved and the projects it could not
 * read are sent again, so one large repository ends up costing its own small batch instead of
 * failing twenty projects; a project that times out alone is read over REST.
 */
export class GraphQLBatcher {
  private pending: { id: number; files: string[]; resolve: (p: GqlProject | null) => void }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private firstPendingAt = 0;
  /** Set after an answer without data: the rest of the crawl uses REST. */
  disabled = false;
  batches = 0;
  /** Projects sent again in a smaller batch after a timeout. */
  resent = 0;
  /** Projects a batch could not read (field errors, timeouts alone), read over REST. */
  missed = 0;
  /** Projects per batch now (starts at the configured size, halves after a timeout). */
  size: number;
  /** An answer with data came back: batches may run in parallel (until then one probe batch at a time). */
  private confirmed = false;
  private inFlight = 0;

  constructor(
    private readonly run: (ids: number[], files: string[]) => Promise<BatchResult>,
    size: number,
    private readonly onFailure: (reason: string) => void,
    private readonly onMiss: (id: number, reason: string) => void = () => undefined,
    /** Whether a thrown error is a timeout (a smaller batch may pass) rather than a refusal. */
    private readonly isTimeoutError: (err: unknown) => boolean = () => false,
  ) {
    this.size = size;
  }

  /** The project's fast-path data, or null when REST must be used. */
  get(id: number, files: string[]): Promise<GqlProject | null> {
    if (this.disabled) return Promise.resolve(null);
    return new Promise((resolve) => this.enqueue({ id, files, resolve }, false));
  }

  private enqueue(item: { id: number; files: string[]; resolve: (p: GqlProject | null) => void }, front: boolean): void {
    if (this.pending.length === 0) this.firstPendingAt = Date.now();
    if (front) this.pending.unshift(item);
    else this.pending.push(item);
    if (this.pending.length >= this.size) this.flush();
    else this.schedule();
  }

  /** Wait for more projects while they keep coming (10 ms quiet), but not past 50 ms. */
  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    const wait = Math.max(0, Math.min(10, this.firstPendingAt + 50 - Date.now()));
    this.timer = setTimeout(() => this.flush(), wait);
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    // until GitLab has answered one batch with data, one batch at a time: a GitLab that refuses the
    // query costs one failed batch, not one per batch in flight
    if (!this.confirmed && this.inFlight > 0) return;
    const batch = this.pending.splice(0, this.size);
    if (batch.length === 0) return;
    if (this.pending.length > 0) {
      this.firstPendingAt = Date.now();
      this.schedule();
    }
    this.batches++;
    this.inFlight++;
    const files = [...new Set(batch.flatMap((b) => b.files))];
    this.run(
      batch.map((b) => b.id),
      files,
    ).then(
      (r) => {
        this.inFlight--;
        const wasConfirmed = this.confirmed;
        this.confirmed = true;
        if (r.timedOut.size > 0 && batch.length > 1) this.size = Math.max(1, Math.min(this.size, Math.floor(batch.length / 2)));
        for (const b of batch) {
          const node = r.nodes.get(b.id);
          if (node) b.resolve(node);
          else if (r.timedOut.has(b.id) && batch.length > 1 && !this.disabled) {
            this.resent++;
            this.enqueue(b, true);
          } else this.miss(b, r.failed.get(b.id) ?? (r.timedOut.has(b.id) ? 'timed out alone' : 'not in the answer'));
        }
        if (!wasConfirmed) this.drain();
      },
      (err: unknown) => {
        this.inFlight--;
        const reason = err instanceof Error ? err.message : String(err);
        if (this.isTimeoutError(err) && !this.disabled) {
          // no answer in time: smaller batches; a project alone that still times out goes to REST
          if (batch.length > 1) {
            this.size = Math.max(1, Math.min(this.size, Math.floor(batch.length / 2)));
            this.resent += batch.length;
            for (const b of [...batch].reverse()) this.enqueue(b, true);
          } else for (const b of batch) this.miss(b, reason);
          this.drain();
          return;
        }
        this.disabled = true;
        this.onFailure(reason);
        for (const b of batch) b.resolve(null);
        for (const b of this.pending.splice(0)) b.resolve(null);
      },
    );
  }

  /** Send what waited behind the probe batch: full batches now, the remainder after the usual pause. */
  private drain(): void {
    while (this.pending.length >= this.size && (this.confirmed || this.inFlight === 0)) this.flush();
    if (this.pending.length > 0) this.schedule();
  }

  private miss(b: { id: number; resolve: (p: GqlProject | null) => void }, reason: string): void {
    this.missed++;
    this.onMiss(b.id, reason);
    b.resolve(null);
  }
}
