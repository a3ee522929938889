/**
 * Proxied artifacts (reference §1.5, `mlflow/protos/mlflow_artifacts.proto`), addressed by the
 * path after `mlflow-artifacts:/` (already checked against traversal by the caller, and again
 * here for local files). Two homes:
 * - local (default): files under the store's `artifacts/` directory. An upload is written to a
 *   temporary file, fsynced, renamed into place and the directory fsynced before it is acknowledged;
 * - S3 (`artifactsDestination: s3://bucket/prefix`): one object per file, acknowledged once
 *   PutObject succeeded.
 * Listing answers basenames, sorted; a file or a missing path lists as empty, because the client
 * tells directories from files by a non-empty listing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { invalid } from './errors.js';
import type { TrackingStore } from './store.js';

export interface FileInfo {
  path: string;
  is_dir: boolean;
  file_size?: number;
}

/** What `open` finds at a path. */
export type OpenedArtifact = { kind: 'file'; size: number; stream: Readable } | { kind: 'directory' } | { kind: 'missing' };

/** An inclusive byte range of a file (HTTP `Range: bytes=start-end`). */
export interface ByteRange {
  start: number;
  end: number;
}

/** Where proxied artifacts live. `rel` is a safe relative path ('' = the root). */
export interface ArtifactStore {
  readonly description: string;
  put(rel: string, body: AsyncIterable<Buffer>, length: number | undefined): Promise<void>;
  /** Open a file; `size` is always the whole file's, the stream holds `range` when given. */
  open(rel: string, range?: ByteRange): Promise<OpenedArtifact>;
  /** Size of a file, or what the path is when it is not a file. */
  stat(rel: string): Promise<{ kind: 'file'; size: number } | { kind: 'directory' } | { kind: 'missing' }>;
  /** Entries directly below `rel`; `prefix` is prepended to their paths. */
  list(rel: string, prefix?: string): Promise<FileInfo[]>;
  remove(rel: string): Promise<void>;
}

/**
 * The path a delete may remove: `.` and empty segments dropped (`./`, `a/./b`, `a//b`), and never the
 * root itself (`''`, `.`, `./.`...), which would delete every run's artifacts: 400 "Invalid path".
 * Traversal (`..`) is refused before this by the caller and by `TrackingStore.artifactPath`.
 */
export function removable(rel: string): string {
  const cleaned = rel.split('/').filter((s) => s !== '' && s !== '.').join('/');
  if (cleaned === '') throw invalid('Invalid path: the artifact root cannot be deleted');
  return cleaned;
}

/** Files under `<store>/artifacts/`. */
export class LocalArtifactStore implements ArtifactStore {
  readonly description: string;
  constructor(private readonly store: TrackingStore) {
    this.description = path.join(store.root, 'artifacts');
  }

  async put(rel: string, body: AsyncIterable<Buffer>): Promise<void> {
    if (rel === '' || rel.endsWith('/')) throw invalid('Invalid path');
    const full = this.store.artifactPath(rel);
    const dir = path.dirname(full);
    try {
      await fs.promises.mkdir(dir, { recursive: true });
    } catch {
      throw invalid('Invalid path: a parent of the artifact path is a file');
    }
    const st = await fs.promises.stat(full).catch(() => undefined);
    if (st?.isDirectory()) throw invalid('Invalid path: the artifact path is a directory');
    const tmp = `${full}.${randomBytes(6).toString('hex')}.stachub-upload`;
    const fh = await fs.promises.open(tmp, 'w', 0o644);
    try {
      for await (const chunk of body) await fh.write(chunk);
      await fh.sync();
    } catch (err) {
      await fh.close().catch(() => undefined);
      await fs.promises.rm(tmp, { force: true });
      throw err;
    }
    await fh.close();
    await fs.promises.rename(tmp, full);
    // Make the rename itself durable.
    const dh = await fs.promises.open(dir, 'r');
    await dh.sync().catch(() => undefined);
    await dh.close();
  }

  async stat(rel: string): Promise<{ kind: 'file'; size: number } | { kind: 'directory' } | { kind: 'missing' }> {
    const st = await fs.promises.stat(this.store.artifactPath(rel)).catch(() => undefined);
    if (!st) return { kind: 'missing' };
    return st.isFile() ? { kind: 'file', size: st.size } : { kind: 'directory' };
  }

  async open(rel: string, range?: ByteRange): Promise<OpenedArtifact> {
    const full = this.store.artifactPath(rel);
    const st = await this.stat(rel);
    if (st.kind !== 'file') return st;
    return { kind: 'file', size: st.size, stream: fs.createReadStream(full, range ? { start: range.start, end: range.end } : {}) };
  }

  async list(rel: string, prefix = ''): Promise<FileInfo[]> {
    const full = this.store.artifactPath(rel);
    let entries: fs.Dirent[];
    try {
      entries = await fs.promises.readdir(full, { withFileTypes: true });
    } catch {
      return [];
    }
    const out: FileInfo[] = [];
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.name.endsWith('.stachub-upload')) continue; // an upload in progress
      const p = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.isDirectory()) out.push({ path: p, is_dir: true });
      else if (e.isFile()) out.push({ path: p, is_dir: false, file_size: (await fs.promises.stat(path.join(full, e.name))).size });
    }
    return out;
  }

  async remove(rel: string): Promise<void> {
    await fs.promises.rm(this.store.artifactPath(removable(rel)), { recursive: true, force: true });
  }
}

/** How to reach an S3 (or S3-compatible) artifact bucket. */
export interface S3ArtifactOptions {
  /** `s3://bucket/prefix` */
  destination: string;
  /** Endpoint of an S3-compatible store (MinIO, Ceph...); path-style addressing is then used. */
  endpoint?: string;
  region?: string;
  /** Explicit credentials; the AWS SDK's default chain (AWS_* variables, profile, role) otherwise. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/** Largest upload buffered in memory when the client sends no Content-Length. */
const MAX_UNSIZED_UPLOAD = 256 * 1024 * 1024;

/** One object per artifact file under `s3://bucket/prefix/`. */
export async function createS3ArtifactStore(opts: S3ArtifactOptions): Promise<ArtifactStore> {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(opts.destination);
  if (!m) throw new Error(`artifacts destination must look like s3://bucket/prefix, got '${opts.destination}'`);
  const bucket = m[1]!;
  const base = m[2]!.replace(/\/+$/, '');
  // Loaded only when S3 is used: the SDK is large.
  const s3 = await import('@aws-sdk/client-s3');
  const client = new s3.S3Client({
    region: opts.region ?? 'us-east-1',
    endpoint: opts.endpoint,
    forcePathStyle: opts.endpoint !== undefined,
    credentials: opts.credentials,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const key = (rel: string): string => (base ? (rel ? `${base}/${rel}` : base) : rel);
  const dirPrefix = (rel: string): string => (key(rel) ? `${key(rel)}/` : '');
  const isMissing = (err: unknown): boolean => {
    const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
    return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404;
  };

  async function listPage(prefix: string, delimiter: boolean, token?: string) {
    return client.send(new s3.ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: delimiter ? '/' : undefined, ContinuationToken: token }));
  }

  return {
    description: opts.destination,
    async put(rel, body, length) {
      if (rel === '' || rel.endsWith('/')) throw invalid('Invalid path');
      let payload: Buffer | AsyncIterable<Buffer> = body;
      if (length === undefined) {
        const chunks: Buffer[] = [];
        let size = 0;
        for await (const c of body) {
          size += c.length;
          if (size > MAX_UNSIZED_UPLOAD) throw invalid(`Uploads without Content-Length are limited to ${MAX_UNSIZED_UPLOAD} bytes`);
          chunks.push(c);
        }
        payload = Buffer.concat(chunks, size);
        length = size;
      }
      await client.send(new s3.PutObjectCommand({ Bucket: bucket, Key: key(rel), Body: payload as Buffer, ContentLength: length }));
    },
    async stat(rel) {
      try {
        const r = await client.send(new s3.HeadObjectCommand({ Bucket: bucket, Key: key(rel) }));
        return { kind: 'file', size: Number(r.ContentLength ?? 0) };
      } catch (err) {
        if (!isMissing(err)) throw err;
        const page = await client.send(new s3.ListObjectsV2Command({ Bucket: bucket, Prefix: dirPrefix(rel), MaxKeys: 1 }));
        return (page.KeyCount ?? 0) > 0 ? { kind: 'directory' } : { kind: 'missing' };
      }
    },
    async open(rel, range) {
      try {
        const r = await client.send(
          new s3.GetObjectCommand({ Bucket: bucket, Key: key(rel), ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}) }),
        );
        // With a range, ContentLength is the part's; the whole size is after the slash of ContentRange.
        const whole = range && r.ContentRange ? Number(/\/(\d+)$/.exec(r.ContentRange)?.[1]) : Number(r.ContentLength ?? 0);
        return { kind: 'file', size: whole, stream: r.Body as Readable };
      } catch (err) {
        if (!isMissing(err)) throw err;
        const page = await client.send(new s3.ListObjectsV2Command({ Bucket: bucket, Prefix: dirPrefix(rel), MaxKeys: 1 }));
        return (page.KeyCount ?? 0) > 0 ? { kind: 'directory' } : { kind: 'missing' };
      }
    },
    async list(rel, prefix = '') {
      const out: FileInfo[] = [];
      const p = dirPrefix(rel);
      let token: string | undefined;
      do {
        const page = await listPage(p, true, token);
        for (const d of page.CommonPrefixes ?? []) {
          const name = d.Prefix!.slice(p.length).replace(/\/$/, '');
          if (name) out.push({ path: prefix ? `${prefix}/${name}` : name, is_dir: true });
        }
        for (const o of page.Contents ?? []) {
          const name = o.Key!.slice(p.length);
          if (name && !name.includes('/')) out.push({ path: prefix ? `${prefix}/${name}` : name, is_dir: false, file_size: Number(o.Size ?? 0) });
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    },
    async remove(raw) {
      const rel = removable(raw);
      const keys: string[] = [key(rel)];
      let token: string | undefined;
      do {
        const page = await listPage(dirPrefix(rel), false, token);
        for (const o of page.Contents ?? []) keys.push(o.Key!);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      for (let i = 0; i < keys.length; i += 1000) {
        await client.send(new s3.DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true } }));
      }
    },
  };
}
