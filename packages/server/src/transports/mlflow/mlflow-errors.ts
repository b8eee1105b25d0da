import type { ErrorCode } from '@loam/contracts';
import { JsonBodyError } from '../../http/json-body.js';
import { toWireError } from '../../http/problem.js';

/** MLflow's error codes and their statuses (mlflow/exceptions.py), from Loam's codes. */
const MLFLOW: Record<ErrorCode, readonly [string, number]> = {
  ValidationException: ['INVALID_PARAMETER_VALUE', 400],
  ResourceNotFound: ['RESOURCE_DOES_NOT_EXIST', 404],
  ResourceInUse: ['RESOURCE_ALREADY_EXISTS', 400],
  ResourceLimitExceeded: ['RESOURCE_EXHAUSTED', 429],
  ConflictException: ['RESOURCE_CONFLICT', 409],
  AccessDeniedException: ['PERMISSION_DENIED', 403],
  UnrecognizedClientException: ['UNAUTHENTICATED', 401],
  MissingAuthenticationTokenException: ['UNAUTHENTICATED', 401],
  InvalidSignatureException: ['UNAUTHENTICATED', 401],
  ThrottlingException: ['REQUEST_LIMIT_EXCEEDED', 429],
  PayloadTooLargeException: ['INVALID_PARAMETER_VALUE', 400],
  InternalFailure: ['INTERNAL_ERROR', 500],
  ServiceUnavailable: ['TEMPORARILY_UNAVAILABLE', 503],
};

export interface MlflowError {
  readonly status: number;
  readonly body: { readonly error_code: string; readonly message: string };
  readonly internal: boolean;
}

/** Anything thrown → MLflow's `{error_code, message}` with MLflow's status. */
export function toMlflowError(e: unknown): MlflowError {
  const w = toWireError(e);
  const [code, status] = MLFLOW[w.code];
  let message = w.message;
  if (w.code === 'PayloadTooLargeException') message = 'Batched logging API requests must be at most 1000000 bytes.';
  if (e instanceof JsonBodyError || (w.code === 'ValidationException' && /not valid JSON/.test(w.message))) return { status: 400, body: { error_code: 'MALFORMED_REQUEST', message }, internal: false };
  return { status, body: { error_code: code, message }, internal: w.internal };
}
