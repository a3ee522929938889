/**
 * DVC's files (PURE): which files a source reads for DVC, what a `.dvc` file, a `dvc.lock` and
 * `.dvc/config` say, and where an output lives in a remote (`metadata/dvc.ts` makes assets of them).
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
import type { Diagnostic, DvcFileText } from '../types.js';
import { parseYaml } from '../yaml.js';

/** DVC metadata files a source reads for the metadata stage: `.dvc/config`, `dvc.lock` files and `*.dvc` files. */
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
