import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../generator/config.js';
import { toRecord } from '../../generator/metadata/record.js';
import { layout, relative, safeDir, type CatalogType } from '../../generator/stac/layout.js';
import { toStac } from '../../generator/stac/toStac.js';
import type { StacLink } from '../../generator/stac/types.js';
import { readmeWith, snapshot } from '../helpers.js';

const config = defaultConfig('/tmp');
const model = snapshot(readmeWith('related:\n  dataset: https://gitlab.test/team/data'), {
  info: { fullPath: 'team/model', id: 1, topics: ['sharinghub:aimodel'] },
});
const data = snapshot(readmeWith('title: Data'), { info: { fullPath: 'team/data', id: 2, topics: ['sharinghub:dataset'] } });
const unplaced = toStac([toRecord(model, config), toRecord(data, config)], config).tree;
const BASE = 'https://cat.test/stac/';
const structural = new Set(['self', 'root', 'parent', 'child', 'item', 'collection', 'derived_from']);

function allLinks(type: CatalogType): Array<{ path: string; link: StacLink }> {
  const { tree } = layout(unplaced, { catalogType: type, ...(type === 'self-contained' ? {} : { baseUrl: BASE }) });
  const docs = [tree.catalog, ...tree.collections.flatMap((c) => [c.collection, ...c.items])];
  return docs.flatMap((d) => d.json.links.filter((l) => structural.has(l.rel)).map((link) => ({ path: d.path, link })));
}

describe('layout', () => {
  it('writes items at <collection>/<full path>/<name>.json', () => {
    const { tree } = layout(unplaced, { catalogType: 'self-contained' });
    expect(tree.collections.map((c) => [c.collection.path, c.items.map((i) => i.path)])).toEqual([
      ['ai-model/collection.json', ['ai-model/team/model/model.json']],
      ['dataset/collection.json', ['dataset/team/data/data.json']],
      ['processor/collection.json', []],
      ['tools/collection.json', []],
      ['dashboard/collection.json', []],
    ]);
  });
  it('self-contained: only relative hrefs and no self link', () => {
    const links = allLinks('self-contained');
    expect(links.some((l) => l.link.rel === 'self')).toBe(false);
    for (const { link } of links) expect(link.href).toMatch(/^\.{1,2}\//);
    const item = links.filter((l) => l.path === 'ai-model/team/model/model.json');
    expect(item.map((l) => [l.link.rel, l.link.href])).toEqual([
      ['root', '../../../catalog.json'],
      ['parent', '../../collection.json'],
      ['collection', '../../collection.json'],
      ['derived_from', '../../../dataset/team/data/data.json'],
    ]);
  });
  it('relative-published: relative hrefs plus one absolute self link on the root', () => {
    const links = allLinks('relative-published');
    const selfs = links.filter((l) => l.link.rel === 'self');
    expect(selfs).toEqual([{ path: 'catalog.json', link: { rel: 'self', href: `${BASE}catalog.json`, type: 'application/json' } }]);
    for (const { link } of links.filter((l) => l.link.rel !== 'self')) expect(link.href).toMatch(/^\.{1,2}\//);
  });
  it('absolute-published: absolute hrefs everywhere and a self link on every document', () => {
    const links = allLinks('absolute-published');
    for (const { link } of links) expect(link.href.startsWith(BASE)).toBe(true);
    const selfs = links.filter((l) => l.link.rel === 'self');
    expect(selfs.map((s) => s.link.href)).toContain(`${BASE}ai-model/team/model/model.json`);
    expect(selfs).toHaveLength(1 + 5 + 2);
  });
  it('refuses unsafe item folders and published types without a base URL', () => {
    expect(() => safeDir('team/../etc')).toThrow();
    expect(() => safeDir('team/.hidden')).toThrow();
    expect(() => layout(unplaced, { catalogType: 'absolute-published' })).toThrow(/base URL/);
  });
  it('computes relative hrefs', () => {
    expect(relative('a/b/c.json', 'a/d.json')).toBe('../d.json');
    expect(relative('catalog.json', 'x/collection.json')).toBe('./x/collection.json');
    expect(relative('a/b.json', 'a/c/d.json')).toBe('./c/d.json');
  });
});

describe('toStac', () => {
  it('leaves out links to projects that are not in the catalog and reports them', () => {
    const lonely = snapshot(readmeWith('related:\n  dataset: https://gitlab.test/hidden/private-data'), { info: { fullPath: 't/m' } });
    const { tree, diagnostics } = toStac([toRecord(lonely, config)], config);
    const item = tree.collections[0]!.items[0]!.json;
    expect(item.links.some((l) => l.rel === 'derived_from')).toBe(false);
    expect(diagnostics.get('t/m')).toEqual([expect.objectContaining({ code: 'related/unknown', line: 3 })]);
  });
  it('computes collection extents and summaries from the items', () => {
    const a = snapshot(readmeWith('license: MIT\nextent:\n  spatial: [0, 0, 1, 1]'), { info: { fullPath: 't/a', id: 10 } });
    const b = snapshot(readmeWith('license: MIT\nextent:\n  spatial: [5, -5, 6, 2]'), { info: { fullPath: 't/b', id: 11 } });
    const c = toStac([toRecord(a, config), toRecord(b, config)], config).tree.collections[0]!.collection;
    expect(c.extent.spatial.bbox).toEqual([[0, -5, 6, 2]]);
    expect(c.license).toBe('MIT');
    expect(c.summaries?.license).toEqual(['MIT']);
    expect(c.extent.temporal.interval).toEqual([['2025-01-01T00:00:00Z', '2026-01-01T00:00:00Z']]);
  });
});
