import { ALGORITHM, parseQuery, type QueryPair } from './sigv4-canonical.js';
import { SigV4Error } from './sigv4-errors.js';

/** What a SigV4 request claims, before anything is checked. */
export interface SigV4Claim {
  readonly accessKeyId: string;
  /** `YYYYMMDD` from the credential scope. */
  readonly scopeDate: string;
  readonly region: string;
  readonly service: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
  /** `YYYYMMDDTHHMMSSZ`. */
  readonly amzDate: string;
  /** Presigned URLs only: seconds the URL stays valid after `amzDate`. */
  readonly expiresSeconds?: number;
  readonly presigned: boolean;
}

/** Where a request's credentials are: the header, the query, or nowhere. */
export function sigV4Kind(authorization: string | undefined, query: readonly QueryPair[]): 'header' | 'query' | 'none' {
  if (authorization !== undefined && authorization.trim() !== '') return 'header';
  return query.some(([k]) => k === 'X-Amz-Algorithm' || k === 'X-Amz-Credential' || k === 'X-Amz-Signature') ? 'query' : 'none';
}

/** The service named in a request's credential scope (`s3`, `sagemaker`), if it has one. */
export function claimedService(authorization: string | undefined, rawQuery: string): string | undefined {
  const fromHeader = authorization ? /Credential=[^/,\s]+\/\d{8}\/[^/]*\/([^/]+)\/aws4_request/.exec(authorization)?.[1] : undefined;
  if (fromHeader) return fromHeader;
  if (!rawQuery.includes('X-Amz-Credential')) return undefined;
  const cred = parseQuery(rawQuery).find(([k]) => k === 'X-Amz-Credential')?.[1];
  return cred ? /^[^/]+\/\d{8}\/[^/]*\/([^/]+)\/aws4_request$/.exec(cred)?.[1] : undefined;
}

function splitCredential(credential: string): { accessKeyId: string; scopeDate: string; region: string; service: string } {
  const parts = credential.split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request' || !/^\d{8}$/.test(parts[1] as string) || !parts[0]) {
    throw new SigV4Error('malformed', `The credential '${credential}' is not <key id>/<YYYYMMDD>/<region>/<service>/aws4_request.`);
  }
  return { accessKeyId: parts[0], scopeDate: parts[1] as string, region: parts[2] as string, service: parts[3] as string };
}

function signedHeaderList(s: string): string[] {
  const list = s.split(';').map((h) => h.trim().toLowerCase());
  if (list.some((h) => h === '')) throw new SigV4Error('malformed', `SignedHeaders '${s}' is not a ;-separated list of header names.`);
  if (!list.includes('host')) throw new SigV4Error('malformed', 'SignedHeaders must include host.');
  return list;
}

/** `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`. */
export function parseAuthorizationHeader(authorization: string, amzDate: string | undefined): SigV4Claim {
  const trimmed = authorization.trim();
  if (!trimmed.startsWith(`${ALGORITHM} `)) {
    throw new SigV4Error('malformed', `Only ${ALGORITHM} (Signature Version 4) is supported; the Authorization header names '${trimmed.split(' ')[0] ?? ''}'.`);
  }
  const fields = new Map<string, string>();
  for (const part of trimmed.slice(ALGORITHM.length).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = fields.get('Credential');
  const signed = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!credential || !signed || !signature) {
    throw new SigV4Error('malformed', 'The Authorization header needs Credential, SignedHeaders and Signature.');
  }
  if (!/^[0-9a-f]{64}$/.test(signature)) throw new SigV4Error('malformed', 'Signature must be 64 lower-case hex digits.');
  if (!amzDate) throw new SigV4Error('malformed', 'The request needs an X-Amz-Date (or Date) header.');
  return { ...splitCredential(credential), signedHeaders: signedHeaderList(signed), signature, amzDate, presigned: false };
}

/** `?X-Amz-Algorithm=…&X-Amz-Credential=…&X-Amz-Date=…&X-Amz-Expires=…&X-Amz-SignedHeaders=…&X-Amz-Signature=…`. */
export function parsePresignedQuery(query: readonly QueryPair[]): SigV4Claim {
  const get = (k: string) => query.find(([name]) => name === k)?.[1];
  const algorithm = get('X-Amz-Algorithm');
  const credential = get('X-Amz-Credential');
  const amzDate = get('X-Amz-Date');
  const expires = get('X-Amz-Expires');
  const signed = get('X-Amz-SignedHeaders');
  const signature = get('X-Amz-Signature');
  if (algorithm !== ALGORITHM) throw new SigV4Error('malformed', `X-Amz-Algorithm must be ${ALGORITHM}.`);
  if (!credential || !amzDate || !signed || !signature || expires === undefined) {
    throw new SigV4Error('malformed', 'A presigned URL needs X-Amz-Credential, X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders and X-Amz-Signature.');
  }
  const expiresSeconds = Number(expires);
  if (!/^\d+$/.test(expires) || expiresSeconds < 1 || expiresSeconds > 604800) {
    throw new SigV4Error('malformed', 'X-Amz-Expires must be a number of seconds from 1 to 604800 (7 days).');
  }
  if (!/^[0-9a-f]{64}$/.test(signature)) throw new SigV4Error('malformed', 'X-Amz-Signature must be 64 lower-case hex digits.');
  return { ...splitCredential(credential), signedHeaders: signedHeaderList(signed), signature, amzDate, expiresSeconds, presigned: true };
}

/** `YYYYMMDDTHHMMSSZ` → epoch ms; undefined when malformed. */
export function parseAmzDate(s: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) return undefined;
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  return Number.isNaN(t) ? undefined : t;
}

/** An RFC 7231 `Date` header as an X-Amz-Date string (some clients sign `Date` instead). */
export function httpDateToAmzDate(date: string): string | undefined {
  const t = Date.parse(date);
  if (Number.isNaN(t)) return undefined;
  return new Date(t).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}
