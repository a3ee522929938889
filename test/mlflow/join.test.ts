/** joinRegistry: the registry joined to real records and the unplaced tree of the catalog stage. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRegistry } from '../../generator/mlflow/index.js';
import { restRegistry } from '../../generator/mlflow/rest.js';
import { startFakeMlflow } from '../fakes/mlflow/server.js';
import { defaultConfig } from '../../generator/config.js';
import { toRecord } from '../../generator/metadata/record.js';
import type { RegistryRead } from '../../generator/mlflow/join.js';
import { joinRegistry } from '../../generator/stac/registry.js';
import type { ModelVersion } from '../../generator/mlflow/types.js';
import { ref } from '../../generator/stac/links.js';
import { toStac } from '../../generator/stac/toStac.js';
import { readmeWith, repoRoot, snapshot } from '../helpers.js';

function mv(modelName: string, version: string, tags: Record<string, string> = {}): ModelVersion {
  return {
    modelName,
    version,
    aliases: [],
    tags: {},
    createdAt: `2026-0${version}-01T00:00:00.000Z`,
    metrics: { acc: 0.5 + Number(version) / 10 },
    params: {},
    runTags: {},
    flavors: [],
    registeredModel: { name: modelName, tags, aliases: [] },
  };
}

const config = defaultConfig(process.cwd());
const records = [
  // In two categories: its versions go into both collections.
  toRecord(snapshot(readmeWith('title: Both\nmlflow:\n  models: [listed, missing]'), { info: { id: 7, fullPath: 'team/both', topics: ['sharinghub:aimodel', 'sharinghub:tools'] } }), config),
  toRecord(snapshot(readmeWith('title: Other\nmlflow: [not, a, mapping]'), { info: { id: 8, fullPath: 'team/other' } }), config),
];
const read: RegistryRead = {
  source: 'test registry',
  trackingUri: 'https://mlflow.test/',
  versions: [mv('m (7)', '1'), mv('m (7)', '2'), mv('listed', '1'), mv('loose', '1')],
  onnx: new Map(),
  diagnostics: [{ level: 'info', code: 'mlflow/run-missing', message: 'x' }],
};

describe('joinRegistry', () => {
  const { tree } = toStac(records, config);
  const joined = joinRegistry(tree, records, read);

  it('adds version items and item links to every collection of the project, and extends the temporal extent', () => {
    for (const cat of ['ai-model', 'tools']) {
      const c = joined.tree.collections.find((x) => x.collection.id === cat)!;
      const ids = c.items.map((i) => i.json.id);
      expect(ids).toEqual(expect.arrayContaining(['team/both', 'team/both/versions/m (7)/1', 'team/both/versions/m (7)/2', 'team/both/versions/listed/1']));
      expect(c.collection.links.filter((l) => l.rel === 'item').map((l) => l.href)).toContain(ref.item(cat, 'team/both/versions/m (7)/2'));
      expect(c.items.find((i) => i.json.id === 'team/both/versions/m (7)/1')?.json.collection).toBe(cat);
      const [start] = c.collection.extent.temporal.interval[0]!;
      if (start !== null) expect(start <= '2026-01-01T00:00:00.000Z').toBe(true);
    }
    const both = joined.tree.collections[0]!.items.find((i) => i.json.id === 'team/both')!;
    expect(both.json.links.filter((l) => l.rel === 'mlflow:model')).toHaveLength(3);
    expect(joined.owners.get('team/both/versions/listed/1')).toBe('team/both');
  });

  it('reports counts once, linked and unlinked models, registry problems and README problems per project', () => {
    expect(joined.report).toMatchObject({
      source: 'test registry',
      trackingUri: 'https://mlflow.test/',
      counts: { models: 3, versions: 4, linkedModels: 2, publishedVersions: 3, unlinkedModels: 1 },
      // Unlinked models are counted, never named (one may belong to a private project).
      unlinked: { 'no-match': 1, 'not-in-catalog': 0, ambiguous: 0 },
      // A registry message that is not about a published model is counted, not shown.
      messages: [],
      messagesWithheld: 1,
    });
    expect(JSON.stringify(joined.report)).not.toContain('loose');
    expect(joined.projectDiagnostics.get('team/both')?.map((d) => d.message)).toEqual(['mlflow.models lists "missing", which is not in the MLflow registry']);
    // team/other's malformed block is reported once (by the front-matter schema, or here), never twice.
    const other = [...(records[1]!.diagnostics ?? []), ...(joined.projectDiagnostics.get('team/other') ?? [])].filter((d) => d.message.includes('mlflow'));
    expect(other).toHaveLength(1);
  });

  it('leaves the tree untouched when no model is linked', () => {
    const none = joinRegistry(tree, records, { ...read, versions: [mv('loose', '1')] });
    expect(none.tree.collections.map((c) => c.items.length)).toEqual(tree.collections.map((c) => c.items.length));
    expect(none.tree.collections.map((c) => c.collection)).toEqual(tree.collections.map((c) => c.collection));
  });
});

describe('readRegistry', () => {
  it('with the records, describes only the model files of linked models', async () => {
    const onnx = readFileSync(path.join(repoRoot, 'test/fixtures/mlflow/export/models/wine-classifier/2222bbbb2222bbbb2222bbbb2222bbbb/artifacts/onnx-model/model.onnx'));
    const mlmodel = 'flavors:\n  onnx:\n    data: model.onnx\n    onnx_version: 1.17.0\n';
    const fake = await startFakeMlflow({
      models: [
        { name: 'm (7)', versions: [{ version: '1', source: 'mlflow-artifacts:/1/a/artifacts/model' }] },
        { name: 'loose', versions: [{ version: '1', source: 'mlflow-artifacts:/1/b/artifacts/model' }] },
      ],
      runs: [],
      artifacts: { '1/a/artifacts/model/MLmodel': mlmodel, '1/a/artifacts/model/model.onnx': onnx, '1/b/artifacts/model/MLmodel': mlmodel, '1/b/artifacts/model/model.onnx': onnx },
    });
    try {
      const r = await readRegistry(restRegistry({ url: fake.url, env: {} }), () => {}, records);
      expect([...r.onnx.keys()]).toEqual(['m (7)\u00001']);
      expect(fake.requests.some((q) => q.path === '/api/2.0/mlflow-artifacts/artifacts/1/b/artifacts/model/model.onnx')).toBe(false);
      expect(r.versions.map((v) => v.modelName)).toEqual(['loose', 'm (7)']);
    } finally {
      await fake.close();
    }
  });
});
