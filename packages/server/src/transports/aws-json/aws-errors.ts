import { errorStatus, isErrorCode, type AwsService, type Operation } from '@loam/contracts';
import { toWireError } from '../../http/problem.js';
import { isSigV4Error, type SigV4Error } from '../../auth/sigv4/sigv4-errors.js';

/**
 * An error of the AWS protocol layer itself (not of an operation): an unknown X-Amz-Target, a body
 * that is not JSON. Operations throw LoamErrors, whose codes are in the contracts' table.
 */
export class AwsProtocolError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    /** Extra members of the error body (SageMaker Runtime's ModelError has `OriginalStatusCode`, …). */
    readonly fields: Readonly<Record<string, string | number>> = {},
  ) {
    super(message);
    this.name = code;
  }
}

/** An error as the AWS JSON and REST-JSON protocols carry it: status, `__type` / `x-amzn-ErrorType`, message. */
export interface AwsWireError {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly internal: boolean;
  readonly fields?: Readonly<Record<string, string | number>>;
}

/**
 * The codes AWS's JSON services answer for signature problems. A skewed clock is an
 * InvalidSignatureException ("Signature expired: …"), which the SDKs recognise as clock skew: they
 * correct their offset from our `Date` header and retry.
 */
function fromSigV4(e: SigV4Error): AwsWireError {
  switch (e.reason) {
    case 'missing':
      return { status: errorStatus.MissingAuthenticationTokenException, code: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token', internal: false };
    case 'unknown-key':
    case 'inactive-key':
      return { status: errorStatus.UnrecognizedClientException, code: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.', internal: false };
    case 'malformed':
      return { status: 400, code: 'IncompleteSignatureException', message: e.message, internal: false };
    default:
      return { status: errorStatus.InvalidSignatureException, code: 'InvalidSignatureException', message: e.message, internal: false };
  }
}

/** Maps anything thrown on an AWS JSON route to its wire form, with statuses from the contracts' table. */
export function toAwsWireError(e: unknown): AwsWireError {
  if (isSigV4Error(e)) return fromSigV4(e);
  if (e instanceof AwsProtocolError) return { status: e.status, code: e.code, message: e.message, internal: e.status >= 500, fields: e.fields };
  const w = toWireError(e);
  const status = isErrorCode(w.code) ? errorStatus[w.code] : 500;
  return { status, code: w.code, message: w.message, internal: w.internal };
}

/**
 * SageMaker answers a missing endpoint, endpoint config or model with ValidationException ("Could not
 * find …"), not ResourceNotFound; the SDKs' EndpointDeleted waiter succeeds only on that code. A name
 * already taken by a model, endpoint config or endpoint is ValidationException too ("Cannot create
 * already existing …"), not ResourceInUse.
 */
export function asSageMakerNotFound(op: Pick<Operation, 'awsNotFoundIsValidation' | 'awsInUseIsValidation'>, e: unknown): unknown {
  const code = (e as { code?: unknown } | null)?.code;
  if (op.awsInUseIsValidation && code === 'ResourceInUse') return new AwsProtocolError('ValidationException', errorStatus.ValidationException, (e as Error).message);
  if (!op.awsNotFoundIsValidation || code !== 'ResourceNotFound') return e;
  if (typeof op.awsNotFoundIsValidation === 'string') return new AwsProtocolError('ValidationException', errorStatus.ValidationException, `${op.awsNotFoundIsValidation} ${(e as Error).message}`);
  return new AwsProtocolError('ValidationException', errorStatus.ValidationException, `Could not find ${lowerFirst((e as Error).message.replace(/ does not exist\.$/, '.'))}`);
}

const lowerFirst = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);

/**
 * An error in the exception names of the operation's AWS service where they differ from Loam's codes
 * (Application Auto Scaling's `ObjectNotFoundException` for ResourceNotFound), with Loam's status.
 */
export function asServiceError(service: AwsService, e: unknown): unknown {
  const code = (e as { code?: unknown } | null)?.code;
  if (e instanceof AwsProtocolError || typeof code !== 'string' || !isErrorCode(code)) return e;
  const named = service.errorCodes?.[code];
  return named === undefined ? e : new AwsProtocolError(named, service.errorStatuses?.[named] ?? errorStatus[code], (e as Error).message);
}
