/**
 * The crawl: listing pages feed a work queue, workers read each project while the listing goes on,
 * and GraphQL batches are asked for ahead of the workers.
 *
 * Incremental: with the previous build's state, a project whose listing shows no sign of change is
 * reused without any request (see `decideChange`). Fault policy: a project that cannot be read keeps
 * its previous snapshot ('stale'), or is reported as failed when there is none; the listing failing
 * fails the whole crawl (`SourceUnreachableError`, exit 4): a half-crawled catalog is never published.
 */
import type { Visibility } from '../../types.js';
import type { FailedProject, PreviousProject, SourceEntry, SourceListing, SourceQuery } from '../source.js';
import type { GqlProject } from './graphql.js';
import { listTopic } from './listing.js';
import type { GitLabContext } from './options.js';
import { batchFiles, refreshed, type ListedProject } from './project.js';
import { readProject } from './read-project.js';
import type { RestReader } from './rest-reader.js';

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

/** Crawl the topics of `query`: every listed project reused, read, kept stale or failed. */
export async function crawl(
  ctx: GitLabContext,
  rest: RestReader,
  marks: Map<number, GitLabProjectMark>,
  query: SourceQuery,
): Promise<SourceListing> {
  const now = (ctx.o.now ?? (() => new Date()))();
  const excluded = { visibility: 0, archived: 0 };
  const entries: SourceEntry[] = [];
  const failed: FailedProject[] = [];
  const grace = ctx.o.activityGraceMs ?? 65 * 60 * 1000;
  const refresh = ctx.o.refreshAfterMs ?? 7 * 24 * 3600 * 1000;
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
  const batchSize = Math.max(1, Math.min(100, ctx.o.graphqlBatchSize ?? 20));
  // past the projects the workers hold, so that a worker finds its next project already asked for
  const lookahead = Math.max(1, (ctx.o.concurrency ?? 8) * 4) + batchSize * 2;
  const willRead = (q: ListedProject) =>
    decideChange(q, query.previous?.get(q.id), now.getTime(), { activityGraceMs: grace, refreshAfterMs: refresh }) === 'read';
  const prefetch = (taken?: ListedProject) => {
    const batcher = ctx.batcher;
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
        const head = await rest.headCommit(p.id, p.default_branch ?? 'main');
        decision = head === prev.headCommit ? 'reuse' : 'read';
      }
      if (decision === 'reuse' && prev) {
        entries.push({ snapshot: refreshed(prev, p), origin: 'unchanged' });
        marks.set(p.id, { readAt: prev.readAt ?? nowIso, checkedAt: nowIso });
      } else {
        const gq = prefetched.get(p.id);
        prefetched.delete(p.id);
        entries.push({ snapshot: await readProject(ctx, rest, p, gq), origin: 'fresh' });
        marks.set(p.id, { readAt: nowIso, checkedAt: nowIso });
      }
    } catch (err) {
      const reason = ctx.transport.redact(err instanceof Error ? err.message : String(err));
      if (prev) {
        const snapshot = refreshed(prev, p);
        snapshot.diagnostics = [
          ...snapshot.diagnostics,
          {
            level: 'warning',
            code: 'gitlab/stale',
            message: `could not be read from GitLab (${reason}); the item of the previous build is kept`,
          },
        ];
        entries.push({ snapshot, origin: 'stale' });
        if (prev.readAt && prev.checkedAt) marks.set(p.id, { readAt: prev.readAt, checkedAt: prev.checkedAt });
      } else {
        failed.push({
          fullPath: p.path_with_namespace,
          diagnostics: [{ level: 'error', code: 'gitlab/unreadable', message: `could not be read from GitLab (${reason})` }],
        });
      }
      ctx.o.log?.(`gitlab: ${p.path_with_namespace}: ${reason}`);
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
      await Promise.all(query.topics.map((topic) => listTopic(ctx, topic, query, accept)));
    } catch (err) {
      aborted = true;
      throw err;
    } finally {
      listingDone = true;
      notify();
    }
  })();
  // Enough projects in flight to keep every request slot busy across their dependent steps.
  const workers = Math.max(1, (ctx.o.concurrency ?? 8) * 4);
  const settled = await Promise.allSettled([listing, ...Array.from({ length: workers }, worker)]);
  ctx.transport.close();
  const listingResult = settled[0]!;
  // A half-crawled catalog is never published: a failed listing fails the whole source.
  if (listingResult.status === 'rejected') throw listingResult.reason;
  for (const r of settled) if (r.status === 'rejected') throw r.reason;

  entries.sort((a, b) => a.snapshot.project.id - b.snapshot.project.id);
  failed.sort((a, b) => a.fullPath.localeCompare(b.fullPath));
  return { entries, failed, excluded, requests: ctx.transport.requests, marks: new Map(marks) };
}
