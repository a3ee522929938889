/**
 * The HTTP seam: every request stachub sends to GitLab, an MLflow server or a model's URL goes
 * through here.
 *
 * - `client.ts`: the pooled node:http client of crawls (one concurrency limit, a timeout per
 *   attempt, retries on 429/5xx/network errors, `Retry-After` and `RateLimit-*` obeyed by every
 *   request at once, redirects followed without carrying credentials to another origin);
 * - `fetch.ts`: retried GETs and capped downloads through a given `fetch`;
 * - `stream.ts`: single GETs whose body is streamed and may be dropped early (Range reads);
 * - `retry.ts`, `retry-after.ts`, `pool.ts`: the retry loop, the server-announced waits and the
 *   concurrency limits they share, with sleep and the clock injected;
 * - `errors.ts`: `HttpRequestError`, a `StachubError` with its cause and a redacted message.
 */
export { HttpClient, withoutCredentials, type HttpClientOptions, type HttpRequestInit, type HttpResponse } from './client.js';
export { HttpRequestError, describeNetworkError, isTimeoutError, type HttpRequestErrorInit } from './errors.js';
export { downloadCapped, fetchWithRetries, type FetchOutcome, type FetchRetryPolicy } from './fetch.js';
export { Limiter, pool } from './pool.js';
export { parseRateLimitReset, parseRetryAfter } from './retry-after.js';
export { jitteredBackoff, retry, sleep, type Attempt, type RetryPolicy, type RetryResult } from './retry.js';
export { fetchStreamTransport, nodeStreamTransport, type StreamReply, type StreamTransport } from './stream.js';
