import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { request } from 'node:http';
import { startStaticServer, type StaticServer } from '../../generator/commands/serve.js';
import { main } from '../../generator/cli.js';

let dir: string;
let server: StaticServer;

/** A raw GET (fetch would normalise `..` away before sending it). */
function rawGet(url: string, rawPath: string): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((ok, fail) => {
    const req = request({ host: u.hostname, port: u.port, path: rawPath, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => ok({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', fail);
    req.end();
  });
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'stachub-serve-'));
  mkdirSync(path.join(dir, 'ai-model', 'g', 'p'), { recursive: true });
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>home</title>');
  writeFileSync(path.join(dir, 'catalog.json'), '{"type":"Catalog"}');
  writeFileSync(path.join(dir, 'ai-model', 'g', 'p', 'index.html'), 'project');
  writeFileSync(path.join(dir, 'ai-model', 'g', 'p', 'p.json'), '{"type":"Feature"}');
  writeFileSync(path.join(dir, 'site.css'), 'body{}');
  writeFileSync(path.join(tmpdir(), 'stachub-serve-secret.txt'), 'secret');
  server = await startStaticServer(dir, { port: 0 });
});

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('stachub serve', () => {
  it('listens on 127.0.0.1 by default, on a free port when asked for port 0', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(server.port).toBeGreaterThan(0);
  });

  it('serves files with their content type and folders through index.html', async () => {
    const cases: Array<[string, string, string]> = [
      ['', 'text/html; charset=utf-8', 'home'],
      ['catalog.json', 'application/json', 'Catalog'],
      ['ai-model/g/p/', 'text/html; charset=utf-8', 'project'],
      ['ai-model/g/p/p.json', 'application/json', 'Feature'],
      ['site.css', 'text/css; charset=utf-8', 'body'],
    ];
    for (const [p, type, text] of cases) {
      const res = await fetch(server.url + p);
      expect(res.status, p).toBe(200);
      expect(res.headers.get('content-type'), p).toBe(type);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(await res.text()).toContain(text);
    }
  });

  it('redirects a folder without its slash, so relative links in its index resolve', async () => {
    const res = await fetch(server.url + 'ai-model/g/p', { redirect: 'manual' });
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe('/ai-model/g/p/');
  });

  it('answers 404 for a missing file and never serves outside the folder', async () => {
    expect((await fetch(server.url + 'nope.html')).status).toBe(404);
    for (const p of ['/../stachub-serve-secret.txt', '/%2e%2e/stachub-serve-secret.txt', '/ai-model/..%2f..%2fstachub-serve-secret.txt']) {
      const res = await rawGet(server.url, p);
      expect(res.body, p).not.toContain('secret');
      expect([403, 404], p).toContain(res.status);
    }
  });

  it('refuses methods other than GET, HEAD and OPTIONS', async () => {
    expect((await fetch(server.url, { method: 'POST', body: 'x' })).status).toBe(405);
    const head = await fetch(server.url + 'catalog.json', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String('{"type":"Catalog"}'.length));
  });

  it('exits with a usage error for a folder that does not exist or a bad port', async () => {
    let err = '';
    const code = await main(['node', 'stachub', 'serve', path.join(dir, 'missing')], { stderr: (s) => (err += s), stdout: () => {} });
    expect(code).toBe(2);
    expect(err).toContain('is not a directory');
    expect(await main(['node', 'stachub', 'serve', dir, '--port', '70000'], { stderr: () => {}, stdout: () => {} })).toBe(2);
  });
});
