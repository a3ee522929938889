/**
 * MLflow's error model (reference/mlflow.md §0.2, `mlflow/exceptions.py`): every failure is a
 * JSON body `{"error_code": NAME, "message": text}` with the HTTP status MLflow maps NAME to.
 */
import { StachubError } from '../../generator/errors.js';

/** The MLflow error codes the shim answers with. */
export type MlflowErrorCode =
  | 'INVALID_PARAMETER_VALUE'
  | 'RESOURCE_DOES_NOT_EXIST'
  | 'RESOURCE_ALREADY_EXISTS'
  | 'INVALID_STATE'
  | 'ENDPOINT_NOT_FOUND'
  | 'BAD_REQUEST'
  | 'MALFORMED_REQUEST'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'NOT_IMPLEMENTED'
  | 'INTERNAL_ERROR';

/**
 * HTTP status per code. MLflow answers `RESOURCE_ALREADY_EXISTS` with 400, not 409.
 * `INVALID_STATE` is 500 in MLflow; the shim answers 400 because it is always a client mistake
 * here (a run in a deleted experiment) and the Python client retries 500s for minutes.
 */
export const HTTP_STATUS: Record<MlflowErrorCode, number> = {
  INVALID_PARAMETER_VALUE: 400,
  RESOURCE_DOES_NOT_EXIST: 404,
  RESOURCE_ALREADY_EXISTS: 400,
  INVALID_STATE: 400,
  ENDPOINT_NOT_FOUND: 404,
  BAD_REQUEST: 400,
  MALFORMED_REQUEST: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_IMPLEMENTED: 501,
  INTERNAL_ERROR: 500,
};

/** A failure to report to the client as MLflow would. */
export class MlflowError extends StachubError {
  readonly errorCode: MlflowErrorCode;
  readonly status: number;
  constructor(errorCode: MlflowErrorCode, message: string, status?: number) {
    super(message);
    this.name = 'MlflowError';
    this.errorCode = errorCode;
    this.status = status ?? HTTP_STATUS[errorCode];
  }
  toJSON(): { error_code: string; message: string } {
    return { error_code: this.errorCode, message: this.message };
  }
}

/** The store folder is locked by another live process (the lock file names its id). */
export class StoreInUseError extends StachubError {
  constructor(
    readonly root: string,
    readonly pid: number,
    readonly lockFile: string,
  ) {
    super(`store ${root} is in use by process ${pid} (remove ${lockFile} if that is wrong)`);
  }
}

export const invalid = (message: string): MlflowError => new MlflowError('INVALID_PARAMETER_VALUE', message);
export const notFound = (message: string): MlflowError => new MlflowError('RESOURCE_DOES_NOT_EXIST', message);
export const alreadyExists = (message: string): MlflowError => new MlflowError('RESOURCE_ALREADY_EXISTS', message);
