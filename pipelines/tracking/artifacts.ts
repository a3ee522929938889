/**
 * Proxied artifacts (reference §1.5, `mlflow/protos/mlflow_artifacts.proto`): files under the
 * store's `artifacts/` directory, addressed by the path after `mlflow-artifacts:/`.
 * Upload (PUT, raw bytes) is durable before it is acknowledged: written to a temporary file,
 * fsynced, then renamed into place. Listing answers basenames; a file or a missing path lists as
 * empty, because the client tells directories from files by a non-empty listing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { invalid, notFound } from './errors.js';
import type { TrackingStore } from './store.js';

export interface FileInfo {
  path: string;
  is_dir: boolean;
  file_size?: number;
}

/** List a directory: `{files}` with basenames, sorted; empty for a file or a missing path. */
export async function listArtifacts(full: string, prefix = ''): Promise<FileInfo[]> {
  let entries: fs.Dirent[];
  try {
    entries = await fs.promises.readdir(full, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: FileInfo[] = [];
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (e.name.endsWith('.stachub-upload')) continue; // an upload in progress
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push({ path: rel, is_dir: true });
    else if (e.isFile()) out.push({ path: rel, is_dir: false, file_size: (await fs.promises.stat(path.join(full, e.name))).size });
  }
  return out;
}

/** PUT: stream the body to disk, fsync, rename. */
export async function uploadArtifact(store: TrackingStore, rel: string, req: IncomingMessage): Promise<void> {
  if (rel === '' || rel.endsWith('/')) throw invalid('Invalid path');
  const full = store.artifactPath(rel);
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
    for await (const chunk of req) await fh.write(chunk as Buffer);
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

const TYPES: Record<string, string> = {
  '.json': 'application/json',
  '.yaml': 'text/plain',
  '.yml': 'text/plain',
  '.txt': 'text/plain',
  '.md': 'text/plain',
  '.onnx': 'application/octet-stream',
};

/** GET: stream one file as an attachment. */
export async function downloadArtifact(store: TrackingStore, rel: string, res: ServerResponse): Promise<void> {
  const full = store.artifactPath(rel);
  const st = await fs.promises.stat(full).catch(() => undefined);
  if (!st) throw notFound(`Artifact '${rel}' not found`);
  if (!st.isFile()) throw invalid(`Artifact '${rel}' is a directory`);
  res.writeHead(200, {
    'Content-Type': TYPES[path.extname(full).toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': st.size,
    'Content-Disposition': `attachment; filename="${path.basename(full).replace(/["\\\r\n]/g, '_')}"`,
  });
  await pipeline(fs.createReadStream(full), res);
}

/** DELETE: remove a file or a directory tree. */
export async function deleteArtifact(store: TrackingStore, rel: string): Promise<void> {
  if (rel === '') throw invalid('Invalid path');
  await fs.promises.rm(store.artifactPath(rel), { recursive: true, force: true });
}
