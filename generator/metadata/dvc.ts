/**
 * DVC-tracked data as STAC assets (PURE). SharingHub only flags DVC (`sharinghub:dvc-init`); here
 * each output that a `.dvc` file or a `dvc.lock` records becomes a data asset whose href is the
 * object in the project's DVC remote, with its size and md5 checksum (DVC's files are read by
 * `formats/dvc.ts`).
 */
import type { Diagnostic, DvcFileText, RepoFile } from '../types.js';
import { mediaTypeOf } from '../media-types.js';
import { dvcOutputs, parseDvcConfig, remoteObjectUrl } from '../formats/dvc.js';

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
