/**
 * Registry edge: a directory written by mlflow-export-import (reference/mlflow.md §3.1).
 *
 * Reads every layout the tool writes: a single model (`model.json` + `<run_id>/run.json` +
 * `<run_id>/artifacts/...`), a single version (`model.json` + `version.json` + `run/`), and bulk
 * exports (`manifest.json`, `models/<folder>/model.json`, runs under `experiments/<exp>/[runs/]<run>/`).
 * 3.x versions registered from a logged model (`source: models:/m-...`) are read from
 * `<model_id>/logged_model.json` + `artifacts/`. Older exports carry `latest_versions` instead of
 * `versions`. Runs are found by the id inside `run.json` and by their folder name (upstream samples
 * disagree at times). Nothing outside the export directory is ever opened.
 */
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { SourceUnreachableError } from '../errors.js';
import { fileByteSource } from '../onnx/byte-source.js';
import type { Diagnostic } from '../types.js';
import {
  assembleVersion,
  compareVersions,
  loggedModelIdOf,
  modelDirInRun,
  registeredModelInfo,
  runInfo,
  versionMlmodel,
  withSlash,
  type RunInfo,
} from './assemble.js';
import { isRecord, isSafeRelative, str } from './mlmodel.js';
import type { ModelVersion, Registry, RegistryDiagnostic, RegistryResult } from './types.js';

export interface ExportRegistryOptions {
  /** The export directory. */
  dir: string;
  /**
   * Public URL the export directory is served at (e.g. next to the catalog). When set, model file
   * hrefs point there; else, with `trackingUri`, at that MLflow server's artifact API; else a model
   * file has no href (it is still described from its local bytes, but not published as an asset).
   */
  artifactBaseUrl?: string;
  /** Public MLflow tracking URI the export came from, for `mlflow:tracking-uri` and run page links. */
  trackingUri?: string;
}

/** Folders never searched for exported entities (artifact trees can be large). */
const SKIP_DIRS = new Set(['artifacts', 'node_modules', '.git']);
/** Export trees are shallow; this bounds the walk on a wrong `--mlflow-export` path. */
const MAX_DEPTH = 6;

export interface Located<T> {
  value: T;
  /** Folder that holds the JSON file. */
  dir: string;
}

export interface ExportIndex {
  modelFiles: string[];
  runsById: Map<string, Located<RunInfo & { raw: Record<string, unknown> }>>;
  loggedModels: Map<string, Located<Record<string, unknown>>>;
}

/**
 * The registry of an export directory; `cwd` is the working directory the directory is named from
 * in the description (the report is published, a runner's checkout path is not).
 */
export function exportRegistry(options: ExportRegistryOptions & { cwd: string }): Registry {
  const { cwd, ...exportOptions } = options;
  const trackingUri = options.trackingUri ? withSlash(options.trackingUri) : undefined;
  return {
    description: `mlflow export ${path.relative(cwd, options.dir) || '.'}`,
    ...(trackingUri ? { trackingUri } : {}),
    versions: () => readExport({ ...exportOptions, ...(trackingUri ? { trackingUri } : {}) }),
    // localPath is only ever set by readExport, after checking the file lies inside the export.
    modelFileSource: (file) => (file.localPath ? fileByteSource(file.localPath) : undefined),
  };
}

/** Read every registered model version of an export directory. */
export async function readExport(options: ExportRegistryOptions): Promise<RegistryResult> {
  let root: string;
  try {
    root = await realpath(path.resolve(options.dir));
    if (!(await stat(root)).isDirectory()) throw new Error('not a directory');
  } catch (err) {
    throw new SourceUnreachableError(`MLflow export directory ${options.dir} cannot be read: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const diagnostics: RegistryDiagnostic[] = [];
  const index = await indexExport(root, diagnostics);
  const versions: ModelVersion[] = [];
  const seen = new Set<string>();
  for (const file of index.modelFiles) {
    const doc = await readJson(file, root, diagnostics);
    const rmRaw = isRecord(doc?.['mlflow']) ? doc['mlflow']['registered_model'] : undefined;
    if (!isRecord(rmRaw)) continue;
    const rm = registeredModelInfo(rmRaw);
    if (!rm.name) {
      diagnostics.push(diag('warning', 'mlflow/export-model', 'registered model without a name', file, root));
      continue;
    }
    const dir = path.dirname(file);
    let rawVersions = Array.isArray(rmRaw['versions'])
      ? rmRaw['versions']
      : Array.isArray(rmRaw['latest_versions'])
        ? rmRaw['latest_versions']
        : [];
    // A single-version export keeps its version beside the model.
    const versionDoc = await readJson(path.join(dir, 'version.json'), root, diagnostics, true);
    const single = isRecord(versionDoc?.['mlflow']) ? versionDoc['mlflow']['model_version'] : undefined;
    if (isRecord(single)) rawVersions = [single];
    for (const raw of rawVersions) {
      if (!isRecord(raw)) continue;
      const key = `${rm.name}\u0000${String(raw['version'])}`;
      if (seen.has(key)) continue;
      seen.add(key);
      versions.push(await readVersion(root, rm, raw, index, options, diagnostics));
    }
  }
  versions.sort(compareVersions);
  return { versions, diagnostics };
}

async function readVersion(
  root: string,
  rm: ReturnType<typeof registeredModelInfo>,
  raw: Record<string, unknown>,
  index: ExportIndex,
  options: ExportRegistryOptions,
  diagnostics: RegistryDiagnostic[],
): Promise<ModelVersion> {
  const name = rm.name;
  const version = String(raw['version'] ?? '');
  const label = `${name} v${version}`;
  const runId = str(raw['run_id']);
  const located = runId ? index.runsById.get(runId) : undefined;
  const run = located?.value;
  if (runId && !run) {
    diagnostics.push({ level: 'info', code: 'mlflow/run-missing', message: `${label}: run ${runId} is not in the export (no metrics, params or run tags)`, model: name });
  }
  const source = str(raw['source']);
  // Where the model folder is: a 3.x logged model, or a folder of the run's artifacts.
  let artifactsDir: string | undefined;
  let modelRel: string | undefined;
  const loggedId = str(raw['model_id']) ?? loggedModelIdOf(source);
  const logged = loggedId ? index.loggedModels.get(loggedId) : undefined;
  if (logged && (loggedModelIdOf(source) || !located)) {
    artifactsDir = path.join(logged.dir, 'artifacts');
    modelRel = '';
  } else if (located) {
    artifactsDir = path.join(located.dir, 'artifacts');
    modelRel = modelDirInRun(source, str(raw['_run_artifact_uri']) ?? run?.artifactUri);
  }
  const text =
    artifactsDir && modelRel !== undefined && (modelRel === '' || isSafeRelative(modelRel)) ? await readInside(root, path.join(artifactsDir, modelRel, 'MLmodel')) : undefined;
  const found = versionMlmodel({ text, run, modelRel, label, model: name, where: 'in the export' });
  diagnostics.push(...found.diagnostics);
  const mlmodel = found.mlmodel;
  let file: { artifactPath: string; href?: string; localPath?: string; size?: number } | undefined;
  if (mlmodel?.modelFile && modelRel !== undefined) {
    const artifactPath = modelRel ? `${modelRel}/${mlmodel.modelFile}` : mlmodel.modelFile;
    file = { artifactPath };
    if (artifactsDir) {
      const local = path.join(artifactsDir, artifactPath);
      const info = await statInside(root, local);
      if (info?.isFile()) {
        file.localPath = local;
        file.size = info.size;
        if (options.artifactBaseUrl) file.href = withSlash(options.artifactBaseUrl) + encodePath(path.relative(root, local));
      }
    }
    if (!file.href && options.trackingUri) {
      // The MLflow server the export came from serves the same artifacts.
      const root3 = logged && modelRel === '' ? str(logged.value['artifact_location']) ?? str(logged.value['artifact_uri']) : undefined;
      file.href = serverDownloadUrl(options.trackingUri, root3 ?? source, runId, artifactPath, mlmodel.modelFile);
    }
  }
  return assembleVersion({ registeredModel: rm, raw, run, mlmodel, file, trackingUri: options.trackingUri });
}

/**
 * Download URL of a model file on the MLflow server an export came from: the proxied artifact API
 * for `mlflow-artifacts:` locations, else the server's `get-artifact` view for the run.
 */
export function serverDownloadUrl(
  trackingUri: string,
  modelDirUri: string | undefined,
  runId: string | undefined,
  artifactPath: string,
  file: string,
): string | undefined {
  const base = withSlash(trackingUri);
  const proxied = /^mlflow-artifacts:(?:\/\/[^/]*)?\/*(.+?)\/*$/.exec(modelDirUri ?? '');
  if (proxied?.[1] && isSafeRelative(proxied[1])) return `${base}api/2.0/mlflow-artifacts/artifacts/${encodePath(`${proxied[1]}/${file}`)}`;
  if (runId) return `${base}get-artifact?path=${encodeURIComponent(artifactPath)}&run_uuid=${encodeURIComponent(runId)}`;
  return undefined;
}

function encodePath(p: string): string {
  return p.split(path.sep).join('/').split('/').map(encodeURIComponent).join('/');
}

/** Find model.json, run.json and logged_model.json files (outside artifact folders). */
export async function indexExport(root: string, diagnostics: Diagnostic[]): Promise<ExportIndex> {
  const index: ExportIndex = { modelFiles: [], runsById: new Map(), loggedModels: new Map() };
  const runFiles: string[] = [];
  const loggedFiles: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (depth < MAX_DEPTH && !SKIP_DIRS.has(e.name)) await walk(full, depth + 1);
      } else if (e.isFile()) {
        if (e.name === 'model.json') index.modelFiles.push(full);
        else if (e.name === 'run.json') runFiles.push(full);
        else if (e.name === 'logged_model.json') loggedFiles.push(full);
      }
    }
  };
  await walk(root, 0);
  for (const file of runFiles) {
    const doc = await readJson(file, root, diagnostics);
    const payload = isRecord(doc?.['mlflow']) ? doc['mlflow'] : undefined;
    const run = payload ? runInfo(payload) : undefined;
    if (!run) continue;
    const located = { value: { ...run, raw: payload ?? {} }, dir: path.dirname(file) };
    index.runsById.set(run.runId, located);
    // Upstream exports sometimes name the folder after a different run id than the one inside.
    const folder = path.basename(located.dir);
    if (/^[0-9a-f]{32}$/i.test(folder) && !index.runsById.has(folder)) index.runsById.set(folder, located);
  }
  for (const file of loggedFiles) {
    const doc = await readJson(file, root, diagnostics);
    const payload = isRecord(doc?.['mlflow']) ? doc['mlflow'] : undefined;
    const info = payload && isRecord(payload['info']) ? payload['info'] : payload;
    const id = str(info?.['model_id']);
    if (id && payload) index.loggedModels.set(id, { value: payload, dir: path.dirname(file) });
  }
  return index;
}

async function readJson(
  file: string,
  root: string,
  diagnostics: Diagnostic[],
  optional = false,
): Promise<Record<string, unknown> | undefined> {
  const text = await readInside(root, file);
  if (text === undefined) {
    if (!optional) diagnostics.push(diag('warning', 'mlflow/export-unreadable', 'file cannot be read', file, root));
    return undefined;
  }
  try {
    const v: unknown = JSON.parse(text);
    return isRecord(v) ? v : undefined;
  } catch (err) {
    diagnostics.push(diag('warning', 'mlflow/export-json', `invalid JSON: ${(err as Error).message}`, file, root));
    return undefined;
  }
}

/** Read a file only if its real path stays inside the export root (symlinks may point anywhere). */
async function readInside(root: string, file: string): Promise<string | undefined> {
  try {
    const real = await realpath(file);
    if (!isInside(root, real)) return undefined;
    return await readFile(real, 'utf8');
  } catch {
    return undefined;
  }
}

async function statInside(root: string, file: string): Promise<import('node:fs').Stats | undefined> {
  try {
    const real = await realpath(file);
    if (!isInside(root, real)) return undefined;
    return await stat(real);
  } catch {
    return undefined;
  }
}

function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function diag(level: Diagnostic['level'], code: string, message: string, file: string, root: string): Diagnostic {
  return { level, code, message, file: path.relative(root, file).split(path.sep).join('/') };
}
