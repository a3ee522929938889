/**
 * Enrichment of a project read: what its files say beyond the tree. LFS pointers (size and oid),
 * the preview image carried into the snapshot, ONNX summaries read by Range requests through the
 * crawl's transport, and DVC metadata files as text.
 */
import { mediaTypeOf } from '../../media-types.js';
import { isDvcMetadata } from '../../formats/dvc.js';
import { ModelError, inspectModel, type ModelSummary } from '../../models/index.js';
import { ModelFileError, OnnxError, bufferByteSource, type ByteSource, httpByteSource, inspectOnnx, scanOptionsFor } from '../../onnx/index.js';
import type { Diagnostic, DvcFileText, ProjectSnapshot } from '../../types.js';
import type { GqlProject } from './graphql.js';
import { lfsMatcher, parseLfsPointer } from '../../formats/lfs.js';
import type { GitLabCallCounts, GitLabContext, GitLabSourceOptions, ModelInspectHook, OnnxInspectHook } from './options.js';
import type { RestReader } from './rest-reader.js';
import type { GitLabTransport } from './transport.js';

/** Models fetched whole when the server ignores Range (GitLab serves git blobs without Range support). */
export const WHOLE_ONNX_MAX_BYTES = 32 * 1024 * 1024;

/**
 * The default ONNX hook: the lazy scanner of `generator/onnx` over HTTP Range requests. LFS objects
 * are served with Range support; a model committed to Git itself is served whole, so when the
 * server ignores Range and `X-Gitlab-Size` says the file is small enough, it is fetched in one
 * request and scanned in memory.
 */
export const inspectOnnxOverHttp: OnnxInspectHook = async ({ url, headers, fetch }) => {
  try {
    return await inspectOnnx(httpByteSource(url, { headers, fetch }), scanOptionsFor(url));
  } catch (err) {
    if (!(err instanceof OnnxError) || err.code !== 'onnx/range-unsupported') throw err;
    return inspectOnnx(await wholeSmallFile(url, headers, fetch, err));
  }
};

/**
 * A file the server sends only whole (ignoring Range), read into memory when `X-Gitlab-Size` (or
 * `Content-Length`) says it is at most {@link WHOLE_ONNX_MAX_BYTES}; otherwise `refused` (the
 * reader's `range-unsupported` error) stands.
 */
async function wholeSmallFile(url: string, headers: Record<string, string>, fetch: typeof globalThis.fetch, refused: ModelFileError<string>): Promise<ByteSource> {
  const head = await fetch(url, { method: 'HEAD', headers });
  const size = Number(head.headers.get('x-gitlab-size') ?? head.headers.get('content-length') ?? NaN);
  if (!Number.isFinite(size) || size > WHOLE_ONNX_MAX_BYTES) throw refused;
  const res = await fetch(url, { headers });
  if (!res.ok) throw refused;
  return bufferByteSource(new Uint8Array(await res.arrayBuffer()), refused.file);
}

/** Model files described besides ONNX (their format is then checked by content). */
export const MODEL_FILE = /\.(pt|pth|ckpt|safetensors|gguf|pkl|pickle|joblib)$|\.safetensors\.index\.json$/i;

/**
 * The default model hook: the model readers over HTTP Range requests (headers only); a small file
 * served without Range support (committed to Git itself) is fetched whole, as for ONNX.
 */
export const inspectModelOverHttp: ModelInspectHook = async ({ url, headers, fetch, siblingUrl, path }) => {
  const open = (u: string) => httpByteSource(u, { headers, fetch });
  try {
    return await inspectModel(open(url), { openSibling: (name) => open(siblingUrl(name)), nameHint: path });
  } catch (err) {
    if (!(err instanceof ModelError) || err.code !== 'model/range-unsupported') throw err;
    return inspectModel(await wholeSmallFile(url, headers, fetch, err), { openSibling: (name) => open(siblingUrl(name)), nameHint: path });
  }
};

/** A raw read that also notes the head commit its answer names. */
export type RawRead = (path: string) => Promise<{ body: string | Blob; commit?: string } | null>;

/**
 * The files whose LFS pointer is read: the fast path names LFS files (lfsOid); over REST, the root
 * .gitattributes does (one raw read). Over the cap, a diagnostic says only the first are read.
 */
export async function lfsCandidates(
  ctx: GitLabContext,
  blobs: string[],
  inRoot: Set<string>,
  fastTree: NonNullable<GqlProject['repository']>['tree'] | null | undefined,
  rawRead: RawRead,
  diagnostics: Diagnostic[],
): Promise<string[]> {
  let candidates: string[] = [];
  if (fastTree !== undefined) {
    const oids = new Map((fastTree?.blobs.nodes ?? []).filter((b) => b.lfsOid).map((b) => [b.path, b.lfsOid!]));
    candidates = blobs.filter((b) => oids.has(b));
  } else if (inRoot.has('.gitattributes')) {
    ctx.calls.gitattributes++;
    const attrs = await rawRead('.gitattributes');
    if (attrs && typeof attrs.body === 'string') {
      const isLfs = lfsMatcher(attrs.body);
      candidates = blobs.filter((b) => isLfs(b));
    }
  }
  const cap = ctx.o.maxLfsPointers ?? 500;
  if (candidates.length > cap) {
    diagnostics.push({
      level: 'info',
      code: 'gitlab/lfs-limit',
      message: `${candidates.length} LFS files; sizes and checksums are read for the first ${cap} only`,
    });
  }
  return candidates;
}

/** The pointer (oid, size) of each candidate, up to the cap. */
export async function readLfsPointers(
  ctx: GitLabContext,
  candidates: string[],
  rawRead: RawRead,
): Promise<Map<string, { oid: string; size: number }>> {
  const lfs = new Map<string, { oid: string; size: number }>();
  const cap = ctx.o.maxLfsPointers ?? 500;
  await Promise.all(
    candidates.slice(0, cap).map(async (path) => {
      ctx.calls.lfsPointer++;
      const r = await rawRead(path);
      const text = r && typeof r.body === 'string' ? r.body : null;
      const ptr = text === null ? null : parseLfsPointer(text);
      if (ptr) lfs.set(path, ptr);
    }),
  );
  return lfs;
}

const PREVIEW_NAMES = ['preview.png', 'preview.jpg', 'preview.jpeg'];

/** The root preview image, when it is to be carried and small enough (`carryPreviewMaxBytes`). */
export async function carryPreview(
  ctx: GitLabContext,
  rest: RestReader,
  at: { id: number; branch: string },
  inRoot: Set<string>,
  lfs: Map<string, { oid: string; size: number }>,
): Promise<ProjectSnapshot['carried']> {
  const carried: ProjectSnapshot['carried'] = [];
  const previewName = PREVIEW_NAMES.find((n) => inRoot.has(n));
  const maxPreview = ctx.o.carryPreviewMaxBytes ?? 0;
  if (previewName && maxPreview > 0) {
    const ptr = lfs.get(previewName);
    if (!ptr || ptr.size <= maxPreview) {
      ctx.calls.preview++;
      const bytes = await rest.rawBytes(rest.fileHref(at.id, previewName, at.branch));
      if (bytes && bytes.length <= maxPreview) {
        carried.push({ path: previewName, mediaType: mediaTypeOf(previewName)!, bytes });
      }
    }
  }
  return carried;
}

/** An ONNX summary per `.onnx` file, one file at a time; a file that cannot be described is a warning. */
export async function describeOnnx(
  ctx: GitLabContext,
  rest: RestReader,
  at: { id: number; branch: string },
  blobs: string[],
  diagnostics: Diagnostic[],
): Promise<ProjectSnapshot['onnx']> {
  const onnx: ProjectSnapshot['onnx'] = {};
  const inspect = ctx.o.inspectOnnx === undefined ? inspectOnnxOverHttp : ctx.o.inspectOnnx;
  if (inspect) {
    const f = transportFetch(ctx.transport);
    for (const path of blobs.filter((b) => b.toLowerCase().endsWith('.onnx'))) {
      try {
        onnx[path] = await inspect({ url: rest.fileHref(at.id, path, at.branch), headers: { ...ctx.authHeaders }, fetch: f });
      } catch (err) {
        diagnostics.push(undescribed(ctx, err, path, 'onnx'));
      }
    }
  }
  return onnx;
}

/**
 * DVC metadata files as text: `.dvc/config` and the root `dvc.lock` from the fast path when it
 * ran, everything else with one raw read each (at most `maxDvcFiles`). Sorted by path.
 */
export async function readDvc(
  o: GitLabSourceOptions,
  calls: GitLabCallCounts,
  blobs: string[],
  fromBatch: Map<string, { path: string; rawTextBlob: string | null }> | null,
  rawRead: (path: string) => Promise<{ body: string | Blob } | null>,
  diagnostics: Diagnostic[],
): Promise<DvcFileText[]> {
  const wanted = blobs.filter((b) => isDvcMetadata(b));
  if (wanted.length === 0) return [];
  const cap = Math.max(0, o.maxDvcFiles ?? 200);
  const out: DvcFileText[] = [];
  const viaRest: string[] = [];
  for (const path of wanted) {
    const text = fromBatch?.get(path)?.rawTextBlob;
    if (typeof text === 'string') out.push({ path, text });
    else viaRest.push(path);
  }
  if (viaRest.length > cap) {
    diagnostics.push({
      level: 'info',
      code: 'gitlab/dvc-limit',
      message: `${viaRest.length} DVC files; the first ${cap} are read`,
    });
  }
  await Promise.all(
    viaRest.slice(0, cap).map(async (path) => {
      calls.dvc++;
      const r = await rawRead(path);
      if (!r) return;
      out.push({ path, text: typeof r.body === 'string' ? r.body : await r.body.text() });
    }),
  );
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** A `fetch` that sends through the transport (used by the ONNX byte source for its Range reads). */
export function transportFetch(t: GitLabTransport): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.toString() : input.url;
    const headers: Record<string, string> = {};
    new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined)).forEach((v, k) => {
      headers[k] = v;
    });
    const r = await t.request(url, { method: init?.method ?? 'GET', headers, ...(init?.redirect ? { redirect: init.redirect } : {}) });
    const nullBody = r.status === 204 || r.status === 304 || (init?.method ?? 'GET') === 'HEAD';
    const res = new Response(nullBody ? null : r.body, { status: r.status, headers: r.headers });
    Object.defineProperty(res, 'url', { value: r.url });
    return res;
  }) as typeof fetch;
}

/**
 * A summary per PyTorch, safetensors, GGUF or pickle file, one file at a time (no pickle is ever
 * executed); a file that cannot be described is a warning of its project.
 */
export async function describeModels(
  ctx: GitLabContext,
  rest: RestReader,
  at: { id: number; branch: string },
  blobs: string[],
  diagnostics: Diagnostic[],
): Promise<Record<string, ModelSummary>> {
  const models: Record<string, ModelSummary> = {};
  const inspect = ctx.o.inspectModels === undefined ? inspectModelOverHttp : ctx.o.inspectModels;
  if (!inspect) return models;
  const f = transportFetch(ctx.transport);
  for (const path of blobs.filter((b) => MODEL_FILE.test(b))) {
    const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/') + 1) : '';
    try {
      models[path] = await inspect({
        url: rest.fileHref(at.id, path, at.branch),
        headers: { ...ctx.authHeaders },
        fetch: f,
        siblingUrl: (name) => rest.fileHref(at.id, dir + name, at.branch),
        path,
      });
    } catch (err) {
      diagnostics.push(undescribed(ctx, err, path, 'model'));
    }
  }
  return models;
}

/**
 * The warning for a model file that could not be described: a file that cannot be read is reported
 * with its reader's code, as in a workspace build; any other failure (a request, a hook) with the
 * crawl's own code. Credentials are removed from the message.
 */
function undescribed(ctx: GitLabContext, err: unknown, path: string, kind: 'onnx' | 'model'): Diagnostic {
  if (err instanceof ModelFileError) {
    const d = err.diagnostic(path);
    return { ...d, message: ctx.transport.redact(d.message) };
  }
  return {
    level: 'warning',
    code: `gitlab/${kind}-unreadable`,
    file: path,
    message: `${kind === 'onnx' ? 'ONNX file' : 'model file'} could not be described: ${ctx.transport.redact(err instanceof Error ? err.message : String(err))}`,
  };
}
