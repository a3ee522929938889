import { describe, expect, it } from 'vitest';
import { downloadCapped, fetchWithRetries, type FetchRetryPolicy } from '../../generator/http/fetch.js';

/** A fetch that answers from a script, one entry per call (an Error entry rejects); each answer is made afresh. */
function scripted(answers: Array<(() => Response) | Error>): { fetch: typeof fetch; calls: number } {
  const state = { calls: 0, fetch: undefined as unknown as typeof fetch };
  state.fetch = (async () => {
    const a = answers[Math.min(state.calls++, answers.length - 1)]!;
    if (a instanceof Error) throw a;
    return a();
  }) as typeof fetch;
  return state;
}

const policy = (f: typeof fetch, slept: number[]): FetchRetryPolicy => ({
  fetch: f,
  timeoutMs: 1000,
  retryStatus: new Set([503]),
  maxRetries: 2,
  backoff: (n) => 100 * 2 ** n,
  announced: (h) => (h.get('retry-after') ? Number(h.get('retry-after')) * 1000 : undefined),
  sleep: async (ms) => void slept.push(ms),
});

describe('fetchWithRetries', () => {
  it('retries a retryable status, waiting what it announces, and returns the success', async () => {
    const slept: number[] = [];
    const s = scripted([() => new Response('', { status: 503, headers: { 'retry-after': '3' } }), () => new Response('ok')]);
    const out = await fetchWithRetries('http://x/', {}, policy(s.fetch, slept));
    expect('response' in out && (await out.response.text())).toBe('ok');
    expect(slept).toEqual([3000]);
    expect(s.calls).toBe(2);
  });

  it('once retries are spent, hands back the last answer with its body unread', async () => {
    const slept: number[] = [];
    const s = scripted([() => new Response('{"error_code":"X"}', { status: 503 })]);
    const out = await fetchWithRetries('http://x/', {}, policy(s.fetch, slept));
    expect('response' in out && out.response.status).toBe(503);
    expect('response' in out && (await out.response.text())).toBe('{"error_code":"X"}');
    expect(slept).toEqual([100, 200]);
    expect(s.calls).toBe(3);
  });

  it('gives a non-retryable status at once, and the last network failure when the network keeps failing', async () => {
    const a = scripted([() => new Response('', { status: 404 })]);
    const four = await fetchWithRetries('http://x/', {}, policy(a.fetch, []));
    expect('response' in four && four.response.status).toBe(404);
    expect(a.calls).toBe(1);
    const down = new TypeError('fetch failed');
    const b = scripted([down]);
    expect(await fetchWithRetries('http://x/', {}, policy(b.fetch, []))).toEqual({ error: down });
    expect(b.calls).toBe(3);
  });
});

describe('downloadCapped', () => {
  it('returns the body up to the cap and nothing beyond it', async () => {
    const f = scripted([() => new Response(new Uint8Array(10))]).fetch;
    expect((await downloadCapped('http://x/', {}, 10, f, 1000))?.length).toBe(10);
    expect(await downloadCapped('http://x/', {}, 9, f, 1000)).toBeUndefined();
    expect(await downloadCapped('http://x/', {}, 9, scripted([() => new Response('', { status: 500 })]).fetch, 1000)).toBeUndefined();
  });
});
