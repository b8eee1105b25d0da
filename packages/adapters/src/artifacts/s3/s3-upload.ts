import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import type { ObjectMetadata, ObjectRef } from '@loam/core';
import { s3Error } from './s3-errors.js';
import { abortEmptyUploads, countLostTries, uploadsOfEarlierAttempts } from './s3-orphan-uploads.js';
import { PARTS_METADATA } from './s3-part-sizes.js';

type S3Module = typeof import('@aws-sdk/client-s3');

/** A body written to a private temp file, with what S3 needs to know before the upload starts. */
export interface Spooled {
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
  release(): Promise<void>;
}

/**
 * Streams a body to a 0600 file in a fresh 0700 directory, hashing as it goes. S3 wants the sha256
 * (as `x-amz-meta-sha256`) and the length before the first byte is sent; spooling gives both while
 * memory stays bounded whatever the object's size.
 */
export async function spool(body: Readable | AsyncIterable<Uint8Array>, dir: string, signal?: AbortSignal): Promise<Spooled> {
  const tmp = await mkdtemp(join(dir, 'loam-s3-spool-'));
  const release = () => rm(tmp, { recursive: true, force: true });
  const path = join(tmp, 'body');
  const sha = createHash('sha256');
  let size = 0;
  try {
    const fh = await open(path, 'wx', 0o600);
    try {
      for await (const c of body as AsyncIterable<Uint8Array | string>) {
        signal?.throwIfAborted();
        const chunk = typeof c === 'string' ? Buffer.from(c) : c;
        sha.update(chunk);
        size += chunk.length;
        for (let off = 0; off < chunk.length; ) off += (await fh.write(chunk, off, chunk.length - off)).bytesWritten;
      }
      signal?.throwIfAborted();
    } finally {
      await fh.close();
    }
  } catch (e) {
    await release();
    throw e;
  }
  return { path, size, sha256: sha.digest('hex'), release };
}

export interface UploadInput {
  readonly ref: ObjectRef;
  readonly size: number;
  readonly contentType?: string;
  readonly metadata?: ObjectMetadata;
  /** A fresh stream of bytes `start..end` (inclusive) of the body. */
  readonly slice: (start: number, end: number) => Readable | Uint8Array;
  readonly partSize: number;
  /** How many times each request is tried (the store's `maxAttempts`). */
  readonly attempts: number;
  /**
   * The parts to upload, in order, when the writer gave sizes S3 takes as parts (s3-part-sizes.ts):
   * uploaded as one multipart upload of exactly these, whatever `partSize`.
   */
  readonly parts?: readonly number[];
  /** The store's own metadata entries (`sha256`, `loam-parts`): a user's entry of the same name is not kept. */
  readonly reserved: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
  /** Passed to S3 as the conditional write headers (on PutObject or CompleteMultipartUpload). */
  readonly ifNoneMatch?: string;
  readonly ifMatch?: string;
}

/** S3's limit on one PutObject's body (and so on Loam's own PutObject). */
export const MAX_SINGLE_PUT = 5 * 1024 ** 3;

/**
 * One PutObject for a body written whole (no `parts`) that S3 takes in one request (up to 5 GiB), so the
 * object's ETag is the MD5 of its bytes, as S3 gives a PutObject whatever its size; else a hand-rolled
 * multipart upload (the writer's `parts`, or parts of `partSize` for a larger body or one the backend refuses
 * as EntityTooLarge), aborted on any failure so no parts are left behind. A CreateMultipartUpload the SDK tried again
 * may have left an upload of an earlier try whose answer was lost: it is aborted when the upload ends, if it holds no
 * part (s3-orphan-uploads.ts). Returns the ETag S3 gave the new object.
 */
export async function upload(sdk: S3Module, client: S3Client, input: UploadInput): Promise<string> {
  const { ref, size, signal } = input;
  const common = {
    Bucket: ref.bucket,
    Key: ref.key,
    // The store's own entries last: a user's `sha256` or `loam-parts` cannot override them (they are reserved).
    Metadata: { ...withoutReserved(input.metadata?.userMetadata ?? {}), ...input.reserved },
    ...(input.contentType === undefined ? {} : { ContentType: input.contentType }),
    ...(input.metadata?.cacheControl === undefined ? {} : { CacheControl: input.metadata.cacheControl }),
    ...(input.metadata?.contentDisposition === undefined ? {} : { ContentDisposition: input.metadata.contentDisposition }),
    ...(input.metadata?.contentEncoding === undefined ? {} : { ContentEncoding: input.metadata.contentEncoding }),
    ...(input.metadata?.contentLanguage === undefined ? {} : { ContentLanguage: input.metadata.contentLanguage }),
    // The SDK takes Expires as a Date only: an unreadable value is not sent.
    ...(input.metadata?.expires === undefined || Number.isNaN(Date.parse(input.metadata.expires)) ? {} : { Expires: new Date(input.metadata.expires) }),
  };
  const opts = signal ? { abortSignal: signal } : {};
  const conditions = { ...(input.ifNoneMatch === undefined ? {} : { IfNoneMatch: input.ifNoneMatch }), ...(input.ifMatch === undefined ? {} : { IfMatch: input.ifMatch }) };
  if (input.parts === undefined && size <= MAX_SINGLE_PUT) {
    const seen = { uncertain: false };
    try {
      const body = () => (size === 0 ? new Uint8Array(0) : input.slice(0, size - 1));
      const out = await sendSliced(body, (Body) => client.send(new sdk.PutObjectCommand({ ...common, ...conditions, Body, ContentLength: size }), opts), input.attempts, signal, seen);
      return out.ETag ?? '';
    } catch (e) {
      // A conditional write sent again after an attempt that may have written (no answer, a 500): the refusal may be
      // of the object that attempt wrote. The object holding these very bytes (the store's sha256 and the size) is taken as written.
      // The SDK's own retries (a body of bytes) are as uncertain as sendSliced's.
      const conditional = input.ifNoneMatch !== undefined || input.ifMatch !== undefined;
      if ((seen.uncertain || retried(e)) && conditional && s3Error(e).status === 412) {
        const etag = await writtenHere(sdk, client, input);
        if (etag !== undefined) return etag;
      }
      // S3-compatible services may take less in one request than S3's 5 GiB (R2: 5 MiB less; B2: 5 GB):
      // refused so, the body goes up as a multipart upload, as every body over 16 MiB did before.
      if (s3Error(e).code !== 'EntityTooLarge') throw e;
    }
  }
  const sent = Date.now();
  const create = new sdk.CreateMultipartUploadCommand(common);
  const lostTries = countLostTries(create);
  const created = await client.send(create, opts);
  const { UploadId } = created;
  // Tried again by the SDK after a try with no answer: it may have made an upload whose id was lost (s3-orphan-uploads.ts).
  const lost = lostTries();
  const orphans = lost > 0 && UploadId !== undefined ? await uploadsOfEarlierAttempts(sdk, client, ref, UploadId, Date.now() - sent).catch(() => []) : [];
  try {
    const parts: { ETag: string; PartNumber: number }[] = [];
    let start = 0;
    for (const [i, length] of partLengths(input).entries()) {
      // An empty part (the last one may be) has no byte range to slice.
      const from = start;
      const body = () => (length === 0 ? new Uint8Array(0) : input.slice(from, from + length - 1));
      const out = await sendSliced(
        body,
        (Body) => client.send(new sdk.UploadPartCommand({ Bucket: ref.bucket, Key: ref.key, UploadId, PartNumber: i + 1, Body, ContentLength: length }), opts),
        input.attempts,
        signal,
      );
      parts.push({ ETag: out.ETag as string, PartNumber: i + 1 });
      start += length;
    }
    const complete = new sdk.CompleteMultipartUploadCommand({ Bucket: ref.bucket, Key: ref.key, UploadId, ...conditions, MultipartUpload: { Parts: parts } });
    const done = await client.send(complete, opts).catch(async (e: unknown) => {
      // Tried again by the SDK after no answer (a backend silent past the idle limit while it completed): a completion
      // the first try carried out is refused, NoSuchUpload (404), or 412 for a conditional one. The put wrote.
      const etag = retried(e) && [404, 412].includes(s3Error(e).status ?? 0) ? await writtenHere(sdk, client, input) : undefined;
      if (etag === undefined) throw e;
      return { ETag: etag };
    });
    return done.ETag ?? '';
  } catch (e) {
    await client.send(new sdk.AbortMultipartUploadCommand({ Bucket: ref.bucket, Key: ref.key, UploadId })).catch(() => {});
    throw e;
  } finally {
    await abortEmptyUploads(sdk, client, ref, orphans, lost);
  }
}

/** Whether the SDK tried the failed request more than once. */
function retried(e: unknown): boolean {
  return ((e as { $metadata?: { attempts?: number } } | undefined)?.$metadata?.attempts ?? 1) > 1;
}

/**
 * The ETag of the object when it holds this upload's very bytes (the store's sha256 and the size): a write tried again
 * whose first try may have written is refused by its own object.
 */
async function writtenHere(sdk: S3Module, client: S3Client, input: UploadInput): Promise<string | undefined> {
  const head = await client.send(new sdk.HeadObjectCommand({ Bucket: input.ref.bucket, Key: input.ref.key }), input.signal ? { abortSignal: input.signal } : {}).catch(() => undefined);
  const sha256 = input.reserved['sha256'];
  if (head?.ETag !== undefined && sha256 !== undefined && head.Metadata?.['sha256'] === sha256 && head.ContentLength === input.size) return head.ETag;
  return undefined;
}

/**
 * Sends one upload request whose body is `body()`. Bytes go to the SDK, which retries the request itself. A
 * stream (a slice of the spooled file) the SDK sends once: it does not retry a request whose stream it has read,
 * since a stream cannot be read twice, so one dropped connection failed the whole put. Here each attempt reads
 * the file again, with a fresh stream, and the failures the SDK retries for other requests are retried:
 * no answer (a dropped connection, a timeout), a 5xx, or throttling. Each stream is closed after its attempt
 * (a refusal can come before it is read: Expect: 100-continue).
 */
async function sendSliced<T>(
  body: () => Readable | Uint8Array,
  send: (body: Readable | Uint8Array) => Promise<T>,
  // As many as the SDK makes of other requests.
  attempts: number,
  signal: AbortSignal | undefined,
  seen: { uncertain: boolean } = { uncertain: false },
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const b = body();
    try {
      return await send(b);
    } catch (e) {
      if (!(b instanceof Readable) || attempt >= attempts || signal?.aborted || !transient(e)) throw e;
      // No answer, or an error a gateway or S3 gives after it may have taken the request whole: `seen` tells the
      // caller that a retry's refusal may be of this attempt's own write.
      if ([undefined, 500, 502, 504].includes(s3Error(e).status)) seen.uncertain = true;
    } finally {
      if (b instanceof Readable) b.destroy();
    }
    // The SDK's backoff: up to 100 ms, then 200 ms, with jitter.
    await delay(Math.random() * 100 * 2 ** (attempt - 1), undefined, signal ? { signal } : {});
  }
}

const NETWORK_ERRORS = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);
const THROTTLING = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequestsException']);

/** Whether the SDK would retry this failure of a request that has a body it can send again. */
function transient(e: unknown): boolean {
  if ((e as Error | undefined)?.name === 'AbortError') return false;
  const { code, status } = s3Error(e);
  const errno = (e as { code?: string } | undefined)?.code;
  if (status === undefined) return NETWORK_ERRORS.has(code) || (errno !== undefined && NETWORK_ERRORS.has(errno));
  return status >= 500 || status === 429 || THROTTLING.has(code) || NETWORK_ERRORS.has(code);
}

/** The sizes of the parts to upload: the writer's, or `partSize` each and the rest last. */
function partLengths(input: UploadInput): readonly number[] {
  if (input.parts !== undefined) return input.parts;
  const out: number[] = [];
  for (let start = 0; start < input.size; start += input.partSize) out.push(Math.min(input.partSize, input.size - start));
  return out;
}

function withoutReserved(user: Readonly<Record<string, string>>): Record<string, string> {
  const out = { ...user };
  delete out['sha256'];
  delete out[PARTS_METADATA];
  return out;
}

/** Slices of a spooled file, read from disk on demand. */
export function fileSlicer(path: string): (start: number, end: number) => Readable {
  return (start, end) => createReadStream(path, { start, end, highWaterMark: 1 << 16 });
}
