import { describe, expect, it } from 'vitest';
import { posix } from 'node:path';
import { render, SITE_FILES } from '../../generator/render/index.js';
import { hash, shardKey } from '../../generator/render/search-index.js';
import { fixtureTree } from './fixture.js';
import type { OutputFile } from '../../generator/types.js';
import type { StacTree } from '../../generator/stac/types.js';

const GENERATED_AT = '2026-04-01T00:00:00Z';
const dec = new TextDecoder();

function build(tree: StacTree = fixtureTree(), extra: Partial<Parameters<typeof render>[0]> = {}): Map<string, string> {
  const files: OutputFile[] = render({ tree, generatedAt: GENERATED_AT, ...extra });
  return new Map(files.map((f) => [f.path, dec.decode(f.content)]));
}

/** Every href/src attribute value of a page. */
function urls(html: string): string[] {
  return [...html.matchAll(/\s(?:href|src)="([^"]*)"/g)].map((m) => m[1]!.replace(/&#x3D;/g, '=').replace(/&amp;/g, '&'));
}

/** Files the STAC documents declare (assets and links with relative hrefs), root-relative. */
function declaredFiles(tree: StacTree): Set<string> {
  const out = new Set<string>();
  const docs = [tree.catalog, ...tree.collections.flatMap((c) => [c.collection, ...c.items])];
  for (const d of docs) {
    out.add(d.path);
    const hrefs = [...d.json.links.map((l) => l.href), ...Object.values((d.json as { assets?: Record<string, { href: string }> }).assets ?? {}).map((a) => a.href)];
    for (const h of hrefs) if (!/^[a-z]+:/i.test(h)) out.add(posix.normalize(posix.join(posix.dirname(d.path), h)));
  }
  return out;
}

describe('render', () => {
  it('writes an index.html beside the catalog, each collection and each item', () => {
    const pages = build();
    for (const p of ['index.html', 'ai-model/index.html', 'dataset/index.html', 'ai-model/eo/flood-unet/index.html', 'dataset/eo/sen1floods11/index.html', 'ai-model/eo/flood-unet/versions/3/index.html']) {
      expect(pages.has(p), p).toBe(true);
    }
    expect(pages.has(SITE_FILES.css)).toBe(true);
    expect(pages.has(SITE_FILES.js)).toBe(true);
    expect(pages.has(SITE_FILES.favicon)).toBe(true);
    expect(pages.has(`${SITE_FILES.searchIndex}meta.json`)).toBe(true);
  });

  it('uses only relative links that resolve to a page, an asset or a declared STAC file', () => {
    const tree = fixtureTree();
    const pages = build(tree);
    const known = new Set([...pages.keys(), ...declaredFiles(tree)]);
    for (const [path, html] of pages) {
      if (!path.endsWith('.html')) continue;
      for (const u of urls(html)) {
        if (/^(https?:|mailto:)/.test(u) || u.startsWith('#')) continue;
        expect(u.startsWith('/'), `${path}: ${u} is root-absolute`).toBe(false);
        const target = posix.normalize(posix.join(posix.dirname(path), u.split(/[?#]/)[0]!));
        const file = u.endsWith('/') || target === '.' ? posix.join(target, 'index.html') : target;
        expect(known.has(file), `${path} links to ${u} (${file})`).toBe(true);
      }
    }
  });

  it('lists the categories with their counts and the recently updated projects on the home page', () => {
    const home = build().get('index.html')!;
    expect(home).toMatch(/2 <span>projects<\/span>\s*<\/span>\s*<span class="category-title">AI models/);
    expect(home).toContain('href="ai-model/index.html"');
    // Newest first: the flood model (its latest version, March) before the dataset (2025) before the 2024 trap.
    expect(home.indexOf('Flood U-Net')).toBeLessThan(home.indexOf('Sen1Floods11'));
    expect(home.indexOf('Sen1Floods11')).toBeLessThan(home.indexOf('Trap &lt;b&gt;model'));
  });

  it('shows cards with their facet counts precomputed, and version items only under their project', () => {
    const cat = build().get('ai-model/index.html')!;
    const cards = [...cat.matchAll(/<li class="card" ([^>]*)>/g)].map((m) => m[1]!);
    expect(cards).toHaveLength(2);
    expect(cards[0]).toContain('data-id="eo/flood-unet"');
    expect(cat).toContain('<option value="scikit-learn">scikit-learn (1)</option>');
    expect(cat).toMatch(/value="flood"> <span>flood<\/span> <span class="count">1<\/span>/);
    expect(cat).not.toContain('flood-unet v2');
  });

  it('renders the model card: inputs, outputs, versions with metrics and charts, files, citation, related', () => {
    const page = build().get('ai-model/eo/flood-unet/index.html')!;
    expect(page).toMatch(/<caption id="inputs-caption">Inputs<\/caption>[\s\S]*<code>sar<\/code>[\s\S]*any × 2 × 256 × 256[\s\S]*float32/);
    expect(page).toContain('0 dry, 1 flooded');
    expect(page).toMatch(/<a href="versions\/3\/index.html">v3<\/a>[\s\S]*Production[\s\S]*@champion[\s\S]*0.74/);
    expect((page.match(/<svg class="chart"/g) ?? []).length).toBe(2); // iou and loss
    expect(page).toContain('7.8M (7,765,442)');
    expect(page).toContain('<a class="button" href="https://gitlab.example.com/eo/flood-unet/-/raw/main/model.onnx" download>Download model <span class="button-note">31.1 MB</span></a>');
    expect(page).toContain('31.1 MB');
    expect(page).toContain('sha256:' + 'ab'.repeat(32));
    expect(page).toContain('href="https://doi.org/10.5281/zenodo.1234567"');
    expect(page).toContain('@misc{eo_flood_unet_2025');
    expect(page).toMatch(/Trained on[\s\S]*href="..\/..\/..\/dataset\/eo\/sen1floods11\/index.html">Sen1Floods11/);
    expect(page).toContain('models:/flood-unet/3');
    expect(page).toContain('session = ort.InferenceSession("model.onnx")');
    expect(page).toContain('np.zeros((1, 2, 256, 256), dtype=np.float32)');
    expect(page).toContain('<svg class="extent-map"');
    const dataset = build().get('dataset/eo/sen1floods11/index.html')!;
    expect(dataset).toMatch(/Models trained on it[\s\S]*href="..\/..\/..\/ai-model\/eo\/flood-unet\/index.html">Flood U-Net/);
  });

  it('keeps README files published beside the item relative, and maps asset paths to their href', () => {
    const page = build().get('ai-model/eo/flood-unet/index.html')!;
    expect(page).toContain('<img src="docs/sample.png" alt="Sample prediction" loading="lazy" />');
    expect(page).toContain('href="https://gitlab.example.com/eo/flood-unet/-/blob/main/docs/TRAINING.md"');
    const dataset = build().get('dataset/eo/sen1floods11/index.html')!;
    expect(dataset).toContain('<img src="media/map.png" alt="map" loading="lazy" />');
  });

  it('never lets scripts, event handlers or javascript: URLs of a README through', () => {
    for (const [path, html] of build()) {
      if (!path.endsWith('.html')) continue;
      // Structured data is JSON that cannot close its element: no '<' at all inside.
      for (const m of html.matchAll(/<script type="application\/ld\+json">([^]*?)<\/script>/g)) {
        expect(m[1], path).not.toContain('<');
        expect(() => JSON.parse(m[1]!), path).not.toThrow();
      }
      const withoutOwnScript = html
        .replace(/<script src="[^"]*site\.js\?v(=|&#x3D;)[0-9a-f]+" defer><\/script>/, '')
        .replace(/<script src="[^"]*theme\.js\?v(=|&#x3D;)[0-9a-f]+"><\/script>/, '')
        .replace(/<script type="application\/ld\+json">[^<]*<\/script>/, '');
      expect(withoutOwnScript, path).not.toMatch(/<script/i);
      expect(html, path).not.toMatch(/\son[a-z]+\s*=/i);
      expect(html, path).not.toMatch(/(href|src|action|content)\s*=\s*"\s*(javascript|data|vbscript):/i);
      expect(html, path).not.toMatch(/<iframe|<form action|style="background/i);
    }
    const trap = build().get('ai-model/sandbox/trap/index.html')!;
    expect(trap).toContain('Trap &lt;b&gt;model&lt;/b&gt;');
    // Hostile hrefs in links and assets are never links; a storage URI is shown as text.
    for (const n of [7, 8, 9, 10, 11, 12]) expect(trap).not.toContain(`__pwned=${n}`);
    expect(trap).toContain('<code class="uri">s3://models/trap/model.pkl</code>');
    expect(trap).not.toContain('Download model');
    expect(trap).toContain('"name":"Trap \\u003cb\\u003emodel\\u003c/b\\u003e"');
  });

  it('is byte-stable for a given build time', () => {
    const a = build();
    const b = build();
    expect([...a.keys()]).toEqual([...b.keys()]);
    for (const [k, v] of a) expect(b.get(k), k).toBe(v);
  });

  it('takes title, colours, footer links and the STAC Browser URL from the site settings', () => {
    const pages = build(fixtureTree(), {
      baseUrl: 'https://models.example.org/hub/',
      site: {
        title: 'Acme models',
        colors: { accent: '#224466' },
        footerLinks: [{ label: 'Privacy', href: 'https://acme.example/privacy' }],
        stacBrowserUrl: 'https://browser.example.org/',
      },
    });
    const home = pages.get('index.html')!;
    expect(home).toContain('<title>Acme models</title>');
    expect(pages.get('assets/site.css')).toContain(':root{--accent:#224466;--accent-dark:#224466}');
    expect(home).not.toContain('<style');
    expect(home).toContain('<a href="https://acme.example/privacy">Privacy</a>');
    expect(home).toContain('<meta property="og:url" content="https://models.example.org/hub/">');
    const page = pages.get('ai-model/eo/flood-unet/index.html')!;
    expect(page).toContain(
      'href="https://browser.example.org/#/external/models.example.org/hub/ai-model/eo/flood-unet/flood-unet.json"',
    );
    expect(page).toContain('pystac.Item.from_file("https://models.example.org/hub/ai-model/eo/flood-unet/flood-unet.json")');
    expect(page).toContain('<meta property="og:image" content="https://models.example.org/hub/ai-model/eo/flood-unet/preview.png">');
    expect(page).toContain('"url":"https://models.example.org/hub/ai-model/eo/flood-unet/"');
    const sitemap = pages.get('sitemap.xml')!;
    expect(sitemap).toContain('<loc>https://models.example.org/hub/</loc>');
    expect(sitemap).toContain('<loc>https://models.example.org/hub/ai-model/eo/flood-unet/</loc>');
    expect(build().has('sitemap.xml')).toBe(false);
    const notFound = pages.get('404.html')!;
    expect(notFound).toContain('<link rel="stylesheet" href="https://models.example.org/hub/assets/site.css?v=');
    expect(notFound).toContain('<a class="button" href="https://models.example.org/hub/index.html">Home</a>');
    expect(notFound).toContain('<a href="https://models.example.org/hub/ai-model/index.html">AI models</a>');
    expect(notFound).toContain('<a class="skip" href="#main">');
    expect(sitemap).not.toContain('404');
    expect(build().has('404.html')).toBe(false);
    const feed = pages.get('feed.xml')!;
    expect(feed).toContain('<feed xmlns="http://www.w3.org/2005/Atom">');
    expect(feed).toContain('<link rel="self" href="https://models.example.org/hub/feed.xml"/>');
    expect(feed.indexOf('<title>Flood U-Net</title>')).toBeLessThan(feed.indexOf('<title>Sen1Floods11</title>'));
    expect(feed).toContain('<title>Trap &lt;b&gt;model&lt;/b&gt;</title>');
    expect(home).toContain('<link rel="alternate" type="application/atom+xml" href="feed.xml" title="Recently updated projects">');
  });

  it('builds a search index: term shards with per-category postings, sort keys and one card file per project', () => {
    const pages = build();
    const meta = JSON.parse(pages.get('_search/meta.json')!) as { docs: number; shards: number; chunk: number; umax: number[] };
    expect(meta.docs).toBe(3);
    expect(meta.umax).toHaveLength(1);
    // Documents follow creation time: the card files hold what a result shows.
    const docs = Array.from({ length: meta.docs }, (_, d) => JSON.parse(pages.get(`_search/d/${d}.json`)!) as { id: string; href: string; title: string });
    expect(docs.map((d) => d.id).sort()).toEqual(['eo/flood-unet', 'eo/sen1floods11', 'sandbox/trap']);
    const flood = docs.findIndex((d) => d.id === 'eo/flood-unet');
    expect(docs[flood]!.href).toBe('ai-model/eo/flood-unet/index.html');
    // The shard a word names holds its postings: "radar" is only in the flood model's README (text tier),
    // "flood" in its title (tier 0) and keywords (tier 1); facet values are terms too.
    const shard = (term: string): Record<string, Record<string, number[] | number[][]>> =>
      JSON.parse(pages.get(`_search/t/${hash(shardKey(term)) % meta.shards}.json`)!) as Record<string, Record<string, number[] | number[][]>>;
    expect(shard('radar').radar).toEqual({ 'ai-model': [[], [], [], [flood]] });
    expect((shard('flood').flood!['ai-model'] as number[][])[0]).toEqual([flood]);
    expect((shard('flood').flood!['ai-model'] as number[][])[1]).toEqual([flood]);
    expect(shard('license=MIT')['license=MIT']).toBeDefined();
    expect(Object.keys(shard('all=')['all=']!).sort()).toEqual(['ai-model', 'dataset']);
  });
});

describe('paginated lists', () => {
  /** A catalog of `n` models (copies of the fixture's dataset item), updated one hour apart. */
  function bigTree(n: number, change?: { index: number; updated: string; title?: string }): StacTree {
    const tree = fixtureTree();
    const template = tree.collections[1]!.items[0]!;
    const items = Array.from({ length: n }, (_, i) => {
      const id = `g/p${String(i).padStart(4, '0')}`;
      const json = structuredClone(template.json);
      json.id = id;
      json.links = json.links.filter((l) => l.rel === 'self' || l.rel === 'root' || l.rel === 'parent' || l.rel === 'collection');
      json.properties = {
        ...json.properties,
        title: i === change?.index && change.title ? change.title : `Project ${String(i).padStart(4, '0')}`,
        created: new Date(Date.UTC(2025, 0, 1, i)).toISOString(),
        updated: i === change?.index ? change.updated : new Date(Date.UTC(2025, 6, 1, i)).toISOString(),
        'sharinghub:stars': i % 7,
      };
      return { path: `dataset/g/p${String(i).padStart(4, '0')}/p${i}.json`, json };
    });
    tree.collections[1]!.items = items;
    return tree;
  }

  it('splits a category into pages of 48 cards in each order, linked with rel=prev/next', () => {
    const pages = build(bigTree(600));
    const cards = (p: string): string[] => [...pages.get(p)!.matchAll(/<li class="card" data-id="([^"]+)"/g)].map((m) => m[1]!);
    expect(cards('dataset/index.html')).toHaveLength(48);
    // Newest first: the last project created is the most recently updated.
    expect(cards('dataset/index.html')[0]).toBe('g/p0599');
    expect(cards('dataset/-/page/2/index.html')[0]).toBe('g/p0551');
    expect(pages.get('dataset/-/page/2/index.html')).toContain('<link rel="prev" href="../../../index.html">');
    expect(pages.get('dataset/-/page/2/index.html')).toContain('<link rel="next" href="../3/index.html">');
    expect(pages.get('dataset/index.html')).not.toContain('rel="prev"');
    // The title order reaches every project; the volatile orders stop after ten pages and lead to it.
    expect(pages.has('dataset/-/sort/title/page/13/index.html')).toBe(true);
    expect(cards('dataset/-/sort/title/page/13/index.html')).toHaveLength(600 - 12 * 48);
    expect(pages.has('dataset/-/page/10/index.html')).toBe(true);
    expect(pages.has('dataset/-/page/11/index.html')).toBe(false);
    expect(pages.get('dataset/-/page/10/index.html')).toContain('All projects by title');
    expect(cards('dataset/-/sort/stars/index.html').slice(0, 2)).toEqual(['g/p0594', 'g/p0587']);
    // The search page lists every category's projects, its further pages under _search/.
    expect(pages.get('search.html')).toContain('href="_search/-/page/2/index.html"');
    expect(pages.has('_search/-/sort/title/page/13/index.html')).toBe(true);
  });

  it('keeps list pages clear of item pages: a GitLab group called `page` or `sort` has its own pages', () => {
    const tree = bigTree(100);
    const items = tree.collections[1]!.items;
    const rename = (item: (typeof items)[number], project: string): void => {
      item.json.id = project;
      item.path = `dataset/${project}/${project.split('/').pop()}.json`;
    };
    rename(items[0]!, 'page/2');
    rename(items[1]!, 'sort/stars');
    const files = render({ tree, generatedAt: GENERATED_AT });
    const paths = files.map((f) => f.path);
    expect(paths.length).toBe(new Set(paths).size);
    const pages = new Map(files.map((f) => [f.path, Buffer.from(f.content).toString('utf8')]));
    expect(pages.get('dataset/page/2/index.html')).toContain('<h1>Project 0000');
    expect(pages.get('dataset/-/page/2/index.html')).toContain('<li class="card" data-id=');
    expect(pages.get('dataset/sort/stars/index.html')).toContain('<h1>Project 0001');
    expect(pages.get('dataset/-/sort/stars/index.html')).toContain('<li class="card" data-id=');
  });

  it('rewrites a bounded set of files when one project is pushed (not every list page)', () => {
    const before = new Map(render({ tree: bigTree(1000), generatedAt: GENERATED_AT }).map((f) => [f.path, Buffer.from(f.content).toString('base64')]));
    // An old project gets a new commit: it moves from the last page of "recently updated" to the first.
    const after = render({ tree: bigTree(1000, { index: 3, updated: '2026-03-30T00:00:00Z' }), generatedAt: '2026-04-02T00:00:00Z' });
    const changed = after.filter((f) => before.get(f.path) !== Buffer.from(f.content).toString('base64')).map((f) => f.path);
    expect(after.length).toBeGreaterThan(1000 * 2);
    expect(changed).toContain('dataset/g/p0003/index.html');
    expect(changed).toContain('dataset/index.html');
    expect(changed.length, changed.join('\n')).toBeLessThan(50);
    // Pages beyond the tenth of the volatile orders do not exist; the title pages of others are untouched.
    expect(changed.filter((p) => p.includes('/sort/title/'))).toEqual(['dataset/-/sort/title/index.html', '_search/-/sort/title/index.html'].filter((p) => changed.includes(p)));
  });
});

describe('render edge cases', () => {
  it('renders an empty catalog and a bare item without failing', () => {
    const bare: StacTree = {
      catalog: { path: 'catalog.json', json: { type: 'Catalog', stac_version: '1.1.0', id: 'c', description: 'd', links: [] } },
      collections: [
        {
          collection: {
            path: 'empty/collection.json',
            json: {
              type: 'Collection', stac_version: '1.1.0', stac_extensions: [], id: 'empty', description: '', license: 'other',
              extent: { spatial: { bbox: [[-180, -90, 180, 90]] }, temporal: { interval: [[null, null]] } }, links: [],
            },
          },
          items: [],
        },
        {
          collection: {
            path: 'x/collection.json',
            json: {
              type: 'Collection', stac_version: '1.1.0', stac_extensions: [], id: 'x', description: 'X', license: 'other',
              extent: { spatial: { bbox: [[-180, -90, 180, 90]] }, temporal: { interval: [[null, null]] } }, links: [],
            },
          },
          items: [
            {
              path: 'x/g/p/p.json',
              json: { type: 'Feature', stac_version: '1.1.0', stac_extensions: [], id: 'g/p', geometry: null, properties: { datetime: null }, links: [], assets: {} },
            },
          ],
        },
      ],
    };
    const pages = build(bare);
    expect(pages.get('index.html')).toContain('<h1 id="hero-title">c</h1>');
    expect(pages.get('empty/index.html')).toContain('<span data-count>0</span>');
    const item = pages.get('x/g/p/index.html')!;
    expect(item).toContain('<h1>g/p');
    expect(item).not.toContain('id="versions"');
    expect(item).not.toContain('class="extent-map"');
  });

  it('resolves links of a published catalog (absolute hrefs under the base URL)', () => {
    const base = 'https://hub.example.org/cat/';
    const tree = fixtureTree();
    for (const c of tree.collections) {
      for (const i of c.items) {
        i.json.links = i.json.links.map((l) =>
          /^[a-z]+:/.test(l.href) ? l : { ...l, href: base + posix.normalize(posix.join(posix.dirname(i.path), l.href)) },
        );
      }
    }
    const pages = build(tree, { baseUrl: base.replace(/\/$/, '') });
    const flood = pages.get('ai-model/eo-lab/flood-unet/index.html') ?? pages.get('ai-model/eo/flood-unet/index.html')!;
    expect(flood).toMatch(/Trained on[\s\S]*href="..\/..\/..\/dataset\/eo\/sen1floods11\/index.html"/);
    expect(flood).toContain('<a href="versions/3/index.html">v3</a>');
  });
});

describe('render with malformed metadata', () => {
  it('renders items whose fields have unexpected types instead of failing the build', () => {
    const tree = fixtureTree();
    const odd = {
      path: 'ai-model/odd/thing/thing.json',
      json: {
        type: 'Feature' as const,
        stac_version: '1.1.0',
        stac_extensions: [],
        id: 'odd/thing',
        geometry: { type: 'Polygon', coordinates: 'nope' },
        bbox: ['a', 'b', 'c', 'd'] as unknown as number[],
        properties: {
          datetime: 12 as unknown as string,
          title: { nested: true },
          description: ['not', 'a', 'string'],
          keywords: 'flood',
          license: 42,
          providers: 'GitLab',
          'mlm:input': 'x',
          'mlm:output': [null, 1, { result: 'x' }],
          'mlm:tasks': 'classification',
          'mlm:total_parameters': 'many',
          'sharinghub:stars': '5',
          'sci:publications': [null, 'x'],
          version: { odd: true },
          'mlflow:metrics': 'x',
        },
        links: [{ rel: 'via' }, { rel: 'derived_from', href: 42 }, { href: 'https://x.example/' }] as never,
        assets: { weird: { title: 'no href' }, list: null } as never,
      },
    };
    tree.collections[0]!.items.push(odd as never);
    const pages = build(tree);
    const page = pages.get('ai-model/odd/thing/index.html')!;
    expect(page).toContain('<h1>odd/thing');
    expect(pages.get('ai-model/index.html')).toContain('data-id="odd/thing"');
  });
});

describe('site files beside the catalog', () => {
  it('never collides with a category folder: a category called "search" keeps its page', () => {
    const tree = fixtureTree();
    const ds = tree.collections[1]!;
    ds.collection = { ...ds.collection, path: 'search/collection.json', json: { ...ds.collection.json, id: 'search', title: 'Search results dataset' } };
    ds.items = ds.items.map((i) => ({ ...i, path: i.path.replace(/^dataset\//, 'search/') }));
    const files = render({ tree, generatedAt: GENERATED_AT });
    const paths = files.map((f) => f.path);
    expect(new Set(paths).size).toBe(paths.length);
    const pages = new Map(files.map((f) => [f.path, dec.decode(f.content)]));
    expect(pages.get('search/index.html')).toContain('<h1>Search results dataset</h1>');
    expect(pages.get(SITE_FILES.searchPage)).toContain('<h1>Search</h1>');
    expect(pages.get(SITE_FILES.searchPage)).not.toContain('aria-current="page">Search results dataset');
  });
});

describe('many versions', () => {
  it('lists the ten newest versions and folds the older ones, with every version charted', () => {
    const tree = fixtureTree();
    const models = tree.collections[0]!;
    const template = models.items.find((i) => i.json.properties.version === '1')!;
    models.items = models.items.filter((i) => i.json.properties.version === undefined);
    for (let n = 1; n <= 14; n++) {
      const v = structuredClone(template);
      v.path = `ai-model/eo/flood-unet/versions/${n}/${n}.json`;
      v.json.id = `eo/flood-unet/versions/${n}`;
      v.json.properties = { ...v.json.properties, version: String(n), 'mlflow:metrics': { iou: 0.5 + n / 100 } };
      models.items.push(v);
    }
    const page = build(tree).get('ai-model/eo/flood-unet/index.html')!;
    expect(page).toContain('Versions <span class="count">14</span>');
    const [shown, folded] = page.split('<details class="older-versions">');
    expect(shown!.match(/>v\d+<\/a><\/th>/g)).toHaveLength(10);
    expect(shown).toContain('>v14</a>');
    expect(folded).toContain('<summary>4 older versions</summary>');
    expect(folded!.match(/>v\d+<\/a><\/th>/g)).toHaveLength(4);
    expect(page).toContain('v1: 0.51,');
  });
});

describe('several registered models', () => {
  it('adds a model column, groups the versions by model and charts each model apart', () => {
    const tree = fixtureTree();
    const models = tree.collections[0]!;
    const template = models.items.find((i) => i.json.properties.version === '1')!;
    models.items = models.items.filter((i) => i.json.properties.version === undefined);
    for (const [name, n, iou] of [['alpha', 1, 0.5], ['alpha', 2, 0.6], ['beta', 1, 0.7], ['beta', 2, 0.8]] as const) {
      const v = structuredClone(template);
      v.path = `ai-model/eo/flood-unet/versions/${name}/${n}/${n}.json`;
      v.json.id = `eo/flood-unet/versions/${name}/${n}`;
      v.json.properties = { ...v.json.properties, version: String(n), 'mlflow:model_name': name, 'mlflow:metrics': { iou } };
      v.json.links = v.json.links.map((l) => (l.rel === 'derived_from' ? { ...l, href: '../../../flood-unet.json' } : l));
      models.items.push(v);
    }
    const page = build(tree).get('ai-model/eo/flood-unet/index.html')!;
    expect(page).toContain('<th scope="col">Model</th>');
    const rows = [...page.matchAll(/<tr><td>(alpha|beta)<\/td><th scope="row"><a href="[^"]+">v(\d)<\/a>/g)].map((m) => `${m[1]} v${m[2]}`);
    expect(rows).toEqual(['beta v2', 'beta v1', 'alpha v2', 'alpha v1']);
    expect(page).toContain('<figcaption>alpha: iou</figcaption>');
    expect(page).toContain('<figcaption>beta: iou</figcaption>');
  });
});
