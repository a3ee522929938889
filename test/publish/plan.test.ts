import { describe, expect, it } from 'vitest';
import { MANIFEST_PATH, parseManifest } from '../../generator/publish/manifest.js';
import { mediaTypeFor } from '../../generator/publish/media-types.js';
import { planPublish } from '../../generator/publish/plan.js';
import { StoreSink } from '../../generator/publish/sink.js';
import { MemoryObjectStore, type PutOptions } from '../../generator/publish/store.js';
import { brokenLinks, syntheticCatalog } from './fixtures.js';

const spec = { projects: { 'ai-model': ['alpha', 'beta'], dataset: ['gamma'] } };

/** A memory store that fails every upload after the first `limit` (an interrupted publish). */
class FailingStore extends MemoryObjectStore {
  constructor(private limit: number) {
    super();
  }
  override async put(key: string, body: Uint8Array, options: PutOptions): Promise<void> {
    if (this.limit-- <= 0) throw new Error('connection lost');
    return super.put(key, body, options);
  }
}

const reader = (store: MemoryObjectStore, prefix = '') => async (path: string) => store.objects.get(prefix + path)?.body ?? null;

describe('publish plan', () => {
  it('uploads leaves first, items before their collection, the root catalog and its page last', () => {
    const plan = planPublish(syntheticCatalog(spec), [], null);
    const order = plan.tiers.flat().map((u) => u.path);
    const at = (p: string) => order.indexOf(p);
    expect(at('ai-model/group/alpha/preview.png')).toBeLessThan(at('ai-model/group/alpha/alpha.json'));
    expect(at('assets/site.css')).toBeLessThan(at('ai-model/group/alpha/index.html'));
    expect(at('ai-model/group/alpha/alpha.json')).toBeLessThan(at('ai-model/collection.json'));
    expect(at('ai-model/group/alpha/index.html')).toBeLessThan(at('ai-model/index.html'));
    expect(at('ai-model/collection.json')).toBeLessThan(at('catalog.json'));
    expect(at('search-index.json')).toBeLessThan(at('catalog.json'));
    expect(order.slice(-2)).toEqual(['catalog.json', 'index.html']);
  });

  it('uploads an item after the items it is derived from', () => {
    const plan = planPublish(syntheticCatalog({ ...spec, derived: { alpha: 'gamma' } }), [], null);
    const order = plan.tiers.flat().map((u) => u.path);
    expect(order.indexOf('dataset/group/gamma/gamma.json')).toBeLessThan(order.indexOf('ai-model/group/alpha/alpha.json'));
    expect(order.indexOf('dataset/group/gamma/index.html')).toBeLessThan(order.indexOf('ai-model/group/alpha/index.html'));
  });

  it('uploads a new model version before the versions and the project that link to it', () => {
    const doc = (id: string, links: Array<[string, string]>) => ({
      path: `m/${id}.json`,
      mediaType: 'application/geo+json',
      content: Buffer.from(JSON.stringify({ type: 'Feature', id, links: links.map(([rel, href]) => ({ rel, href })), assets: {} })),
    });
    const files = [
      doc('project', [['latest-version', './v3.json'], ['root', '../catalog.json']]),
      doc('v1', [['successor-version', './v2.json'], ['latest-version', './v3.json']]),
      doc('v2', [['predecessor-version', './v1.json'], ['successor-version', './v3.json'], ['latest-version', './v3.json']]),
      doc('v3', [['predecessor-version', './v2.json'], ['latest-version', './v3.json'], ['related', './project.json']]),
    ];
    const tiers = planPublish(files, [], null).tiers.map((t) => t.map((u) => u.path));
    // Each document after every document it links to (the older versions are linked back only).
    expect(tiers).toEqual([['m/v3.json'], ['m/project.json', 'm/v2.json'], ['m/v1.json']]);
  });

  it('gives entry points the short Cache-Control and items the long one', () => {
    const plan = planPublish(syntheticCatalog(spec), [], null);
    const cc = new Map(plan.tiers.flat().map((u) => [u.path, u.cacheControl]));
    expect(cc.get('catalog.json')).toBe('public, max-age=60');
    expect(cc.get('ai-model/collection.json')).toBe('public, max-age=60');
    expect(cc.get('ai-model/index.html')).toBe('public, max-age=60');
    expect(cc.get('search-index.json')).toBe('public, max-age=60');
    expect(cc.get('ai-model/group/alpha/alpha.json')).toBe('public, max-age=3600');
    expect(cc.get('ai-model/group/alpha/preview.png')).toBe('public, max-age=3600');
  });

  it('treats the site search index as a file of the root folder: uploaded after the pages it names, with the short Cache-Control', () => {
    // The search page reads meta.json, then term shards, key chunks and cards whose names do not
    // change between builds: cached an hour, a visitor could combine a new meta.json with old shards.
    const files = syntheticCatalog(spec);
    const add = (path: string, value: unknown) => files.push({ path, mediaType: 'application/json', content: Buffer.from(JSON.stringify(value)) });
    add('_search/meta.json', { version: 1, docs: 3, shards: 1, chunk: 512, umax: [0] });
    add('_search/t/0.json', { flood: { 'ai-model': [[0]] } });
    add('_search/u/0.json', [0, 0, 0]);
    add('_search/d/0.json', { href: 'ai-model/group/alpha/index.html', title: 'alpha' });
    files.push({ path: '_search/-/sort/title/index.html', mediaType: 'text/html; charset=utf-8', content: Buffer.from('<a href="../../../../ai-model/group/alpha/index.html">alpha</a>') });
    const plan = planPublish(files, [], null);
    const uploads = plan.tiers.flat();
    const order = uploads.map((u) => u.path);
    const at = (p: string) => order.indexOf(p);
    for (const p of ['_search/meta.json', '_search/t/0.json', '_search/u/0.json', '_search/d/0.json', '_search/-/sort/title/index.html']) {
      expect(uploads.find((u) => u.path === p)!.cacheControl, p).toBe('public, max-age=60');
      expect(at(p), p).toBeGreaterThan(at('ai-model/group/alpha/index.html'));
      expect(at(p), p).toBeGreaterThan(at('ai-model/collection.json'));
      expect(at(p), p).toBeLessThan(at('catalog.json'));
    }
  });

  it('refuses paths that leave the output root', () => {
    for (const path of ['../x.json', '/etc/passwd', 'a/../../b', 'a//b', MANIFEST_PATH]) {
      expect(() => planPublish([{ path, mediaType: 'text/plain', content: new Uint8Array() }], [], null)).toThrow();
    }
  });
});

describe('media types of files read from disk', () => {
  it('serves items as GeoJSON and other JSON as JSON', () => {
    expect(mediaTypeFor('a/b.json', Buffer.from('{"type":"Feature","links":[]}'))).toBe('application/geo+json');
    expect(mediaTypeFor('catalog.json', Buffer.from('{"type":"Catalog"}'))).toBe('application/json');
    expect(mediaTypeFor('x/index.html')).toBe('text/html; charset=utf-8');
    expect(mediaTypeFor('m/model.onnx')).toBe('application/octet-stream; framework=onnx');
    expect(mediaTypeFor('README')).toBe('application/octet-stream');
  });
});

describe('StoreSink over memory', () => {
  it('publishes once, then skips everything on a second publish of the same build', async () => {
    const store = new MemoryObjectStore();
    const sink = new StoreSink(store, { prefix: 'hub' });
    const files = syntheticCatalog(spec);
    const first = await sink.write(files);
    expect(first.written).toBe(files.length);
    expect(store.objects.get('hub/ai-model/group/alpha/alpha.json')?.contentType).toBe('application/geo+json');
    const putsBefore = store.requests.put;
    const second = await sink.write(files);
    expect(second.written).toBe(0);
    expect(second.skipped).toBe(files.length);
    expect(store.requests.put).toBe(putsBefore);
  });

  it('deletes only objects the previous manifest names, after the new root is in place', async () => {
    const store = new MemoryObjectStore();
    const sink = new StoreSink(store, { prefix: 'hub' });
    await sink.write(syntheticCatalog(spec));
    store.objects.set('hub/notes/README.txt', { body: Buffer.from('mine'), contentType: 'text/plain', cacheControl: '' });
    store.objects.set('other/catalog.json', { body: Buffer.from('{}'), contentType: 'application/json', cacheControl: '' });
    const report = await sink.write(syntheticCatalog({ projects: { 'ai-model': ['alpha'] } }));
    expect(report.deleted).toBeGreaterThan(0);
    expect(store.objects.has('hub/ai-model/group/beta/beta.json')).toBe(false);
    expect(store.objects.has('hub/dataset/collection.json')).toBe(false);
    expect(store.objects.has('hub/notes/README.txt')).toBe(true);
    expect(store.objects.has('other/catalog.json')).toBe(true);
    expect(report.plan.foreign).toBe(1);
    expect(await brokenLinks(reader(store, 'hub/'))).toEqual([]);
    const manifest = parseManifest(store.objects.get(`hub/${MANIFEST_PATH}`)!.body)!;
    expect(Object.keys(manifest.files)).not.toContain('ai-model/group/beta/beta.json');
  });

  it('leaves a catalog whose links all resolve wherever a publish is interrupted, and the next publish completes it', async () => {
    const before = syntheticCatalog(spec);
    // Add a collection and a project, remove one, change one: every kind of change at once.
    const after = syntheticCatalog({
      projects: { 'ai-model': ['alpha', 'delta'], dataset: ['gamma'], tools: ['epsilon'] },
      versions: { alpha: '2' },
      // A new item derived from another new item, in another collection.
      derived: { delta: 'epsilon', alpha: 'gamma' },
    });
    const published = new MemoryObjectStore();
    await new StoreSink(published).write(before);
    const total = (await new StoreSink(published).plan(after)).tiers.flat().length;
    expect(total).toBeGreaterThan(5);
    for (let k = 0; k <= total; k++) {
      const store = published;
      const failing = new FailingStore(k + 1); // +1: the pending manifest is the first put
      failing.objects.clear();
      for (const [key, v] of store.objects) failing.objects.set(key, v);
      const outcome = await new StoreSink(failing).write(after).then(() => 'done', (e: Error) => e.message);
      if (k < total) expect(outcome).toMatch(/publish stopped after \d+ of \d+ upload\(s\)/);
      expect(await brokenLinks(reader(failing)), `interrupted after ${k} uploads`).toEqual([]);
      // Nothing was deleted before the new root was in place.
      if (k < total) expect(failing.objects.has('ai-model/group/beta/beta.json')).toBe(true);

      const recovered = new MemoryObjectStore();
      for (const [key, v] of failing.objects) recovered.objects.set(key, v);
      await new StoreSink(recovered).write(after);
      const expected = new Map(after.map((f) => [f.path, Buffer.from(f.content).toString()]));
      const actual = new Map(
        [...recovered.objects].filter(([key]) => key !== MANIFEST_PATH).map(([key, v]) => [key, Buffer.from(v.body).toString()]),
      );
      expect(actual).toEqual(expected);
    }
  });

  it('re-sends a headers-only change that an interrupted publish did not finish', async () => {
    const store = new MemoryObjectStore();
    const files = syntheticCatalog(spec);
    await new StoreSink(store).write(files);
    const longer = { entry: 'public, max-age=300', other: 'public, max-age=86400' };
    // Every upload is a headers change; stop after the pending manifest and one upload.
    const failing = new FailingStore(2);
    for (const [k, v] of store.objects) failing.objects.set(k, v);
    await expect(new StoreSink(failing, { cacheControl: longer }).write(files)).rejects.toThrow(/publish stopped after 1 of/);
    const resumed = new MemoryObjectStore();
    for (const [k, v] of failing.objects) resumed.objects.set(k, v);
    const report = await new StoreSink(resumed, { cacheControl: longer }).write(files);
    // Same bytes everywhere: a matching ETag cannot tell which headers landed, so all go again.
    expect(report.written).toBe(files.length);
    for (const [key, o] of resumed.objects) {
      if (key.startsWith('.stachub/')) continue;
      expect(o.cacheControl, key).toMatch(/max-age=(300|86400)$/);
    }
  });

  it('dry run plans without writing', async () => {
    const store = new MemoryObjectStore();
    const report = await new StoreSink(store).write(syntheticCatalog(spec), { dryRun: true });
    expect(report.plan.tiers.flat().length).toBe(syntheticCatalog(spec).length);
    expect(store.objects.size).toBe(0);
    expect(store.requests.put).toBe(0);
  });
});
