/** Shared test helpers: repository paths, the offline STAC schema map, snapshot builders. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProjectInfo, ProjectSnapshot, RepoFile } from '../generator/types.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The official schemas shipped with stachub (`schemas/vendor/<host>/<path>`). */
export const schemasDir = path.join(repoRoot, 'schemas', 'vendor');

/**
 * The shipped schema hosts as `URL=DIR` pairs for `--schema-map`. Builds need none (the shipped
 * schemas are preloaded); tests of the override itself use these.
 */
export const schemaMapPairs: string[] = ['schemas.stacspec.org', 'stac-extensions.github.io', 'geojson.org', 'proj.org'].map(
  (host) => `https://${host}/=${path.join(schemasDir, host)}/`,
);
export const schemaMap: Array<[string, string]> = schemaMapPairs.map((p) => {
  const i = p.indexOf('=');
  return [p.slice(0, i), p.slice(i + 1)];
});

export function projectInfo(overrides: Partial<ProjectInfo> = {}): ProjectInfo {
  const fullPath = overrides.fullPath ?? 'team/model';
  return {
    id: 7,
    fullPath,
    name: fullPath.split('/').pop()!,
    nameWithNamespace: fullPath.split('/').join(' / '),
    description: 'A project description.',
    topics: ['sharinghub:aimodel'],
    visibility: 'public',
    archived: false,
    webUrl: `https://gitlab.test/${fullPath}`,
    defaultBranch: 'main',
    createdAt: '2025-01-01T00:00:00Z',
    lastActivityAt: '2026-01-01T00:00:00Z',
    starCount: 3,
    license: null,
    ...overrides,
  };
}

export function repoFile(p: string, extra: Partial<RepoFile> = {}): RepoFile {
  return { path: p, size: 10, href: `https://gitlab.test/raw/${p}`, ...extra };
}

/** A snapshot whose README is `readme` (null: no README). */
export function snapshot(readme: string | null, overrides: Partial<ProjectSnapshot> & { info?: Partial<ProjectInfo> } = {}): ProjectSnapshot {
  const { info, ...rest } = overrides;
  return {
    project: projectInfo(info),
    readme: readme === null ? null : { path: 'README.md', text: readme },
    files: readme === null ? [] : [repoFile('README.md')],
    release: null,
    packages: [],
    containers: [],
    carried: [],
    onnx: {},
    diagnostics: [],
    ...rest,
  };
}

/** Wrap front-matter YAML lines into a README. */
export function readmeWith(frontMatter: string, body = '# Title\n\nSome text.\n'): string {
  return `---\n${frontMatter.trim()}\n---\n${body}`;
}
