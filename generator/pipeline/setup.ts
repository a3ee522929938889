/**
 * The start of a build: its configuration from flags, file and environment, and the project source
 * that configuration names (a workspace folder with the ONNX inspector, or a GitLab instance).
 */
import path from 'node:path';
import { applyOverrides, defaultConfig, loadConfigFile, type Config } from '../config.js';
import { UsageError } from '../errors.js';
import { fileByteSource, inspectOnnx, OnnxError } from '../onnx/index.js';
import { ModelError, inspectModel, sniffFormat } from '../models/index.js';
import { createGitLabSource, type GitLabSource } from '../sources/gitlab/source.js';
import type { Source } from '../sources/source.js';
import { WorkspaceSource, type FileInspector } from '../sources/workspace.js';

/** The flags of `stachub build` (and `stachub merge`) that choose the configuration. */
export interface BuildConfigFlags {
  config?: string | undefined;
  out?: string | undefined;
  baseUrl?: string | undefined;
  workspace?: string | undefined;
  gitlabUrl?: string | undefined;
  mlflowUrl?: string | undefined;
  mlflowExport?: string | undefined;
}

/** Resolve the configuration of a build from its flags and the environment. */
export async function resolveBuildConfig(flags: BuildConfigFlags, env: NodeJS.ProcessEnv): Promise<Config> {
  const configFile = flags.config ?? env.STACHUB_CONFIG;
  const base = configFile ? await loadConfigFile(configFile) : defaultConfig();
  return applyOverrides(
    base,
    {
      ...(flags.workspace ? { workspace: flags.workspace } : {}),
      ...(flags.gitlabUrl ? { gitlabUrl: flags.gitlabUrl } : {}),
      ...(flags.mlflowUrl ? { mlflowUrl: flags.mlflowUrl } : {}),
      ...(flags.mlflowExport ? { mlflowExport: flags.mlflowExport } : {}),
      ...(flags.out ? { out: flags.out } : {}),
      ...(flags.baseUrl ? { baseUrl: flags.baseUrl } : {}),
    },
    env,
  );
}

/** Names of model files other than ONNX: read when their first bytes are a format stachub knows. */
const MODEL_FILE = /\.(pt|pth|ckpt|bin|safetensors|gguf|pkl|pickle|joblib)$|\.safetensors\.index\.json$/i;
/** Extensions that promise a model: unreadable ones are reported (a `.bin` may be anything). */
const PROMISED_MODEL = /\.(pt|pth|ckpt|safetensors|gguf|pkl|pickle|joblib)$/i;

/**
 * Describe the model files of a workspace: `.onnx` with the ONNX scanner, PyTorch / safetensors /
 * GGUF / pickles with the model readers (never executing a pickle). A bad model is a warning on its project.
 */
export const inspectModelFile: FileInspector = async (absolutePath, file) => {
  if (!MODEL_FILE.test(file.path)) return inspectOnnxFile(absolutePath, file);
  const src = fileByteSource(absolutePath);
  try {
    const format = await sniffFormat(src, file.path);
    if (format === undefined || format === 'onnx') {
      await src.close();
      if (!PROMISED_MODEL.test(file.path)) return undefined;
      return { diagnostic: { level: 'warning', code: 'model/unknown-format', message: 'model file not described: not a format stachub reads', file: file.path } };
    }
    // Sharded safetensors: shards are read beside the index, inside the project folder only.
    const dir = path.dirname(absolutePath);
    return { model: await inspectModel(src, { openSibling: (name) => fileByteSource(path.join(dir, name)) }) };
  } catch (err) {
    await src.close();
    if (err instanceof ModelError) return { diagnostic: err.diagnostic(file.path) };
    throw err;
  }
};

/** Describe `.onnx` files of a workspace with the metadata scanner; a bad model is a warning on its project. */
export const inspectOnnxFile: FileInspector = async (absolutePath, file) => {
  if (!file.path.toLowerCase().endsWith('.onnx')) return undefined;
  try {
    return { summary: await inspectOnnx(fileByteSource(absolutePath)) };
  } catch (err) {
    if (err instanceof OnnxError) return { diagnostic: err.diagnostic(file.path) };
    throw err;
  }
};

/** The project source the configuration names. */
export async function createSource(config: Config, env: NodeJS.ProcessEnv, log?: (line: string) => void, now?: () => Date): Promise<Source> {
  const source = config.source;
  if (!source) {
    throw new UsageError('no project source: give --workspace DIR or --gitlab-url URL (or GITLAB_URL / CI_SERVER_URL), or a config file with `source:`');
  }
  if (source.kind === 'workspace') return new WorkspaceSource(source.dir, inspectModelFile);
  return gitlabSourceFromConfig(source, env, log, now);
}

/**
 * The GitLab source of a configuration; the token comes from `GITLAB_TOKEN` only (never from a file
 * or a flag). `STACHUB_GITLAB_CONCURRENCY` and `STACHUB_GITLAB_GRAPHQL` stand in for the config's
 * `source.gitlab.concurrency` / `graphql` when there is no config file.
 */
export function gitlabSourceFromConfig(
  source: { url: string; concurrency?: number; graphql?: boolean },
  env: NodeJS.ProcessEnv,
  log?: (line: string) => void,
  /** The build's clock (injected, so a sharded build's state matches a one-job build's). */
  now?: () => Date,
): GitLabSource {
  const token = env.GITLAB_TOKEN?.trim() || undefined;
  const envConcurrency = Number(env.STACHUB_GITLAB_CONCURRENCY);
  const envGraphql = env.STACHUB_GITLAB_GRAPHQL;
  // GraphQL by default (SharingHub reads GitLab the same way; REST fills in and takes over on failure)
  const graphql = source.graphql ?? (envGraphql === undefined || envGraphql === '' ? true : !/^(0|false|no|off)$/i.test(envGraphql));
  return createGitLabSource({
    url: source.url,
    ...(token ? { token } : {}),
    concurrency: source.concurrency ?? (Number.isInteger(envConcurrency) && envConcurrency > 0 ? envConcurrency : 16),
    graphql,
    ...(log ? { log } : {}),
    ...(now ? { now } : {}),
  });
}
