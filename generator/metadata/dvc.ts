/**
 * DVC-tracked data as STAC assets (PURE). SharingHub only flags DVC (`sharinghub:dvc-init`); here
 * each output that a `.dvc` file or a `dvc.lock` records becomes a data asset whose href is the
 * object in the project's DVC remote, with its size and md5 checksum.
 *
 * Facts from DVC (iterative/dvc, dvc.org docs "DVC Files", "dvc remote", "Internal Files"):
 * - a `.dvc` file is YAML: `outs: [{path, md5, size, nfiles?, hash?, remote?}]`, the path relative
 *   to the `.dvc` file's folder; a directory's md5 ends in `.dir` (the md5 of its JSON listing),
 *   its `size` is the total of its files and `nfiles` their number;
 * - `dvc.lock` (schema 2.0) holds `stages: {<name>: {outs: [...]}}` with the same output fields,
 *   paths relative to the lock file's folder (the stage's working directory by default);
 * - `.dvc/config` is an INI file: `[core] remote = <name>` and `['remote "<name>"'] url = <url>`;
 *   an output's own `remote:` wins over the default;
 * - DVC 3 writes `hash: md5` in the outputs it hashed and stores them in the remote under
 *   `files/md5/<2 hex>/<30 hex>` (dvc/cachemgr.py `FILES_DIR`, `DEFAULT_ALGORITHM`); outputs without
 *   it were hashed by DVC 2 (`md5-dos2unix`) and live at the remote's root, `<2 hex>/<30 hex>`.
 */
import type { Diagnostic, DvcFileText, RepoFile } from '../types.js';
import { parseYaml } from '../yaml.js';
import { mediaTypeOf } from '../media-types.js';

/** DVC metadata files a source reads for this stage: `.dvc/config`, `dvc.lock` files and `*.dvc` files. */
export function isDvcMetadata(path: string): boolean {
  if (path === '.dvc/config') return true;
  if (path.startsWith('.dvc/')) return false;
  return path === 'dvc.lock' || path.endsWith('/dvc.lock') || (path.endsWith('.dvc') && !path.endsWith('/.dvc'));
}

/** One output DVC tracks. */
export interface DvcOutput {
  /** Repository-relative path of the data (never escaping the repository). */
  path: string;
  /** md5 hex (32 characters), without the `.dir` suffix. */
  md5: string;
  isDir: boolean;
  size?: number;
  nfiles?: number;
  /** Hashed by DVC 2 (no `hash: md5`): stored at the remote's root rather than under `files/md5`. */
  legacy: boolean;
  /** The output's own remote name, if it names one. */
  remote?: string;
  /** The `.dvc` or `dvc.lock` file that records it. */
  recordedIn: string;
}

/** The remotes `.dvc/config` names. */
export interface DvcConfig {
  defaultRemote?: string;
  remotes: Map<string, string>;
}

/** Parse `.dvc/config` (INI as configobj writes it: `['remote "name"']` or `[remote "name"]`). */
export function parseDvcConfig(text: string): DvcConfig {
  const remotes = new Map<string, string>();
  let defaultRemote: string | undefined;
  let section = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const head = /^\[\s*'?\s*([^\]']*?)\s*'?\s*\]$/.exec(line);
    if (head) {
      section = head[1]!.trim();
      continue;
    }
    const kv = /^([A-Za-z0-9_.-]+)\s*=\s*(.*)$/.exec(line);
    if (!kv) continue;
    const key = kv[1]!.toLowerCase();
    const value = kv[2]!.trim().replace(/^(["'])(.*)\1$/, '$2');
    if (section === 'core' && key === 'remote') defaultRemote = value;
    const remote = /^remote\s+"([^"]+)"$/.exec(section);
    if (remote && key === 'url') remotes.set(remote[1]!, value);
  }
  return { ...(defaultRemote ? { defaultRemote } : {}), remotes };
}

/** Outputs of every `.dvc` file and `dvc.lock` among the texts; problems as diagnostics. */
export function dvcOutputs(texts: readonly DvcFileText[], diagnostics: Diagnostic[]): DvcOutput[] {
  const out: DvcOutput[] = [];
  for (const f of texts) {
    if (f.path === '.dvc/config') continue;
    const parsed = parseYaml(f.text);
    if (parsed.errors.length > 0 || !isObject(parsed.value)) {
      diagnostics.push({ level: 'warning', code: 'dvc/unreadable', file: f.path, message: `not a DVC file: ${parsed.errors[0]?.message ?? 'not a YAML mapping'}` });
      continue;
    }
    const dir = f.path.includes('/') ? f.path.slice(0, f.path.lastIndexOf('/')) : '';
    const entries: unknown[] = [];
    if (f.path.endsWith('.dvc')) entries.push(...asArray(parsed.value.outs));
    else {
      // dvc.lock: schema 2.0 under `stages`, the 1.x format has the stages at the top level
      const stages = isObject(parsed.value.stages) ? parsed.value.stages : parsed.value;
      for (const stage of Object.values(stages)) if (isObject(stage)) entries.push(...asArray(stage.outs));
    }
    for (const e of entries) {
      if (!isObject(e) || typeof e.path !== 'string') continue;
      const md5 = typeof e.md5 === 'string' ? /^([0-9a-f]{32})(\.dir)?$/.exec(e.md5) : null;
      if (!md5) {
        diagnostics.push({ level: 'info', code: 'dvc/no-md5', file: f.path, message: `DVC output '${e.path}' has no md5 (cloud-versioned or not yet committed): not listed as an asset` });
        continue;
      }
      const path = joinRepoPath(dir, e.path);
      if (!path) {
        diagnostics.push({ level: 'warning', code: 'dvc/outside', file: f.path, message: `DVC output '${e.path}' lies outside the repository: skipped` });
        continue;
      }
      out.push({
        path,
        md5: md5[1]!,
        isDir: md5[2] === '.dir',
        ...(Number.isSafeInteger(e.size) && (e.size as number) >= 0 ? { size: e.size as number } : {}),
        ...(Number.isSafeInteger(e.nfiles) && (e.nfiles as number) >= 0 ? { nfiles: e.nfiles as number } : {}),
        legacy: e.hash !== 'md5',
        ...(typeof e.remote === 'string' ? { remote: e.remote } : {}),
        recordedIn: f.path,
      });
    }
  }
  return out;
}

/**
 * The URL of an output's object in a remote: `<url>/files/md5/ab/cdef…` (DVC 3) or `<url>/ab/cdef…`
 * (DVC 2); a directory's object is its `.dir` listing. Undefined for a remote that is not a URL
 * (a local path means nothing outside the machine that pushed). Credentials in the URL (user
 * information, query) are dropped.
 */
export function remoteObjectUrl(remoteUrl: string, o: Pick<DvcOutput, 'md5' | 'isDir' | 'legacy'>): string | undefined {
  const m = /^([a-z][a-z0-9+.-]*):\/\/(?:[^/@]*@)?(.*)$/i.exec(remoteUrl.trim());
  if (!m) return undefined;
  // no query or fragment either: a signed URL's parameters are credentials too
  const base = `${m[1]!.toLowerCase()}://${m[2]!.split(/[?#]/)[0]!.replace(/\/+$/, '')}`;
  const object = `${o.md5.slice(0, 2)}/${o.md5.slice(2)}${o.isDir ? '.dir' : ''}`;
  return o.legacy ? `${base}/${object}` : `${base}/files/md5/${object}`;
}

/** A DVC output to publish as an asset (`stac/extensions/dvc.ts` writes it). */
export interface DvcAsset {
  /** Repository path of the output: the asset key and the path `dvc pull` takes. */
  path: string;
  /** The object in the DVC remote, or (no remote named) the file that records the output. */
  href: string;
  description: string;
  type?: string;
  /** Whether `href` is the object in the remote (then `md5` is its digest). */
  inRemote: boolean;
  size?: number;
  md5?: string;
  /** Files in a directory output. */
  nfiles?: number;
}

/**
 * Data assets for a project's DVC outputs, one per output path. An output that Git also holds (a
 * `cache: false` output) is a plain repository file and left to the asset rules. Without a remote
 * the asset points at the `.dvc`/`dvc.lock` file that records the output, with a warning.
 */
export function dvcAssets(texts: readonly DvcFileText[] | undefined, files: readonly RepoFile[]): { assets: DvcAsset[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const assets: DvcAsset[] = [];
  const listed = new Set<string>();
  if (!texts || texts.length === 0) return { assets, diagnostics };
  const configText = texts.find((t) => t.path === '.dvc/config')?.text;
  const config = configText !== undefined ? parseDvcConfig(configText) : { remotes: new Map<string, string>() };
  const inGit = new Set(files.map((f) => f.path));
  const hrefOf = new Map(files.map((f) => [f.path, f.href]));
  const missingRemote = new Set<string>();
  for (const o of dvcOutputs(texts, diagnostics)) {
    if (inGit.has(o.path) || listed.has(o.path)) continue;
    const remoteName = o.remote ?? config.defaultRemote;
    const remoteUrl = remoteName ? config.remotes.get(remoteName) : undefined;
    const href = remoteUrl ? remoteObjectUrl(remoteUrl, o) : undefined;
    const what = o.isDir ? `directory of ${o.nfiles ?? 'an unknown number of'} files` : 'file';
    if (!href) {
      missingRemote.add(remoteName ? `remote '${remoteName}' ${remoteUrl ? 'is not a URL' : 'is not defined in .dvc/config'}` : 'no default remote in .dvc/config');
      const pointer = hrefOf.get(o.recordedIn);
      if (!pointer) continue;
      listed.add(o.path);
      assets.push({
        path: o.path,
        href: pointer,
        description: `DVC-tracked ${what}, recorded in ${o.recordedIn}; the project names no DVC remote to fetch it from`,
        inRemote: false,
      });
      continue;
    }
    const type = o.isDir ? undefined : mediaTypeOf(o.path);
    listed.add(o.path);
    assets.push({
      path: o.path,
      href,
      description: `DVC-tracked ${what} (${o.recordedIn})`,
      ...(type ? { type } : {}),
      inRemote: true,
      ...(o.size !== undefined ? { size: o.size } : {}),
      // a directory's md5 is that of its listing, the object the href names
      md5: o.md5,
      ...(o.isDir && o.nfiles !== undefined ? { nfiles: o.nfiles } : {}),
    });
  }
  for (const reason of missingRemote) {
    diagnostics.push({ level: 'warning', code: 'dvc/no-remote', file: '.dvc/config', message: `DVC outputs are listed by path only: ${reason}` });
  }
  return { assets, diagnostics };
}

/** `dir` + a relative POSIX path, normalised; undefined when absolute or escaping the repository. */
function joinRepoPath(dir: string, rel: string): string | undefined {
  if (rel.startsWith('/') || /^[a-z][a-z0-9+.-]*:/i.test(rel) || rel.includes('\\') || /[\u0000-\u001f]/.test(rel)) return undefined;
  const out: string[] = dir ? dir.split('/') : [];
  for (const seg of rel.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length === 0) return undefined;
      out.pop();
    } else out.push(seg);
  }
  return out.length > 0 ? out.join('/') : undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
