/** Why a SigV4 request was refused; each transport maps these to its protocol's error codes. */
export type SigV4Failure =
  /** No SigV4 credentials at all (no Authorization header, no presigned query). */
  | 'missing'
  /** The Authorization header or presigned query is not well formed, or its scope is wrong. */
  | 'malformed'
  /** The access key id matches no key. */
  | 'unknown-key'
  /** The key exists but is Inactive. */
  | 'inactive-key'
  /** The signature (or a chunk or trailer signature) does not match. */
  | 'signature'
  /** The request time is more than 15 minutes from the server's. */
  | 'skewed'
  /** An `x-amz-*` header is in the request but not in SignedHeaders (AWS: AccessDenied, HeadersNotSigned). */
  | 'unsigned-headers'
  /** A presigned URL past its X-Amz-Expires. */
  | 'expired'
  /** The body's sha256 is not the x-amz-content-sha256 that was signed. */
  | 'content-sha256-mismatch'
  /** A checksum (trailing or in a header) does not match the bytes received. */
  | 'bad-digest';

/** A refused SigV4 request. Carries no secret material; `message` is safe to show. */
export class SigV4Error extends Error {
  constructor(
    readonly reason: SigV4Failure,
    message: string,
    /** Extra fields S3 puts in its error XML (e.g. `RequestTime`, `ServerTime`, `Expires`). */
    readonly details: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'SigV4Error';
  }
}

export function isSigV4Error(e: unknown): e is SigV4Error {
  return e instanceof SigV4Error;
}
