/**
 * A fake MLflow tracking server: the registry-reading subset, in memory, on 127.0.0.1.
 *
 * What it guarantees (each from reference/mlflow.md, section in brackets):
 * - Paths `/api/2.0/mlflow/...` read with GET and query parameters [§0.1, §1.1]; unknown query
 *   fields are ignored [§5.31]; errors are `{"error_code","message"}` with MLflow's HTTP status
 *   (RESOURCE_DOES_NOT_EXIST 404, INVALID_PARAMETER_VALUE 400) [§0.2]; unknown routes are a bare 404.
 * - `registered-models/search`: `max_results` default 100, over 1000 → 400; opaque `page_token`;
 *   `next_page_token` only when more remain [§1.4, §5.26]; each model with `tags` as `[{key,value}]`,
 *   `aliases` as `[{alias,version}]` and `latest_versions` (latest per stage).
 * - `model-versions/search`: filter `name='x'` / `name="x"` / `run_id='x'` only (anything else → 400),
 *   `max_results` ≤ 200000, page tokens; **aliases are left out of search results** to reproduce
 *   MLflow issue #9783 [§3.2]; `version` is a string [§1.6]. `model-versions/get` returns them.
 * - `runs/get` (`run_id` or `run_uuid`) returns `{run:{info,data:{metrics[latest per key],params,tags}}}`;
 *   `metrics/get-history` returns the full history, `[]` for an unknown key [§1.3, §5.11, §5.12].
 * - `logged-models/<id>` (3.x) returns `{model:{info:{model_id, artifact_uri, ...}}}` [§1.4].
 * - Proxied artifacts [§1.5]: `GET /api/2.0/mlflow-artifacts/artifacts/<path>` downloads (with
 *   single `Range: bytes=a-b` support → 206, unless `ignoreRange`), `GET /api/2.0/mlflow-artifacts/artifacts?path=<dir>`
 *   lists basenames with `file_size`; a file or missing path lists as `{}`; `..` → 400 "Invalid path".
 * - `GET /api/2.0/mlflow/artifacts/list?run_id&path` lists run-relative paths; `GET /get-artifact?path&run_uuid`
 *   serves a run's artifact (the UI view SharingHub uses for non-proxied stores).
 * - Auth (optional): with `auth.token`, `Authorization: Bearer <token>` is required; with
 *   `auth.username/password`, Basic; otherwise 401 with `WWW-Authenticate` [§1.2].
 * It does not implement writes, search filters beyond the above, or stage/alias validation.
 * Every request is recorded (`requests`) with its method, path, query and authorization header.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeVersion {
  version: string;
  source: string;
  run_id?: string;
  current_stage?: string;
  description?: string;
  status?: string;
  creation_timestamp?: number;
  last_updated_timestamp?: number;
  tags?: Record<string, string>;
  run_link?: string;
  model_id?: string;
}

export interface FakeModel {
  name: string;
  description?: string;
  creation_timestamp?: number;
  tags?: Record<string, string>;
  aliases?: Record<string, string>;
  versions: FakeVersion[];
}

export interface FakeRun {
  run_id: string;
  experiment_id: string;
  run_name?: string;
  artifact_uri: string;
  params?: Record<string, string>;
  tags?: Record<string, string>;
  /** Metric history per key. */
  metrics?: Record<string, Array<{ value: number | string; timestamp: number; step: number }>>;
}

export interface FakeMlflowState {
  models: FakeModel[];
  runs: FakeRun[];
  loggedModels?: Array<{ model_id: string; experiment_id: string; artifact_uri: string; source_run_id?: string }>;
  /** Proxied artifact store: path (no leading slash, e.g. `1/<run>/artifacts/model/MLmodel`) → bytes. */
  artifacts?: Record<string, Uint8Array | string>;
}

export interface FakeMlflowOptions {
  auth?: { token: string } | { username: string; password: string };
  /** Override `runs/get` metric entries with no value for these keys (to exercise get-history). */
  runsGetWithoutValue?: string[];
  /** Answer artifact downloads with the whole file even when asked for a range (as some proxies do). */
  ignoreRange?: boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  authorization?: string;
}

export interface FakeMlflow {
  url: string;
  requests: RecordedRequest[];
  state: FakeMlflowState;
  close(): Promise<void>;
}

export async function startFakeMlflow(state: FakeMlflowState, options: FakeMlflowOptions = {}): Promise<FakeMlflow> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    try {
      handle(state, options, requests, req, res);
    } catch (err) {
      send(res, 500, { error_code: 'INTERNAL_ERROR', message: (err as Error).message });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    state,
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}

function handle(
  state: FakeMlflowState,
  options: FakeMlflowOptions,
  requests: RecordedRequest[],
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const url = new URL(req.url ?? '/', 'http://fake');
  const query = Object.fromEntries(url.searchParams);
  requests.push({ method: req.method ?? 'GET', path: url.pathname, query, ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
  if (!authorized(options, req.headers.authorization)) {
    res.writeHead(401, { 'www-authenticate': options.auth && 'token' in options.auth ? 'Bearer' : 'Basic realm="mlflow"', 'content-type': 'text/plain' });
    res.end('You are not authenticated.');
    return;
  }
  if (req.method !== 'GET') return notFound(res);
  const p = url.pathname;
  const api = '/api/2.0/mlflow/';
  if (p === '/api/2.0/mlflow-artifacts/artifacts') return listProxied(state, res, query['path'] ?? '');
  if (p.startsWith('/api/2.0/mlflow-artifacts/artifacts/')) {
    return download(state, req, res, decodeURIComponent(p.slice('/api/2.0/mlflow-artifacts/artifacts/'.length)), options.ignoreRange);
  }
  if (p === '/get-artifact') {
    const run = state.runs.find((r) => r.run_id === query['run_uuid']);
    if (!run) return error(res, 404, 'RESOURCE_DOES_NOT_EXIST', `Run '${query['run_uuid']}' not found`);
    const root = proxiedRoot(run.artifact_uri);
    return download(state, req, res, `${root}/${query['path'] ?? ''}`, options.ignoreRange);
  }
  if (!p.startsWith(api)) return notFound(res);
  const endpoint = p.slice(api.length);
  switch (endpoint) {
    case 'registered-models/search': {
      const max = int(query['max_results'], 100);
      if (max === undefined || max > 1000 || max < 1) return invalid(res, `Invalid value for request parameter max_results. It must be at most 1000, but got value ${query['max_results']}`);
      const sorted = [...state.models].sort((a, b) => (a.name < b.name ? -1 : 1));
      const { page, next } = paginate(sorted, max, query['page_token']);
      if (!page) return invalid(res, 'Invalid page token');
      return send(res, 200, { registered_models: page.map(registeredModelJson), ...(next ? { next_page_token: next } : {}) });
    }
    case 'registered-models/get': {
      const m = state.models.find((x) => x.name === query['name']);
      if (!m) return error(res, 404, 'RESOURCE_DOES_NOT_EXIST', `Registered Model with name=${query['name']} not found`);
      return send(res, 200, { registered_model: registeredModelJson(m) });
    }
    case 'model-versions/search': {
      const max = int(query['max_results'], 10000);
      if (max === undefined || max > 200000 || max < 1) return invalid(res, 'Invalid value for max_results');
      const filter = parseFilter(query['filter'] ?? '');
      if (filter === null) return invalid(res, `Invalid filter '${query['filter']}'`);
      const all = state.models
        .flatMap((m) => m.versions.map((v) => ({ m, v })))
        .filter(({ m, v }) => (filter.name === undefined || m.name === filter.name) && (filter.run_id === undefined || v.run_id === filter.run_id))
        .sort((a, b) => (a.m.name < b.m.name ? -1 : a.m.name > b.m.name ? 1 : Number(b.v.version) - Number(a.v.version)));
      const { page, next } = paginate(all, max, query['page_token']);
      if (!page) return invalid(res, 'Invalid page token');
      return send(res, 200, {
        model_versions: page.map(({ m, v }) => versionJson(m, v, false)),
        ...(next ? { next_page_token: next } : {}),
      });
    }
    case 'model-versions/get': {
      const m = state.models.find((x) => x.name === query['name']);
      const v = m?.versions.find((x) => x.version === query['version']);
      if (!m || !v) return error(res, 404, 'RESOURCE_DOES_NOT_EXIST', `Model Version (name=${query['name']}, version=${query['version']}) not found`);
      return send(res, 200, { model_version: versionJson(m, v, true) });
    }
    case 'runs/get': {
      const id = query['run_id'] ?? query['run_uuid'];
      const run = state.runs.find((r) => r.run_id === id);
      if (!run) return error(res, 404, 'RESOURCE_DOES_NOT_EXIST', `Run '${id}' not found`);
      return send(res, 200, { run: runJson(run, options) });
    }
    case 'metrics/get-history': {
      const id = query['run_id'] ?? query['run_uuid'];
      const run = state.runs.find((r) => r.run_id === id);
      if (!run) return error(res, 404, 'RESOURCE_DOES_NOT_EXIST', `Run '${id}' not found`);
      const hist = run.metrics?.[query['metric_key'] ?? ''] ?? [];
      return send(res, 200, { metrics: hist.map((h) => ({ key: query['metric_key'], ...h })) });
    }
    case 'artifacts/list': {
      const run = state.runs.find((r) => r.run_id === (query['run_id'] ?? query['run_uuid']));
      if (!run) return error(res, 404, 'RESOURCE_DOES_NOT_EXIST', 'Run not found');
      const rel = (query['path'] ?? '').replace(/\/+$/, '');
      if (rel.split('/').includes('..')) return invalid(res, 'Invalid path');
      const root = proxiedRoot(run.artifact_uri);
      const dir = rel ? `${root}/${rel}` : root;
      const files = children(state, dir).map((f) => ({ ...f, path: rel ? `${rel}/${f.path}` : f.path }));
      return send(res, 200, { root_uri: run.artifact_uri, files });
    }
    default: {
      const lm = /^logged-models\/([^/]+)$/.exec(endpoint);
      if (lm) {
        const m = (state.loggedModels ?? []).find((x) => x.model_id === decodeURIComponent(lm[1] ?? ''));
        if (!m) return error(res, 404, 'RESOURCE_DOES_NOT_EXIST', `Logged model with ID '${lm[1]}' not found`);
        return send(res, 200, { model: { info: { ...m, status: 'LOGGED_MODEL_READY', name: 'model' }, data: {} } });
      }
      return notFound(res);
    }
  }
}

function authorized(options: FakeMlflowOptions, header: string | undefined): boolean {
  const auth = options.auth;
  if (!auth) return true;
  if ('token' in auth) return header === `Bearer ${auth.token}`;
  return header === `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
}

function registeredModelJson(m: FakeModel): Record<string, unknown> {
  const latest = new Map<string, FakeVersion>();
  for (const v of m.versions) {
    const stage = v.current_stage ?? 'None';
    const cur = latest.get(stage);
    if (!cur || Number(v.version) > Number(cur.version)) latest.set(stage, v);
  }
  return {
    name: m.name,
    creation_timestamp: m.creation_timestamp ?? 1_700_000_000_000,
    last_updated_timestamp: m.creation_timestamp ?? 1_700_000_000_000,
    ...(m.description ? { description: m.description } : {}),
    latest_versions: [...latest.values()].map((v) => versionJson(m, v, false)),
    ...(m.tags ? { tags: Object.entries(m.tags).map(([key, value]) => ({ key, value })) } : {}),
    ...(m.aliases ? { aliases: Object.entries(m.aliases).map(([alias, version]) => ({ alias, version })) } : {}),
  };
}

function versionJson(m: FakeModel, v: FakeVersion, withAliases: boolean): Record<string, unknown> {
  const aliases = Object.entries(m.aliases ?? {})
    .filter(([, ver]) => ver === v.version)
    .map(([a]) => a);
  return {
    name: m.name,
    version: v.version,
    creation_timestamp: v.creation_timestamp ?? 1_700_000_000_000 + Number(v.version) * 1000,
    last_updated_timestamp: v.last_updated_timestamp ?? 1_700_000_000_000 + Number(v.version) * 1000,
    current_stage: v.current_stage ?? 'None',
    ...(v.description ? { description: v.description } : {}),
    source: v.source,
    ...(v.run_id ? { run_id: v.run_id } : {}),
    status: v.status ?? 'READY',
    ...(v.run_link ? { run_link: v.run_link } : {}),
    ...(v.model_id ? { model_id: v.model_id } : {}),
    ...(v.tags ? { tags: Object.entries(v.tags).map(([key, value]) => ({ key, value })) } : {}),
    ...(withAliases && aliases.length ? { aliases } : {}),
  };
}

function runJson(run: FakeRun, options: FakeMlflowOptions): Record<string, unknown> {
  const metrics = Object.entries(run.metrics ?? {}).map(([key, hist]) => {
    // MLflow's latest value: max by (step, timestamp, value).
    const best = [...hist].sort((a, b) => b.step - a.step || b.timestamp - a.timestamp || Number(b.value) - Number(a.value))[0]!;
    if (options.runsGetWithoutValue?.includes(key)) return { key, timestamp: best.timestamp, step: best.step };
    return { key, value: best.value, timestamp: best.timestamp, step: best.step };
  });
  return {
    info: {
      run_id: run.run_id,
      run_uuid: run.run_id,
      run_name: run.run_name ?? run.run_id,
      experiment_id: run.experiment_id,
      status: 'FINISHED',
      start_time: 1_700_000_000_000,
      end_time: 1_700_000_060_000,
      artifact_uri: run.artifact_uri,
      lifecycle_stage: 'active',
    },
    data: {
      metrics,
      params: Object.entries(run.params ?? {}).map(([key, value]) => ({ key, value })),
      tags: Object.entries(run.tags ?? {}).map(([key, value]) => ({ key, value })),
    },
    inputs: {},
  };
}

/** `name='x'`, `name="x"` or `run_id='x'`; null when the filter is something this fake does not parse. */
function parseFilter(filter: string): { name?: string; run_id?: string } | null {
  if (filter.trim() === '') return {};
  const m = /^\s*(name|run_id)\s*=\s*(?:'([^']*)'|"([^"]*)")\s*$/.exec(filter);
  if (!m) return null;
  return { [m[1] as 'name' | 'run_id']: m[2] ?? m[3] ?? '' };
}

function paginate<T>(all: T[], max: number, token: string | undefined): { page?: T[]; next?: string } {
  let offset = 0;
  if (token) {
    const decoded = Number(Buffer.from(token, 'base64').toString('utf8').replace(/^offset:/, ''));
    if (!Number.isSafeInteger(decoded) || decoded < 0) return {};
    offset = decoded;
  }
  const page = all.slice(offset, offset + max);
  const nextOffset = offset + max;
  return { page, ...(nextOffset < all.length ? { next: Buffer.from(`offset:${nextOffset}`).toString('base64') } : {}) };
}

/** Path of a run's artifacts inside the proxied store (`mlflow-artifacts:/1/<run>/artifacts` → `1/<run>/artifacts`). */
function proxiedRoot(uri: string): string {
  return uri.replace(/^mlflow-artifacts:(\/\/[^/]*)?\/*/, '').replace(/\/+$/, '');
}

function children(state: FakeMlflowState, dir: string): Array<{ path: string; is_dir: boolean; file_size?: number }> {
  const prefix = dir ? `${dir}/` : '';
  const out = new Map<string, { path: string; is_dir: boolean; file_size?: number }>();
  for (const [p, bytes] of Object.entries(state.artifacts ?? {})) {
    if (!p.startsWith(prefix)) continue;
    const rest = p.slice(prefix.length);
    const [head, ...tail] = rest.split('/');
    if (!head) continue;
    if (tail.length) out.set(head, { path: head, is_dir: true });
    else out.set(head, { path: head, is_dir: false, file_size: toBytes(bytes).length });
  }
  return [...out.values()].sort((a, b) => (a.path < b.path ? -1 : 1));
}

function listProxied(state: FakeMlflowState, res: ServerResponse, dir: string): void {
  const clean = dir.replace(/^\/+|\/+$/g, '');
  if (clean.split('/').includes('..')) return invalid(res, 'Invalid path');
  const files = children(state, clean);
  send(res, 200, files.length ? { files } : {});
}

function download(state: FakeMlflowState, req: IncomingMessage, res: ServerResponse, p: string, ignoreRange = false): void {
  if (p.split('/').includes('..') || p.startsWith('/')) return invalid(res, 'Invalid path');
  const raw = state.artifacts?.[p.replace(/\/+$/, '')];
  if (raw === undefined) return error(res, 404, 'RESOURCE_DOES_NOT_EXIST', `File ${p} not found`);
  const bytes = toBytes(raw);
  const name = p.split('/').pop() ?? 'file';
  const range = ignoreRange ? null : /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
  if (range) {
    const start = Number(range[1]);
    const end = range[2] ? Math.min(Number(range[2]), bytes.length - 1) : bytes.length - 1;
    if (start >= bytes.length) {
      res.writeHead(416, { 'content-range': `bytes */${bytes.length}` });
      res.end();
      return;
    }
    res.writeHead(206, {
      'content-type': 'application/octet-stream',
      'content-range': `bytes ${start}-${end}/${bytes.length}`,
      'content-length': end - start + 1,
      'accept-ranges': 'bytes',
    });
    res.end(Buffer.from(bytes.subarray(start, end + 1)));
    return;
  }
  res.writeHead(200, {
    'content-type': 'application/octet-stream',
    'content-length': bytes.length,
    'content-disposition': `attachment; filename=${name}`,
    'accept-ranges': 'bytes',
  });
  res.end(Buffer.from(bytes));
}

function toBytes(v: Uint8Array | string): Uint8Array {
  return typeof v === 'string' ? new TextEncoder().encode(v) : v;
}

function int(v: string | undefined, dflt: number): number | undefined {
  if (v === undefined) return dflt;
  return /^\d+$/.test(v) ? Number(v) : undefined;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function error(res: ServerResponse, status: number, code: string, message: string): void {
  send(res, status, { error_code: code, message });
}

function invalid(res: ServerResponse, message: string): void {
  error(res, 400, 'INVALID_PARAMETER_VALUE', message);
}

function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'content-type': 'text/html' });
  res.end('<!doctype html><title>404 Not Found</title>');
}
