/**
 * Registry edge: a live MLflow server (or the tracking shim) over its REST API
 * (reference/mlflow.md §1: GET with query parameters, `{error_code, message}` errors, page tokens).
 *
 * Calls, in order: `registered-models/search` (all pages), then per model `model-versions/search`
 * (all pages), `runs/get` once per run, `logged-models/<id>` for 3.x versions, the `MLmodel` file
 * through the proxied artifact API (or `get-artifact` for runs whose artifacts are not proxied), and a
 * directory listing for the model file's size. `metrics/get-history` is called only for a metric whose
 * `runs/get` entry carries no usable value (MLflow's `runs/get` already returns the latest value per key).
 *
 * Its HTTP calls (credentials, retries, errors, the concurrency limit) are `client.ts`'s.
 */
import { SourceUnreachableError } from '../errors.js';
import { downloadCapped } from '../http/fetch.js';
import { registerUrlSecrets } from '../redact.js';
import { httpByteSource } from '../onnx/byte-source.js';
import { MlflowClient, authHeader } from './client.js';
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
import { isRecord, isSafeRelative, latestEntry, metricValue, str } from './mlmodel.js';
import type { ModelVersion, Registry, RegistryDiagnostic, RegistryResult, WebUi } from './types.js';

export interface RestRegistryOptions {
  /** The tracking URI (`http(s)://host[:port][/prefix]`). User info in it is used as basic auth, never published. */
  url: string;
  /** Environment for `MLFLOW_TRACKING_USERNAME`/`_PASSWORD` and `MLFLOW_TRACKING_TOKEN` (passed in by the command line's entry). */
  env: NodeJS.ProcessEnv;
  /** Tracking URI to publish in the catalog (default: `url` without credentials). */
  publicUrl?: string;
  /** Injected for tests; defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Requests in flight at once (default 4). */
  concurrency?: number;
  /** Per-request timeout in ms (default 30 s). */
  timeoutMs?: number;
  /** `max_results` of search calls (default 1000, the registry's maximum for registered models). */
  pageSize?: number;
  /** Injected for tests; waits between retries. */
  sleep?: (ms: number) => Promise<void>;
}

export { MlflowRequestError, authHeader } from './client.js';

export function restRegistry(options: RestRegistryOptions): Registry {
  const { base, publicUri, userInfo } = splitUrl(options.url);
  const trackingUri = withSlash(options.publicUrl ?? publicUri);
  return {
    description: `mlflow ${publicUri}`,
    trackingUri,
    versions: () => new RestReader(base, trackingUri, userInfo, options).read(),
    // Credentials go to the tracking server's origin only (httpByteSource never forwards them elsewhere).
    modelFileSource: (file) =>
      file.href?.startsWith(base + '/')
        ? httpByteSource(file.href, {
            headers: authHeader(options.env, userInfo),
            ...(options.fetch ? { fetch: options.fetch } : {}),
          })
        : undefined,
    downloadModelFile: async (file, maxBytes) => {
      if (!file.href?.startsWith(base + '/')) return undefined;
      return downloadCapped(file.href, authHeader(options.env, userInfo), maxBytes, options.fetch ?? fetch, options.timeoutMs ?? 30_000);
    },
  };
}

/** Separate the credentials a URL may carry from the URL itself. */
function splitUrl(raw: string): { base: string; publicUri: string; userInfo?: { user: string; password: string } } {
  registerUrlSecrets(raw);
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new SourceUnreachableError(`MLflow tracking URI is not a URL: ${raw.replace(/\/\/[^@/]*@/, '//')}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new SourceUnreachableError(`MLflow tracking URI must be http(s): ${u.protocol}`);
  }
  const userInfo = u.username ? { user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) } : undefined;
  u.username = '';
  u.password = '';
  u.search = '';
  u.hash = '';
  const publicUri = u.toString().replace(/\/+$/, '');
  return { base: publicUri, publicUri, ...(userInfo ? { userInfo } : {}) };
}

class RestReader {
  private readonly client: MlflowClient;
  private readonly limit: <T>(task: () => Promise<T>) => Promise<T>;
  private readonly runs = new Map<string, Promise<RunInfo | undefined>>();
  private readonly diagnostics: RegistryDiagnostic[] = [];
  private readonly pageSize: string;
  /** `stachub track` says so in a header: its UI links then go to its run viewer. */
  private webUi: WebUi = 'mlflow';

  constructor(
    private readonly base: string,
    private readonly trackingUri: string,
    userInfo: { user: string; password: string } | undefined,
    options: RestRegistryOptions,
  ) {
    this.client = new MlflowClient({
      fetch: options.fetch ?? fetch,
      headers: { accept: 'application/json', ...authHeader(options.env, userInfo) },
      concurrency: options.concurrency ?? 4,
      timeoutMs: options.timeoutMs ?? 30_000,
      ...(options.sleep ? { sleep: options.sleep } : {}),
      onAnswer: (headers) => {
        if (headers.get('x-stachub-viewer') === '/') this.webUi = 'stachub-track';
      },
    });
    this.limit = this.client.limit;
    this.pageSize = String(Math.min(1000, Math.max(1, options.pageSize ?? 1000)));
  }

  async read(): Promise<RegistryResult> {
    let models: Record<string, unknown>[];
    try {
      models = await this.pages('registered-models/search', { max_results: this.pageSize }, 'registered_models');
    } catch (err) {
      throw new SourceUnreachableError(`MLflow registry at ${this.trackingUri} cannot be listed: ${(err as Error).message}`, {
        cause: err,
      });
    }
    const perModel = await Promise.all(models.map((m) => this.readModel(m)));
    const versions = perModel.flat().sort(compareVersions);
    // Requests complete in any order; the report does not.
    const diagnostics = [...this.diagnostics].sort((a, b) => (a.message < b.message ? -1 : a.message > b.message ? 1 : 0));
    return { versions, diagnostics, webUi: this.webUi };
  }

  private async readModel(raw: Record<string, unknown>): Promise<ModelVersion[]> {
    const rm = registeredModelInfo(raw);
    let list: Record<string, unknown>[];
    try {
      list = await this.pages('model-versions/search', { filter: nameFilter(rm.name), max_results: this.pageSize }, 'model_versions');
    } catch (err) {
      this.warn('mlflow/versions-unreadable', `${rm.name}: versions cannot be listed: ${(err as Error).message}`, rm.name);
      // The registered model still lists its latest version per stage.
      list = Array.isArray(raw['latest_versions']) ? raw['latest_versions'].filter(isRecord) : [];
    }
    // Search may return other models whose name matches a LIKE-free filter oddly; keep exact names only.
    list = list.filter((v) => v['name'] === undefined || v['name'] === rm.name);
    return Promise.all(list.map((v) => this.readVersion(rm, v)));
  }

  private async readVersion(rm: ReturnType<typeof registeredModelInfo>, raw: Record<string, unknown>): Promise<ModelVersion> {
    const label = `${rm.name} v${String(raw['version'])}`;
    const runId = str(raw['run_id']);
    const run = runId ? await this.run(runId, label, rm.name) : undefined;
    const source = str(raw['source']);
    // The model folder: a 3.x logged model's artifact root, or a folder of the run's artifacts.
    let dirUri: string | undefined;
    let runRel: string | undefined;
    const loggedId = loggedModelIdOf(source);
    if (loggedId) {
      dirUri = await this.loggedModelArtifactUri(loggedId, label, rm.name);
    } else if (source) {
      runRel = modelDirInRun(source, run?.artifactUri);
      if (source.startsWith('mlflow-artifacts:')) dirUri = source;
      else if (source.startsWith('runs:/') && run?.artifactUri && runRel !== undefined) dirUri = join(run.artifactUri, runRel);
      else if (run?.artifactUri?.startsWith('mlflow-artifacts:') && runRel !== undefined) dirUri = join(run.artifactUri, runRel);
    }
    const locate = (file: string): { download?: string; list?: { url: string; name: string } } => {
      if (dirUri?.startsWith('mlflow-artifacts:')) {
        const dirPath = proxiedPath(dirUri);
        if (dirPath === undefined) return {};
        const full = file ? `${dirPath}/${file}` : dirPath;
        const parent = full.split('/').slice(0, -1).join('/');
        return {
          download: `${this.base}/api/2.0/mlflow-artifacts/artifacts/${encodePath(full)}`,
          list: { url: `${this.base}/api/2.0/mlflow-artifacts/artifacts?path=${encodeURIComponent(parent)}`, name: full.split('/').pop() ?? '' },
        };
      }
      // Artifacts not proxied (s3://, dbfs:/...): the server's get-artifact view reads them for a run (as SharingHub does).
      if (runId && runRel !== undefined) {
        const rel = [runRel, file].filter(Boolean).join('/');
        const parent = rel.split('/').slice(0, -1).join('/');
        return {
          download: `${this.base}/get-artifact?path=${encodeURIComponent(rel)}&run_uuid=${encodeURIComponent(runId)}`,
          list: {
            url: `${this.base}/api/2.0/mlflow/artifacts/list?run_id=${encodeURIComponent(runId)}&path=${encodeURIComponent(parent)}`,
            name: rel,
          },
        };
      }
      return {};
    };
    const mlmodelUrl = locate('MLmodel').download;
    const text = mlmodelUrl
      ? await this.limit(() => this.text(mlmodelUrl)).catch((err: Error) => {
          this.info('mlflow/mlmodel-unreadable', `${label}: MLmodel cannot be read: ${err.message}`, rm.name);
          return undefined;
        })
      : undefined;
    const found = versionMlmodel({ text, run, modelRel: runRel, label, model: rm.name, where: 'found' });
    this.diagnostics.push(...found.diagnostics);
    const mlmodel = found.mlmodel;
    let file: { artifactPath: string; href: string; size?: number } | undefined;
    if (mlmodel?.modelFile && isSafeRelative(mlmodel.modelFile)) {
      const where = locate(mlmodel.modelFile);
      if (where.download) {
        const artifactPath = runRel ? `${runRel}/${mlmodel.modelFile}` : mlmodel.modelFile;
        file = { artifactPath, href: where.download };
        const size = where.list ? await this.fileSize(where.list.url, where.list.name) : undefined;
        if (size !== undefined) file.size = size;
      }
    }
    return assembleVersion({ registeredModel: rm, raw, run, mlmodel, file, trackingUri: this.trackingUri, webUi: this.webUi });
  }

  /** `runs/get`, once per run; completes unusable metric values from `metrics/get-history`. */
  private run(runId: string, label: string, model: string): Promise<RunInfo | undefined> {
    let p = this.runs.get(runId);
    if (!p) {
      p = (async () => {
        try {
          const body = await this.limit(() => this.json('runs/get', { run_id: runId }));
          const raw = isRecord(body['run']) ? body['run'] : {};
          const run = runInfo(raw);
          if (!run) return undefined;
          const data = isRecord(raw['data']) ? raw['data'] : {};
          const listed = Array.isArray(data['metrics']) ? data['metrics'].filter(isRecord) : [];
          for (const m of listed) {
            const key = str(m['key']);
            if (!key || run.metrics[key] !== undefined) continue;
            const history = await this.pages('metrics/get-history', { run_id: runId, metric_key: key }, 'metrics').catch(() => []);
            const best = latestEntry(history.filter((h) => metricValue(h['value']) !== undefined) as Array<{ value: unknown }>);
            const v = best ? metricValue(best.value) : undefined;
            if (v !== undefined) run.metrics[key] = v;
          }
          return run;
        } catch (err) {
          this.info('mlflow/run-unreadable', `${label}: run ${runId} cannot be read: ${(err as Error).message}`, model);
          return undefined;
        }
      })();
      this.runs.set(runId, p);
    }
    return p;
  }

  private async loggedModelArtifactUri(modelId: string, label: string, model: string): Promise<string | undefined> {
    try {
      const body = await this.limit(() => this.json(`logged-models/${encodeURIComponent(modelId)}`, {}));
      const model = isRecord(body['model']) ? body['model'] : {};
      const info = isRecord(model['info']) ? model['info'] : {};
      return str(info['artifact_uri']);
    } catch (err) {
      this.info('mlflow/logged-model-unreadable', `${label}: logged model ${modelId} cannot be read: ${(err as Error).message}`, model);
      return undefined;
    }
  }

  /** Size of one file from its folder's listing (proxied listings give basenames; run listings give run-relative paths). */
  private async fileSize(listUrl: string, name: string): Promise<number | undefined> {
    try {
      const body = await this.limit(() => this.getJson(listUrl));
      const files = Array.isArray(body['files']) ? body['files'].filter(isRecord) : [];
      const hit = files.find((f) => f['path'] === name || String(f['path']).split('/').pop() === name.split('/').pop());
      const size = Number(hit?.['file_size']);
      return hit && hit['is_dir'] !== true && Number.isSafeInteger(size) && size >= 0 ? size : undefined;
    } catch {
      return undefined;
    }
  }

  /** Every page of a search endpoint (follows `next_page_token` until absent; stops on a repeated token). */
  private async pages(endpoint: string, query: Record<string, string>, key: string): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    const seen = new Set<string>();
    let token: string | undefined;
    do {
      const body = await this.limit(() => this.json(endpoint, token ? { ...query, page_token: token } : query));
      const list = body[key];
      if (Array.isArray(list)) out.push(...list.filter(isRecord));
      token = str(body['next_page_token']);
      if (token && seen.has(token)) break;
      if (token) seen.add(token);
    } while (token);
    return out;
  }

  private json(endpoint: string, query: Record<string, string>): Promise<Record<string, unknown>> {
    const qs = new URLSearchParams(query).toString();
    return this.getJson(`${this.base}/api/2.0/mlflow/${endpoint}${qs ? `?${qs}` : ''}`, endpoint);
  }

  private getJson(url: string, endpoint?: string): Promise<Record<string, unknown>> {
    return this.client.getJson(url, endpoint);
  }

  private text(url: string): Promise<string> {
    return this.client.text(url);
  }

  /** Record a problem; `model` names the registered model it is about, if one. */
  private warn(code: string, message: string, model?: string): void {
    this.diagnostics.push({ level: 'warning', code, message, ...(model !== undefined ? { model } : {}) });
  }

  private info(code: string, message: string, model?: string): void {
    this.diagnostics.push({ level: 'info', code, message, ...(model !== undefined ? { model } : {}) });
  }
}

/** `name='<name>'`, quoted the way MLflow's filter parser accepts (double quotes when the name has a `'`). */
export function nameFilter(name: string): string {
  return name.includes("'") ? `name="${name}"` : `name='${name}'`;
}

/** The path part of an `mlflow-artifacts:` URI (`mlflow-artifacts:/p` and `mlflow-artifacts://host/p`), if safe. */
function proxiedPath(uri: string): string | undefined {
  const m = /^mlflow-artifacts:(?:\/\/[^/]*)?\/*(.*)$/.exec(uri);
  const p = (m?.[1] ?? '').replace(/\/+$/, '');
  return p && isSafeRelative(p) ? p : undefined;
}

function join(a: string, b: string): string {
  return b ? `${a.replace(/\/+$/, '')}/${b}` : a;
}

function encodePath(p: string): string {
  return p.split('/').map(encodeURIComponent).join('/');
}
