/**
 * ONNX model inspection: the `OnnxInspector` edge of the pipeline (DESIGN.md). Reads kilobytes of a
 * model, from a file or an HTTP(S) URL, and returns its summary; never loads a weight.
 */
import { bufferByteSource, fileByteSource, httpByteSource, redactUrl, type ByteSource, type HttpSourceOptions, type ReadStats } from './byte-source.js';
import { ModelFileError, OnnxError, type OnnxErrorCode } from './errors.js';
import { scanOnnx, type ScanOptions } from './scan.js';
import type { OnnxSummary } from './types.js';

export type { ByteSource, HttpSourceOptions, ReadStats, ScanOptions, OnnxErrorCode };
export type { OnnxSummary, ValueInfo, TypeInfo, Dim, ValueKind, ExternalDataRef } from './types.js';
export { ModelFileError, OnnxError, fileByteSource, httpByteSource, bufferByteSource, redactUrl };

/** Options of {@link inspectOnnx}: the scan limits. */
export type InspectOptions = ScanOptions;

/**
 * Summarises the ONNX model behind `source` (see {@link OnnxSummary}). Throws {@link OnnxError}
 * (with the source name and byte offset) for an empty, truncated, corrupted, hostile or non-ONNX
 * input. The source is closed when done.
 */
export async function inspectOnnx(source: ByteSource, opts: InspectOptions = {}): Promise<OnnxSummary> {
  try {
    return await scanOnnx(source, opts);
  } catch (err) {
    if (err instanceof OnnxError) throw err;
    // Anything else is a bug in the scanner; still name the file.
    throw new OnnxError('onnx/malformed', source.name, undefined, `unreadable model (${(err as Error).message})`, { cause: err });
  } finally {
    await source.close();
  }
}

/** A byte source for a CLI argument: `http(s)://` URLs use Range requests, anything else is a path. */
export function byteSourceFor(fileOrUrl: string, http: HttpSourceOptions = {}): ByteSource {
  return /^https?:\/\//i.test(fileOrUrl) ? httpByteSource(fileOrUrl, http) : fileByteSource(fileOrUrl);
}

/** Scan options suited to a source: HTTP round trips cost more than reading a few more bytes. */
export function scanOptionsFor(fileOrUrl: string): ScanOptions {
  return /^https?:\/\//i.test(fileOrUrl) ? { minWindow: 16 * 1024, maxWindow: 1024 * 1024 } : {};
}
