/**
 * Test helper: fill a running tracking shim with what teams log, through the MLflow client's own
 * calls (reference/mlflow.md §2): 2.x `log_model(registered_model_name=)` runs with per-step metric
 * histories, a 3.x logged model registered from `models:/m-...` with its artifacts, aliases, tags,
 * dataset inputs, a NaN metric point, a deleted run, and names and values written to attack an HTML page.
 */
import { MlflowTestClient, ONNX_BYTES } from '../mlflow/shim-client.js';

/** Strings a hostile user could log as a run name, param, tag or model name. */
export const HOSTILE = `<script>window.__pwned='x'</script><img src=x onerror="window.__pwned='y'">"'&`;

export interface Populated {
  experiments: Record<string, string>;
  runs: { flood: string[]; trees: string[]; threeX: string; deleted: string; hostile: string };
  modelId: string;
}

export async function populate(url: string, token?: string): Promise<Populated> {
  const c = new MlflowTestClient(url, token);
  const flood = await c.experiment('flood-unet (1201)');
  await c.call('POST', 'experiments/set-experiment-tag', { experiment_id: flood, key: 'team', value: 'eo-lab' });
  const f1 = await c.trainAndRegister({
    experimentId: flood,
    modelName: 'flood-unet (1201)',
    params: { lr: '0.001', epochs: '20' },
    metrics: { iou: [0.52, 0.66, 0.69, 0.7, 0.705], loss: [0.9, 0.5, 0.4, 0.38, 0.37] },
  });
  const f2 = await c.trainAndRegister({
    experimentId: flood,
    modelName: 'flood-unet (1201)',
    params: { lr: '0.0005', epochs: '40' },
    metrics: { iou: [0.6, 0.71], loss: [0.7, 0.35] },
  });
  await c.call('POST', 'registered-models/set-tag', { name: 'flood-unet (1201)', key: 'project', value: 'eo-lab/flood-segmentation' });
  await c.setAlias('flood-unet (1201)', 'champion', '2');
  await c.setAlias('flood-unet (1201)', 'baseline', '1');
  await c.call('POST', 'model-versions/set-tag', { name: 'flood-unet (1201)', version: '2', key: 'validated', value: 'yes' });
  await c.call('POST', 'runs/log-inputs', {
    run_id: f2.runId,
    datasets: [{ dataset: { name: 'sen1floods11', digest: 'abc123', source_type: 'http', source: '{"url": "https://example.com/s1.zip"}' }, tags: [{ key: 'mlflow.data.context', value: 'training' }] }],
  });
  // A NaN point in a history: MLflow keeps it ("NaN" in JSON).
  await c.call('POST', 'runs/log-metric', { run_id: f2.runId, key: 'grad_norm', value: 'NaN', timestamp: 1_764_100_009_000, step: 0 });
  await c.call('POST', 'runs/log-metric', { run_id: f2.runId, key: 'grad_norm', value: 1.5, timestamp: 1_764_100_010_000, step: 1 });

  const trees = await c.experiment('trees');
  const t1 = await c.trainAndRegister({
    experimentId: trees,
    modelName: 'tree-species',
    repoUrl: 'git@gitlab.example.com:forestry/tree-species-classifier.git',
    params: { arch: 'resnet18' },
    metrics: { accuracy: [0.8, 0.88] },
  });

  // A run deleted afterwards: exported (with its lifecycle stage), hidden by the viewer's default view.
  const del = await c.call('POST', 'runs/create', { experiment_id: trees, start_time: 1_764_000_000_000, run_name: 'abandoned' });
  const deleted = (del['run'] as { info: { run_id: string } }).info.run_id;
  await c.call('POST', 'runs/log-metric', { run_id: deleted, key: 'accuracy', value: 0.1, timestamp: 1_764_000_001_000, step: 0 });
  await c.call('POST', 'runs/delete', { run_id: deleted });

  // A run whose name, params and tags try to inject HTML.
  const hostileRun = await c.call('POST', 'runs/create', { experiment_id: trees, start_time: 1_764_200_000_000, run_name: HOSTILE });
  const hostile = (hostileRun['run'] as { info: { run_id: string } }).info.run_id;
  await c.call('POST', 'runs/log-batch', {
    run_id: hostile,
    params: [{ key: 'note', value: HOSTILE }],
    tags: [{ key: 'mlflow.note.content', value: HOSTILE }],
    metrics: [{ key: 'accuracy', value: 0.5, timestamp: 1_764_200_001_000, step: 0 }],
  });

  // MLflow 3.x: log_model inside a run, registered from the logged model (models:/m-...).
  const exp3 = await c.experiment('flood3');
  const r3 = await c.call('POST', 'runs/create', { experiment_id: exp3, start_time: 1_750_000_000_000, run_name: 'unet-3x', tags: [{ key: 'mlflow.user', value: 'bob' }] });
  const run3 = (r3['run'] as { info: { run_id: string } }).info.run_id;
  await c.call('POST', 'runs/log-batch', { run_id: run3, params: [{ key: 'lr', value: '0.001' }] });
  for (let step = 0; step < 4; step++) {
    await c.call('POST', 'runs/log-metric', { run_id: run3, key: 'iou', value: 0.5 + step * 0.07, timestamp: 1_750_000_001_000 + step, step });
  }
  const lm = await c.call('POST', 'logged-models', { experiment_id: exp3, name: 'model', source_run_id: run3, params: [{ key: 'lr', value: '0.001' }] });
  const modelId = (lm['model'] as { info: { model_id: string } }).info.model_id;
  await c.call('POST', 'runs/outputs', { run_id: run3, models: [{ model_id: modelId, step: 3 }] });
  const mlmodel = ['artifact_path: model', 'flavors:', '  onnx:', '    data: model.onnx', '    onnx_version: 1.17.0', '  python_function:', '    data: model.onnx', '    loader_module: mlflow.onnx', 'mlflow_version: 3.1.0', `model_id: ${modelId}`, ''].join('\n');
  await c.put(`${exp3}/models/${modelId}/artifacts/MLmodel`, mlmodel);
  await c.put(`${exp3}/models/${modelId}/artifacts/model.onnx`, ONNX_BYTES);
  await c.call('PATCH', `logged-models/${modelId}`, { model_id: modelId, status: 'LOGGED_MODEL_READY' });
  await c.call('POST', 'registered-models/create', { name: 'flood-unet-3x', description: 'U-Net logged with MLflow 3', tags: [{ key: 'project', value: 'eo-lab/flood-segmentation' }] });
  await c.call('POST', 'model-versions/create', { name: 'flood-unet-3x', source: `models:/${modelId}`, model_id: modelId, run_id: run3 });
  await c.setAlias('flood-unet-3x', 'prod', '1');
  await c.call('POST', 'runs/update', { run_id: run3, status: 'FINISHED', end_time: 1_750_000_009_000 });

  return {
    experiments: { flood, trees, flood3: exp3 },
    runs: { flood: [f1.runId, f2.runId], trees: [t1.runId], threeX: run3, deleted, hostile },
    modelId,
  };
}
