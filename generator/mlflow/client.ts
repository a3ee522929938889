/**
 * The HTTP client of the MLflow REST registry reader (reference/mlflow.md §1): GETs with the
 * client's credentials, retried through the `generator/http` seam, `{error_code, message}` errors
 * turned into `MlflowRequestError`s, and at most `concurrency` calls at once.
 *
 * Credentials come from the environment exactly as the MLflow client reads them: user name and
 * password first (`Authorization: Basic`), else `MLFLOW_TRACKING_TOKEN` (`Bearer`). They are sent in
 * headers only and never appear in URLs, logs, diagnostics or errors.
 */
import { HttpRequestError } from '../http/errors.js';
import { fetchWithRetries } from '../http/fetch.js';
import { pool } from '../http/pool.js';
import { redact, registerSecret } from '../redact.js';
import { isRecord, str } from './mlmodel.js';

/** A failed MLflow call, with the error code MLflow sent (no credential, no query string). */
export class MlflowRequestError extends HttpRequestError {
  /** HTTP status; 0 when no answer came. */
  declare readonly status: number;
  constructor(
    readonly endpoint: string,
    status: number,
    readonly errorCode: string | undefined,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    // A server may echo the request (its Authorization header) in its error text: the seam's error redacts it.
    super(`${endpoint}: ${status}${errorCode ? ` ${errorCode}` : ''}${message ? `: ${message}` : ''}`, {
      status,
      method: 'GET',
      path: endpoint,
      ...options,
    });
  }
}

/** Retried statuses (the MLflow client retries the same set, reference/mlflow.md §1.2), with a short budget. */
const RETRY_STATUS = new Set([429, 502, 503, 504]);
const RETRIES = 2;

export interface MlflowClientOptions {
  fetch: typeof fetch;
  headers: Record<string, string>;
  /** Calls in flight at once. */
  concurrency: number;
  /** Per-attempt timeout in ms. */
  timeoutMs: number;
  sleep?: (ms: number) => Promise<void>;
  /** Told about each successful answer's headers (the tracking shim names itself in one). */
  onAnswer?: (headers: Headers) => void;
}

/** GETs against one MLflow server. */
export class MlflowClient {
  /** Runs a task (one or more calls) when a slot is free. */
  readonly limit: <T>(task: () => Promise<T>) => Promise<T>;

  constructor(private readonly o: MlflowClientOptions) {
    this.limit = pool(o.concurrency);
  }

  /** A JSON object from `url`; `endpoint` names the call in errors. */
  async getJson(url: string, endpoint = pathOf(url)): Promise<Record<string, unknown>> {
    const res = await this.request(url, endpoint);
    const text = await res.text();
    let body: unknown;
    try {
      body = text === '' ? {} : JSON.parse(text);
    } catch {
      throw new MlflowRequestError(endpoint, res.status, undefined, 'response is not JSON');
    }
    if (!isRecord(body)) throw new MlflowRequestError(endpoint, res.status, undefined, 'response is not a JSON object');
    return body;
  }

  /** The text at `url`. */
  async text(url: string): Promise<string> {
    const res = await this.request(url, pathOf(url));
    return res.text();
  }

  private async request(url: string, endpoint: string): Promise<Response> {
    const outcome = await fetchWithRetries(
      url,
      { headers: this.o.headers, redirect: 'error' },
      {
        fetch: this.o.fetch,
        timeoutMs: this.o.timeoutMs,
        retryStatus: RETRY_STATUS,
        maxRetries: RETRIES,
        backoff: (n) => 200 * 2 ** n,
        // `Retry-After` in seconds, at most 5 s (a date or 0: back off instead)
        announced: (headers) => {
          const after = Number(headers.get('retry-after'));
          return Number.isFinite(after) && after > 0 ? Math.min(after, 5) * 1000 : undefined;
        },
        ...(this.o.sleep ? { sleep: this.o.sleep } : {}),
      },
    );
    if (!('response' in outcome)) {
      const err = outcome.error;
      throw new MlflowRequestError(endpoint, 0, undefined, (err as Error).name === 'TimeoutError' ? 'timed out' : 'unreachable', {
        cause: err,
      });
    }
    const res = outcome.response;
    if (res.ok) {
      this.o.onAnswer?.(res.headers);
      return res;
    }
    let code: string | undefined;
    let message = res.statusText;
    try {
      const err = (await res.json()) as unknown;
      if (isRecord(err)) {
        code = str(err['error_code']);
        message = str(err['message']) ?? message;
      }
    } catch {
      // not a JSON error body
    }
    throw new MlflowRequestError(endpoint, res.status, code, redact(message).slice(0, 300));
  }
}

/** MLflow client credential order: user name + password (Basic) first, else the token (Bearer). */
export function authHeader(
  env: NodeJS.ProcessEnv,
  userInfo?: { user: string; password: string },
): Record<string, string> {
  const user = env['MLFLOW_TRACKING_USERNAME'];
  const password = env['MLFLOW_TRACKING_PASSWORD'];
  // Whatever is sent is registered as a secret: no message or log may print it back.
  if (user && password !== undefined) {
    const basic = Buffer.from(`${user}:${password}`).toString('base64');
    registerSecret(password, basic);
    return { authorization: `Basic ${basic}` };
  }
  const token = env['MLFLOW_TRACKING_TOKEN'];
  if (token) {
    registerSecret(token);
    return { authorization: `Bearer ${token}` };
  }
  if (userInfo) {
    const basic = Buffer.from(`${userInfo.user}:${userInfo.password}`).toString('base64');
    registerSecret(userInfo.password, basic);
    return { authorization: `Basic ${basic}` };
  }
  return {};
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return 'request';
  }
}
