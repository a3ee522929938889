/**
 * The shipped STAC schemas: complete (every `$ref` resolves inside schemas/vendor), loaded without
 * network, and a schema that is not shipped costs one short attempt per run, said once.
 */
import { readdir, readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { build } from '../../generator/build.js';
import { defaultConfig } from '../../generator/config.js';
import type { Source } from '../../generator/sources/source.js';
import { createSchemaLoader, mirrorPath, VENDORED_SCHEMAS_DIR } from '../../generator/validate/schemaLoader.js';
import { readmeWith, repoRoot, snapshot } from '../helpers.js';

const vendor = path.join(repoRoot, 'schemas', 'vendor');

async function jsonFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const d of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, d.name);
    if (d.isDirectory()) out.push(...(await jsonFiles(p)));
    else if (d.name.endsWith('.json')) out.push(p);
  }
  return out;
}

/** Every `$ref` value in a schema document. */
function refs(node: unknown, acc: string[] = []): string[] {
  if (Array.isArray(node)) for (const x of node) refs(x, acc);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') acc.push(v);
      else refs(v, acc);
    }
  }
  return acc;
}

const noNetwork: typeof fetch = async (url) => {
  throw new Error(`unexpected download of ${String(url)}`);
};

let servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  servers = [];
});

/** A server that accepts connections and never answers: what a firewalled schema host looks like. */
async function silentServer(): Promise<{ url: string; requests: string[] }> {
  const requests: string[] = [];
  const server = http.createServer((req) => {
    requests.push(req.url ?? '');
  });
  server.on('connection', (s: Socket) => s.unref());
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

describe('shipped schemas', () => {
  it('ship with the package from schemas/vendor', () => {
    expect(VENDORED_SCHEMAS_DIR).toBe(vendor);
  });

  it('are complete: every $ref of every shipped STAC schema resolves to a shipped file', async () => {
    const files = (await jsonFiles(vendor)).filter((f) => !f.includes(`${path.sep}gitlab-ci${path.sep}`));
    expect(files.length).toBeGreaterThan(30);
    const missing: string[] = [];
    for (const file of files) {
      const rel = path.relative(vendor, file).split(path.sep).join('/');
      const base = `https://${rel}`;
      for (const ref of refs(JSON.parse(await readFile(file, 'utf8')))) {
        if (ref.startsWith('#')) continue;
        const url = new URL(ref, base).href.replace(/#.*$/, '');
        // Ajv has JSON Schema draft-07 itself (the collection schemas use it for summaries).
        if (url.startsWith('http://json-schema.org/')) continue;
        const target = mirrorPath(vendor, url);
        if (!target || !files.includes(target)) missing.push(`${rel}: ${ref}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('load every schema the default configuration declares without a download', async () => {
    const load = createSchemaLoader({ fetch: noNetwork });
    const urls = [
      'https://schemas.stacspec.org/v1.1.0/catalog-spec/json-schema/catalog.json',
      'https://schemas.stacspec.org/v1.1.0/collection-spec/json-schema/collection.json',
      'https://schemas.stacspec.org/v1.1.0/item-spec/json-schema/item.json#',
      ...Object.values(defaultConfig('/tmp').extensions),
    ];
    for (const url of urls) await expect(load(url), url).resolves.toMatchObject({ $schema: expect.any(String) });
  });

  it('never map a URL outside the shipped folder', () => {
    // URL parsing resolves dot segments inside the host's own folder.
    expect(mirrorPath(vendor, 'https://stac-extensions.github.io/../../../etc/passwd')).toBe(path.join(vendor, 'stac-extensions.github.io', 'etc', 'passwd'));
    expect(mirrorPath(vendor, 'https://stac-extensions.github.io/a/%2e%2e/%2e%2e/b.json')).toBe(path.join(vendor, 'stac-extensions.github.io', 'b.json'));
    expect(mirrorPath(vendor, 'https://stac-extensions.github.io/a/..%2f..%2fb.json')).toBeUndefined();
    expect(mirrorPath(vendor, 'https://stac-extensions.github.io/a/..%5c..%5cb.json')).toBeUndefined();
    expect(mirrorPath(vendor, 'file:///etc/passwd')).toBeUndefined();
    expect(mirrorPath(vendor, 'https://host:8443/x.json')).toBeUndefined();
  });
});

describe('a schema stachub does not ship', () => {
  it('is tried once per run with a short timeout, then reported as unavailable', async () => {
    const host = await silentServer();
    const url = `${host.url}/ext/v1.0.0/schema.json`;
    const load = createSchemaLoader({ timeoutMs: 300 });
    const results = await Promise.allSettled([load(url), load(url), load(`${url}#`)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(String((results[0] as PromiseRejectedResult).reason)).toMatch(/no answer within 0.3 s/);
    await expect(load(url)).rejects.toThrow(/could not be downloaded/);
    expect(host.requests).toEqual(['/ext/v1.0.0/schema.json']);
  });

  it('declared by a README: the build goes on, validated with the shipped schemas, and warns once naming the URL', async () => {
    const host = await silentServer();
    const ext = `${host.url}/acme/v1.0.0/schema.json`;
    const projects = [1, 2, 3].map((i) =>
      snapshot(readmeWith(`license: MIT\nextensions:\n  acme: ${ext}\nacme:\n  colour: blue`), { info: { fullPath: `team/m${i}`, id: i } }),
    );
    const source: Source = {
      description: 'memory',
      projects: async () => ({ entries: projects.map((s) => ({ snapshot: s, origin: 'fresh' as const })), failed: [], excluded: { visibility: 0, archived: 0 } }),
    };
    const { report, problems } = await build({
      config: defaultConfig('/tmp'),
      source,
      now: () => new Date('2026-01-01T00:00:00Z'),
      schemaLoader: createSchemaLoader({ timeoutMs: 300 }),
    });
    expect(problems).toEqual([]);
    const warnings = report.messages.filter((m) => m.code === 'stac/schemas-unavailable');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toContain(ext);
    expect(host.requests).toHaveLength(1);
    // The catalog, the collection and everything else was checked; only the three items were not.
    expect(report.counts.items).toBe(3);
    expect(report.counts.schemaChecked).toBeGreaterThanOrEqual(2);
  });
});
