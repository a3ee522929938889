import { EXIT, StachubError } from '../errors.js';
import { redact } from '../redact.js';

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
 * A model that cannot be read: names the source (file path or redacted URL) and the byte offset
 * where reading stopped. Exit code 4 when the bytes could not be fetched, 3 when they are not a
 * readable ONNX model.
 */
export class OnnxError extends StachubError {
  readonly code: OnnxErrorCode;
  /** File path or URL (credentials and query values removed). */
  readonly file: string;
  /** Byte offset in the file where the problem was found, when it is about a position. */
  readonly offset: number | undefined;
  /** The message without the `file @ offset` prefix. */
  readonly detail: string;

  constructor(code: OnnxErrorCode, rawFile: string, offset: number | undefined, rawDetail: string, options: { cause?: unknown } = {}) {
    // A server's status text or a network error may quote the request's credentials.
    const file = redact(rawFile);
    const detail = redact(rawDetail);
    super(`${file}${offset === undefined ? '' : ` @ byte ${offset}`}: ${detail} [${code}]`, {
      exitCode: UNREACHABLE.has(code) ? EXIT.sourceUnreachable : EXIT.validation,
      cause: options.cause,
    });
    this.code = code;
    this.file = file;
    this.offset = offset;
    this.detail = detail;
  }

  /** The JSON form `stachub inspect --json` prints for a source it could not read. */
  toJSON(): { code: OnnxErrorCode; message: string; file: string; offset?: number } {
    return { code: this.code, message: this.detail, file: this.file, ...(this.offset === undefined ? {} : { offset: this.offset }) };
  }
}
