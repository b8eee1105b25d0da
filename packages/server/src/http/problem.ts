import { errorStatus, restStatus, type ErrorCode, type FieldError, type ProblemDetails } from '@loam/contracts';
import { isLoamError } from '@loam/core';
import { JsonBodyError } from './json-body.js';

const titles: Partial<Record<ErrorCode, string>> = {
  ValidationException: 'Invalid input',
  ResourceNotFound: 'Not found',
  ResourceInUse: 'Resource in use',
  ResourceLimitExceeded: 'Limit exceeded',
  ConflictException: 'Conflict',
  AccessDeniedException: 'Access denied',
  UnrecognizedClientException: 'Not signed in',
  MissingAuthenticationTokenException: 'Not signed in',
  InvalidSignatureException: 'Bad signature',
  PayloadTooLargeException: 'Request too large',
  ThrottlingException: 'Too many requests',
  InternalFailure: 'Internal error',
  ServiceUnavailable: 'Unavailable',
};

/** The error as a transport sees it: a code, a safe message and, for validation, the fields. */
export interface WireError {
  readonly code: ErrorCode;
  readonly message: string;
  readonly fields: readonly FieldError[];
  /** True for faults of ours (5xx): logged with their stack, shown to the client generically. */
  readonly internal: boolean;
}

interface FastifyLikeError {
  code?: string;
  statusCode?: number;
  message?: string;
}

/** Maps anything thrown to a WireError: LoamErrors keep their code; Fastify's own errors get theirs. */
export function toWireError(e: unknown): WireError {
  if (isLoamError(e)) return { code: e.code, message: e.message, fields: e.fields, internal: errorStatus[e.code] >= 500 };
  if (e instanceof JsonBodyError) return { code: 'ValidationException', message: e.message, fields: [], internal: false };
  const f = e as FastifyLikeError;
  if (f?.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || f?.statusCode === 413) {
    return { code: 'PayloadTooLargeException', message: 'The request body is larger than this operation accepts.', fields: [], internal: false };
  }
  if (f?.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || f?.statusCode === 415) {
    return { code: 'ValidationException', message: 'Send the request body as application/json.', fields: [], internal: false };
  }
  if (f?.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || f?.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || (f?.statusCode === 400 && e instanceof SyntaxError)) {
    return { code: 'ValidationException', message: `The request body is not valid JSON: ${f.message ?? ''}`.trim(), fields: [], internal: false };
  }
  if (typeof f?.statusCode === 'number' && f.statusCode >= 400 && f.statusCode < 500) {
    return { code: 'ValidationException', message: f.message ?? 'Bad request.', fields: [], internal: false };
  }
  return { code: 'InternalFailure', message: 'An internal error occurred. The server log has the details under this request id.', fields: [], internal: true };
}

/** RFC 9457 problem details for the REST transport. */
export function toProblem(err: WireError, requestId: string, instance?: string): ProblemDetails {
  return {
    type: `https://loam.dev/errors/${err.code}`,
    title: titles[err.code] ?? err.code,
    status: restStatus[err.code],
    detail: err.message,
    code: err.code,
    requestId,
    ...(instance ? { instance } : {}),
    ...(err.fields.length ? { errors: err.fields } : {}),
  };
}
