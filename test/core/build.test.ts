import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { build } from '../../generator/build.js';
import { OutputDirWriter, type FileSink } from '../../generator/output.js';
import { defaultConfig } from '../../generator/config.js';
import type { Source, SourceListing } from '../../generator/sources/source.js';
import type { OutputFile, ProjectSnapshot } from '../../generator/types.js';
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

describe('build streaming to a sink', () => {
  /** A sink that keeps what it is given, and remembers what it was given before each reset. */
  class SpySink implements FileSink {
    files = new Map<string, string>();
    forgotten: string[] = [];
    write(f: OutputFile): void {
      if (this.files.has(f.path)) throw new Error(`written twice: ${f.path}`);
      this.files.set(f.path, Buffer.from(f.content).toString('base64'));
    }
    reset(): void {
      this.forgotten.push(...this.files.keys());
      this.files.clear();
    }
  }
  const good = snapshot(readmeWith('license: MIT'), { info: { fullPath: 'team/good', id: 1 } });
  // Its item folder (ai-model/index.html/) needs a folder where the category page is: a clash found
  // only once the site's pages are being written.
  const clashing = snapshot(readmeWith('license: MIT'), { info: { fullPath: 'index.html/bad', id: 2 } });

  it('gives the sink the same files as a build in memory, and returns none', async () => {
    const memory = await build({ config, source: sourceOf([good]), now });
    const sink = new SpySink();
    const streamed = await build({ config, source: sourceOf([good]), now, sink });
    expect(streamed.files).toEqual([]);
    const strip = (m: Map<string, string>) => [...m].filter(([p]) => p !== 'build-report.json').sort(([a], [b]) => a.localeCompare(b));
    expect(strip(sink.files)).toEqual(strip(new Map(memory.files.map((f) => [f.path, Buffer.from(f.content).toString('base64')]))));
    expect(sink.forgotten).toEqual([]);
  });

  it('a clash found while writing: the sink forgets what it had, the project is left out, the others are written once', async () => {
    const memory = await build({ config, source: sourceOf([good, clashing]), now });
    const sink = new SpySink();
    const streamed = await build({ config, source: sourceOf([good, clashing]), now, sink });
    // Files had gone out before the clash was found (the clashing page itself never did).
    expect(sink.forgotten).toContain('ai-model/index.html/bad/bad.json');
    expect(sink.forgotten).not.toContain('ai-model/index.html');
    expect([...sink.files.keys()].some((p) => p.includes('index.html/bad'))).toBe(false);
    expect(sink.files.has('ai-model/index.html')).toBe(true);
    expect(sink.files.has('ai-model/team/good/good.json')).toBe(true);
    expect(streamed.report.projects.find((p) => p.path === 'index.html/bad')).toMatchObject({ status: 'error', messages: [expect.objectContaining({ code: 'project/failed' })] });
    const report = (files: Map<string, string>) => JSON.parse(Buffer.from(files.get('build-report.json')!, 'base64').toString('utf8')) as { projects: unknown };
    expect(report(sink.files).projects).toEqual(memory.report.projects);
    expect([...sink.files.keys()].sort()).toEqual(memory.files.map((f) => f.path));
  });

  it('an OutputDirWriter sink: nothing is in place before commit; the folder then holds the files of a build in memory', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'stachub-build-sink-'));
    try {
      const out = path.join(dir, 'public');
      const writer = new OutputDirWriter(out);
      await build({ config, source: sourceOf([good, clashing]), now, sink: writer });
      expect(existsSync(out)).toBe(false);
      writer.commit();
      const memory = await build({ config, source: sourceOf([good, clashing]), now });
      for (const f of memory.files.filter((x) => x.path !== 'build-report.json')) {
        expect(readFileSync(path.join(out, f.path)).equals(Buffer.from(f.content)), f.path).toBe(true);
      }
      expect(writer.stats.written).toBe(memory.files.length);
      // Nothing of the first, forgotten round is left in the folder.
      expect(readdirSync(out, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length).toBe(memory.files.length);
      expect(readdirSync(dir)).toEqual(['public']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
