/**
 * The GraphQL endpoint of the fake GitLab (`POST /api/graphql`), run by the real `graphql` engine
 * over the subset of GitLab's schema the crawler uses (reference/gitlab.md §3):
 * `Query.projects(ids, topics, sort, first, after)` (AND over exact topic names, `id_asc`/`id_desc`,
 * max page size 100), `Project { id (gid), fullPath, ..., repository, releases, packages,
 * containerRepositories }`, `Repository { rootRef, empty, exists, blobs(paths, ref), tree(path,
 * recursive, ref) }`, `Tree { lastCommit { sha }, blobs(first, after) { nodes { path lfsOid ... } } }`.
 *
 * `Tree.lastCommit` is Gitaly's `LastCommitForPath` (`git log -1 <rev> -- .`), so after a merge
 * commit it is the merged commit, not the head (model.ts `lastCommitForPath`); `packages` is a
 * connection over package *versions* with `pageInfo` (app/graphql/types/project_type.rb).
 *
 * Errors as GitLab gives them: a resolver's error nulls its field and adds `errors[].path`, with
 * `data` and HTTP 200 (`FakeGitLab.graphqlFieldErrors`); past GitLab's GraphQL timeout (30 s,
 * counted in virtual Gitaly time per tree) every field that starts gets "Timeout on Type.field"
 * (graphql-ruby `GraphQL::Schema::Timeout`, which `Gitlab::Graphql::Timeout` extends); a field
 * this GitLab lacks (`graphqlHiddenFields`) fails validation: HTTP 200, `errors`, no `data`.
 *
 * Guarantees: field errors come back as `errors[]` with HTTP 200; an unknown token is HTTP 401
 * `{"errors":[{"message":"Invalid token"}]}`; job tokens are not accepted (401); anonymous callers see
 * public projects; queries over 10,000 characters (HTTP 422) and over the complexity limit (200
 * anonymous, 250 authenticated) are refused. Complexity follows GitLab's model as the reference states it:
 * 1 per field, +1 for fields that call Gitaly, `Tree.lastCommit` 10, `blobs(paths:)` + paths, and a
 * connection multiplies its own subtree by (1 + limit × 0.01) — an approximation, not GitLab's code.
 */
import {
  GraphQLError,
  Kind,
  buildSchema,
  defaultFieldResolver,
  graphql,
  parse,
  type GraphQLFieldResolver,
  type GraphQLSchema,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import { lastCommitForPath, sha256Hex, type FakeProject } from './model.js';

const SDL = /* GraphQL */ `
  scalar Time
  type Query {
    projects(ids: [ID!], topics: [String!], search: String, membership: Boolean, sort: String, first: Int, after: String): ProjectConnection
  }
  type PageInfo { hasNextPage: Boolean!, hasPreviousPage: Boolean!, startCursor: String, endCursor: String }
  type ProjectConnection { nodes: [Project], pageInfo: PageInfo!, count: Int! }
  type Project {
    id: ID!
    fullPath: ID!
    name: String!
    nameWithNamespace: String!
    description: String
    topics: [String!]
    starCount: Int!
    createdAt: Time
    lastActivityAt: Time
    webUrl: String
    visibility: String
    archived: Boolean
    repository: Repository
    releases(first: Int, after: String, sort: ReleaseSort): ReleaseConnection
    packages(first: Int, after: String, sort: PackageSort): PackageConnection
    containerRepositories(first: Int, after: String, sort: ContainerRepositorySort): ContainerRepositoryConnection
  }
  type Repository {
    rootRef: String
    empty: Boolean!
    exists: Boolean!
    blobs(paths: [String!]!, ref: String, first: Int): RepositoryBlobConnection
    tree(path: String, recursive: Boolean, ref: String): Tree
  }
  type RepositoryBlobConnection { nodes: [RepositoryBlob] }
  type RepositoryBlob {
    id: ID!
    path: String!
    name: String
    size: Int
    rawSize: Int
    rawTextBlob: String
    storedExternally: Boolean
    externalStorage: String
    lfsOid: String
  }
  type Tree { lastCommit: Commit, blobs(first: Int, after: String): BlobConnection! }
  type Commit { id: ID!, sha: String!, shortId: String!, committedDate: Time }
  type BlobConnection { nodes: [Blob], pageInfo: PageInfo! }
  type Blob { id: ID!, sha: String!, name: String!, path: String!, flatPath: String!, type: String!, mode: String, lfsOid: String, webPath: String }
  enum ReleaseSort { CREATED_DESC CREATED_ASC RELEASED_AT_DESC RELEASED_AT_ASC }
  type ReleaseConnection { nodes: [Release] }
  type Release { tagName: String, name: String, description: String, releasedAt: Time, assets: ReleaseAssets }
  type ReleaseAssets { sources: ReleaseSourceConnection }
  type ReleaseSourceConnection { nodes: [ReleaseSource] }
  type ReleaseSource { format: String, url: String }
  enum PackageSort { CREATED_DESC CREATED_ASC NAME_DESC NAME_ASC VERSION_DESC VERSION_ASC TYPE_DESC TYPE_ASC }
  type PackageConnection { nodes: [Package], pageInfo: PageInfo! }
  type PackageLinks { webPath: String }
  type Package { id: ID!, name: String!, version: String, packageType: String!, _links: PackageLinks! }
  enum ContainerRepositorySort { CREATED_DESC CREATED_ASC NAME_DESC NAME_ASC UPDATED_DESC UPDATED_ASC }
  type ContainerRepositoryConnection { nodes: [ContainerRepository] }
  type ContainerRepository { id: ID!, name: String!, path: String!, location: String! }
`;

const defaultSchema = buildSchema(SDL);

/**
 * The schema with some fields removed (`Type.field`), as an older GitLab that lacks them: a query
 * naming one fails validation, answered with HTTP 200, `errors` and no `data`
 * (app/controllers/graphql_controller.rb renders the schema's result as is).
 */
export function schemaWithout(hidden: readonly string[]): GraphQLSchema {
  if (hidden.length === 0) return defaultSchema;
  const schema = buildSchema(SDL);
  for (const h of hidden) {
    const [type, field] = h.split('.');
    const t = schema.getType(type ?? '');
    if (t && 'getFields' in t && field) delete (t.getFields() as Record<string, unknown>)[field];
  }
  return schema;
}

export interface GraphQLCaller {
  anonymous: boolean;
  canSee: (p: FakeProject) => boolean;
}

/** Server-side behaviours of one request that tests set (see FakeGitLab). */
export interface GraphQLServerOptions {
  schema?: GraphQLSchema;
  /**
   * GitLab's GraphQL timeout (app/graphql/gitlab_schema.rb `use Gitlab::Graphql::Timeout,
   * max_seconds: graphql_timeout`, 30 s by default), in virtual milliseconds.
   */
  timeoutMs?: number;
  /** Virtual Gitaly time a project's recursive tree takes (default `defaultTreeMs`). */
  treeMs?: (p: FakeProject) => number | undefined;
  defaultTreeMs?: number;
  /** A project whose `repository` resolver raises an execution error with this message. */
  fieldError?: (p: FakeProject) => string | undefined;
}

const MAX_QUERY_CHARS = 10_000;
const MAX_PAGE = 100;
const CONNECTIONS = new Set(['projects', 'releases', 'packages', 'containerRepositories', 'blobs']);
const GITALY = new Set(['repository', 'rawTextBlob', 'tree', 'rootRef', 'blobs', 'empty', 'exists']);

const b64 = (s: string) => Buffer.from(s).toString('base64');
const unb64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');
const clamp = (n: number | undefined, d: number) => Math.max(0, Math.min(MAX_PAGE, n ?? d));

/** Run one GraphQL request; returns the HTTP status and JSON body. */
export async function executeGraphQL(
  body: unknown,
  caller: GraphQLCaller,
  projects: Iterable<FakeProject>,
  base: string,
  opts: GraphQLServerOptions = {},
): Promise<{ status: number; json: unknown }> {
  const b = body as { query?: unknown; variables?: unknown; operationName?: unknown };
  if (!b || typeof b.query !== 'string') return { status: 400, json: { errors: [{ message: 'No query string was present' }] } };
  // graphql_controller.rb `limit_query_size`: an ArgumentError, mapped to 422
  if (b.query.length > MAX_QUERY_CHARS) return { status: 422, json: { errors: [{ message: 'Query too large' }] } };
  const variables = (b.variables && typeof b.variables === 'object' ? b.variables : {}) as Record<string, unknown>;
  let doc: DocumentNode;
  try {
    doc = parse(b.query);
  } catch (err) {
    return { status: 200, json: { errors: [{ message: (err as Error).message }] } };
  }
  const max = caller.anonymous ? 200 : 250;
  const score = complexity(doc, variables);
  if (score > max) {
    return { status: 200, json: { errors: [{ message: `Query has complexity of ${Math.round(score)}, which exceeds max complexity of ${max}` }] } };
  }
  const all = [...projects];
  const rootValue = {
    projects: (args: { ids?: string[]; topics?: string[]; sort?: string; first?: number; after?: string }) => {
      let list = all.filter((p) => caller.canSee(p));
      if (args.ids) {
        const ids = new Set(args.ids.map((g) => Number(/\/(\d+)$/.exec(g)?.[1] ?? NaN)));
        list = list.filter((p) => ids.has(p.id));
      }
      for (const t of new Set(args.topics ?? [])) list = list.filter((p) => p.topics.includes(t));
      const asc = (args.sort ?? 'id_desc') === 'id_asc';
      list.sort((x, y) => (asc ? x.id - y.id : y.id - x.id));
      let start = 0;
      if (args.after) {
        const afterId = Number(unb64(args.after));
        const i = list.findIndex((p) => p.id === afterId);
        start = i < 0 ? list.length : i + 1;
      }
      const n = clamp(args.first, MAX_PAGE);
      const page = list.slice(start, start + n);
      const last = page[page.length - 1];
      return {
        nodes: page.map((p) => projectNode(p, base)),
        count: list.length,
        pageInfo: { hasNextPage: start + n < list.length, hasPreviousPage: start > 0, startCursor: page[0] ? b64(String(page[0].id)) : null, endCursor: last ? b64(String(last.id)) : null },
      };
    },
  };
  // graphql-ruby's GraphQL::Schema::Timeout (which GitLab's Gitlab::Graphql::Timeout extends):
  // once the query has run past max_seconds, every field that starts resolving gets a
  // TimeoutError "Timeout on Type.field" instead of a value; fields resolved before keep theirs,
  // so the answer has `data` and `errors[].path`. Time here is virtual: each recursive tree adds
  // its Gitaly time, in execution order (depth-first, project by project).
  const budget = opts.timeoutMs ?? 30_000;
  let clock = 0;
  const fieldResolver: GraphQLFieldResolver<unknown, unknown> = (source, args, ctx, info) => {
    if (clock > budget) {
      return new GraphQLError(`Timeout on ${info.parentType.name}.${info.fieldName}`, { extensions: { code: 'timeout' } });
    }
    return defaultFieldResolver(source, args, ctx, info);
  };
  const gitaly = {
    tree: (p: FakeProject) => {
      clock += opts.treeMs?.(p) ?? opts.defaultTreeMs ?? 0;
    },
  };
  const result = await graphql({
    schema: opts.schema ?? defaultSchema,
    source: b.query,
    rootValue,
    contextValue: { gitaly, fieldError: opts.fieldError },
    fieldResolver,
    variableValues: variables,
    operationName: typeof b.operationName === 'string' ? b.operationName : undefined,
  });
  return { status: 200, json: result };
}

interface ResolveContext {
  gitaly: { tree: (p: FakeProject) => void };
  fieldError?: (p: FakeProject) => string | undefined;
}

function projectNode(p: FakeProject, base: string): Record<string, unknown> {
  const web = `${base}/${p.fullPath}`;
  const head = p.commits[0];
  return {
    id: `gid://gitlab/Project/${p.id}`,
    fullPath: p.fullPath,
    name: p.name,
    nameWithNamespace: [...p.namespace.split('/').filter(Boolean), p.name].join(' / '),
    description: p.description,
    topics: p.topics,
    starCount: p.starCount,
    createdAt: p.createdAt,
    lastActivityAt: p.lastActivityAt,
    webUrl: web,
    visibility: p.visibility,
    archived: p.archived,
    // an ExecutionError raised in a resolver nulls that field and adds an error with its path
    // (GraphQL spec "Handling Field Errors"; graphql-ruby does the same for GitLab)
    repository: (_a: unknown, ctx: ResolveContext) => {
      const failure = ctx.fieldError?.(p);
      if (failure) return new GraphQLError(failure);
      return repositoryNode(p, head, ctx);
    },
    releases: (a: { first?: number; sort?: string }) => {
      const sorted = [...p.releases].sort((x, y) => y.released_at.localeCompare(x.released_at));
      if (a.sort?.endsWith('_ASC')) sorted.reverse();
      return {
        nodes: sorted.slice(0, clamp(a.first, MAX_PAGE)).map((r) => ({
          tagName: r.tag_name,
          name: r.name,
          description: r.description ?? '',
          releasedAt: r.released_at,
          assets: {
            sources: {
              nodes: ['zip', 'tar.gz'].map((format) => ({ format, url: `${web}/-/archive/${r.tag_name}/${p.path}-${r.tag_name}.${format}` })),
            },
          },
        })),
      };
    },
    // app/graphql/types/project_type.rb `packages` (Resolvers::ProjectPackagesResolver): a
    // connection of Packages::Package records, one per name *and version* (app/models/packages/
    // package.rb), so `first: 20` counts versions. The fake's list is stored newest first.
    packages: (a: { first?: number; after?: string }) => {
      const all = p.packagesEnabled ? p.packages : [];
      const start = a.after ? Number(unb64(a.after)) + 1 : 0;
      const n = clamp(a.first, MAX_PAGE);
      const page = all.slice(start, start + n);
      return {
        nodes: page.map((k) => ({
          id: `gid://gitlab/Packages::Package/${k.id}`,
          name: k.name,
          version: k.version,
          packageType: k.package_type.toUpperCase(),
          _links: { webPath: `/${p.fullPath}/-/packages/${k.id}` },
        })),
        pageInfo: {
          hasNextPage: start + n < all.length,
          hasPreviousPage: start > 0,
          startCursor: page.length ? b64(String(start)) : null,
          endCursor: page.length ? b64(String(start + page.length - 1)) : null,
        },
      };
    },
    containerRepositories: (a: { first?: number }) => ({
      nodes: (p.containerRegistryEnabled ? p.containers : []).slice(0, clamp(a.first, MAX_PAGE)).map((c) => ({
        id: `gid://gitlab/ContainerRepository/${c.id}`,
        name: c.name,
        path: c.path,
        location: c.location,
      })),
    }),
  };
}

function repositoryNode(p: FakeProject, head: FakeProject['commits'][number] | undefined, ctx: ResolveContext): Record<string, unknown> {
  return {
    rootRef: p.emptyRepo ? null : p.defaultBranch,
    empty: p.emptyRepo,
    exists: true,
    blobs: (args: { paths: string[]; ref?: string }) => {
      if (p.emptyRepo || (args.ref && args.ref !== p.defaultBranch && args.ref !== head?.id)) return { nodes: [] };
      const nodes = [];
      for (const path of args.paths) {
        const f = p.files.get(path);
        if (!f) continue;
        const text = isText(f.stored) ? new TextDecoder().decode(f.stored) : null;
        nodes.push({
          id: `gid://gitlab/Blob/${f.blobId}`,
          path,
          name: path.split('/').pop(),
          size: f.stored.length,
          rawSize: f.stored.length,
          rawTextBlob: text,
          storedExternally: f.lfs,
          externalStorage: f.lfs ? 'lfs' : null,
          lfsOid: f.lfs ? sha256Hex(f.content) : null,
        });
      }
      return { nodes };
    },
    tree: (args: { path?: string; recursive?: boolean; ref?: string }) => {
      if (p.emptyRepo || !head) return null;
      if (args.ref && args.ref !== p.defaultBranch && args.ref !== head.id) return null;
      const prefix = args.path && args.path !== '/' ? args.path.replace(/^\/|\/$/g, '') + '/' : '';
      const entries = [...p.files.entries()]
        .filter(([path]) => path.startsWith(prefix) && (args.recursive || !path.slice(prefix.length).includes('/')))
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      // app/graphql/resolvers/last_commit_resolver.rb: Gitaly's LastCommitForPath for the tree's
      // path, which skips a merge commit whose tree equals a parent's (see model.ts): not the head
      const last = lastCommitForPath(p, prefix) ?? head;
      ctx.gitaly.tree(p);
      return {
        lastCommit: { id: `gid://gitlab/CommitPresenter/${last.id}`, sha: last.id, shortId: last.id.slice(0, 8), committedDate: last.committed_date },
        blobs: (a: { first?: number; after?: string }) => {
          const start = a.after ? Number(unb64(a.after)) + 1 : 0;
          const n = clamp(a.first, MAX_PAGE);
          const page = entries.slice(start, start + n);
          return {
            nodes: page.map(([path, f]) => ({
              id: `gid://gitlab/Gitlab::Graphql::Representation::TreeEntry/${f.blobId}`,
              sha: f.blobId,
              name: path.split('/').pop(),
              path,
              flatPath: path,
              type: 'blob',
              mode: '100644',
              lfsOid: f.lfs ? sha256Hex(f.content) : null,
              webPath: `/${p.fullPath}/-/blob/${p.defaultBranch}/${path}`,
            })),
            pageInfo: {
              hasNextPage: start + n < entries.length,
              hasPreviousPage: start > 0,
              startCursor: page.length ? b64(String(start)) : null,
              endCursor: page.length ? b64(String(start + page.length - 1)) : null,
            },
          };
        },
      };
    },
  };
}

function isText(bytes: Uint8Array): boolean {
  if (bytes.subarray(0, 8000).includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Approximate GitLab query complexity (see the header). */
export function complexity(doc: DocumentNode, variables: Record<string, unknown>): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of doc.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const value = (v: ValueNode | undefined): unknown => {
    if (!v) return undefined;
    switch (v.kind) {
      case Kind.VARIABLE:
        return variables[v.name.value];
      case Kind.INT:
        return Number(v.value);
      case Kind.LIST:
        return v.values.map(value);
      case Kind.STRING:
        return v.value;
      default:
        return undefined;
    }
  };
  const selection = (set: SelectionSetNode | undefined): number => {
    if (!set) return 0;
    let total = 0;
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) total += field(s);
      else if (s.kind === Kind.INLINE_FRAGMENT) total += selection(s.selectionSet);
      else {
        const f = fragments.get(s.name.value);
        if (f) total += selection(f.selectionSet);
      }
    }
    return total;
  };
  const field = (f: FieldNode): number => {
    const name = f.name.value;
    const arg = (n: string) => value(f.arguments?.find((a) => a.name.value === n)?.value);
    let cost = 1 + (GITALY.has(name) ? 1 : 0);
    if (name === 'lastCommit') cost = 10;
    const paths = arg('paths');
    if (Array.isArray(paths)) cost += paths.length;
    cost += selection(f.selectionSet);
    if (CONNECTIONS.has(name)) {
      const first = arg('first');
      const limit = typeof first === 'number' ? Math.min(first, MAX_PAGE) : MAX_PAGE;
      cost += cost * limit * 0.01;
    }
    return cost;
  };
  let total = 0;
  for (const d of doc.definitions) if (d.kind === Kind.OPERATION_DEFINITION) total += selection(d.selectionSet);
  return total;
}
