/**
 * A publish killed for real (SIGKILL of the stachub process) half-way through its uploads: the
 * bucket must still hold a catalog whose links all resolve from the root, and the next publish
 * must complete it. A proxy in front of the loopback S3 server kills the child when the Nth
 * upload arrives, so the moment is the same on every run.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ObjectStore } from '../../generator/publish/s3-store.js';
import { StoreSink } from '../../generator/publish/sink.js';
import type { OutputFile } from '../../generator/types.js';
import { repoRoot } from '../helpers.js';
import { ACCESS, brokenLinks, startS3, syntheticCatalog, type LoopbackS3 } from './fixtures.js';

const BUCKET = 'killed';
let s3: LoopbackS3;
let work: string;

beforeAll(async () => {
  s3 = await startS3([BUCKET]);
  work = await mkdtemp(join(os.tmpdir(), 'stachub-kill-'));
});
afterAll(async () => {
  await s3.stop();
  await rm(work, { recursive: true, force: true });
});

async function writeTree(dir: string, files: OutputFile[]): Promise<void> {
  for (const f of files) {
    await mkdir(dirname(join(dir, f.path)), { recursive: true });
    await writeFile(join(dir, f.path), f.content);
  }
}

describe('a publish killed half-way', () => {
  // A generous timeout: stachub runs from the TypeScript sources in a child process.
  it('leaves a catalog in which every link resolves, and the next publish completes it', { timeout: 180_000 }, async () => {
    const before = syntheticCatalog({ projects: { 'ai-model': ['alpha', 'beta'], dataset: ['gamma'] } });
    const after = syntheticCatalog({ projects: { 'ai-model': ['alpha', 'delta', 'omega'], tools: ['eta'] }, versions: { alpha: '2' } });
    const store = () => new S3ObjectStore({ bucket: BUCKET, endpoint: s3.endpoint, forcePathStyle: true, credentials: ACCESS });
    await new StoreSink(store(), { prefix: 'hub' }).write(before);
    const total = (await new StoreSink(store(), { prefix: 'hub' }).plan(after)).tiers.flat().length;
    const dir = join(work, 'after');
    await writeTree(dir, after);

    // Kill the child when its 8th PUT arrives (the pending manifest, then 7 uploads): that PUT never reaches S3.
    let puts = 0;
    let child: ReturnType<typeof spawn> | undefined;
    const proxy = http.createServer((req, res) => {
      if (req.method === 'PUT' && ++puts >= 8) {
        child?.kill('SIGKILL');
        req.socket.destroy();
        return;
      }
      const up = http.request(`${s3.endpoint}${req.url}`, { method: req.method, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      req.pipe(up);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const endpoint = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
    const script = `import('./generator/cli.ts').then((m) => m.main(process.argv)).then((c) => process.exit(c))`;
    const exit = await new Promise<{ code: number | null; signal: string | null }>((resolve) => {
      child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, 'stachub', 'publish', dir, '--to', `s3://${BUCKET}/hub`, '--endpoint', endpoint, '--concurrency', '1'], {
        cwd: repoRoot,
        env: { PATH: process.env.PATH, AWS_ACCESS_KEY_ID: ACCESS.accessKeyId, AWS_SECRET_ACCESS_KEY: ACCESS.secretAccessKey },
        stdio: 'ignore',
      });
      child.on('exit', (code, signal) => resolve({ code, signal }));
    });
    proxy.close();
    expect(exit.signal).toBe('SIGKILL');
    expect(total).toBeGreaterThan(8);

    const client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: ACCESS });
    const get = async (path: string): Promise<Uint8Array | null> => {
      try {
        return await (await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: `hub/${path}` }))).Body!.transformToByteArray();
      } catch {
        return null;
      }
    };
    expect(await brokenLinks(get)).toEqual([]);
    // The old root is still the one readers get, and what it links to is still there.
    expect(Buffer.from((await get('catalog.json'))!).toString()).toContain('./dataset/collection.json');

    const done = await new StoreSink(store(), { prefix: 'hub' }).write(after);
    // One upload at a time: the manifest and 6 uploads landed before the kill; only the rest goes up now.
    expect(done.written).toBe(total - 6);
    expect(await brokenLinks(get)).toEqual([]);
    expect(await get('dataset/collection.json')).toBeNull();
    expect(Buffer.from((await get('catalog.json'))!).toString()).toContain('./tools/collection.json');
    client.destroy();
  });
});
