/**
 * The GitLab project source: lists the projects of each category topic (REST, keyset pages) and reads
 * each project into a `ProjectSnapshot` (README, recursive tree, head commit, latest release, license,
 * LFS pointers, preview, packages, container images, ONNX and other model file summaries).
 *
 * The parts: `listing.ts` (discovery), `crawl.ts` (the work queue, incremental decisions and the
 * fault policy), `read-project.ts` with its readers (`rest-reader.ts`, the GraphQL fast path of
 * `graphql.ts`, both giving the facts of `facts.ts`), and `enrich.ts` (LFS, preview, ONNX, DVC).
 */
import type { Source, SourceListing, SourceQuery } from '../source.js';
import { createGitbeaker } from './client.js';
import { crawl, type GitLabProjectMark } from './crawl.js';
import { GraphQLBatcher, fetchProjectBatch } from './graphql.js';
import { newCallCounts, type GitLabCallCounts, type GitLabContext, type GitLabSourceOptions } from './options.js';
import { RestReader } from './rest-reader.js';
import { GitLabRequestError, GitLabTransport } from './transport.js';

export { decideChange, type ChangeDecision, type GitLabProjectMark } from './crawl.js';
export { MODEL_FILE, WHOLE_ONNX_MAX_BYTES, inspectModelOverHttp, inspectOnnxOverHttp, transportFetch } from './enrich.js';
export type { GitLabCallCounts, GitLabSourceOptions, ModelInspectHook, OnnxInspectHook } from './options.js';
export { readmeFromUrl, safeRepoPath } from './project.js';

export class GitLabSource implements Source {
  readonly description: string;
  readonly transport: GitLabTransport;
  readonly calls: GitLabCallCounts = newCallCounts();
  /** After `projects()`: when each listed project was last read / last verified unchanged. */
  readonly marks = new Map<number, GitLabProjectMark>();
  private readonly ctx: GitLabContext;
  private readonly rest: RestReader;

  constructor(opts: GitLabSourceOptions) {
    const host = opts.url.replace(/\/+$/, '').replace(/\/api\/v4$/, '');
    this.description = `gitlab ${host}`;
    const transport = new GitLabTransport({
      ...opts.transport,
      concurrency: opts.concurrency ?? 8,
      timeoutMs: opts.timeoutMs ?? 30_000,
      secrets: opts.token ? [opts.token] : [],
      onRetry:
        opts.transport?.onRetry ??
        ((r) => opts.log?.(`gitlab: retry ${r.attempt} of ${r.method} ${r.path} (${r.status ?? 'network'}) in ${r.delayMs} ms`)),
    });
    this.transport = transport;
    const authHeaders: Record<string, string> = opts.token ? { authorization: `Bearer ${opts.token}` } : {};
    const calls = this.calls;
    const batcher = opts.graphql
      ? new GraphQLBatcher(
          (ids, files) => {
            calls.graphql++;
            return fetchProjectBatch(transport, host, authHeaders, ids, files);
          },
          Math.max(1, Math.min(100, opts.graphqlBatchSize ?? 20)),
          (reason) => opts.log?.(`gitlab: GraphQL batch failed (${reason}); reading over REST from now on`),
          (id, reason) => opts.log?.(`gitlab: project ${id}: GraphQL could not read it (${reason}); reading it over REST`),
          (err) => err instanceof GitLabRequestError && err.timedOut,
        )
      : undefined;
    this.ctx = { o: opts, api: createGitbeaker(host, opts.token, transport), transport, host, authHeaders, calls, batcher };
    this.rest = new RestReader(this.ctx);
  }

  projects(query: SourceQuery): Promise<SourceListing> {
    return crawl(this.ctx, this.rest, this.marks, query);
  }
}

/** Build the GitLab source (what `stachub build --gitlab-url` uses). */
export function createGitLabSource(opts: GitLabSourceOptions): GitLabSource {
  return new GitLabSource(opts);
}
