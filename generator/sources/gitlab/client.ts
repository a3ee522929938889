/**
 * The gitbeaker client, with our transport plugged in as its `requesterFn` (reference/gitlab.md §4.6).
 * The token goes out as `Authorization: Bearer` (gitbeaker's `oauthToken`): GitLab accepts personal,
 * group and project access tokens that way, and fetch drops that header on a cross-origin redirect
 * (LFS downloads may redirect to object storage), unlike `PRIVATE-TOKEN` (§0.4, §4.5).
 */
import { Gitlab } from '@gitbeaker/rest';
import { createRequesterFn, type ResponseBodyTypes } from '@gitbeaker/requester-utils';
import { GitLabRequestError, type GitLabTransport } from './transport.js';

export type GitLabApi = InstanceType<typeof Gitlab<false>>;

/** Build a gitbeaker `Gitlab` whose every request goes through `transport`. */
export function createGitbeaker(host: string, token: string | undefined, transport: GitLabTransport): GitLabApi {
  const handler = async (endpoint: string, options?: Record<string, unknown>) => {
    const o = (options ?? {}) as { prefixUrl?: string; searchParams?: string; method?: string; headers?: Record<string, string>; body?: unknown };
    const base = o.prefixUrl ? (o.prefixUrl.endsWith('/') ? o.prefixUrl : `${o.prefixUrl}/`) : undefined;
    const url = new URL(endpoint, base);
    url.search = o.searchParams ?? '';
    const res = await transport.request(url.toString(), {
      method: o.method ?? 'GET',
      headers: o.headers,
      body: typeof o.body === 'string' ? o.body : undefined,
    });
    const headers = Object.fromEntries(res.headers.entries());
    if (res.status < 200 || res.status >= 300) {
      throw new GitLabRequestError(transport.redact(`${o.method ?? 'GET'} ${url.pathname}: ${describeBody(res.body, headers)}`), {
        status: res.status,
        method: o.method ?? 'GET',
        path: transport.redact(url.pathname + url.search),
      });
    }
    return { body: parseBody(res.body, headers['content-type'] ?? '', res.status), headers, status: res.status };
  };
  const requesterFn = createRequesterFn((_, reqo) => Promise.resolve(reqo), handler);
  return new Gitlab({
    host,
    ...(token ? { oauthToken: token } : {}),
    requesterFn,
    // our transport has its own per-attempt timeout; gitbeaker's would be shared by all pages
    queryTimeout: null,
    // our transport limits globally; gitbeaker's limiter is per resource instance
    rateLimits: {},
  }) as GitLabApi;
}

/** Same body handling as gitbeaker's own requester: JSON → value, text/* → string, else Blob. */
function parseBody(body: Uint8Array, contentType: string, status: number): ResponseBodyTypes {
  if (status === 204) return null;
  const type = contentType.split(';')[0]!.trim();
  if (type === 'application/json') return body.length ? JSON.parse(new TextDecoder().decode(body)) : {};
  if (type.startsWith('text/')) return new TextDecoder().decode(body);
  return new Blob([body]);
}

/** GitLab's error message (`{"message": ...}` or `{"error": ...}`), else the status. */
function describeBody(body: Uint8Array, headers: Record<string, string>): string {
  const text = new TextDecoder().decode(body.subarray(0, 2000));
  if ((headers['content-type'] ?? '').includes('application/json')) {
    try {
      const j = JSON.parse(text) as { message?: unknown; error?: unknown };
      const m = j.message ?? j.error;
      if (m !== undefined) return typeof m === 'string' ? m : JSON.stringify(m);
    } catch {
      // fall through
    }
  }
  return text.trim().slice(0, 200) || 'empty answer';
}
