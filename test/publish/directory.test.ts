import { mkdtemp, readFile, rm, writeFile, mkdir, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolvePublishFlags } from '../../generator/commands/publish.js';
import { DirectoryObjectStore } from '../../generator/publish/directory-store.js';
import { StoreSink } from '../../generator/publish/sink.js';
import { brokenLinks, syntheticCatalog } from './fixtures.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'stachub-dirsink-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const exists = (p: string) => stat(path.join(dir, p)).then(() => true, () => false);

describe('publishing to a directory (GitLab Pages public/)', () => {
  it('writes, then skips unchanged files, then removes only the files it wrote before', async () => {
    const spec = { projects: { 'ai-model': ['alpha', 'beta'] } };
    const first = await new StoreSink(new DirectoryObjectStore(dir)).write(syntheticCatalog(spec));
    expect(first.written).toBe(syntheticCatalog(spec).length);
    expect(await readFile(path.join(dir, 'catalog.json'), 'utf8')).toContain('"type": "Catalog"');

    const again = new DirectoryObjectStore(dir);
    expect((await new StoreSink(again).write(syntheticCatalog(spec))).written).toBe(0);
    expect(again.requests.put).toBe(0);

    await mkdir(path.join(dir, 'ai-model/group/beta'), { recursive: true });
    await writeFile(path.join(dir, 'ai-model/group/beta/NOTES.txt'), 'kept');
    const report = await new StoreSink(new DirectoryObjectStore(dir)).write(syntheticCatalog({ projects: { 'ai-model': ['alpha'] } }));
    expect(report.deleted).toBeGreaterThan(0);
    expect(await exists('ai-model/group/beta/beta.json')).toBe(false);
    expect(await exists('ai-model/group/beta/NOTES.txt')).toBe(true);
    expect(await brokenLinks(async (p) => readFile(path.join(dir, p)).catch(() => null))).toEqual([]);
  });

  it('refuses paths outside the folder', async () => {
    const store = new DirectoryObjectStore(dir);
    await expect(store.put('../escape.txt', new Uint8Array(), { contentType: 'text/plain', cacheControl: '' })).rejects.toThrow(/unsafe path/);
  });
});

describe('the publish target as the command line gives it', () => {
  it('reads a directory target against the command working directory and keeps URLs as given', () => {
    expect(resolvePublishFlags({}, 'pages/public', {}, '/srv/catalog').to).toBe('/srv/catalog/pages/public');
    expect(resolvePublishFlags({}, '/abs/public', {}, '/srv/catalog').to).toBe('/abs/public');
    expect(resolvePublishFlags({}, 's3://bucket/stac', {}, '/srv/catalog').to).toBe('s3://bucket/stac');
  });
});
