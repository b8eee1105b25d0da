import type { ErrorCode, FieldError } from '@loam/contracts';

/**
 * The base of every domain error. `code` is SageMaker's exception name; the message is safe to show
 * and starts with the resource kind and name. Nothing here knows HTTP: the transports map `code`
 * through the one table in `@loam/contracts`.
 */
export class LoamError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly fields: readonly FieldError[] = [],
  ) {
    super(message);
    this.name = code;
  }
}

/** Input that breaks a rule; names the path, the value received and what was expected. */
export class ValidationError extends LoamError {
  constructor(message: string, fields: readonly FieldError[] = []) {
    super('ValidationException', message, fields);
  }
}

/** `Training job 'x' does not exist.` */
export class NotFoundError extends LoamError {
  constructor(kind: string, name: string) {
    super('ResourceNotFound', `${kind} '${name}' does not exist.`);
  }
}

/** A create of something that already exists, or an action on a resource in the wrong state. */
export class ResourceInUseError extends LoamError {
  constructor(message: string) {
    super('ResourceInUse', message);
  }
}

/** An optimistic-concurrency write lost the race: re-read and try again. */
export class ConflictError extends LoamError {
  constructor(message: string) {
    super('ConflictException', message);
  }
}

export class LimitExceededError extends LoamError {
  constructor(message: string) {
    super('ResourceLimitExceeded', message);
  }
}

export class AccessDeniedError extends LoamError {
  constructor(message: string) {
    super('AccessDeniedException', message);
  }
}

/** No credentials, or credentials that match no user. */
export class UnauthenticatedError extends LoamError {
  constructor(message = 'The request carries no valid credentials.') {
    super('UnrecognizedClientException', message);
  }
}

/** A bug or an unreachable backend; the message shown to clients stays generic. */
export class InternalError extends LoamError {
  constructor(message = 'An internal error occurred.') {
    super('InternalFailure', message);
  }
}

/**
 * A backend that cannot serve right now but may again without a change to the request: a full disk,
 * a database restarting or unreachable. Retryable; the message names the backend and the cause.
 */
export class ServiceUnavailableError extends LoamError {
  constructor(message: string) {
    super('ServiceUnavailable', message);
  }
}

export function isLoamError(e: unknown): e is LoamError {
  return e instanceof LoamError;
}
