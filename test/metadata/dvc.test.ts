import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../generator/config.js';
import { dvcAssets as readDvcAssets } from '../../generator/metadata/dvc.js';
import { parseDvcConfig, remoteObjectUrl } from '../../generator/formats/dvc.js';
import { toRecord } from '../../generator/metadata/record.js';
import { dvcAssetMap } from '../../generator/stac/extensions/dvc.js';
import { recordFields } from '../../generator/stac/fields.js';
import { dvcSnippet } from '../../generator/render/snippets.js';
import { FILE_SCHEMA_URL } from '../../generator/stac/extensions/file.js';
import { readmeWith, repoFile, snapshot } from '../helpers.js';

const MD5 = '0123456789abcdef0123456789abcdef';
const DIR = 'fedcba9876543210fedcba9876543210';
/** DVC outputs as the item's assets, keyed by path. */
const dvcAssets = (...args: Parameters<typeof readDvcAssets>) => {
  const read = readDvcAssets(...args);
  return { assets: dvcAssetMap(read.assets), diagnostics: read.diagnostics };
};
const config = (url: string, name = 'storage') => ({ path: '.dvc/config', text: `[core]\n    remote = ${name}\n['remote "${name}"']\n    url = ${url}\n` });

describe('DVC config', () => {
  it('reads the default remote and the remote URLs in both section spellings', () => {
    const c = parseDvcConfig(`[core]\n    remote = s3store\n    autostage = true\n['remote "s3store"']\n    url = s3://bucket/prefix\n    endpointurl = https://minio.test\n[remote "web"]\n    url = https://data.test/dvc\n`);
    expect(c.defaultRemote).toBe('s3store');
    expect([...c.remotes]).toEqual([
      ['s3store', 's3://bucket/prefix'],
      ['web', 'https://data.test/dvc'],
    ]);
  });

  it('places objects as DVC 3 (files/md5) or DVC 2 (remote root) does, dropping credentials from the URL', () => {
    expect(remoteObjectUrl('s3://bucket/prefix/', { md5: MD5, isDir: false, legacy: false })).toBe(`s3://bucket/prefix/files/md5/01/${MD5.slice(2)}`);
    expect(remoteObjectUrl('gs://bucket', { md5: MD5, isDir: false, legacy: true })).toBe(`gs://bucket/01/${MD5.slice(2)}`);
    expect(remoteObjectUrl('https://user:secret@data.test/dvc', { md5: DIR, isDir: true, legacy: false })).toBe(`https://data.test/dvc/files/md5/fe/${DIR.slice(2)}.dir`);
    expect(remoteObjectUrl('https://data.test/dvc?X-Amz-Signature=abc', { md5: MD5, isDir: false, legacy: true })).toBe(`https://data.test/dvc/01/${MD5.slice(2)}`);
    expect(remoteObjectUrl('/mnt/shared/dvc', { md5: MD5, isDir: false, legacy: false })).toBeUndefined();
  });
});

describe('DVC outputs as assets', () => {
  const pointer = (path: string, text: string) => ({ path, text });

  it('a .dvc file output: href at the remote, file:size, md5 multihash file:checksum, data role', () => {
    const files = [repoFile('.dvc/config'), repoFile('data/train.csv.dvc')];
    const { assets, diagnostics } = dvcAssets(
      [config('s3://eo-data/project'), pointer('data/train.csv.dvc', `outs:\n- md5: ${MD5}\n  size: 1048576\n  hash: md5\n  path: train.csv\n`)],
      files,
    );
    expect(diagnostics).toEqual([]);
    expect(assets).toEqual({
      'data/train.csv': {
        href: `s3://eo-data/project/files/md5/01/${MD5.slice(2)}`,
        title: 'data/train.csv',
        description: 'DVC-tracked file (data/train.csv.dvc)',
        type: 'text/csv',
        roles: ['data'],
        'file:size': 1048576,
        'file:checksum': `d510${MD5}`,
        'dvc:path': 'data/train.csv',
      },
    });
  });

  it('a directory output is one asset with its total size and file count; DVC 2 outputs use the legacy layout', () => {
    const { assets } = dvcAssets(
      [
        config('https://data.test/dvc'),
        pointer('images.dvc', `outs:\n- md5: ${DIR}.dir\n  size: 52428800\n  nfiles: 1200\n  path: images\n`),
      ],
      [repoFile('images.dvc')],
    );
    expect(assets.images).toMatchObject({
      href: `https://data.test/dvc/fe/${DIR.slice(2)}.dir`,
      'file:size': 52428800,
      'file:checksum': `d510${DIR}`,
      'dvc:nfiles': 1200,
      description: 'DVC-tracked directory of 1200 files (images.dvc)',
    });
    expect(assets.images!.type).toBeUndefined();
  });

  it('dvc.lock outputs, relative to the lock file; an output Git also holds is left to the asset rules', () => {
    const lock = `schema: '2.0'\nstages:\n  train:\n    cmd: python train.py\n    outs:\n    - path: model.pt\n      hash: md5\n      md5: ${MD5}\n      size: 10\n    - path: metrics.json\n      hash: md5\n      md5: ${DIR}\n      size: 2\n`;
    const { assets } = dvcAssets([config('s3://b'), pointer('pipelines/dvc.lock', lock)], [repoFile('pipelines/dvc.lock'), repoFile('pipelines/metrics.json')]);
    expect(Object.keys(assets)).toEqual(['pipelines/model.pt']);
    expect(assets['pipelines/model.pt']!.href).toBe(`s3://b/files/md5/01/${MD5.slice(2)}`);
  });

  it('an output\'s own remote wins over the default', () => {
    const cfg = { path: '.dvc/config', text: `[core]\nremote = a\n['remote "a"']\nurl = s3://a\n['remote "b"']\nurl = gs://b\n` };
    const { assets } = dvcAssets([cfg, pointer('x.dvc', `outs:\n- md5: ${MD5}\n  path: x.bin\n  remote: b\n  hash: md5\n`)], [repoFile('x.dvc')]);
    expect(assets['x.bin']!.href).toBe(`gs://b/files/md5/01/${MD5.slice(2)}`);
  });

  it('without a remote, the asset names the path and points at its .dvc file, with a warning', () => {
    const { assets, diagnostics } = dvcAssets([pointer('data.csv.dvc', `outs:\n- md5: ${MD5}\n  size: 5\n  path: data.csv\n`)], [repoFile('data.csv.dvc')]);
    expect(assets['data.csv']).toEqual({
      href: 'https://gitlab.test/raw/data.csv.dvc',
      title: 'data.csv',
      description: 'DVC-tracked file, recorded in data.csv.dvc; the project names no DVC remote to fetch it from',
      roles: ['metadata'],
      'dvc:path': 'data.csv',
    });
    expect(diagnostics).toContainEqual(expect.objectContaining({ level: 'warning', code: 'dvc/no-remote' }));
  });

  it('never trusts a path that leaves the repository', () => {
    const { assets, diagnostics } = dvcAssets([config('s3://b'), pointer('d/x.dvc', `outs:\n- md5: ${MD5}\n  path: ../../etc/passwd\n- md5: ${MD5}\n  path: /abs/file\n`)], [repoFile('d/x.dvc')]);
    expect(assets).toEqual({});
    expect(diagnostics.filter((d) => d.code === 'dvc/outside')).toHaveLength(2);
  });

  it('in the item: DVC assets beside the rule assets, with the file extension declared', () => {
    const s = snapshot(readmeWith('title: d'), {
      files: [repoFile('README.md'), repoFile('.dvc/config'), repoFile('train.csv.dvc')],
      dvc: [config('s3://b'), pointer('train.csv.dvc', `outs:\n- md5: ${MD5}\n  size: 7\n  hash: md5\n  path: train.csv\n`)],
    });
    const r = recordFields(toRecord(s, defaultConfig('/tmp')));
    expect(r.assets['train.csv']).toMatchObject({ 'file:size': 7, roles: ['data'] });
    expect(r.extensions).toContain(FILE_SCHEMA_URL);
    expect(r.properties['sharinghub:dvc-init']).toBe('enable');
  });
});

describe('"fetch with DVC" snippet', () => {
  it('clones and pulls the DVC paths, every word that needs it single-quoted', () => {
    const s = dvcSnippet({ projectUrl: "https://gitlab.test/g/it's-data", paths: ['data/b', 'data/a b', 'x$(touch y)'] })!;
    expect(s.code).toBe(["git clone 'https://gitlab.test/g/it'\\''s-data.git'", "cd 'it'\\''s-data'", "dvc pull 'data/a b' data/b 'x$(touch y)'"].join('\n'));
    expect(dvcSnippet({ projectUrl: 'https://gitlab.test/g/p', paths: [] })).toBeNull();
  });
});
