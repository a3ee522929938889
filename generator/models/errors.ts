import { ModelFileError, OnnxError } from '../onnx/errors.js';
import type { Diagnostic } from '../diagnostic.js';

/**
 * Stable codes of model-file reading problems (formats other than ONNX; they become
 * `Diagnostic.code` in a build).
 * - `model/empty`: the file has no bytes.
 * - `model/unknown-format`: the bytes match no format stachub reads (by magic bytes).
 * - `model/truncated`: a structure runs past the end of the file.
 * - `model/limit`: more entries, deeper nesting or larger headers than the limits (hostile input).
 * - `zip/malformed`, `pickle/malformed`, `safetensors/malformed`, `gguf/malformed`: the bytes break
 *   the format's own rules.
 * - `model/io`, `model/http`, `model/range-unsupported`: the bytes could not be fetched.
 */
export type ModelErrorCode =
  | 'model/empty'
  | 'model/unknown-format'
  | 'model/truncated'
  | 'model/limit'
  | 'zip/malformed'
  | 'pickle/malformed'
  | 'safetensors/malformed'
  | 'gguf/malformed'
  | 'model/io'
  | 'model/http'
  | 'model/range-unsupported';

const UNREACHABLE: ReadonlySet<ModelErrorCode> = new Set(['model/io', 'model/http', 'model/range-unsupported']);

/** A model file other than ONNX that cannot be described (see {@link ModelFileError}). */
export class ModelError extends ModelFileError<ModelErrorCode> {
  constructor(code: ModelErrorCode, file: string, offset: number | undefined, detail: string, options: { cause?: unknown } = {}) {
    super(code, file, offset, detail, UNREACHABLE.has(code), options);
  }

  /** The build-report form of this error (see {@link ModelFileError.warning}). */
  diagnostic(file?: string): Diagnostic {
    return this.warning('model file', file);
  }
}

/** The byte sources (shared with the ONNX scanner) throw `OnnxError`s; they become model errors here. */
export function asModelError(err: unknown, file: string): ModelError {
  if (err instanceof ModelError) return err;
  if (err instanceof OnnxError) {
    const code: ModelErrorCode =
      err.code === 'onnx/http' ? 'model/http' : err.code === 'onnx/range-unsupported' ? 'model/range-unsupported' : err.code === 'onnx/io' ? 'model/io' : 'model/truncated';
    return new ModelError(code, err.file, err.offset, err.detail, { cause: err });
  }
  if (err instanceof RangeError) return new ModelError('model/limit', file, undefined, `too large to describe (${err.message})`, { cause: err });
  return new ModelError('model/unknown-format', file, undefined, `unreadable model (${(err as Error).message})`, { cause: err });
}
