/**
 * The project source seam (DESIGN.md `Source.projects()`): a local workspace or a GitLab instance.
 * Both produce the same `ProjectSnapshot`s; everything after this edge is pure.
 */
import type { Diagnostic, ProjectSnapshot, Visibility } from '../types.js';

/** What the build asks a source for. */
export interface SourceQuery {
  /** Category topics: a project carrying any of them is listed (each topic is an exact, case-sensitive name). */
  topics: string[];
  /** Visibilities allowed into the catalog (default: public only). Others are never read. */
  visibility: Visibility[];
  /** Whether archived projects are listed. */
  archived: 'exclude' | 'include';
  /**
   * Sharded builds (`stachub build --shard I/N`, generator/pipeline/shard.ts): a project whose full
   * path this rejects belongs to another shard. It is left out before it is read and is not
   * counted in `excluded`, so the shards' counts add up.
   */
  accept?: (fullPath: string) => boolean;
  /** Snapshots of the previous build, by project id, for incremental crawls and the fault policy. */
  previous?: ReadonlyMap<number, PreviousProject>;
  /** Called as projects are read: `done` of `total` listed (for a progress bar). */
  onProgress?: (done: number, total: number) => void;
}

/** What the previous build remembered of a project (see `generator/state/`). */
export interface PreviousProject {
  headCommit?: string;
  topics: string[];
  lastActivityAt: string;
  snapshot: ProjectSnapshot;
  /** ISO 8601: when the snapshot was read from the source (GitLab source: re-read after a maximum age). */
  readAt?: string;
  /** ISO 8601: when the source last verified the project unchanged (GitLab source: see `decideChange`). */
  checkedAt?: string;
}

/** How a listed project's snapshot was obtained. */
export type SnapshotOrigin =
  /** read now */
  | 'fresh'
  /** unchanged since the previous build: its previous snapshot is reused without reading it again */
  | 'unchanged'
  /** reading it failed: its previous snapshot is kept and the build report says so */
  | 'stale';

export interface SourceEntry {
  snapshot: ProjectSnapshot;
  origin: SnapshotOrigin;
}

/** A project that was listed but could not be read and had no previous snapshot to fall back on. */
export interface FailedProject {
  fullPath: string;
  diagnostics: Diagnostic[];
}

export interface SourceListing {
  entries: SourceEntry[];
  failed: FailedProject[];
  /** Projects left out, counted but never named (a private project's name is itself private). */
  excluded: { visibility: number; archived: number };
  /** Requests made to the source's server, when it has one (for the build report). */
  requests?: number;
  /**
   * Per project id: when it was last read and last verified unchanged (ISO 8601). Sources with
   * incremental crawls (GitLab) give it; the build state (generator/state) records it.
   */
  marks?: ReadonlyMap<number, { readAt: string; checkedAt: string }>;
}

export interface Source {
  /** Short description for logs, e.g. `workspace examples/workspace` or `gitlab https://gitlab.example.com`. */
  readonly description: string;
  /**
   * List the projects of the query and read each of them.
   * Throws `SourceUnreachableError` (exit 4) only when the listing itself fails.
   */
  projects(query: SourceQuery): Promise<SourceListing>;
}
