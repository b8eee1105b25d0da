import type { FieldError } from '@loam/contracts';

/**
 * An error answered by Loam, rebuilt from its problem+json body. Test `code` (SageMaker's exception
 * name, e.g. `ResourceNotFound`), never `instanceof` across packages.
 */
export class LoamApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly fields: readonly FieldError[] = [],
    readonly requestId?: string,
  ) {
    super(message);
    this.name = code;
  }
}

/** The server could not be reached at all (refused, reset, DNS, timeout). */
export class LoamConnectionError extends Error {
  override readonly name = 'LoamConnectionError';
  constructor(
    readonly endpoint: string,
    cause: unknown,
  ) {
    super(`Cannot reach Loam at ${endpoint}: ${cause instanceof Error ? cause.message : String(cause)}. Is \`loam up\` running?`, { cause });
  }
}

/**
 * SageMaker Runtime's ModelError (HTTP 424): the endpoint's model answered 4xx or 5xx. The model's
 * own status and body are in `originalStatusCode` / `originalMessage`. `code` is `ModelError`.
 */
export class LoamModelError extends LoamApiError {
  constructor(
    message: string,
    readonly originalStatusCode: number | undefined,
    readonly originalMessage: string | undefined,
    readonly logStreamArn?: string,
    requestId?: string,
  ) {
    super('ModelError', message, 424, [], requestId);
  }
}

/** A waiter (`waitForTrainingJob`, …) gave up after its `timeoutMs`; the job or endpoint is untouched. `code` is `WaiterTimeout`. */
export class LoamWaiterTimeoutError extends Error {
  readonly code = 'WaiterTimeout';
  override readonly name = 'LoamWaiterTimeoutError';
  constructor(
    readonly resource: string,
    readonly lastStatus: string,
    readonly timeoutMs: number,
  ) {
    super(`${resource} is still ${lastStatus} after ${timeoutMs} ms of waiting.`);
  }
}
