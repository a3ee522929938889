/**
 * The pooled HTTP client: one concurrency limit for every request it sends, a timeout per
 * attempt, retries (`retry.ts`) on 429, 5xx and network errors, and the server's rate-limit
 * announcements obeyed by every request at once.
 *
 * - a 429's `Retry-After` (seconds or HTTP date), else its `RateLimit-Reset`, pauses *every*
 *   request until then (a rate limit is per user, so all in-flight work shares it); a success
 *   answer with `RateLimit-Remaining: 0` pauses until `RateLimit-Reset` too;
 * - errors name the method and path, never a header, and every credential is redacted;
 * - node:http(s) with keep-alive agents rather than fetch: a third of fetch's CPU per request, which
 *   is what bounds a 10,000-project crawl on a CI runner; redirects are followed by hand and the
 *   credentials are dropped when one leaves the origin (as fetch does for `Authorization`).
 */
import http from 'node:http';
import https from 'node:https';
import { redact, registerSecret } from '../redact.js';
import { HttpRequestError, describeNetworkError, isTimeoutError, type HttpRequestErrorInit } from './errors.js';
import { Limiter } from './pool.js';
import { retry, jitteredBackoff, sleep as realSleep, type Attempt } from './retry.js';
import { parseRateLimitReset, parseRetryAfter } from './retry-after.js';

/** What a request returned (fully read: API bodies are small; model reads are ranges). */
export interface HttpResponse {
  status: number;
  headers: Headers;
  body: Uint8Array;
  /** The URL that answered (after redirects). */
  url: string;
}

export interface HttpClientOptions {
  /** Requests in flight at once, for the whole client (default 8). */
  concurrency?: number;
  /** Milliseconds one attempt may take, body included (default 30 000). */
  timeoutMs?: number;
  /** Retries after the first attempt for 5xx, network errors and 429s that announce no wait (default 6). */
  maxRetries?: number;
  /**
   * Total time a request may spend waiting on 429s that announce their wait (`Retry-After` or
   * `RateLimit-Reset`), in ms (default 900 000). The server said when to come back, so such waits
   * do not use up `maxRetries`; a storm is ridden out rather than dropped.
   */
  maxRateLimitWaitMs?: number;
  /** First backoff step in ms (default 500); doubles each retry, full jitter. */
  baseDelayMs?: number;
  /** Longest single backoff in ms (default 30 000). */
  maxDelayMs?: number;
  /** Longest wait a `Retry-After`/`RateLimit-Reset` may impose, in ms (default 300 000). */
  maxRetryAfterMs?: number;
  /** Secrets to redact from every error message (the token). */
  secrets?: string[];
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
  /** Told about each retry (for logs; never given headers). */
  onRetry?: (info: { method: string; path: string; status?: number; delayMs: number; attempt: number }) => void;
}

/** One request's settings. */
export interface HttpRequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  redirect?: 'follow' | 'manual' | 'error';
  /** Overrides `maxRetries` for this request (e.g. a heavy query not worth repeating many times). */
  maxRetries?: number;
}

const RETRY_STATUS = new Set([429, 500, 502, 503, 504]);

export class HttpClient {
  /** HTTP requests sent (every attempt counts). */
  requests = 0;
  /** Of which retries. */
  retries = 0;
  /** Milliseconds spent paused by the server's rate limit announcements. */
  pausedMs = 0;
  private readonly limiter: Limiter;
  private readonly o: Required<Omit<HttpClientOptions, 'onRetry' | 'secrets'>> & Pick<HttpClientOptions, 'onRetry'>;
  private readonly secrets: string[];
  private readonly backoff: (n: number) => number;
  private pausedUntil = 0;
  private readonly agents: { http: http.Agent; https: https.Agent };

  constructor(opts: HttpClientOptions = {}) {
    this.o = {
      concurrency: opts.concurrency ?? 8,
      timeoutMs: opts.timeoutMs ?? 30_000,
      maxRetries: opts.maxRetries ?? 6,
      baseDelayMs: opts.baseDelayMs ?? 500,
      maxDelayMs: opts.maxDelayMs ?? 30_000,
      maxRetryAfterMs: opts.maxRetryAfterMs ?? 300_000,
      maxRateLimitWaitMs: opts.maxRateLimitWaitMs ?? 900_000,
      sleep: opts.sleep ?? realSleep,
      random: opts.random ?? Math.random,
      now: opts.now ?? Date.now,
      onRetry: opts.onRetry,
    };
    this.secrets = (opts.secrets ?? []).filter((s) => s.length > 0);
    registerSecret(...this.secrets);
    this.backoff = jitteredBackoff(this.o.baseDelayMs, this.o.maxDelayMs, this.o.random);
    this.limiter = new Limiter(Math.max(1, this.o.concurrency));
    const sockets = Math.max(1, this.o.concurrency) + 2;
    this.agents = {
      http: new http.Agent({ keepAlive: true, maxSockets: sockets }),
      https: new https.Agent({ keepAlive: true, maxSockets: sockets }),
    };
  }

  /** Close the kept-alive connections. */
  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  /** The text without this client's secrets or any other credential (generator/redact.ts). */
  redact(text: string): string {
    return redact(text, this.secrets);
  }

  /** The error thrown when a request fails for good (clients of one service name their own class). */
  protected requestError(message: string, init: HttpRequestErrorInit): HttpRequestError {
    return new HttpRequestError(message, init);
  }

  /**
   * Send a request, retrying as described above. Resolves with any final answer whose status is not
   * retryable (including 4xx: callers decide); rejects with {@link HttpRequestError} (or the class
   * `requestError` makes) when retries run out or the network keeps failing.
   */
  async request(url: string, init: HttpRequestInit = {}): Promise<HttpResponse> {
    const method = init.method ?? 'GET';
    const u = new URL(url);
    const path = this.redact(u.pathname + u.search);
    const attempt = async (n: number): Promise<Attempt<HttpResponse>> => {
      await this.waitForGate();
      await this.limiter.acquire();
      try {
        this.requests++;
        if (n > 0) this.retries++;
        const r = await this.send(url, method, init.headers ?? {}, init.body, init.redirect ?? 'follow');
        this.noteRateLimit(r.status, r.headers);
        if (!RETRY_STATUS.has(r.status)) return { kind: 'done', value: r };
        const announcedMs = this.serverDelay(r.status, r.headers);
        return { kind: 'retry', value: r, status: r.status, problem: `HTTP ${r.status}`, ...(announcedMs !== undefined ? { announcedMs } : {}) };
      } catch (err) {
        return { kind: 'retry', problem: describeNetworkError(err), error: err };
      } finally {
        this.limiter.release();
      }
    };
    const result = await retry(attempt, {
      maxRetries: init.maxRetries ?? this.o.maxRetries,
      backoff: this.backoff,
      rateLimitBudgetMs: this.o.maxRateLimitWaitMs,
      sleep: this.o.sleep,
      onRetry: (r) => this.o.onRetry?.({ method, path, status: r.status, delayMs: r.delayMs, attempt: r.attempt }),
    });
    if (result.ok) return result.value;
    const { last, attempts } = result;
    throw this.requestError(this.redact(`${method} ${path}: ${last.problem} after ${attempts} attempt(s)`), {
      status: last.status,
      method,
      path,
      timedOut: last.status === undefined && isTimeoutError(last.error),
      secrets: this.secrets,
      ...(last.error !== undefined ? { cause: last.error } : {}),
    });
  }

  /** One attempt: the request, redirects followed (or not), the body read, all within the timeout. */
  private send(
    url: string,
    method: string,
    headers: Record<string, string>,
    body: string | undefined,
    redirect: 'follow' | 'manual' | 'error',
  ): Promise<HttpResponse> {
    const origin = new URL(url).origin;
    return new Promise<HttpResponse>((resolve, reject) => {
      let current: http.ClientRequest | undefined;
      const timer = setTimeout(() => {
        const e = new Error('timed out');
        e.name = 'TimeoutError';
        current?.destroy(e);
        reject(e);
      }, this.o.timeoutMs);
      const finish = (f: () => void) => {
        clearTimeout(timer);
        f();
      };
      const hop = (target: string, hdrs: Record<string, string>, n: number) => {
        const u = new URL(target);
        const lib = u.protocol === 'https:' ? https : http;
        const agent = u.protocol === 'https:' ? this.agents.https : this.agents.http;
        const req = lib.request(u, { method, headers: { 'accept-encoding': 'identity', ...hdrs }, agent }, (res) => {
          const status = res.statusCode ?? 0;
          const location = res.headers.location;
          if (redirect !== 'manual' && status >= 300 && status < 400 && location && status !== 304) {
            res.resume();
            if (redirect === 'error' || n >= 5) {
              finish(() => reject(new Error(redirect === 'error' ? 'unexpected redirect' : 'too many redirects')));
              return;
            }
            const next = new URL(location, u).toString();
            // Credentials stay with the origin they were given for.
            const nextHeaders = new URL(next).origin === origin ? hdrs : withoutCredentials(hdrs);
            hop(next, nextHeaders, n + 1);
            return;
          }
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (e) => finish(() => reject(e)));
          res.on('end', () =>
            finish(() =>
              resolve({ status, headers: toHeaders(res.headers), body: new Uint8Array(Buffer.concat(chunks)), url: target }),
            ),
          );
        });
        current = req;
        req.on('error', (e) => finish(() => reject(e)));
        req.end(body);
      };
      hop(url, headers, 0);
    });
  }

  /** The wait a retryable answer announces, or undefined to use backoff. Also arms the global gate on 429. */
  private serverDelay(status: number, headers: Headers): number | undefined {
    const announced = parseRetryAfter(headers.get('retry-after'), this.o.now()) ?? this.resetDelay(headers);
    if (announced === undefined) return undefined;
    const ms = Math.min(announced, this.o.maxRetryAfterMs);
    if (status === 429) this.pausedUntil = Math.max(this.pausedUntil, this.o.now() + ms);
    return ms;
  }

  /** `RateLimit-Reset` as a wait (the clock is read only when the header is there). */
  private resetDelay(headers: Headers): number | undefined {
    const reset = headers.get('ratelimit-reset');
    return reset && /^\d+$/.test(reset.trim()) ? parseRateLimitReset(reset, this.o.now()) : undefined;
  }

  /** A success answer that says the quota is exhausted pauses everything until the reset. */
  private noteRateLimit(status: number, headers: Headers): void {
    if (status >= 400) return;
    const remaining = headers.get('ratelimit-remaining');
    if (remaining === null || remaining.trim() !== '0') return;
    const ms = this.resetDelay(headers);
    if (ms !== undefined) this.pausedUntil = Math.max(this.pausedUntil, this.o.now() + Math.min(ms, this.o.maxRetryAfterMs));
  }

  private async waitForGate(): Promise<void> {
    for (;;) {
      const wait = this.pausedUntil - this.o.now();
      if (wait <= 0) return;
      this.pausedMs += wait;
      await this.o.sleep(wait);
    }
  }
}

const CREDENTIAL_HEADERS = new Set(['authorization', 'private-token', 'job-token', 'cookie']);

/** The headers without those that carry credentials (for a redirect to another origin). */
export function withoutCredentials(h: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(h).filter(([k]) => !CREDENTIAL_HEADERS.has(k.toLowerCase())));
}

function toHeaders(h: http.IncomingHttpHeaders): Headers {
  const out = new Headers();
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const x of v) out.append(k, x);
    else out.set(k, v);
  }
  return out;
}
