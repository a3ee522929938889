/**
 * Test helper: drive a tracking server with the requests the MLflow Python client sends for
 * `set_experiment`, `start_run`, `log_params/metrics`, `onnx.log_model(registered_model_name=...)`
 * and `set_registered_model_alias` (reference/mlflow.md §2, 2.x flow).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The tiny ONNX model of the fixtures (15 parameters, input `features` [batch, 4]). */
export const ONNX_BYTES = readFileSync(
  path.resolve(here, '../fixtures/mlflow/export/models/wine-classifier/2222bbbb2222bbbb2222bbbb2222bbbb/artifacts/onnx-model/model.onnx'),
);

export interface TrainedVersion {
  runId: string;
  version: string;
}

export class MlflowTestClient {
  constructor(
    readonly url: string,
    private readonly token?: string,
  ) {}

  private headers(json: boolean): Record<string, string> {
    return { ...(json ? { 'content-type': 'application/json' } : {}), ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) };
  }

  async call(method: 'GET' | 'POST' | 'PATCH', endpoint: string, body: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const q = method === 'GET' ? `?${new URLSearchParams(body as Record<string, string>)}` : '';
    const res = await fetch(`${this.url}/api/2.0/mlflow/${endpoint}${q}`, {
      method,
      headers: this.headers(method !== 'GET'),
      ...(method !== 'GET' ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${endpoint}: ${res.status} ${text}`);
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  }

  async put(artifactPath: string, bytes: Uint8Array | string): Promise<void> {
    const res = await fetch(`${this.url}/api/2.0/mlflow-artifacts/artifacts/${artifactPath}`, {
      method: 'PUT',
      headers: { ...this.headers(false), 'content-type': 'application/octet-stream' },
      body: typeof bytes === 'string' ? bytes : Buffer.from(bytes),
    });
    if (!res.ok) throw new Error(`PUT ${artifactPath}: ${res.status} ${await res.text()}`);
  }

  /** `mlflow.set_experiment(name)`: get-by-name, else create. */
  async experiment(name: string): Promise<string> {
    const got = await this.call('GET', 'experiments/get-by-name', { experiment_name: name }).catch(() => undefined);
    const exp = got?.['experiment'] as { experiment_id: string } | undefined;
    if (exp) return exp.experiment_id;
    const created = await this.call('POST', 'experiments/create', { name });
    return created['experiment_id'] as string;
  }

  /**
   * One training run that logs an ONNX model and registers it (2.x `log_model(registered_model_name=)`):
   * runs/create with git tags, log-batch, per-step metrics, artifact PUTs, runs/log-model,
   * registered-models/create (duplicate tolerated), model-versions/create, runs/update FINISHED.
   */
  async trainAndRegister(opts: {
    experimentId: string;
    modelName: string;
    repoUrl?: string;
    params: Record<string, string>;
    /** Metric history per key, one value per step. */
    metrics: Record<string, number[]>;
    modelTags?: Record<string, string>;
  }): Promise<TrainedVersion> {
    const t0 = 1_764_100_000_000;
    const tags = [
      { key: 'mlflow.user', value: 'ana' },
      { key: 'mlflow.source.type', value: 'LOCAL' },
      ...(opts.repoUrl ? [{ key: 'mlflow.source.git.repoURL', value: opts.repoUrl }, { key: 'mlflow.source.git.commit', value: '0123abcd' }] : []),
    ];
    const created = await this.call('POST', 'runs/create', { experiment_id: opts.experimentId, start_time: t0, tags, run_name: `train-${opts.modelName}` });
    const info = (created['run'] as { info: { run_id: string; artifact_uri: string } }).info;
    const runId = info.run_id;
    await this.call('POST', 'runs/log-batch', { run_id: runId, params: Object.entries(opts.params).map(([key, value]) => ({ key, value })) });
    for (const [key, values] of Object.entries(opts.metrics)) {
      for (const [step, value] of values.entries()) {
        await this.call('POST', 'runs/log-metric', { run_id: runId, run_uuid: runId, key, value, timestamp: t0 + step * 1000, step });
      }
    }
    const artifactRoot = info.artifact_uri.replace(/^mlflow-artifacts:\/*/, '');
    const mlmodel = [
      'artifact_path: model',
      'flavors:',
      '  onnx:',
      '    code: null',
      '    data: model.onnx',
      '    onnx_version: 1.17.0',
      '    providers:',
      '    - CPUExecutionProvider',
      '  python_function:',
      '    data: model.onnx',
      '    loader_module: mlflow.onnx',
      "    python_version: '3.10'",
      'mlflow_version: 2.21.0',
      `run_id: ${runId}`,
      "utc_time_created: '2025-11-26 07:00:00.000000'",
      '',
    ].join('\n');
    await this.put(`${artifactRoot}/model/MLmodel`, mlmodel);
    await this.put(`${artifactRoot}/model/model.onnx`, ONNX_BYTES);
    await this.call('POST', 'runs/log-model', {
      run_id: runId,
      model_json: JSON.stringify({ artifact_path: 'model', run_id: runId, utc_time_created: '2025-11-26 07:00:00.000000', flavors: { onnx: { onnx_version: '1.17.0', data: 'model.onnx' } } }),
    });
    await this.call('POST', 'registered-models/create', {
      name: opts.modelName,
      ...(opts.modelTags ? { tags: Object.entries(opts.modelTags).map(([key, value]) => ({ key, value })) } : {}),
    }).catch((err: Error) => {
      if (!err.message.includes('RESOURCE_ALREADY_EXISTS')) throw err;
    });
    const mv = await this.call('POST', 'model-versions/create', { name: opts.modelName, source: `${info.artifact_uri}/model`, run_id: runId });
    await this.call('POST', 'runs/update', { run_id: runId, run_uuid: runId, status: 'FINISHED', end_time: t0 + 60_000 });
    return { runId, version: (mv['model_version'] as { version: string }).version };
  }

  async setAlias(name: string, alias: string, version: string): Promise<void> {
    await this.call('POST', 'registered-models/alias', { name, alias, version });
  }
}
