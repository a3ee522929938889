/**
 * The build state: what one build remembers for the next, written beside the catalog as
 * `stachub-state.json.gz` (gzip JSON). Keyed by GitLab project id, each record holds the change keys
 * (head commit, topics, `last_activity_at`, a hash of the snapshot) and the snapshot itself, so an
 * unchanged project is republished without reading it again, and a project that cannot be read keeps
 * its previous item.
 *
 * It holds only projects whose visibility the catalog publishes (default: public), and never a token:
 * snapshots carry token-free hrefs and the source is recorded by its host only.
 */
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { StachubError } from '../errors.js';
import type { OutputFile, ProjectSnapshot, Visibility } from '../types.js';
import type { PreviousProject, SourceEntry } from '../sources/source.js';

export const STATE_FILE = 'stachub-state.json.gz';
export const STATE_VERSION = 1;

/** One project as the state remembers it. */
export interface StateProject {
  id: number;
  fullPath: string;
  /** Head commit of the default branch when the snapshot was read. */
  headCommit?: string;
  topics: string[];
  lastActivityAt: string;
  /** SHA-256 of the snapshot's canonical JSON: equal hashes mean the item inputs are unchanged. */
  metadataHash: string;
  /** ISO 8601: when the snapshot was read. */
  readAt?: string;
  /** ISO 8601: when the project was last verified unchanged. */
  checkedAt?: string;
  snapshot: ProjectSnapshot;
  /** The STAC item(s) produced from the snapshot, when the build records them. */
  items?: unknown[];
}

export interface BuildState {
  version: typeof STATE_VERSION;
  generatedAt: string;
  /** Where the projects came from (host only, e.g. `gitlab https://gitlab.example.com`). */
  source: string;
  projects: StateProject[];
}

/** The state file could not be understood (the build then crawls in full). */
export class StateFormatError extends StachubError {}

export interface CreateStateInput {
  generatedAt: string;
  /** The source's description (credentials are stripped). */
  source: string;
  entries: readonly SourceEntry[];
  /** Visibilities the catalog publishes; other projects are left out of the state (default: public). */
  visibility?: readonly Visibility[];
  /** Per project id: when it was read and last checked (the GitLab source's `marks`). */
  marks?: ReadonlyMap<number, { readAt: string; checkedAt: string }>;
  /** Per project full path: the items produced. */
  items?: ReadonlyMap<string, unknown[]>;
}

/** Build the state of this build from the source's entries. */
export function createState(input: CreateStateInput): BuildState {
  const allowed = new Set(input.visibility ?? ['public']);
  const projects: StateProject[] = [];
  for (const e of input.entries) {
    const p = e.snapshot.project;
    if (!allowed.has(p.visibility)) continue;
    const mark = input.marks?.get(p.id);
    const items = input.items?.get(p.fullPath);
    projects.push({
      id: p.id,
      fullPath: p.fullPath,
      ...(p.headCommit ? { headCommit: p.headCommit } : {}),
      topics: [...p.topics],
      lastActivityAt: p.lastActivityAt,
      metadataHash: snapshotHash(e.snapshot),
      ...(mark ? { readAt: mark.readAt, checkedAt: mark.checkedAt } : e.origin === 'fresh' ? { readAt: input.generatedAt, checkedAt: input.generatedAt } : {}),
      snapshot: e.snapshot,
      ...(items ? { items } : {}),
    });
  }
  projects.sort((a, b) => a.id - b.id);
  return { version: STATE_VERSION, generatedAt: input.generatedAt, source: input.source.replace(/\/\/[^/@\s]*@/g, '//'), projects };
}

/** What the sources need from a state: previous projects by id. */
export function previousFromState(state: BuildState | null): Map<number, PreviousProject> {
  const out = new Map<number, PreviousProject>();
  for (const p of state?.projects ?? []) {
    out.set(p.id, {
      ...(p.headCommit ? { headCommit: p.headCommit } : {}),
      topics: p.topics,
      lastActivityAt: p.lastActivityAt,
      snapshot: p.snapshot,
      ...(p.readAt ? { readAt: p.readAt } : {}),
      ...(p.checkedAt ? { checkedAt: p.checkedAt } : {}),
    });
  }
  return out;
}

/** SHA-256 (hex) of a snapshot's canonical JSON (sorted keys, bytes as base64). */
export function snapshotHash(s: ProjectSnapshot): string {
  return createHash('sha256').update(canonicalJson(s)).digest('hex');
}

function canonicalJson(v: unknown): string {
  if (v instanceof Uint8Array) return JSON.stringify({ $bytes: Buffer.from(v).toString('base64') });
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const keys = Object.keys(v).filter((k) => (v as Record<string, unknown>)[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** gzip JSON; byte arrays (carried files) are written as `{"$bytes": base64}`. */
export function encodeState(state: BuildState): Uint8Array {
  const json = JSON.stringify(state, (_k, v: unknown) =>
    v instanceof Uint8Array ? { $bytes: Buffer.from(v).toString('base64') } : v,
  );
  return new Uint8Array(gzipSync(Buffer.from(json, 'utf8')));
}

/** Parse a state file (gzip or plain JSON); throws `StateFormatError` when it is not a state of this version. */
export function decodeState(bytes: Uint8Array): BuildState {
  let text: string;
  try {
    const gz = bytes[0] === 0x1f && bytes[1] === 0x8b;
    text = (gz ? gunzipSync(bytes) : Buffer.from(bytes)).toString('utf8');
  } catch (err) {
    throw new StateFormatError(`not a gzip file (${(err as Error).message})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text, (_k, v: unknown) => {
      if (v && typeof v === 'object' && !Array.isArray(v)) {
        const o = v as Record<string, unknown>;
        if (typeof o.$bytes === 'string' && Object.keys(o).length === 1) return new Uint8Array(Buffer.from(o.$bytes, 'base64'));
      }
      return v;
    });
  } catch (err) {
    throw new StateFormatError(`not JSON (${(err as Error).message})`);
  }
  const s = raw as Partial<BuildState>;
  if (!s || typeof s !== 'object' || s.version !== STATE_VERSION || !Array.isArray(s.projects)) {
    throw new StateFormatError(`not a stachub state of version ${STATE_VERSION}`);
  }
  for (const p of s.projects) {
    if (
      !p ||
      typeof p.id !== 'number' ||
      typeof p.lastActivityAt !== 'string' ||
      !Array.isArray(p.topics) ||
      !p.snapshot ||
      typeof p.snapshot !== 'object' ||
      !p.snapshot.project ||
      p.snapshot.project.id !== p.id
    ) {
      throw new StateFormatError('a project record is incomplete');
    }
  }
  return s as BuildState;
}

/** The state as an output file at the catalog root (published with the catalog, not linked from it). */
export function stateOutputFile(state: BuildState): OutputFile {
  return { path: STATE_FILE, mediaType: 'application/gzip', content: encodeState(state) };
}
