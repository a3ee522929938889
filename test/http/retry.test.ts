import { describe, expect, it } from 'vitest';
import { Limiter, pool } from '../../generator/http/pool.js';
import { jitteredBackoff, retry, type Attempt } from '../../generator/http/retry.js';
import { parseRateLimitReset, parseRetryAfter } from '../../generator/http/retry-after.js';

const NOW = Date.parse('2026-12-01T12:00:00Z');

describe('parseRetryAfter', () => {
  it('reads delta-seconds as milliseconds', () => {
    expect(parseRetryAfter('7', NOW)).toBe(7000);
    expect(parseRetryAfter(' 0 ', NOW)).toBe(0);
  });
  it('reads an HTTP date as the time left until it, never negative', () => {
    expect(parseRetryAfter('Tue, 01 Dec 2026 12:00:30 GMT', NOW)).toBe(30_000);
    expect(parseRetryAfter('Tue, 01 Dec 2026 11:00:00 GMT', NOW)).toBe(0);
  });
  it('gives undefined for an absent or unreadable value', () => {
    expect(parseRetryAfter(null, NOW)).toBeUndefined();
    expect(parseRetryAfter('soon', NOW)).toBeUndefined();
  });
  it('reads RateLimit-Reset as a Unix time in seconds', () => {
    expect(parseRateLimitReset(String(NOW / 1000 + 12), NOW)).toBe(12_000);
    expect(parseRateLimitReset('12.5', NOW)).toBeUndefined();
    expect(parseRateLimitReset(null, NOW)).toBeUndefined();
  });
});

/** An attempt function that plays a script of outcomes. */
function script<T>(steps: Attempt<T>[]): { attempt: (n: number) => Promise<Attempt<T>>; calls: number[] } {
  const calls: number[] = [];
  return {
    calls,
    attempt: async (n) => {
      calls.push(n);
      return steps[Math.min(n, steps.length - 1)]!;
    },
  };
}

describe('retry', () => {
  it('retries up to maxRetries with the backoff, then gives the last attempt', async () => {
    const slept: number[] = [];
    const s = script<string>([{ kind: 'retry', status: 503, problem: 'HTTP 503' }]);
    const r = await retry(s.attempt, { maxRetries: 2, backoff: (n) => 100 * 2 ** n, sleep: async (ms) => void slept.push(ms) });
    expect(r).toEqual({ ok: false, last: { kind: 'retry', status: 503, problem: 'HTTP 503' }, attempts: 3 });
    expect(s.calls).toEqual([0, 1, 2]);
    expect(slept).toEqual([100, 200]);
  });

  it('waits what the server announced instead of backing off', async () => {
    const slept: number[] = [];
    const s = script<string>([
      { kind: 'retry', status: 503, problem: 'HTTP 503', announcedMs: 4000 },
      { kind: 'done', value: 'ok' },
    ]);
    const r = await retry(s.attempt, { maxRetries: 3, backoff: () => 1, sleep: async (ms) => void slept.push(ms) });
    expect(r).toEqual({ ok: true, value: 'ok' });
    expect(slept).toEqual([4000]);
  });

  it('lets announced 429 waits use a time budget instead of the retry count', async () => {
    const slept: number[] = [];
    const s = script<string>([{ kind: 'retry', status: 429, problem: 'HTTP 429', announcedMs: 1000 }]);
    const r = await retry(s.attempt, {
      maxRetries: 0,
      backoff: () => 1,
      rateLimitBudgetMs: 3500,
      sleep: async (ms) => void slept.push(ms),
    });
    expect(r.ok).toBe(false);
    expect(slept).toEqual([1000, 1000, 1000]);
    expect(s.calls).toHaveLength(4);
  });

  it('without a budget, announced 429 waits count as retries', async () => {
    const s = script<string>([{ kind: 'retry', status: 429, problem: 'HTTP 429', announcedMs: 1 }]);
    const r = await retry(s.attempt, { maxRetries: 1, backoff: () => 1, sleep: async () => undefined });
    expect(r.ok ? 0 : r.attempts).toBe(2);
  });

  it('discards a retryable answer and tells onRetry before each wait', async () => {
    const events: string[] = [];
    const s = script<string>([{ kind: 'retry', value: 'body', status: 502, problem: 'HTTP 502' }, { kind: 'done', value: 'ok' }]);
    await retry(s.attempt, {
      maxRetries: 1,
      backoff: () => 50,
      sleep: async (ms) => void events.push(`sleep ${ms}`),
      discard: async (v) => void events.push(`discard ${v}`),
      onRetry: (i) => events.push(`retry ${i.attempt} ${i.status} ${i.delayMs}`),
    });
    expect(events).toEqual(['discard body', 'retry 1 502 50', 'sleep 50']);
  });
});

describe('jitteredBackoff', () => {
  it('doubles from the base up to the cap, scaled by the jitter, never under 10 ms', () => {
    expect([0, 1, 2, 3].map(jitteredBackoff(100, 500, () => 1))).toEqual([100, 200, 400, 500]);
    expect(jitteredBackoff(100, 500, () => 0)(3)).toBe(10);
  });
});

describe('pool and Limiter', () => {
  it('pool runs at most n tasks at once, in arrival order', async () => {
    const limit = pool(2);
    let active = 0;
    let peak = 0;
    const order: number[] = [];
    const gates: (() => void)[] = [];
    const tasks = [0, 1, 2, 3].map((i) =>
      limit(async () => {
        active++;
        peak = Math.max(peak, active);
        order.push(i);
        await new Promise<void>((r) => gates.push(r));
        active--;
      }),
    );
    while (gates.length < 2) await Promise.resolve();
    expect(order).toEqual([0, 1]);
    for (let i = 0; i < 4; i++) {
      while (gates.length === 0) await Promise.resolve();
      gates.shift()!();
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(tasks);
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3]);
  });

  it('Limiter hands a released slot to the first waiter', async () => {
    const l = new Limiter(1);
    await l.acquire();
    const got: string[] = [];
    const a = l.acquire().then(() => got.push('a'));
    const b = l.acquire().then(() => got.push('b'));
    l.release();
    await a;
    expect(got).toEqual(['a']);
    l.release();
    await b;
    expect(got).toEqual(['a', 'b']);
  });
});
