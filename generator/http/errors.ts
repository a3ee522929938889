/**
 * Errors of the HTTP seam. Each extends the `StachubError` hierarchy (generator/errors.ts), keeps
 * the underlying failure as `cause`, and has its message redacted (generator/redact.ts) when it is
 * built, so no credential a server echoes back can reach a person or a file through it.
 */
import { StachubError, type ExitCode } from '../errors.js';
import { redact } from '../redact.js';

/** What a request that failed for good was, beside its message. */
export interface HttpRequestErrorInit {
  /** HTTP status of the last answer; undefined (or 0, for clients that say so) for a network error or timeout. */
  status: number | undefined;
  method: string;
  /** Path and query of the request, already redacted. */
  path: string;
  /** The last attempt ran out of time (no answer): a smaller request may pass where this one did not. */
  timedOut?: boolean;
  /** Values to redact besides the registered secrets (a client's own token). */
  secrets?: Iterable<string | undefined>;
  exitCode?: ExitCode;
  cause?: unknown;
}

/** A request that failed for good: a non-retryable status, retries exhausted, or the network kept failing. */
export class HttpRequestError extends StachubError {
  readonly status: number | undefined;
  readonly method: string;
  readonly path: string;
  readonly timedOut: boolean;
  constructor(message: string, init: HttpRequestErrorInit) {
    super(redact(message, init.secrets ?? []), {
      ...(init.exitCode !== undefined ? { exitCode: init.exitCode } : {}),
      ...(init.cause !== undefined ? { cause: init.cause } : {}),
    });
    this.status = init.status;
    this.method = init.method;
    this.path = init.path;
    this.timedOut = init.timedOut ?? false;
  }
}

/** Whether a failure that gave no HTTP answer was the attempt running out of time. */
export function isTimeoutError(err: unknown): boolean {
  return err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
}

/** One word for a failure that gave no HTTP answer: `timed out`, `network error ECONNRESET`, ... */
export function describeNetworkError(err: unknown): string {
  if (err instanceof Error) {
    if (isTimeoutError(err)) return 'timed out';
    const code = (err as { code?: string }).code ?? (err as { cause?: { code?: string } }).cause?.code;
    return code ? `network error ${code}` : `network error (${err.message})`;
  }
  return 'network error';
}
