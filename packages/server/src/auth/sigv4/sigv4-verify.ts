import { timingSafeEqual } from 'node:crypto';
import type { Principal, ResolvedAccessKey } from '@loam/core';
import {
  UNSIGNED_PAYLOAD,
  canonicalHeaders,
  canonicalQuery,
  canonicalRequest,
  canonicalUri,
  credentialScope,
  parseQuery,
  signHex,
  signingKey,
  stringToSign,
  type QueryPair,
} from './sigv4-canonical.js';
import { SigV4Error } from './sigv4-errors.js';
import { httpDateToAmzDate, parseAmzDate, parseAuthorizationHeader, parsePresignedQuery, sigV4Kind, type SigV4Claim } from './sigv4-parse.js';

/** AWS's window: a request signed more than 15 minutes from the server's clock is refused. */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

/** What the verifier needs from the identity capability. */
export interface AccessKeyResolver {
  resolveAccessKey(accessKeyId: string): Promise<ResolvedAccessKey | undefined>;
  recordAccessKeyUse(accessKeyId: string): Promise<void>;
}

/** The parts of an HTTP request a signature covers, as received (nothing decoded or merged). */
export interface SignableRequest {
  readonly method: string;
  /** The request-target: raw path and query as on the wire. */
  readonly rawUrl: string;
  /** Node's `rawHeaders`: name, value, name, value, … */
  readonly rawHeaders: readonly string[];
}

export interface VerifyOptions {
  /** The signing name this endpoint answers to: `s3` or `sagemaker`. */
  readonly service: string;
  readonly keys: AccessKeyResolver;
  readonly now?: () => number;
  /**
   * The body's sha256 in hex, when the transport has the whole body. Used when the request sends no
   * `x-amz-content-sha256` (boto3 and the aws CLI sign the body's hash without sending it).
   */
  readonly bodySha256?: string;
  /**
   * `false` refuses presigned (query-string) requests before looking at the key. For APIs whose body
   * carries the operation's input (AWS JSON): a URL cannot bind the body, so anyone holding it could
   * send any input. Default `true` (S3, Runtime).
   */
  readonly allowPresigned?: boolean;
  /**
   * `false` refuses `UNSIGNED-PAYLOAD` and the unsigned streaming modes: the signature must cover the
   * body's hash (or its chunks'). Default `true`.
   */
  readonly allowUnsignedPayload?: boolean;
}

/**
 * The one `x-amz-*` header a request may leave out of SignedHeaders: its value is the payload hash
 * the canonical request is built with, so changing it breaks the signature anyway.
 */
const UNSIGNED_AMZ_HEADERS_ALLOWED: ReadonlySet<string> = new Set(['x-amz-content-sha256']);

/**
 * The request's `x-amz-*` headers that the signature does not cover. AWS refuses such a request
 * ("There were headers present in the request which were not signed"), for header auth and presigned
 * URLs alike: on S3 they change what a request does (`x-amz-copy-source` turns a PUT into a copy,
 * `x-amz-meta-*`, `x-amz-metadata-directive`, …), on AWS JSON `x-amz-target` names the operation.
 */
export function unsignedAmzHeaders(rawHeaders: readonly string[], signedHeaders: readonly string[]): string[] {
  const signed = new Set(signedHeaders);
  const out = new Set<string>();
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] as string).toLowerCase();
    if (name.startsWith('x-amz-') && !signed.has(name) && !UNSIGNED_AMZ_HEADERS_ALLOWED.has(name)) out.add(name);
  }
  return [...out].sort();
}

/** A request whose signature checked out. */
export interface VerifiedRequest {
  readonly principal: Principal;
  readonly accessKeyId: string;
  readonly presigned: boolean;
  /**
   * What the signature says about the body: a hex sha256 the transport must check the body against,
   * `UNSIGNED-PAYLOAD`, or a `STREAMING-…` mode the aws-chunked decoder must verify.
   */
  readonly payloadHash: string;
  /** For aws-chunked bodies: the seed signature and what chunk signatures are computed with. */
  readonly chunkSigning: { readonly key: Buffer; readonly seedSignature: string; readonly amzDate: string; readonly scope: string };
}

function header(rawHeaders: readonly string[], name: string): string | undefined {
  let out: string | undefined;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if ((rawHeaders[i] as string).toLowerCase() === name) out = out === undefined ? (rawHeaders[i + 1] as string) : `${out},${rawHeaders[i + 1] as string}`;
  }
  return out;
}

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

const fmt = (t: number) => new Date(t).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

/** Parses the request's claim (header or presigned query); throws SigV4Error('missing') when it has none. */
export function claimOf(req: SignableRequest, query: readonly QueryPair[]): SigV4Claim {
  const authorization = header(req.rawHeaders, 'authorization');
  const kind = sigV4Kind(authorization, query);
  if (kind === 'none') throw new SigV4Error('missing', 'The request is not signed.');
  if (kind === 'query') return parsePresignedQuery(query);
  const amzDate = header(req.rawHeaders, 'x-amz-date') ?? httpDateToAmzDate(header(req.rawHeaders, 'date') ?? '');
  return parseAuthorizationHeader(authorization as string, amzDate);
}

/**
 * Verifies a SigV4 request (Authorization header or presigned query) against Loam's access keys:
 * the scope names this service and the date it was signed, the key exists and is active, the
 * signature matches the canonical request, and the time is inside the skew window (or, presigned,
 * before expiry), and every `x-amz-*` header the request carries is signed. Records the key's use.
 * The body itself is checked by the caller against `payloadHash` (a hex hash) or by the aws-chunked
 * decoder (`STREAMING-…`).
 *
 * @throws SigV4Error
 */
export async function verifySigV4(req: SignableRequest, options: VerifyOptions): Promise<VerifiedRequest> {
  const q = req.rawUrl.indexOf('?');
  const rawPath = q < 0 ? req.rawUrl : req.rawUrl.slice(0, q);
  const query = parseQuery(q < 0 ? '' : req.rawUrl.slice(q + 1));
  const claim = claimOf(req, query);
  if (claim.presigned && options.allowPresigned === false) {
    throw new SigV4Error('malformed', 'This API does not accept presigned (query-string) requests: a URL cannot sign the request body. Sign the request with an Authorization header.');
  }
  const signedAt = parseAmzDate(claim.amzDate);
  if (signedAt === undefined) throw new SigV4Error('malformed', `X-Amz-Date '${claim.amzDate}' is not YYYYMMDDTHHMMSSZ.`);
  if (claim.scopeDate !== claim.amzDate.slice(0, 8)) {
    throw new SigV4Error('malformed', `The credential scope date ${claim.scopeDate} is not the request's date ${claim.amzDate.slice(0, 8)}.`);
  }
  if (claim.service !== options.service) {
    throw new SigV4Error('malformed', `The credential scope names service '${claim.service}'; this endpoint is '${options.service}'.`);
  }

  const key = await options.keys.resolveAccessKey(claim.accessKeyId);
  if (!key) throw new SigV4Error('unknown-key', 'The access key id in the request does not exist.', { AWSAccessKeyId: claim.accessKeyId });
  if (key.status !== 'Active') throw new SigV4Error('inactive-key', 'The access key id in the request is not active.', { AWSAccessKeyId: claim.accessKeyId });

  const sentHash = header(req.rawHeaders, 'x-amz-content-sha256');
  const queryHash = query.find(([k]) => k === 'X-Amz-Content-Sha256')?.[1];
  let payloadHash: string;
  if (claim.presigned) payloadHash = sentHash ?? queryHash ?? UNSIGNED_PAYLOAD;
  else if (sentHash !== undefined) payloadHash = sentHash;
  else if (options.bodySha256 !== undefined) payloadHash = options.bodySha256;
  else throw new SigV4Error('malformed', 'Missing required header for this request: x-amz-content-sha256.');
  if (options.allowUnsignedPayload === false && (payloadHash === UNSIGNED_PAYLOAD || payloadHash.startsWith('STREAMING-UNSIGNED'))) {
    throw new SigV4Error('malformed', `x-amz-content-sha256: ${payloadHash} is not accepted by this API: the signature must cover the body's SHA-256.`);
  }

  const headers = canonicalHeaders(req.rawHeaders, claim.signedHeaders);
  if ('missing' in headers) throw new SigV4Error('signature', `The header '${headers.missing}' is signed but not in the request.`);
  const creq = canonicalRequest({
    method: req.method,
    canonicalUri: canonicalUri(rawPath, options.service),
    canonicalQuery: canonicalQuery(query),
    canonicalHeaders: headers.text,
    signedHeaders: claim.signedHeaders,
    payloadHash,
  });
  const scope = credentialScope(claim.scopeDate, claim.region, claim.service);
  const kSigning = signingKey(key.secretAccessKey, claim.scopeDate, claim.region, claim.service);
  const expected = signHex(kSigning, stringToSign(claim.amzDate, scope, creq));
  if (!sameHex(expected, claim.signature)) {
    throw new SigV4Error(
      'signature',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
      { AWSAccessKeyId: claim.accessKeyId, SignatureProvided: claim.signature },
    );
  }

  const now = (options.now ?? Date.now)();
  if (claim.presigned) {
    const expiresAt = signedAt + (claim.expiresSeconds as number) * 1000;
    if (now > expiresAt) throw new SigV4Error('expired', 'Request has expired', { 'X-Amz-Expires': String(claim.expiresSeconds), Expires: new Date(expiresAt).toISOString(), ServerTime: new Date(now).toISOString() });
    if (signedAt - now > MAX_CLOCK_SKEW_MS) throw new SigV4Error('skewed', 'Request is not valid yet', { RequestTime: claim.amzDate, ServerTime: fmt(now) });
  } else if (Math.abs(now - signedAt) > MAX_CLOCK_SKEW_MS) {
    const message =
      signedAt < now
        ? `Signature expired: ${claim.amzDate} is now earlier than ${fmt(now - MAX_CLOCK_SKEW_MS)} (${fmt(now)} - 15 min.)`
        : `Signature not yet current: ${claim.amzDate} is still later than ${fmt(now + MAX_CLOCK_SKEW_MS)} (${fmt(now)} + 15 min.)`;
    throw new SigV4Error('skewed', message, {
      RequestTime: claim.amzDate,
      ServerTime: new Date(now).toISOString(),
      MaxAllowedSkewMilliseconds: String(MAX_CLOCK_SKEW_MS),
    });
  }

  const unsigned = unsignedAmzHeaders(req.rawHeaders, claim.signedHeaders);
  if (unsigned.length > 0) {
    throw new SigV4Error('unsigned-headers', `There were headers present in the request which were not signed: ${unsigned.join(', ')}.`, { HeadersNotSigned: unsigned.join(', ') });
  }

  await options.keys.recordAccessKeyUse(claim.accessKeyId);
  return {
    principal: key.principal,
    accessKeyId: claim.accessKeyId,
    presigned: claim.presigned,
    payloadHash,
    chunkSigning: { key: kSigning, seedSignature: claim.signature, amzDate: claim.amzDate, scope },
  };
}
