/**
 * `stachub track`: an MLflow-compatible tracking server on node:http (reference/mlflow.md).
 * It answers the REST subset the MLflow Python client (2.x and 3.x) uses for experiments, runs,
 * logged models, the model registry and proxied artifacts, with MLflow's JSON conventions,
 * error bodies and statuses. Writes need the token (Bearer, or Basic with the token as password)
 * when one is set; reads too unless `anonymousReads`. `/health` and `/version` are always open.
 */
import http from 'node:http';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { StachubError } from '../../generator/errors.js';
import { MlflowError, invalid, notFound } from './errors.js';
import { Fields, parseJsonBody, parseQuery } from './request.js';
import { Router, routes } from './routes/index.js';
import { type ArtifactStore, type ByteRange, LocalArtifactStore, type S3ArtifactOptions, createS3ArtifactStore } from './artifacts.js';
import { pipeline } from 'node:stream/promises';
import path from 'node:path';
import { type TrackingStore, openStore } from './store.js';
import { isUnsafePath } from './validation.js';
import { isViewerPath, serveViewer } from './viewer/index.js';
import { artifactRoot, getLoggedModel, getModelVersion, getRun } from './lookups.js';

/** The MLflow version `GET /version` reports: the API level the shim follows (3.x logged models included). */
export const MLFLOW_API_VERSION = '3.1.0';

/** Options of `startTrackingServer`. */
export interface TrackingServerOptions {
  /** TCP port; 0 or undefined picks a free one. */
  port?: number;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** The store directory (created if missing). */
  storeDir: string;
  /** Token required for writes (and reads, unless `anonymousReads`). No token: everything is open. */
  token?: string;
  /** Let requests without credentials read (GET and search endpoints). Default false. */
  anonymousReads?: boolean;
  /** fdatasync each group commit of the journal (default true). */
  fsync?: boolean;
  /** Compact the store once this many journal bytes are outside its snapshot (see OpenStoreOptions). */
  compactAfterBytes?: number;
  /** Largest JSON body accepted, in bytes (default 16 MiB; log-batch keeps MLflow's 1 MiB). */
  maxBodyBytes?: number;
  /**
   * Keep proxied artifacts in S3 (`s3://bucket/prefix`) instead of `<storeDir>/artifacts`;
   * `s3` says how to reach it (endpoint, region, credentials; the AWS default chain otherwise).
   */
  artifactsDestination?: string;
  s3?: Omit<S3ArtifactOptions, 'destination'>;
  /** Where to report unexpected errors (default: nowhere). Never receives the token. */
  log?: (line: string) => void;
}

/** A running server. */
export interface TrackingServer {
  /** Base URL to use as MLFLOW_TRACKING_URI. */
  url: string;
  /** The open store (read API usable while the server runs). */
  store: TrackingStore;
  /** Where proxied artifacts go: the local folder or the S3 destination. */
  artifacts: ArtifactStore;
  close(): Promise<void>;
}

const API_RE = /^\/(?:api|ajax-api)\/2\.0\/(?:preview\/)?mlflow\/(.+)$/;
const ARTIFACTS_RE = /^\/(?:api|ajax-api)\/2\.0\/mlflow-artifacts\/artifacts(?:\/(.*))?$/;
/** The UI's model-version file route (mlflow/server/__init__.py serve_model_version_artifact). */
const MV_ARTIFACT_RE = /^\/(?:(?:api|ajax-api)\/2\.0\/mlflow\/)?model-versions\/get-artifact$/;
/** The UI's logged-model file route (mlflow/server/__init__.py, get_logged_model_artifact_handler). */
const LM_FILES_RE = /^\/(?:api|ajax-api)\/2\.0\/mlflow\/logged-models\/([^/]+)\/artifacts\/files$/;
const MPU_RE = /^\/(?:api|ajax-api)\/2\.0\/mlflow-artifacts\/mpu\/(?:create|complete|abort)\/.+$/;
const DEFAULT_MAX_BODY = 16 * 1024 * 1024;
/** Beyond this a too-large body is not even drained: the connection is closed. */
const DRAIN_LIMIT = 64 * 1024 * 1024;

class BodyTooLarge extends StachubError {
  constructor(readonly size: number, readonly drained: boolean) {
    super('body too large');
  }
}

function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > DRAIN_LIMIT) {
      reject(new BodyTooLarge(declared, false));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else if (size > DRAIN_LIMIT) {
        done = true;
        reject(new BodyTooLarge(size, false));
      }
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      if (size > limit) reject(new BodyTooLarge(size, true));
      else resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
    req.on('error', (err) => {
      if (done) return;
      done = true;
      reject(err);
    });
  });
}

/**
 * Tells a catalog build reading this server that its MLflow UI links go to the run viewer at `/`.
 * Every answer carries it: JSON and text answers in their `writeHead`, the others (artifacts,
 * viewer pages) through `setHeader` before they start. Setting it up front on every response
 * would put each JSON answer, the bulk of the traffic, on node:http's slower path that merges
 * and revalidates every header.
 */
const VIEWER_HEADER = 'X-Stachub-Viewer';

function sendJson(res: http.ServerResponse, status: number, body: unknown, extraHeaders: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), [VIEWER_HEADER]: '/', ...extraHeaders });
  res.end(text);
}

function sendText(res: http.ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text), [VIEWER_HEADER]: '/' });
  res.end(text);
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/** Check `Authorization` against the token without leaking timing. */
export function checkCredentials(header: string | undefined, token: string): boolean {
  if (!header) return false;
  let presented: string | undefined;
  const space = header.indexOf(' ');
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (scheme === 'bearer') presented = value;
  else if (scheme === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    presented = colon === -1 ? undefined : decoded.slice(colon + 1);
  }
  if (presented === undefined) return false;
  return timingSafeEqual(digest(presented), digest(token));
}

/** Start the shim. Resolves once it listens. */
export async function startTrackingServer(opts: TrackingServerOptions): Promise<TrackingServer> {
  const store = await openStore(opts.storeDir, { writable: true, fsync: opts.fsync ?? true, compactAfterBytes: opts.compactAfterBytes });
  let artifacts: ArtifactStore;
  try {
    artifacts = opts.artifactsDestination
      ? await createS3ArtifactStore({ ...opts.s3, destination: opts.artifactsDestination })
      : new LocalArtifactStore(store);
    store.recordArtifactsDestination(opts.artifactsDestination);
  } catch (err) {
    await store.close();
    throw err;
  }
  const router = new Router(routes);
  const maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const token = opts.token && opts.token !== '' ? opts.token : undefined;
  const log = opts.log ?? (() => undefined);

  /** Throws 401 unless the request may go on. */
  const authorize = (req: http.IncomingMessage, write: boolean): void => {
    if (!token) return;
    if (!write && opts.anonymousReads) return;
    if (!checkCredentials(req.headers.authorization, token)) {
      throw new MlflowError('UNAUTHENTICATED', 'Authentication required: send the tracking token (MLFLOW_TRACKING_TOKEN).');
    }
  };

  const handleApi = async (req: http.IncomingMessage, res: http.ServerResponse, rest: string, query: string): Promise<void> => {
    const method = req.method ?? 'GET';
    const found = router.match(method, rest);
    if (found === undefined) throw new MlflowError('ENDPOINT_NOT_FOUND', `No API endpoint ${method} /api/2.0/mlflow/${rest}`);
    if (found === 'method-not-allowed') throw new MlflowError('ENDPOINT_NOT_FOUND', `Method ${method} is not allowed for /api/2.0/mlflow/${rest}`, 405);
    const { route, pathParams } = found;
    authorize(req, method !== 'GET' && !route.read);
    let fields: Fields;
    if (method === 'GET') {
      fields = new Fields(parseQuery(query), true);
    } else {
      if (method === 'POST' || method === 'PATCH') {
        const ct = req.headers['content-type'];
        if (ct === undefined) throw invalid('Bad Request. Content-Type header is missing.');
        if (ct.split(';')[0]!.trim().toLowerCase() !== 'application/json') {
          throw invalid(`Bad Request. Content-Type must be one of ['application/json'].`);
        }
      }
      const limit = route.maxBodyBytes ?? maxBody;
      let body: Buffer;
      try {
        body = await readBody(req, limit);
      } catch (err) {
        if (err instanceof BodyTooLarge) {
          const e =
            route.maxBodyBytes !== undefined
              ? invalid(`Batched logging API requests must be at most ${limit} bytes, got payload of size ${err.size}.`)
              : new MlflowError('INVALID_PARAMETER_VALUE', `Request body too large: at most ${limit} bytes are accepted, got ${err.size}.`, 413);
          if (!err.drained) res.setHeader('Connection', 'close');
          throw e;
        }
        throw err;
      }
      if (body.length === 0) fields = new Fields(parseQuery(query), true);
      else fields = new Fields(parseJsonBody(body), false);
    }
    const result = await route.handler({ store, artifacts, fields, pathParams });
    sendJson(res, 200, result);
  };

  const handleArtifacts = async (req: http.IncomingMessage, res: http.ServerResponse, rawRest: string | undefined, query: string): Promise<void> => {
    const method = req.method ?? 'GET';
    let rel: string;
    try {
      rel = rawRest === undefined ? '' : decodeURIComponent(rawRest);
    } catch {
      throw invalid('Invalid path');
    }
    if (rel !== '' && isUnsafePath(rel)) throw invalid('Invalid path');
    if (method === 'GET' && rel === '') {
      authorize(req, false);
      const listPath = (new Fields(parseQuery(query), true).string('path') ?? '').replace(/\/+$/, '');
      if (listPath !== '' && isUnsafePath(listPath)) throw invalid('Invalid path');
      const files = await artifacts.list(listPath);
      sendJson(res, 200, files.length > 0 ? { files } : {});
      return;
    }
    if (method === 'GET') {
      authorize(req, false);
      await sendArtifact(artifacts, rel, req, res);
      return;
    }
    if (method === 'PUT') {
      authorize(req, true);
      const length = Number(req.headers['content-length']);
      await artifacts.put(rel, req, Number.isFinite(length) ? length : undefined);
      sendJson(res, 200, {});
      return;
    }
    if (method === 'DELETE') {
      authorize(req, true);
      await artifacts.remove(rel);
      sendJson(res, 200, {});
      return;
    }
    throw new MlflowError('ENDPOINT_NOT_FOUND', `Method ${method} is not allowed for artifacts`, 405);
  };

  /** `/get-artifact?path=&run_uuid=`: the MLflow UI's download route, which SharingHub links to. */
  const handleGetArtifact = async (req: http.IncomingMessage, res: http.ServerResponse, query: string): Promise<void> => {
    authorize(req, false);
    const f = new Fields(parseQuery(query), true);
    const run = getRun(store.state, f.requiredString('run_uuid', 'run_id'));
    const p = f.requiredString('path').replace(/^\/+/, '');
    if (isUnsafePath(p)) throw invalid('Invalid path');
    const base = /^mlflow-artifacts:(?:\/\/[^/]*)?\/+(.*)$/.exec(run.artifact_uri);
    if (!base) throw invalid(`Run artifacts are not stored by this server: ${run.artifact_uri}`);
    await sendArtifact(artifacts, `${base[1]}/${p}`, req, res);
  };

  /** Serve `<rel of an mlflow-artifacts: root>/<path>` of a root this server proxies. */
  const sendUnder = async (req: http.IncomingMessage, res: http.ServerResponse, root: string, p: string): Promise<void> => {
    const rel = p.replace(/^\/+/, '');
    if (rel === '' || isUnsafePath(rel)) throw invalid('Invalid path');
    const base = /^mlflow-artifacts:(?:\/\/[^/]*)?\/+(.*)$/.exec(root);
    if (!base) throw invalid(`Artifacts are not stored by this server: ${root}`);
    await sendArtifact(artifacts, `${base[1]!.replace(/\/+$/, '')}/${rel}`, req, res);
  };

  /** handlers.py get_model_version_artifact_handler: `?name=&version=&path=` under the version's download URI. */
  const handleModelVersionArtifact = async (req: http.IncomingMessage, res: http.ServerResponse, query: string): Promise<void> => {
    authorize(req, false);
    const f = new Fields(parseQuery(query), true);
    const { mv } = getModelVersion(store.state, f.requiredString('name'), f.requiredString('version'));
    const root = artifactRoot(store.state, mv.source);
    if (root === undefined) throw invalid(`Model version artifacts are not stored by this server: ${mv.source}`);
    await sendUnder(req, res, root, f.requiredString('path'));
  };

  /** handlers.py get_logged_model_artifact_handler: `?artifact_file_path=` under the model's artifact root. */
  const handleLoggedModelArtifact = async (req: http.IncomingMessage, res: http.ServerResponse, modelId: string, query: string): Promise<void> => {
    authorize(req, false);
    const p = new Fields(parseQuery(query), true).string('artifact_file_path');
    if (!p) throw new MlflowError('BAD_REQUEST', 'Request must include the "artifact_file_path" query parameter.');
    const m = getLoggedModel(store.state, decodeURIComponent(modelId));
    await sendUnder(req, res, m.artifact_uri, p);
  };

  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q === -1 ? url : url.slice(0, q);
    const query = q === -1 ? '' : url.slice(q + 1);
    let work: Promise<void>;
    try {
      if (rawPath === '/health') {
        sendText(res, 200, 'OK');
        return;
      }
      if (rawPath === '/version') {
        sendText(res, 200, MLFLOW_API_VERSION);
        return;
      }
      let lmFiles: RegExpExecArray | null = null;
      const raw = MV_ARTIFACT_RE.test(rawPath) || LM_FILES_RE.test(rawPath);
      const api = raw ? null : API_RE.exec(rawPath);
      // API answers are JSON (sendJson sets the header); every other answer gets it now.
      if (!api) res.setHeader(VIEWER_HEADER, '/');
      const art = api ? null : ARTIFACTS_RE.exec(rawPath);
      if (api) work = handleApi(req, res, api[1]!, query);
      else if (art) work = handleArtifacts(req, res, art[1], query);
      else if (rawPath === '/get-artifact' || rawPath === '/ajax-api/2.0/mlflow/get-artifact') work = handleGetArtifact(req, res, query);
      else if (MV_ARTIFACT_RE.test(rawPath) && req.method === 'GET') work = handleModelVersionArtifact(req, res, query);
      else if ((lmFiles = LM_FILES_RE.exec(rawPath)) && req.method === 'GET') work = handleLoggedModelArtifact(req, res, lmFiles[1]!, query);
      else if (MPU_RE.test(rawPath)) {
        // This server's artifact repository has no multipart upload: handlers.py
        // _create/_complete/_abort_multipart_upload_artifact raise _UnsupportedMultipartUploadException
        // (NOT_IMPLEMENTED, 501), on which the client falls back to a single PUT.
        authorize(req, true);
        work = Promise.reject(new MlflowError('NOT_IMPLEMENTED', 'Multipart upload is not supported for the current artifact repository'));
      }
      else if (isViewerPath(rawPath)) {
        const authorized = !token || opts.anonymousReads === true || checkCredentials(req.headers.authorization, token);
        work = serveViewer(req, res, { store, artifacts, authorized }, rawPath, query);
      }
      else work = Promise.reject(new MlflowError('ENDPOINT_NOT_FOUND', `No endpoint ${req.method ?? 'GET'} ${rawPath.slice(0, 200)}`));
    } catch (err) {
      work = Promise.reject(err);
    }
    work.catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (err instanceof MlflowError) {
        // Answer; drain what the client still sends so it can read the answer (unless closing).
        if (!req.complete && res.getHeader('Connection') !== 'close') req.resume();
        sendJson(res, err.status, err.toJSON(), err.status === 401 ? { 'WWW-Authenticate': 'Bearer realm="stachub", Basic realm="stachub"' } : {});
        if (res.getHeader('Connection') === 'close') res.on('finish', () => req.socket.destroy());
        return;
      }
      log(`stachub track: internal error on ${req.method} ${rawPath.slice(0, 200)}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      sendJson(res, 500, { error_code: 'INTERNAL_ERROR', message: 'Internal error; see the server log.' });
    });
  });
  server.keepAliveTimeout = 30_000;
  // A client error on the socket (malformed HTTP) is answered with a bare 400, never a crash.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
    const body = JSON.stringify({
      error_code: 'BAD_REQUEST',
      message: tooLarge ? 'Request line or headers too large (send long fields in a POST body).' : 'Malformed HTTP request.',
    });
    const status = tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  });

  const host = opts.host ?? '127.0.0.1';
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await store.close();
    throw err;
  }
  const addr = server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  let closed = false;
  return {
    url: `http://${shownHost}:${addr.port}`,
    store,
    artifacts,
    close: async () => {
      if (closed) return;
      closed = true;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await store.close();
    },
  };
}

const TYPES: Record<string, string> = {
  '.json': 'application/json',
  '.yaml': 'text/plain',
  '.yml': 'text/plain',
  '.txt': 'text/plain',
  '.md': 'text/plain',
};

/**
 * `Range: bytes=a-b`, `bytes=a-` or `bytes=-n` of a file of `size` bytes (one range; RFC 9110 §14).
 * Undefined when there is no usable single range (the whole file is then sent);
 * 'unsatisfiable' when it starts past the end.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | undefined {
  const m = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  if (start >= size) return 'unsatisfiable';
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  return end < start ? undefined : { start, end };
}

/**
 * Stream one artifact file as an attachment. Single byte ranges are honoured (206), as
 * `mlflow server` does, so a catalog build can read an ONNX model's headers without the weights.
 */
async function sendArtifact(artifacts: ArtifactStore, rel: string, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const st = await artifacts.stat(rel);
  if (st.kind === 'missing') throw notFound(`Artifact '${rel}' not found`);
  if (st.kind === 'directory') throw invalid(`Artifact '${rel}' is a directory`);
  const name = path.posix.basename(rel);
  const headers: http.OutgoingHttpHeaders = {
    'Content-Type': TYPES[path.posix.extname(name).toLowerCase()] ?? 'application/octet-stream',
    'Content-Disposition': `attachment; filename="${name.replace(/["\\\r\n]/g, '_')}"`,
    'Accept-Ranges': 'bytes',
  };
  const range = parseRange(req.headers.range, st.size);
  if (range === 'unsatisfiable') {
    res.writeHead(416, { 'Content-Range': `bytes */${st.size}`, 'Content-Length': 0 });
    res.end();
    return;
  }
  const opened = await artifacts.open(rel, range);
  if (opened.kind !== 'file') throw notFound(`Artifact '${rel}' not found`);
  if (range) {
    res.writeHead(206, { ...headers, 'Content-Range': `bytes ${range.start}-${range.end}/${st.size}`, 'Content-Length': range.end - range.start + 1 });
  } else {
    res.writeHead(200, { ...headers, 'Content-Length': opened.size });
  }
  await pipeline(opened.stream, res);
}

