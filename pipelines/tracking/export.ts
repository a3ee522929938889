/**
 * `stachub track export`: the whole tracking store written in mlflow-export-import's layout, the way
 * to a real MLflow server (its `import-experiments` / `import-models` load the folder), and a folder
 * the catalog reads like any other export (`generator/mlflow/export.ts`).
 *
 * Layout (the tool's "export all": `bulk/export_all.py`, `bulk/export_experiments.py`,
 * `bulk/export_models.py`, `bulk/export_logged_models.py`, `run/export_run.py`,
 * `model/export_model.py`, `logged_model/export_logged_model.py`):
 *
 *   manifest.json                                   export summary, empty `mlflow`
 *   experiments/experiments.json                    `mlflow.experiments[{id, name, ok_runs, failed_runs, duration}]`
 *   experiments/<exp_id>/experiment.json            `mlflow.experiment` (tags as a dict) and `mlflow.runs` (run ids)
 *   experiments/<exp_id>/runs/<run_id>/run.json     info, params (dict), metrics (key -> full history), tags (dict), inputs
 *   experiments/<exp_id>/runs/<run_id>/artifacts/   the run's artifact files
 *   experiments/<exp_id>/logged_models/logged_models.json       `mlflow.experiments[{id, name, logged_models: [ids]}]`
 *   experiments/<exp_id>/logged_models/<model_id>/logged_model.json + artifacts/   (MLflow 3.x)
 *   models/models.json                              `mlflow.models` (names)
 *   models/<name>/model.json                        `mlflow.registered_model` with `versions[]` and `aliases`
 *
 * Every JSON file has the tool's three parts: `system`, `info`, `mlflow`. Timestamps keep their
 * milliseconds and get a readable `_`-prefixed twin, as the tool writes them. Deleted runs and
 * experiments are exported too (with their `lifecycle_stage`): nothing in the store is left behind.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { UsageError } from '../../generator/errors.js';
import { type ArtifactStore, LocalArtifactStore, createS3ArtifactStore } from './artifacts.js';
import { openStore, type TrackingStore } from './store.js';
import { type KeyValue, type LoggedModelJson, type RunJson, jsonDouble } from './entities.js';
import { isUnsafePath } from './validation.js';
import { getRun } from './lookups.js';
import * as queries from './queries.js';

/** The export format version the tool writes today (`system.export_file_version`). */
export const EXPORT_FILE_VERSION = '2';

export interface ExportOptions {
  /** The store directory of `stachub track`. */
  storeDir: string;
  /** The export directory: created; must be missing or empty. */
  outDir: string;
  /** The tracking URI recorded in `system.mlflow_tracking_uri` (default: the store folder). */
  trackingUri?: string;
  /** stachub's version, recorded as `system.package_version`. */
  packageVersion?: string;
  /** Clock (ms), injectable for tests. */
  now?: () => number;
  /** Where the artifacts are (default: the store's own: its folder, or the S3 destination it records). */
  artifacts?: ArtifactStore;
  /** S3 endpoint and region when the store keeps artifacts in S3. */
  s3?: { endpoint?: string; region?: string };
}

/** What was written. */
export interface ExportSummary {
  experiments: number;
  runs: number;
  metricPoints: number;
  artifactFiles: number;
  artifactBytes: number;
  loggedModels: number;
  registeredModels: number;
  versions: number;
  aliases: number;
}

/** `YYYY-MM-DD HH:MM:SS` (UTC) of a time in ms: the readable twin the tool adds to timestamps. */
export function readableTime(ms: number | undefined): string | undefined {
  if (ms === undefined || !Number.isFinite(ms)) return undefined;
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

function dict(list: KeyValue[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { key, value } of [...list].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))) out[key] = value;
  return out;
}

/** The `info` of a `model.json` that exports every one of a model's versions, all of them written (export_model.py). */
export function exportModelInfo(versions: number) {
  return {
    num_target_stages: 0,
    num_target_versions: 0,
    num_src_versions: versions,
    num_dst_versions: versions,
    failed_versions: [],
    export_latest_versions: false,
    export_permissions: false,
  };
}

/**
 * The folder name of an entity: the name itself when it is one safe path segment (what the tool
 * does), else a readable slug with a hash, so a name with `/` or `..` never escapes the export.
 */
export function folderName(name: string): string {
  if (name !== '' && name !== '.' && name !== '..' && !/[/\\\0]/.test(name) && !isUnsafePath(name) && Buffer.byteLength(name) <= 200) return name;
  let h = 0x811c9dc5;
  for (const ch of Buffer.from(name)) h = Math.imul(h ^ ch, 0x01000193) >>> 0;
  const slug = name.replace(/[^\w.-]+/g, '_').replace(/^\.+/, '_').slice(0, 80) || 'model';
  return `${slug}-${h.toString(16).padStart(8, '0')}`;
}

/** The path after `mlflow-artifacts:/` of a URI kept by the store's artifact proxy. */
function proxiedRel(uri: string): string | undefined {
  const m = /^mlflow-artifacts:(?:\/\/[^/]*)?\/+(.*?)\/*$/.exec(uri);
  return m && m[1] !== undefined && m[1] !== '' && !isUnsafePath(m[1]) ? m[1] : undefined;
}

class Writer {
  readonly summary: ExportSummary = {
    experiments: 0,
    runs: 0,
    metricPoints: 0,
    artifactFiles: 0,
    artifactBytes: 0,
    loggedModels: 0,
    registeredModels: 0,
    versions: 0,
    aliases: 0,
  };
  private readonly started: number;

  constructor(
    private readonly store: TrackingStore,
    private readonly artifacts: ArtifactStore,
    private readonly options: ExportOptions,
    private readonly now: () => number,
  ) {
    this.started = now();
  }

  /** The tool's `system` block (`common/io_utils.py` `write_export_file`). */
  private system(script: string): Record<string, unknown> {
    const t = Math.floor(this.started / 1000);
    return {
      package_version: this.options.packageVersion ?? 'stachub',
      script,
      export_file_version: EXPORT_FILE_VERSION,
      export_time: t,
      _export_time: readableTime(t * 1000),
      mlflow_version: '3.1.0',
      mlflow_tracking_uri: this.options.trackingUri ?? this.store.root,
      platform: { python_version: `node ${process.versions.node}`, system: os.type(), processor: os.arch() },
      user: 'stachub',
    };
  }

  async writeJson(rel: string, script: string, mlflow: unknown, info?: unknown): Promise<void> {
    const file = path.join(this.options.outDir, rel);
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    const doc: Record<string, unknown> = { system: this.system(script) };
    if (info !== undefined) doc['info'] = info;
    doc['mlflow'] = mlflow;
    await fs.promises.writeFile(file, JSON.stringify(doc, null, 2) + '\n');
  }

  /** Copy every file below the artifact path `rel` into `dest` (a directory). */
  async copyArtifacts(rel: string, dest: string): Promise<void> {
    const walk = async (dir: string): Promise<void> => {
      for (const f of await this.artifacts.list(dir)) {
        const childRel = dir === '' ? f.path : `${dir}/${f.path}`;
        if (isUnsafePath(f.path) || f.path.includes('/')) continue;
        if (f.is_dir) {
          await walk(childRel);
          continue;
        }
        const opened = await this.artifacts.open(childRel);
        if (opened.kind !== 'file') continue;
        const target = path.join(dest, path.posix.relative(rel, childRel));
        await fs.promises.mkdir(path.dirname(target), { recursive: true });
        await pipeline(opened.stream, fs.createWriteStream(target));
        this.summary.artifactFiles++;
        this.summary.artifactBytes += opened.size;
      }
    };
    await walk(rel);
  }

  async run(run: RunJson, dir: string): Promise<void> {
    const info = run.info;
    const mlflowHead = {
      info: {
        run_uuid: info.run_uuid,
        run_id: info.run_id,
        experiment_id: info.experiment_id,
        user_id: info.user_id,
        status: info.status,
        start_time: info.start_time,
        end_time: info.end_time ?? null,
        lifecycle_stage: info.lifecycle_stage,
        artifact_uri: info.artifact_uri,
        run_name: info.run_name,
        _start_time: readableTime(info.start_time),
        _end_time: readableTime(info.end_time) ?? null,
      },
      params: dict(run.data.params),
    };
    const tail = {
      tags: dict(run.data.tags),
      inputs: run.inputs.dataset_inputs.map((d) => ({ dataset: d.dataset, tags: d.tags })),
    };
    // Streamed: a run's full metric history can hold millions of points, more than one string can.
    const file = path.join(this.options.outDir, dir, 'run.json');
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    const fh = await fs.promises.open(file, 'w');
    try {
      let buf = '';
      const put = async (text: string): Promise<void> => {
        buf += text;
        if (buf.length >= 1 << 20) {
          await fh.write(buf);
          buf = '';
        }
      };
      await put(`{\n  "system": ${indent(this.system('export_run.py'), 2)},\n  "mlflow": {\n`);
      await put(`    "info": ${indent(mlflowHead.info, 4)},\n    "params": ${indent(mlflowHead.params, 4)},\n    "metrics": {`);
      // The store's own series, read point by point (metricHistory would hold them all at once).
      const series = getRun(this.store.state, info.run_id).metrics;
      const keys = run.data.metrics.map((m) => m.key).sort();
      for (const [k, key] of keys.entries()) {
        const points = series.get(key);
        await put(`${k === 0 ? '' : ','}\n      ${JSON.stringify(key)}: [`);
        const n = points?.length ?? 0;
        for (let i = 0; i < n; i++) {
          const p = points!.at(i);
          await put(`${i === 0 ? '' : ','}\n        {"value": ${JSON.stringify(jsonDouble(p.value))}, "timestamp": ${p.timestamp}, "step": ${p.step}}`);
        }
        await put(n ? '\n      ]' : ']');
        this.summary.metricPoints += n;
      }
      await put(`${keys.length ? '\n    ' : ''}},\n    "tags": ${indent(tail.tags, 4)},\n    "inputs": ${indent(tail.inputs, 4)}\n  }\n}\n`);
      if (buf) await fh.write(buf);
    } finally {
      await fh.close();
    }
    const rel = proxiedRel(info.artifact_uri);
    if (rel !== undefined) await this.copyArtifacts(rel, path.join(this.options.outDir, dir, 'artifacts'));
    this.summary.runs++;
  }

  /** `logged_model.json`: the LoggedModel entity as the tool dumps it (`common/logged_model_utils.py`). */
  async loggedModel(m: LoggedModelJson, dir: string): Promise<void> {
    const { info, data } = m;
    const status = info.status.replace(/^LOGGED_MODEL_(?:STATUS_)?/, '').replace('UPLOAD_FAILED', 'FAILED');
    const run = info.source_run_id ? this.store.run(info.source_run_id) : undefined;
    const mlflow = {
      experiment_id: info.experiment_id,
      model_id: info.model_id,
      name: info.name,
      artifact_location: info.artifact_uri,
      creation_timestamp: info.creation_timestamp_ms,
      last_updated_timestamp: info.last_updated_timestamp_ms,
      model_type: info.model_type ?? null,
      source_run_id: info.source_run_id ?? null,
      status,
      status_message: info.status_message ?? null,
      tags: dict(info.tags),
      params: dict(data.params),
      metrics: data.metrics.map((p) => ({
        key: p.key,
        value: p.value,
        timestamp: p.timestamp,
        step: p.step,
        dataset_name: p.dataset_name ?? null,
        dataset_digest: p.dataset_digest ?? null,
        model_id: p.model_id ?? null,
        run_id: p.run_id ?? null,
      })),
      ...(run ? { dataset_inputs: run.inputs.dataset_inputs.map((d) => ({ dataset: d.dataset, tags: d.tags })) } : {}),
    };
    await this.writeJson(path.join(dir, 'logged_model.json'), 'export_logged_model.py', mlflow);
    const rel = proxiedRel(info.artifact_uri);
    if (rel !== undefined) await this.copyArtifacts(rel, path.join(this.options.outDir, dir, 'artifacts'));
    this.summary.loggedModels++;
  }
}

/** Write the whole store into `outDir` in mlflow-export-import's layout. */
export async function exportStore(options: ExportOptions): Promise<ExportSummary> {
  const now = options.now ?? Date.now;
  const outDir = path.resolve(options.outDir);
  const existing = await fs.promises.readdir(outDir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
  if (existing.length > 0) throw new ExportTargetNotEmptyError(outDir);
  const store = await openStore(options.storeDir);
  const artifacts =
    options.artifacts ??
    (store.artifactsDestination
      ? await createS3ArtifactStore({ destination: store.artifactsDestination, ...options.s3 })
      : new LocalArtifactStore(store));
  const w = new Writer(store, artifacts, { ...options, outDir }, now);
  const s = w.summary;
  const t0 = now();

  // Experiments, their runs and their logged models.
  const experimentsList: Record<string, unknown>[] = [];
  const loggedModels = queries.searchLoggedModels(store.state, [], undefined, []).map((m) => store.loggedModelJson(m));
  let totalRuns = 0;
  for (const e of store.experiments().sort((a, b) => Number(a.experiment_id) - Number(b.experiment_id) || (a.experiment_id < b.experiment_id ? -1 : 1))) {
    const expStart = now();
    const eDir = path.join('experiments', folderName(e.experiment_id));
    const runs = store.runs(e.experiment_id);
    for (const r of runs) await w.run(r, path.join(eDir, 'runs', folderName(r.info.run_id)));
    totalRuns += runs.length;
    await w.writeJson(
      path.join(eDir, 'experiment.json'),
      'export_experiment.py',
      {
        experiment: {
          experiment_id: e.experiment_id,
          name: e.name,
          artifact_location: e.artifact_location,
          lifecycle_stage: e.lifecycle_stage,
          tags: dict(e.tags),
          creation_time: e.creation_time,
          last_update_time: e.last_update_time,
          _creation_time: readableTime(e.creation_time),
          _last_update_time: readableTime(e.last_update_time),
        },
        runs: runs.map((r) => r.info.run_id),
      },
      { num_total_runs: runs.length, num_ok_runs: runs.length, num_failed_runs: 0, failed_runs: [] },
    );
    const mine = loggedModels.filter((m) => m.info.experiment_id === e.experiment_id);
    for (const m of mine) await w.loggedModel(m, path.join(eDir, 'logged_models', folderName(m.info.model_id)));
    await w.writeJson(
      path.join(eDir, 'logged_models', 'logged_models.json'),
      'export_logged_models.py',
      { experiments: [{ id: e.experiment_id, name: e.name, logged_models: mine.map((m) => m.info.model_id) }] },
      { num_total_logged_models: mine.length, num_ok_logged_models: mine.length, num_failed_logged_models: 0, failed_logged_models: [] },
    );
    experimentsList.push({ id: e.experiment_id, name: e.name, ok_runs: runs.length, failed_runs: 0, duration: round((now() - expStart) / 1000) });
    s.experiments++;
  }
  const expDuration = round((now() - t0) / 1000);
  await w.writeJson(
    path.join('experiments', 'experiments.json'),
    'export_experiments.py',
    { experiments: experimentsList },
    { duration: expDuration, experiments: experimentsList.length, total_runs: totalRuns, ok_runs: totalRuns, failed_runs: 0 },
  );

  // Registered models with every version (not only the latest per stage) and their aliases.
  const names: string[] = [];
  const expNames = new Map(store.experiments().map((e) => [e.experiment_id, e.name]));
  for (const rm of store.registeredModels().sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const versions = store.modelVersions(rm.name).map((mv) => {
      const run = mv.run_id ? store.run(mv.run_id) : undefined;
      return {
        aliases: mv.aliases,
        creation_timestamp: mv.creation_timestamp,
        current_stage: mv.current_stage,
        description: mv.description ?? '',
        last_updated_timestamp: mv.last_updated_timestamp,
        name: mv.name,
        run_id: mv.run_id ?? '',
        run_link: mv.run_link ?? '',
        source: mv.source,
        status: mv.status,
        status_message: '',
        tags: dict(mv.tags),
        user_id: mv.user_id ?? '',
        version: mv.version,
        ...(mv.model_id ? { model_id: mv.model_id } : {}),
        ...(run ? { _run_artifact_uri: run.info.artifact_uri, _experiment_name: expNames.get(run.info.experiment_id) ?? '' } : {}),
        // What `model-versions/get-download-uri` answers: a logged model's artifact root, else the source.
        _download_uri: (mv.model_id ? store.loggedModel(mv.model_id)?.info.artifact_uri : undefined) ?? mv.source,
        _creation_timestamp: readableTime(mv.creation_timestamp),
        _last_updated_timestamp: readableTime(mv.last_updated_timestamp),
      };
    });
    const registered = {
      name: rm.name,
      creation_timestamp: rm.creation_timestamp,
      last_updated_timestamp: rm.last_updated_timestamp,
      description: rm.description ?? '',
      aliases: rm.aliases,
      _creation_timestamp: readableTime(rm.creation_timestamp),
      _last_updated_timestamp: readableTime(rm.last_updated_timestamp),
      tags: [...rm.tags].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)),
      versions,
    };
    await w.writeJson(path.join('models', folderName(rm.name), 'model.json'), 'export_model.py', { registered_model: registered }, exportModelInfo(versions.length));
    names.push(rm.name);
    s.registeredModels++;
    s.versions += versions.length;
    s.aliases += rm.aliases.length;
  }
  const modelsInfo = { stages: 'Production,Staging,Archived,None', notebook_formats: '', num_total_models: names.length, num_ok_models: names.length, num_failed_models: 0, duration: round((now() - t0) / 1000) - expDuration, failed_models: [] };
  await w.writeJson(path.join('models', 'models.json'), 'export_models.py', { models: names }, modelsInfo);
  await w.writeJson('manifest.json', 'export_all.py', {}, {
    stages: 'Production,Staging,Archived,None',
    export_latest_versions: false,
    export_permissions: false,
    notebook_formats: '',
    use_threads: false,
    output_dir: outDir,
    duration: round((now() - t0) / 1000),
    models: modelsInfo,
    experiments: { duration: expDuration, experiments: s.experiments, total_runs: totalRuns, ok_runs: totalRuns, failed_runs: 0 },
  });
  return s;
}

/** `JSON.stringify(v, null, 2)` for a value nested `level` spaces deep. */
function indent(v: unknown, level: number): string {
  return JSON.stringify(v, null, 2).replace(/\n/g, '\n' + ' '.repeat(level));
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

/** The export folder already holds files: an export never mixes with (or overwrites) another. */
export class ExportTargetNotEmptyError extends UsageError {
  constructor(readonly dir: string) {
    super(`export folder ${dir} is not empty: give a new or empty folder`);
    this.name = 'ExportTargetNotEmptyError';
  }
}
