/**
 * Registered model versions -> STAC: the project's item additions and one item per version,
 * laid out by the catalog's layout stage and validated offline against the official schemas.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportRegistry } from '../../generator/mlflow/export.js';
import { describeModelFiles } from '../../generator/mlflow/onnx.js';
import {
  MLFLOW_REL,
  VERSION_SCHEMA_URL,
  mlflowToStac,
  recommendedVersion,
  versionItemId,
  withProjectAdditions,
  type MlflowStacResult,
} from '../../generator/stac/mlflow.js';
import type { ModelVersion } from '../../generator/mlflow/types.js';
import { layout } from '../../generator/stac/layout.js';
import { link, ref } from '../../generator/stac/links.js';
import type { UnplacedTree } from '../../generator/stac/toStac.js';
import type { StacCollection, StacItem } from '../../generator/stac/types.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const fixture = path.resolve(repoRoot, 'test/fixtures/mlflow/export');
const require = createRequire(import.meta.url);
const validate = require('stac-node-validator') as (data: unknown, config: Record<string, unknown>) => Promise<Report>;
const nodeLoader = require('stac-node-validator/src/loader/node') as unknown;
type Report = { valid: boolean | null; results: { core: unknown[]; extensions: Record<string, unknown[]> }; children: Report[] };
const SCHEMAS = path.resolve(repoRoot, 'schemas/vendor');
const schemaMap = Object.fromEntries(
  ['schemas.stacspec.org', 'stac-extensions.github.io', 'geojson.org', 'proj.org'].map((h) => [`https://${h}/`, path.join(SCHEMAS, h) + '/']),
);

/** A project item as the catalog stage builds it (before layout). */
function projectItem(): StacItem {
  return {
    type: 'Feature',
    stac_version: '1.1.0',
    stac_extensions: [],
    id: 'demo/wine-classifier',
    geometry: null,
    properties: {
      title: 'Wine classifier',
      description: 'Classifies wines.',
      datetime: '2025-11-20T00:00:00.000Z',
      license: 'MIT',
      'mlm:architecture': 'Linear',
      'mlm:tasks': ['classification'],
    },
    links: [
      link.root('Catalog'),
      link.parent(ref.collection('ai-model'), 'AI models'),
      link.collection('ai-model', 'AI models'),
      { rel: 'license', href: 'https://spdx.org/licenses/MIT.html', type: 'text/html' },
      { rel: 'via', href: 'https://gitlab.example.com/demo/wine-classifier', type: 'text/html' },
    ],
    assets: {},
    collection: 'ai-model',
  };
}

let versions: ModelVersion[];
let result: MlflowStacResult;

beforeAll(async () => {
  const registry = exportRegistry({ dir: fixture, cwd: process.cwd(), trackingUri: 'https://mlflow.example.com' });
  const read = await registry.versions();
  const described = await describeModelFiles(registry, read.versions.filter((v) => v.modelName === 'wine-classifier (42)'));
  expect(described.diagnostics).toEqual([]);
  versions = described.versions;
  result = mlflowToStac(projectItem(), 'demo/wine-classifier', versions, { trackingUri: 'https://mlflow.example.com', onnx: described.onnx });
});

describe('mlflowToStac', () => {
  it('recommends the champion alias, then production, then the Production stage, then the latest', () => {
    const v = (version: string, aliases: string[] = [], stage?: string): ModelVersion =>
      ({ ...versions[0]!, version, aliases, ...(stage ? { stage } : { stage: undefined }) }) as ModelVersion;
    expect(recommendedVersion([v('1', ['production']), v('2', ['Champion']), v('3')])?.by).toBe('alias:champion');
    expect(recommendedVersion([v('1', ['production']), v('3')])).toMatchObject({ by: 'alias:production', version: { version: '1' } });
    expect(recommendedVersion([v('1', [], 'Production'), v('2', [], 'Production'), v('10')])).toMatchObject({ by: 'stage:Production', version: { version: '2' } });
    expect(recommendedVersion([v('9'), v('10'), v('2')])).toMatchObject({ by: 'latest', version: { version: '10' } });
  });

  it('adds SharingHub links, the recommended and latest versions, a summary and the model file to the project item', () => {
    const { project } = result;
    const ids = ['1', '2', '3'].map((n) => versionItemId('demo/wine-classifier', 'wine-classifier (42)', n));
    expect(project.links).toEqual([
      { rel: 'mlflow:tracking-uri', href: 'https://mlflow.example.com/', type: 'text/html', title: 'MLflow - Tracking URI' },
      ...['1', '2', '3'].map((n, i) => ({
        rel: 'mlflow:model',
        href: ref.item('ai-model', ids[i]!),
        type: 'application/geo+json',
        title: `wine-classifier v${n}`,
        'mlflow:uri': `models:/wine-classifier (42)/${n}`,
      })),
      { rel: 'latest-version', href: ref.item('ai-model', ids[2]!), type: 'application/geo+json', title: 'wine-classifier v3' },
      { rel: 'mlflow:recommended-version', href: ref.item('ai-model', ids[1]!), type: 'application/geo+json', title: 'wine-classifier v2' },
    ]);
    const summary = (project.properties['mlflow:models'] as Array<Record<string, unknown>>)[0]!;
    expect(summary).toMatchObject({ name: 'wine-classifier (42)', latest_version: '3', recommended_version: '2', recommended_by: 'alias:champion', version_count: 3 });
    expect(summary['versions']).toEqual([
      { version: '1', stage: 'Archived', created: '2025-11-25T16:00:00.000Z', metrics: { accuracy: 0.7 } },
      { version: '2', aliases: ['champion'], stage: 'Production', created: '2025-11-26T16:00:00.000Z', metrics: { accuracy: 0.91, loss: 'NaN' } },
      { version: '3', created: '2025-11-27T16:00:00.000Z', metrics: { accuracy: 0.93 } },
    ]);
    const asset = project.assets['wine-classifier-v2.onnx'];
    expect(asset).toMatchObject({ type: 'application/octet-stream; framework=onnx', roles: ['data'], 'file:size': 224, 'mlflow:uri': 'models:/wine-classifier (42)/2' });
    expect(asset?.['file:checksum']).toMatch(/^1220[0-9a-f]{64}$/);
  });

  it('makes one item per version with version links, run link, metrics, params, flavors and the MLM description', () => {
    const items = result.versionItems;
    expect(items.map((i) => [i.json.id, i.dir])).toEqual([
      ['demo/wine-classifier/versions/wine-classifier (42)/1', 'demo/wine-classifier/versions/wine-classifier/1'],
      ['demo/wine-classifier/versions/wine-classifier (42)/2', 'demo/wine-classifier/versions/wine-classifier/2'],
      ['demo/wine-classifier/versions/wine-classifier (42)/3', 'demo/wine-classifier/versions/wine-classifier/3'],
    ]);
    const [v1, v2, v3] = items.map((i) => i.json);
    const rels = (item: StacItem): string[] => item.links.map((l) => l.rel);
    expect(rels(v1!)).toEqual(['root', 'parent', 'collection', 'license', 'related', 'mlflow:run', 'alternate', 'latest-version', 'successor-version']);
    expect(rels(v2!)).toContain('predecessor-version');
    expect(rels(v3!)).not.toContain('successor-version');
    expect(v1!.properties).toMatchObject({ version: '1', deprecated: true, 'mlflow:stage': 'Archived', 'mlflow:flavors': [{ name: 'python_function', loader_module: 'mlflow.sklearn' }, { name: 'sklearn', version: '1.5.2' }] });
    // v1: no MLmodel and no bytes in the export; its run's model history names model.pkl, served by the MLflow server.
    expect(v1!.assets['model']).toMatchObject({ href: expect.stringMatching(/artifacts\/model\/model\.pkl$/), roles: ['data'] });
    expect(v1!.assets['model']?.['file:size']).toBeUndefined();
    expect(v2!.stac_extensions).toEqual(expect.arrayContaining([VERSION_SCHEMA_URL, 'https://stac-extensions.github.io/mlm/v1.5.2/schema.json']));
    expect(v2!.properties).toMatchObject({
      version: '2',
      datetime: '2025-11-26T16:00:00.000Z',
      'mlflow:aliases': ['champion'],
      'mlflow:recommended': true,
      'mlflow:metrics': { accuracy: 0.91, loss: 'NaN' },
      'mlflow:params': { lr: '0.1', max_depth: '5' },
      'mlflow:run_id': '2222bbbb2222bbbb2222bbbb2222bbbb',
      'mlm:name': 'wine-classifier',
      'mlm:framework': 'ONNX',
      'mlm:architecture': 'Linear',
      'mlm:total_parameters': 15,
    });
    expect((v2!.properties['mlm:input'] as Array<{ name: string }>)[0]?.name).toBe('features');
    expect(v2!.assets['model']).toMatchObject({ 'mlm:artifact_type': 'onnx', 'file:size': 224, roles: expect.arrayContaining(['mlm:model']) });
    expect(v2!.links.find((l) => l.rel === 'alternate')?.href).toBe('https://mlflow.example.com/#/models/wine-classifier%20(42)/versions/2');
    expect(v2!.links.find((l) => l.rel === 'predecessor-version')?.href).toBe(ref.item('ai-model', v1!.id));
  });

  it('lays out and validates offline: every document passes the STAC, version, MLM and file schemas', async () => {
    const project = withProjectAdditions(projectItem(), result.project);
    const all = [{ json: project, dir: 'demo/wine-classifier', carried: [] }, ...result.versionItems];
    const collection: StacCollection = {
      type: 'Collection',
      stac_version: '1.1.0',
      stac_extensions: [],
      id: 'ai-model',
      title: 'AI models',
      description: 'Models',
      license: 'other',
      extent: { spatial: { bbox: [[-180, -90, 180, 90]] }, temporal: { interval: [[null, null]] } },
      links: [link.root('Catalog'), link.parent(ref.catalog(), 'Catalog'), ...all.map((i) => link.item('ai-model', i.json.id, String(i.json.properties['title'])))],
    };
    const tree: UnplacedTree = {
      catalog: { type: 'Catalog', stac_version: '1.1.0', id: 'c', title: 'Catalog', description: 'd', links: [link.root('Catalog'), link.child('ai-model', 'AI models')] },
      collections: [{ collection, items: all }],
    };
    const { tree: placed } = layout(tree, { catalogType: 'self-contained' });
    const docs = [placed.catalog, placed.collections[0]!.collection, ...placed.collections[0]!.items];
    expect(docs.map((d) => d.path)).toContain('ai-model/demo/wine-classifier/versions/wine-classifier/2/2.json');
    const v2 = placed.collections[0]!.items.find((i) => i.path.endsWith('/2/2.json'))!;
    expect(v2.json.links.find((l) => l.rel === 'predecessor-version')?.href).toBe('../1/1.json');
    expect(v2.json.links.find((l) => l.rel === 'related')?.href).toBe('../../../wine-classifier.json');
    const report = await validate(
      docs.map((d) => d.json),
      { loader: nodeLoader, schemaMap, verbose: true },
    );
    const problems = report.children.flatMap((c, i) => (c.valid ? [] : [{ path: docs[i]!.path, core: c.results.core, ext: c.results.extensions }]));
    expect(problems).toEqual([]);
  });

  it('without a tracking URI: no tracking link, no MLflow UI links; a project without versions gains nothing', () => {
    const r = mlflowToStac(projectItem(), 'demo/wine-classifier', versions);
    expect(r.project.links.some((l) => l.rel === MLFLOW_REL.trackingUri)).toBe(false);
    expect(r.versionItems.every((i) => !i.json.links.some((l) => l.rel === 'alternate'))).toBe(true);
    const none = mlflowToStac(projectItem(), 'demo/wine-classifier', []);
    expect(none.project).toEqual({ links: [], properties: {}, assets: {}, stacExtensions: [] });
    expect(none.versionItems).toEqual([]);
  });

  it('lists only the newest versions in the project summary, but makes an item for every version', () => {
    const many = Array.from({ length: 120 }, (_, i) => ({ ...versions[0]!, version: String(i + 1), aliases: [] }));
    const r = mlflowToStac(projectItem(), 'demo/wine-classifier', many);
    const summary = (r.project.properties['mlflow:models'] as Array<{ version_count: number; versions: Array<{ version: string }> }>)[0]!;
    expect(summary.version_count).toBe(120);
    expect(summary.versions.map((v) => v.version)).toEqual(Array.from({ length: 50 }, (_, i) => String(i + 71)));
    expect(r.versionItems).toHaveLength(120);
  });

  it('does not publish versions whose registration failed', () => {
    const failed = { ...versions[0]!, version: '4', status: 'FAILED_REGISTRATION' };
    const r = mlflowToStac(projectItem(), 'demo/wine-classifier', [...versions, failed]);
    expect(r.versionItems).toHaveLength(3);
    expect(r.diagnostics.map((d) => d.code)).toContain('mlflow/version-not-ready');
  });
});
