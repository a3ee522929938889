import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../generator/config.js';
import { toRecord, type ProjectRecord } from '../../generator/metadata/record.js';
import { recordFields } from '../../generator/stac/fields.js';
import { readmeWith, repoFile, snapshot } from '../helpers.js';

const config = defaultConfig('/tmp');
/** A record with the STAC fields its items get, and the problems of both stages. */
const withFields = (r: ProjectRecord) => {
  const f = recordFields(r);
  return { ...r, ...f, diagnostics: [...r.diagnostics, ...f.diagnostics] };
};
const record = (readme: string | null, overrides: Parameters<typeof snapshot>[1] = {}) => withFields(toRecord(snapshot(readme, overrides), config));
const codes = (r: ReturnType<typeof record>) => r.diagnostics.map((d) => d.code);

describe('front matter: title', () => {
  it('uses the README title', () => {
    expect(record(readmeWith('title: Flood mapper')).title).toBe('Flood mapper');
  });
  it('falls back to the GitLab project name when absent or not a string', () => {
    expect(record(readmeWith('license: MIT')).title).toBe('model');
    const r = record(readmeWith('title: 12'));
    expect(r.title).toBe('model');
    expect(r.diagnostics).toContainEqual(expect.objectContaining({ code: 'front-matter/schema', line: 2, message: expect.stringContaining('title') }));
  });
});

describe('front matter: YAML errors', () => {
  it('reports a syntax error with its README line and keeps the project', () => {
    const r = record('---\ntitle: ok\nproviders:\n  - name: x\n    roles: [producer\nlicense: MIT\n---\n# Body\n');
    const err = r.diagnostics.find((d) => d.code === 'front-matter/yaml');
    expect(err).toMatchObject({ level: 'error', file: 'README.md' });
    expect(err!.line).toBeGreaterThanOrEqual(5);
    expect(err!.line).toBeLessThanOrEqual(6);
    expect(r.title).toBe('model');
    expect(r.description).toContain('# Body');
  });
  it('rejects front matter that is not a mapping', () => {
    expect(codes(record('---\n- a\n- b\n---\nbody'))).toContain('front-matter/not-a-mapping');
  });
  it('treats a README without front matter as body only', () => {
    const r = record('# Just a title\n\nText.');
    expect(r.description).toBe('# Just a title\n\nText.');
    expect(codes(r)).not.toContain('front-matter/yaml');
  });
});

describe('front matter: preview', () => {
  const files = [repoFile('README.md'), repoFile('img/p.png'), repoFile('preview.png'), repoFile('other.jpg')];
  const carried = [{ path: 'img/p.png', mediaType: 'image/png', bytes: new Uint8Array([1]) }];
  it('takes the body image with alt text "preview" over the key, republished beside the item', () => {
    const r = record(readmeWith('preview: other.jpg', '![Preview](img/p.png)\n'), { files, carried });
    expect(r.links.find((l) => l.rel === 'preview')?.href).toBe('./media/img/p.png');
    expect(r.assets['preview.png']).toMatchObject({ href: './media/img/p.png', roles: ['thumbnail'], type: 'image/png' });
    expect(r.carried.map((c) => c.path)).toEqual(['media/img/p.png']);
  });
  it('takes the key, then preview.png at the root', () => {
    expect(record(readmeWith('preview: other.jpg'), { files }).assets['preview.jpg']?.href).toBe('https://gitlab.test/raw/other.jpg');
    expect(record(readmeWith('title: x'), { files }).assets['preview.png']?.href).toBe('https://gitlab.test/raw/preview.png');
  });
  it('names an external preview without extension `preview` and guesses no media type (as SharingHub)', () => {
    const r = record(readmeWith('preview: https://avatars.example.com/u/6223127'));
    expect(Object.keys(r.assets)).toEqual(['preview']);
    expect(r.assets.preview).toEqual({ href: 'https://avatars.example.com/u/6223127', title: 'Preview', roles: ['thumbnail'] });
    expect(r.links.find((l) => l.rel === 'preview')).toEqual({ rel: 'preview', href: 'https://avatars.example.com/u/6223127', title: 'Preview' });
  });
  it('keeps the extension of a root preview.jpeg in the key', () => {
    const r = record(readmeWith('title: x'), { files: [repoFile('README.md'), repoFile('preview.jpeg')] });
    expect(Object.keys(r.assets)).toEqual(['preview.jpeg']);
    expect(r.assets['preview.jpeg']).toMatchObject({ href: 'https://gitlab.test/raw/preview.jpeg', type: 'image/jpeg' });
  });
  it('takes the last body image whose alt text is "preview" (SharingHub loops over all of them)', () => {
    const body = '![preview](img/p.png)\n\n![figure](other.jpg)\n\n![ Preview ](https://img.test/b.gif?s=2)\n';
    const r = record(readmeWith('preview: other.jpg', body), { files });
    expect(Object.keys(r.assets)).toEqual(['preview.gif']);
    expect(r.assets['preview.gif']).toMatchObject({ href: 'https://img.test/b.gif?s=2', type: 'image/gif' });
  });
  it('accepts an absolute URL and warns about a missing file', () => {
    expect(record(readmeWith('preview: https://img.test/a.webp')).assets['preview.webp']?.href).toBe('https://img.test/a.webp');
    const r = record(readmeWith('preview: ../../etc/passwd.png'));
    expect(r.diagnostics).toContainEqual(expect.objectContaining({ code: 'preview/missing', line: 2 }));
    expect(Object.keys(r.assets)).toEqual([]);
  });
});

describe('front matter: license', () => {
  it('uses the README id and its URL', () => {
    const r = record(readmeWith('license: CC-BY-4.0\nlicense-url: https://creativecommons.org/licenses/by/4.0/'));
    expect(r.properties.license).toBe('CC-BY-4.0');
    expect(r.links.find((l) => l.rel === 'license')?.href).toBe('https://creativecommons.org/licenses/by/4.0/');
  });
  it('maps the GitLab-detected license to SPDX and links its page', () => {
    const r = record(readmeWith('title: x'), { info: { license: { key: 'apache-2.0', url: 'https://gitlab.test/team/model/-/blob/main/LICENSE' } } });
    expect(r.properties.license).toBe('Apache-2.0');
    expect(r.links.find((l) => l.rel === 'license')?.href).toBe('https://gitlab.test/team/model/-/blob/main/LICENSE');
  });
  it('defaults the link to the SPDX page and reports a missing license', () => {
    expect(record(readmeWith('license: MIT')).links.find((l) => l.rel === 'license')?.href).toBe('https://spdx.org/licenses/MIT.html');
    expect(codes(record(readmeWith('title: x')))).toContain('license/missing');
  });
  it('rejects a license that is not an SPDX expression and a license-url that is not a URL', () => {
    const r = record(readmeWith('license: "MIT license, v2!"\nlicense-url: not a url'));
    const lines = r.diagnostics.filter((d) => d.code === 'front-matter/schema').map((d) => d.line);
    expect(lines).toEqual(expect.arrayContaining([2, 3]));
  });
});

describe('front matter: extent', () => {
  it('turns a bbox into a counter-clockwise polygon', () => {
    const r = record(readmeWith('extent:\n  spatial: [1, 2, 3, 4]'));
    expect(r.bbox).toEqual([1, 2, 3, 4]);
    expect(r.geometry).toEqual({ type: 'Polygon', coordinates: [[[1, 2], [3, 2], [3, 4], [1, 4], [1, 2]]] });
  });
  it('swaps reversed bbox bounds with a warning (SharingHub docs example)', () => {
    const r = record(readmeWith('extent:\n  spatial: [-66.5902, 17.9823, -66.6407, 18.0299]'));
    expect(r.bbox).toEqual([-66.6407, 17.9823, -66.5902, 18.0299]);
    expect(r.diagnostics).toContainEqual(expect.objectContaining({ code: 'extent/spatial', level: 'warning', line: 3 }));
  });
  it('parses a WKT polygon', () => {
    const r = record(readmeWith('extent:\n  spatial: "POLYGON ((-66.64 17.98, -66.64 18.02, -66.59 18.02, -66.59 17.98, -66.64 17.98))"'));
    expect(r.geometry?.type).toBe('Polygon');
    expect(r.bbox).toEqual([-66.64, 17.98, -66.59, 18.02]);
  });
  it('reports invalid spatial extents with their line and publishes no geometry', () => {
    for (const bad of ['[1, 2, 3]', '"POLYGON ((0 0, 1 1))"', '[0, 0, 200, 10]', '"CIRCLE (1 2)"']) {
      const r = record(readmeWith(`title: t\nextent:\n  spatial: ${bad}`));
      expect(r.geometry).toBeNull();
      expect(r.diagnostics.some((d) => d.level === 'error' && d.line === 4), bad).toBe(true);
    }
  });
  it('sets start/end from the temporal extent, defaulting to GitLab dates', () => {
    const r = record(readmeWith('extent:\n  temporal: ["2023-11-01T12:00:00.0", null]'));
    expect(r.properties.start_datetime).toBe('2023-11-01T12:00:00Z');
    expect(r.properties.end_datetime).toBe('2026-01-01T00:00:00Z');
    expect(r.properties.datetime).toBe('2026-01-01T00:00:00Z');
  });
  it('reports an unparseable or reversed temporal extent', () => {
    expect(record(readmeWith('extent:\n  temporal: ["yesterday", null]')).diagnostics).toContainEqual(expect.objectContaining({ code: 'extent/temporal', line: 3 }));
    expect(codes(record(readmeWith('extent:\n  temporal: ["2024-01-01", "2023-01-01"]')))).toContain('extent/temporal');
  });
});

describe('front matter: providers', () => {
  it('adds the GitLab host and the namespace producer when missing', () => {
    const providers = record(readmeWith('title: x')).properties.providers as Array<{ name: string; roles: string[] }>;
    expect(providers).toEqual([
      { name: 'GitLab (https://gitlab.test)', roles: ['host'], url: 'https://gitlab.test/team/model' },
      { name: 'team', roles: ['producer'], url: 'https://gitlab.test/team' },
    ]);
  });
  it('keeps README providers and adds only what they lack', () => {
    const providers = record(readmeWith('providers:\n  - name: Lab\n    roles: [producer]\n    url: https://lab.test')).properties.providers as unknown[];
    expect(providers).toHaveLength(2);
    expect(providers[0]).toEqual({ name: 'Lab', roles: ['producer'], url: 'https://lab.test' });
  });
  it('rejects a provider without name or with an unknown role', () => {
    const r = record(readmeWith('providers:\n  - roles: [producer]\n  - name: X\n    roles: [owner]'));
    expect(r.diagnostics.filter((d) => d.code === 'front-matter/schema').length).toBeGreaterThanOrEqual(2);
  });
});

describe('front matter: related and links', () => {
  it('records related projects from a map, a list of URLs, and helper strings', () => {
    const map = record(readmeWith('related:\n  dataset: https://gitlab.test/team/data\n  ai-model: [https://gitlab.test/a/b, https://gitlab.test/a/c]'));
    expect(map.references.map((r) => [r.rel, r.collection, r.url])).toEqual([
      ['derived_from', 'dataset', 'https://gitlab.test/team/data'],
      ['derived_from', 'ai-model', 'https://gitlab.test/a/b'],
      ['derived_from', 'ai-model', 'https://gitlab.test/a/c'],
    ]);
    const list = record(readmeWith('related:\n  - dataset+https://gitlab.test/team/data\n  - https://gitlab.test/x/y'));
    expect(list.references.map((r) => [r.collection, r.url])).toEqual([['dataset', 'https://gitlab.test/team/data'], [undefined, 'https://gitlab.test/x/y']]);
  });
  it('rejects related values that are not URLs', () => {
    expect(codes(record(readmeWith('related:\n  dataset: 42')))).toContain('front-matter/schema');
  });
  it('copies links, resolves repository paths and keeps helper links as references', () => {
    const r = record(readmeWith('links:\n  - {rel: about, href: "https://x.test", title: Site}\n  - {href: docs/guide.md}\n  - {rel: related, href: "dataset+https://gitlab.test/t/d"}'), {
      files: [repoFile('README.md'), repoFile('docs/guide.md')],
    });
    expect(r.links).toContainEqual({ rel: 'about', href: 'https://x.test', title: 'Site' });
    expect(r.links).toContainEqual({ rel: 'related', href: 'https://gitlab.test/team/model/-/blob/main/docs/guide.md' });
    expect(r.references).toContainEqual(expect.objectContaining({ rel: 'related', collection: 'dataset', url: 'https://gitlab.test/t/d' }));
  });
  it('rejects a link without href', () => {
    expect(record(readmeWith('links:\n  - rel: about')).diagnostics).toContainEqual(expect.objectContaining({ code: 'front-matter/schema', line: 3 }));
  });
});

describe('front matter: assets', () => {
  const files = [repoFile('README.md'), repoFile('train.py'), repoFile('src/util.py'), repoFile('data/a.tif'), repoFile('data/b.zip', { lfs: { oid: 'ab'.repeat(32), size: 5_000_000 } })];
  it('matches glob strings at any depth (right-anchored, as SharingHub)', () => {
    expect(Object.keys(record(readmeWith('assets: ["*.py"]'), { files }).assets).sort()).toEqual(['src/util.py', 'train.py']);
  });
  it('applies type-as, key/title/description templates and roles', () => {
    const a = record(readmeWith('assets:\n  - glob: "data/*.tif"\n    type-as: cog\n    key: "img://{path}"\n    title: "File {path}"\n    description: "Key {key}"\n    roles: [visual]'), { files }).assets;
    expect(a['img://data/a.tif']).toEqual({
      href: 'https://gitlab.test/raw/data/a.tif',
      title: 'File data/a.tif',
      description: 'Key img://data/a.tif',
      type: 'image/tiff; application=geotiff; profile=cloud-optimized',
      roles: ['visual'],
      'file:size': 10,
    });
  });
  it('describes LFS files with file:size and a sha2-256 multihash', () => {
    const r = record(readmeWith('assets: ["*.zip"]'), { files });
    expect(r.assets['data/b.zip']).toMatchObject({ 'file:size': 5_000_000, 'file:checksum': `1220${'ab'.repeat(32)}`, type: 'application/zip' });
    expect(r.extensions).toContain('https://stac-extensions.github.io/file/v2.1.0/schema.json');
  });
  it('adds external assets', () => {
    const a = record(readmeWith('assets:\n  - key: visual\n    href: https://cogs.test/x.tif\n    type: image/tiff\n    roles: [visual]'), { files }).assets;
    expect(a.visual).toEqual({ href: 'https://cogs.test/x.tif', type: 'image/tiff', roles: ['visual'] });
  });
  it('rejects a rule object with neither glob, path nor key+href, and an unknown type-as', () => {
    const r = record(readmeWith('assets:\n  - title: orphan\n  - glob: "*.py"\n    type-as: excel'), { files });
    expect(r.diagnostics.filter((d) => d.code === 'front-matter/schema').length).toBeGreaterThanOrEqual(2);
  });
  it('adds the latest release as the source asset', () => {
    const r = record(readmeWith('title: x'), { release: { tagName: 'v1', name: 'First', archiveHref: 'https://gitlab.test/a.zip' } });
    expect(r.assets.release).toEqual({ href: 'https://gitlab.test/a.zip', title: 'Release v1: First', type: 'application/zip', roles: ['source'] });
  });
});

describe('front matter: extensions, prefix blocks, sharinghub and leftovers', () => {
  it('flattens known prefix blocks and declares their schema', () => {
    const r = record(readmeWith('label:\n  type: vector\n  properties: [class]\n  description: d\neo:\n  cloud_cover: 3'));
    expect(r.properties['label:type']).toBe('vector');
    expect(r.properties['eo:cloud_cover']).toBe(3);
    expect(r.extensions).toEqual(['https://stac-extensions.github.io/eo/v1.1.0/schema.json', 'https://stac-extensions.github.io/label/v1.0.1/schema.json']);
  });
  it('accepts per-project extensions; the instance configuration wins on an equal prefix', () => {
    const r = record(readmeWith('extensions:\n  proc: https://ext.test/processing.json\n  eo: https://ext.test/other-eo.json\nproc:\n  level: L2\neo:\n  cloud_cover: 1'));
    expect(r.properties['proc:level']).toBe('L2');
    expect(r.extensions).toContain('https://ext.test/processing.json');
    expect(r.extensions).toContain('https://stac-extensions.github.io/eo/v1.1.0/schema.json');
    expect(r.extensions).not.toContain('https://ext.test/other-eo.json');
  });
  it('rejects an extension that is not an http(s) URL', () => {
    expect(codes(record(readmeWith('extensions:\n  x: ftp://a')))).toContain('front-matter/schema');
  });
  it('warns when a prefix block is not a mapping', () => {
    expect(record(readmeWith('eo: 3')).diagnostics).toContainEqual(expect.objectContaining({ code: 'extensions/block', line: 2 }));
  });
  it('merges sharinghub overrides and copies leftover keys verbatim', () => {
    const r = record(readmeWith('sharinghub:\n  jupyter: disable\ngsd: 0.3\nplatform: aerial'));
    expect(r.properties['sharinghub:jupyter']).toBe('disable');
    expect(r.properties.gsd).toBe(0.3);
    expect(r.properties.platform).toBe('aerial');
    expect(r.properties['sharinghub:path']).toBe('team/model');
  });
  it('rejects a sharinghub value that is not a mapping', () => {
    expect(codes(record(readmeWith('sharinghub: yes')))).toContain('front-matter/schema');
  });
  it('drops the MLM schema when there is no model asset, with a warning', () => {
    const r = record(readmeWith('mlm:\n  name: my-model\n  architecture: CNN'));
    expect(r.properties['mlm:name']).toBe('my-model');
    expect(r.extensions).not.toContain('https://stac-extensions.github.io/mlm/v1.5.2/schema.json');
    expect(r.diagnostics).toContainEqual(expect.objectContaining({ code: 'mlm/no-model-asset', line: 2 }));
  });
});

describe('README body', () => {
  it('becomes the description, with relative targets rewritten', () => {
    const r = record(readmeWith('title: x', 'See ![fig](docs/fig.png) and [code](src/main.py) and <img src="docs/fig.png">.\n\n\n\nEnd [ext](https://x.test).'), {
      files: [repoFile('README.md'), repoFile('docs/fig.png'), repoFile('src/main.py')],
    });
    expect(r.description).toBe(
      'See ![fig](https://gitlab.test/raw/docs/fig.png) and [code](https://gitlab.test/team/model/-/blob/main/src/main.py) and <img src="https://gitlab.test/raw/docs/fig.png">.\n\nEnd [ext](https://x.test).',
    );
  });
  it('falls back to the GitLab description without README, and says so', () => {
    const r = record(null);
    expect(r.description).toBe('A project description.');
    expect(codes(r)).toContain('readme/missing');
  });
  it('turns DOI links into sci:doi, sci:citation, sci:publications and a cite-as link', () => {
    const r = record(readmeWith('title: x', 'Cite [DOI: Smith 2020, Floods](https://doi.org/10.1000/abc.1) and [Jones](https://doi.org/10.2000/xyz).'));
    expect(r.properties['sci:doi']).toBe('10.1000/abc.1');
    expect(r.properties['sci:citation']).toBe('Smith 2020, Floods');
    expect(r.properties['sci:publications']).toEqual([{ doi: '10.2000/xyz', citation: 'Jones' }]);
    expect(r.links).toContainEqual({ rel: 'cite-as', href: 'https://doi.org/10.1000/abc.1', title: 'Cite as' });
    expect(r.extensions).toContain('https://stac-extensions.github.io/scientific/v1.0.0/schema.json');
  });
  it('takes a bare DOI URL when there is no DOI link, and a front-matter sci block wins', () => {
    expect(record(readmeWith('title: x', 'See https://doi.org/10.5281/zenodo.42.')).properties['sci:doi']).toBe('10.5281/zenodo.42');
    expect(record(readmeWith('sci:\n  doi: 10.9/own', 'See https://doi.org/10.5281/zenodo.42')).properties['sci:doi']).toBe('10.9/own');
  });
});

describe('project properties', () => {
  it('keeps keywords without category topics and sets sharinghub fields and features', () => {
    const r = record(readmeWith('title: x'), { info: { topics: ['flood', 'sharinghub:aimodel', 'sar'] }, files: [repoFile('README.md'), repoFile('.dvc/config')] });
    expect(r.properties.keywords).toEqual(['flood', 'sar']);
    expect(r.properties['sharinghub:dvc-init']).toBe('enable');
    expect(r.properties['sharinghub:mlflow']).toBe('enable');
    expect(r.categories).toEqual(['ai-model']);
  });
  it('adds package and container links', () => {
    const r = record(readmeWith('title: x'), {
      packages: [{ name: 'pkg', packageType: 'PyPI', webUrl: 'https://gitlab.test/p/1' }],
      containers: [{ location: 'registry.test/team/model', tags: ['1.0'] }],
    });
    expect(r.links).toContainEqual({ rel: 'package', href: 'https://gitlab.test/p/1', title: 'Package pkg', 'package:name': 'pkg', 'package:type': 'pypi' });
    expect(r.links).toContainEqual(expect.objectContaining({ rel: 'container', 'container:image': 'registry.test/team/model', 'container:tags': ['1.0'] }));
  });
});

describe('the mlflow block', () => {
  it('warns about an unknown key of the mlflow block and keeps the models it lists', () => {
    const r = toRecord(snapshot(readmeWith('mlflow:\n  models: [flood-unet]\n  foo: 1')), config);
    expect(r.diagnostics).toContainEqual(expect.objectContaining({ level: 'warning', code: 'front-matter/mlflow', message: 'mlflow.foo is not a known key (known: models)' }));
    expect(r.mlflowModels).toEqual(['flood-unet']);
  });
});
