import { EXIT, StachubError } from '../errors.js';
import { redact } from '../redact.js';
import type { Diagnostic } from '../diagnostic.js';

/**
 * Stable codes of ONNX reading problems (they become `Diagnostic.code` in a build).
 * - `onnx/empty`: the file has no bytes.
 * - `onnx/truncated`: a field runs past the end of the file.
 * - `onnx/malformed`: the bytes are not valid protobuf for the ONNX schema (bad wire type, a length
 *   past its enclosing message, an overlong varint...).
 * - `onnx/not-onnx`: valid protobuf, but no `ir_version` or no `graph`: not an ONNX model.
 * - `onnx/too-deep`: graphs or types nested deeper than the limit (hostile input).
 * - `onnx/limit`: more list entries than the limit (hostile input).
 * - `onnx/io`: the file could not be read.
 * - `onnx/http`: the server answered with an error status or broke the Range contract.
 * - `onnx/range-unsupported`: the server ignores `Range` and would send the whole file.
 */
export type OnnxErrorCode =
  | 'onnx/empty'
  | 'onnx/truncated'
  | 'onnx/malformed'
  | 'onnx/not-onnx'
  | 'onnx/too-deep'
  | 'onnx/limit'
  | 'onnx/io'
  | 'onnx/http'
  | 'onnx/range-unsupported';

/** Codes that mean the bytes could not be fetched, rather than the bytes being wrong. */
const UNREACHABLE: ReadonlySet<OnnxErrorCode> = new Set(['onnx/io', 'onnx/http', 'onnx/range-unsupported']);

/**
 * A model file that cannot be read (ONNX or another format): names the source (file path or
 * redacted URL) and the byte offset where reading stopped, with a stable code. Exit code 4 when the
 * bytes could not be fetched, 3 when they are not readable.
 */
export abstract class ModelFileError<Code extends string> extends StachubError {
  readonly code: Code;
  /** File path or URL (credentials and query values removed). */
  readonly file: string;
  /** Byte offset in the file where the problem was found, when it is about a position. */
  readonly offset: number | undefined;
  /** The message without the `file @ offset` prefix. */
  readonly detail: string;

  protected constructor(code: Code, file: string, offset: number | undefined, detail: string, unreachable: boolean, options: { cause?: unknown }) {
    super(`${file}${offset === undefined ? '' : ` @ byte ${offset}`}: ${detail} [${code}]`, {
      exitCode: unreachable ? EXIT.sourceUnreachable : EXIT.validation,
      cause: options.cause,
    });
    this.code = code;
    this.file = file;
    this.offset = offset;
    this.detail = detail;
  }

  /** The JSON form `stachub inspect --json` prints for a source it could not read. */
  toJSON(): { code: Code; message: string; file: string; offset?: number } {
    return { code: this.code, message: this.detail, file: this.file, ...(this.offset === undefined ? {} : { offset: this.offset }) };
  }

  /** The build-report form of this error; `file` is the repository path to report. */
  abstract diagnostic(file?: string): Diagnostic;

  /**
   * The build-report form: a warning on the project (the file is still published, without the
   * fields it would have given), with the error's code and byte offset. `file` is the repository
   * path to report (the error itself names the local path or URL); `what` names the file's kind.
   */
  protected warning(what: string, file: string | undefined): Diagnostic {
    const where = this.offset === undefined ? '' : ` (at byte ${this.offset})`;
    return { level: 'warning', code: this.code, message: `${what} not described: ${this.detail}${where}`, file: file ?? this.file };
  }
}

/** An ONNX model that cannot be read (see {@link ModelFileError}); credentials are removed from its messages. */
export class OnnxError extends ModelFileError<OnnxErrorCode> {
  constructor(code: OnnxErrorCode, rawFile: string, offset: number | undefined, rawDetail: string, options: { cause?: unknown } = {}) {
    // A server's status text or a network error may quote the request's credentials.
    super(code, redact(rawFile), offset, redact(rawDetail), UNREACHABLE.has(code), options);
  }

  /** The build-report form of this error (see {@link ModelFileError.warning}). */
  diagnostic(file?: string): Diagnostic {
    return this.warning('ONNX model', file);
  }
}
