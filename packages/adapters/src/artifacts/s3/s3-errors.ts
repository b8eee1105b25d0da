import { ConflictError, InternalError, LoamError, NotFoundError, ResourceInUseError, ServiceUnavailableError, ValidationError } from '@loam/core';
import type { ObjectRef } from '@loam/core';
import { BackendConnectTimeout, BackendIdleTimeout, BackendSocketWaitTimeout } from './s3-agent.js';

interface SdkError {
  readonly name?: string;
  readonly Code?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

/** The S3 error code of an SDK error (`NoSuchKey`, `BucketNotEmpty`, …) and its HTTP status. */
export function s3Error(e: unknown): { code: string; status: number | undefined } {
  const err = (e ?? {}) as SdkError;
  return { code: err.Code ?? err.name ?? 'Unknown', status: err.$metadata?.httpStatusCode };
}

/** The backend a store talks to, as its failures name it. */
export interface S3Backend {
  /** The endpoint (`http://127.0.0.1:9000`), or AWS's own with its region. */
  readonly name: string;
  readonly connectTimeoutMs: number;
  readonly socketWaitTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly maxAttempts: number;
  readonly maxSockets: number;
}

/**
 * Maps an S3 failure to the port's errors. `ref` names what was addressed; a bare 404 (HEAD answers
 * carry no code) is taken as the object missing — callers that must tell bucket from object check. A backend that
 * cannot be reached or does not answer in time is ServiceUnavailable, naming it.
 */
export function mapS3Error(e: unknown, ref: { bucket: string; key?: string }, backend?: S3Backend): Error {
  if (e instanceof LoamError) return e;
  if ((e as Error | undefined)?.name === 'AbortError') return e as Error;
  if (backend && e instanceof BackendSocketWaitTimeout) return Object.assign(new ServiceUnavailableError(poolFull(backend)), { cause: e });
  const unreachable = backend && unavailable(e, backend);
  if (unreachable) return Object.assign(new ServiceUnavailableError(`The S3 artifact backend at ${backend.name} ${unreachable}.`), { cause: e });
  const { code, status } = s3Error(e);
  switch (code) {
    case 'NoSuchBucket':
      return new NotFoundError('Bucket', ref.bucket);
    case 'NoSuchKey':
    case 'NotFound':
      return ref.key === undefined ? new NotFoundError('Bucket', ref.bucket) : objectNotFound(ref as ObjectRef);
    case 'BucketAlreadyOwnedByYou':
    case 'BucketAlreadyExists':
      return new ResourceInUseError(`Bucket '${ref.bucket}' already exists.`);
    case 'BucketNotEmpty':
      return new ResourceInUseError(`Bucket '${ref.bucket}' is not empty.`);
    case 'InvalidRange':
      return new ValidationError(`Range of object 's3://${ref.bucket}/${ref.key ?? ''}' is not valid: start must be below the object size.`, [
        { path: '/Range', message: 'start must be below the object size' },
      ]);
    case 'PreconditionFailed':
    case 'ConditionalRequestConflict':
      return new ConflictError(`Object 's3://${ref.bucket}/${ref.key ?? ''}': the conditional write's precondition did not hold (${code}).`);
    case 'MetadataTooLarge':
      // The backend counts Loam's own sha256 entry (70 bytes) in S3's 2 KB of user metadata.
      return new ValidationError(`Object 's3://${ref.bucket}/${ref.key ?? ''}': the metadata is over what the S3 backend takes (2 KB, of which Loam keeps 70 bytes for the object's sha256).`, [
        { path: '/Metadata', message: 'metadata too large' },
      ]);
    case 'InvalidBucketName':
    case 'KeyTooLongError':
      return new ValidationError(`The S3 backend refused '${ref.bucket}/${ref.key ?? ''}' (${code}).`);
  }
  if (status === 412) return new ConflictError(`Object 's3://${ref.bucket}/${ref.key ?? ''}': the conditional write's precondition did not hold.`);
  if (status === 404) return ref.key === undefined ? new NotFoundError('Bucket', ref.bucket) : objectNotFound(ref as ObjectRef);
  return Object.assign(new InternalError(`The S3 backend failed (${code}${status ? `, HTTP ${status}` : ''}).`), { cause: e });
}

export function objectNotFound(ref: ObjectRef): NotFoundError {
  return new NotFoundError('Object', `s3://${ref.bucket}/${ref.key}`);
}

/**
 * A request that waited for a free connection: the store's own pool was full, which says nothing of the backend being
 * down, so the message names the two settings that move it and what usually holds the connections.
 */
function poolFull(backend: S3Backend): string {
  return (
    `Waited ${backend.socketWaitTimeoutMs} ms for a free connection to the S3 artifact backend at ${backend.name} ` +
    `(artifacts.socketWaitTimeoutMs${eachAttempt(backend)}): all ${backend.maxSockets} of its connections (artifacts.maxSockets) were busy; ` +
    'raise artifacts.maxSockets or artifacts.socketWaitTimeoutMs, or look for slow answers from the backend or object bodies read slowly.'
  );
}

function eachAttempt(backend: S3Backend): string {
  return backend.maxAttempts === 1 ? '' : `, each of up to ${backend.maxAttempts} attempts`;
}

/**
 * Why the backend could not serve the request (no connection, no answer in time); undefined for an answer. Told apart
 * by type and code, never by the SDK's wording: the connect and idle limits' errors are the store's own
 * (BackendConnectTimeout, BackendIdleTimeout; the SDK's own timeouts are off). Node's errno codes come next: the SDK
 * names a reset connection `TimeoutError` too.
 */
function unavailable(e: unknown, backend: S3Backend): string | undefined {
  const err = (e ?? {}) as { name?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  if (err.$metadata?.httpStatusCode !== undefined) return undefined;
  const each = eachAttempt(backend);
  if (e instanceof BackendIdleTimeout) return `did not answer within ${backend.idleTimeoutMs} ms (artifacts.idleTimeoutMs${each}); it may be hung or overloaded`;
  if (e instanceof BackendConnectTimeout) return `did not accept a connection within ${backend.connectTimeoutMs} ms (artifacts.connectTimeoutMs${each}); it may be down or unreachable`;
  switch (err.code) {
    case 'ECONNREFUSED':
      return 'refused the connection; it may be down';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'closed the connection without answering';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'could not be resolved (DNS)';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ETIMEDOUT':
      return 'is unreachable';
  }
  // The SDK's own timeouts are off; one it raised all the same is still the backend not answering in time.
  if (err.name === 'TimeoutError') return 'did not answer in time';
  return undefined;
}
