/**
 * The optional GraphQL fast path: one `POST /api/graphql` reads the README (and LICENSE) blobs,
 * the recursive tree with LFS oids, the head commit, the latest release, the packages and the
 * container repositories of a batch of projects (reference/gitlab.md §3). What it cannot give
 * (a tree past 100 files, container tags, sizes of LFS objects, an unrecognised license) is read
 * over REST for that project only; a failed batch falls back to REST for its projects.
 */
import type { GitLabTransport } from './transport.js';

/** Files asked for in every batch besides the README names of its projects. */
export const LICENSE_FILES = ['LICENSE', 'LICENSE.md', 'LICENSE.txt', 'LICENCE', 'COPYING'];

export const PROJECTS_QUERY = `query StachubProjects($ids: [ID!], $first: Int, $files: [String!]!) {
  projects(ids: $ids, first: $first, sort: "id_asc") {
    nodes {
      id
      repository {
        rootRef
        empty
        blobs(paths: $files) { nodes { path rawTextBlob } }
        tree(recursive: true) {
          lastCommit { sha }
          blobs(first: 100) { pageInfo { hasNextPage } nodes { path lfsOid } }
        }
      }
      releases(first: 1, sort: RELEASED_AT_DESC) {
        nodes { tagName name description releasedAt assets { sources { nodes { format url } } } }
      }
      packages(first: 20, sort: CREATED_DESC) { nodes { name version packageType _links { webPath } } }
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
      lastCommit: { sha: string } | null;
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
  packages: { nodes: { name: string; version: string | null; packageType: string; _links: { webPath: string | null } | null }[] } | null;
  containerRepositories: { nodes: { name: string; location: string }[] } | null;
}

export class GraphQLBatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GraphQLBatchError';
  }
}

/** Run the batch query for these project ids; resolves to nodes by numeric id. */
export async function fetchProjectBatch(
  transport: GitLabTransport,
  host: string,
  headers: Record<string, string>,
  ids: number[],
  files: string[],
): Promise<Map<number, GqlProject>> {
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
  let json: { data?: { projects?: { nodes?: (GqlProject | null)[] } | null } | null; errors?: { message?: string }[] };
  try {
    json = JSON.parse(new TextDecoder().decode(res.body)) as typeof json;
  } catch {
    throw new GraphQLBatchError(`HTTP ${res.status}, not JSON`);
  }
  if (res.status !== 200 || json.errors?.length || !json.data?.projects?.nodes) {
    const msg = json.errors?.map((e) => e.message).filter(Boolean).join('; ');
    throw new GraphQLBatchError(transport.redact(`HTTP ${res.status}${msg ? `: ${msg}` : ''}`));
  }
  const out = new Map<number, GqlProject>();
  for (const n of json.data.projects.nodes) {
    const id = n ? Number(/\/(\d+)$/.exec(n.id)?.[1] ?? NaN) : NaN;
    if (n && Number.isFinite(id)) out.set(id, n);
  }
  return out;
}

/**
 * Collects projects to read and sends them in batches (DataLoader style): a batch goes when it is
 * full or when no more projects arrive within a few milliseconds.
 */
export class GraphQLBatcher {
  private pending: { id: number; files: string[]; resolve: (p: GqlProject | null) => void }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private firstPendingAt = 0;
  /** Set after a failed batch: the rest of the crawl uses REST. */
  disabled = false;
  batches = 0;

  constructor(
    private readonly run: (ids: number[], files: string[]) => Promise<Map<number, GqlProject>>,
    private readonly size: number,
    private readonly onFailure: (reason: string) => void,
  ) {}

  /** The project's fast-path data, or null when REST must be used. */
  get(id: number, files: string[]): Promise<GqlProject | null> {
    if (this.disabled) return Promise.resolve(null);
    return new Promise((resolve) => {
      if (this.pending.length === 0) this.firstPendingAt = Date.now();
      this.pending.push({ id, files, resolve });
      if (this.pending.length >= this.size) this.flush();
      else this.schedule();
    });
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
    const batch = this.pending.splice(0, this.size);
    if (batch.length === 0) return;
    if (this.pending.length > 0) {
      this.firstPendingAt = Date.now();
      this.schedule();
    }
    this.batches++;
    const files = [...new Set(batch.flatMap((b) => b.files))];
    this.run(
      batch.map((b) => b.id),
      files,
    ).then(
      (byId) => {
        for (const b of batch) b.resolve(byId.get(b.id) ?? null);
      },
      (err: unknown) => {
        this.disabled = true;
        this.onFailure(err instanceof Error ? err.message : String(err));
        for (const b of batch) b.resolve(null);
        for (const b of this.pending.splice(0)) b.resolve(null);
      },
    );
  }
}
