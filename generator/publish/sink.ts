/**
 * Sinks: the last edge of the pipeline (DESIGN.md `Sink.write(files)`). One implementation runs a
 * publish plan against any `ObjectStore`: S3, a local directory, or memory (dry runs, tests).
 *
 * Order of a publish that changes something:
 *   1. the pending manifest (claims the new paths, so an interruption leaves nothing unowned);
 *   2. uploads, tier by tier (leaves first, entry points last; see order.ts);
 *   3. deletion of stale objects, only once the new root is in place;
 *   4. the final manifest.
 * If it stops anywhere, readers still see a catalog whose links all resolve, and the next
 * publish finishes the job.
 */
import type { OutputFile, PublishResult } from '../types.js';
import { PublishError, StachubError } from '../errors.js';
import type { CacheControlRules } from './cache-control.js';
import { MANIFEST_CACHE_CONTROL } from './cache-control.js';
import { MANIFEST_PATH, parseManifest, serializeManifest, type Manifest } from './manifest.js';
import { joinKey, isSafeRelativePath } from './paths.js';
import { planPublish, uploadCount, type PublishPlan, type RemoteObject } from './plan.js';
import type { ObjectStore, RequestCounts } from './store.js';

/** What a publish did (or, for a dry run, would do). */
export interface PublishReport extends PublishResult {
  plan: PublishPlan;
  dryRun: boolean;
  requests: RequestCounts;
  /** Wall time in milliseconds. */
  elapsedMs: number;
}

export interface WriteOptions {
  /** Compute and return the plan without writing anything. */
  dryRun?: boolean;
  /** Called after each upload with (done, total). */
  onUpload?: (done: number, total: number) => void;
}

/** The output edge of the pipeline. */
export interface Sink {
  readonly description: string;
  write(files: readonly OutputFile[], options?: WriteOptions): Promise<PublishReport>;
}

export interface StoreSinkOptions {
  /** Key prefix without leading or trailing `/` ('' for the bucket root). */
  prefix?: string;
  /** Uploads in flight at once within a tier (default 16). */
  concurrency?: number;
  cacheControl?: CacheControlRules;
}

/** A sink that publishes through an `ObjectStore` (S3, directory, memory). */
export class StoreSink implements Sink {
  readonly description: string;
  private readonly prefix: string;

  constructor(
    private readonly store: ObjectStore,
    private readonly options: StoreSinkOptions = {},
  ) {
    this.prefix = (options.prefix ?? '').replace(/^\/+|\/+$/g, '');
    this.description = this.prefix ? `${store.description} (prefix ${this.prefix}/)` : store.description;
  }

  /** Read what the target holds and the previous manifest, and plan. */
  async plan(files: readonly OutputFile[]): Promise<PublishPlan> {
    const listPrefix = this.prefix ? `${this.prefix}/` : '';
    const listed = await this.store.list(listPrefix);
    const remote: RemoteObject[] = [];
    for (const o of listed) {
      const path = o.key.slice(listPrefix.length);
      if (isSafeRelativePath(path)) remote.push({ path, size: o.size, etag: o.etag });
    }
    const previous: Manifest | null = remote.some((r) => r.path === MANIFEST_PATH)
      ? parseManifest(await this.store.get(this.key(MANIFEST_PATH)))
      : null;
    return planPublish(files, remote, previous, { cacheControl: this.options.cacheControl });
  }

  async write(files: readonly OutputFile[], options: WriteOptions = {}): Promise<PublishReport> {
    const started = Date.now();
    const plan = await this.plan(files);
    const total = uploadCount(plan);
    const report = (written: number, deleted: number): PublishReport => ({
      written,
      skipped: plan.unchanged.length,
      deleted,
      plan,
      dryRun: options.dryRun === true,
      requests: { ...this.store.requests },
      elapsedMs: Date.now() - started,
    });
    if (options.dryRun) return report(0, 0);

    if (plan.pendingManifest) await this.putManifest(plan.pendingManifest);
    let done = 0;
    const concurrency = Math.max(1, this.options.concurrency ?? 16);
    for (const tier of plan.tiers) {
      try {
        await runPool(tier, concurrency, async (u) => {
          await this.store.put(this.key(u.path), u.content, { contentType: u.contentType, cacheControl: u.cacheControl, md5: u.md5 });
          done++;
          options.onUpload?.(done, total);
        });
      } catch (err) {
        const why = err instanceof StachubError ? err.message : String((err as Error)?.message ?? err);
        throw new PublishError(
          `${why}\npublish stopped after ${done} of ${total} upload(s); nothing was deleted and the published ` +
            'catalog still resolves (new files go up before the entry points that link to them). Run the publish again to finish.',
          { cause: err },
        );
      }
    }
    if (plan.deletes.length > 0) await this.store.delete(plan.deletes.map((p) => this.key(p)));
    if (plan.finalManifest) await this.putManifest(plan.finalManifest);
    return report(done, plan.deletes.length);
  }

  private key(path: string): string {
    return joinKey(this.prefix, path);
  }

  private async putManifest(m: Manifest): Promise<void> {
    await this.store.put(this.key(MANIFEST_PATH), serializeManifest(m), {
      contentType: 'application/json',
      cacheControl: MANIFEST_CACHE_CONTROL,
    });
  }
}

/**
 * Run `task` over `items` with at most `limit` in flight. On the first failure no new task starts;
 * the ones in flight finish, then the first error is thrown.
 */
export async function runPool<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { err: unknown } | null = null;
  const worker = async (): Promise<void> => {
    while (failure === null && next < items.length) {
      const item = items[next++]!;
      try {
        await task(item);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== null) throw (failure as { err: unknown }).err;
}
