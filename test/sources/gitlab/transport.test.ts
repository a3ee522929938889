import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { GitLabRequestError, GitLabTransport, parseRetryAfter } from '../../../generator/sources/gitlab/transport.js';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void;

let server: http.Server | undefined;
afterEach(async () => {
  if (server) {
    server.closeAllConnections();
    await new Promise<void>((r) => server!.close(() => r()));
    server = undefined;
  }
});

async function serve(handler: Handler): Promise<string> {
  let n = 0;
  server = http.createServer((req, res) => handler(req, res, n++));
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A transport whose sleeps are recorded (and only yield), so waits are asserted, not timed. */
function recording(opts: ConstructorParameters<typeof GitLabTransport>[0] = {}) {
  const waits: number[] = [];
  let clock = 1_000_000;
  const t = new GitLabTransport({
    sleep: async (ms) => {
      waits.push(ms);
      clock += ms;
      await new Promise((r) => setImmediate(r));
    },
    now: () => clock,
    random: () => 0.5,
    baseDelayMs: 100,
    ...opts,
  });
  return { t, waits };
}

describe('GitLab transport', () => {
  it('waits what Retry-After says on a 429, then succeeds', async () => {
    const url = await serve((_q, res, n) => {
      if (n < 2) {
        res.writeHead(429, { 'retry-after': '7', 'content-type': 'text/plain' });
        res.end('Retry later');
      } else res.end('ok');
    });
    const { t, waits } = recording();
    const r = await t.request(`${url}/api/v4/projects`);
    expect(r.status).toBe(200);
    expect(new TextDecoder().decode(r.body)).toBe('ok');
    // 7 s announced twice; the global gate makes the next attempt wait the rest, never less
    expect(waits.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(14_000);
    expect(t.requests).toBe(3);
    expect(t.retries).toBe(2);
  });

  it('uses RateLimit-Reset when Retry-After is absent, and exponential backoff when neither is', async () => {
    const url = await serve((_q, res, n) => {
      if (n === 0) {
        res.writeHead(429, { 'ratelimit-reset': String(Math.floor(1_000_000 / 1000) + 30) });
        res.end();
      } else if (n < 4) {
        res.writeHead(503);
        res.end();
      } else res.end('ok');
    });
    const { t, waits } = recording();
    await t.request(`${url}/x`);
    expect(waits[0]).toBe(30_000);
    // full jitter (random=0.5) over 100, 200, 400 ms
    expect(waits.slice(-3)).toEqual([50, 100, 200]);
  });

  it('a success with RateLimit-Remaining: 0 pauses the next request until the reset', async () => {
    const url = await serve((_q, res, n) => {
      res.writeHead(200, n === 0 ? { 'ratelimit-remaining': '0', 'ratelimit-reset': String(1000 + 5) } : {});
      res.end('ok');
    });
    const { t, waits } = recording();
    await t.request(`${url}/a`);
    expect(waits).toEqual([]);
    await t.request(`${url}/b`);
    expect(waits).toEqual([5000]);
  });

  it('retries network errors and timeouts, then fails naming the request, never the token', async () => {
    const url = await serve((req, _res) => {
      req.socket.destroy();
    });
    const { t } = recording({ maxRetries: 2, secrets: ['glpat-topsecret'] });
    const err = (await t
      .request(`${url}/api/v4/projects/1/repository/tree?x=glpat-topsecret`, { headers: { authorization: 'Bearer glpat-topsecret' } })
      .catch((e: unknown) => e)) as GitLabRequestError;
    expect(err).toBeInstanceOf(GitLabRequestError);
    expect(err.message).toMatch(/GET \/api\/v4\/projects\/1\/repository\/tree.*network error.*after 3 attempt/);
    expect(err.message).not.toContain('glpat-topsecret');
    expect(err.path).not.toContain('glpat-topsecret');
    expect(t.requests).toBe(3);

    const slow = new GitLabTransport({ timeoutMs: 100, maxRetries: 1, baseDelayMs: 1 });
    await afterEachServer();
    const slowUrl = await serve((_q, res) => {
      setTimeout(() => res.end('late'), 1000);
    });
    const e2 = (await slow.request(`${slowUrl}/slow`).catch((e: unknown) => e)) as GitLabRequestError;
    expect(e2.message).toMatch(/timed out after 2 attempt/);
  });

  it('does not retry a 404 or a 401', async () => {
    const url = await serve((_q, res, n) => {
      res.writeHead(n === 0 ? 404 : 401, { 'content-type': 'application/json' });
      res.end('{"message":"404 Project Not Found"}');
    });
    const { t } = recording();
    expect((await t.request(`${url}/a`)).status).toBe(404);
    expect((await t.request(`${url}/b`)).status).toBe(401);
    expect(t.requests).toBe(2);
  });

  it('never has more requests in flight than the concurrency limit', async () => {
    let inFlight = 0;
    let peak = 0;
    const url = await serve((_q, res) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      setTimeout(() => {
        inFlight--;
        res.end('ok');
      }, 15);
    });
    const t = new GitLabTransport({ concurrency: 3 });
    await Promise.all(Array.from({ length: 20 }, (_, i) => t.request(`${url}/${i}`)));
    expect(peak).toBe(3);
    expect(t.requests).toBe(20);
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('120', 0)).toBe(120_000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
    expect(parseRetryAfter(null, 0)).toBeUndefined();
  });
});

async function afterEachServer(): Promise<void> {
  if (server) {
    server.closeAllConnections();
    await new Promise<void>((r) => server!.close(() => r()));
    server = undefined;
  }
}
