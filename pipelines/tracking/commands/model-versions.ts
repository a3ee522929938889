/** Commands of `/api/2.0/mlflow/model-versions/*`: validate (sources above all), then journal. */
import path from 'node:path';
import { type KeyValue, STAGES } from '../entities.js';
import { type MlflowError, invalid, notFound } from '../errors.js';
import { type VersionOf, getLoggedModel, getModelVersion, getRegisteredModel } from '../lookups.js';
import { LIMITS, limitValue, validateKey } from '../validation.js';
import type { StoreCore } from './core.js';
import { validateRegistryTags } from './registered-models.js';
import { jsonListTag } from './runs.js';

/** The logged-model tag listing the registry versions made from it (MLflow 3). */
export const MODEL_VERSIONS_TAG = 'mlflow.modelVersions';
/** Marks a registry entry as a prompt (mlflow/prompt/constants.py IS_PROMPT_TAG_KEY). */
export const PROMPT_TAG = 'mlflow.prompt.is_prompt';

/** `json.dumps` with Python's default separators (", " and ": "), for tags MLflow writes that way. */
export function pythonJsonDumps(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(pythonJsonDumps).join(', ')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${pythonJsonDumps(x)}`).join(', ')}}`;
  }
  return JSON.stringify(v);
}

export async function createModelVersion(
  store: StoreCore,
  input: { name: string; source: string; runId?: string; runLink?: string; description?: string; modelId?: string; tags: KeyValue[] },
): Promise<VersionOf> {
  const rm = getRegisteredModel(store.state, input.name);
  // handlers.py _create_model_version: a prompt version (tag mlflow.prompt.is_prompt, any value,
  // `_is_prompt_request`) keeps whatever source it names; other sources are validated.
  const isPrompt = input.tags.some((t) => t.key === PROMPT_TAG);
  if (!isPrompt) validateSource(store, input.source, input.runId);
  validateRegistryTags(input.tags);
  let runId = input.runId || undefined;
  if (input.modelId !== undefined) {
    const lm = getLoggedModel(store.state, input.modelId);
    runId ??= lm.source_run_id;
  }
  const version = String(rm.nextVersion);
  await store.commit({
    op: 'mv',
    name: rm.name,
    version,
    t: store.now(),
    source: input.source,
    run: runId,
    link: input.runLink || undefined,
    desc: input.description || undefined,
    model: input.modelId,
    tags: input.tags.map((t) => [t.key, t.value]),
  });
  if (!isPrompt && input.modelId !== undefined) {
    // handlers.py _create_model_version -> tracking store `set_model_versions_tags`: the logged
    // model lists its registrations in the tag `mlflow.modelVersions`, a JSON list of
    // {"name", "version"} written by Python's json.dumps (version as the SQL store's integer).
    const lm = getLoggedModel(store.state, input.modelId);
    const list = jsonListTag(lm.tags.get(MODEL_VERSIONS_TAG) ?? '[]');
    list.push({ name: rm.name, version: Number(version) });
    await store.commit({ op: 'lm-tags', id: lm.model_id, tags: [[MODEL_VERSIONS_TAG, pythonJsonDumps(list)]], t: store.now() });
  }
  return { rm, mv: rm.versions.get(version)! };
}

/** Model version sources: no traversal; local paths only inside the run's artifact directory (reference §5.28). */
function validateSource(store: StoreCore, source: string, runId: string | undefined): void {
  const bad = (): MlflowError => invalid(`Invalid model version source: '${source}'. If supplying a source as local path, make sure that the path is within the run's artifact directory.`);
  if (source === '') throw invalid("Missing value for required parameter 'source'.");
  let decoded = source;
  for (let i = 0; i < 4; i++) {
    if (decoded.includes('\0')) throw bad();
    let next: string;
    try {
      next = decodeURIComponent(decoded);
    } catch {
      throw bad();
    }
    if (next === decoded) break;
    decoded = next;
  }
  const schemeMatch = /^([a-zA-Z][\w+.-]*):/.exec(decoded);
  const scheme = schemeMatch && !/^[a-zA-Z]:[\\/]/.test(decoded) ? schemeMatch[1]!.toLowerCase() : undefined;
  const pathPart = decoded.replace(/^[a-zA-Z][\w+.-]*:(\/\/[^/]*)?/, '');
  if (pathPart.split(/[\\/]/).some((s) => s === '..')) throw bad();
  if (scheme === undefined || scheme === 'file') {
    // A local source is only accepted inside the run's own artifact directory in this store.
    const run = runId ? store.state.runsById.get(runId) : undefined;
    const base = run ? store.artifactFile(run.artifact_uri) : undefined;
    if (!base) throw bad();
    const local = path.resolve(pathPart);
    if (local !== base && !local.startsWith(base + path.sep)) throw bad();
  }
}

export async function updateModelVersion(store: StoreCore, name: string, version: string, description: string | undefined): Promise<VersionOf> {
  const found = getModelVersion(store.state, name, version);
  await store.commit({ op: 'mv-upd', name, version, desc: description ?? '', t: store.now() });
  return found;
}

export async function transitionStage(store: StoreCore, name: string, version: string, stage: string, archiveExisting: boolean): Promise<VersionOf> {
  const found = getModelVersion(store.state, name, version);
  const canonical = STAGES.find((s) => s.toLowerCase() === stage.toLowerCase());
  if (!canonical) throw invalid(`Invalid Model Version stage: ${stage}. Value must be one of ${STAGES.join(', ')}.`);
  if (archiveExisting && canonical !== 'Staging' && canonical !== 'Production') {
    throw invalid(`Model version transition cannot archive existing model versions because '${canonical}' is not an Active stage. Valid stages are Staging, Production`);
  }
  await store.commit({ op: 'mv-stage', name, version, stage: canonical, archive: archiveExisting, t: store.now() });
  return found;
}

export async function deleteModelVersion(store: StoreCore, name: string, version: string): Promise<void> {
  getModelVersion(store.state, name, version);
  await store.commit({ op: 'mv-del', name, version, t: store.now() });
}

export async function setModelVersionTag(store: StoreCore, name: string, version: string, key: string, value: string): Promise<void> {
  getModelVersion(store.state, name, version);
  validateKey('tag', key);
  value = limitValue('value', value, LIMITS.registryTagValue, false);
  await store.commit({ op: 'mv-tag', name, version, k: key, v: value, t: store.now() });
}

export async function deleteModelVersionTag(store: StoreCore, name: string, version: string, key: string): Promise<void> {
  const { mv } = getModelVersion(store.state, name, version);
  if (!mv.tags.has(key)) throw notFound(`No tag with name: ${key} in model version ${name} ${version}`);
  await store.commit({ op: 'mv-tag-del', name, version, k: key, t: store.now() });
}
