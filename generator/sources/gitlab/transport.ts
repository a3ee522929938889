/**
 * The HTTP transport under every GitLab request (gitbeaker's `requesterFn` and the raw/Range reads):
 * the pooled client of `generator/http`, whose failures are `GitLabRequestError`s.
 *
 * Why not gitbeaker's own: its built-in retry ignores `Retry-After`, retries only 429/502 and gives
 * up after ~0.25 s (reference/gitlab.md §4.4), its limiter is per resource instance, and its timeout
 * is one signal shared by all pages of a call. The seam's client has one global concurrency limit
 * for the whole crawl, a timeout per attempt, retries with backoff and full jitter on 429, 5xx and
 * network errors, and a 429's `Retry-After` or `RateLimit-Reset` pausing every request.
 */
import { HttpClient, type HttpClientOptions, type HttpResponse } from '../../http/client.js';
import { HttpRequestError, type HttpRequestErrorInit } from '../../http/errors.js';

export { parseRetryAfter } from '../../http/retry-after.js';

/** What a request returned. */
export type TransportResponse = HttpResponse;

export type TransportOptions = HttpClientOptions;

/** A GitLab request that failed for good: a non-retryable status, or retries exhausted. */
export class GitLabRequestError extends HttpRequestError {}

export class GitLabTransport extends HttpClient {
  protected override requestError(message: string, init: HttpRequestErrorInit): HttpRequestError {
    return new GitLabRequestError(message, init);
  }
}
