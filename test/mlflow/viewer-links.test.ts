/**
 * The catalog's MLflow links point at pages that exist. Built from a `stachub track` registry (over
 * REST, and from its store folder), every link of every STAC document and HTML page that points at
 * the tracking server is followed the way a browser would (Basic auth with the token): none answers
 * 404, and the run and model version links are pages of the run viewer. Built from an
 * mlflow-export-import folder of a real MLflow server, the links keep MLflow UI's hash routes.
 */
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../generator/cli.js';
import type { StacItem } from '../../generator/stac/types.js';
import { startTrackingServer, type TrackingServer } from '../../pipelines/tracking/server.js';
import { repoRoot, schemaMapPairs } from '../helpers.js';
import { populate } from '../tracking/populate.js';

const TOKEN = 'links-token';
const BROWSER_AUTH = { authorization: `Basic ${Buffer.from(`reader:${TOKEN}`).toString('base64')}` };
let config: string;
let server: TrackingServer;
let tmp: string;
let storeDir: string;

async function build(argv: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stderr: string }> {
  let se = '';
  const code = await main(['node', 'stachub', 'build', '--config', config, ...argv, '--schema-map', ...schemaMapPairs], {
    stdout: () => undefined,
    stderr: (s) => (se += s),
    now: () => new Date('2026-12-01T12:00:00Z'),
    env,
  });
  return { code, stderr: se };
}

async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await files(p)));
    else out.push(p);
  }
  return out;
}

interface FoundLink {
  href: string;
  rel: string;
  file: string;
}

/** Every link to `base` in the STAC documents (with its rel) and the HTML pages of a built catalog. */
async function linksTo(out: string, base: string): Promise<FoundLink[]> {
  const found: FoundLink[] = [];
  for (const file of await files(out)) {
    const rel = path.relative(out, file);
    if (file.endsWith('.json') && !file.endsWith('build-report.json') && !file.endsWith('search-index.json')) {
      const doc = JSON.parse(await readFile(file, 'utf8')) as Partial<StacItem>;
      for (const l of doc.links ?? []) if (l.href.startsWith(base)) found.push({ href: l.href, rel: l.rel, file: rel });
      for (const a of Object.values(doc.assets ?? {})) if (a.href.startsWith(base)) found.push({ href: a.href, rel: 'asset', file: rel });
    } else if (file.endsWith('.html')) {
      const html = await readFile(file, 'utf8');
      for (const m of html.matchAll(/(?:href|src)="([^"]+)"/g)) {
        const href = m[1]!.replace(/&amp;/g, '&');
        if (href.startsWith(base)) found.push({ href, rel: 'html', file: rel });
      }
    }
  }
  return found;
}

/** Follow each distinct link as a browser does (the fragment stays in the browser). */
async function follow(links: FoundLink[]): Promise<Map<string, number>> {
  const statuses = new Map<string, number>();
  for (const l of links) {
    const url = l.href.split('#')[0]!;
    if (statuses.has(url)) continue;
    const res = await fetch(url, { headers: BROWSER_AUTH });
    await res.arrayBuffer();
    statuses.set(url, res.status);
  }
  return statuses;
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'stachub-viewer-links-'));
  storeDir = path.join(tmp, 'store');
  // The demo, without the tracking URI of its bundled export: the registry's own URI is the one to link.
  await cp(path.join(repoRoot, 'examples'), path.join(tmp, 'examples'), { recursive: true });
  config = path.join(tmp, 'examples/stachub.config.yml');
  await writeFile(config, (await readFile(config, 'utf8')).replace(/^\s*tracking_uri:.*$/m, ''));
  server = await startTrackingServer({ storeDir, port: 0, token: TOKEN, fsync: false });
  await populate(server.url, TOKEN);
}, 60_000);

afterAll(async () => {
  await server?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe.each([
  ['over REST', (out: string) => build(['--out', out, '--mlflow-url', server.url], { MLFLOW_TRACKING_TOKEN: TOKEN })],
  ['from its store folder', (out: string) => build(['--out', out, '--mlflow-export', storeDir], { MLFLOW_TRACKING_URI: server.url })],
])('a catalog built from a stachub track registry %s', (_name, buildIt) => {
  let out: string;
  let links: FoundLink[];
  let statuses: Map<string, number>;

  beforeAll(async () => {
    out = path.join(tmp, `out-${_name.replace(/\W+/g, '-')}`);
    const r = await buildIt(out);
    expect(r.code, r.stderr).toBe(0);
    links = await linksTo(out, server.url);
    statuses = await follow(links);
  }, 120_000);

  it('links runs and model versions to pages of the run viewer, not to MLflow UI hash routes', () => {
    const runs = links.filter((l) => l.rel === 'mlflow:run');
    const versions = links.filter((l) => l.rel === 'alternate');
    expect(runs.length).toBeGreaterThanOrEqual(3);
    expect(versions.length).toBeGreaterThanOrEqual(3);
    for (const l of runs) expect(l.href).toMatch(new RegExp(`^${server.url}/experiments/\\d+/runs/[0-9a-f]{32}$`));
    for (const l of versions) expect(l.href).toMatch(new RegExp(`^${server.url}/models/[^/#]+/versions/\\d+$`));
    expect(links.some((l) => l.href.includes('#'))).toBe(false);
    expect(links.some((l) => l.rel === 'mlflow:tracking-uri')).toBe(true);
    expect(links.some((l) => l.rel === 'html')).toBe(true);
  });

  it('follows every link to the tracking server: none answers 404, every one answers 200', () => {
    expect(statuses.size).toBeGreaterThan(6);
    const failed = [...statuses].filter(([, s]) => s !== 200);
    expect(failed).toEqual([]);
  });
});

describe('a catalog built from an MLflow server export', () => {
  it("links MLflow UI's own routes (#/experiments/..., #/models/...)", async () => {
    const out = path.join(tmp, 'export-out');
    const exportDir = path.join(repoRoot, 'examples/mlflow-export');
    const r = await build(['--out', out, '--mlflow-export', exportDir], { MLFLOW_TRACKING_URI: 'https://mlflow.example.com' });
    expect(r.code, r.stderr).toBe(0);
    const links = await linksTo(out, 'https://mlflow.example.com/');
    const pages = links.filter((l) => l.rel === 'mlflow:run' || l.rel === 'alternate');
    expect(pages.length).toBeGreaterThan(0);
    for (const l of pages) expect(l.href).toMatch(/^https:\/\/mlflow\.example\.com\/#\/(?:experiments\/[^/]+\/runs\/[0-9a-f]+|models\/[^/]+\/versions\/\d+)$/);
  });
});
