/**
 * The error codes Loam answers with. Each is SageMaker's exception name where SageMaker has one, so the
 * AWS SDKs, boto3 and the aws CLI recognise them; the rest are the generic AWS codes those clients know.
 * This is the one table from code to HTTP status: the REST transport answers problem+json with it,
 * the AWS JSON transport answers `{"__type", "message"}` with it, and the SDK rebuilds typed errors
 * from the code string.
 */
export const errorStatus = {
  ValidationException: 400,
  ResourceNotFound: 400,
  ResourceInUse: 400,
  ResourceLimitExceeded: 400,
  // SageMaker's model gives ConflictException no HTTP status (botocore's service-2.json has no `error`
  // member for it; Smithy's default for a client error is 400) and its API reference says 400 (UpdateTrial,
  // UpdateTrialComponent, CreateModelPackage …); Application Auto Scaling's ConcurrentUpdateException likewise.
  ConflictException: 400,
  AccessDeniedException: 403,
  UnrecognizedClientException: 401,
  InvalidSignatureException: 403,
  MissingAuthenticationTokenException: 401,
  ThrottlingException: 429,
  PayloadTooLargeException: 413,
  InternalFailure: 500,
  ServiceUnavailable: 503,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof errorStatus;

/**
 * REST answers SageMaker's 400-for-everything codes with the status a REST client expects (404 for a
 * missing resource, 409 for one in use or a conflicting change); the AWS JSON transport keeps SageMaker's
 * own (ResourceNotFound and ConflictException are 400 there). MLflow's transport has its own table.
 */
export const restStatus: Readonly<Record<ErrorCode, number>> = {
  ...errorStatus,
  ResourceNotFound: 404,
  ResourceInUse: 409,
  ConflictException: 409,
};

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(errorStatus, code);
}

/** The body of a problem+json answer (RFC 9457) as Loam sends it. */
export interface ProblemDetails {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  /** SageMaker's exception name: the stable thing to test. */
  readonly code: ErrorCode;
  readonly instance?: string;
  readonly requestId?: string;
  /** For validation errors: each field that was wrong. */
  readonly errors?: readonly FieldError[];
}

export interface FieldError {
  /** JSON pointer-ish path in the input, e.g. `/ResourceConfig/InstanceCount`. */
  readonly path: string;
  readonly message: string;
}
