/**
 * `stachub track export`: a populated store (2.x and 3.x flows, aliases, tags, inputs, NaN points,
 * a deleted run) written in mlflow-export-import's layout, then read back through the catalog's
 * export reader (generator/mlflow/export.ts): every run, every metric point, every version and alias.
 * The layout facts below (file names, and the keys of each JSON part) are those of the files the
 * tool writes (`run/export_run.py`, `experiment/export_experiment.py`, `model/export_model.py`,
 * `bulk/export_experiments.py`, `bulk/export_models.py`, `bulk/export_logged_models.py`,
 * `logged_model/export_logged_model.py`, `bulk/export_all.py` of mlflow/mlflow-export-import).
 */
import { existsSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../generator/cli.js';
import { indexExport, readExport } from '../../generator/mlflow/export.js';
import { openStore, type TrackingStore } from '../../pipelines/tracking/store.js';
import { startTrackingServer } from '../../pipelines/tracking/server.js';
import { tempDir } from './helpers.js';
import { populate, type Populated } from './populate.js';
import { MlflowTestClient } from '../mlflow/shim-client.js';

/** Keys of the tool's `system` block (export_file_version "2"). */
const SYSTEM_KEYS = ['package_version', 'script', 'export_file_version', 'export_time', '_export_time', 'mlflow_version', 'mlflow_tracking_uri', 'platform', 'user'];
const PLATFORM_KEYS = ['python_version', 'system', 'processor'];
const RUN_MLFLOW_KEYS = ['info', 'params', 'metrics', 'tags', 'inputs'];
const RUN_INFO_KEYS = ['run_uuid', 'run_id', 'experiment_id', 'user_id', 'status', 'start_time', 'end_time', 'lifecycle_stage', 'artifact_uri', 'run_name', '_start_time', '_end_time'];
const METRIC_POINT_KEYS = ['value', 'timestamp', 'step'];
const EXPERIMENT_KEYS = ['experiment_id', 'name', 'artifact_location', 'lifecycle_stage', 'tags', 'creation_time', 'last_update_time', '_creation_time', '_last_update_time'];
const EXPERIMENT_INFO_KEYS = ['num_total_runs', 'num_ok_runs', 'num_failed_runs', 'failed_runs'];
const EXPERIMENTS_INFO_KEYS = ['duration', 'experiments', 'total_runs', 'ok_runs', 'failed_runs'];
const EXPERIMENTS_ENTRY_KEYS = ['id', 'name', 'ok_runs', 'failed_runs', 'duration'];
const MODEL_INFO_KEYS = ['num_target_stages', 'num_target_versions', 'num_src_versions', 'num_dst_versions', 'failed_versions', 'export_latest_versions', 'export_permissions'];
const REGISTERED_MODEL_KEYS = ['name', 'creation_timestamp', 'last_updated_timestamp', 'description', 'aliases', '_creation_timestamp', '_last_updated_timestamp', 'tags', 'versions'];
const VERSION_KEYS = [
  'aliases', 'creation_timestamp', 'current_stage', 'description', 'last_updated_timestamp', 'name', 'run_id', 'run_link', 'source', 'status',
  'status_message', 'tags', 'user_id', 'version', '_run_artifact_uri', '_experiment_name', '_download_uri', '_creation_timestamp', '_last_updated_timestamp',
];
const MODELS_INFO_KEYS = ['stages', 'notebook_formats', 'num_total_models', 'num_ok_models', 'num_failed_models', 'duration', 'failed_models'];
const LOGGED_MODELS_INFO_KEYS = ['num_total_logged_models', 'num_ok_logged_models', 'num_failed_logged_models', 'failed_logged_models'];
/** The LoggedModel entity's fields as the tool dumps them (underscores stripped), plus the run's dataset inputs. */
const LOGGED_MODEL_KEYS = [
  'experiment_id', 'model_id', 'name', 'artifact_location', 'creation_timestamp', 'last_updated_timestamp', 'model_type', 'source_run_id', 'status',
  'status_message', 'tags', 'params', 'metrics', 'dataset_inputs',
];

const sorted = (keys: string[]): string[] => [...keys].sort();
const keysOf = (o: unknown): string[] => Object.keys(o as Record<string, unknown>).sort();
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const readJson = (file: string): any => JSON.parse(readFileSync(file, 'utf8'));

let storeDir: string;
let out: string;
let populated: Populated;
let store: TrackingStore;
let cli: { code: number; stdout: string; stderr: string };
let longRun: string;
const LONG_POINTS = 100_000;

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let so = '';
  let se = '';
  const code = await main(['node', 'stachub', ...argv], { stdout: (s) => (so += s), stderr: (s) => (se += s), now: () => new Date('2026-12-01T12:00:00Z'), env: {} });
  return { code, stdout: so, stderr: se };
}

beforeAll(async () => {
  storeDir = tempDir('stachub-export-store-');
  const server = await startTrackingServer({ storeDir, port: 0, fsync: false });
  populated = await populate(server.url);
  // A long training: 100,000 points of one metric (written to run.json as a stream).
  const c = new MlflowTestClient(server.url);
  const long = await c.call('POST', 'runs/create', { experiment_id: populated.experiments['flood3'], start_time: 1_750_100_000_000, run_name: 'long' });
  longRun = (long['run'] as { info: { run_id: string } }).info.run_id;
  for (let b = 0; b < LONG_POINTS / 1000; b++) {
    const metrics = Array.from({ length: 1000 }, (_, i) => ({ key: 'loss', value: 1 / (1 + b * 1000 + i), timestamp: 1_750_100_000_000 + b * 1000 + i, step: b * 1000 + i }));
    await c.call('POST', 'runs/log-batch', { run_id: longRun, metrics });
  }
  await server.close();
  out = path.join(tempDir('stachub-export-out-'), 'export');
  cli = await run(['track', 'export', '--store', storeDir, '--out', out]);
  store = await openStore(storeDir);
}, 60_000);

afterAll(async () => {
  await store?.close();
});

describe('stachub track export', () => {
  it('exits 0 and reports what it wrote', () => {
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout.trim()).toBe(out);
    const runs = store.runs().length;
    expect(cli.stderr).toContain(`4 experiment(s), ${runs} run(s)`);
    expect(cli.stderr).toContain('3 registered model(s) with 4 version(s) and 3 alias(es)');
  });

  it('writes the layout of the tool: manifest, experiments, runs, logged models, models', () => {
    expect(existsSync(path.join(out, 'manifest.json'))).toBe(true);
    expect(existsSync(path.join(out, 'experiments/experiments.json'))).toBe(true);
    expect(existsSync(path.join(out, 'models/models.json'))).toBe(true);
    for (const e of store.experiments()) {
      expect(existsSync(path.join(out, 'experiments', e.experiment_id, 'experiment.json'))).toBe(true);
      expect(existsSync(path.join(out, 'experiments', e.experiment_id, 'logged_models/logged_models.json'))).toBe(true);
      for (const r of store.runs(e.experiment_id)) expect(existsSync(path.join(out, 'experiments', e.experiment_id, 'runs', r.info.run_id, 'run.json'))).toBe(true);
    }
    const exp3 = populated.experiments['flood3']!;
    const lmDir = path.join(out, 'experiments', exp3, 'logged_models', populated.modelId);
    expect(readdirSync(path.join(lmDir, 'artifacts')).sort()).toEqual(['MLmodel', 'model.onnx']);
    const runDir = path.join(out, 'experiments', populated.experiments['flood']!, 'runs', populated.runs.flood[0]!);
    expect(readdirSync(path.join(runDir, 'artifacts/model')).sort()).toEqual(['MLmodel', 'model.onnx']);
    expect(readFileSync(path.join(runDir, 'artifacts/model/model.onnx')).length).toBe(224);
  });

  it('matches the export files of mlflow-export-import field by field', () => {
    const system = (doc: { system: Record<string, unknown> }, script: string): void => {
      expect(keysOf(doc.system)).toEqual(sorted(SYSTEM_KEYS));
      expect(keysOf(doc.system['platform'])).toEqual(sorted(PLATFORM_KEYS));
      expect(doc.system['script']).toBe(script);
      expect(doc.system['export_file_version']).toBe('2');
      expect(doc.system['_export_time']).toBe('2026-12-01 12:00:00');
    };
    const manifest = readJson(path.join(out, 'manifest.json'));
    system(manifest, 'export_all.py');
    expect(manifest.mlflow).toEqual({});
    const exps = readJson(path.join(out, 'experiments/experiments.json'));
    system(exps, 'export_experiments.py');
    expect(keysOf(exps.info)).toEqual(sorted(EXPERIMENTS_INFO_KEYS));
    for (const e of exps.mlflow.experiments) expect(keysOf(e)).toEqual(sorted(EXPERIMENTS_ENTRY_KEYS));
    const flood = populated.experiments['flood']!;
    const exp = readJson(path.join(out, 'experiments', flood, 'experiment.json'));
    system(exp, 'export_experiment.py');
    expect(keysOf(exp.info)).toEqual(sorted(EXPERIMENT_INFO_KEYS));
    expect(keysOf(exp.mlflow)).toEqual(['experiment', 'runs']);
    expect(keysOf(exp.mlflow.experiment)).toEqual(sorted(EXPERIMENT_KEYS));
    expect(exp.mlflow.experiment.tags).toEqual({ team: 'eo-lab' });
    expect(exp.mlflow.runs).toEqual(store.runs(flood).map((r) => r.info.run_id));

    const runJson = readJson(path.join(out, 'experiments', flood, 'runs', populated.runs.flood[1]!, 'run.json'));
    system(runJson, 'export_run.py');
    expect(runJson.info).toBeUndefined();
    expect(keysOf(runJson.mlflow)).toEqual(sorted(RUN_MLFLOW_KEYS));
    expect(keysOf(runJson.mlflow.info)).toEqual(sorted(RUN_INFO_KEYS));
    expect(runJson.mlflow.params).toEqual({ epochs: '40', lr: '0.0005' });
    for (const points of Object.values(runJson.mlflow.metrics) as unknown[][]) for (const p of points) expect(keysOf(p)).toEqual(sorted(METRIC_POINT_KEYS));
    expect(runJson.mlflow.metrics.grad_norm[0].value).toBe('NaN');
    expect(Object.keys(runJson.mlflow.tags)).toEqual(Object.keys(runJson.mlflow.tags).sort());
    expect(runJson.mlflow.inputs).toEqual([
      { dataset: { name: 'sen1floods11', digest: 'abc123', source_type: 'http', source: '{"url": "https://example.com/s1.zip"}' }, tags: [{ key: 'mlflow.data.context', value: 'training' }] },
    ]);

    const modelsJson = readJson(path.join(out, 'models/models.json'));
    system(modelsJson, 'export_models.py');
    expect(keysOf(modelsJson.info)).toEqual(sorted(MODELS_INFO_KEYS));
    expect(modelsJson.mlflow.models).toEqual(['flood-unet (1201)', 'flood-unet-3x', 'tree-species']);
    const model = readJson(path.join(out, 'models/flood-unet (1201)/model.json'));
    system(model, 'export_model.py');
    expect(keysOf(model.info)).toEqual(sorted(MODEL_INFO_KEYS));
    const rm = model.mlflow.registered_model;
    expect(keysOf(rm)).toEqual(sorted(REGISTERED_MODEL_KEYS));
    expect(rm.aliases).toEqual([{ alias: 'champion', version: '2' }, { alias: 'baseline', version: '1' }]);
    expect(rm.tags).toEqual([{ key: 'project', value: 'eo-lab/flood-segmentation' }]);
    for (const v of rm.versions) expect(keysOf(v)).toEqual(sorted(VERSION_KEYS));
    // Registered-model tags are a list of {key, value}; version tags a dict (the tool's own inconsistency).
    expect(rm.versions[1].tags).toEqual({ validated: 'yes' });
    expect(rm.versions[1]._experiment_name).toBe('flood-unet (1201)');
    const m3 = readJson(path.join(out, 'models/flood-unet-3x/model.json')).mlflow.registered_model;
    expect(keysOf(m3.versions[0])).toEqual(sorted([...VERSION_KEYS, 'model_id']));
    expect(m3.versions[0]._download_uri).toMatch(new RegExp(`/models/${populated.modelId}/artifacts$`));

    const exp3 = populated.experiments['flood3']!;
    const lms = readJson(path.join(out, 'experiments', exp3, 'logged_models/logged_models.json'));
    system(lms, 'export_logged_models.py');
    expect(keysOf(lms.info)).toEqual(sorted(LOGGED_MODELS_INFO_KEYS));
    expect(lms.mlflow.experiments).toEqual([{ id: exp3, name: 'flood3', logged_models: [populated.modelId] }]);
    const lm = readJson(path.join(out, 'experiments', exp3, 'logged_models', populated.modelId, 'logged_model.json'));
    system(lm, 'export_logged_model.py');
    expect(keysOf(lm.mlflow)).toEqual(sorted(LOGGED_MODEL_KEYS));
    expect(lm.mlflow.status).toBe('READY');
    expect(lm.mlflow.params).toEqual({ lr: '0.001' });
  });

  it('reads back through the catalog export reader: every run and every metric point', async () => {
    const index = await indexExport(out, []);
    const runs = store.runs();
    expect(runs.length).toBe(7);
    let points = 0;
    for (const r of runs) {
      const got = index.runsById.get(r.info.run_id);
      expect(got, r.info.run_id).toBeDefined();
      const raw = got!.value.raw as { info: Record<string, unknown>; metrics: Record<string, { value: unknown; timestamp: number; step: number }[]> };
      expect(raw.info['lifecycle_stage']).toBe(r.info.lifecycle_stage);
      expect(Object.keys(raw.metrics).sort()).toEqual(r.data.metrics.map((m) => m.key).sort());
      for (const m of r.data.metrics) {
        const history = store.metricHistory(r.info.run_id, m.key);
        expect(raw.metrics[m.key]).toEqual(history.map((p) => ({ value: p.value, timestamp: p.timestamp, step: p.step })));
        points += history.length;
      }
    }
    // 5+5 and 2+2+2 (flood), 2 (trees), 1 (deleted), 1 (hostile), 4 (3.x run), and the long run
    expect(points).toBe(24 + LONG_POINTS);
    const long = index.runsById.get(longRun)!.value.raw as { metrics: Record<string, { step: number; value: number }[]> };
    expect(long.metrics['loss']).toHaveLength(LONG_POINTS);
    expect(long.metrics['loss']![LONG_POINTS - 1]).toMatchObject({ step: LONG_POINTS - 1, value: 1 / LONG_POINTS });
    expect(index.loggedModels.has(populated.modelId)).toBe(true);
  });

  it('reads back every version and alias, with the model files of 2.x runs and of the 3.x logged model', async () => {
    const { versions, diagnostics } = await readExport({ dir: out });
    const expected = store.modelVersions().map((v) => `${v.name} v${v.version} [${[...v.aliases].sort().join(',')}]`);
    expect(versions.map((v) => `${v.modelName} v${v.version} [${v.aliases.join(',')}]`).sort()).toEqual(expected.sort());
    expect(expected).toHaveLength(4);
    expect(diagnostics.filter((d) => d.level !== 'info')).toEqual([]);
    for (const v of versions) {
      expect(v.flavors.map((f) => f.name), `${v.modelName} v${v.version}`).toContain('onnx');
      expect(v.modelFile?.size).toBe(224);
      expect(v.runId).toBeDefined();
    }
    const v3 = versions.find((v) => v.modelName === 'flood-unet-3x')!;
    expect(v3.modelId).toBe(populated.modelId);
    expect(v3.metrics).toEqual({ iou: 0.71 });
    const f2 = versions.find((v) => v.modelName === 'flood-unet (1201)' && v.version === '2')!;
    expect(f2.metrics).toMatchObject({ iou: 0.71, loss: 0.35, grad_norm: 1.5 });
    expect(f2.params).toEqual({ epochs: '40', lr: '0.0005' });
  });

  it('refuses a folder that already holds files (exit 2) and a folder that is not a store (exit 4)', async () => {
    const busy = tempDir('stachub-export-busy-');
    mkdirSync(busy, { recursive: true });
    writeFileSync(path.join(busy, 'keep.txt'), 'mine');
    const r = await run(['track', 'export', '--store', storeDir, '--out', busy]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is not empty');
    expect(readdirSync(busy)).toEqual(['keep.txt']);
    const notStore = await run(['track', 'export', '--store', busy, '--out', path.join(busy, 'x')]);
    expect(notStore.code).toBe(4);
  });
});
