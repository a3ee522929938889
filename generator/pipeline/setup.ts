/**
 * The start of a build: the project source its configuration (`loadConfig`, config.ts) names: a
 * workspace folder with the model file inspectors, or a GitLab instance.
 */
import path from 'node:path';
import type { Config } from '../config.js';
import { UsageError } from '../errors.js';
import { fileByteSource, inspectOnnx, OnnxError } from '../onnx/index.js';
import { ModelError, inspectModel, sniffFormat } from '../models/index.js';
import { createGitLabSource, type GitLabSource } from '../sources/gitlab/source.js';
import type { Source } from '../sources/source.js';
import { WorkspaceSource, type FileInspector } from '../sources/workspace.js';

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
export async function createSource(
  config: Config,
  /** The environment (GitLab token and settings) and the working directory a workspace's paths are shown from. */
  host: { env: NodeJS.ProcessEnv; cwd: string },
  log?: (line: string) => void,
  now?: () => Date,
): Promise<Source> {
  const source = config.source;
  if (!source) {
    throw new UsageError('no project source: give --workspace DIR or --gitlab-url URL (or GITLAB_URL / CI_SERVER_URL), or a config file with `source:`');
  }
  if (source.kind === 'workspace') return new WorkspaceSource(source.dir, { cwd: host.cwd, inspect: inspectModelFile });
  return gitlabSourceFromConfig(source, host.env, log, now);
}

/**
 * The GitLab source of a configuration; the token comes from `GITLAB_TOKEN` only (never from a file
 * or a flag). Unset settings take GitLab's defaults here: 16 requests in flight, and GraphQL on
 * (SharingHub reads GitLab the same way; REST fills in and takes over on failure).
 */
export function gitlabSourceFromConfig(
  source: { url: string; concurrency?: number; graphql?: boolean },
  env: NodeJS.ProcessEnv,
  log?: (line: string) => void,
  /** The build's clock (injected, so a sharded build's state matches a one-job build's). */
  now?: () => Date,
): GitLabSource {
  const token = env.GITLAB_TOKEN?.trim() || undefined;
  return createGitLabSource({
    url: source.url,
    ...(token ? { token } : {}),
    concurrency: source.concurrency ?? 16,
    graphql: source.graphql ?? true,
    ...(log ? { log } : {}),
    ...(now ? { now } : {}),
  });
}
