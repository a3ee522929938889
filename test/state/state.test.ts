import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readState, writeState } from '../../generator/pipeline/state.js';
import {
  STATE_FILE,
  StateFormatError,
  createState,
  decodeState,
  encodeState,
  previousFromState,
  snapshotHash,
  stateOutputFile,
} from '../../generator/state/state.js';
import type { SourceEntry } from '../../generator/sources/source.js';
import type { ProjectSnapshot, Visibility } from '../../generator/types.js';

function snapshot(id: number, visibility: Visibility = 'public'): ProjectSnapshot {
  return {
    project: {
      id,
      fullPath: `g/p${id}`,
      name: `p${id}`,
      nameWithNamespace: `G / p${id}`,
      description: null,
      topics: ['sharinghub:aimodel'],
      visibility,
      archived: false,
      webUrl: `https://gitlab.example.com/g/p${id}`,
      defaultBranch: 'main',
      createdAt: '2026-01-01T00:00:00Z',
      lastActivityAt: '2026-01-02T00:00:00Z',
      starCount: 0,
      license: null,
      headCommit: 'a'.repeat(40),
    },
    readme: { path: 'README.md', text: '# hi' },
    files: [{ path: 'README.md', href: `https://gitlab.example.com/api/v4/projects/${id}/repository/files/README.md/raw?ref=main&lfs=true` }],
    release: null,
    packages: [],
    containers: [],
    carried: [{ path: 'preview.png', mediaType: 'image/png', bytes: new Uint8Array([137, 80, 78, 71, 0, 255]) }],
    onnx: {},
    diagnostics: [],
  };
}

const entries = (...s: ProjectSnapshot[]): SourceEntry[] => s.map((snapshot) => ({ snapshot, origin: 'fresh' }));

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup) await c();
  cleanup = [];
});

async function tempDir(): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), 'stachub-state-'));
  cleanup.push(() => rm(d, { recursive: true, force: true }));
  return d;
}

describe('build state', () => {
  it('round-trips through gzip JSON, carried bytes included', () => {
    const state = createState({ generatedAt: '2026-03-01T00:00:00Z', source: 'gitlab https://gitlab.example.com', entries: entries(snapshot(1), snapshot(2)) });
    const back = decodeState(encodeState(state));
    expect(back).toEqual(state);
    expect(back.projects[0]!.snapshot.carried[0]!.bytes).toBeInstanceOf(Uint8Array);
    expect(back.projects[0]!.metadataHash).toBe(snapshotHash(snapshot(1)));
    expect(stateOutputFile(state)).toMatchObject({ path: STATE_FILE, mediaType: 'application/gzip' });
  });

  it('keys previous projects by id with their change keys', () => {
    const state = createState({
      generatedAt: '2026-03-01T00:00:00Z',
      source: 'gitlab https://gitlab.example.com',
      entries: entries(snapshot(5)),
      marks: new Map([[5, { readAt: '2026-02-01T00:00:00Z', checkedAt: '2026-03-01T00:00:00Z' }]]),
    });
    const prev = previousFromState(state).get(5)!;
    expect(prev).toMatchObject({
      headCommit: 'a'.repeat(40),
      topics: ['sharinghub:aimodel'],
      lastActivityAt: '2026-01-02T00:00:00Z',
      readAt: '2026-02-01T00:00:00Z',
      checkedAt: '2026-03-01T00:00:00Z',
    });
    expect(prev.snapshot.project.id).toBe(5);
  });

  it('never holds projects the catalog does not publish (private, internal by default)', () => {
    const state = createState({
      generatedAt: '2026-03-01T00:00:00Z',
      source: 'gitlab https://user:pass@gitlab.example.com',
      entries: entries(snapshot(1), snapshot(2, 'private'), snapshot(3, 'internal')),
    });
    expect(state.projects.map((p) => p.id)).toEqual([1]);
    expect(state.source).toBe('gitlab https://gitlab.example.com');
    const internal = createState({ generatedAt: 'x', source: 's', entries: entries(snapshot(3, 'internal')), visibility: ['public', 'internal'] });
    expect(internal.projects.map((p) => p.id)).toEqual([3]);
  });

  it('refuses a file that is not a state', () => {
    expect(() => decodeState(new TextEncoder().encode('{"version": 99, "projects": []}'))).toThrow(StateFormatError);
    expect(() => decodeState(new Uint8Array([0x1f, 0x8b, 1, 2, 3]))).toThrow(StateFormatError);
    expect(() => decodeState(new TextEncoder().encode('{"version":1,"projects":[{"id":1}]}'))).toThrow(StateFormatError);
  });
});

describe('reading the previous state back', () => {
  const state = createState({ generatedAt: '2026-03-01T00:00:00Z', source: 'gitlab https://gitlab.example.com', entries: entries(snapshot(1)) });

  it('from a folder: written then read; missing is no state; garbage is a warning', async () => {
    const dir = await tempDir();
    expect(await readState(dir)).toMatchObject({ state: null });
    await writeState(dir, state);
    expect((await readState(dir)).state).toEqual(state);
    await writeFile(path.join(dir, STATE_FILE), 'garbage');
    const r = await readState(dir);
    expect(r.state).toBeNull();
    expect(r.warning).toMatch(/not usable/);
  });

  it('from the published catalog URL and from S3 (path-style GetObject)', async () => {
    const bytes = encodeState(state);
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
      seen.push(req.url ?? '');
      if (req.url === '/catalog/stachub-state.json.gz' || req.url?.startsWith('/bucket/prefix/stachub-state.json.gz')) {
        res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': bytes.length });
        res.end(Buffer.from(bytes));
      } else if (req.url?.startsWith('/bucket/')) {
        res.writeHead(404, { 'content-type': 'application/xml' });
        res.end('<?xml version="1.0"?><Error><Code>NoSuchKey</Code><Message>no</Message></Error>');
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanup.push(() => new Promise((r) => server.close(() => r())));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    expect((await readState(`${base}/catalog/`)).state).toEqual(state);
    expect((await readState(`${base}/elsewhere`)).state).toBeNull();

    const s3 = { endpoint: base, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secretsecret' }, maxAttempts: 1 };
    const fromS3 = await readState('s3://bucket/prefix', { s3 });
    expect(fromS3.warning).toBeUndefined();
    expect(fromS3.state).toEqual(state);
    expect(fromS3.from).toBe('s3://bucket/prefix/stachub-state.json.gz');
    expect((await readState('s3://bucket/other', { s3 })).state).toBeNull();
    expect(seen).toContain('/catalog/stachub-state.json.gz');
  });
});
