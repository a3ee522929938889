/**
 * What the GitLab source is given (its options) and what its parts share while it crawls (the
 * context: the options, the gitbeaker client, the transport, the call counters, the GraphQL batcher).
 */
import type { ModelSummary } from '../../models/index.js';
import type { OnnxSummary } from '../../onnx/index.js';
import type { GitLabApi } from './client.js';
import type { GraphQLBatcher } from './graphql.js';
import type { GitLabTransport, TransportOptions } from './transport.js';

/** Reads one ONNX file over HTTP (Range requests) and returns its summary (`generator/onnx`). */
export type OnnxInspectHook = (file: {
  /** Absolute URL serving the real bytes. */
  url: string;
  /** Headers to send (authorization); never log them. */
  headers: Record<string, string>;
  /** A fetch that goes through the crawl's transport (retries, rate limits, concurrency, counting). */
  fetch: typeof fetch;
}) => Promise<OnnxSummary>;

/** Describes one non-ONNX model file (PyTorch, safetensors, GGUF, pickle) of a project. */
export type ModelInspectHook = (file: {
  url: string;
  headers: Record<string, string>;
  fetch: typeof fetch;
  /** The raw-file URL of a file beside this one (the shards of a sharded safetensors model). */
  siblingUrl: (name: string) => string;
  /** The repository path. */
  path: string;
}) => Promise<ModelSummary>;

export interface GitLabSourceOptions {
  /** GitLab base URL, e.g. `https://gitlab.example.com` (no `/api/v4`). */
  url: string;
  /** A `read_api` token (personal, group or project access token), sent as `Authorization: Bearer`. */
  token?: string;
  /** Requests in flight at once (default 8). */
  concurrency?: number;
  /** Per-attempt timeout in ms (default 30 000). */
  timeoutMs?: number;
  /** Further transport settings (retries, backoff; tests shorten them). */
  transport?: Omit<TransportOptions, 'concurrency' | 'timeoutMs' | 'secrets'>;
  /** Describe ONNX files (default: `inspectOnnxOverHttp`; `false`: list them without describing them). */
  inspectOnnx?: OnnxInspectHook | false;
  /** Describe PyTorch, safetensors, GGUF and pickle files (default: `inspectModelOverHttp`; `false`: list them only). */
  inspectModels?: ModelInspectHook | false;
  /** LFS pointers read per project at most (default 500); further LFS files are listed without size. */
  maxLfsPointers?: number;
  /**
   * Package versions read per project at most (default 1,000, the newest first; each version of a
   * package counts). The fast path reads the first 20 in its batch and goes to REST past that.
   */
  maxPackageVersions?: number;
  /** DVC files (`*.dvc`, `dvc.lock`) read per project at most (default 200). */
  maxDvcFiles?: number;
  /**
   * Carry a root `preview.png|jpg|jpeg` up to this many bytes into the snapshot, so the catalog
   * republishes it (default 0: not carried; the item links the file's href, which serves it for
   * public projects, and neither a request nor state space is spent).
   */
  carryPreviewMaxBytes?: number;
  /**
   * A project whose `last_activity_at` is unchanged is reused without a request once this long has
   * passed between its `last_activity_at` and the previous check (default 65 min: GitLab moves
   * `last_activity_at` at most once an hour, plus 5 min for clock skew).
   */
  activityGraceMs?: number;
  /** Read a project again after this long even if nothing shows a change (default 7 days). */
  refreshAfterMs?: number;
  /**
   * Read projects through GitLab GraphQL in batches (README, tree, head, release, packages and
   * container repositories in one request per batch), REST for the rest and as the fallback.
   */
  graphql?: boolean;
  /** Projects per GraphQL batch (default 20). */
  graphqlBatchSize?: number;
  now?: () => Date;
  /** Progress and retry lines (never contain the token). */
  log?: (line: string) => void;
}

/** Logical calls made, by purpose (retries are counted by the transport, not here). */
export interface GitLabCallCounts {
  listing: number;
  graphql: number;
  tree: number;
  readme: number;
  head: number;
  release: number;
  license: number;
  packages: number;
  containers: number;
  gitattributes: number;
  lfsPointer: number;
  preview: number;
  /** Raw reads of DVC files (`.dvc/config`, `dvc.lock`, `*.dvc`). */
  dvc: number;
}

/** Every counter at zero. */
export function newCallCounts(): GitLabCallCounts {
  return {
    listing: 0,
    graphql: 0,
    tree: 0,
    readme: 0,
    head: 0,
    release: 0,
    license: 0,
    packages: 0,
    containers: 0,
    gitattributes: 0,
    lfsPointer: 0,
    preview: 0,
    dvc: 0,
  };
}

/** What the source's parts share during one crawl. */
export interface GitLabContext {
  readonly o: GitLabSourceOptions;
  readonly api: GitLabApi;
  readonly transport: GitLabTransport;
  /** The instance's base URL, without `/api/v4`. */
  readonly host: string;
  /** The token as request headers (never logged). */
  readonly authHeaders: Record<string, string>;
  readonly calls: GitLabCallCounts;
  readonly batcher: GraphQLBatcher | undefined;
}
