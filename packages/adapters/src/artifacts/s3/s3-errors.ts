import { ConflictError, InternalError, LoamError, NotFoundError, ResourceInUseError, ValidationError } from '@loam/core';
import type { ObjectRef } from '@loam/core';

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

/**
 * Maps an S3 failure to the port's errors. `ref` names what was addressed; a bare 404 (HEAD answers
 * carry no code) is taken as the object missing — callers that must tell bucket from object check.
 */
export function mapS3Error(e: unknown, ref: { bucket: string; key?: string }): Error {
  if (e instanceof LoamError) return e;
  if ((e as Error | undefined)?.name === 'AbortError') return e as Error;
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
