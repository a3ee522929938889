/**
 * Test helpers for publishing: a synthetic built catalog (root catalog, collections, items with a
 * preview asset, an HTML page beside each STAC document, root search index and report), a link
 * walker that checks what a reader reaches from the root, and a loopback S3 server.
 */
import crypto from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import S3rver from 's3rver';
import type { OutputFile } from '../../generator/types.js';

export const ACCESS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

const enc = (s: string): Uint8Array => Buffer.from(s, 'utf8');
const json = (v: unknown): Uint8Array => enc(JSON.stringify(v, null, 2) + '\n');

/** `projects`: collection id -> project names; `versions`: project -> a value that changes its item. */
export interface CatalogSpec {
  projects: Record<string, string[]>;
  versions?: Record<string, string>;
  /** project -> project it is derived from (a `derived_from` link between items). */
  derived?: Record<string, string>;
}

/** A built catalog as the build would hand it to a sink. Deterministic for a given spec. */
export function syntheticCatalog(spec: CatalogSpec): OutputFile[] {
  const files: OutputFile[] = [];
  const add = (path: string, mediaType: string, content: Uint8Array): void => void files.push({ path, mediaType, content });
  const collections = Object.keys(spec.projects).sort();
  add('assets/site.css', 'text/css; charset=utf-8', enc('body { font-family: sans-serif; }\n'));
  add('catalog.json', 'application/json', json({
    type: 'Catalog', stac_version: '1.1.0', id: 'hub', description: 'test hub',
    links: [
      { rel: 'root', href: './catalog.json', type: 'application/json' },
      ...collections.map((c) => ({ rel: 'child', href: `./${c}/collection.json`, type: 'application/json' })),
    ],
  }));
  add('index.html', 'text/html; charset=utf-8', enc(page(collections.map((c) => `${c}/index.html`), ['catalog.json'], 0)));
  const searchEntries: string[] = [];
  for (const c of collections) {
    const names = [...spec.projects[c]!].sort();
    add(`${c}/collection.json`, 'application/json', json({
      type: 'Collection', stac_version: '1.1.0', stac_extensions: [], id: c, description: c, license: 'other',
      extent: { spatial: { bbox: [[-180, -90, 180, 90]] }, temporal: { interval: [[null, null]] } },
      links: [
        { rel: 'root', href: '../catalog.json' },
        { rel: 'parent', href: '../catalog.json' },
        ...names.map((n) => ({ rel: 'item', href: `./group/${n}/${n}.json`, type: 'application/geo+json' })),
      ],
    }));
    add(`${c}/index.html`, 'text/html; charset=utf-8', enc(page(names.map((n) => `group/${n}/index.html`), ['collection.json', '../index.html'], 1)));
    for (const n of names) {
      const dir = `${c}/group/${n}`;
      const version = spec.versions?.[n] ?? '1';
      add(`${dir}/${n}.json`, 'application/geo+json', json({
        type: 'Feature', stac_version: '1.1.0', stac_extensions: [], id: `group/${n}`, geometry: null,
        properties: { datetime: '2026-01-01T00:00:00Z', title: n, version }, collection: c,
        links: [
          { rel: 'root', href: '../../../catalog.json' },
          { rel: 'parent', href: '../../collection.json' },
          { rel: 'collection', href: '../../collection.json' },
          ...derivedLink(spec, n),
        ],
        assets: { preview: { href: './preview.png', type: 'image/png', roles: ['thumbnail'] } },
      }));
      add(`${dir}/index.html`, 'text/html; charset=utf-8', enc(page([], [`${n}.json`, 'preview.png', '../../index.html'], 3)));
      add(`${dir}/preview.png`, 'image/png', enc(`PNG ${n} ${version}`));
      searchEntries.push(`${dir}/index.html`);
    }
  }
  add('search-index.json', 'application/json', json({ pages: searchEntries }));
  add('build-report.json', 'application/json', json({ projects: searchEntries.length }));
  return files;
}

function derivedLink(spec: CatalogSpec, n: string): Array<{ rel: string; href: string }> {
  const from = spec.derived?.[n];
  if (!from) return [];
  const c = Object.keys(spec.projects).find((k) => spec.projects[k]!.includes(from));
  return c ? [{ rel: 'derived_from', href: `../../../${c}/group/${from}/${from}.json` }] : [];
}

function page(children: string[], others: string[], depth: number): string {
  const css = `${'../'.repeat(depth)}assets/site.css`;
  const links = [...children, ...others].map((h) => `<a href="${h}">${h}</a>`).join('\n');
  return `<!doctype html><html><head><link rel="stylesheet" href="${css}"></head><body>\n${links}\n</body></html>\n`;
}

/**
 * Walk what a reader reaches from `catalog.json` and `index.html`: every relative link of every
 * reachable JSON document (links and assets) and HTML page (href, src). Returns the broken ones.
 * An absent entry point (no catalog yet) is not a broken link.
 */
export async function brokenLinks(get: (path: string) => Promise<Uint8Array | null>): Promise<string[]> {
  const broken: string[] = [];
  const seen = new Set<string>();
  const entries = ['catalog.json', 'index.html', 'search-index.json'];
  const queue = [...entries];
  while (queue.length > 0) {
    const path = queue.shift()!;
    if (seen.has(path)) continue;
    seen.add(path);
    const body = await get(path);
    if (body === null) {
      if (!entries.includes(path)) broken.push(path);
      continue;
    }
    const text = Buffer.from(body).toString('utf8');
    const hrefs: string[] = [];
    if (path.endsWith('.json')) {
      const doc = JSON.parse(text) as { links?: Array<{ href: string }>; assets?: Record<string, { href: string }>; pages?: string[] };
      for (const l of doc.links ?? []) hrefs.push(l.href);
      for (const a of Object.values(doc.assets ?? {})) hrefs.push(a.href);
      for (const p of doc.pages ?? []) hrefs.push(p.startsWith('.') ? p : `./${p}`);
    } else if (path.endsWith('.html')) {
      for (const m of text.matchAll(/(?:href|src)="([^"]+)"/g)) hrefs.push(m[1]!);
    }
    for (const raw of hrefs) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(raw) || raw.startsWith('//')) continue;
      const h = decodeURI(raw.split('#')[0]!.split('?')[0]!);
      if (h === '') continue;
      let target = posix.normalize(posix.join(posix.dirname(path), h));
      if (target === '.' || h.endsWith('/')) target = target === '.' ? 'index.html' : `${target.replace(/\/$/, '')}/index.html`;
      if (!seen.has(target)) queue.push(target);
    }
  }
  return broken;
}

/**
 * A loopback S3 server: s3rver, S3's REST API over the filesystem. It reproduces what publishing
 * relies on: PutObject with Content-Type, Cache-Control and Content-MD5 checks, ETag = MD5 of a
 * single-part upload, ListObjectsV2 by prefix in pages of 1000 with continuation tokens,
 * DeleteObjects, NoSuchKey / NoSuchBucket errors, and InvalidAccessKeyId (HTTP 403) for an access
 * key other than its own (S3RVER). It does not verify SigV4 signatures, so a wrong secret with the
 * right key id is accepted.
 */
export interface LoopbackS3 {
  endpoint: string;
  port: number;
  stop: () => Promise<void>;
}

export async function startS3(buckets: string[]): Promise<LoopbackS3> {
  allowDesContinuationTokens();
  const directory = await mkdtemp(join(tmpdir(), 'stachub-s3-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    stop: async () => {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/**
 * s3rver 3.7 encrypts ListObjectsV2 continuation tokens with DES, which OpenSSL 3 (Node >= 17)
 * refuses, so its listings beyond 1000 keys fail with HTTP 500. Tokens are opaque to clients, so
 * 'des' is replaced by an identity transform in this process (nothing else uses DES).
 */
function allowDesContinuationTokens(): void {
  const c = crypto as unknown as Record<string, unknown> & { __stachubDes?: boolean };
  if (c.__stachubDes) return;
  c.__stachubDes = true;
  const identity = () => ({
    update: (data: string | Buffer, enc?: BufferEncoding) => (typeof data === 'string' ? Buffer.from(data, enc) : Buffer.from(data)),
    final: () => Buffer.alloc(0),
  });
  for (const name of ['createCipheriv', 'createDecipheriv'] as const) {
    const original = c[name] as (...args: unknown[]) => unknown;
    c[name] = (algorithm: string, ...rest: unknown[]) => (algorithm === 'des' ? identity() : original(algorithm, ...rest));
  }
}
