import { createHash } from 'node:crypto';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WorkspaceSource } from '../../generator/sources/workspace.js';
import type { SourceQuery } from '../../generator/sources/source.js';

let root: string;
const query: SourceQuery = { topics: ['sharinghub:aimodel', 'sharinghub:dataset'], visibility: ['public'], archived: 'exclude' };

async function project(dir: string, descriptor: string, files: Record<string, string> = {}): Promise<void> {
  await mkdir(path.join(root, dir), { recursive: true });
  await writeFile(path.join(root, dir, 'stachub-project.yml'), descriptor);
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, dir, name)), { recursive: true });
    await writeFile(path.join(root, dir, name), content);
  }
}

const descriptor = (id: number, p: string, extra = ''): string =>
  `id: ${id}\npath_with_namespace: ${p}\nweb_url: https://gitlab.test/${p}\ntopics: ["sharinghub:aimodel"]\ncreated_at: 2025-01-01T00:00:00Z\nlast_activity_at: 2025-02-01T00:00:00Z\n${extra}`;

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'stachub-ws-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('local workspace source: license', () => {
  it('uses the top-level license_url of a pasted GET /projects/:id?license=true answer, never license.html_url', async () => {
    await project('a', descriptor(1, 'grp/a', [
      'license_url: https://gitlab.test/grp/a/-/blob/main/LICENSE',
      'license: {key: lgpl-3.0, name: GNU Lesser General Public License v3.0, nickname: GNU LGPLv3, html_url: http://choosealicense.com/licenses/lgpl-3.0/, source_url: http://www.gnu.org/licenses/lgpl-3.0.txt}',
      '',
    ].join('\n')), { LICENSE: 'GNU LESSER GENERAL PUBLIC LICENSE\nVersion 3\n' });
    const s = (await new WorkspaceSource(root, { cwd: process.cwd() }).projects(query)).entries[0]!.snapshot;
    expect(s.project.license).toEqual({ key: 'lgpl-3.0', name: 'GNU Lesser General Public License v3.0', url: 'https://gitlab.test/grp/a/-/blob/main/LICENSE' });
  });
  it('links the LICENSE file for a license given by its key only, as the GitLab source does', async () => {
    await project('a', descriptor(1, 'grp/a', 'default_branch: dev\nlicense: mit\n'), { 'LICENSE.md': 'MIT License\n', 'README.md': '# a' });
    await project('b', descriptor(2, 'grp/b', 'license: mit\n'), { 'README.md': '# b' });
    const [a, b] = (await new WorkspaceSource(root, { cwd: process.cwd() }).projects(query)).entries.map((e) => e.snapshot.project.license);
    expect(a).toEqual({ key: 'mit', url: 'https://gitlab.test/grp/a/-/blob/dev/LICENSE.md' });
    expect(b).toEqual({ key: 'mit', url: null });
  });
});

describe('local workspace source', () => {
  it('reads descriptors, README, files (hashed), LFS pointers and carried images', async () => {
    const oid = 'c'.repeat(64);
    await project('a', descriptor(1, 'grp/a', 'default_branch: dev\nstar_count: 4\nlicense: mit\n'), {
      'README.md': '# A',
      'src/x.py': 'print(1)',
      'model.bin': `version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\nsize 123456\n`,
      'preview.png': 'PNGDATA',
      'docs/diagram.svg': '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    });
    const listing = await new WorkspaceSource(root, { cwd: process.cwd() }).projects(query);
    expect(listing.failed).toEqual([]);
    const s = listing.entries[0]!.snapshot;
    expect(s.project).toMatchObject({ id: 1, fullPath: 'grp/a', name: 'a', defaultBranch: 'dev', starCount: 4, license: { key: 'mit' }, nameWithNamespace: 'grp / a' });
    expect(s.readme).toEqual({ path: 'README.md', text: '# A' });
    expect(s.files.map((f) => f.path)).toEqual(['README.md', 'docs/diagram.svg', 'model.bin', 'preview.png', 'src/x.py']);
    expect(s.files.find((f) => f.path === 'model.bin')).toMatchObject({ lfs: { oid, size: 123456 }, size: 123456, sha256: oid });
    expect(s.files.find((f) => f.path === 'src/x.py')).toMatchObject({
      size: 8,
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      href: 'https://gitlab.test/grp/a/-/raw/dev/src/x.py',
    });
    // Raster images are republished; an SVG (it may hold scripts) is not.
    expect(s.carried.map((c) => c.path)).toEqual(['preview.png']);
  });

  it('never reads projects whose visibility is not allowed, and skips archived ones, counting both', async () => {
    await project('pub', descriptor(1, 'g/pub'));
    await project('priv', descriptor(2, 'g/priv', 'visibility: private\n'), { 'README.md': 'secret' });
    await project('old', descriptor(3, 'g/old', 'archived: true\n'));
    await project('other', descriptor(4, 'g/other').replace('sharinghub:aimodel', 'unrelated'));
    const listing = await new WorkspaceSource(root, { cwd: process.cwd() }).projects(query);
    expect(listing.entries.map((e) => e.snapshot.project.fullPath)).toEqual(['g/pub']);
    expect(listing.excluded).toEqual({ visibility: 1, archived: 1 });
    const withArchived = await new WorkspaceSource(root, { cwd: process.cwd() }).projects({ ...query, archived: 'include', visibility: ['public', 'private'] });
    expect(withArchived.entries.map((e) => e.snapshot.project.fullPath).sort()).toEqual(['g/old', 'g/priv', 'g/pub']);
  });

  it('reports a bad descriptor with its file and line, without stopping the others', async () => {
    await project('good', descriptor(1, 'g/good'));
    await project('bad', 'id: -3\npath_with_namespace: "../etc"\nweb_url: nope\ntopics: x\n');
    const listing = await new WorkspaceSource(root, { cwd: process.cwd() }).projects(query);
    expect(listing.entries).toHaveLength(1);
    const messages = listing.failed[0]!.diagnostics;
    expect(listing.failed[0]!.fullPath).toBe('bad');
    expect(messages.map((m) => m.line)).toEqual(expect.arrayContaining([1, 2, 3, 4]));
    expect(messages.every((m) => m.file?.endsWith(path.join('bad', 'stachub-project.yml')))).toBe(true);
  });

  it('does not follow symlinks out of a project', async () => {
    const outside = path.join(root, '..', `outside-${path.basename(root)}.txt`);
    await writeFile(outside, 'host secret');
    await project('p', descriptor(1, 'g/p'), { 'README.md': '# P' });
    await symlink(outside, path.join(root, 'p', 'leak.txt'));
    const listing = await new WorkspaceSource(root, { cwd: process.cwd() }).projects(query);
    expect(listing.entries[0]!.snapshot.files.map((f) => f.path)).toEqual(['README.md']);
    await rm(outside);
  });

  it('rejects two projects with the same path', async () => {
    await project('one', descriptor(1, 'g/same'));
    await project('two', descriptor(2, 'g/same'));
    const listing = await new WorkspaceSource(root, { cwd: process.cwd() }).projects(query);
    expect(listing.entries).toHaveLength(1);
    expect(listing.failed[0]!.diagnostics[0]!.code).toBe('workspace/duplicate');
  });
});

describe('local workspace source: many folders', () => {
  it('lists projects and errors in folder order, whatever order the folders are read in', async () => {
    // More folders than are read at once, with a duplicate path, descriptors that cannot be read
    // (numbered in folder order), a private project, an archived one and a file larger than a read chunk.
    for (let i = 0; i < 30; i++) {
      const dir = `p${String(i).padStart(2, '0')}`;
      if (i === 7 || i === 21) await project(dir, 'id: [not: valid\n');
      else if (i === 25) await project(dir, descriptor(100 + i, 'grp/p03'));
      else if (i === 11) await project(dir, descriptor(100 + i, `grp/${dir}`, 'visibility: private\n'));
      else if (i === 12) await project(dir, descriptor(100 + i, `grp/${dir}`, 'archived: true\n'));
      else await project(dir, descriptor(100 + i, `grp/${dir}`), { 'README.md': `# ${dir}`, 'weights.bin': i === 4 ? 'x'.repeat(3 << 20) : dir });
    }
    const progress: number[] = [];
    const listing = await new WorkspaceSource(root, { cwd: root }).projects({ ...query, onProgress: (done) => progress.push(done) });
    const expected = Array.from({ length: 30 }, (_, i) => i).filter((i) => ![7, 11, 12, 21, 25].includes(i)).map((i) => `grp/p${String(i).padStart(2, '0')}`);
    expect(listing.entries.map((e) => e.snapshot.project.fullPath)).toEqual(expected);
    expect(listing.failed.map((f) => f.fullPath)).toEqual(['(unreadable descriptor 1)', '(unreadable descriptor 2)', 'grp/p03']);
    expect(listing.failed[2]!.diagnostics[0]).toMatchObject({ code: 'workspace/duplicate', message: 'project path grp/p03 is also used by p03/stachub-project.yml' });
    expect(listing.excluded).toEqual({ visibility: 1, archived: 1 });
    expect(progress).toEqual(Array.from({ length: 31 }, (_, i) => i));
    // Hashed through a chunk the size of the file, the 3 MiB file too.
    const big = listing.entries[4]!.snapshot.files.find((f) => f.path === 'weights.bin')!;
    expect(big).toMatchObject({ size: 3 << 20, sha256: createHash('sha256').update('x'.repeat(3 << 20)).digest('hex') });
  });
});
