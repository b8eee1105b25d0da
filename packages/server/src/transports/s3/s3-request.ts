import type { FastifyRequest } from 'fastify';
import { parseQuery, percentDecode } from '../../auth/sigv4/sigv4-canonical.js';
import { virtualHostBucket } from './s3-detect.js';

/** What an S3 request addresses: a bucket and key (path-style or virtual-hosted), and its query. */
export interface S3Target {
  readonly bucket?: string;
  readonly key?: string;
  /** Decoded query parameters (first value of each). */
  readonly query: ReadonlyMap<string, string>;
  /** The path as sent, for error XML's `Resource`. */
  readonly resource: string;
}

/**
 * Path-style `/<bucket>/<key>` or virtual-hosted `<bucket>.localhost/<key>`. The key is the rest of the
 * path, percent-decoded once (so `%2F` in a key is a slash, as on S3).
 */
export function s3Target(req: FastifyRequest): S3Target {
  const rawUrl = req.raw.url ?? req.url;
  const q = rawUrl.indexOf('?');
  const rawPath = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const query = new Map<string, string>();
  for (const [k, v] of parseQuery(q < 0 ? '' : rawUrl.slice(q + 1))) if (!query.has(k)) query.set(k, v);
  const hostBucket = virtualHostBucket(req.headers.host);
  const path = rawPath.startsWith('/') ? rawPath.slice(1) : rawPath;
  let bucket: string | undefined;
  let rawKey: string;
  if (hostBucket !== undefined) {
    bucket = hostBucket;
    rawKey = path;
  } else {
    const slash = path.indexOf('/');
    bucket = percentDecode(slash < 0 ? path : path.slice(0, slash)) || undefined;
    rawKey = slash < 0 ? '' : path.slice(slash + 1);
  }
  const key = rawKey === '' ? undefined : percentDecode(rawKey);
  return { ...(bucket !== undefined ? { bucket } : {}), ...(key !== undefined ? { key } : {}), query, resource: percentDecode(rawPath) };
}

/** One header's value (the first, if repeated). */
export function headerOf(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The S3 ARN of a bucket or object, in Loam's partition. */
export function s3Arn(bucket: string | undefined, key?: string): string {
  if (bucket === undefined) return 'arn:loam:s3:::*';
  return key === undefined ? `arn:loam:s3:::${bucket}` : `arn:loam:s3:::${bucket}/${key}`;
}
