/** Server-announced waits: `Retry-After` (RFC 9110 §10.2.3) and GitLab's `RateLimit-Reset`. */

/** `Retry-After`: delta-seconds or an HTTP date (RFC 9110 §10.2.3), in ms from `nowMs`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - nowMs);
}

/** `RateLimit-Reset` (a Unix time in seconds), in ms from `nowMs`; undefined when absent or not a number. */
export function parseRateLimitReset(value: string | null, nowMs: number): number | undefined {
  if (!value || !/^\d+$/.test(value.trim())) return undefined;
  return Math.max(0, Number(value) * 1000 - nowMs);
}
