import type { FastifyRequest } from 'fastify';
import type { ObjectInfo, PutOptions } from '@loam/core';
import { etagMatches } from '@loam/core';
import { ifRangeDateHolds } from '../../http/if-range-date.js';
import { S3Error, notImplemented } from './s3-errors.js';
import { headerOf } from './s3-request.js';

/** S3's 412, naming the header whose condition did not hold. */
export const preconditionFailed = (condition: string) =>
  new S3Error('PreconditionFailed', 412, 'At least one of the pre-conditions you specified did not hold', { Condition: condition });

/** An HTTP date (RFC 7231's forms, as Date parses them), or undefined when absent or unreadable (then ignored, as S3 does). */
function httpTime(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : t;
}

/** Last-Modified has whole seconds: compare at that precision. */
const seconds = (ms: number) => Math.floor(ms / 1000);

interface Conditions {
  readonly ifMatch?: string | undefined;
  readonly ifNoneMatch?: string | undefined;
  readonly ifModifiedSince?: string | undefined;
  readonly ifUnmodifiedSince?: string | undefined;
}

/**
 * RFC 7232 as S3 applies it: If-Match (412 when false) decides alone when present, else
 * If-Unmodified-Since (412 when modified); then If-None-Match (not modified when an ETag matches)
 * decides alone when present, else If-Modified-Since (not modified when unmodified). So If-Match true
 * with If-Unmodified-Since false is 200, and If-None-Match false with If-Modified-Since true is 304.
 */
function evaluate(c: Conditions, info: ObjectInfo, names: Record<keyof Conditions, string>): 'ok' | 'not-modified' | S3Error {
  const modified = seconds(info.lastModified);
  if (c.ifMatch !== undefined) {
    if (!etagMatches(c.ifMatch, info.etag)) return preconditionFailed(names.ifMatch);
  } else {
    const since = httpTime(c.ifUnmodifiedSince);
    if (since !== undefined && modified > seconds(since)) return preconditionFailed(names.ifUnmodifiedSince);
  }
  if (c.ifNoneMatch !== undefined) {
    if (etagMatches(c.ifNoneMatch, info.etag)) return 'not-modified';
  } else {
    const since = httpTime(c.ifModifiedSince);
    if (since !== undefined && modified <= seconds(since)) return 'not-modified';
  }
  return 'ok';
}

/** GetObject / HeadObject: 'not-modified' (answer 304), or throws 412, or 'ok'. */
export function readConditions(req: FastifyRequest, info: ObjectInfo): 'ok' | 'not-modified' {
  const r = evaluate(
    {
      ifMatch: headerOf(req, 'if-match'),
      ifNoneMatch: headerOf(req, 'if-none-match'),
      ifModifiedSince: headerOf(req, 'if-modified-since'),
      ifUnmodifiedSince: headerOf(req, 'if-unmodified-since'),
    },
    info,
    { ifMatch: 'If-Match', ifNoneMatch: 'If-None-Match', ifModifiedSince: 'If-Modified-Since', ifUnmodifiedSince: 'If-Unmodified-Since' },
  );
  if (r instanceof S3Error) throw r;
  return r;
}

/**
 * CopyObject / UploadPartCopy: the `x-amz-copy-source-if-*` conditions on the source. Every failure is
 * 412 here, including the not-modified cases (S3: if-none-match false with if-modified-since true is 412).
 */
export function checkCopySourceConditions(req: FastifyRequest, source: ObjectInfo): void {
  const p = 'x-amz-copy-source-';
  const names = { ifMatch: `${p}If-Match`, ifNoneMatch: `${p}If-None-Match`, ifModifiedSince: `${p}If-Modified-Since`, ifUnmodifiedSince: `${p}If-Unmodified-Since` };
  const r = evaluate(
    {
      ifMatch: headerOf(req, `${p}if-match`),
      ifNoneMatch: headerOf(req, `${p}if-none-match`),
      ifModifiedSince: headerOf(req, `${p}if-modified-since`),
      ifUnmodifiedSince: headerOf(req, `${p}if-unmodified-since`),
    },
    source,
    names,
  );
  if (r instanceof S3Error) throw r;
  if (r === 'not-modified') throw preconditionFailed(headerOf(req, `${p}if-none-match`) !== undefined ? names.ifNoneMatch : names.ifModifiedSince);
}

/**
 * PutObject / CompleteMultipartUpload conditional writes: `If-None-Match: *` (create only) and
 * `If-Match: <etag>`, passed to the store, which checks them atomically with the write. S3 takes no
 * other If-None-Match value on a write.
 */
export function writeConditions(req: FastifyRequest): Pick<PutOptions, 'ifMatch' | 'ifNoneMatch'> {
  const ifNoneMatch = headerOf(req, 'if-none-match');
  const ifMatch = headerOf(req, 'if-match');
  if (ifNoneMatch !== undefined && ifNoneMatch.trim() !== '*') throw notImplemented('If-None-Match with a value other than *');
  return { ...(ifNoneMatch !== undefined ? { ifNoneMatch: '*' as const } : {}), ...(ifMatch !== undefined ? { ifMatch: ifMatch.trim() } : {}) };
}

/** The 412 a store's ConflictException means for a conditional write. */
export function writeConditionFailed(conditions: Pick<PutOptions, 'ifMatch' | 'ifNoneMatch'>): S3Error {
  return preconditionFailed(conditions.ifNoneMatch !== undefined ? 'If-None-Match' : 'If-Match');
}

/**
 * GetObject's If-Range (RFC 9110 §13.1.5, which S3 honours though its API names no such parameter): false when the
 * Range is to be ignored and the whole object sent (200), because the validator names another version. An entity tag
 * holds only by the strong comparison (a weak `W/"…"` one never; S3's own are strong); a date only when it is exactly
 * the object's Last-Modified, and not while the clock is still in that second (an overwrite within it keeps the same
 * Last-Modified, so the date is no strong validator yet, §8.8.2.2). A date not in GMT holds not either. Was ignored:
 * a client resuming a download of an object overwritten since got a piece of the new one after its piece of the old.
 */
export function ifRangeHolds(req: FastifyRequest, info: ObjectInfo, nowMs = Date.now()): boolean {
  const value = headerOf(req, 'if-range')?.trim();
  if (value === undefined) return true;
  if (value.includes('"')) return !value.startsWith('W/') && value.replace(/^"|"$/g, '') === info.etag.replace(/^"|"$/g, '');
  return ifRangeDateHolds(value, info.lastModified, nowMs);
}
