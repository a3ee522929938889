/**
 * A fake GitLab REST API (v4) on 127.0.0.1, for tests and benchmarks of the GitLab source.
 *
 * What it guarantees (reference/gitlab.md §7, with the section each behaviour comes from):
 * - Routes: `GET /api/v4/projects`, `/projects/:id`, `/projects/:id/repository/tree`,
 *   `/projects/:id/repository/files/:file_path/raw` (+ `HEAD`), `GET /projects/:id/repository/files/:file_path`
 *   (JSON, base64), `/projects/:id/repository/commits` and `/commits/:sha`, `/projects/:id/releases`
 *   (+ `/permalink/latest`), `/projects/:id/packages`, `/projects/:id/registry/repositories`, `/topics`,
 *   and `POST /api/graphql` (see `graphql.ts`).
 * - `:id` is a numeric id or a `%2F`-encoded full path; `:file_path` must be `%2F`-encoded: a raw `/`
 *   does not match the route (404). Segments are decoded from the raw request path (§1).
 * - `topic=a,b` is an AND over exact, case-sensitive topic names; unknown topic → `[]`; `topics` and
 *   `tag_list` are sorted (§1.1). `visibility`, `archived`, `membership`, `simple`, `order_by`, `sort`,
 *   `last_activity_after`, `id_after`/`id_before` filter as documented.
 * - Visibility by token: anonymous sees public projects only and gets the simple field set; a user
 *   token also sees internal projects and the private projects it is a member of (admins all);
 *   a project the caller cannot see is `404 Project Not Found` (§1.2, §1.8). `readme_url` is given
 *   only to callers that can read code (always here) and is null without README.
 * - Offset pagination: `per_page` default 20, capped at 100; `x-page x-per-page x-next-page
 *   x-prev-page x-total x-total-pages` + `Link` (prev/next/first/last, with every original param);
 *   `x-total*` and `rel="last"` are dropped above 10,000 rows; projects offset beyond 50,000 → 405 (§2.1).
 * - Projects keyset: needs `order_by=id` (else 405); `sort=asc` → `id_after`, `desc` → `id_before`;
 *   `rel="next"` on every non-empty page, final `[]` without Link (§2.2).
 * - Tree: `recursive`, `path`, `ref`; `pagination=keyset` gives a `page_token` Link only when the page
 *   is full; `pagination=none` only with `recursive=true` (400 otherwise); legacy pagination is offset;
 *   unknown ref / empty repository → `404 Tree Not Found` (§1.4).
 * - Raw files: text as `text/plain; charset=utf-8`, binary as `application/octet-stream`, with the
 *   `X-Gitlab-*` headers (incl. `X-Gitlab-Commit-Id`, the ref's head, and `X-Gitlab-Last-Commit-Id`,
 *   the last commit that changed the file: lib/api/files.rb `blob_data`); LFS files give the pointer unless
 *   `lfs=true`, which gives the object (Range requests honoured there, 206), optionally through a 302 to
 *   a second origin (`lfsRedirect`) that records the headers it received (§1.3).
 * - Errors are JSON `{"message": "404 Project Not Found" | "404 File Not Found" | "404 Commit Not Found"
 *   | "401 Unauthorized"}` (§1.8).
 * - Auth: `PRIVATE-TOKEN`, `Authorization: Bearer`, `JOB-TOKEN`, `?private_token=`; an unknown token is
 *   401; a job token is refused (401) on the project list and the tree (§5.6).
 * - Faults, injected per route and project: 429 in Rack::Attack form (plain text `Retry later`,
 *   `Retry-After`, `RateLimit-*`) and in application form (JSON `{"message":{"error":...}}`, no
 *   headers) (§2.3), any 5xx, connection resets, and slow responses; plus a global latency.
 * - History: `push` adds a commit; `merge` merges a merge request with a merge commit whose tree
 *   equals the merged commit's, the case where Gitaly's last commit for `.` is not the head (model.ts).
 * - A request log (`requests`) so tests count calls per route.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { executeGraphQL, schemaWithout } from './graphql.js';
import {
  createProject,
  lastCommitForPath,
  mergeRequest,
  pushCommit,
  sha256Hex,
  type FakeFileInput,
  type FakeProject,
  type FakeProjectInput,
  type FakeVisibility,
} from './model.js';

export type RouteName =
  | 'projects'
  | 'project'
  | 'tree'
  | 'raw'
  | 'file'
  | 'commits'
  | 'commit'
  | 'releases'
  | 'packages'
  | 'registry'
  | 'topics'
  | 'lfs-object'
  | 'graphql'
  | 'unknown';

export interface LoggedRequest {
  method: string;
  route: RouteName;
  /** The raw request path with its query. */
  url: string;
  projectId?: number;
  status: number;
  auth: 'none' | 'bearer' | 'private-token' | 'job-token' | 'query-token';
  /** For GraphQL: the project ids the query's `ids` variable names. */
  graphqlIds?: number[];
}

/** A fault answered instead of the normal response, `times` times (default forever), for matching requests. */
export interface Fault {
  route?: RouteName;
  projectId?: number;
  /** `rate-limit` = Rack::Attack 429 with headers; `rate-limit-json` = application limiter 429, no headers. */
  kind: 'rate-limit' | 'rate-limit-json' | 'status' | 'reset' | 'delay';
  /** For `status`: e.g. 500, 502, 503. */
  status?: number;
  /** Seconds announced in `Retry-After` for `rate-limit`. */
  retryAfter?: number;
  /** For `delay`: extra milliseconds before the (normal) answer. */
  delayMs?: number;
  times?: number;
}

export interface FakeGitLabOptions {
  /** Token → user. `admin` users see every project. */
  tokens?: Record<string, { user: string; admin?: boolean }>;
  /** CI job tokens → user. */
  jobTokens?: Record<string, string>;
  /** Latency added to every answer, in milliseconds. */
  latencyMs?: number;
  /** Answer `lfs=true` for LFS files with a 302 to a second origin serving the object. */
  lfsRedirect?: boolean;
  /** The fake clock (project dates, activity rule). */
  now?: () => Date;
  /** Extra server time per project a GraphQL query names in `ids` (GitLab calls Gitaly for each). */
  graphqlMsPerProject?: number;
  /** GraphQL fields this GitLab lacks (`Type.field`): a query naming one gets HTTP 200, `errors`, no `data`. */
  graphqlHiddenFields?: string[];
  /** GitLab's GraphQL timeout in virtual milliseconds (default 30 000; see `graphqlTreeMs`). */
  graphqlTimeoutMs?: number;
  /** Virtual Gitaly time of one recursive tree in a GraphQL query (default 0; per project: `graphqlTreeMs`). */
  graphqlDefaultTreeMs?: number;
}

interface Caller {
  kind: 'anonymous' | 'user' | 'job';
  user?: string;
  admin?: boolean;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(typeof body === 'string' ? body : JSON.stringify(body));
  }
}

const notFound = (what: string) => new HttpError(404, { message: `404 ${what} Not Found` });

export class FakeGitLab {
  readonly projects = new Map<number, FakeProject>();
  readonly requests: LoggedRequest[] = [];
  readonly faults: Fault[] = [];
  /** Virtual Gitaly time of a project's recursive tree in GraphQL queries (a large repository). */
  readonly graphqlTreeMs = new Map<number, number>();
  /** Projects whose GraphQL `repository` field fails with this message (a field error, data kept). */
  readonly graphqlFieldErrors = new Map<number, string>();
  /** Headers received by the second (object storage) origin, one entry per request. */
  readonly objectStoreRequests: Record<string, string | string[] | undefined>[] = [];
  latencyMs: number;
  private readonly server: http.Server;
  private readonly objectStore: http.Server;
  private readonly opts: FakeGitLabOptions;
  private port = 0;
  private objectStorePort = 0;
  private nextContainerId = 1;
  private gqlSchema: ReturnType<typeof schemaWithout> | undefined;
  private objects = new Map<string, Uint8Array>();

  constructor(opts: FakeGitLabOptions = {}) {
    this.opts = opts;
    this.latencyMs = opts.latencyMs ?? 0;
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 30_000;
    this.objectStore = http.createServer((req, res) => this.handleObjectStore(req, res));
  }

  /** `http://127.0.0.1:PORT` (what `--gitlab-url` takes). */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  now(): Date {
    return this.opts.now ? this.opts.now() : new Date();
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    if (this.opts.lfsRedirect) {
      await new Promise<void>((resolve) => this.objectStore.listen(0, '127.0.0.1', resolve));
      this.objectStorePort = (this.objectStore.address() as AddressInfo).port;
    }
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    if (this.opts.lfsRedirect) {
      this.objectStore.closeAllConnections();
      await new Promise<void>((resolve) => this.objectStore.close(() => resolve()));
    }
  }

  addProject(input: FakeProjectInput): FakeProject {
    const p = createProject(input, this.now());
    this.projects.set(p.id, p);
    return p;
  }

  /** Commit to the default branch (see `pushCommit`); returns the new head. */
  push(id: number, changes: Record<string, string | Uint8Array | FakeFileInput | null>): string {
    return pushCommit(this.mustGet(id), changes, this.now());
  }

  /** Merge a merge request with a merge commit (see `mergeRequest`); returns the new head, the merge commit. */
  merge(id: number, changes: Record<string, string | Uint8Array | FakeFileInput | null>): string {
    return mergeRequest(this.mustGet(id), changes, this.now());
  }

  setTopics(id: number, topics: string[]): void {
    const p = this.mustGet(id);
    p.topics = [...new Set(topics)].sort();
    p.updatedAt = this.now().toISOString();
  }

  setVisibility(id: number, visibility: FakeVisibility): void {
    const p = this.mustGet(id);
    p.visibility = visibility;
    p.updatedAt = this.now().toISOString();
  }

  addContainer(id: number, name: string, tags: string[]): void {
    const p = this.mustGet(id);
    const path = name ? `${p.fullPath}/${name}` : p.fullPath;
    p.containers.push({ id: this.nextContainerId++, name, path, location: `registry.example.com/${path}`, tags });
  }

  /** Requests logged for a route (and project). */
  count(route?: RouteName, projectId?: number): number {
    return this.requests.filter((r) => (!route || r.route === route) && (projectId === undefined || r.projectId === projectId))
      .length;
  }

  clearLog(): void {
    this.requests.length = 0;
  }

  private sortedCache: { size: number; list: FakeProject[] } | undefined;
  private sortedById(): FakeProject[] {
    if (!this.sortedCache || this.sortedCache.size !== this.projects.size) {
      this.sortedCache = { size: this.projects.size, list: [...this.projects.values()].sort((a, b) => a.id - b.id) };
    }
    return this.sortedCache.list;
  }

  private mustGet(id: number): FakeProject {
    const p = this.projects.get(id);
    if (!p) throw new Error(`no fake project ${id}`);
    return p;
  }

  // ---------------------------------------------------------------------------------------------
  // HTTP

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const rawPath = q < 0 ? rawUrl : rawUrl.slice(0, q);
    const query = new URLSearchParams(q < 0 ? '' : rawUrl.slice(q + 1));
    const entry: LoggedRequest = { method: req.method ?? 'GET', route: 'unknown', url: rawUrl, status: 0, auth: 'none' };
    this.requests.push(entry);
    const bodyP = new Promise<string>((resolve) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', () => resolve(''));
    });
    try {
      const match = this.route(rawPath);
      entry.route = match.route;
      entry.auth = authKind(req, query);
      if (match.route === 'lfs-object') {
        // served by the object store origin, never here
        throw new HttpError(404, { message: '404 Not Found' });
      }
      const projectKey = match.params.id;
      if (projectKey !== undefined) {
        const pid = this.lookupId(projectKey);
        if (pid !== undefined) entry.projectId = pid;
      }
      const latency = this.latencyMs;
      if (latency > 0) await sleep(latency);
      const fault = this.takeFault(match.route, entry.projectId);
      if (fault) {
        if (fault.kind === 'delay') await sleep(fault.delayMs ?? 1000);
        else if (fault.kind === 'reset') {
          entry.status = -1;
          req.socket.destroy();
          return;
        } else if (fault.kind === 'rate-limit') {
          const retryAfter = fault.retryAfter ?? 1;
          const nowS = Math.floor(Date.now() / 1000);
          entry.status = 429;
          res.writeHead(429, {
            'content-type': 'text/plain',
            'retry-after': String(retryAfter),
            'ratelimit-name': 'throttle_authenticated_api',
            'ratelimit-limit': '2000',
            'ratelimit-observed': '2001',
            'ratelimit-remaining': '0',
            'ratelimit-reset': String(nowS + retryAfter),
            'ratelimit-resettime': new Date((nowS + retryAfter) * 1000).toUTCString(),
          });
          res.end('Retry later\n');
          return;
        } else if (fault.kind === 'rate-limit-json') {
          entry.status = 429;
          sendJson(res, 429, { message: { error: 'This endpoint has been requested too many times. Try again later.' } });
          return;
        } else {
          const status = fault.status ?? 500;
          entry.status = status;
          sendJson(res, status, { message: `${status} Internal Server Error` });
          return;
        }
      }
      if (match.route === 'graphql') {
        await this.graphql(req, query, await bodyP, res, entry);
        return;
      }
      const caller = this.caller(req, query);
      await this.dispatch(match, query, caller, req, res, entry);
    } catch (err) {
      if (err instanceof HttpError) {
        entry.status = err.status;
        if (!res.headersSent) sendJson(res, err.status, err.body);
        else res.end();
      } else {
        entry.status = 500;
        if (!res.headersSent) sendJson(res, 500, { message: '500 Internal Server Error' });
        else res.end();
      }
    }
  }

  private handleObjectStore(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.objectStoreRequests.push({ ...req.headers });
    const oid = (req.url ?? '').split('?')[0]!.split('/').pop() ?? '';
    const obj = this.objects.get(oid);
    if (!obj) {
      res.writeHead(404, { 'content-type': 'application/xml' });
      res.end('<Error><Code>NoSuchKey</Code></Error>');
      return;
    }
    sendBytes(req, res, obj, { 'content-type': 'application/octet-stream' }, true);
  }

  private takeFault(route: RouteName, projectId: number | undefined): Fault | undefined {
    const i = this.faults.findIndex(
      (f) => (f.route === undefined || f.route === route) && (f.projectId === undefined || f.projectId === projectId),
    );
    if (i < 0) return undefined;
    const f = this.faults[i]!;
    if (f.times !== undefined) {
      f.times -= 1;
      if (f.times <= 0) this.faults.splice(i, 1);
    }
    return f;
  }

  private route(rawPath: string): { route: RouteName; params: Record<string, string> } {
    if (rawPath === '/api/graphql') return { route: 'graphql', params: {} };
    const seg = rawPath.split('/').slice(1);
    if (seg[0] !== 'api' || seg[1] !== 'v4') return { route: 'unknown', params: {} };
    const s = seg.slice(2).map((x) => {
      try {
        return decodeURIComponent(x);
      } catch {
        return '\u0000';
      }
    });
    const n = s.length;
    if (n === 1 && s[0] === 'projects') return { route: 'projects', params: {} };
    if (n === 1 && s[0] === 'topics') return { route: 'topics', params: {} };
    if (s[0] !== 'projects' || n < 2) return { route: 'unknown', params: {} };
    const id = s[1]!;
    if (n === 2) return { route: 'project', params: { id } };
    const rest = s.slice(2);
    if (rest[0] === 'repository') {
      if (rest[1] === 'tree' && rest.length === 2) return { route: 'tree', params: { id } };
      if (rest[1] === 'files' && rest.length === 4 && rest[3] === 'raw') return { route: 'raw', params: { id, file: rest[2]! } };
      if (rest[1] === 'files' && rest.length === 3) return { route: 'file', params: { id, file: rest[2]! } };
      if (rest[1] === 'commits' && rest.length === 2) return { route: 'commits', params: { id } };
      if (rest[1] === 'commits' && rest.length === 3) return { route: 'commit', params: { id, sha: rest[2]! } };
    }
    if (rest[0] === 'releases' && rest.length === 1) return { route: 'releases', params: { id } };
    if (rest[0] === 'releases' && rest[1] === 'permalink' && rest[2] === 'latest' && rest.length === 3)
      return { route: 'releases', params: { id, latest: '1' } };
    if (rest[0] === 'packages' && rest.length === 1) return { route: 'packages', params: { id } };
    if (rest[0] === 'registry' && rest[1] === 'repositories' && rest.length === 2) return { route: 'registry', params: { id } };
    return { route: 'unknown', params: { id } };
  }

  private lookupId(key: string): number | undefined {
    if (/^\d+$/.test(key)) return this.projects.has(Number(key)) ? Number(key) : undefined;
    for (const p of this.projects.values()) if (p.fullPath === key) return p.id;
    return undefined;
  }

  private caller(req: http.IncomingMessage, query: URLSearchParams): Caller {
    const auth = req.headers.authorization;
    let token: string | undefined;
    if (typeof auth === 'string' && /^Bearer /i.test(auth)) token = auth.slice(7).trim();
    token ??= header(req, 'private-token') ?? query.get('private_token') ?? query.get('access_token') ?? undefined;
    const job = header(req, 'job-token') ?? query.get('job_token') ?? undefined;
    if (token !== undefined) {
      const u = this.opts.tokens?.[token];
      if (!u) throw new HttpError(401, { message: '401 Unauthorized' });
      return { kind: 'user', user: u.user, admin: u.admin ?? false };
    }
    if (job !== undefined) {
      const u = this.opts.jobTokens?.[job];
      if (!u) throw new HttpError(401, { message: '401 Unauthorized' });
      return { kind: 'job', user: u };
    }
    return { kind: 'anonymous' };
  }

  private async graphql(
    req: http.IncomingMessage,
    query: URLSearchParams,
    body: string,
    res: http.ServerResponse,
    entry: LoggedRequest,
  ): Promise<void> {
    if (req.method !== 'POST') throw new HttpError(405, { message: '405 Method Not Allowed' });
    let caller: Caller;
    try {
      caller = this.caller(req, query);
    } catch {
      caller = { kind: 'job' }; // an unknown token answers like a refused one below
    }
    if (caller.kind === 'job') {
      entry.status = 401;
      sendJson(res, 401, { errors: [{ message: 'Invalid token' }] });
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      entry.status = 400;
      sendJson(res, 400, { errors: [{ message: 'Invalid JSON' }] });
      return;
    }
    const ids = (parsed as { variables?: { ids?: unknown } })?.variables?.ids;
    if (Array.isArray(ids)) entry.graphqlIds = ids.map((g) => Number(/\/(\d+)$/.exec(String(g))?.[1] ?? NaN));
    const perProject = this.opts.graphqlMsPerProject ?? 0;
    if (perProject > 0 && entry.graphqlIds) await sleep(perProject * entry.graphqlIds.length);
    const base = `http://${req.headers.host ?? `127.0.0.1:${this.port}`}`;
    const r = await executeGraphQL(
      parsed,
      { anonymous: caller.kind === 'anonymous', canSee: (p) => this.canSee(caller, p) },
      this.projects.values(),
      base,
      {
        schema: (this.gqlSchema ??= schemaWithout(this.opts.graphqlHiddenFields ?? [])),
        timeoutMs: this.opts.graphqlTimeoutMs ?? 30_000,
        defaultTreeMs: this.opts.graphqlDefaultTreeMs ?? 0,
        treeMs: (p) => this.graphqlTreeMs.get(p.id),
        fieldError: (p) => this.graphqlFieldErrors.get(p.id),
      },
    );
    entry.status = r.status;
    sendJson(res, r.status, r.json);
  }

  private canSee(c: Caller, p: FakeProject): boolean {
    if (p.visibility === 'public') return true;
    if (c.kind === 'anonymous') return false;
    if (c.admin) return true;
    if (p.visibility === 'internal') return true;
    return c.user !== undefined && p.members.has(c.user);
  }

  private project(c: Caller, key: string): FakeProject {
    const id = this.lookupId(key);
    const p = id === undefined ? undefined : this.projects.get(id);
    if (!p || !this.canSee(c, p)) throw notFound('Project');
    return p;
  }

  private async dispatch(
    m: { route: RouteName; params: Record<string, string> },
    q: URLSearchParams,
    c: Caller,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    entry: LoggedRequest,
  ): Promise<void> {
    const base = `http://${req.headers.host ?? `127.0.0.1:${this.port}`}`;
    const method = req.method ?? 'GET';
    if (method !== 'GET' && !(method === 'HEAD' && m.route === 'raw')) {
      throw new HttpError(405, { message: '405 Method Not Allowed' });
    }
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      entry.status = status;
      sendJson(res, status, body, headers);
    };
    switch (m.route) {
      case 'projects': {
        if (c.kind === 'job') throw new HttpError(401, { message: '401 Unauthorized' });
        const list = this.listProjects(c, q);
        const simple = c.kind === 'anonymous' || q.get('simple') === 'true';
        const toJson = (p: FakeProject) => this.projectJson(p, base, simple, false);
        if (q.get('pagination') === 'keyset') {
          if (q.get('order_by') !== 'id') {
            return reply(405, { error: 'Keyset pagination is not yet available for this type of request' });
          }
          const perPage = perPageOf(q);
          const asc = (q.get('sort') ?? 'desc') === 'asc';
          const page = list.slice(0, perPage);
          const headers: Record<string, string> = {};
          const last = page[page.length - 1];
          if (last) {
            const next = new URLSearchParams(q);
            next.delete(asc ? 'id_before' : 'id_after');
            next.set(asc ? 'id_after' : 'id_before', String(last.id));
            headers.link = `<${base}/api/v4/projects?${next.toString()}>; rel="next"`;
          }
          return reply(200, page.map(toJson), headers);
        }
        const { rows, headers } = offsetPage(list, q, `${base}/api/v4/projects`);
        if (headers === null) {
          return reply(405, {
            error:
              'Offset pagination has a maximum allowed offset of 50000 for requests that return objects of type Project. Remaining records can be retrieved using keyset pagination.',
          });
        }
        return reply(200, rows.map(toJson), headers);
      }
      case 'project': {
        const p = this.project(c, m.params.id!);
        return reply(200, this.projectJson(p, base, c.kind === 'anonymous', q.get('license') === 'true'));
      }
      case 'tree': {
        if (c.kind === 'job') throw new HttpError(401, { message: '401 Unauthorized' });
        const p = this.project(c, m.params.id!);
        this.checkRef(p, q.get('ref'), 'Tree');
        if (p.emptyRepo) throw notFound('Tree');
        const recursive = q.get('recursive') === 'true';
        const entries = treeEntries(p, q.get('path') ?? '', recursive);
        const pagination = q.get('pagination') ?? 'legacy';
        if (pagination === 'none') {
          if (!recursive) return reply(400, { error: 'pagination cannot be "none" unless "recursive" is true' });
          return reply(200, entries);
        }
        if (pagination === 'keyset') {
          const perPage = perPageOf(q);
          const token = q.get('page_token');
          let start = 0;
          if (token) {
            const i = entries.findIndex((e) => e.path === token);
            start = i < 0 ? entries.length : i + 1;
          }
          const page = entries.slice(start, start + perPage);
          const headers: Record<string, string> = {};
          if (page.length === perPage) {
            const next = new URLSearchParams(q);
            next.set('page_token', page[page.length - 1]!.path);
            headers.link = `<${base}/api/v4/projects/${p.id}/repository/tree?${next.toString()}>; rel="next"`;
          }
          return reply(200, page, headers);
        }
        const { rows, headers } = offsetPage(entries, q, `${base}/api/v4/projects/${p.id}/repository/tree`);
        return reply(200, rows, headers ?? {});
      }
      case 'raw':
      case 'file': {
        const p = this.project(c, m.params.id!);
        const ref = q.get('ref') ?? (m.route === 'raw' ? p.defaultBranch : null);
        if (ref === null) return reply(400, { error: 'ref is missing' });
        const head = this.checkRef(p, ref, 'Commit');
        const path = m.params.file!;
        const f = p.files.get(path);
        if (!f) throw notFound('File');
        const xh: Record<string, string> = {
          'x-gitlab-blob-id': f.blobId,
          'x-gitlab-commit-id': head,
          // lib/api/files.rb `blob_data`: commit_id is the ref's commit, last_commit_id the last one
          // that touched the path (Gitaly LastCommitForPath)
          'x-gitlab-last-commit-id': (head === p.commits[0]?.id ? lastCommitForPath(p, path)?.id : undefined) ?? head,
          'x-gitlab-content-sha256': sha256Hex(f.stored),
          'x-gitlab-encoding': 'base64',
          'x-gitlab-file-name': path.split('/').pop()!,
          'x-gitlab-file-path': path,
          'x-gitlab-ref': ref,
          'x-gitlab-size': String(f.stored.length),
          'x-gitlab-execute-filemode': 'false',
        };
        if (m.route === 'file') {
          return reply(200, {
            file_name: xh['x-gitlab-file-name'],
            file_path: path,
            size: f.stored.length,
            encoding: 'base64',
            content: Buffer.from(f.stored).toString('base64'),
            content_sha256: xh['x-gitlab-content-sha256'],
            ref,
            blob_id: f.blobId,
            commit_id: head,
            last_commit_id: xh['x-gitlab-last-commit-id'],
            execute_filemode: false,
          });
        }
        if (f.lfs && q.get('lfs') === 'true') {
          const oid = sha256Hex(f.content);
          if (this.opts.lfsRedirect) {
            this.objects.set(oid, f.content);
            entry.status = 302;
            res.writeHead(302, { location: `http://127.0.0.1:${this.objectStorePort}/lfs-objects/${oid}` });
            res.end();
            return;
          }
          entry.status = req.headers.range ? 206 : 200;
          sendBytes(req, res, f.content, {
            'content-type': 'application/octet-stream',
            'content-disposition': `attachment; filename="${xh['x-gitlab-file-name']}"`,
          }, true);
          return;
        }
        const text = isText(f.stored);
        entry.status = 200;
        sendBytes(req, res, f.stored, {
          ...xh,
          'content-type': text ? 'text/plain; charset=utf-8' : 'application/octet-stream',
          'content-disposition': `inline; filename="${xh['x-gitlab-file-name']}"`,
        }, false);
        return;
      }
      case 'commits': {
        const p = this.project(c, m.params.id!);
        if (p.emptyRepo) return reply(200, []);
        this.checkRef(p, q.get('ref_name'), 'Commit');
        const all = p.commits.map((k) => commitJson(p, k, base));
        const { rows, headers } = offsetPage(all, q, `${base}/api/v4/projects/${p.id}/repository/commits`);
        return reply(200, rows, headers ?? {});
      }
      case 'commit': {
        const p = this.project(c, m.params.id!);
        const sha = m.params.sha!;
        const k = sha === p.defaultBranch ? p.commits[0] : p.commits.find((x) => x.id === sha);
        if (!k) throw notFound('Commit');
        return reply(200, commitJson(p, k, base));
      }
      case 'releases': {
        const p = this.project(c, m.params.id!);
        const sorted = [...p.releases].sort((a, b) => b.released_at.localeCompare(a.released_at));
        const json = sorted.map((r) => ({
          tag_name: r.tag_name,
          name: r.name,
          description: r.description ?? '',
          created_at: r.released_at,
          released_at: r.released_at,
          upcoming_release: false,
          assets: {
            count: 2,
            sources: ['zip', 'tar.gz'].map((format) => ({
              format,
              url: `${base}/${p.fullPath}/-/archive/${r.tag_name}/${p.path}-${r.tag_name}.${format}`,
            })),
            links: [],
          },
          _links: { self: `${base}/${p.fullPath}/-/releases/${r.tag_name}` },
        }));
        if (m.params.latest) {
          if (!json[0]) throw notFound('Release');
          return reply(200, json[0]);
        }
        const { rows, headers } = offsetPage(json, q, `${base}/api/v4/projects/${p.id}/releases`);
        return reply(200, rows, headers ?? {});
      }
      case 'packages': {
        const p = this.project(c, m.params.id!);
        if (!p.packagesEnabled) throw new HttpError(403, { message: '403 Forbidden' });
        const json = p.packages.map((k) => ({
          id: k.id,
          name: k.name,
          version: k.version,
          package_type: k.package_type,
          status: 'default',
          _links: { web_path: `/${p.fullPath}/-/packages/${k.id}` },
          created_at: p.createdAt,
        }));
        const { rows, headers } = offsetPage(json, q, `${base}/api/v4/projects/${p.id}/packages`);
        return reply(200, rows, headers ?? {});
      }
      case 'registry': {
        const p = this.project(c, m.params.id!);
        if (!p.containerRegistryEnabled) throw new HttpError(403, { message: '403 Forbidden' });
        const withTags = q.get('tags') === 'true';
        const json = p.containers.map((k) => ({
          id: k.id,
          name: k.name,
          path: k.path,
          project_id: p.id,
          location: k.location,
          created_at: p.createdAt,
          ...(withTags ? { tags: k.tags.map((t) => ({ name: t, path: `${k.path}:${t}`, location: `${k.location}:${t}` })) } : {}),
        }));
        const { rows, headers } = offsetPage(json, q, `${base}/api/v4/projects/${p.id}/registry/repositories`);
        return reply(200, rows, headers ?? {});
      }
      case 'topics': {
        const counts = new Map<string, number>();
        for (const p of this.projects.values()) for (const t of p.topics) counts.set(t, (counts.get(t) ?? 0) + 1);
        const search = q.get('search') ?? '';
        const list = [...counts.entries()]
          .filter(([t]) => t.toLowerCase().includes(search.toLowerCase()))
          .sort((a, b) => b[1] - a[1])
          .map(([name, n], i) => ({ id: i + 1, name, title: name, description: null, total_projects_count: n, avatar_url: null }));
        const { rows, headers } = offsetPage(list, q, `${base}/api/v4/topics`);
        return reply(200, rows, headers ?? {});
      }
      default:
        throw new HttpError(404, { message: '404 Not Found' });
    }
  }

  /** The head commit a ref names; throws `404 <what> Not Found` for an unknown ref. */
  private checkRef(p: FakeProject, ref: string | null, what: string): string {
    const head = p.commits[0]?.id;
    if (ref === null || ref === p.defaultBranch) {
      if (!head) throw notFound(what);
      return head;
    }
    if (p.commits.some((k) => k.id === ref)) return ref;
    throw notFound(what);
  }

  private listProjects(c: Caller, q: URLSearchParams): FakeProject[] {
    const idAfterQ = q.get('id_after');
    const byId = this.sortedById();
    // keyset by ascending id: start after the cursor without scanning what came before
    let from = 0;
    if (idAfterQ && (q.get('sort') ?? 'desc') === 'asc') {
      let lo = 0;
      let hi = byId.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (byId[mid]!.id <= Number(idAfterQ)) lo = mid + 1;
        else hi = mid;
      }
      from = lo;
    }
    let list = byId.slice(from).filter((p) => this.canSee(c, p));
    const topics = (q.get('topic') ?? '')
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
    for (const t of new Set(topics)) list = list.filter((p) => p.topics.includes(t));
    const vis = q.get('visibility');
    if (vis) list = list.filter((p) => p.visibility === vis);
    const archived = q.get('archived');
    if (archived === 'true') list = list.filter((p) => p.archived);
    if (archived === 'false') list = list.filter((p) => !p.archived);
    if (q.get('membership') === 'true') list = list.filter((p) => c.user !== undefined && p.members.has(c.user));
    const after = q.get('last_activity_after');
    if (after) list = list.filter((p) => Date.parse(p.lastActivityAt) > Date.parse(after));
    const idAfter = q.get('id_after');
    if (idAfter) list = list.filter((p) => p.id > Number(idAfter));
    const idBefore = q.get('id_before');
    if (idBefore) list = list.filter((p) => p.id < Number(idBefore));
    const orderBy = q.get('order_by') ?? 'created_at';
    const dir = (q.get('sort') ?? 'desc') === 'asc' ? 1 : -1;
    const key = (p: FakeProject): string | number =>
      orderBy === 'id'
        ? p.id
        : orderBy === 'name'
          ? p.name
          : orderBy === 'path'
            ? p.path
            : orderBy === 'last_activity_at'
              ? p.lastActivityAt
              : orderBy === 'updated_at'
                ? p.updatedAt
                : p.createdAt;
    if (!(orderBy === 'id' && dir === 1)) {
      list.sort((a, b) => {
        const ka = key(a);
        const kb = key(b);
        return (ka < kb ? -1 : ka > kb ? 1 : a.id - b.id) * dir;
      });
    }
    return list;
  }

  private projectJson(p: FakeProject, base: string, simple: boolean, license: boolean): Record<string, unknown> {
    const web = `${base}/${p.fullPath}`;
    const readme = ['README.md', 'readme.md', 'README', 'README.rst'].find((n) => p.files.has(n));
    const nsParts = p.namespace.split('/');
    const json: Record<string, unknown> = {
      id: p.id,
      description: p.description,
      name: p.name,
      name_with_namespace: [...nsParts.filter(Boolean).map(titleCase), p.name].join(' / '),
      path: p.path,
      path_with_namespace: p.fullPath,
      created_at: p.createdAt,
      default_branch: p.defaultBranch,
      tag_list: p.topics,
      topics: p.topics,
      ssh_url_to_repo: `git@127.0.0.1:${p.fullPath}.git`,
      http_url_to_repo: `${web}.git`,
      web_url: web,
      readme_url: readme ? `${web}/-/blob/${p.defaultBranch}/${readme}` : null,
      forks_count: 0,
      avatar_url: null,
      star_count: p.starCount,
      last_activity_at: p.lastActivityAt,
      namespace: {
        id: 1000 + nsParts.length,
        name: titleCase(nsParts[nsParts.length - 1] ?? ''),
        path: nsParts[nsParts.length - 1] ?? '',
        kind: 'group',
        full_path: p.namespace,
        parent_id: null,
        avatar_url: null,
        web_url: `${base}/groups/${p.namespace}`,
      },
    };
    if (simple) return json;
    Object.assign(json, {
      description_html: p.description ? `<p>${p.description}</p>` : '',
      updated_at: p.updatedAt,
      visibility: p.visibility,
      archived: p.archived,
      empty_repo: p.emptyRepo,
      lfs_enabled: true,
      packages_enabled: p.packagesEnabled,
      container_registry_enabled: p.containerRegistryEnabled,
      container_registry_access_level: p.containerRegistryEnabled ? 'enabled' : 'disabled',
      repository_access_level: 'enabled',
      _links: { self: `${base}/api/v4/projects/${p.id}` },
      permissions: { project_access: null, group_access: null },
    });
    if (license) {
      const hasLicenseFile = [...p.files.keys()].some((f) => /^(licen[cs]e|copying)(\.[a-z]+)?$/i.test(f));
      const lic = hasLicenseFile ? p.license : null;
      json.license_url = lic ? `${web}/-/blob/${p.defaultBranch}/LICENSE` : null;
      json.license = lic
        ? {
            key: lic.key,
            name: lic.name,
            nickname: lic.nickname ?? null,
            html_url: `http://choosealicense.com/licenses/${lic.key}/`,
            source_url: null,
          }
        : null;
    }
    return json;
  }
}

// -------------------------------------------------------------------------------------------------

function titleCase(s: string): string {
  return s ? s[0]!.toUpperCase() + s.slice(1) : s;
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function authKind(req: http.IncomingMessage, q: URLSearchParams): LoggedRequest['auth'] {
  if (typeof req.headers.authorization === 'string') return 'bearer';
  if (req.headers['private-token'] !== undefined) return 'private-token';
  if (req.headers['job-token'] !== undefined) return 'job-token';
  if (q.has('private_token') || q.has('access_token') || q.has('job_token')) return 'query-token';
  return 'none';
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function perPageOf(q: URLSearchParams): number {
  const n = Number(q.get('per_page') ?? 20);
  return Math.max(1, Math.min(100, Number.isFinite(n) ? Math.floor(n) : 20));
}

const MAX_COUNTED = 10_000;
const MAX_PROJECT_OFFSET = 50_000;

/** Offset pagination with GitLab's headers; `headers: null` when the offset is beyond the projects cap. */
function offsetPage<T>(
  all: T[],
  q: URLSearchParams,
  url: string,
): { rows: T[]; headers: Record<string, string> | null } {
  const perPage = perPageOf(q);
  const page = Math.max(1, Math.floor(Number(q.get('page') ?? 1)) || 1);
  const offset = (page - 1) * perPage;
  if (url.endsWith('/api/v4/projects') && offset > MAX_PROJECT_OFFSET) return { rows: [], headers: null };
  const rows = all.slice(offset, offset + perPage);
  const totalPages = Math.max(1, Math.ceil(all.length / perPage));
  const hasNext = offset + perPage < all.length;
  const link = (p: number, rel: string) => {
    const u = new URLSearchParams(q);
    u.set('page', String(p));
    u.set('per_page', String(perPage));
    return `<${url}?${u.toString()}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page > 1) links.push(link(page - 1, 'prev'));
  if (hasNext) links.push(link(page + 1, 'next'));
  links.push(link(1, 'first'));
  const counted = all.length <= MAX_COUNTED;
  if (counted) links.push(link(totalPages, 'last'));
  const headers: Record<string, string> = {
    'x-page': String(page),
    'x-per-page': String(perPage),
    'x-next-page': hasNext ? String(page + 1) : '',
    'x-prev-page': page > 1 ? String(page - 1) : '',
    link: links.join(', '),
  };
  if (counted) {
    headers['x-total'] = String(all.length);
    headers['x-total-pages'] = String(totalPages);
  }
  return { rows, headers };
}

interface TreeEntry {
  id: string;
  name: string;
  type: 'tree' | 'blob';
  path: string;
  mode: string;
}

/** Tree listings cached per project, head commit and arguments (a benchmark asks for thousands). */
const treeCache = new WeakMap<FakeProject, Map<string, TreeEntry[]>>();

function treeEntries(p: FakeProject, under: string, recursive: boolean): TreeEntry[] {
  const key = `${p.commits[0]?.id ?? ''}\u0000${under}\u0000${recursive}`;
  let byKey = treeCache.get(p);
  if (!byKey) treeCache.set(p, (byKey = new Map()));
  const hit = byKey.get(key);
  if (hit) return hit;
  const entries = computeTree(p, under, recursive);
  byKey.set(key, entries);
  return entries;
}

function computeTree(p: FakeProject, under: string, recursive: boolean): TreeEntry[] {
  const prefix = under ? under.replace(/\/$/, '') + '/' : '';
  const out = new Map<string, TreeEntry>();
  for (const [path, f] of p.files) {
    if (!path.startsWith(prefix)) continue;
    const rel = path.slice(prefix.length);
    const parts = rel.split('/');
    for (let i = 1; i < parts.length; i++) {
      if (!recursive && i > 1) break;
      const dir = prefix + parts.slice(0, i).join('/');
      if (!out.has(dir)) {
        out.set(dir, { id: sha256Hex(new TextEncoder().encode(dir)).slice(0, 40), name: parts[i - 1]!, type: 'tree', path: dir, mode: '040000' });
      }
    }
    if (!recursive && parts.length > 1) continue;
    out.set(path, { id: f.blobId, name: parts[parts.length - 1]!, type: 'blob', path, mode: '100644' });
  }
  return [...out.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function commitJson(p: FakeProject, k: FakeProject['commits'][number], base: string): Record<string, unknown> {
  return {
    id: k.id,
    short_id: k.id.slice(0, 11),
    title: k.message,
    message: k.message,
    author_name: 'Example User',
    author_email: 'user@example.com',
    authored_date: k.committed_date,
    committer_name: 'Example User',
    committer_email: 'user@example.com',
    committed_date: k.committed_date,
    created_at: k.committed_date,
    parent_ids: k.parent_ids,
    web_url: `${base}/${p.fullPath}/-/commit/${k.id}`,
    trailers: {},
    extended_trailers: {},
  };
}

/** Text as Workhorse sniffs it: valid UTF-8 without NUL bytes. */
function isText(bytes: Uint8Array): boolean {
  if (bytes.subarray(0, 8000).includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Send bytes; with `ranges`, a single `Range: bytes=a-b` request is answered with 206. */
function sendBytes(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  bytes: Uint8Array,
  headers: Record<string, string>,
  ranges: boolean,
): void {
  const range = ranges ? req.headers.range : undefined;
  const m = typeof range === 'string' ? /^bytes=(\d*)-(\d*)$/.exec(range) : null;
  if (ranges) headers['accept-ranges'] = 'bytes';
  if (m && (m[1] || m[2])) {
    let start: number;
    let end: number;
    if (!m[1]) {
      start = Math.max(0, bytes.length - Number(m[2]));
      end = bytes.length - 1;
    } else {
      start = Number(m[1]);
      end = m[2] ? Math.min(Number(m[2]), bytes.length - 1) : bytes.length - 1;
    }
    if (start >= bytes.length || start > end) {
      res.writeHead(416, { 'content-range': `bytes */${bytes.length}` });
      res.end();
      return;
    }
    const part = bytes.subarray(start, end + 1);
    res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${end}/${bytes.length}`, 'content-length': part.length });
    res.end(req.method === 'HEAD' ? undefined : Buffer.from(part));
    return;
  }
  res.writeHead(200, { ...headers, 'content-length': bytes.length });
  res.end(req.method === 'HEAD' ? undefined : Buffer.from(bytes));
}
