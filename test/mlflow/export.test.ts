import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SourceUnreachableError } from '../../generator/errors.js';
import { exportRegistry, readExport } from '../../generator/mlflow/export.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const layouts = path.resolve(repoRoot, 'test/fixtures/mlflow/layouts');
const fixture = path.resolve(repoRoot, 'test/fixtures/mlflow/export');

describe('export reader on each layout mlflow-export-import writes', () => {
  it('reads a single-model export (OSS 2.3.2): every version, stages, aliases from the registered model', async () => {
    const { versions, diagnostics } = await readExport({ dir: path.join(layouts, 'oss-single-model') });
    expect(versions.map((v) => [v.modelName, v.version, v.stage, v.aliases])).toEqual([
      ['soil_moisture', '1', 'Production', ['live']],
      ['soil_moisture', '2', 'Staging', ['candidate']],
      ['soil_moisture', '3', 'None', ['fallback']],
    ]);
    expect(versions[0]?.createdAt).toBe(new Date(1751360401000).toISOString());
    expect(versions[0]?.description).toBe('v1 production');
    expect(versions[0]?.registeredModel.tags).toEqual({ team: 'hydrology' });
    // The export holds no runs: each is reported, none is invented.
    expect(versions.every((v) => Object.keys(v.metrics).length === 0 && v.flavors.length === 0)).toBe(true);
    expect(diagnostics.filter((d) => d.code === 'mlflow/run-missing')).toHaveLength(3);
  });

  it('reads a single-version export (Databricks Unity Catalog, 2.14.3): run metrics, params, MLmodel flavors, model file', async () => {
    const { versions, diagnostics } = await readExport({ dir: path.join(layouts, 'databricks-single-version') });
    expect(versions).toHaveLength(1);
    const v = versions[0]!;
    expect(v.modelName).toBe('geo_catalog.models.crop_yield');
    expect(v.version).toBe('9');
    expect(v.aliases).toEqual(['summer']);
    expect(v.stage).toBeUndefined();
    expect(v.metrics).toEqual({ mae: 0.31, r2: 0.87 });
    expect(v.params).toEqual({ max_depth: '6' });
    expect(v.runName).toBe('summer');
    expect(v.flavors.map((f) => f.name).sort()).toEqual(['python_function', 'sklearn']);
    expect(v.framework).toEqual({ name: 'sklearn', version: '1.4.2' });
    expect(v.mlflowVersion).toBe('2.13.1');
    // model.pkl itself is not in the export: the file is named, but has no local bytes.
    expect(v.modelFile).toMatchObject({ name: 'model.pkl', artifactPath: 'model/model.pkl' });
    expect(v.modelFile?.href).toBeUndefined();
    expect(v.modelFile?.localPath).toBeUndefined();
    expect(v.runTags['mlflow.log-model.history']).toBeUndefined();
    expect(v.runTags['mlflow.source.type']).toBe('NOTEBOOK');
    expect(diagnostics.filter((d) => d.level !== 'info')).toEqual([]);
  });

  it('reads a bulk export whose model folder is not named after the model (Databricks 2.3.2)', async () => {
    const { versions } = await readExport({ dir: path.join(layouts, 'databricks-bulk') });
    expect(versions.map((v) => `${v.modelName} v${v.version}`)).toEqual(['Flood_Extent_ws v1']);
    const v = versions[0]!;
    // The run sits under experiments/<exp>/<run_id>/run.json.
    expect(v.metrics).toEqual({ iou: 0.71, loss: 0.19 });
    expect(v.params).toEqual({ epochs: '30', patch_size: 'None' });
    expect(v.stage).toBe('Production');
  });

  it('reads an older bulk export that carries latest_versions instead of versions (OSS 2.1.1)', async () => {
    const { versions, diagnostics } = await readExport({ dir: path.join(layouts, 'oss-bulk-latest-versions') });
    expect(versions.map((v) => `${v.modelName} v${v.version} ${v.stage}`)).toEqual([
      'land_cover v1 Production',
      'land_use v1 Staging',
    ]);
    // Those versions point at runs the export does not contain.
    expect(diagnostics.filter((d) => d.code === 'mlflow/run-missing')).toHaveLength(2);
  });

  it('fails with exit 4 when the directory does not exist', async () => {
    await expect(readExport({ dir: path.join(layouts, 'no-such-dir') })).rejects.toBeInstanceOf(SourceUnreachableError);
  });
});

describe('export reader on the stachub fixture (2.x runs, an ONNX model, a 3.x logged model)', () => {
  it('reads every version with final metrics, flavors and the local model file', async () => {
    const registry = exportRegistry({ dir: fixture, cwd: process.cwd(), artifactBaseUrl: 'https://models.example.com/export' });
    expect(registry.trackingUri).toBeUndefined();
    const { versions, diagnostics } = await registry.versions();
    expect(versions.map((v) => `${v.modelName} v${v.version}`)).toEqual([
      'orphan v1',
      'wine-classifier (42) v1',
      'wine-classifier (42) v2',
      'wine-classifier (42) v3',
    ]);
    const [, v1, v2, v3] = versions;
    // v1: no MLmodel file in the export, flavors come from the run's mlflow.log-model.history tag.
    expect(v1!.flavors.map((f) => f.name)).toEqual(['python_function', 'sklearn']);
    expect(v1!.framework).toEqual({ name: 'sklearn', version: '1.5.2' });
    expect(v1!.modelFile?.localPath).toBeUndefined();
    expect(v1!.stage).toBe('Archived');
    // v2: the alias comes from the registered model; the final metric is the max (step, timestamp), not the last line.
    expect(v2!.aliases).toEqual(['champion']);
    expect(v2!.metrics).toEqual({ accuracy: 0.91, loss: 'NaN' });
    expect(v2!.params).toEqual({ lr: '0.1', max_depth: '5' });
    expect(v2!.framework).toEqual({ name: 'onnx', version: '1.17.0' });
    expect(v2!.modelFile).toMatchObject({
      name: 'model.onnx',
      artifactPath: 'onnx-model/model.onnx',
      size: 224,
      mediaType: 'application/octet-stream; framework=onnx',
      href: 'https://models.example.com/export/models/wine-classifier/2222bbbb2222bbbb2222bbbb2222bbbb/artifacts/onnx-model/model.onnx',
    });
    expect(v2!.modelFile?.localPath).toMatch(/onnx-model\/model\.onnx$/);
    expect(v2!.runTags['mlflow.source.git.repoURL']).toBe('https://gitlab.example.com/demo/wine-classifier.git');
    // v3: registered from a 3.x logged model: MLmodel and file from <model_id>/artifacts, metrics from its run.
    expect(v3!.modelId).toBe('m-0123456789abcdef0123456789abcdef');
    expect(v3!.framework).toEqual({ name: 'onnx', version: '1.18.0' });
    expect(v3!.mlflowVersion).toBe('3.1.0');
    expect(v3!.modelFile).toMatchObject({ artifactPath: 'model.onnx', size: 224 });
    expect(v3!.metrics).toEqual({ accuracy: 0.93 });
    expect(diagnostics.map((d) => d.code).sort()).toEqual(['mlflow/mlmodel-missing', 'mlflow/run-missing']);
  });

  it('without a public base URL, model files are served by the MLflow server the export came from, if given', async () => {
    const withServer = await readExport({ dir: fixture, trackingUri: 'https://mlflow.example.com/' });
    const hrefs = withServer.versions.filter((v) => v.modelName.startsWith('wine')).map((v) => v.modelFile?.href);
    expect(hrefs).toEqual([
      'https://mlflow.example.com/api/2.0/mlflow-artifacts/artifacts/7/1111aaaa1111aaaa1111aaaa1111aaaa/artifacts/model/model.pkl',
      'https://mlflow.example.com/api/2.0/mlflow-artifacts/artifacts/7/2222bbbb2222bbbb2222bbbb2222bbbb/artifacts/onnx-model/model.onnx',
      'https://mlflow.example.com/api/2.0/mlflow-artifacts/artifacts/7/models/m-0123456789abcdef0123456789abcdef/artifacts/model.onnx',
    ]);
    expect(withServer.versions[2]?.runLink).toBe('https://mlflow.example.com/#/experiments/7/runs/2222bbbb2222bbbb2222bbbb2222bbbb');
    // Neither: the file is known (and described from its bytes) but has no public URL.
    const alone = await readExport({ dir: fixture });
    const v2 = alone.versions.find((v) => v.version === '2' && v.modelName.startsWith('wine'));
    expect(v2?.modelFile?.href).toBeUndefined();
    expect(v2?.modelFile?.localPath).toBeDefined();
  });
});
