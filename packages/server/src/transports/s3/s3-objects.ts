import type { ObjectInfo, ObjectMetadata, PutOptions } from '@loam/core';
import { checkPutCondition, isLoamError, pickObjectMetadata } from '@loam/core';
import { percentDecode } from '../../auth/sigv4/sigv4-canonical.js';
import { sendStoreBody } from '../../http/store-body.js';
import { USER_CONTENT_HEADERS } from '../../http/user-content-headers.js';
import { MAX_PUT_BYTES, smallBody, verifiedBody } from './s3-body.js';
import { httpDate, isoDate, sendXml, type S3ObjectContext } from './s3-context.js';
import { S3Error, checkKeyLength, noSuchBucket, noSuchKey, notImplemented } from './s3-errors.js';
import { MAX_PART_NUMBER } from './s3-multipart.js';
import { checkCopySourceConditions, ifRangeHolds, readConditions, writeConditionFailed, writeConditions } from './s3-conditions.js';
import { headerOf, s3Arn } from './s3-request.js';
import { xmlDocument, xmlItems } from './s3-xml.js';
import { answerWhileWorking } from './s3-keep-alive.js';

/** Port errors in S3's words for an object request: which of bucket or key is missing. */
function objectError(e: unknown, bucket: string, key: string): unknown {
  if (isLoamError(e) && e.code === 'ResourceNotFound') return e.message.startsWith('Bucket') ? noSuchBucket(bucket) : noSuchKey(key);
  return e;
}

/** A conditional write's failure as S3's 412; other port errors as objectError. */
function writeError(e: unknown, bucket: string, key: string, conditions: Pick<PutOptions, 'ifMatch' | 'ifNoneMatch'>): unknown {
  if (isLoamError(e) && e.code === 'ConflictException') return writeConditionFailed(conditions);
  return objectError(e, bucket, key);
}

/** S3's limit on user metadata: the UTF-8 bytes of every name (without `x-amz-meta-`) and value, summed. */
export const MAX_USER_METADATA_BYTES = 2 * 1024;

/** The content headers S3 stores with an object, by their ObjectMetadata field. */
const CONTENT_HEADERS = [
  ['cacheControl', 'cache-control'],
  ['contentDisposition', 'content-disposition'],
  ['contentEncoding', 'content-encoding'],
  ['contentLanguage', 'content-language'],
  ['expires', 'expires'],
] as const;

/** A write's metadata: `x-amz-meta-*` headers and the content headers; 400 MetadataTooLarge past 2 KB. */
export function requestMetadata(c: { req: S3ObjectContext['req'] }): ObjectMetadata {
  const user: Record<string, string> = {};
  let size = 0;
  for (const [name, value] of Object.entries(c.req.headers)) {
    if (!name.startsWith('x-amz-meta-') || value === undefined) continue;
    const key = name.slice('x-amz-meta-'.length);
    const v = Array.isArray(value) ? value.join(',') : value;
    user[key] = v;
    size += Buffer.byteLength(key) + Buffer.byteLength(v);
  }
  if (size > MAX_USER_METADATA_BYTES) {
    throw new S3Error('MetadataTooLarge', 400, 'Your metadata headers exceed the maximum allowed metadata size.', { Size: String(size), MaxSizeAllowed: String(MAX_USER_METADATA_BYTES) });
  }
  const out: { -readonly [K in keyof ObjectMetadata]: ObjectMetadata[K] } = Object.keys(user).length === 0 ? {} : { userMetadata: user };
  for (const [field, header] of CONTENT_HEADERS) {
    // aws-chunked is the transfer framing of this request, not the object's encoding.
    const v = headerOf(c.req, header)?.split(',').map((t) => t.trim()).filter((t) => !(header === 'content-encoding' && t === 'aws-chunked')).join(', ');
    if (v) out[field] = v;
  }
  return out;
}

function objectHeaders(c: S3ObjectContext, info: ObjectInfo, ranged: boolean): void {
  const q = c.target.query;
  void c.reply
    .header('etag', info.etag)
    .header('last-modified', httpDate(info.lastModified))
    .header('accept-ranges', 'bytes')
    .header('content-type', q.get('response-content-type') ?? info.contentType ?? 'binary/octet-stream')
    .headers(USER_CONTENT_HEADERS);
  for (const [name, value] of Object.entries(info.userMetadata ?? {})) void c.reply.header(`x-amz-meta-${name}`, value);
  for (const [field, header] of CONTENT_HEADERS) {
    const v = q.get(`response-${header}`) ?? info[field];
    if (v !== undefined) void c.reply.header(header, v);
  }
  // The sha256 Loam records for every object, in S3's checksum form, when the client asks for checksums.
  // A multipart object's S3 checksum is a checksum of part checksums, which Loam does not keep, and a
  // range has no checksum of its own: neither gets one.
  if (headerOf(c.req, 'x-amz-checksum-mode')?.toUpperCase() === 'ENABLED' && !ranged && /^[0-9a-f]{64}$/.test(info.sha256) && !info.etag.includes('-')) {
    void c.reply.header('x-amz-checksum-sha256', Buffer.from(info.sha256, 'hex').toString('base64')).header('x-amz-checksum-type', 'FULL_OBJECT');
  }
}

export async function putObject(c: S3ObjectContext) {
  const { bucket, key } = c.target;
  const length = headerOf(c.req, 'content-length');
  if (length !== undefined && Number(length) > MAX_PUT_BYTES + 1024 * 1024) throw new S3Error('EntityTooLarge', 400, 'Your proposed upload exceeds the maximum allowed object size.');
  const contentType = headerOf(c.req, 'content-type');
  const conditions = writeConditions(c.req);
  const metadata = requestMetadata(c);
  let info: ObjectInfo;
  try {
    // Refused before the body is read when already false; the store checks again, atomically, as it commits.
    if (conditions.ifMatch !== undefined || conditions.ifNoneMatch !== undefined) checkPutCondition({ bucket, key }, await c.store.head({ bucket, key }), conditions);
    info = await c.store.put({ bucket, key }, verifiedBody(c.req.raw, c.verified), { ...(contentType ? { contentType } : {}), ...metadata, ...conditions });
  } catch (e) {
    throw writeError(e, bucket, key, conditions);
  }
  for (const [name, value] of Object.entries(c.req.headers)) if (/^x-amz-checksum-(crc32|crc32c|sha1|sha256)$/.test(name) && typeof value === 'string') void c.reply.header(name, value);
  return c.reply.code(200).header('etag', info.etag).send();
}

/** `bytes=a-b`, `bytes=a-`, `bytes=-n` → an inclusive range, or undefined to send the whole object. */
function parseRange(header: string | undefined, size: number): { start: number; end: number } | undefined {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined; // S3 ignores a Range it cannot read
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0 || size === 0) throw invalidRange(size);
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== '' && Number(m[2]) < start) return undefined;
  if (start >= size) throw invalidRange(size);
  return { start, end };
}

function invalidRange(size: number): S3Error {
  return new S3Error('InvalidRange', 416, 'The requested range is not satisfiable', { ActualObjectSize: String(size) });
}

/** What {@link objectHeaders} and a ranged answer set, all of it describing one version of the object. */
const DESCRIBING = /^(etag|last-modified|content-type|content-length|content-range|cache-control|content-disposition|content-encoding|content-language|expires|x-amz-meta-.*|x-amz-checksum-.*)$/;

/** Forgets what an earlier attempt said of the object (another version's metadata must not go out with these bytes). */
function clearObjectHeaders(c: S3ObjectContext): void {
  for (const name of Object.keys(c.reply.getHeaders())) if (DESCRIBING.test(name)) c.reply.removeHeader(name);
  void c.reply.code(200);
}

/** The object's info, or S3's NoSuchKey. */
async function headOrNoSuchKey(c: S3ObjectContext): Promise<ObjectInfo> {
  const { bucket, key } = c.target;
  let info: ObjectInfo | undefined;
  try {
    info = await c.store.head({ bucket, key });
  } catch (e) {
    throw objectError(e, bucket, key);
  }
  if (!info) throw noSuchKey(key);
  return info;
}

/** A `?partNumber=` value as S3 takes it (checked before the object is read), or undefined when there is none. */
function partNumberOf(c: S3ObjectContext): number | undefined {
  const n = c.target.query.get('partNumber');
  if (n === undefined) return undefined;
  if (!/^\d{1,5}$/.test(n) || Number(n) < 1 || Number(n) > MAX_PART_NUMBER) {
    throw new S3Error('InvalidArgument', 400, `Part number must be an integer between 1 and ${MAX_PART_NUMBER}, inclusive`, { ArgumentName: 'partNumber', ArgumentValue: n });
  }
  if (headerOf(c.req, 'range') !== undefined) throw new S3Error('InvalidRequest', 400, 'Cannot specify both Range header and partNumber query parameter.');
  return Number(n);
}

/**
 * GetObject / HeadObject `?partNumber=N`: the bytes of part N, as a ranged read (206, Content-Range of the
 * part, the whole object's ETag). An object put whole is one part; a multipart object's part count is in its
 * ETag (`"…-<parts>"`, sent as `x-amz-mp-parts-count`), and beyond it is InvalidPartNumber (416). Where its
 * parts end is recorded when the upload completes (ObjectInfo.partSizes); an object completed before Loam
 * recorded them (or on a store that does not) is refused with NotImplemented rather than answered with the
 * whole object, which multipart downloaders (the AWS SDK for Java's transfer manager, the CRT) would join
 * once per part into a corrupt file.
 */
function partOf(c: S3ObjectContext, info: ObjectInfo): { range: { start: number; end: number } | undefined; count: number | undefined } | undefined {
  const n = partNumberOf(c);
  if (n === undefined) return undefined;
  const parts = /-(\d+)"$/.exec(info.etag);
  const count = parts ? Number(parts[1]) : 1;
  if (n > count) throw new S3Error('InvalidPartNumber', 416, 'The requested partnumber is not satisfiable', { PartNumberRequested: String(n), ActualPartCount: String(count) });
  const sizes = count === 1 ? [info.size] : info.partSizes;
  if (sizes?.length !== count) {
    throw notImplemented(`partNumber=${n} of an object uploaded in ${count} parts before Loam recorded where its parts end (read the part's bytes with a Range header instead, or upload the object again)`);
  }
  const start = sizes.slice(0, n - 1).reduce((a, b) => a + b, 0);
  const size = sizes[n - 1] as number;
  return { range: size > 0 ? { start, end: start + size - 1 } : undefined, count: parts ? count : undefined };
}

export async function getObject(c: S3ObjectContext, headOnly: boolean, attempt = 1): Promise<unknown> {
  const { bucket, key } = c.target;
  if (attempt > 1) clearObjectHeaders(c);
  const info = await headOrNoSuchKey(c);
  if (readConditions(c.req, info) === 'not-modified') {
    return c.reply.code(304).header('etag', info.etag).header('last-modified', httpDate(info.lastModified)).send();
  }
  const part = partOf(c, info);
  // Under an If-Range naming another version, the Range is ignored: the whole object (200).
  const range = part ? part.range : ifRangeHolds(c.req, info) ? parseRange(headerOf(c.req, 'range'), info.size) : undefined;
  objectHeaders(c, info, range !== undefined);
  if (range) void c.reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${info.size}`);
  if (part?.count !== undefined) void c.reply.header('x-amz-mp-parts-count', String(part.count));
  // An empty part (an empty object's part 1, or an empty last part) has no Content-Range: its answer is empty.
  const length = range ? range.end - range.start + 1 : part ? 0 : info.size;
  void c.reply.header('content-length', String(length));
  if (headOnly) return c.reply.send();
  if (part && !range) return c.reply.send('');
  try {
    const { info: now, body } = await c.store.get({ bucket, key }, range ? { range } : {});
    // An overwrite between head and get: the headers must describe the bytes sent.
    if (now.etag !== info.etag && attempt < 5) {
      body.destroy();
      return getObject(c, headOnly, attempt + 1);
    }
    return sendStoreBody(c.reply, body, c.stalledClientMs);
  } catch (e) {
    clearObjectHeaders(c);
    throw objectError(e, bucket, key);
  }
}

/** GetObjectTagging: Loam keeps no object tags, so an existing object's TagSet is empty. */
export async function getObjectTagging(c: S3ObjectContext) {
  await headOrNoSuchKey(c);
  return sendXml(c.reply, xmlDocument('Tagging', { TagSet: '' }));
}

export async function deleteObject(c: S3ObjectContext) {
  const { bucket, key } = c.target;
  try {
    await c.store.delete({ bucket, key });
  } catch (e) {
    throw objectError(e, bucket, key);
  }
  return c.reply.code(204).send();
}

/** `x-amz-copy-source: /bucket/key` (or `bucket/key`, percent-encoded, maybe `?versionId=`). */
export function copySource(header: string): { bucket: string; key: string } {
  const [raw = '', query] = header.split('?', 2);
  // Loam keeps no versions: only the null version (an unversioned object's) can be named; any other id named nothing.
  const versionId = new URLSearchParams(query ?? '').get('versionId');
  if (versionId !== null && versionId !== 'null') throw new S3Error('InvalidArgument', 400, 'Invalid version id specified', { ArgumentName: 'x-amz-copy-source', ArgumentValue: header });
  const decoded = percentDecode(raw.startsWith('/') ? raw.slice(1) : raw);
  const slash = decoded.indexOf('/');
  if (slash <= 0 || slash === decoded.length - 1) throw new S3Error('InvalidArgument', 400, 'Copy Source must mention the source bucket and key: sourcebucket/sourcekey', { ArgumentName: 'x-amz-copy-source' });
  checkKeyLength(decoded.slice(slash + 1));
  return { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1) };
}

export async function copyObject(c: S3ObjectContext, sourceHeader: string) {
  const { bucket, key } = c.target;
  const src = copySource(sourceHeader);
  await c.authorize('s3:GetObject', s3Arn(src.bucket, src.key));
  await smallBody(c.req.raw, c.verified);
  const directive = headerOf(c.req, 'x-amz-metadata-directive') ?? 'COPY';
  if (directive !== 'COPY' && directive !== 'REPLACE') throw new S3Error('InvalidArgument', 400, 'Unknown metadata directive.', { ArgumentName: 'x-amz-metadata-directive', ArgumentValue: directive });
  const replace = directive === 'REPLACE';
  if (!replace && src.bucket === bucket && src.key === key) {
    // S3's rule: a copy onto itself must change something (Loam has only the metadata to change).
    throw new S3Error('InvalidRequest', 400, "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.");
  }
  const replaced = replace ? requestMetadata(c) : undefined;
  let info: ObjectInfo;
  try {
    const { info: srcInfo, body } = await c.store.get(src);
    try {
      checkCopySourceConditions(c.req, srcInfo);
      const contentType = replace ? headerOf(c.req, 'content-type') : srcInfo.contentType;
      // COPY keeps the source's user metadata and content headers; REPLACE takes the request's.
      info = await c.store.put({ bucket, key }, body, { ...(contentType ? { contentType } : {}), ...(replaced ?? pickObjectMetadata(srcInfo)) });
    } finally {
      // A put that fails before reading the body (no destination bucket, the backend busy) leaves it open: over an S3
      // backend it held one of the pooled connections for good.
      body.destroy();
    }
  } catch (e) {
    if (isLoamError(e) && e.code === 'ResourceNotFound') throw e.message.startsWith('Bucket') ? noSuchBucket(e.message.includes(`'${src.bucket}'`) ? src.bucket : bucket) : noSuchKey(src.key);
    throw e;
  }
  return sendXml(c.reply, xmlDocument('CopyObjectResult', { LastModified: isoDate(info.lastModified), ETag: info.etag }));
}

export async function createMultipartUpload(c: S3ObjectContext) {
  const { bucket, key } = c.target;
  await smallBody(c.req.raw, c.verified);
  const metadata = requestMetadata(c);
  try {
    // The bucket must exist and the key be valid now, not only when the upload completes.
    await c.store.list({ bucket, maxKeys: 1 });
    await c.store.head({ bucket, key });
  } catch (e) {
    throw objectError(e, bucket, key);
  }
  const uploadId = await c.uploads.create({ bucket, key }, headerOf(c.req, 'content-type'), metadata);
  return sendXml(c.reply, xmlDocument('InitiateMultipartUploadResult', { Bucket: bucket, Key: key, UploadId: uploadId }));
}

export async function uploadPart(c: S3ObjectContext, uploadId: string) {
  const { bucket, key } = c.target;
  const n = c.target.query.get('partNumber') ?? '';
  const part = await c.uploads.uploadPart(uploadId, { bucket, key }, /^\d+$/.test(n) ? Number(n) : Number.NaN, verifiedBody(c.req.raw, c.verified));
  return c.reply.code(200).header('etag', part.etag).send();
}

/** UploadPartCopy's `x-amz-copy-source-range: bytes=a-b` (both ends, inclusive, within the source). */
function copySourceRange(header: string | undefined, size: number): { start: number; end: number } | undefined {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d+)-(\d+)$/.exec(header.trim());
  if (!m) throw new S3Error('InvalidArgument', 400, 'The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy', { ArgumentName: 'x-amz-copy-source-range', ArgumentValue: header });
  const start = Number(m[1]);
  const end = Number(m[2]);
  if (end < start || end >= size) throw new S3Error('InvalidRange', 416, `The requested range is not satisfiable: the source object's size is ${size}.`, { ActualObjectSize: String(size), RangeRequested: header });
  return { start, end };
}

/**
 * UploadPartCopy: a part of the upload copied from an existing object (or a byte range of it), as boto3's
 * `s3.copy` and `aws s3 cp` between S3 locations do for large objects. Authorized like CopyObject:
 * s3:PutObject on the destination (by the route) and s3:GetObject on the source (here).
 */
export async function uploadPartCopy(c: S3ObjectContext, uploadId: string, sourceHeader: string) {
  const { bucket, key } = c.target;
  const src = copySource(sourceHeader);
  await c.authorize('s3:GetObject', s3Arn(src.bucket, src.key));
  await smallBody(c.req.raw, c.verified);
  const n = c.target.query.get('partNumber') ?? '';
  // The upload must exist before the source is read.
  await c.uploads.listParts(uploadId, { bucket, key });
  let srcInfo: ObjectInfo | undefined;
  try {
    srcInfo = await c.store.head(src);
  } catch (e) {
    throw copySourceError(e, src, bucket);
  }
  if (!srcInfo) throw noSuchKey(src.key);
  const range = copySourceRange(headerOf(c.req, 'x-amz-copy-source-range'), srcInfo.size);
  let part;
  try {
    const { info, body } = await c.store.get(src, range ? { range } : {});
    try {
      // The conditions are checked against the object whose bytes are read.
      checkCopySourceConditions(c.req, info);
      part = await c.uploads.uploadPart(uploadId, { bucket, key }, /^\d+$/.test(n) ? Number(n) : Number.NaN, body);
    } finally {
      body.destroy();
    }
  } catch (e) {
    throw copySourceError(e, src, bucket);
  }
  return sendXml(c.reply, xmlDocument('CopyPartResult', { LastModified: isoDate(part.lastModified), ETag: part.etag }));
}

function copySourceError(e: unknown, src: { bucket: string; key: string }, bucket: string): unknown {
  if (isLoamError(e) && e.code === 'ResourceNotFound') return e.message.startsWith('Bucket') ? noSuchBucket(e.message.includes(`'${src.bucket}'`) ? src.bucket : bucket) : noSuchKey(src.key);
  return e;
}

export async function completeMultipartUpload(c: S3ObjectContext, uploadId: string) {
  const { bucket, key } = c.target;
  const xml = await smallBody(c.req.raw, c.verified);
  const parts = xmlItems(xml, 'Part').map((p) => ({ partNumber: Number(p['PartNumber']), etag: p['ETag'] ?? '' }));
  if (!/<CompleteMultipartUpload[\s>]/.test(xml) || parts.some((p) => !Number.isInteger(p.partNumber))) throw new S3Error('MalformedXML', 400, 'The XML you provided was not well-formed or did not validate against our published schema.');
  const outOfRange = parts.find((p) => p.partNumber < 1 || p.partNumber > MAX_PART_NUMBER);
  if (outOfRange) throw new S3Error('InvalidArgument', 400, `Part number must be an integer between 1 and ${MAX_PART_NUMBER}, inclusive`, { ArgumentName: 'partNumber', ArgumentValue: String(outOfRange.partNumber) });
  const conditions = writeConditions(c.req);
  const work = (async () => {
    let info: ObjectInfo;
    try {
      // A failed condition leaves the upload in place, as on S3: it can still be completed elsewhere or aborted.
      info = await c.uploads.complete(uploadId, { bucket, key }, parts, c.store, conditions);
    } catch (e) {
      throw writeError(e, bucket, key, conditions);
    }
    return xmlDocument('CompleteMultipartUploadResult', { Location: `/${bucket}/${key}`, Bucket: bucket, Key: key, ETag: info.etag });
  })();
  return answerWhileWorking(c.req, c.reply, work);
}

export async function abortMultipartUpload(c: S3ObjectContext, uploadId: string) {
  await c.uploads.abort(uploadId, { bucket: c.target.bucket, key: c.target.key });
  return c.reply.code(204).send();
}

/**
 * A query argument S3 reads as an integer from 0 to 2^31-1 (ListParts' max-parts and part-number-marker), or
 * undefined when absent. Anything else is refused naming it: `max-parts=-1` made an empty page that claimed
 * to be truncated (a 500 reading its last part), and `abc` or `1.5` were echoed back as the marker.
 */
function wholeNumberArgument(q: ReadonlyMap<string, string>, name: string): number | undefined {
  const v = q.get(name);
  if (v === undefined) return undefined;
  if (!/^\d{1,10}$/.test(v) || Number(v) > 2147483647) throw new S3Error('InvalidArgument', 400, `Argument ${name} must be an integer between 0 and 2147483647`, { ArgumentName: name, ArgumentValue: v });
  return Number(v);
}

export async function listParts(c: S3ObjectContext, uploadId: string) {
  const { bucket, key } = c.target;
  const q = c.target.query;
  const marker = wholeNumberArgument(q, 'part-number-marker') ?? 0;
  const max = Math.min(1000, wholeNumberArgument(q, 'max-parts') || 1000);
  const all = (await c.uploads.listParts(uploadId, { bucket, key })).filter((p) => p.partNumber > marker);
  const page = all.slice(0, max);
  const truncated = all.length > max;
  return sendXml(
    c.reply,
    xmlDocument('ListPartsResult', {
      Bucket: bucket,
      Key: key,
      UploadId: uploadId,
      PartNumberMarker: marker,
      ...(truncated ? { NextPartNumberMarker: (page[page.length - 1] as { partNumber: number }).partNumber } : {}),
      MaxParts: max,
      IsTruncated: truncated,
      Part: page.map((p) => ({ PartNumber: p.partNumber, LastModified: isoDate(p.lastModified), ETag: p.etag, Size: p.size })),
      StorageClass: 'STANDARD',
    }),
  );
}
