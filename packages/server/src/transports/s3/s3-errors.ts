import { MAX_KEY_BYTES, isLoamError } from '@loam/core';
import { isSigV4Error, type SigV4Error } from '../../auth/sigv4/sigv4-errors.js';
import { xmlDocument } from './s3-xml.js';

/** An S3 error: its code, HTTP status and message, and the extra fields S3 puts in the XML. */
export class S3Error extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly fields: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = code;
  }
}

export const noSuchBucket = (bucket: string) => new S3Error('NoSuchBucket', 404, 'The specified bucket does not exist', { BucketName: bucket });
export const noSuchKey = (key: string) => new S3Error('NoSuchKey', 404, 'The specified key does not exist.', { Key: key });
export const noSuchUpload = (uploadId: string) =>
  new S3Error('NoSuchUpload', 404, 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.', { UploadId: uploadId });
/** S3's answer to a key over 1024 bytes of UTF-8, whatever the request (a read included). */
export function checkKeyLength(key: string): void {
  const size = Buffer.byteLength(key, 'utf8');
  if (size > MAX_KEY_BYTES) throw new S3Error('KeyTooLongError', 400, 'Your key is too long', { MaxSizeAllowed: String(MAX_KEY_BYTES), Size: String(size) });
}
export const accessDenied = (message = 'Access Denied') => new S3Error('AccessDenied', 403, message);
export const notImplemented = (what: string) => new S3Error('NotImplemented', 501, `A header or query you provided implies functionality that is not implemented: ${what}.`);

/** S3's answers to SigV4 failures (these are what the SDKs and the CLI recognise). */
function fromSigV4(e: SigV4Error): S3Error {
  switch (e.reason) {
    case 'missing':
      return accessDenied();
    case 'unknown-key':
    case 'inactive-key':
      return new S3Error('InvalidAccessKeyId', 403, 'The AWS Access Key Id you provided does not exist in our records.', e.details);
    case 'signature':
      return new S3Error('SignatureDoesNotMatch', 403, 'The request signature we calculated does not match the signature you provided. Check your key and signing method.', e.details);
    case 'skewed':
      return e.message === 'Request is not valid yet'
        ? accessDenied('Request is not valid yet')
        : new S3Error('RequestTimeTooSkewed', 403, 'The difference between the request time and the current time is too large.', e.details);
    case 'expired':
      return new S3Error('AccessDenied', 403, 'Request has expired', e.details);
    case 'unsigned-headers':
      return new S3Error('AccessDenied', 403, 'There were headers present in the request which were not signed', e.details);
    case 'content-sha256-mismatch':
      return new S3Error('XAmzContentSHA256Mismatch', 400, 'The provided \'x-amz-content-sha256\' header does not match what was computed.');
    case 'bad-digest':
      return new S3Error('BadDigest', 400, e.message);
    case 'malformed':
      return new S3Error('AuthorizationHeaderMalformed', 400, e.message);
  }
}

/**
 * Maps anything thrown by an S3 route to an S3Error. Port errors arrive as LoamErrors; the routes
 * translate the ones whose S3 code depends on context (missing bucket vs key) before they get here.
 * `internal` errors (the server's faults) are logged with their stack; the client's are not.
 */
export function toS3Error(e: unknown): { error: S3Error; internal: boolean } {
  // NotImplemented (501) answers a request for something Loam does not do: the client's, logged as a 4xx is.
  if (e instanceof S3Error) return { error: e, internal: e.status >= 500 && e.status !== 501 };
  if (isSigV4Error(e)) return { error: fromSigV4(e), internal: false };
  if (isLoamError(e)) {
    switch (e.code) {
      case 'AccessDeniedException':
        return { error: accessDenied(e.message), internal: false };
      case 'ValidationException':
        return { error: new S3Error(/bucket/i.test(e.message) && !/key|object/i.test(e.message) ? 'InvalidBucketName' : 'InvalidArgument', 400, e.message), internal: false };
      case 'ResourceNotFound':
        return { error: new S3Error(e.message.startsWith('Bucket') ? 'NoSuchBucket' : 'NoSuchKey', 404, e.message), internal: false };
      case 'ResourceInUse':
        return { error: new S3Error('OperationAborted', 409, e.message), internal: false };
      case 'PayloadTooLargeException':
        return { error: new S3Error('EntityTooLarge', 400, e.message), internal: false };
      case 'InternalFailure':
        return { error: new S3Error('InternalError', 500, 'We encountered an internal error. Please try again.'), internal: true };
      case 'ServiceUnavailable':
        // S3's retryable 503: the SDKs back off and retry it; the message says why (e.g. a full disk).
        return { error: new S3Error('ServiceUnavailable', 503, e.message), internal: true };
      default:
        return { error: new S3Error(e.code, 400, e.message), internal: false };
    }
  }
  const code = (e as { code?: string } | undefined)?.code;
  // Multipart parts are staged by the transport itself, outside the artifact store.
  if (code === 'ENOSPC' || code === 'EDQUOT') return { error: new S3Error('ServiceUnavailable', 503, `The upload was not stored: the server's disk is full (${code}). Free space on it, then retry.`), internal: true };
  if (code === 'ABORT_ERR' || code === 'ERR_STREAM_PREMATURE_CLOSE') return { error: new S3Error('IncompleteBody', 400, 'You did not provide the number of bytes specified by the Content-Length HTTP header.'), internal: false };
  return { error: new S3Error('InternalError', 500, 'We encountered an internal error. Please try again.'), internal: true };
}

/** The XML body S3 sends with an error. */
export function s3ErrorXml(error: S3Error, resource: string, requestId: string): string {
  return xmlDocument('Error', { Code: error.code, Message: error.message, ...error.fields, Resource: resource, RequestId: requestId }, false);
}
