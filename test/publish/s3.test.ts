/**
 * Publishing to a real S3-compatible server (s3rver on loopback): the requests stachub sends are
 * the ones AWS would receive. The bucket is read back with the SDK and with the AWS CLI.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../generator/cli.js';
import { readOutputDir } from '../../generator/publish/read-dir.js';
import { S3ObjectStore } from '../../generator/publish/s3-store.js';
import { StoreSink } from '../../generator/publish/sink.js';
import type { PutOptions } from '../../generator/publish/store.js';
import type { OutputFile } from '../../generator/types.js';
import { repoRoot } from '../helpers.js';
import { PACKAGES, requirePackages } from '../system-packages.js';
import { ACCESS, brokenLinks, startS3, syntheticCatalog, type LoopbackS3 } from './fixtures.js';
import { startSigV4Proxy } from './sigv4-proxy.js';

const BUCKET = 'stachub-test';
const spec = { projects: { 'ai-model': ['alpha', 'beta'], dataset: ['gamma'] } };
let s3: LoopbackS3;
let client: S3Client;
let work: string;

beforeAll(async () => {
  s3 = await startS3([BUCKET]);
  client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: ACCESS });
  work = await mkdtemp(join(tmpdir(), 'stachub-publish-'));
});
afterAll(async () => {
  client.destroy();
  await s3.stop();
  await rm(work, { recursive: true, force: true });
});

function store(): S3ObjectStore {
  return new S3ObjectStore({ bucket: BUCKET, endpoint: s3.endpoint, forcePathStyle: true, credentials: ACCESS, maxAttempts: 2 });
}

async function getText(key: string): Promise<string | null> {
  try {
    const res = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    return await res.Body!.transformToString();
  } catch (err) {
    if ((err as Error).name === 'NoSuchKey') return null;
    throw err;
  }
}

const readerAt = (prefix: string) => async (path: string) => {
  const t = await getText(`${prefix}/${path}`);
  return t === null ? null : Buffer.from(t);
};

async function writeTree(files: OutputFile[]): Promise<string> {
  const dir = await mkdtemp(join(work, 'build-'));
  for (const f of files) {
    await mkdir(dirname(join(dir, f.path)), { recursive: true });
    await writeFile(join(dir, f.path), f.content);
  }
  return dir;
}

async function cli(args: string[], env: NodeJS.ProcessEnv) {
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'stachub', ...args], {
    env,
    stdout: (s) => void (stdout += s),
    stderr: (s) => void (stderr += s),
    isTTY: false,
  });
  return { code, stdout, stderr };
}

const awsEnv = () => ({ AWS_ACCESS_KEY_ID: ACCESS.accessKeyId, AWS_SECRET_ACCESS_KEY: ACCESS.secretAccessKey, AWS_REGION: 'us-east-1' });

/** Paths whose bytes differ between two builds (added ones included). */
function changedPaths(before: OutputFile[], after: OutputFile[]): string[] {
  const old = new Map(before.map((f) => [f.path, Buffer.from(f.content)]));
  return after.filter((f) => !old.get(f.path)?.equals(Buffer.from(f.content))).map((f) => f.path).sort();
}

describe('stachub publish to S3', () => {
  it('uploads with the right Content-Type and Cache-Control, readable by the AWS CLI', async () => {
    const files = syntheticCatalog(spec);
    const dir = await writeTree(files);
    const res = await cli(['publish', dir, '--to', `s3://${BUCKET}/cli`, '--endpoint', s3.endpoint], awsEnv());
    expect(res.stderr).not.toMatch(/error/i);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(new RegExp(`${files.length} uploaded, 0 unchanged, 0 deleted`));

    const head = async (key: string) => client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: `cli/${key}` }));
    expect((await head('catalog.json')).ContentType).toBe('application/json');
    expect((await head('ai-model/collection.json')).ContentType).toBe('application/json');
    expect((await head('ai-model/group/alpha/alpha.json')).ContentType).toBe('application/geo+json');
    expect((await head('ai-model/group/alpha/index.html')).ContentType).toBe('text/html; charset=utf-8');
    expect((await head('ai-model/group/alpha/preview.png')).ContentType).toBe('image/png');
    expect((await head('assets/site.css')).ContentType).toBe('text/css; charset=utf-8');
    expect((await head('catalog.json')).CacheControl).toBe('public, max-age=60');
    expect((await head('ai-model/group/alpha/alpha.json')).CacheControl).toBe('public, max-age=3600');

    // A client stachub does not use: the AWS CLI (botocore).
    requirePackages('reading back with the AWS CLI', PACKAGES.awscli);
    const home = await mkdtemp(join(work, 'home-'));
    const env = { PATH: process.env.PATH, HOME: home, ...awsEnv(), AWS_DEFAULT_REGION: 'us-east-1' };
    const run = promisify(execFile);
    const meta = JSON.parse(
      (await run('aws', ['--endpoint-url', s3.endpoint, 's3api', 'head-object', '--bucket', BUCKET, '--key', 'cli/ai-model/group/beta/beta.json'], { env })).stdout,
    ) as { ContentType: string; CacheControl: string };
    expect(meta.ContentType).toBe('application/geo+json');
    expect(meta.CacheControl).toBe('public, max-age=3600');
    const body = (await run('aws', ['--endpoint-url', s3.endpoint, 's3', 'cp', `s3://${BUCKET}/cli/catalog.json`, '-'], { env })).stdout;
    expect(body).toBe(Buffer.from(files.find((f) => f.path === 'catalog.json')!.content).toString());
    const listing = (await run('aws', ['--endpoint-url', s3.endpoint, 's3', 'ls', '--recursive', `s3://${BUCKET}/cli/`], { env })).stdout;
    const keys = listing.trim().split('\n').map((l) => l.trim().split(/\s+/).pop());
    expect(keys.sort()).toEqual([...files.map((f) => `cli/${f.path}`), 'cli/.stachub/manifest.json'].sort());
  });

  it('publishes nothing the second time, and only the changed files after one project changes', async () => {
    const first = syntheticCatalog(spec);
    await new StoreSink(store(), { prefix: 'incr' }).write(first);

    const again = store();
    const second = await new StoreSink(again, { prefix: 'incr' }).write(first);
    expect(second.written).toBe(0);
    expect(again.requests.put).toBe(0);
    expect(again.requests.delete).toBe(0);

    const changed = syntheticCatalog({ ...spec, versions: { beta: '2' } });
    const third = store();
    const report = await new StoreSink(third, { prefix: 'incr' }).write(changed);
    const uploaded = report.plan.tiers.flat().map((u) => u.path).sort();
    expect(uploaded).toEqual(changedPaths(first, changed));
    expect(uploaded.length).toBeGreaterThan(0);
    expect(uploaded.every((p) => p.startsWith('ai-model/group/beta/'))).toBe(true);
    // The changed files plus the two manifest writes.
    expect(third.requests.put).toBe(uploaded.length + 2);

    // A new project: its files plus the entry points that list it, nothing else.
    const added = syntheticCatalog({ projects: { ...spec.projects, dataset: ['gamma', 'zeta'] }, versions: { beta: '2' } });
    const fourth = await new StoreSink(store(), { prefix: 'incr' }).write(added);
    const up4 = fourth.plan.tiers.flat().map((u) => u.path).sort();
    expect(up4).toEqual(changedPaths(changed, added));
    expect(up4).toContain('dataset/collection.json');
    expect(up4.filter((p) => !p.startsWith('dataset/group/zeta/')).sort()).toEqual(
      ['build-report.json', 'dataset/collection.json', 'dataset/index.html', 'search-index.json'].sort(),
    );
    expect(await brokenLinks(readerAt('incr'))).toEqual([]);
  });

  it('an upload killed half-way leaves a catalog in which every link resolves', async () => {
    const before = syntheticCatalog(spec);
    await new StoreSink(store(), { prefix: 'killed' }).write(before);
    const after = syntheticCatalog({ projects: { 'ai-model': ['alpha', 'delta'], tools: ['eta'] }, versions: { alpha: '3' } });

    class KilledStore extends S3ObjectStore {
      puts = 0;
      override async put(key: string, body: Uint8Array, options: PutOptions): Promise<void> {
        if (++this.puts > 6) throw new Error('process killed');
        return super.put(key, body, options);
      }
    }
    const killed = new KilledStore({ bucket: BUCKET, endpoint: s3.endpoint, forcePathStyle: true, credentials: ACCESS });
    await expect(new StoreSink(killed, { prefix: 'killed', concurrency: 2 }).write(after)).rejects.toThrow(/publish stopped after 5 of/);
    expect(await brokenLinks(readerAt('killed'))).toEqual([]);
    // Root still the old one; the removed collection is still there for readers of the old root.
    expect(await getText('killed/dataset/collection.json')).not.toBeNull();

    await new StoreSink(store(), { prefix: 'killed' }).write(after);
    expect(await brokenLinks(readerAt('killed'))).toEqual([]);
    expect(await getText('killed/dataset/collection.json')).toBeNull();
    expect(JSON.parse((await getText('killed/catalog.json'))!).links.map((l: { href: string }) => l.href)).toContain('./tools/collection.json');
  });

  it('never deletes objects outside the prefix or not in the manifest', async () => {
    await new StoreSink(store(), { prefix: 'owned/hub' }).write(syntheticCatalog(spec));
    const put = (Key: string) => client.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: 'x' }));
    await put('owned/hub/ai-model/group/beta/notes.txt'); // inside the prefix, not written by stachub
    await put('owned/hub-other/catalog.json'); // a sibling prefix sharing the same start
    await put('owned/readme.txt'); // outside the prefix
    const report = await new StoreSink(store(), { prefix: 'owned/hub' }).write(syntheticCatalog({ projects: { 'ai-model': ['alpha'] } }));
    expect(report.deleted).toBeGreaterThan(0);
    expect(await getText('owned/hub/ai-model/group/beta/beta.json')).toBeNull();
    expect(await getText('owned/hub/dataset/collection.json')).toBeNull();
    expect(await getText('owned/hub/ai-model/group/beta/notes.txt')).toBe('x');
    expect(await getText('owned/hub-other/catalog.json')).toBe('x');
    expect(await getText('owned/readme.txt')).toBe('x');
    expect(await brokenLinks(readerAt('owned/hub'))).toEqual([]);
  });

  it('--dry-run prints the plan and writes nothing', async () => {
    const dir = await writeTree(syntheticCatalog(spec));
    const res = await cli(['publish', dir, '--to', `s3://${BUCKET}/dry`, '--endpoint', s3.endpoint, '--dry-run'], awsEnv());
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/upload {2}\[tier 1\] ai-model\/group\/alpha\/preview\.png \(new/);
    expect(res.stdout.trim().split('\n').at(-2)).toMatch(/upload {2}\[tier \d+\] index\.html/);
    expect(await getText('dry/catalog.json')).toBeNull();
    expect(await getText('dry/.stachub/manifest.json')).toBeNull();
  });

  it('fails with exit 5 and a clear message on wrong credentials, a missing bucket or an unreachable endpoint', async () => {
    const dir = await writeTree(syntheticCatalog(spec));
    const secret = 'wr0ng-s3cret-value';
    const bad = await cli(['publish', dir, '--to', `s3://${BUCKET}/auth`, '--endpoint', s3.endpoint], {
      AWS_ACCESS_KEY_ID: 'AKIAWRONGKEY0001',
      AWS_SECRET_ACCESS_KEY: secret,
    });
    expect(bad.code).toBe(5);
    expect(bad.stderr).toMatch(/refused the credentials \(InvalidAccessKeyId, HTTP 403\).*AWS_ACCESS_KEY_ID/);
    expect(bad.stderr + bad.stdout).not.toContain(secret);
    expect(bad.stderr + bad.stdout).not.toContain('AKIAWRONGKEY0001');

    // The right key with a wrong secret: S3 checks the signature (s3rver does not; the proxy does).
    const proxy = await startSigV4Proxy(s3.endpoint, { [ACCESS.accessKeyId]: ACCESS.secretAccessKey });
    try {
      const good = await cli(['publish', dir, '--to', `s3://${BUCKET}/signed`, '--endpoint', proxy.endpoint], awsEnv());
      expect(good.code, good.stderr).toBe(0);
      expect(proxy.rejected).toBe(0);
      const forged = await cli(['publish', dir, '--to', `s3://${BUCKET}/signed`, '--endpoint', proxy.endpoint], {
        AWS_ACCESS_KEY_ID: ACCESS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: secret,
      });
      expect(forged.code).toBe(5);
      expect(forged.stderr).toMatch(/refused the credentials \(SignatureDoesNotMatch, HTTP 403\)/);
      expect(forged.stderr + forged.stdout).not.toContain(secret);
    } finally {
      await proxy.stop();
    }

    const nobucket = await cli(['publish', dir, '--to', 's3://no-such-bucket/x', '--endpoint', s3.endpoint], awsEnv());
    expect(nobucket.code).toBe(5);
    expect(nobucket.stderr).toMatch(/bucket no-such-bucket does not exist/);

    const closed = await new Promise<number>((resolve) => {
      const srv = http.createServer().listen(0, '127.0.0.1', () => {
        const port = (srv.address() as { port: number }).port;
        srv.close(() => resolve(port));
      });
    });
    const down = await cli(['publish', dir, '--to', `s3://${BUCKET}/x`, '--endpoint', `http://127.0.0.1:${closed}`, '--retries', '1'], awsEnv());
    expect(down.code).toBe(5);
    expect(down.stderr).toMatch(/cannot reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
  });

  it('stachub build --publish writes the demo catalog and publishes it, every link resolving in the bucket', async () => {
    const out = join(work, 'demo');
    const res = await main(
      ['node', 'stachub', 'build', '--config', join(repoRoot, 'examples/stachub.config.yml'), '--out', out, '--no-validate',
        '--publish', `s3://${BUCKET}/demo`, '--endpoint', s3.endpoint],
      { env: awsEnv(), stdout: () => {}, stderr: () => {}, isTTY: false, now: () => new Date('2026-11-01T12:00:00Z') },
    );
    expect(res).toBe(0);
    const local = await readOutputDir(out);
    for (const f of local) {
      const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: `demo/${f.path}` }));
      expect(head.ContentLength, f.path).toBe(f.content.byteLength);
    }
    expect((await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'demo/catalog.json' }))).ContentType).toBe('application/json');
    expect(await brokenLinks(readerAt('demo'))).toEqual([]);
    const item = local.find((f) => f.mediaType === 'application/geo+json')!;
    expect((await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: `demo/${item.path}` }))).ContentType).toBe('application/geo+json');
  });

  it('retries requests that fail on the server side, with backoff', async () => {
    // A proxy in front of the store answers the first three requests with 500 InternalError.
    let refused = 0;
    const proxy = http.createServer((req, res) => {
      if (refused < 3) {
        refused++;
        req.resume();
        res.writeHead(500, { 'content-type': 'application/xml' });
        res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message></Error>');
        return;
      }
      const up = http.request(`${s3.endpoint}${req.url}`, { method: req.method, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      req.pipe(up);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    try {
      const endpoint = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
      const flaky = new S3ObjectStore({ bucket: BUCKET, endpoint, forcePathStyle: true, credentials: ACCESS, maxAttempts: 5 });
      const files = syntheticCatalog(spec);
      const report = await new StoreSink(flaky, { prefix: 'retry', concurrency: 1 }).write(files);
      expect(report.written).toBe(files.length);
      expect(refused).toBe(3);
      const r = flaky.requests;
      expect(r.attempts).toBe(r.list + r.get + r.put + r.delete + 3);
      flaky.close();
    } finally {
      proxy.close();
    }
  });
});
