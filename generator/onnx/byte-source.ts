/**
 * Byte sources: positioned reads from a local file, an HTTP(S) URL (Range requests) or memory.
 * The scanner asks for small windows at increasing offsets and skips tensor payloads, so a
 * multi-gigabyte model costs kilobytes of reads whatever the source.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { fetchStreamTransport, nodeStreamTransport, type StreamReply, type StreamTransport } from '../http/stream.js';
import { OnnxError } from './errors.js';
import { registerHeaderSecrets } from '../redact.js';

/** Counters a source keeps, so benchmarks and tests can check how little was read. */
export interface ReadStats {
  /** Number of reads (local `pread`s or HTTP requests). */
  reads: number;
  bytesRead: number;
}

/** Random access to the bytes of one model. */
export interface ByteSource {
  /** File path or redacted URL, used in error messages. */
  readonly name: string;
  readonly stats: ReadStats;
  /** Total size in bytes. */
  size(): Promise<number>;
  /** Up to `length` bytes from `offset` (fewer only at the end of the data). */
  read(offset: number, length: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** A local file, read with positioned reads; opened on first use. */
export function fileByteSource(path: string): ByteSource {
  let handle: Promise<FileHandle> | undefined;
  let fileSize: number | undefined;
  const stats: ReadStats = { reads: 0, bytesRead: 0 };
  const fail = (err: unknown): never => {
    const e = err as NodeJS.ErrnoException;
    throw new OnnxError('onnx/io', path, undefined, `cannot read the file (${e.code ?? e.message})`, { cause: err });
  };
  const fh = (): Promise<FileHandle> => (handle ??= open(path, 'r').catch(fail));
  return {
    name: path,
    stats,
    async size() {
      if (fileSize === undefined) {
        const st = await (await fh()).stat().catch(fail);
        if (!st.isFile()) throw new OnnxError('onnx/io', path, undefined, 'not a regular file');
        fileSize = st.size;
      }
      return fileSize;
    },
    async read(offset, length) {
      const h = await fh();
      const buf = Buffer.allocUnsafe(length);
      let got = 0;
      // A positioned read may return less than asked; loop until full or end of file.
      while (got < length) {
        const { bytesRead } = await h.read(buf, got, length - got, offset + got).catch(fail);
        stats.reads++;
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      stats.bytesRead += got;
      return got === length ? buf : buf.subarray(0, got);
    },
    async close() {
      if (handle) await (await handle.catch(() => undefined))?.close();
      handle = undefined;
    },
  };
}

/** Bytes already in memory (tests, fuzzing, models embedded in other files). */
export function bufferByteSource(bytes: Uint8Array, name = '<memory>'): ByteSource {
  const stats: ReadStats = { reads: 0, bytesRead: 0 };
  return {
    name,
    stats,
    size: async () => bytes.length,
    async read(offset, length) {
      const out = bytes.subarray(offset, Math.min(bytes.length, offset + length));
      stats.reads++;
      stats.bytesRead += out.length;
      return out;
    },
    close: async () => undefined,
  };
}

/** Options of {@link httpByteSource}. */
export interface HttpSourceOptions {
  /** Request headers (e.g. `PRIVATE-TOKEN`); sent to the URL's origin only, never after a redirect elsewhere. */
  headers?: Record<string, string>;
  /**
   * The fetch to use (tests inject one). Without it, Node's `http`/`https` modules are used with a
   * keep-alive agent: lighter than the global fetch (about 20 MB less peak RSS) and faster per request.
   */
  fetch?: typeof fetch;
  /** Redirects followed at most (GitLab LFS answers with a redirect to object storage). */
  maxRedirects?: number;
  /** Milliseconds a request may take before it fails with `onnx/http` (default 30,000). */
  timeoutMs?: number;
}

/** The URL without credentials and with query values hidden: safe for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    for (const key of [...u.searchParams.keys()]) u.searchParams.set(key, '***');
    return u.toString().replaceAll('%2A%2A%2A', '***');
  } catch {
    return '<invalid URL>';
  }
}

/**
 * An HTTP(S) URL read with `Range: bytes=a-b` requests. The first request learns the size from
 * `Content-Range`; a server that answers 200 (ignoring Range) is refused with
 * `onnx/range-unsupported` before its body is read, so a whole model is never downloaded.
 * Redirects are followed by hand so the headers (tokens) never go to another origin; the final
 * URL is reused for the following requests.
 */
export function httpByteSource(url: string, opts: HttpSourceOptions = {}): ByteSource {
  const name = redactUrl(url);
  registerHeaderSecrets(opts.headers);
  const timeoutMs = opts.timeoutMs ?? 30_000;
  let transport: StreamTransport | undefined;
  const client = (): StreamTransport =>
    (transport ??= opts.fetch ? fetchStreamTransport(opts.fetch, timeoutMs) : nodeStreamTransport(timeoutMs));
  const maxRedirects = opts.maxRedirects ?? 5;
  const stats: ReadStats = { reads: 0, bytesRead: 0 };
  let target = url;
  let totalSize: number | undefined;
  /** The bytes of the first request, kept to serve the first read (the size probe is not wasted). */
  let first: { offset: number; bytes: Uint8Array } | undefined;
  const probeLength = 64 * 1024;

  async function rangeRequest(offset: number, length: number): Promise<Uint8Array> {
    const last = offset + length - 1;
    let current = target;
    let headers: Record<string, string> = { ...opts.headers };
    let origin: string;
    try {
      origin = new URL(url).origin;
    } catch (err) {
      throw new OnnxError('onnx/http', name, undefined, 'not a valid URL', { cause: err });
    }
    for (let hop = 0; ; hop++) {
      let res: StreamReply;
      try {
        res = await client().get(current, { ...headers, range: `bytes=${offset}-${last}`, 'accept-encoding': 'identity' });
      } catch (err) {
        throw new OnnxError('onnx/http', name, offset, `request failed (${(err as Error).message})`, { cause: err });
      }
      stats.reads++;
      const location = res.header('location');
      if (res.status >= 300 && res.status < 400 && location) {
        await res.cancel();
        if (hop >= maxRedirects) throw new OnnxError('onnx/http', name, offset, `more than ${maxRedirects} redirects`);
        current = new URL(location, current).toString();
        // Credentials stay with the origin they were given for.
        if (new URL(current).origin !== origin) headers = {};
        continue;
      }
      if (res.status === 416 && totalSize === undefined) {
        await res.cancel();
        // Range not satisfiable at offset 0: the resource is empty.
        const m = /\/(\d+)\s*$/.exec(res.header('content-range') ?? '');
        if (m && Number(m[1]) === 0) {
          totalSize = 0;
          return new Uint8Array(0);
        }
      }
      if (res.status === 200) {
        await res.cancel();
        throw new OnnxError('onnx/range-unsupported', name, offset, 'the server ignored the Range header (answered 200 with the whole file); models are read by byte ranges only');
      }
      if (res.status !== 206) {
        await res.cancel();
        throw new OnnxError('onnx/http', name, offset, `HTTP ${res.status} ${res.statusText}`.trim());
      }
      const cr = /^bytes\s+(\d+)-(\d+)\/(\d+|\*)\s*$/i.exec(res.header('content-range') ?? '');
      if (!cr || Number(cr[1]) !== offset || Number(cr[2]) > last) {
        await res.cancel();
        throw new OnnxError('onnx/http', name, offset, `unexpected Content-Range ${JSON.stringify(res.header('content-range'))} for bytes=${offset}-${last}`);
      }
      if (cr[3] !== '*') totalSize ??= Number(cr[3]);
      const want = Number(cr[2]) - offset + 1;
      const bytes = await readBody(res, want, offset);
      target = current;
      stats.bytesRead += bytes.length;
      return bytes;
    }
  }

  /** Reads the body into `want` bytes: a server sending more than its Content-Range is cut off. */
  async function readBody(res: StreamReply, want: number, offset: number): Promise<Uint8Array> {
    const out = new Uint8Array(want);
    let got = 0;
    try {
      for await (const chunk of res.chunks()) {
        if (got + chunk.length > want) {
          await res.cancel();
          throw new OnnxError('onnx/http', name, offset, `the server sent more than the ${want} bytes of its Content-Range`);
        }
        out.set(chunk, got);
        got += chunk.length;
      }
    } catch (err) {
      if (err instanceof OnnxError) throw err;
      throw new OnnxError('onnx/http', name, offset + got, `transfer failed (${(err as Error).message})`, { cause: err });
    }
    if (got !== want) throw new OnnxError('onnx/http', name, offset + got, `short response: ${got} of ${want} bytes`);
    return out;
  }

  return {
    name,
    stats,
    async size() {
      if (totalSize === undefined) {
        const bytes = await rangeRequest(0, probeLength);
        first = { offset: 0, bytes };
        if (totalSize === undefined) throw new OnnxError('onnx/http', name, 0, 'the server did not give the total size in Content-Range');
      }
      return totalSize;
    },
    async read(offset, length) {
      if (first && offset >= first.offset && offset + length <= first.offset + first.bytes.length) {
        return first.bytes.subarray(offset - first.offset, offset - first.offset + length);
      }
      const size = await this.size();
      const end = Math.min(size, offset + length);
      if (end <= offset) return new Uint8Array(0);
      return rangeRequest(offset, end - offset);
    },
    close: async () => {
      first = undefined;
      transport?.close();
      transport = undefined;
    },
  };
}
