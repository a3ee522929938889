import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { ProjectRecord } from '../../generator/metadata/record.js';
import {
  createPartial,
  decodePartial,
  inShard,
  mergePartials,
  parseShard,
  partialOutputFile,
  resolveShard,
  shardOf,
} from '../../generator/pipeline/shard.js';

const numericId = (id: string): number => [...id].reduce((n, c) => n * 31 + c.charCodeAt(0), 7) % 100000;
const record = (id: string): ProjectRecord =>
  ({ id, snapshot: { project: { fullPath: id, id: numericId(id) }, carried: [{ path: 'p.png', mediaType: 'image/png', bytes: new Uint8Array([1, 2, 3]) }] } }) as unknown as ProjectRecord;

describe('shard selection', () => {
  it('parses I/N and takes GitLab parallel variables as the default', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, total: 4 });
    for (const bad of ['0/4', '5/4', '1/0', 'x', '1/2/3', '']) expect(() => parseShard(bad)).toThrow(/--shard must be I\/N/);
    expect(resolveShard(undefined, { CI_NODE_INDEX: '3', CI_NODE_TOTAL: '8' })).toEqual({ index: 3, total: 8 });
    expect(resolveShard('1/2', { CI_NODE_INDEX: '3', CI_NODE_TOTAL: '8' })).toEqual({ index: 1, total: 2 });
    expect(resolveShard(undefined, {})).toBeUndefined();
  });

  it('puts every project in exactly one shard, stably, and spreads them', () => {
    const ids = Array.from({ length: 2000 }, (_, i) => `group-${i % 37}/project-${i}`);
    const counts = new Map<number, number>();
    for (const id of ids) {
      const s = shardOf(id, 4);
      expect(s).toBe(shardOf(id, 4));
      expect([1, 2, 3, 4].filter((i) => inShard(id, { index: i, total: 4 }))).toEqual([s]);
      counts.set(s, (counts.get(s) ?? 0) + 1);
    }
    // Each of the 4 shards gets a fair part (binomial: far inside 400..600 for 2000 ids).
    for (const i of [1, 2, 3, 4]) expect(counts.get(i)).toBeGreaterThan(400);
  });
});

describe('partial outputs', () => {
  const ids = ['a/one', 'b/two', 'c/three', 'd/four', 'e/five', 'f/six'];
  const listing = (mine: string[]) => ({
    entries: mine.map((id) => ({ snapshot: record(id).snapshot, origin: 'fresh' as const })),
    failed: [{ fullPath: 'z/broken', diagnostics: [] }],
    excluded: { visibility: 1, archived: 0 },
    // Incremental sources mark every listed project; a shard keeps only its own.
    marks: new Map(ids.map((id) => [numericId(id), { readAt: `r-${id}`, checkedAt: `c-${id}` }])),
  });
  const partials = [1, 2].map((index) => {
    const shard = { index, total: 2 };
    const mine = ids.filter((id) => inShard(id, shard));
    return createPartial(shard, 'workspace examples', mine.map(record), listing(mine));
  });

  it('round-trip through their file, bytes included', () => {
    const file = partialOutputFile(partials[0]!);
    const back = decodePartial(file.content, file.path);
    expect(back).toEqual(partials[0]);
    expect(back.records[0]?.record.snapshot.carried[0]?.bytes).toBeInstanceOf(Uint8Array);
  });

  it('merge into every project once, in id order, with problems reported by one shard', () => {
    const merged = mergePartials([partials[1]!, partials[0]!]);
    expect(merged.records.map((r) => r.id)).toEqual([...ids].sort());
    expect(merged.listing.failed.map((f) => f.fullPath)).toEqual(['z/broken']);
    expect(merged.listing.excluded).toEqual({ visibility: 2, archived: 0 });
    expect([...merged.listing.marks!.keys()].sort()).toEqual(ids.map(numericId).sort());
    expect(partials[0]!.marks!.length + partials[1]!.marks!.length).toBe(ids.length);
  });

  it('refuse an incomplete or mixed set', () => {
    expect(() => mergePartials([partials[0]!])).toThrow(/missing partial output of shard\(s\) 2\/2/);
    expect(() => mergePartials([partials[0]!, partials[0]!])).toThrow(/given twice/);
    const other = createPartial({ index: 2, total: 3 }, 'workspace examples', [], listing([]));
    expect(() => mergePartials([partials[0]!, other])).toThrow(/different splits/);
    expect(() => decodePartial(new Uint8Array([1, 2, 3]), 'x.json.gz')).toThrow(/not a partial build output/);
  });

  it('refuse the partial output of an older stachub (STAC-shaped records) as a whole', () => {
    const old = { stachub: 'partial-build', version: 1, shard: { index: 1, total: 1 }, records: [], listing: { failed: [], excluded: { visibility: 0, archived: 0 } } };
    expect(() => decodePartial(new Uint8Array(gzipSync(JSON.stringify(old))), 'old.json.gz')).toThrow(/old\.json\.gz is not a partial build output of version 2/);
  });
});
