/**
 * The publish manifest: the list of objects stachub wrote under a prefix, with their content hash
 * and headers. It is how stachub knows what it owns: a later publish deletes only objects the
 * manifest names, so files that other tools put beside the catalog are never touched.
 */
import { isSafeRelativePath } from './paths.js';

/** Where the manifest lives, relative to the output root / S3 prefix. */
export const MANIFEST_PATH = '.stachub/manifest.json';

/** What stachub recorded about one object it wrote. */
export interface ManifestEntry {
  /**
   * SHA-256 of the content, hex; `null` while an upload is in flight (the entry then claims
   * ownership, so an interrupted publish can still clean up later, and vouches for no content).
   */
  sha256: string | null;
  size: number;
  /** `Content-Type` it was written with. */
  type: string;
  /** `Cache-Control` it was written with. */
  cacheControl: string;
}

/** The manifest document (`.stachub/manifest.json`). */
export interface Manifest {
  stachub: 'publish-manifest';
  version: 1;
  files: Record<string, ManifestEntry>;
}

export function emptyManifest(): Manifest {
  return { stachub: 'publish-manifest', version: 1, files: {} };
}

/** Stable bytes: keys sorted, 2-space indent, trailing newline (diffs and byte comparisons). */
export function serializeManifest(m: Manifest): Uint8Array {
  const files: Record<string, ManifestEntry> = {};
  for (const path of Object.keys(m.files).sort()) {
    const e = m.files[path]!;
    files[path] = { sha256: e.sha256, size: e.size, type: e.type, cacheControl: e.cacheControl };
  }
  return Buffer.from(JSON.stringify({ stachub: m.stachub, version: m.version, files }, null, 2) + '\n', 'utf8');
}

/**
 * Read a manifest written by an earlier publish. A missing, unreadable or foreign document gives
 * `null` (nothing is owned, so nothing will be deleted); unsafe paths are dropped.
 */
export function parseManifest(bytes: Uint8Array | null): Manifest | null {
  if (bytes === null) return null;
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return null;
  }
  if (typeof doc !== 'object' || doc === null) return null;
  const d = doc as { stachub?: unknown; version?: unknown; files?: unknown };
  if (d.stachub !== 'publish-manifest' || d.version !== 1 || typeof d.files !== 'object' || d.files === null) return null;
  const out = emptyManifest();
  for (const [path, raw] of Object.entries(d.files as Record<string, unknown>)) {
    if (!isSafeRelativePath(path) || path === MANIFEST_PATH || typeof raw !== 'object' || raw === null) continue;
    const e = raw as Partial<Record<keyof ManifestEntry, unknown>>;
    out.files[path] = {
      sha256: typeof e.sha256 === 'string' ? e.sha256 : null,
      size: typeof e.size === 'number' ? e.size : -1,
      type: typeof e.type === 'string' ? e.type : '',
      cacheControl: typeof e.cacheControl === 'string' ? e.cacheControl : '',
    };
  }
  return out;
}
