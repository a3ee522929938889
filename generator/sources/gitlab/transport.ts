/**
 * The HTTP transport under every GitLab request (gitbeaker's `requesterFn` and the raw/Range reads).
 *
 * Why our own: gitbeaker's built-in retry ignores `Retry-After`, retries only 429/502 and gives up
 * after ~0.25 s (reference/gitlab.md §4.4), its limiter is per resource instance, and its timeout is one
 * signal shared by all pages of a call. Here:
 * - one global concurrency limit for every request of the crawl;
 * - a timeout per attempt;
 * - retries with exponential backoff and full jitter on 429, 5xx (500/502/503/504) and network errors;
 * - a 429's `Retry-After` (seconds or HTTP date), else its `RateLimit-Reset`, pauses *every* request
 *   until then (the limit is per user, so all in-flight work shares it); a success answer with
 *   `RateLimit-Remaining: 0` pauses until `RateLimit-Reset` too;
 * - errors name the method and path, never a header, and any occurrence of the token is redacted;
 * - node:http(s) with keep-alive agents rather than fetch: a third of fetch's CPU per request, which
 *   is what bounds a 10,000-project crawl on a CI runner; redirects are followed by hand and the
 *   credentials are dropped when one leaves the origin (as fetch does for `Authorization`).
 */

import http from 'node:http';
import https from 'node:https';
import { redact, registerSecret } from '../../redact.js';

/** What a request returned (fully read: GitLab API bodies are small; ONNX reads are ranges). */
export interface TransportResponse {
  status: number;
  headers: Headers;
  body: Uint8Array;
  /** The URL that answered (after redirects). */
  url: string;
}

export interface TransportOptions {
  /** Requests in flight at once, for the whole crawl (default 8). */
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

/** A request that failed for good: a non-retryable status, or retries exhausted. */
export class GitLabRequestError extends Error {
  /** HTTP status, or undefined for a network error / timeout. */
  readonly status: number | undefined;
  readonly method: string;
  /** Path and query of the request (tokens are never in URLs we build). */
  readonly path: string;
  /** The last attempt ran out of time (no answer): a smaller request may pass where this one did not. */
  readonly timedOut: boolean;
  constructor(message: string, init: { status: number | undefined; method: string; path: string; timedOut?: boolean }) {
    super(message);
    this.name = 'GitLabRequestError';
    this.status = init.status;
    this.method = init.method;
    this.path = init.path;
    this.timedOut = init.timedOut ?? false;
  }
}

const RETRY_STATUS = new Set([429, 500, 502, 503, 504]);

/** A FIFO counting semaphore. */
class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly max: number) {}
  async acquire(): Promise<void> {
    if (this.active < this.max) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}

export class GitLabTransport {
  /** HTTP requests sent (every attempt counts). */
  requests = 0;
  /** Of which retries. */
  retries = 0;
  /** Milliseconds spent paused by the server's rate limit announcements. */
  pausedMs = 0;
  private readonly limiter: Limiter;
  private readonly o: Required<Omit<TransportOptions, 'onRetry' | 'secrets'>> & Pick<TransportOptions, 'onRetry'>;
  private readonly secrets: string[];
  private pausedUntil = 0;
  private readonly agents: { http: http.Agent; https: https.Agent };

  constructor(opts: TransportOptions = {}) {
    this.o = {
      concurrency: opts.concurrency ?? 8,
      timeoutMs: opts.timeoutMs ?? 30_000,
      maxRetries: opts.maxRetries ?? 6,
      baseDelayMs: opts.baseDelayMs ?? 500,
      maxDelayMs: opts.maxDelayMs ?? 30_000,
      maxRetryAfterMs: opts.maxRetryAfterMs ?? 300_000,
      maxRateLimitWaitMs: opts.maxRateLimitWaitMs ?? 900_000,
      sleep: opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
      random: opts.random ?? Math.random,
      now: opts.now ?? Date.now,
      onRetry: opts.onRetry,
    };
    this.secrets = (opts.secrets ?? []).filter((s) => s.length > 0);
    registerSecret(...this.secrets);
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

  /** The text without this transport's token or any other credential (generator/redact.ts). */
  redact(text: string): string {
    return redact(text, this.secrets);
  }

  /**
   * Send a request, retrying as described above. Resolves with any final answer whose status is not
   * retryable (including 4xx: callers decide); rejects with `GitLabRequestError` when retries run out
   * or the network keeps failing.
   */
  async request(
    url: string,
    init: {
      method?: string;
      headers?: Record<string, string>;
      body?: string;
      redirect?: 'follow' | 'manual' | 'error';
      /** Overrides `maxRetries` for this request (e.g. a heavy query not worth repeating many times). */
      maxRetries?: number;
    } = {},
  ): Promise<TransportResponse> {
    const method = init.method ?? 'GET';
    const u = new URL(url);
    const path = this.redact(u.pathname + u.search);
    let lastProblem = '';
    let lastStatus: number | undefined;
    let counted = 0; // retries that use up maxRetries
    let rateLimitWaited = 0;
    for (let attempt = 0; ; attempt++) {
      await this.waitForGate();
      await this.limiter.acquire();
      let res: TransportResponse | undefined;
      let delay: number | undefined;
      try {
        this.requests++;
        if (attempt > 0) this.retries++;
        const r = await this.send(url, method, init.headers ?? {}, init.body, init.redirect ?? 'follow');
        res = r;
        this.noteRateLimit(r.status, r.headers);
        if (RETRY_STATUS.has(r.status)) {
          lastStatus = r.status;
          lastProblem = `HTTP ${r.status}`;
          delay = this.serverDelay(r.status, r.headers);
        }
      } catch (err) {
        lastStatus = undefined;
        lastProblem = describeNetworkError(err);
      } finally {
        this.limiter.release();
      }
      if (res && !RETRY_STATUS.has(res.status)) return res;
      const announced429 = res?.status === 429 && delay !== undefined;
      const exhausted = announced429
        ? rateLimitWaited + (delay ?? 0) > this.o.maxRateLimitWaitMs
        : counted >= (init.maxRetries ?? this.o.maxRetries);
      if (exhausted) {
        throw new GitLabRequestError(this.redact(`${method} ${path}: ${lastProblem} after ${attempt + 1} attempt(s)`), {
          status: lastStatus,
          method,
          path,
          timedOut: lastStatus === undefined && lastProblem === 'timed out',
        });
      }
      const backoff = this.backoff(counted);
      const wait = delay !== undefined ? Math.max(delay, 0) : backoff;
      if (announced429) rateLimitWaited += wait;
      else counted++;
      this.o.onRetry?.({ method, path, status: lastStatus, delayMs: wait, attempt: attempt + 1 });
      await this.o.sleep(wait);
    }
  }

  /** One attempt: the request, redirects followed (or not), the body read, all within the timeout. */
  private send(
    url: string,
    method: string,
    headers: Record<string, string>,
    body: string | undefined,
    redirect: 'follow' | 'manual' | 'error',
  ): Promise<TransportResponse> {
    const origin = new URL(url).origin;
    return new Promise<TransportResponse>((resolve, reject) => {
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

  private backoff(attempt: number): number {
    const cap = Math.min(this.o.maxDelayMs, this.o.baseDelayMs * 2 ** attempt);
    // full jitter, but never zero so a storm does not hammer the server
    return Math.max(10, Math.round(cap * this.o.random()));
  }

  /** The wait a retryable answer announces, or undefined to use backoff. Also arms the global gate on 429. */
  private serverDelay(status: number, headers: Headers): number | undefined {
    const announced = parseRetryAfter(headers.get('retry-after'), this.o.now()) ?? this.resetDelay(headers);
    if (announced === undefined) return undefined;
    const ms = Math.min(announced, this.o.maxRetryAfterMs);
    if (status === 429) this.pausedUntil = Math.max(this.pausedUntil, this.o.now() + ms);
    return ms;
  }

  private resetDelay(headers: Headers): number | undefined {
    const reset = headers.get('ratelimit-reset');
    if (!reset || !/^\d+$/.test(reset.trim())) return undefined;
    return Math.max(0, Number(reset) * 1000 - this.o.now());
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

/** `Retry-After`: delta-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - nowMs);
}

function describeNetworkError(err: unknown): string {
  if (err instanceof Error) {
    if (err.name === 'TimeoutError' || err.name === 'AbortError') return 'timed out';
    const code = (err as { code?: string }).code ?? (err as { cause?: { code?: string } }).cause?.code;
    return code ? `network error ${code}` : `network error (${err.message})`;
  }
  return 'network error';
}

const CREDENTIAL_HEADERS = new Set(['authorization', 'private-token', 'job-token', 'cookie']);

function withoutCredentials(h: Record<string, string>): Record<string, string> {
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
