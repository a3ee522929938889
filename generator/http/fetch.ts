/**
 * Requests through a `fetch` (the global one, or one a caller injects): one GET retried by the
 * shared loop (`retry.ts`), and a whole-body download with a size cap. For clients whose tests or
 * callers hand them a fetch; the pooled node:http client (`client.ts`) is for crawls.
 */
import { retry, sleep as realSleep } from './retry.js';

/** How a fetched GET is retried. */
export interface FetchRetryPolicy {
  fetch: typeof fetch;
  /** Milliseconds one attempt may take (its `AbortSignal.timeout`). */
  timeoutMs: number;
  /** Statuses worth another try. */
  retryStatus: ReadonlySet<number>;
  maxRetries: number;
  /** Wait before retry `n` (0-based) when the answer announced none. */
  backoff: (n: number) => number;
  /** The wait a retryable answer announces (its `Retry-After`, read the client's way), or undefined. */
  announced: (headers: Headers) => number | undefined;
  sleep?: (ms: number) => Promise<void>;
}

/** The final answer of a fetched GET, or its last network failure. */
export type FetchOutcome = { response: Response } | { error: unknown };

/**
 * GET `url`, retrying network failures and `retryStatus` answers. Resolves with the final answer
 * (a retryable status too, once retries are spent: its body is left unread for the caller's
 * message) or with the last network failure; never rejects.
 */
export async function fetchWithRetries(url: string, init: RequestInit, policy: FetchRetryPolicy): Promise<FetchOutcome> {
  const result = await retry<Response>(
    async () => {
      let res: Response;
      try {
        res = await policy.fetch(url, { ...init, signal: AbortSignal.timeout(policy.timeoutMs) });
      } catch (error) {
        return { kind: 'retry', problem: 'network error', error };
      }
      if (res.ok || !policy.retryStatus.has(res.status)) return { kind: 'done', value: res };
      const announcedMs = policy.announced(res.headers);
      return { kind: 'retry', value: res, status: res.status, problem: `HTTP ${res.status}`, ...(announcedMs !== undefined ? { announcedMs } : {}) };
    },
    {
      maxRetries: policy.maxRetries,
      backoff: policy.backoff,
      sleep: policy.sleep ?? realSleep,
      discard: async (res) => {
        await res.body?.cancel();
      },
    },
  );
  if (result.ok) return { response: result.value };
  return result.last.value ? { response: result.last.value } : { error: result.last.error };
}

/** GET a whole file, refusing redirects, failures and anything over `maxBytes` (undefined then). */
export async function downloadCapped(
  url: string,
  headers: Record<string, string>,
  maxBytes: number,
  fetchFn: typeof fetch,
  timeoutMs: number,
): Promise<Uint8Array | undefined> {
  const res = await fetchFn(url, { headers, redirect: 'error', signal: AbortSignal.timeout(timeoutMs) }).catch(() => undefined);
  if (!res?.ok || !res.body) {
    await res?.body?.cancel();
    return undefined;
  }
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body.cancel();
    return undefined;
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > maxBytes) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}
