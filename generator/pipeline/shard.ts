/**
 * Sharded builds: `stachub build --shard I/N` reads only the projects whose id hashes to shard I
 * and writes a partial output (its project records, as `stachub-partial.json.gz`); `stachub merge`
 * joins the N partial outputs and runs the same pure stages as a one-job build (toStac, layout,
 * render, validate), so the merged folder is byte-identical to a one-job build of the same
 * projects at the same time.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { collect, type BuildOptions } from '../build.js';
import { UsageError } from '../errors.js';
import type { ProjectRecord } from '../metadata/record.js';
import type { FailedProject, SnapshotOrigin, SourceEntry, SourceListing } from '../sources/source.js';
import { StatefulSource } from '../state/wire.js';
import type { OutputFile } from '../types.js';

/** Shard `index` (1-based, as GitLab's `CI_NODE_INDEX`) of `total`. */
export interface ShardSpec {
  index: number;
  total: number;
}

/** The file a shard writes into its output folder. */
export const PARTIAL_FILE = 'stachub-partial.json.gz';
/**
 * The partial output's format. 2: records carry project facts (the STAC stage writes every field),
 * so a shard of an older stachub is refused as a whole rather than failing project by project.
 */
const PARTIAL_VERSION = 2;

/** Parse `I/N` (1 <= I <= N <= 1000). */
export function parseShard(text: string): ShardSpec {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const total = m ? Number(m[2]) : NaN;
  if (!m || total < 1 || total > 1000 || index < 1 || index > total) {
    throw new UsageError(`--shard must be I/N with 1 <= I <= N <= 1000, got ${JSON.stringify(text)}`);
  }
  return { index, total };
}

/** `--shard` when given, else GitLab's `parallel` variables (`CI_NODE_INDEX`/`CI_NODE_TOTAL`) when both are set. */
export function resolveShard(flag: string | undefined, env: NodeJS.ProcessEnv): ShardSpec | undefined {
  if (flag !== undefined) return parseShard(flag);
  if (env.CI_NODE_INDEX && env.CI_NODE_TOTAL) return parseShard(`${env.CI_NODE_INDEX}/${env.CI_NODE_TOTAL}`);
  return undefined;
}

/**
 * The shard (1-based) a project belongs to: a stable hash of its id (the full path), so the split
 * does not depend on listing order, page boundaries or the other projects.
 */
export function shardOf(id: string, total: number): number {
  const h = createHash('sha256').update(id, 'utf8').digest();
  return (h.readUInt32BE(0) % total) + 1;
}

export function inShard(id: string, shard: ShardSpec): boolean {
  return shardOf(id, shard.total) === shard.index;
}

/** What one shard produced: everything `assemble` needs about its projects. */
export interface PartialOutput {
  stachub: 'partial-build';
  version: typeof PARTIAL_VERSION;
  shard: ShardSpec;
  /** The source's description (no credentials), for the build report. */
  source: string;
  /** One record per project read, with how its snapshot was obtained. */
  records: Array<{ record: ProjectRecord; origin: SnapshotOrigin }>;
  failed: FailedProject[];
  excluded: { visibility: number; archived: number };
  requests?: number;
  /** Per project id: when it was read and last verified unchanged (for the build state). */
  marks?: Array<[number, ProjectMark]>;
  /** The shard's build keeps a state (incremental GitLab crawls): the merge writes it too. */
  state?: boolean;
}

/** When a project was last read and last verified unchanged (ISO 8601), as incremental sources report it. */
export interface ProjectMark {
  readAt: string;
  checkedAt: string;
}

/** A source listing, with the marks incremental sources add. */
export type PartialListing = Pick<SourceListing, 'entries' | 'failed' | 'excluded' | 'requests'> & {
  marks?: ReadonlyMap<number, ProjectMark>;
};

export function createPartial(
  shard: ShardSpec,
  source: string,
  records: readonly ProjectRecord[],
  listing: PartialListing,
  options: { state?: boolean } = {},
): PartialOutput {
  const origins = new Map(listing.entries.map((e) => [e.snapshot.project.fullPath, e.origin]));
  // Sources leave other shards' projects out before reading them; this also holds for problems
  // found before a project's metadata was known (one shard reports each).
  const mine = records.filter((r) => inShard(r.id, shard));
  const ids = new Set(mine.map((r) => r.snapshot.project.id));
  const marks = listing.marks ? [...listing.marks].filter(([id]) => ids.has(id)).sort((a, b) => a[0] - b[0]) : undefined;
  return {
    stachub: 'partial-build',
    version: PARTIAL_VERSION,
    shard,
    source: source.replace(/\/\/[^/@\s]*@/g, '//'),
    records: mine.map((record) => ({ record, origin: origins.get(record.id) ?? 'fresh' })),
    failed: listing.failed.filter((f) => inShard(f.fullPath, shard)),
    excluded: { ...listing.excluded },
    ...(listing.requests !== undefined ? { requests: listing.requests } : {}),
    ...(marks ? { marks } : {}),
    ...(options.state ? { state: true } : {}),
  };
}

/** gzip JSON; byte arrays (carried files) as `{"$bytes": base64}`, like the build state. */
export function partialOutputFile(p: PartialOutput): OutputFile {
  const json = JSON.stringify(p, (_k, v: unknown) => (v instanceof Uint8Array ? { $bytes: Buffer.from(v).toString('base64') } : v));
  return { path: PARTIAL_FILE, mediaType: 'application/gzip', content: new Uint8Array(gzipSync(Buffer.from(json, 'utf8'))) };
}

export function decodePartial(bytes: Uint8Array, from: string): PartialOutput {
  let raw: unknown;
  try {
    raw = JSON.parse(gunzipSync(bytes).toString('utf8'), (_k, v: unknown) => {
      if (v && typeof v === 'object' && !Array.isArray(v)) {
        const o = v as Record<string, unknown>;
        if (typeof o.$bytes === 'string' && Object.keys(o).length === 1) return new Uint8Array(Buffer.from(o.$bytes, 'base64'));
      }
      return v;
    });
  } catch (err) {
    throw new UsageError(`${from} is not a partial build output (${(err as Error).message})`);
  }
  const p = raw as Partial<PartialOutput>;
  if (!p || p.stachub !== 'partial-build' || p.version !== PARTIAL_VERSION || !p.shard || !Array.isArray(p.records)) {
    throw new UsageError(`${from} is not a partial build output of version ${PARTIAL_VERSION}`);
  }
  return p as PartialOutput;
}

/** The joined shards, ready for `assemble`. */
export interface MergedPartials {
  records: ProjectRecord[];
  listing: PartialListing;
  source: string;
  /** Whether the shards kept a build state (then the merged output holds the joined state). */
  state: boolean;
}

/**
 * Join partial outputs: exactly one per shard of the same split, and no project in two shards.
 * Records are put in id order, as the pure stages order them anyway.
 */
export function mergePartials(parts: readonly PartialOutput[]): MergedPartials {
  if (parts.length === 0) throw new UsageError('merge needs the partial outputs of every shard');
  const total = parts[0]!.shard.total;
  const seen = new Set<number>();
  for (const p of parts) {
    if (p.shard.total !== total) throw new UsageError(`partial outputs of different splits (${p.shard.total} and ${total} shards)`);
    if (seen.has(p.shard.index)) throw new UsageError(`shard ${p.shard.index}/${total} given twice`);
    seen.add(p.shard.index);
  }
  const missing = Array.from({ length: total }, (_, i) => i + 1).filter((i) => !seen.has(i));
  if (missing.length > 0) throw new UsageError(`missing partial output of shard(s) ${missing.map((i) => `${i}/${total}`).join(', ')}`);
  const sources = new Set(parts.map((p) => p.source));
  if (sources.size > 1) throw new UsageError(`partial outputs come from different sources: ${[...sources].join(', ')}`);

  const all = parts.flatMap((p) => p.records);
  const ids = new Set<string>();
  for (const { record } of all) {
    if (ids.has(record.id)) throw new UsageError(`project ${record.id} is in two shards`);
    ids.add(record.id);
  }
  all.sort((a, b) => (a.record.id < b.record.id ? -1 : a.record.id > b.record.id ? 1 : 0));
  const entries: SourceEntry[] = all.map(({ record, origin }) => ({ snapshot: record.snapshot, origin }));
  const failed = parts.flatMap((p) => p.failed).sort((a, b) => (a.fullPath < b.fullPath ? -1 : a.fullPath > b.fullPath ? 1 : 0));
  const withRequests = parts.filter((p) => p.requests !== undefined);
  const withMarks = parts.filter((p) => p.marks !== undefined);
  return {
    records: all.map((r) => r.record),
    listing: {
      entries,
      failed,
      excluded: {
        visibility: parts.reduce((n, p) => n + p.excluded.visibility, 0),
        archived: parts.reduce((n, p) => n + p.excluded.archived, 0),
      },
      ...(withRequests.length > 0 ? { requests: withRequests.reduce((n, p) => n + p.requests!, 0) } : {}),
      ...(withMarks.length > 0 ? { marks: new Map(withMarks.flatMap((p) => p.marks!)) } : {}),
    },
    source: [...sources][0]!,
    state: parts.some((p) => p.state === true),
  };
}

/** Read the partial output of each folder (or `stachub-partial.json.gz` file) given. */
export async function readPartials(inputs: readonly string[]): Promise<PartialOutput[]> {
  const parts: PartialOutput[] = [];
  for (const input of inputs) {
    const file = input.endsWith('.json.gz') ? input : path.join(input, PARTIAL_FILE);
    let bytes: Uint8Array;
    try {
      bytes = await readFile(file);
    } catch (err) {
      throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    parts.push(decodePartial(bytes, file));
  }
  return parts;
}

/**
 * What `stachub build --shard I/N` runs: read the projects of shard I only and write their records
 * as the partial output `<out>/stachub-partial.json.gz` (rendering, validation and the registry
 * join happen once, in `stachub merge`).
 */
export async function buildShard(options: BuildOptions, shard: ShardSpec, outDir: string, io: { stderr: (text: string) => void }): Promise<void> {
  const { records, listing } = await collect({ ...options, accept: (fullPath) => inShard(fullPath, shard) });
  // A stateful build (incremental GitLab crawl) keeps a state: the merge writes the joined one.
  const state = options.source instanceof StatefulSource;
  const file = partialOutputFile(createPartial(shard, options.source.description, records, listing, { state }));
  await mkdir(outDir, { recursive: true });
  const target = path.join(outDir, file.path);
  const tmp = `${target}.${process.pid}.tmp`;
  await writeFile(tmp, file.content);
  await rename(tmp, target);
  io.stderr(`stachub: shard ${shard.index}/${shard.total}: ${records.length} project(s) read; partial output written to ${target}\n`);
}
