import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpClient } from '../../generator/http/client.js';
import { HttpRequestError } from '../../generator/http/errors.js';
import { StachubError } from '../../generator/errors.js';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;
const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function serve(handler: Handler): Promise<string> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('HttpClient', () => {
  it('waits what an HTTP-date Retry-After announces, on the injected clock, then succeeds', async () => {
    const now = Date.parse('2026-12-01T12:00:00Z');
    let n = 0;
    const url = await serve((_req, res) => {
      n++;
      if (n === 1) res.writeHead(503, { 'retry-after': 'Tue, 01 Dec 2026 12:00:09 GMT' }).end();
      else res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
    const slept: number[] = [];
    const client = new HttpClient({ sleep: async (ms) => void slept.push(ms), now: () => now });
    const r = await client.request(`${url}/x`);
    client.close();
    expect(new TextDecoder().decode(r.body)).toBe('ok');
    expect(slept).toEqual([9000]);
    expect([client.requests, client.retries]).toEqual([2, 1]);
  });

  it('fails with a typed, redacted error that keeps the network failure as its cause', async () => {
    const url = await serve((req) => req.socket.destroy());
    const client = new HttpClient({ maxRetries: 1, sleep: async () => undefined, random: () => 0.5, secrets: ['s3cret-token'] });
    const err = await client.request(`${url}/p?private_token=s3cret-token`).catch((e: unknown) => e);
    client.close();
    expect(err).toBeInstanceOf(HttpRequestError);
    expect(err).toBeInstanceOf(StachubError);
    const e = err as HttpRequestError;
    expect(e.message).not.toContain('s3cret');
    expect(e.message).toMatch(/^GET \/p\?private_token=\[REDACTED\].* network error ECONNRESET after 2 attempt\(s\)$/);
    expect(e.status).toBeUndefined();
    expect(e.cause).toBeInstanceOf(Error);
    expect(e.exitCode).toBe(1);
  });

  it('an attempt that outlives the timeout is a timed-out failure', async () => {
    const url = await serve(() => undefined); // never answers
    const client = new HttpClient({ timeoutMs: 50, maxRetries: 0 });
    const err = (await client.request(`${url}/slow`).catch((e: unknown) => e)) as HttpRequestError;
    client.close();
    expect(err.timedOut).toBe(true);
    expect(err.message).toBe('GET /slow: timed out after 1 attempt(s)');
  });

  it('never holds more requests in flight than its concurrency', async () => {
    let inFlight = 0;
    let peak = 0;
    const url = await serve((_req, res) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      setTimeout(() => {
        inFlight--;
        res.end('x');
      }, 20);
    });
    const client = new HttpClient({ concurrency: 3 });
    await Promise.all(Array.from({ length: 12 }, (_, i) => client.request(`${url}/${i}`)));
    client.close();
    expect(peak).toBe(3);
    expect(client.requests).toBe(12);
  });
});
