/**
 * Writes the demo's model registry: examples/mlflow-export/, laid out as `export-models` of
 * mlflow-export-import writes a bulk export (reference/mlflow.md §3.1): `manifest.json`,
 * `models/<name>/model.json`, `experiments/<id>/experiment.json` and the versions' runs under
 * `experiments/<id>/runs/<run_id>/` (`run.json` with full metric histories, `artifacts/model/MLmodel`).
 *
 * - `flood-unet (1201)`: three versions of the flood-segmentation U-Net (linked by the ` (1201)`
 *   suffix MLflow SharingHub puts on names), onnx + python_function flavors. v3 is `champion` in
 *   Production, v1 is Archived. Only v3 carries its model file, a copy of the workspace's
 *   flood-unet.onnx (same bytes, so Git stores it once); the older files are left out to keep
 *   the demo small (with the export's tracking URI known, the catalog links them on that server).
 * - `tree-species-resnet18`: two versions of the tree-species ResNet-18 (pytorch flavor), linked by
 *   its `project` tag; v1 is in Production, v2 has the alias `candidate`.
 * - `sar-despeckle-test`: a sandbox model no rule links, listed as unlinked in the build report.
 *
 * Every value is invented for the demo and derived deterministically (run ids are MD5 digests of a
 * label, metric curves are closed-form), so the output is byte-stable. Run with
 * `npx tsx examples/scripts/make-demo-mlflow-export.ts`; the output is committed.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { exportModelInfo } from '../../pipelines/tracking/export.js';
import { DEMO_MODEL_PATH } from './make-demo-onnx.js';

/** Repository-relative folder of the demo export. */
export const DEMO_EXPORT_DIR = 'examples/mlflow-export';

const TRACKING_URI = 'https://mlflow.example.com';
const MLFLOW_VERSION = '2.16.2';
const EXPORT_TIME = Date.UTC(2026, 9, 31, 6, 0, 0); // 2026-10-31T06:00:00Z

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const runId = (label: string): string => createHash('md5').update(`stachub demo run ${label}`).digest('hex');
const uuid = (label: string): string => createHash('md5').update(`stachub demo model ${label}`).digest('hex');

/** export-import's human-readable twin of a timestamp (`_creation_timestamp`), UTC. */
const human = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);

function system(script: string): { [key: string]: Json } {
  return {
    package_version: '1.2.0',
    script,
    export_file_version: '2',
    export_time: Math.floor(EXPORT_TIME / 1000),
    _export_time: human(EXPORT_TIME),
    mlflow_version: MLFLOW_VERSION,
    mlflow_tracking_uri: TRACKING_URI,
    platform: { python_version: '3.11.9', system: 'Linux', processor: 'x86_64' },
    user: 'catalog-export',
  };
}

interface Curve {
  /** Value at step 0 and the value approached at the last step. */
  from: number;
  to: number;
  /** Small deterministic wiggle, as real validation curves have. */
  wiggle: number;
}

/** A metric history of `steps` epochs: exponential approach from `from` to `to`, one entry per step. */
function history(curve: Curve, steps: number, start: number, epochMs: number): Json[] {
  const out: Json[] = [];
  for (let s = 0; s < steps; s++) {
    const t = steps === 1 ? 1 : s / (steps - 1);
    const base = curve.to + (curve.from - curve.to) * Math.exp(-4 * t);
    const v = base + curve.wiggle * Math.sin(s * 2.3) * (1 - t);
    out.push({ value: Math.round(v * 10000) / 10000, timestamp: start + (s + 1) * epochMs, step: s });
  }
  return out;
}

interface RunSpec {
  label: string;
  experimentId: string;
  runName: string;
  start: number;
  epochs: number;
  epochMs: number;
  params: Record<string, string>;
  curves: Record<string, Curve>;
  /** Metrics logged once at the end of training. */
  final: Record<string, number>;
  tags: Record<string, string>;
}

function runJson(spec: RunSpec): { id: string; doc: Json; end: number } {
  const id = runId(spec.label);
  const end = spec.start + (spec.epochs + 1) * spec.epochMs;
  const metrics: { [key: string]: Json } = {};
  for (const [key, curve] of Object.entries(spec.curves)) metrics[key] = history(curve, spec.epochs, spec.start, spec.epochMs);
  for (const [key, value] of Object.entries(spec.final)) metrics[key] = [{ value, timestamp: end - 1000, step: spec.epochs - 1 }];
  const tags: Record<string, string> = { ...spec.tags, 'mlflow.runName': spec.runName, 'mlflow.user': 'gitlab-ci' };
  const doc: Json = {
    system: system('export_run.py'),
    mlflow: {
      info: {
        run_uuid: id,
        run_id: id,
        experiment_id: spec.experimentId,
        run_name: spec.runName,
        user_id: 'gitlab-ci',
        status: 'FINISHED',
        start_time: spec.start,
        end_time: end,
        lifecycle_stage: 'active',
        artifact_uri: `mlflow-artifacts:/${spec.experimentId}/${id}/artifacts`,
        _start_time: human(spec.start),
        _end_time: human(end),
      },
      params: Object.fromEntries(Object.entries(spec.params).sort(([a], [b]) => (a < b ? -1 : 1))),
      metrics,
      tags: Object.fromEntries(Object.entries(tags).sort(([a], [b]) => (a < b ? -1 : 1))),
    },
  };
  return { id, doc, end };
}

interface VersionSpec {
  version: string;
  run: RunSpec;
  stage: string;
  aliases: string[];
  description: string;
  tags?: Record<string, string>;
  /** Minutes between the end of the run and the registration. */
  registeredAfterMin: number;
  /** When the stage last changed, if not soon after the registration (an archived version). */
  stageChangedAt?: number;
  mlmodel: (runId: string, created: number) => string;
  /** Files of the model folder besides MLmodel: name -> repository-relative source path. */
  files?: Record<string, string>;
}

interface ModelSpec {
  name: string;
  description: string;
  tags: Record<string, string>;
  experimentName: string;
  versions: VersionSpec[];
}

const utc = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').replace('Z', '000');

const onnxMlmodel = (runId: string, created: number): string => `artifact_path: model
flavors:
  onnx:
    code: null
    data: model.onnx
    onnx_version: 1.16.2
    providers:
    - CUDAExecutionProvider
    - CPUExecutionProvider
  python_function:
    data: model.onnx
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.onnx
    python_version: 3.11.9
mlflow_version: ${MLFLOW_VERSION}
model_uuid: ${uuid(runId)}
run_id: ${runId}
signature:
  inputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 2, 256, 256]}, "name": "sar"}]'
  outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 2, 256, 256]}, "name": "water_probability"}]'
  params: null
utc_time_created: '${utc(created)}'
`;

const pytorchMlmodel = (runId: string, created: number): string => `artifact_path: model
flavors:
  python_function:
    data: data
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.pytorch
    pickle_module_name: mlflow.pytorch.pickle_module
    python_version: 3.11.9
  pytorch:
    code: null
    model_data: data
    pytorch_version: 2.4.1
mlflow_version: ${MLFLOW_VERSION}
model_uuid: ${uuid(runId)}
run_id: ${runId}
utc_time_created: '${utc(created)}'
`;

const sklearnMlmodel = (runId: string, created: number): string => `artifact_path: model
flavors:
  python_function:
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.sklearn
    model_path: model.pkl
    predict_fn: predict
    python_version: 3.11.9
  sklearn:
    code: null
    pickled_model: model.pkl
    serialization_format: cloudpickle
    sklearn_version: 1.5.2
mlflow_version: ${MLFLOW_VERSION}
model_uuid: ${uuid(runId)}
run_id: ${runId}
utc_time_created: '${utc(created)}'
`;

const HOUR = 3_600_000;
const floodGit = { 'mlflow.source.git.repoURL': 'https://gitlab.example.com/eo-lab/flood-segmentation.git', 'mlflow.source.name': 'train.py', 'mlflow.source.type': 'PROJECT' };
const floodRun = (label: string, start: number, commit: string, params: Record<string, string>, curves: Record<string, Curve>, final: Record<string, number>): RunSpec => ({
  label,
  experimentId: '3',
  runName: label,
  start,
  epochs: 15,
  epochMs: 6 * 60_000,
  params: { batch_size: '8', chip_size: '256', epochs: '15', optimizer: 'adam', ...params },
  curves,
  final,
  tags: { ...floodGit, 'mlflow.source.git.commit': commit },
});

const MODELS: ModelSpec[] = [
  {
    name: 'flood-unet (1201)',
    description: 'U-Net that maps flood water in Sentinel-1 SAR chips (VV, VH), exported to ONNX.',
    tags: { task: 'semantic-segmentation', 'training-data': 'sen1floods11' },
    experimentName: 'flood-segmentation',
    versions: [
      {
        version: '1',
        run: floodRun('unet-bce-baseline', Date.UTC(2026, 4, 12, 8, 30), '1b7e0c2d9a8f6e5d4c3b2a19087f6e5d4c3b2a10',
          { learning_rate: '0.001', loss: 'bce', augmentation: 'none', train_split: 'hand-labelled' },
          { loss: { from: 0.69, to: 0.31, wiggle: 0.01 }, val_iou: { from: 0.21, to: 0.58, wiggle: 0.02 } },
          { test_f1: 0.72, test_iou: 0.56 }),
        stage: 'Archived',
        aliases: [],
        description: 'Baseline: binary cross-entropy, no augmentation.',
        registeredAfterMin: 20,
        stageChangedAt: Date.UTC(2026, 8, 29, 14, 6),
        mlmodel: onnxMlmodel,
      },
      {
        version: '2',
        run: floodRun('unet-dice-augmented', Date.UTC(2026, 6, 21, 13, 5), '7c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d',
          { learning_rate: '0.0005', loss: 'bce+dice', augmentation: 'flip,rotate90', train_split: 'hand-labelled' },
          { loss: { from: 0.86, to: 0.3, wiggle: 0.015 }, val_iou: { from: 0.24, to: 0.67, wiggle: 0.02 } },
          { test_f1: 0.79, test_iou: 0.66 }),
        stage: 'None',
        aliases: [],
        description: 'Dice + BCE loss with flips and 90° rotations.',
        registeredAfterMin: 35,
        mlmodel: onnxMlmodel,
      },
      {
        version: '3',
        run: floodRun('unet-calibrated-v1.2.0', Date.UTC(2026, 8, 29, 9, 40), '4f1c2a9e8d7b6c5a4f3e2d1c0b9a8f7e6d5c4b3a',
          { learning_rate: '0.0005', loss: 'bce+dice', augmentation: 'flip,rotate90,speckle', train_split: 'hand-labelled+weak', lr_schedule: 'cosine' },
          { loss: { from: 0.84, to: 0.27, wiggle: 0.012 }, val_iou: { from: 0.27, to: 0.72, wiggle: 0.018 } },
          { test_f1: 0.82, test_iou: 0.71 }),
        stage: 'Production',
        aliases: ['champion'],
        description: 'Calibrated on Sen1Floods11 (release v1.2.0): IoU 0.71 on the hand-labelled test split.',
        tags: { validation_status: 'approved' },
        registeredAfterMin: 50,
        mlmodel: onnxMlmodel,
        files: { 'model.onnx': DEMO_MODEL_PATH },
      },
    ],
  },
  {
    name: 'sar-despeckle-test',
    description: 'Sandbox experiment: Lee filter parameters fitted per scene.',
    tags: {},
    experimentName: 'sandbox-despeckle',
    versions: [
      {
        version: '1',
        run: {
          label: 'despeckle-grid',
          experimentId: '8',
          runName: 'despeckle-grid',
          start: Date.UTC(2026, 7, 3, 15, 0),
          epochs: 1,
          epochMs: 10 * 60_000,
          params: { window: '7', damping: '1.0' },
          curves: {},
          final: { enl_gain: 3.2 },
          tags: { 'mlflow.source.name': 'notebooks/despeckle.ipynb', 'mlflow.source.type': 'NOTEBOOK' },
        },
        stage: 'None',
        aliases: [],
        description: '',
        registeredAfterMin: 5,
        mlmodel: sklearnMlmodel,
      },
    ],
  },
  {
    name: 'tree-species-resnet18',
    description: 'ResNet-18 that names the species of a tree crown from a 4-band aerial chip.',
    tags: { project: 'forestry/tree-species-classifier', framework: 'pytorch' },
    experimentName: 'tree-species-classifier',
    versions: [
      {
        version: '1',
        run: {
          label: 'resnet18-imagenet-finetune',
          experimentId: '5',
          runName: 'resnet18-imagenet-finetune',
          start: Date.UTC(2026, 5, 3, 10, 0),
          epochs: 12,
          epochMs: 4 * 60_000,
          params: { batch_size: '64', epochs: '12', learning_rate: '0.0003', optimizer: 'adamw', pretrained: 'imagenet', bands: 'r,g,b,nir' },
          curves: { loss: { from: 1.79, to: 0.52, wiggle: 0.03 }, val_acc: { from: 0.31, to: 0.84, wiggle: 0.02 } },
          final: { test_acc: 0.83, test_f1: 0.79 },
          tags: { 'mlflow.source.git.commit': '9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d', 'mlflow.source.git.repoURL': 'git@gitlab.example.com:forestry/tree-species-classifier.git', 'mlflow.source.name': 'src/species/train.py', 'mlflow.source.type': 'LOCAL' },
        },
        stage: 'Production',
        aliases: [],
        description: 'Fine-tuned from ImageNet weights on the 2023 inventory plots.',
        registeredAfterMin: 15,
        mlmodel: pytorchMlmodel,
      },
      {
        version: '2',
        run: {
          label: 'resnet18-mixup',
          experimentId: '5',
          runName: 'resnet18-mixup',
          start: Date.UTC(2026, 9, 15, 7, 45),
          epochs: 12,
          epochMs: 4 * 60_000,
          params: { batch_size: '64', epochs: '12', learning_rate: '0.0003', optimizer: 'adamw', pretrained: 'imagenet', bands: 'r,g,b,nir', mixup_alpha: '0.2' },
          curves: { loss: { from: 1.83, to: 0.58, wiggle: 0.03 }, val_acc: { from: 0.3, to: 0.86, wiggle: 0.02 } },
          final: { test_acc: 0.85, test_f1: 0.81 },
          tags: { 'mlflow.source.git.commit': '0a1b2c3d4e5f60718293a4b5c6d7e8f901234567', 'mlflow.source.git.repoURL': 'git@gitlab.example.com:forestry/tree-species-classifier.git', 'mlflow.source.name': 'src/species/train.py', 'mlflow.source.type': 'LOCAL' },
        },
        stage: 'None',
        aliases: ['candidate'],
        description: 'Mixup (alpha 0.2): better on larch and birch; under review.',
        registeredAfterMin: 25,
        mlmodel: pytorchMlmodel,
      },
    ],
  },
];

/** JSON as export-import writes it (indent 2), with each metric history entry kept on one line. */
function jsonText(doc: Json): string {
  const text = JSON.stringify(doc, null, 2);
  return text.replace(/\{\n\s+"value": ([^,\n]+),\n\s+"timestamp": (\d+),\n\s+"step": (\d+)\n\s+\}/g, '{"value": $1, "timestamp": $2, "step": $3}') + '\n';
}

/** Every file of the export: repository-relative path -> text, or a source file to copy. */
export function demoExportFiles(): Map<string, { text: string } | { copyFrom: string }> {
  const files = new Map<string, { text: string } | { copyFrom: string }>();
  const put = (rel: string, doc: Json): void => void files.set(`${DEMO_EXPORT_DIR}/${rel}`, { text: jsonText(doc) });
  const experiments = new Map<string, { name: string; runs: string[]; created: number }>();

  for (const model of MODELS) {
    const versions: Json[] = [];
    let modelCreated = Infinity;
    let modelUpdated = 0;
    for (const v of model.versions) {
      const run = runJson(v.run);
      const exp = experiments.get(v.run.experimentId) ?? { name: model.experimentName, runs: [], created: v.run.start - 24 * HOUR };
      exp.runs.push(run.id);
      experiments.set(v.run.experimentId, exp);
      const runDir = `experiments/${v.run.experimentId}/runs/${run.id}`;
      put(`${runDir}/run.json`, run.doc);
      files.set(`${DEMO_EXPORT_DIR}/${runDir}/artifacts/model/MLmodel`, { text: v.mlmodel(run.id, run.end - 60_000) });
      for (const [name, from] of Object.entries(v.files ?? {})) files.set(`${DEMO_EXPORT_DIR}/${runDir}/artifacts/model/${name}`, { copyFrom: from });
      const created = run.end + v.registeredAfterMin * 60_000;
      // A stage transition or alias comes later than the registration.
      const updated = v.stageChangedAt ?? created + (v.stage !== 'None' || v.aliases.length ? 2 * HOUR : 0);
      modelCreated = Math.min(modelCreated, created);
      modelUpdated = Math.max(modelUpdated, updated);
      const artifactUri = `mlflow-artifacts:/${v.run.experimentId}/${run.id}/artifacts`;
      versions.push({
        aliases: v.aliases,
        creation_timestamp: created,
        current_stage: v.stage,
        description: v.description,
        last_updated_timestamp: updated,
        name: model.name,
        run_id: run.id,
        run_link: '',
        source: `${artifactUri}/model`,
        status: 'READY',
        status_message: '',
        tags: v.tags ?? {},
        user_id: '',
        version: v.version,
        _run_artifact_uri: artifactUri,
        _experiment_name: model.experimentName,
        _creation_timestamp: human(created),
        _last_updated_timestamp: human(updated),
      });
    }
    const aliases = model.versions.flatMap((v) => v.aliases.map((alias) => ({ alias, version: v.version })));
    put(`models/${model.name}/model.json`, {
      system: system('export_model.py'),
      info: exportModelInfo(versions.length),
      mlflow: {
        registered_model: {
          name: model.name,
          creation_timestamp: modelCreated,
          last_updated_timestamp: modelUpdated,
          description: model.description,
          aliases,
          _creation_timestamp: human(modelCreated),
          _last_updated_timestamp: human(modelUpdated),
          tags: Object.entries(model.tags).map(([key, value]) => ({ key, value })),
          versions,
        },
      },
    });
  }

  const expIds = [...experiments.keys()].sort();
  for (const id of expIds) {
    const exp = experiments.get(id)!;
    put(`experiments/${id}/experiment.json`, {
      system: system('export_experiment.py'),
      info: { num_total_runs: exp.runs.length, num_ok_runs: exp.runs.length, num_failed_runs: 0, failed_runs: [] },
      mlflow: {
        experiment: {
          experiment_id: id,
          name: exp.name,
          artifact_location: `mlflow-artifacts:/${id}`,
          lifecycle_stage: 'active',
          tags: {},
          creation_time: exp.created,
          last_update_time: exp.created,
          _creation_time: human(exp.created),
          _last_update_time: human(exp.created),
        },
        runs: exp.runs,
      },
    });
  }
  put('experiments/experiments.json', {
    system: system('export_experiments.py'),
    info: { experiments: expIds.length, total_runs: expIds.reduce((n, id) => n + experiments.get(id)!.runs.length, 0), failed_runs: 0 },
    mlflow: { experiments: expIds.map((id) => ({ id, name: experiments.get(id)!.name, ok_runs: experiments.get(id)!.runs.length, failed_runs: 0 })) },
  });
  const names = MODELS.map((m) => m.name).sort();
  put('models/models.json', {
    system: system('export_models.py'),
    info: { num_total_models: names.length, num_ok_models: names.length, num_failed_models: 0, failed_models: [] },
    mlflow: { models: names },
  });
  put('manifest.json', {
    system: system('export_models.py'),
    info: { model_names: 'all', stages: '', export_all_runs: false, export_latest_versions: false, output_dir: 'mlflow-export' },
  });
  return files;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const outDir = path.join(root, DEMO_EXPORT_DIR);
  // Rewritten from scratch: a file the script no longer writes must not linger.
  for (const sub of ['experiments', 'models', 'manifest.json']) rmSync(path.join(outDir, sub), { recursive: true, force: true });
  let count = 0;
  for (const [rel, content] of demoExportFiles()) {
    const out = path.join(root, rel);
    mkdirSync(path.dirname(out), { recursive: true });
    if ('text' in content) writeFileSync(out, content.text);
    else copyFileSync(path.join(root, content.copyFrom), out);
    count++;
  }
  process.stdout.write(`wrote ${count} files under ${DEMO_EXPORT_DIR}\n`);
}
