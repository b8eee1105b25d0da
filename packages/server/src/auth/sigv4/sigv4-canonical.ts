import { createHash, createHmac } from 'node:crypto';

/** The algorithm name every SigV4 request names. */
export const ALGORITHM = 'AWS4-HMAC-SHA256';
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function hmac(key: string | Uint8Array, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/**
 * AWS's URI encoding: every byte but the unreserved `A-Z a-z 0-9 - _ . ~` becomes `%XX` (upper-case
 * hex); `/` is kept when `keepSlash` (paths) and encoded otherwise (query parts).
 */
export function uriEncode(s: string, keepSlash = false): string {
  let out: string;
  try {
    out = encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  } catch {
    // A lone surrogate: encode the bytes Buffer gives it (U+FFFD), as the SDKs' encoders do.
    return uriEncode(Buffer.from(s, 'utf8').toString('utf8'), keepSlash);
  }
  return keepSlash ? out.replace(/%2F/g, '/') : out;
}

/** Decodes `%XX` escapes (and only those: `+` stays a plus, as the SDKs send spaces as `%20`). */
export function percentDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * The canonical URI. S3 signs the path exactly as it travels; every other service signs the
 * normalised path encoded once more (so `%20` on the wire is `%2520` in the canonical request).
 * `rawPath` is the request-target's path as received, before any decoding.
 */
export function canonicalUri(rawPath: string, service: string): string {
  const path = rawPath === '' ? '/' : rawPath;
  if (service === 's3') return path;
  // The SDKs' normalisation: drop empty and `.` segments, resolve `..`, keep a trailing slash.
  const segments: string[] = [];
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') segments.pop();
    else segments.push(seg);
  }
  const normalized = `${path.startsWith('/') ? '/' : ''}${segments.join('/')}${segments.length > 0 && path.endsWith('/') ? '/' : ''}`;
  return uriEncode(normalized, true);
}

/** One query parameter, decoded. */
export type QueryPair = readonly [key: string, value: string];

/** Splits a raw query string (`a=1&b=%20`) into decoded pairs, keeping repeats and order. */
export function parseQuery(rawQuery: string): QueryPair[] {
  if (!rawQuery) return [];
  return rawQuery
    .split('&')
    .filter((p) => p !== '')
    .map((p) => {
      const eq = p.indexOf('=');
      return eq < 0 ? ([percentDecode(p), ''] as const) : ([percentDecode(p.slice(0, eq)), percentDecode(p.slice(eq + 1))] as const);
    });
}

/** The canonical query string: pairs re-encoded, sorted by key then value, `X-Amz-Signature` left out. */
export function canonicalQuery(pairs: readonly QueryPair[]): string {
  return pairs
    .filter(([k]) => k !== 'X-Amz-Signature')
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

/**
 * Canonical headers for the signed names, from Node's `rawHeaders` (name, value, name, value, …):
 * repeated headers join with `,` in arrival order; values are trimmed and inner runs of spaces folded.
 * Returns undefined naming the first signed header that the request lacks.
 */
export function canonicalHeaders(rawHeaders: readonly string[], signedHeaders: readonly string[]): { text: string } | { missing: string } {
  const values = new Map<string, string[]>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] as string).toLowerCase();
    const list = values.get(name) ?? [];
    list.push((rawHeaders[i + 1] as string).trim().replace(/\s+/g, ' '));
    values.set(name, list);
  }
  let text = '';
  for (const name of signedHeaders) {
    const v = values.get(name);
    if (!v) return { missing: name };
    text += `${name}:${v.join(',')}\n`;
  }
  return { text };
}

export interface CanonicalRequestParts {
  readonly method: string;
  readonly canonicalUri: string;
  readonly canonicalQuery: string;
  readonly canonicalHeaders: string;
  readonly signedHeaders: readonly string[];
  readonly payloadHash: string;
}

export function canonicalRequest(p: CanonicalRequestParts): string {
  return [p.method.toUpperCase(), p.canonicalUri, p.canonicalQuery, p.canonicalHeaders, p.signedHeaders.join(';'), p.payloadHash].join('\n');
}

/** `<date>/<region>/<service>/aws4_request`. */
export function credentialScope(date: string, region: string, service: string): string {
  return `${date}/${region}/${service}/aws4_request`;
}

export function stringToSign(amzDate: string, scope: string, canonicalRequestText: string): string {
  return [ALGORITHM, amzDate, scope, sha256Hex(canonicalRequestText)].join('\n');
}

/** kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request"). */
export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
}

export function signHex(key: Uint8Array, text: string): string {
  return createHmac('sha256', key).update(text, 'utf8').digest('hex');
}
