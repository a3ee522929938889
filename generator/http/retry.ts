/**
 * The retry loop every client shares: an attempt says whether it is done or worth another try
 * (and how long the server asked to wait); the policy says how many tries and how long between.
 * The loop does no I/O of its own: sleeping and the clock are injected, so tests run it instantly.
 */

/** What one attempt gave. */
export type Attempt<T> =
  | { kind: 'done'; value: T }
  | {
      kind: 'retry';
      /** The answer, when there was one (a retryable status). */
      value?: T;
      /** Its HTTP status; undefined for a network error or timeout. */
      status?: number;
      /** The failure in a few words (`HTTP 503`, `timed out`): for the final error message. */
      problem: string;
      /** The wait the server announced (`Retry-After`...), in ms; undefined: back off. */
      announcedMs?: number;
      /** The network failure, if any (kept as the final error's cause). */
      error?: unknown;
    };

/** How many retries, how far apart. */
export interface RetryPolicy<T> {
  /** Retries after the first attempt that use up the budget. */
  maxRetries: number;
  /** The wait before counted retry number `n` (0-based), when the server announced none. */
  backoff: (n: number) => number;
  /**
   * When set, 429s that announce their wait do not use up `maxRetries` but this many ms of total
   * waiting: the server said when to come back, so a rate-limit storm is ridden out.
   */
  rateLimitBudgetMs?: number;
  sleep: (ms: number) => Promise<void>;
  /** Told before each wait (for logs). */
  onRetry?: (info: { status: number | undefined; delayMs: number; attempt: number }) => void;
  /** Lets go of a retryable answer before waiting (e.g. cancels its unread body). */
  discard?: (value: T) => Promise<void>;
}

/** The loop's outcome: the final value, or the last retryable attempt when retries ran out. */
export type RetryResult<T> =
  | { ok: true; value: T }
  | { ok: false; last: Extract<Attempt<T>, { kind: 'retry' }>; attempts: number };

/** Run `attempt` until it is done or the policy gives up. */
export async function retry<T>(attempt: (n: number) => Promise<Attempt<T>>, policy: RetryPolicy<T>): Promise<RetryResult<T>> {
  let counted = 0; // retries that use up maxRetries
  let rateLimitWaited = 0;
  for (let n = 0; ; n++) {
    const a = await attempt(n);
    if (a.kind === 'done') return { ok: true, value: a.value };
    const announced429 = policy.rateLimitBudgetMs !== undefined && a.status === 429 && a.announcedMs !== undefined;
    const exhausted = announced429
      ? rateLimitWaited + (a.announcedMs ?? 0) > policy.rateLimitBudgetMs!
      : counted >= policy.maxRetries;
    if (exhausted) return { ok: false, last: a, attempts: n + 1 };
    const backoff = policy.backoff(counted);
    const wait = a.announcedMs !== undefined ? Math.max(a.announcedMs, 0) : backoff;
    if (announced429) rateLimitWaited += wait;
    else counted++;
    if (a.value !== undefined) await policy.discard?.(a.value);
    policy.onRetry?.({ status: a.status, delayMs: wait, attempt: n + 1 });
    await policy.sleep(wait);
  }
}

/** Exponential backoff with full jitter, never under 10 ms so a storm does not hammer the server. */
export function jitteredBackoff(baseMs: number, maxMs: number, random: () => number): (n: number) => number {
  return (n) => Math.max(10, Math.round(Math.min(maxMs, baseMs * 2 ** n) * random()));
}

/** The real sleep. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
