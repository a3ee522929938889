/**
 * The local workspace source: a folder of project folders, each holding the files of its
 * repository plus `stachub-project.yml`, a descriptor that says what GitLab would say about the
 * project (field names as GitLab's REST API returns them). It produces the same ProjectSnapshots
 * as the GitLab source.
 */
import { createHash } from 'node:crypto';
import { lstat, open, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { SourceUnreachableError } from '../errors.js';
import { mediaTypeOf } from '../media-types.js';
import { LICENSE_FILE } from './gitlab/license.js';
import { isDvcMetadata } from '../formats/dvc.js';
import type { CarriedFile, ContainerInfo, Diagnostic, DvcFileText, PackageInfo, ProjectInfo, ProjectSnapshot, ReleaseInfo, RepoFile, Visibility } from '../types.js';
import { parseYaml } from '../yaml.js';
import type { OnnxSummary } from '../onnx/types.js';
import type { ModelSummary } from '../models/types.js';
import { LIMITS } from '../limits.js';
import type { FailedProject, Source, SourceEntry, SourceListing, SourceQuery } from './source.js';

export const DESCRIPTOR = 'stachub-project.yml';
/** Project folders read at once (their files are read on libuv's threads while others are parsed). */
const READ_AHEAD = 8;

/** What reading one project folder gave, before the listing takes it (in folder order). */
type FolderRead =
  | { kind: 'skipped' }
  | { kind: 'excluded'; by: 'visibility' | 'archived' }
  | { kind: 'unreadable'; problems: number }
  | { kind: 'failed'; failed: FailedProject }
  | ({ kind: 'project'; fullPath: string; shown: string } & ({ snapshot: ProjectSnapshot } | { error: string }));

/** A read already taken (the slot is kept so indexes stay put). */
const DONE: Promise<FolderRead> = Promise.resolve({ kind: 'skipped' });
/** DVC files read per project at most (as the GitLab source's default). */
const MAX_DVC_FILES = 200;
/** Images up to this size are republished with the catalog (previews, README figures). */
const CARRY_LIMIT = 1024 * 1024;
// Raster images only: an SVG can carry scripts, which would run on the catalog's own origin if a
// reader opened the republished file; an SVG stays linked at its repository URL instead.
const CARRY_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);
/** GitLab path segments: letters, digits, `_`, `-`, `.`; never starting with `-` or `.`. */
const GITLAB_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const LFS_POINTER = /^version https:\/\/git-lfs\.github\.com\/spec\/v1\r?\noid sha256:([0-9a-f]{64})\r?\nsize (\d+)\r?\n?/;

/** Extra work at the edge for files the pipeline wants described (e.g. ONNX models). */
export type FileInspector = (
  absolutePath: string,
  file: RepoFile,
) => Promise<{ summary?: OnnxSummary; model?: ModelSummary; diagnostic?: Diagnostic; diagnostics?: Diagnostic[] } | undefined>;

/** How a workspace is read: the working directory its paths are shown from, and the file inspector. */
export interface WorkspaceOptions {
  /** Paths in the description and in diagnostics are relative to it (a runner's checkout path is not published). */
  cwd: string;
  inspect?: FileInspector | undefined;
}

export class WorkspaceSource implements Source {
  readonly description: string;
  private readonly cwd: string;
  private readonly inspect: FileInspector | undefined;
  constructor(
    private readonly root: string,
    options: WorkspaceOptions,
  ) {
    this.cwd = options.cwd;
    this.inspect = options.inspect;
    this.description = `workspace ${path.relative(this.cwd, root) || "."}`;
  }

  async projects(query: SourceQuery): Promise<SourceListing> {
    let folders: string[];
    try {
      folders = (await findProjectFolders(this.root)).sort();
    } catch (err) {
      throw new SourceUnreachableError(`cannot read workspace ${this.root}: ${(err as Error).message}`, { cause: err });
    }
    const entries: SourceEntry[] = [];
    const failed: FailedProject[] = [];
    const excluded = { visibility: 0, archived: 0 };
    const seen = new Map<string, string>();
    let unreadable = 0;
    // Folders are read a few at a time (the file reads of one wait while another's are parsed) and
    // their results taken in folder order, so the listing is the same as one at a time.
    const reads: Array<Promise<FolderRead>> = [];
    const readAhead = (upTo: number): void => {
      for (let k = reads.length; k < Math.min(upTo, folders.length); k++) {
        const read = this.readFolder(folders[k]!, query);
        // Its failure is thrown when its turn comes, not reported early as an unhandled rejection.
        read.catch(() => undefined);
        reads.push(read);
      }
    };
    for (let k = 0; k < folders.length; k++) {
      query.onProgress?.(k, folders.length);
      readAhead(k + READ_AHEAD);
      const read = await reads[k]!;
      // Let go of what is taken (the listing holds it from here).
      reads[k] = DONE;
      switch (read.kind) {
        case 'skipped':
          break;
        case 'excluded':
          excluded[read.by]++;
          break;
        case 'unreadable':
          // The report is public: a descriptor whose visibility cannot be read is not named.
          unreadable++;
          failed.push({
            fullPath: `(unreadable descriptor ${unreadable})`,
            diagnostics: [
              {
                level: 'error',
                code: 'workspace/descriptor',
                message: `a ${DESCRIPTOR} cannot be read and does not say the project's visibility, so the project is not named here (${read.problems} problem(s); run \`stachub build\` with a descriptor that has a valid visibility to see them)`,
              },
            ],
          });
          break;
        case 'failed':
          failed.push(read.failed);
          break;
        case 'project': {
          const clash = seen.get(read.fullPath);
          if (clash) {
            failed.push({
              fullPath: read.fullPath,
              diagnostics: [{ level: 'error', code: 'workspace/duplicate', message: `project path ${read.fullPath} is also used by ${clash}`, file: read.shown }],
            });
            break;
          }
          seen.set(read.fullPath, read.shown);
          if ('snapshot' in read) {
            entries.push({ snapshot: read.snapshot, origin: 'fresh' });
          } else {
            // One unreadable project folder is that project's error (its visibility is allowed: it may be named).
            failed.push({
              fullPath: read.fullPath,
              diagnostics: [{ level: 'error', code: 'workspace/unreadable', message: `the project's files cannot be read (${read.error})` }],
            });
          }
        }
      }
    }
    query.onProgress?.(folders.length, folders.length);
    return { entries, failed, excluded };
  }

  /** One project folder: its descriptor, what the query says of it, and its snapshot when it is in. */
  private async readFolder(folder: string, query: SourceQuery): Promise<FolderRead> {
    const descriptorFile = path.join(folder, DESCRIPTOR);
    const shown = path.relative(this.cwd, descriptorFile) || descriptorFile;
    const parsed: Awaited<ReturnType<typeof readDescriptor>> = await readDescriptor(descriptorFile, shown).catch((err: unknown) => ({
      problems: [{ level: 'error' as const, code: 'workspace/descriptor', message: `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).name})`, file: shown }],
    }));
    if ('problems' in parsed) {
      // The report is public: a broken descriptor of a project the catalog would not publish is
      // counted, not named, and one whose visibility cannot be read is not named either.
      if (parsed.visibility !== undefined && !query.visibility.includes(parsed.visibility)) return { kind: 'excluded', by: 'visibility' };
      if (parsed.visibility === undefined) return { kind: 'unreadable', problems: parsed.problems.length };
      // Before the descriptor is read, the path is unknown: name only the folder.
      return { kind: 'failed', failed: { fullPath: path.relative(this.root, folder), diagnostics: parsed.problems } };
    }
    const { info, extras } = parsed;
    if (!info.topics.some((t) => query.topics.includes(t))) return { kind: 'skipped' };
    if (query.accept && !query.accept(info.fullPath)) return { kind: 'skipped' }; // another shard's project
    if (!query.visibility.includes(info.visibility)) return { kind: 'excluded', by: 'visibility' };
    if (info.archived && query.archived === 'exclude') return { kind: 'excluded', by: 'archived' };
    try {
      return { kind: 'project', fullPath: info.fullPath, shown, snapshot: await this.snapshot(folder, info, extras) };
    } catch (err) {
      return { kind: 'project', fullPath: info.fullPath, shown, error: (err as NodeJS.ErrnoException).code ?? (err as Error).name };
    }
  }

  private async snapshot(folder: string, info: ProjectInfo, extras: DescriptorExtras): Promise<ProjectSnapshot> {
    let project = info;
    const diagnostics: Diagnostic[] = [];
    const files: RepoFile[] = [];
    const carried: CarriedFile[] = [];
    const onnx: Record<string, OnnxSummary> = {};
    const models: Record<string, ModelSummary> = {};
    for (const rel of await listFiles(folder)) {
      if (rel === DESCRIPTOR) continue;
      const abs = path.join(folder, ...rel.split('/'));
      const { size, sha256, head } = await hashFile(abs);
      const pointer = size < 1024 ? LFS_POINTER.exec(head.toString('utf8')) : null;
      const file: RepoFile = {
        path: rel,
        ...(pointer ? { size: Number(pointer[2]), sha256: pointer[1]!, lfs: { oid: pointer[1]!, size: Number(pointer[2]) } } : { size, sha256 }),
        href: `${project.webUrl}/-/raw/${encodeURIComponent(project.defaultBranch)}/${rel.split('/').map(encodeURIComponent).join('/')}`,
      };
      files.push(file);
      const type = mediaTypeOf(rel);
      if (!pointer && type && CARRY_TYPES.has(type) && size <= CARRY_LIMIT) {
        carried.push({ path: rel, mediaType: type, bytes: new Uint8Array(await readFile(abs)) });
      }
      if (!pointer && this.inspect) {
        const result = await this.inspect(abs, file);
        if (result?.summary !== undefined) onnx[rel] = result.summary;
        if (result?.model !== undefined) models[rel] = result.model;
        if (result?.diagnostic) diagnostics.push(result.diagnostic);
        if (result?.diagnostics) diagnostics.push(...result.diagnostics);
      }
    }
    // A license known by its key only links the project's license file, as the GitLab source does
    // (GitLab's `license_url` is that file's blob URL).
    const licenseFile = files.find((f) => !f.path.includes('/') && LICENSE_FILE.test(f.path));
    if (project.license && !project.license.url && licenseFile) {
      project = { ...project, license: { ...project.license, url: `${project.webUrl}/-/blob/${project.defaultBranch}/${licenseFile.path}` } };
    }
    // DVC metadata as text, for the DVC data assets (generator/metadata/dvc.ts), as the GitLab source reads them
    const dvc: DvcFileText[] = [];
    for (const f of files.filter((x) => isDvcMetadata(x.path)).slice(0, MAX_DVC_FILES)) {
      dvc.push({ path: f.path, text: await readFile(path.join(folder, ...f.path.split('/')), 'utf8') });
    }
    const readmePath = ['README.md', 'readme.md', 'Readme.md'].find((p) => files.some((f) => f.path === p));
    const readme = readmePath ? { path: readmePath, text: await readHead(path.join(folder, readmePath), LIMITS.readmeBytes + 4) } : null;
    return {
      project,
      readme,
      files,
      release: extras.release,
      packages: extras.packages,
      containers: extras.containers,
      carried,
      onnx,
      ...(Object.keys(models).length > 0 ? { models } : {}),
      diagnostics,
      ...(dvc.length > 0 ? { dvc } : {}),
    };
  }
}

/** Folders (at any depth) that hold a descriptor; a project folder's own subfolders are its files. */
async function findProjectFolders(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    const names = await readdir(dir, { withFileTypes: true });
    if (names.some((d) => d.isFile() && d.name === DESCRIPTOR)) {
      out.push(dir);
      return;
    }
    if (depth > 8) return;
    for (const d of names) {
      if (d.isDirectory() && !d.name.startsWith('.') && d.name !== 'node_modules') await walk(path.join(dir, d.name), depth + 1);
    }
  };
  await walk(root, 0);
  return out;
}

/** Repository files of a project folder, POSIX-relative, sorted; symlinks and `.git` are skipped. */
async function listFiles(folder: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, prefix: string): Promise<void> => {
    for (const d of await readdir(dir, { withFileTypes: true })) {
      if (d.name === '.git') continue;
      const rel = prefix ? `${prefix}/${d.name}` : d.name;
      // DVC's local cache and scratch space are not part of the repository (DVC gitignores them)
      if (rel === '.dvc/cache' || rel === '.dvc/tmp') continue;
      // Never follow a symlink: it could point outside the project.
      if (d.isSymbolicLink()) continue;
      if (d.isDirectory()) await walk(path.join(dir, d.name), rel);
      else if (d.isFile()) out.push(rel);
    }
  };
  await walk(folder, '');
  return out.sort();
}

/**
 * The first `max` bytes of a file as text: a README past the budget is reported by the record
 * stage (docs/metadata.md#limits-what-a-hostile-readme-can-and-cannot-do), so more of it is never needed, however large it is.
 */
async function readHead(file: string, max: number): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const buf = Buffer.alloc(Math.min((await handle.stat()).size, max));
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

async function hashFile(file: string): Promise<{ size: number; sha256: string; head: Buffer }> {
  const st = await lstat(file);
  const hash = createHash('sha256');
  const handle = await open(file, 'r');
  const head = Buffer.alloc(Math.min(st.size, 1024));
  try {
    // A chunk no larger than the file (most are a few kB): a zeroed MiB per file was most of the
    // reading time of a large workspace (allocation, then the collector reclaiming it).
    const chunk = Buffer.allocUnsafe(Math.max(1, Math.min(st.size, 1 << 20)));
    let pos = 0;
    for (;;) {
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, pos);
      if (bytesRead === 0) break;
      if (pos < head.length) chunk.copy(head, pos, 0, Math.min(bytesRead, head.length - pos));
      hash.update(chunk.subarray(0, bytesRead));
      pos += bytesRead;
    }
  } finally {
    await handle.close();
  }
  return { size: st.size, sha256: hash.digest('hex'), head };
}

interface DescriptorExtras {
  release: ReleaseInfo | null;
  packages: PackageInfo[];
  containers: ContainerInfo[];
}

/** Read and check a descriptor; every problem names the file and the line. */
export async function readDescriptor(
  file: string,
  shown: string,
): Promise<{ info: ProjectInfo; extras: DescriptorExtras } | { problems: Diagnostic[]; visibility?: Visibility }> {
  const text = await readFile(file, 'utf8');
  const parsed = parseYaml(text);
  const problems: Diagnostic[] = [];
  const problem = (message: string, key?: string): void => {
    const line = key ? parsed.lineOf([key]) : undefined;
    problems.push({ level: 'error', code: 'workspace/descriptor', message, file: shown, ...(line !== undefined ? { line } : {}) });
  };
  if (parsed.errors.length > 0) {
    for (const e of parsed.errors) problems.push({ level: 'error', code: 'workspace/descriptor', message: `not valid YAML: ${e.message}`, file: shown, ...(e.line ? { line: e.line } : {}) });
    return { problems };
  }
  const d = (parsed.value !== null && typeof parsed.value === 'object' && !Array.isArray(parsed.value) ? parsed.value : {}) as Record<string, unknown>;
  const str = (key: string, required: boolean): string | undefined => {
    const v = d[key];
    if (v === undefined || v === null) {
      if (required) problem(`missing required key '${key}'`);
      return undefined;
    }
    if (typeof v !== 'string' || v.trim() === '') {
      problem(`'${key}' must be a non-empty string`, key);
      return undefined;
    }
    return v.trim();
  };
  const id = d.id;
  if (typeof id !== 'number' || !Number.isInteger(id) || id <= 0) problem(`'id' must be a positive integer (GitLab's project id)`, d.id === undefined ? undefined : 'id');
  const fullPath = str('path_with_namespace', true);
  if (fullPath && !fullPath.split('/').every((s) => GITLAB_SEGMENT.test(s) && !s.endsWith('.git') && !s.endsWith('.atom'))) {
    problem(`'path_with_namespace' ${JSON.stringify(fullPath)} is not a GitLab project path (segments of letters, digits, '_', '-', '.')`, 'path_with_namespace');
  }
  const webUrl = str('web_url', true);
  if (webUrl && !/^https?:\/\/[^\s]+$/.test(webUrl)) problem(`'web_url' must be an http(s) URL`, 'web_url');
  const visibility = (d.visibility ?? 'public') as Visibility;
  if (!['public', 'internal', 'private'].includes(visibility)) problem(`'visibility' must be public, internal or private`, 'visibility');
  const topics = d.topics;
  if (!Array.isArray(topics) || !topics.every((t) => typeof t === 'string')) problem(`'topics' must be a list of GitLab topic names`, topics === undefined ? undefined : 'topics');
  const dates: Record<string, string> = {};
  for (const key of ['created_at', 'last_activity_at']) {
    const v = str(key, true);
    if (v !== undefined) {
      if (Number.isNaN(Date.parse(v))) problem(`'${key}' must be an ISO 8601 date-time`, key);
      else dates[key] = new Date(v).toISOString();
    }
  }
  const stars = d.star_count ?? 0;
  if (typeof stars !== 'number' || !Number.isInteger(stars) || stars < 0) problem(`'star_count' must be a non-negative integer`, 'star_count');
  // As `GET /projects/:id?license=true` answers: `license {key, name, nickname, html_url, ...}` and a
  // top-level `license_url`, the blob URL of the license file (lib/api/entities/project.rb). The
  // `html_url` is choosealicense.com's page about the license, not the project's license: unused.
  let license: ProjectInfo['license'] = null;
  const licenseUrl = typeof d.license_url === 'string' && /^https?:\/\//.test(d.license_url) ? d.license_url : null;
  if (typeof d.license === 'string') license = { key: d.license, url: licenseUrl };
  else if (d.license && typeof d.license === 'object' && typeof (d.license as { key?: unknown }).key === 'string') {
    const l = d.license as { key: string; name?: string; url?: string };
    license = { key: l.key, ...(l.name ? { name: l.name } : {}), url: licenseUrl ?? l.url ?? null };
  } else if (d.license !== undefined && d.license !== null) problem(`'license' must be a GitLab license key (e.g. apache-2.0) or {key, name}`, 'license');
  if (problems.length > 0) return { problems, ...(['public', 'internal', 'private'].includes(visibility) ? { visibility } : {}) };

  const segments = fullPath!.split('/');
  const name = str('name', false) ?? segments[segments.length - 1]!;
  const info: ProjectInfo = {
    id: id as number,
    fullPath: fullPath!,
    name,
    nameWithNamespace: str('name_with_namespace', false) ?? [...segments.slice(0, -1), name].join(' / '),
    description: typeof d.description === 'string' ? d.description : null,
    topics: [...(topics as string[])].sort(),
    visibility,
    archived: d.archived === true,
    webUrl: webUrl!.replace(/\/$/, ''),
    defaultBranch: str('default_branch', false) ?? 'main',
    createdAt: dates.created_at!,
    lastActivityAt: dates.last_activity_at!,
    starCount: stars as number,
    license,
    ...(typeof d.head_commit === 'string' ? { headCommit: d.head_commit } : {}),
  };
  const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const r = isRecord(d.release) ? d.release : undefined;
  const release: ReleaseInfo | null =
    r && typeof r.tag_name === 'string'
      ? {
          tagName: r.tag_name,
          name: typeof r.name === 'string' ? r.name : r.tag_name,
          ...(typeof r.description === 'string' ? { description: r.description } : {}),
          ...(typeof r.released_at === 'string' ? { releasedAt: r.released_at } : {}),
          archiveHref: `${info.webUrl}/-/archive/${encodeURIComponent(r.tag_name)}/${segments[segments.length - 1]}-${encodeURIComponent(r.tag_name)}.zip`,
        }
      : null;
  const packages = Array.isArray(d.packages)
    ? (d.packages as unknown[]).filter(isRecord).filter((p) => typeof p.name === 'string').map((p) => ({
        name: p.name as string,
        ...(typeof p.version === 'string' ? { version: p.version } : {}),
        packageType: typeof p.package_type === 'string' ? p.package_type : 'generic',
        webUrl: typeof p.web_url === 'string' ? p.web_url : `${info.webUrl}/-/packages`,
      }))
    : [];
  const containers = Array.isArray(d.containers)
    ? (d.containers as unknown[]).filter(isRecord).filter((c) => typeof c.location === 'string').map((c) => ({
        location: c.location as string,
        tags: Array.isArray(c.tags) ? (c.tags as unknown[]).filter((t): t is string => typeof t === 'string') : [],
      }))
    : [];
  return { info, extras: { release, packages, containers } };
}
