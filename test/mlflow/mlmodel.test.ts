import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { finalMetrics, modelDirInRun } from '../../generator/mlflow/assemble.js';
import { fromLogModelHistory, latestEntry, mediaTypeOf, metricValue, parseMlmodel } from '../../generator/mlflow/mlmodel.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const layouts = path.resolve(repoRoot, 'test/fixtures/mlflow/layouts');

describe('MLmodel', () => {
  it('reads the ONNX flavor of an MLmodel written by MLflow 1.x: framework version and the file to download', () => {
    const text = readFileSync(path.join(layouts, 'mlmodel-onnx-1x/MLmodel'), 'utf8');
    const info = parseMlmodel(text)!;
    expect(info.flavors).toEqual([
      { name: 'onnx', version: '1.11.0', data: 'model.onnx' },
      { name: 'python_function', loaderModule: 'mlflow.onnx', data: 'model.onnx' },
    ]);
    expect(info.modelFile).toBe('model.onnx');
    expect(info.mlflowVersion).toBe('1.28.0');
    expect(info.artifactPath).toBe('onnx-model');
  });

  it('keeps version digits (3.10 is not 3.1) and ignores YAML nulls', () => {
    const info = parseMlmodel('flavors:\n  sklearn:\n    sklearn_version: 1.10\n    code: null\n    pickled_model: model.pkl\nmlflow_version: 2.10\nmodel_size_bytes: 1234\n')!;
    expect(info.flavors).toEqual([{ name: 'sklearn', version: '1.10', data: 'model.pkl' }]);
    expect(info.mlflowVersion).toBe('2.10');
    expect(info.modelSizeBytes).toBe(1234);
  });

  it('never names a model file outside the model folder', () => {
    const info = parseMlmodel('flavors:\n  python_function:\n    data: ../../etc/passwd\n  onnx:\n    data: /abs/model.onnx\n')!;
    expect(info.modelFile).toBeUndefined();
    expect(parseMlmodel('- just\n- a list\n')).toBeUndefined();
    expect(parseMlmodel('flavors: [unclosed')).toBeUndefined();
  });

  it('falls back to the run tag mlflow.log-model.history (a 2.3.2 run that logged a sklearn and an ONNX model)', () => {
    const run = JSON.parse(readFileSync(path.join(layouts, 'oss-single-experiment/runs/5e1f0c0a7d2b4c39a1d6e8f2b3c4d5e6/run.json'), 'utf8')) as {
      mlflow: { tags: Record<string, string> };
    };
    const tag = run.mlflow.tags['mlflow.log-model.history'];
    expect(fromLogModelHistory(tag, 'onnx-model')?.flavors.find((f) => f.name === 'onnx')?.version).toBe('1.15.0');
    expect(fromLogModelHistory(tag, 'model')?.modelFile).toBe('model.pkl');
    expect(fromLogModelHistory(tag)).toBeUndefined(); // two entries: no guess without a path
    expect(fromLogModelHistory('not json', 'model')).toBeUndefined();
  });
});

describe('metrics and sources', () => {
  it('final metric value is the max by (step, timestamp, value), as MLflow computes it', () => {
    expect(latestEntry([{ value: 1, step: 2, timestamp: 1 }, { value: 5, step: 1, timestamp: 9 }])?.value).toBe(1);
    expect(latestEntry([{ value: 1, step: 2, timestamp: 1 }, { value: 3, step: 2, timestamp: 1 }])?.value).toBe(3);
    expect(finalMetrics({ a: [{ value: 'NaN', step: 0, timestamp: 1 }], b: [{ value: 'Infinity', step: 0, timestamp: 1 }] })).toEqual({ a: 'NaN', b: 'Infinity' });
    expect(finalMetrics([{ key: 'x', value: 0.5, step: 0, timestamp: 1 }])).toEqual({ x: 0.5 });
    expect(metricValue(Number.NaN)).toBe('NaN');
    expect(metricValue('abc')).toBeUndefined();
  });

  it('finds the model folder in the run from every source form', () => {
    expect(modelDirInRun('runs:/abc/model/sub')).toBe('model/sub');
    expect(modelDirInRun('mlflow-artifacts:/1/abc/artifacts/model', 'mlflow-artifacts:/1/abc/artifacts')).toBe('model');
    expect(modelDirInRun('s3://b/1/abc/artifacts/onnx-model/')).toBe('onnx-model');
    expect(modelDirInRun('dbfs:/x/artifacts')).toBe('');
    expect(modelDirInRun('models:/m-123')).toBeUndefined();
  });

  it('media types follow MLM: application/octet-stream with the framework', () => {
    expect(mediaTypeOf('model.onnx')).toBe('application/octet-stream; framework=onnx');
    expect(mediaTypeOf('model.pkl', 'sklearn')).toBe('application/octet-stream; framework=sklearn');
    expect(mediaTypeOf('weights.bin')).toBe('application/octet-stream');
  });
});

describe('model file of a PyTorch model', () => {
  it('links the model.pth inside the pytorch flavor\'s data folder, not the folder', () => {
    const info = parseMlmodel(
      'artifact_path: model\nflavors:\n  python_function:\n    data: data\n    loader_module: mlflow.pytorch\n  pytorch:\n    model_data: data\n    pytorch_version: 2.4.1\n',
    );
    expect(info?.modelFile).toBe('data/model.pth');
  });
  it('keeps a file path as it is', () => {
    expect(parseMlmodel('flavors:\n  sklearn:\n    pickled_model: model.pkl\n')?.modelFile).toBe('model.pkl');
  });
});
