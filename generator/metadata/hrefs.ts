/**
 * Where a README's references point (PURE): a repository path or URL as written -> an href. Files
 * the source carried (images...) are republished beside the item and referenced relatively; other
 * repository files go to their GitLab URL.
 */
import type { CarriedFile, ProjectSnapshot } from '../types.js';

/** How a reference is used: an image, a link to a page, or an asset's file. */
export type HrefKind = 'image' | 'link' | 'asset';

/** The resolver of one project's README references, and the files it chose to republish. */
export function readmeHrefs(snapshot: ProjectSnapshot, carriedDir: string): {
  resolve: (href: string, kind?: HrefKind) => string | undefined;
  carried: () => CarriedFile[];
} {
  const { project } = snapshot;
  const filesByPath = new Map(snapshot.files.map((f) => [f.path, f]));
  const carriedByPath = new Map(snapshot.carried.map((f) => [f.path, f]));
  const carried = new Map<string, CarriedFile>();
  const rawUrl = (p: string): string => `${project.webUrl}/-/raw/${encodeSegment(project.defaultBranch)}/${encodePath(p)}`;
  const blobUrl = (p: string): string => `${project.webUrl}/-/blob/${encodeSegment(project.defaultBranch)}/${encodePath(p)}`;
  const resolve = (href: string, kind: HrefKind = 'asset'): string | undefined => {
    if (/^https?:\/\//i.test(href)) return href;
    const repoPath = normalizeRepoPath(href.replace(/^file:\/\//i, '').split(/[?#]/)[0] ?? '');
    if (repoPath === undefined) return undefined;
    const local = carriedByPath.get(repoPath);
    if (local && kind !== 'link') {
      const target = `${carriedDir}/${repoPath}`;
      carried.set(target, { ...local, path: target });
      return `./${target}`;
    }
    const file = filesByPath.get(repoPath);
    if (kind === 'link') return file || !/\.[A-Za-z0-9]+$/.test(repoPath) ? blobUrl(repoPath) : undefined;
    return file?.href ?? (kind === 'image' ? rawUrl(repoPath) : undefined);
  };
  return { resolve, carried: () => [...carried.values()].sort((a, b) => a.path.localeCompare(b.path)) };
}

/** A README-relative path -> a clean repository path, or undefined if it escapes the repository. */
export function normalizeRepoPath(href: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(href);
  } catch {
    return undefined;
  }
  const out: string[] = [];
  for (const seg of decoded.replace(/\\/g, '/').split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length === 0) return undefined;
      out.pop();
      continue;
    }
    out.push(seg);
  }
  return out.length > 0 ? out.join('/') : undefined;
}

function encodePath(p: string): string {
  return p.split('/').map(encodeSegment).join('/');
}

/** encodeURIComponent, except that a lone surrogate (YAML can write one as "\ud800"), which it cannot encode, becomes U+FFFD. */
function encodeSegment(s: string): string {
  return encodeURIComponent(s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD'));
}
