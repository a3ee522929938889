/**
 * The data that flows through the pipeline (DESIGN.md "The pipeline").
 * Edges (sources/, mlflow/, onnx/ byte sources, publish/) produce or consume these;
 * every middle stage is a pure function from one to the next.
 */

export type { Diagnostic, Level } from './diagnostic.js';
import type { Diagnostic } from './diagnostic.js';

/** GitLab visibility levels. */
export type Visibility = 'public' | 'internal' | 'private';

/** What GitLab says about a project (the workspace descriptor carries the same fields). */
export interface ProjectInfo {
  /** GitLab numeric project id. */
  id: number;
  /** `group/subgroup/project`: the STAC item id (SharingHub's id). */
  fullPath: string;
  name: string;
  /** `Group / Subgroup / Project`. */
  nameWithNamespace: string;
  description: string | null;
  /** Topics as GitLab returns them (sorted alphabetically). */
  topics: string[];
  visibility: Visibility;
  archived: boolean;
  webUrl: string;
  defaultBranch: string;
  /** ISO 8601. */
  createdAt: string;
  /** ISO 8601. */
  lastActivityAt: string;
  starCount: number;
  /** GitLab-detected license (its key is mapped to SPDX by the metadata stage). */
  license: { key: string; name?: string; url?: string | null } | null;
  /** Head commit SHA of the default branch, when known: the change key of incremental builds. */
  headCommit?: string;
}

/** A file of the default branch's tree. */
export interface RepoFile {
  /** Repository-relative POSIX path, never starting with `/` and never containing `..`. */
  path: string;
  /** Size in bytes of the real content (for LFS files, the size the pointer declares). */
  size?: number;
  /** SHA-256 of the real content, hex, when the source knows it (LFS oid, or hashed locally). */
  sha256?: string;
  /** Set when the file in the repository is a Git LFS pointer. */
  lfs?: { oid: string; size: number };
  /** Absolute URL that serves the real bytes (LFS resolved). */
  href: string;
}

/** The latest release of a project (SharingHub's `source` asset). */
export interface ReleaseInfo {
  tagName: string;
  name: string;
  description?: string;
  /** ISO 8601. */
  releasedAt?: string;
  /** Absolute URL of the source archive. */
  archiveHref: string;
}

/** A GitLab package (SharingHub's `package` link). */
export interface PackageInfo {
  name: string;
  version?: string;
  packageType: string;
  webUrl: string;
}

/** A container repository (SharingHub's `container` link). */
export interface ContainerInfo {
  location: string;
  tags: string[];
}

/** A small file carried in full by the source so the catalog can republish it (preview images). */
export interface CarriedFile {
  path: string;
  mediaType: string;
  bytes: Uint8Array;
}

/**
 * Everything a source read about one project. Produced by `Source.projects()`
 * (local workspace or GitLab), consumed by the pure `toRecord` stage.
 */
export interface ProjectSnapshot {
  project: ProjectInfo;
  /** The README (`readme_url`, else README.md / readme.md), or null when the project has none. */
  readme: { path: string; text: string } | null;
  /** Recursive file list of the default branch. */
  files: RepoFile[];
  release: ReleaseInfo | null;
  packages: PackageInfo[];
  containers: ContainerInfo[];
  /** Small files republished with the catalog (e.g. the preview image). */
  carried: CarriedFile[];
  /** ONNX summaries of model files, keyed by repository path (filled by the edge that can read bytes). */
  onnx: Record<string, import('./onnx/types.js').OnnxSummary>;
  /** Summaries of other model files (PyTorch, safetensors, GGUF, pickles), keyed by repository path. */
  models?: Record<string, import('./models/types.js').ModelSummary>;
  /** Problems the source met while reading this project (e.g. an unreadable ONNX file). */
  diagnostics: Diagnostic[];
  /**
   * DVC metadata files as committed (`.dvc/config`, `dvc.lock` files, `*.dvc` files): the texts
   * the metadata stage turns into data assets (generator/metadata/dvc.ts). Absent: no DVC files.
   */
  dvc?: DvcFileText[];
}

/** One DVC metadata file of the repository, as text. */
export interface DvcFileText {
  path: string;
  text: string;
}

/**
 * An asset rule as written in the config or the README: a glob string or a rule object
 * (`metadata/assets.ts` matches it against the repository's files).
 */
export type AssetRule =
  | string
  | {
      glob?: string;
      path?: string;
      key?: string;
      href?: string;
      title?: string;
      description?: string;
      type?: string;
      'type-as'?: string;
      roles?: string[];
      [extensionField: `${string}:${string}`]: unknown;
    };

/** A file of the generated output, relative to the output root (POSIX, no leading `/`). */
export interface OutputFile {
  path: string;
  /** Media type used when publishing (`Content-Type`). */
  mediaType: string;
  content: Uint8Array;
}

/** Result of writing the output through a sink. */
export interface PublishResult {
  written: number;
  skipped: number;
  deleted: number;
}
