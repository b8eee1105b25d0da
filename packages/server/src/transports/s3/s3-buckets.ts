import { S3Error, noSuchBucket } from './s3-errors.js';
import { isoDate, sendXml, type S3BucketContext, type S3Context } from './s3-context.js';
import { smallBody } from './s3-body.js';
import { s3Arn } from './s3-request.js';
import { uriEncode } from '../../auth/sigv4/sigv4-canonical.js';
import { xmlDocument, xmlItems, xmlText } from './s3-xml.js';
import { createBucketAsS3, isLoamError } from '@loam/core';

const OWNER = { ID: 'loam', DisplayName: 'loam' };

function isCode(e: unknown, code: string): boolean {
  return isLoamError(e) && e.code === code;
}

export async function listBuckets(c: S3Context) {
  const buckets = await c.store.listBuckets();
  return sendXml(
    c.reply,
    xmlDocument('ListAllMyBucketsResult', {
      Owner: OWNER,
      Buckets: { Bucket: buckets.map((b) => ({ Name: b.name, CreationDate: isoDate(b.createdAt) })) },
    }),
  );
}

export async function createBucket(c: S3BucketContext) {
  // The body may hold a CreateBucketConfiguration (LocationConstraint): one region here, so it is read and ignored.
  await smallBody(c.req.raw, c.verified);
  try {
    await createBucketAsS3(c.store, c.region, c.target.bucket);
  } catch (e) {
    if (isCode(e, 'ResourceInUse')) throw new S3Error('BucketAlreadyOwnedByYou', 409, 'Your previous request to create the named bucket succeeded and you already own it.', { BucketName: c.target.bucket });
    throw e;
  }
  return c.reply.code(200).header('location', `/${c.target.bucket}`).send();
}

/** A bucket's existence, as S3's HEAD bucket and ListObjects answer it. */
async function requireBucket(c: S3BucketContext): Promise<void> {
  try {
    await c.store.list({ bucket: c.target.bucket, maxKeys: 1 });
  } catch (e) {
    if (isCode(e, 'ResourceNotFound')) throw noSuchBucket(c.target.bucket);
    throw e;
  }
}

export async function headBucket(c: S3BucketContext) {
  await requireBucket(c);
  return c.reply.code(200).header('x-amz-bucket-region', c.region).send();
}

export async function getBucketLocation(c: S3BucketContext) {
  await requireBucket(c);
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${c.region === 'us-east-1' ? '' : c.region}</LocationConstraint>`;
  return sendXml(c.reply, xml);
}

export async function deleteBucket(c: S3BucketContext) {
  try {
    await c.store.deleteBucket(c.target.bucket);
  } catch (e) {
    if (isCode(e, 'ResourceInUse')) throw new S3Error('BucketNotEmpty', 409, 'The bucket you tried to delete is not empty', { BucketName: c.target.bucket });
    if (isCode(e, 'ResourceNotFound')) throw noSuchBucket(c.target.bucket);
    throw e;
  }
  return c.reply.code(204).send();
}

const token = {
  encode: (s: string) => Buffer.from(s, 'utf8').toString('base64url'),
  decode: (t: string) => {
    const s = Buffer.from(t, 'base64url').toString('utf8');
    if (t === '' || Buffer.from(s, 'utf8').toString('base64url') !== t) throw new S3Error('InvalidArgument', 400, 'The continuation token provided is incorrect', { ArgumentName: 'continuation-token' });
    return s;
  },
};

/** ListObjectsV2 (`list-type=2`) and the original ListObjects, over the port's `list`. */
export async function listObjects(c: S3BucketContext, v2: boolean) {
  const q = c.target.query;
  const prefix = q.get('prefix') || undefined;
  const delimiter = q.get('delimiter') || undefined;
  const encode = q.get('encoding-type') === 'url';
  if (q.has('encoding-type') && !encode) throw new S3Error('InvalidArgument', 400, 'Invalid Encoding Method specified in Request', { ArgumentName: 'encoding-type' });
  const maxRaw = q.get('max-keys');
  if (maxRaw !== undefined && !/^\d+$/.test(maxRaw)) throw new S3Error('InvalidArgument', 400, 'Provided max-keys not an integer or within integer range', { ArgumentName: 'max-keys', ArgumentValue: maxRaw });
  const maxKeys = Math.min(1000, maxRaw === undefined ? 1000 : Number(maxRaw));
  const ct = v2 ? q.get('continuation-token') : undefined;
  const startAfter = v2 ? (ct !== undefined ? token.decode(ct) : q.get('start-after') || undefined) : q.get('marker') || undefined;
  let page: Awaited<ReturnType<typeof c.store.list>>;
  try {
    page =
      maxKeys === 0
        ? { objects: [], commonPrefixes: [] }
        : await c.store.list({ bucket: c.target.bucket, maxKeys, ...(prefix ? { prefix } : {}), ...(delimiter ? { delimiter } : {}), ...(startAfter ? { startAfter } : {}) });
    if (maxKeys === 0) await requireBucket(c);
  } catch (e) {
    if (isCode(e, 'ResourceNotFound')) throw noSuchBucket(c.target.bucket);
    throw e;
  }
  const enc = (s: string) => (encode ? uriEncode(s, true) : s);
  const truncated = page.nextStartAfter !== undefined;
  const body = {
    Name: c.target.bucket,
    Prefix: enc(prefix ?? ''),
    ...(v2 ? { ...(ct !== undefined ? { ContinuationToken: ct } : {}), ...(q.has('start-after') ? { StartAfter: enc(q.get('start-after') as string) } : {}), KeyCount: page.objects.length + page.commonPrefixes.length } : { Marker: enc(startAfter ?? '') }),
    // S3 sends NextMarker only with a delimiter; without one, clients page on from the last Key.
    ...(truncated && !v2 && delimiter ? { NextMarker: enc(page.nextStartAfter as string) } : {}),
    MaxKeys: maxKeys,
    ...(delimiter ? { Delimiter: enc(delimiter) } : {}),
    ...(encode ? { EncodingType: 'url' } : {}),
    IsTruncated: truncated,
    ...(truncated && v2 ? { NextContinuationToken: token.encode(page.nextStartAfter as string) } : {}),
    Contents: page.objects.map((o) => ({
      Key: enc(o.key),
      LastModified: isoDate(o.lastModified),
      ETag: o.etag,
      Size: o.size,
      ...(v2 && q.get('fetch-owner') !== 'true' ? {} : { Owner: OWNER }),
      StorageClass: 'STANDARD',
    })),
    CommonPrefixes: page.commonPrefixes.map((p) => ({ Prefix: enc(p) })),
  };
  return sendXml(c.reply, xmlDocument('ListBucketResult', body));
}

/** DeleteObjects: each key is authorized and deleted on its own; failures are reported per key. */
export async function deleteObjects(c: S3BucketContext) {
  const xml = await smallBody(c.req.raw, c.verified);
  const objects = xmlItems(xml, 'Object');
  if (!/<Delete[\s>]/.test(xml) || objects.length === 0 || objects.length > 1000 || objects.some((o) => !o['Key'])) {
    throw new S3Error('MalformedXML', 400, 'The XML you provided was not well-formed or did not validate against our published schema.');
  }
  const quietText = xmlText(xml, 'Quiet')?.trim();
  if (quietText !== undefined && quietText !== 'true' && quietText !== 'false') throw new S3Error('MalformedXML', 400, 'The XML you provided was not well-formed or did not validate against our published schema.');
  const quiet = quietText === 'true';
  const deleted: { Key: string }[] = [];
  const errors: { Key: string; Code: string; Message: string }[] = [];
  for (const o of objects) {
    const key = o['Key'] as string;
    try {
      await c.authorize('s3:DeleteObject', s3Arn(c.target.bucket, key));
      await c.store.delete({ bucket: c.target.bucket, key });
      deleted.push({ Key: key });
    } catch (e) {
      if (isCode(e, 'ResourceNotFound') && /^Bucket/.test((e as Error).message)) throw noSuchBucket(c.target.bucket);
      const code = isCode(e, 'AccessDeniedException') ? 'AccessDenied' : isCode(e, 'ValidationException') ? 'InvalidArgument' : 'InternalError';
      errors.push({ Key: key, Code: code, Message: code === 'InternalError' ? 'We encountered an internal error. Please try again.' : (e as Error).message });
    }
  }
  return sendXml(c.reply, xmlDocument('DeleteResult', { Deleted: quiet ? [] : deleted, Error: errors }));
}

/**
 * ListMultipartUploads (`GET /bucket?uploads`): uploads in progress, by key then initiation time, with
 * S3's prefix, delimiter, key-marker / upload-id-marker paging and max-uploads (at most 1000).
 */
export async function listMultipartUploads(c: S3BucketContext) {
  const q = c.target.query;
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') || undefined;
  const encode = q.get('encoding-type') === 'url';
  if (q.has('encoding-type') && !encode) throw new S3Error('InvalidArgument', 400, 'Invalid Encoding Method specified in Request', { ArgumentName: 'encoding-type' });
  const maxRaw = q.get('max-uploads');
  if (maxRaw !== undefined && !/^\d+$/.test(maxRaw)) throw new S3Error('InvalidArgument', 400, 'Provided max-uploads not an integer or within integer range', { ArgumentName: 'max-uploads', ArgumentValue: maxRaw });
  const maxUploads = Math.min(1000, maxRaw === undefined ? 1000 : Number(maxRaw));
  const keyMarker = q.get('key-marker') ?? '';
  // As on S3, the upload-id-marker counts only together with a key-marker.
  const uploadIdMarker = keyMarker === '' ? '' : q.get('upload-id-marker') ?? '';
  await requireBucket(c);
  const all = await c.uploads.listUploads(c.target.bucket);
  const markerAt = uploadIdMarker === '' ? -1 : all.findIndex((u) => u.key === keyMarker && u.uploadId === uploadIdMarker);
  const after = (u: (typeof all)[number], i: number) => {
    if (keyMarker === '') return true;
    if (u.key !== keyMarker) return u.key > keyMarker;
    if (uploadIdMarker === '') return false;
    return markerAt >= 0 ? i > markerAt : u.uploadId > uploadIdMarker;
  };
  const uploads: (typeof all)[number][] = [];
  const prefixes: string[] = [];
  let truncated = false;
  let last: { key: string; uploadId?: string } | undefined;
  for (const [i, u] of all.entries()) {
    if (!u.key.startsWith(prefix) || !after(u, i)) continue;
    const cut = delimiter === undefined ? -1 : u.key.indexOf(delimiter, prefix.length);
    const common = cut < 0 ? undefined : u.key.slice(0, cut + (delimiter as string).length);
    if (common !== undefined && (prefixes[prefixes.length - 1] === common || (keyMarker !== '' && common <= keyMarker))) continue;
    if (uploads.length + prefixes.length >= maxUploads) {
      truncated = true;
      break;
    }
    if (common !== undefined) {
      prefixes.push(common);
      last = { key: common };
    } else {
      uploads.push(u);
      last = { key: u.key, uploadId: u.uploadId };
    }
  }
  const enc = (s: string) => (encode ? uriEncode(s, true) : s);
  const initiator = { ID: 'loam', DisplayName: 'loam' };
  return sendXml(
    c.reply,
    xmlDocument('ListMultipartUploadsResult', {
      Bucket: c.target.bucket,
      KeyMarker: enc(keyMarker),
      UploadIdMarker: uploadIdMarker,
      ...(truncated && last ? { NextKeyMarker: enc(last.key), NextUploadIdMarker: last.uploadId ?? '' } : {}),
      ...(delimiter ? { Delimiter: enc(delimiter) } : {}),
      Prefix: enc(prefix),
      MaxUploads: maxUploads,
      ...(encode ? { EncodingType: 'url' } : {}),
      IsTruncated: truncated,
      Upload: uploads.map((u) => ({ Key: enc(u.key), UploadId: u.uploadId, Initiator: initiator, Owner: OWNER, StorageClass: 'STANDARD', Initiated: isoDate(u.initiated) })),
      CommonPrefixes: prefixes.map((p) => ({ Prefix: enc(p) })),
    }),
  );
}
