/**
 * The publish plan: given the files of a build and what the target holds (its object listing and
 * the previous manifest), decide what to upload, in which order, what to skip and what to delete.
 * Pure, so `--dry-run` prints exactly what a real publish would do.
 */
import { createHash } from 'node:crypto';
import type { OutputFile } from '../types.js';
import { cacheControlFor, DEFAULT_CACHE_CONTROL, type CacheControlRules } from './cache-control.js';
import { emptyManifest, MANIFEST_PATH, type Manifest } from './manifest.js';
import { rankFiles, tiersOf } from './order.js';
import { isSafeRelativePath } from './paths.js';
import { PublishError } from '../errors.js';

/** An object the target holds, by path relative to the prefix. */
export interface RemoteObject {
  path: string;
  size: number;
  /** The store's ETag without quotes; for a single-part upload on S3 this is the MD5 of the content. */
  etag?: string;
}

/** A file ready to publish: content, hashes and headers. */
export interface PlannedUpload {
  path: string;
  content: Uint8Array;
  contentType: string;
  cacheControl: string;
  sha256: string;
  /** MD5, hex (compared with the ETag, and sent as `Content-MD5` so the store checks the bytes). */
  md5: string;
  rank: number;
  /** Why it is uploaded. */
  reason: 'new' | 'changed' | 'missing' | 'headers';
}

export interface PublishPlan {
  /** Upload tiers: every object of a tier is in place before the next tier starts. */
  tiers: PlannedUpload[][];
  /** Paths already up to date in the target. */
  unchanged: string[];
  /** Paths to delete once the new root is in place: written by stachub before, absent from this build. */
  deletes: string[];
  /**
   * Written before the first upload when anything changes: the previous manifest plus the paths
   * about to be created, so an interrupted publish never leaves objects nobody owns.
   */
  pendingManifest: Manifest | null;
  /** Written last; `null` when it equals the previous one byte for byte. */
  finalManifest: Manifest | null;
  /** Objects under the prefix that stachub did not write (left alone). */
  foreign: number;
}

export interface PlanOptions {
  cacheControl?: CacheControlRules;
}

/** Number of uploads of a plan. */
export function uploadCount(plan: PublishPlan): number {
  return plan.tiers.reduce((n, t) => n + t.length, 0);
}

/**
 * Compute the plan. An object is skipped only when the listing shows it with the same size, the
 * previous manifest records the same headers, and its bytes are known to be the same: the manifest
 * records the same hash (and, when the ETag is an MD5, the MD5 agrees), or the manifest claimed it
 * without a hash during an interrupted publish and its MD5 ETag matches.
 */
export function planPublish(
  files: readonly OutputFile[],
  remote: readonly RemoteObject[],
  previous: Manifest | null,
  options: PlanOptions = {},
): PublishPlan {
  const rules = options.cacheControl ?? DEFAULT_CACHE_CONTROL;
  const seen = new Set<string>();
  for (const f of files) {
    if (!isSafeRelativePath(f.path)) throw new PublishError(`refusing to publish unsafe path ${JSON.stringify(f.path)}`);
    if (f.path === MANIFEST_PATH) throw new PublishError(`${MANIFEST_PATH} is reserved for the publish manifest`);
    if (seen.has(f.path)) throw new PublishError(`duplicate output path ${f.path}`);
    seen.add(f.path);
  }
  const remoteByPath = new Map(remote.map((r) => [r.path, r]));
  const ranks = rankFiles(files, new Set(remoteByPath.keys()));
  const prev = previous ?? emptyManifest();

  const uploads: PlannedUpload[] = [];
  const unchanged: string[] = [];
  // Uploads whose bytes the target already holds: after an interruption, a matching ETag would not
  // prove that the new headers landed.
  const sameBytesThere = new Set<string>();
  const final = emptyManifest();
  for (const f of files) {
    const { rank, entry } = ranks.get(f.path)!;
    const cacheControl = cacheControlFor(entry, rules);
    const sha256 = createHash('sha256').update(f.content).digest('hex');
    const md5 = createHash('md5').update(f.content).digest('hex');
    final.files[f.path] = { sha256, size: f.content.byteLength, type: f.mediaType, cacheControl };
    const before = prev.files[f.path];
    const there = remoteByPath.get(f.path);
    const etagIsMd5 = there?.etag !== undefined && /^[0-9a-f]{32}$/.test(there.etag);
    // Same bytes: the manifest vouches for them, or (for an upload an interrupted publish made,
    // recorded without a hash) the store's MD5 does.
    const sameBytes =
      there !== undefined &&
      before !== undefined &&
      there.size === f.content.byteLength &&
      (etagIsMd5 ? there.etag === md5 && (before.sha256 === sha256 || before.sha256 === null) : before.sha256 === sha256);
    let reason: PlannedUpload['reason'] | null = null;
    if (!there) reason = before ? 'missing' : 'new';
    else if (!sameBytes) reason = 'changed';
    else if (before!.type !== f.mediaType || before!.cacheControl !== cacheControl) reason = 'headers';
    if (etagIsMd5 && there!.etag === md5) sameBytesThere.add(f.path);
    if (reason === null) unchanged.push(f.path);
    else uploads.push({ path: f.path, content: f.content, contentType: f.mediaType, cacheControl, sha256, md5, rank, reason });
  }

  // Only what the previous manifest names, only if it is still there, never the manifest itself.
  const deletes = Object.keys(prev.files)
    .filter((p) => !seen.has(p) && remoteByPath.has(p) && isSafeRelativePath(p) && p !== MANIFEST_PATH)
    .sort();

  let pendingManifest: Manifest | null = null;
  if (uploads.length > 0 || deletes.length > 0) {
    pendingManifest = { ...prev, files: { ...prev.files } };
    for (const u of uploads) {
      // Claimed without a hash: after an interruption, only an object whose MD5 ETag proves the
      // upload completed is trusted (its headers came with it); anything else is uploaded again.
      const provable = !sameBytesThere.has(u.path);
      pendingManifest.files[u.path] = {
        sha256: null,
        size: u.content.byteLength,
        type: provable ? u.contentType : '',
        cacheControl: provable ? u.cacheControl : '',
      };
    }
  }
  const finalManifest = previous !== null && sameManifest(previous, final) && remoteByPath.has(MANIFEST_PATH) ? null : final;
  const owned = new Set([...Object.keys(prev.files), ...seen, MANIFEST_PATH]);
  const foreign = remote.filter((r) => !owned.has(r.path)).length;
  return { tiers: tiersOf(uploads), unchanged: unchanged.sort(), deletes, pendingManifest, finalManifest, foreign };
}

function sameManifest(a: Manifest, b: Manifest): boolean {
  const ka = Object.keys(a.files);
  if (ka.length !== Object.keys(b.files).length) return false;
  return ka.every((k) => {
    const x = a.files[k]!;
    const y = b.files[k];
    return y !== undefined && x.sha256 === y.sha256 && x.size === y.size && x.type === y.type && x.cacheControl === y.cacheControl;
  });
}

/** A human-readable plan for `--dry-run`: one line per action, then a summary. */
export function describePlan(plan: PublishPlan, target: string): string {
  const lines: string[] = [];
  plan.tiers.forEach((tier, i) => {
    for (const u of tier) lines.push(`upload  [tier ${i + 1}] ${u.path} (${u.reason}, ${u.contentType}, ${u.cacheControl})`);
  });
  for (const d of plan.deletes) lines.push(`delete  ${d}`);
  lines.push(
    `plan for ${target}: ${uploadCount(plan)} upload(s) in ${plan.tiers.length} tier(s), ` +
      `${plan.unchanged.length} unchanged, ${plan.deletes.length} delete(s), ` +
      `${plan.foreign} object(s) not written by stachub left alone`,
  );
  return lines.join('\n') + '\n';
}
