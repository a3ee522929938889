import { describe, expect, it } from 'vitest';
import { build } from '../../generator/build.js';
import { defaultConfig } from '../../generator/config.js';
import type { Source, SourceListing } from '../../generator/sources/source.js';
import type { ProjectSnapshot } from '../../generator/types.js';
import { readmeWith, snapshot } from '../helpers.js';

/** An in-memory source: the listing it is given, as a source would return it. */
function sourceOf(snapshots: ProjectSnapshot[], extra: Partial<SourceListing> = {}): Source {
  return {
    description: 'memory',
    projects: async () => ({ entries: snapshots.map((s) => ({ snapshot: s, origin: 'fresh' as const })), failed: [], excluded: { visibility: 0, archived: 0 }, ...extra }),
  };
}

const config = { ...defaultConfig('/tmp') };
const now = () => new Date('2026-01-02T03:04:05Z');

describe('build', () => {
  it('leaves out a project whose path is not a safe folder name, and builds the others', async () => {
    const good = snapshot(readmeWith('license: MIT'), { info: { fullPath: 'team/good', id: 1 } });
    const bad = snapshot(readmeWith('license: MIT'), { info: { fullPath: 'team/../../etc', id: 2 } });
    const { report, files } = await build({ config, source: sourceOf([good, bad]), now });
    expect(files.some((f) => f.path === 'ai-model/team/good/good.json')).toBe(true);
    expect(files.every((f) => !f.path.includes('..') && !f.path.startsWith('etc'))).toBe(true);
    const entry = report.projects.find((p) => p.path === 'team/../../etc');
    expect(entry).toMatchObject({ status: 'error', messages: [expect.objectContaining({ code: 'project/unsafe-path' })] });
    expect(report.counts.items).toBe(1);
  });

  it('reports a project kept from the previous build as stale, and failed projects as errors', async () => {
    const kept = snapshot(readmeWith('license: MIT'), { info: { fullPath: 'team/kept', id: 3 } });
    const source: Source = {
      description: 'memory',
      projects: async () => ({
        entries: [{ snapshot: kept, origin: 'stale' }],
        failed: [{ fullPath: 'team/broken', diagnostics: [{ level: 'error', code: 'source/read', message: 'HTTP 500' }] }],
        excluded: { visibility: 2, archived: 1 },
      }),
    };
    const { report } = await build({ config, source, now });
    expect(report.projects.map((p) => [p.path, p.status, p.messages[0]?.code])).toEqual([
      ['team/broken', 'error', 'source/read'],
      ['team/kept', 'warning', 'source/stale'],
    ]);
    expect(report.counts).toMatchObject({ excludedVisibility: 2, excludedArchived: 1, items: 1 });
    expect(report.generatedAt).toBe('2026-01-02T03:04:05.000Z');
  });

  it('is deterministic: the same input gives the same bytes', async () => {
    const a = snapshot(readmeWith('license: MIT\nextent:\n  spatial: [0, 0, 1, 1]'), { info: { fullPath: 'team/a', id: 4 } });
    const first = await build({ config, source: sourceOf([a]), now });
    const second = await build({ config, source: sourceOf([a]), now });
    const strip = (files: typeof first.files) =>
      files.filter((f) => f.path !== 'build-report.json').map((f) => [f.path, Buffer.from(f.content).toString('base64')]);
    expect(strip(second.files)).toEqual(strip(first.files));
  });

  it('builds without schema checks when schemas cannot be loaded, and says so once', async () => {
    const a = snapshot(readmeWith('license: MIT'), { info: { fullPath: 'team/a', id: 5 } });
    const offline = async (uri: string): Promise<unknown> => {
      throw new Error(`getaddrinfo ENOTFOUND for ${uri}`);
    };
    const { problems, report } = await build({ config, source: sourceOf([a]), now, schemaLoader: offline });
    expect(problems).toEqual([]);
    expect(report.messages).toEqual([expect.objectContaining({ level: 'warning', code: 'stac/schemas-unavailable' })]);
    expect(report.messages[0]!.message).toMatch(/https:\/\/schemas\.stacspec\.org\/v1\.1\.0\/item-spec\/json-schema\/item\.json/);
    expect(report.projects[0]!.status).toBe('ok');
  });
});
