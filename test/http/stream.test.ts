import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { fetchStreamTransport, nodeStreamTransport, type StreamTransport } from '../../generator/http/stream.js';

const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function serve(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function text(t: StreamTransport, url: string): Promise<{ status: number; location: string | null; body: string }> {
  const r = await t.get(url, {});
  let body = '';
  for await (const c of r.chunks()) body += Buffer.from(c).toString();
  return { status: r.status, location: r.header('location'), body };
}

describe.each([
  ['node', () => nodeStreamTransport(1000)],
  ['fetch', () => fetchStreamTransport(fetch, 1000)],
])('%s stream transport', (_name, make) => {
  it('hands a redirect back to the caller instead of following it', async () => {
    const url = await serve((req, res) => {
      if (req.url === '/a') res.writeHead(302, { location: '/b' }).end();
      else res.end('b');
    });
    const t = make();
    expect(await text(t, `${url}/a`)).toEqual({ status: 302, location: '/b', body: '' });
    expect(await text(t, `${url}/b`)).toEqual({ status: 200, location: null, body: 'b' });
    t.close();
  });

  it('stops a large body when cancelled, having read only its start', async () => {
    let sent = 0;
    const url = await serve((_req, res) => {
      const chunk = Buffer.alloc(64 * 1024);
      const push = () => {
        while (sent < 64 * 1024 * 1024) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', push);
        }
        res.end();
      };
      push();
    });
    const t = make();
    const r = await t.get(url, {});
    for await (const _c of r.chunks()) break;
    await r.cancel();
    t.close();
    expect(sent).toBeLessThan(64 * 1024 * 1024);
  });
});

it('the node transport fails a request with no answer within its timeout', async () => {
  const url = await serve(() => undefined);
  const t = nodeStreamTransport(100);
  await expect(t.get(url, {})).rejects.toThrow('no answer within 100 ms');
  t.close();
});
