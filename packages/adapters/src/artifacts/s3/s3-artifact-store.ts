import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { ResourceInUseError, checkPartSizes, checkPartSizesSum, pickObjectMetadata } from '@loam/core';
import type { ArtifactStore, ListObjectsQuery, ListObjectsResult, ObjectInfo, ObjectRef, PutOptions } from '@loam/core';
import {
  compareKeys,
  resolveByteRange,
  validateBucketName,
  validateListQuery,
  validateObjectKey,
  validateObjectRef,
} from '@loam/core/ports/artifact-keys';
import { backendAgents } from './s3-agent.js';
import { watchBodyStall } from './s3-body-stall.js';
import { mapS3Error, objectNotFound, s3Error, type S3Backend } from './s3-errors.js';
import { PARTS_METADATA, backendParts, decodePartSizes, encodePartSizes, fitsUserMetadata } from './s3-part-sizes.js';
import { fileSlicer, spool, upload } from './s3-upload.js';

type S3Module = typeof import('@aws-sdk/client-s3');

export interface S3ArtifactStoreOptions {
  /** An S3-compatible endpoint (`http://127.0.0.1:9000`); AWS's own when absent. */
  readonly endpoint?: string;
  /** Default `us-east-1`. */
  readonly region?: string;
  /** Static credentials; the SDK's default provider chain when absent. */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };
  /** Address buckets as `endpoint/bucket` rather than `bucket.endpoint` (most self-hosted S3 needs it). */
  readonly forcePathStyle?: boolean;
  /**
   * The part size of the multipart upload a body larger than one PutObject may be (5 GiB) goes up as.
   * Default 16 MiB, min 5 MiB. A smaller body written whole goes up as one PutObject, so its ETag is its MD5
   * (unless the bucket's default encryption is SSE-KMS or DSSE-KMS: S3's ETag is then no MD5, and is passed on).
   */
  readonly partSize?: number;
  /** Where streamed bodies are spooled before upload (a private subdirectory is made). Default the OS temp dir. */
  readonly spoolDir?: string;
  /** How long a new connection to the backend may take to open. Default 5 000 ms. */
  readonly connectTimeoutMs?: number;
  /**
   * How long a request may wait for one of the pool's connections when all `maxSockets` are busy (slow answers, object
   * bodies read slowly); then it fails with ServiceUnavailable saying the pool was full, not that the backend is down.
   * Counted apart from `connectTimeoutMs`: a request that waited for the pool and then opens a connection has the
   * whole connect limit for it. Default 5 000 ms.
   */
  readonly socketWaitTimeoutMs?: number;
  /**
   * How long a request may wait with no byte coming from or going to the backend (an answer that does not start, a
   * body that stalls): a hung backend then fails the request with ServiceUnavailable instead of holding it forever.
   * Not a cap on a whole transfer, which may take longer while bytes move; an object's body counts only the time its
   * reader waits for bytes (s3-body-stall.ts). Default 15 000 ms: above the 10 s between the spaces MinIO sends while
   * it completes a multipart upload.
   */
  readonly idleTimeoutMs?: number;
  /**
   * How many times a request is tried (the SDK's own retries, and the store's of an upload's streamed body). Default 2:
   * a hung backend fails after `maxAttempts × (connectTimeoutMs + idleTimeoutMs)` at most (40 s at the defaults; 30 s
   * for one that connects and never answers), plus up to `socketWaitTimeoutMs` an attempt while the pool is full
   * (50 s in all), before the 60 s boto3 waits for a byte, so Loam's clients get Loam's 503 naming the backend rather
   * than their own timeout.
   */
  readonly maxAttempts?: number;
  /** How many connections to the backend a store opens at most (more requests wait for one). Default 50, as the SDK's. */
  readonly maxSockets?: number;
}

/** What an option left out is. */
export const S3_BACKEND_DEFAULTS = { connectTimeoutMs: 5_000, socketWaitTimeoutMs: 5_000, idleTimeoutMs: 15_000, maxAttempts: 2, maxSockets: 50 } as const;

const MiB = 1024 * 1024;
const HEAD_CONCURRENCY = 8;

/**
 * The ArtifactStore over S3 or any S3-compatible service. The sha256 is computed while the body
 * streams in and kept as object metadata (`x-amz-meta-sha256`); objects written by other clients
 * without it report `sha256: ''`, and a user's own `sha256` metadata entry is not kept (the name is
 * reserved, as is `loam-parts`). User metadata and content headers are S3's own. ETags are the
 * backend's (`PutOptions.etag` is not used): a body written whole goes up as one PutObject up to S3's
 * 5 GiB limit for one, so S3 gives it the MD5 of its bytes, as it gives a client's PutObject (a backend that
 * takes less in one request answers EntityTooLarge, and the body then goes up as a multipart upload). A bucket
 * whose default encryption is SSE-KMS or DSSE-KMS gives no MD5 ETags: Loam passes on the backend's and computes none.
 * `partSizes` that S3 takes as a multipart upload's parts (each but the last at least 5 MiB, as any
 * multipart upload's are) are uploaded as exactly those parts and recorded (`x-amz-meta-loam-parts`,
 * s3-part-sizes.ts), so the object reports them and its ETag counts them; other part sizes are checked
 * but not recorded (the body then goes up as if written whole). `@aws-sdk/client-s3` is loaded only
 * when a store is opened.
 */
export class S3ArtifactStore implements ArtifactStore {
  /** What failures name: the endpoint and the limits it was given. */
  private readonly backend: S3Backend;

  private constructor(
    private readonly sdk: S3Module,
    private readonly client: S3Client,
    private readonly options: S3ArtifactStoreOptions,
  ) {
    this.backend = backendOf(options);
  }

  static async open(options: S3ArtifactStoreOptions = {}): Promise<S3ArtifactStore> {
    const sdk = await import('@aws-sdk/client-s3');
    const backend = backendOf(options);
    const client = new sdk.S3Client({
      region: options.region ?? 'us-east-1',
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
      forcePathStyle: options.forcePathStyle ?? false,
      // Plain Content-Length uploads: S3-compatible servers do not all speak aws-chunked trailers.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: backend.maxAttempts,
      // Without them a backend that accepts a connection and never answers holds the request (and its caller) forever.
      // The limits are the pools' own (s3-agent.ts), whose errors are ours: the SDK's are off (0), so each limit is
      // told by its type, not by the SDK's wording. The SDK's connection timeout ran from the request's start, so it
      // bounded the wait for the pool and the connection as one.
      requestHandler: { ...backendAgents(backend), connectionTimeout: 0, socketTimeout: 0 },
    });
    return new S3ArtifactStore(sdk, client, options);
  }

  /** Closes the client's connections. */
  close(): void {
    this.client.destroy();
  }

  async createBucket(bucket: string): Promise<void> {
    validateBucketName(bucket);
    const region = this.options.region ?? 'us-east-1';
    const location = region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as 'eu-west-1' } };
    // us-east-1 (and servers that copy it) answer 200 when you re-create your own bucket: ask first.
    const exists = await this.client.send(new this.sdk.HeadBucketCommand({ Bucket: bucket })).then(
      () => true,
      (e: unknown) => {
        if (s3Error(e).status === 404) return false;
        throw mapS3Error(e, { bucket }, this.backend);
      },
    );
    if (exists) throw new ResourceInUseError(`Bucket '${bucket}' already exists.`);
    await this.call({ bucket }, () => this.client.send(new this.sdk.CreateBucketCommand({ Bucket: bucket, ...location })));
  }

  async ensureBucket(bucket: string): Promise<void> {
    try {
      await this.createBucket(bucket);
    } catch (e) {
      if ((e as { code?: string }).code !== 'ResourceInUse') throw e;
    }
  }

  async listBuckets(): Promise<{ name: string; createdAt: number }[]> {
    const out = await this.call({ bucket: '' }, () => this.client.send(new this.sdk.ListBucketsCommand({})));
    return (out.Buckets ?? [])
      .filter((b) => b.Name !== undefined && isValid(validateBucketName, b.Name))
      .map((b) => ({ name: b.Name as string, createdAt: b.CreationDate?.getTime() ?? 0 }))
      .sort((a, b) => compareKeys(a.name, b.name));
  }

  async deleteBucket(bucket: string): Promise<void> {
    validateBucketName(bucket);
    await this.call({ bucket }, () => this.client.send(new this.sdk.DeleteBucketCommand({ Bucket: bucket })));
  }

  async put(
    ref: ObjectRef,
    body: Uint8Array | Readable | AsyncIterable<Uint8Array>,
    options: PutOptions = {},
  ): Promise<ObjectInfo> {
    validateObjectRef(ref);
    checkPartSizes(options.partSizes);
    options.signal?.throwIfAborted();
    await this.requireBucket(ref.bucket);
    const partSize = Math.max(5 * MiB, this.options.partSize ?? 16 * MiB);
    // Part sizes S3 takes as parts become the backend's own (s3-part-sizes.ts); others are checked only.
    const parts = backendParts(options.partSizes);
    const common = { ref, partSize, attempts: this.backend.maxAttempts, ...(parts ? { parts } : {}), ...pick(options) };
    const reserved = (sha256: string): Record<string, string> => {
      const own = { sha256, ...(parts ? { [PARTS_METADATA]: encodePartSizes(parts) } : {}) };
      // A record that would not fit beside the user's metadata is left out: the object then reports no part sizes.
      return fitsUserMetadata(pickObjectMetadata(options).userMetadata ?? {}, own) ? own : { sha256 };
    };
    let sha256: string;
    let size: number;
    let etag: string;
    let recorded: Record<string, string>;
    if (body instanceof Uint8Array) {
      sha256 = createHash('sha256').update(body).digest('hex');
      size = body.length;
      checkPartSizesSum(ref, options.partSizes, size);
      recorded = reserved(sha256);
      etag = await this.call(ref, () => upload(this.sdk, this.client, { ...common, size, reserved: recorded, slice: (s, e) => body.subarray(s, e + 1) }));
    } else {
      const spooled = await spool(body, this.options.spoolDir ?? tmpdir(), options.signal);
      ({ sha256, size } = spooled);
      recorded = reserved(sha256);
      try {
        checkPartSizesSum(ref, options.partSizes, size);
        etag = await this.call(ref, () => upload(this.sdk, this.client, { ...common, size, reserved: recorded, slice: fileSlicer(spooled.path) }));
      } finally {
        await spooled.release();
      }
    }
    const info = await this.head(ref);
    if (info?.sha256 === sha256 && info.etag === etag) return info;
    // A concurrent writer already replaced it; what we wrote was still whole when S3 acknowledged it.
    const contentType = options.contentType === undefined ? {} : { contentType: options.contentType };
    const partSizes = decodePartSizes(recorded[PARTS_METADATA], size, etag);
    return { bucket: ref.bucket, key: ref.key, size, sha256, etag, lastModified: Date.now(), ...contentType, ...pickObjectMetadata(options), ...(partSizes ? { partSizes } : {}) };
  }

  async get(ref: ObjectRef, options: { range?: { start: number; end?: number }; signal?: AbortSignal } = {}): Promise<{ info: ObjectInfo; body: Readable }> {
    validateObjectRef(ref);
    // Checks the range's own shape here; S3 answers InvalidRange for a start past the end.
    const range = resolveByteRange(options.range, Number.MAX_SAFE_INTEGER);
    const Range = range ? { Range: `bytes=${range.start}-${options.range?.end ?? ''}` } : {};
    const out = await this.call(ref, () =>
      this.client.send(new this.sdk.GetObjectCommand({ Bucket: ref.bucket, Key: ref.key, ...Range }), signalOf(options)),
    );
    const total = /\/(\d+)$/.exec(out.ContentRange ?? '')?.[1];
    const info = toInfo(ref, { ...out, ContentLength: total === undefined ? out.ContentLength : Number(total) });
    const body = out.Body === undefined ? Readable.from([]) : watchBodyStall(out.Body as Readable, this.backend, options.signal);
    return { info, body };
  }

  async head(ref: ObjectRef): Promise<ObjectInfo | undefined> {
    validateObjectRef(ref);
    try {
      const out = await this.client.send(new this.sdk.HeadObjectCommand({ Bucket: ref.bucket, Key: ref.key }));
      return toInfo(ref, out);
    } catch (e) {
      if (s3Error(e).status !== 404) throw mapS3Error(e, ref, this.backend);
    }
    await this.requireBucket(ref.bucket);
    return undefined;
  }

  async delete(ref: ObjectRef): Promise<void> {
    validateObjectRef(ref);
    await this.call(ref, () => this.client.send(new this.sdk.DeleteObjectCommand({ Bucket: ref.bucket, Key: ref.key })));
  }

  async list(query: ListObjectsQuery): Promise<ListObjectsResult> {
    const { maxKeys } = validateListQuery(query);
    const { bucket, prefix, delimiter, startAfter } = query;
    const entries: { key: string; prefix: boolean }[] = [];
    let token: string | undefined;
    // One entry past the page tells whether another page follows.
    while (entries.length <= maxKeys) {
      const out = await this.call({ bucket }, () => this.client.send(
        new this.sdk.ListObjectsV2Command({
          Bucket: bucket,
          MaxKeys: Math.min(1000, maxKeys + 1 - entries.length),
          ...(prefix ? { Prefix: prefix } : {}),
          ...(delimiter ? { Delimiter: delimiter } : {}),
          ...(token ? { ContinuationToken: token } : startAfter ? { StartAfter: startAfter } : {}),
        }),
      ));
      const page = [
        ...(out.Contents ?? []).map((o) => ({ key: o.Key as string, prefix: false })),
        ...(out.CommonPrefixes ?? []).map((p) => ({ key: p.Prefix as string, prefix: true })),
      ]
        // A prefix at or before startAfter was handed out on an earlier page (see the port's paging rule).
        .filter((e) => (startAfter === undefined || compareKeys(e.key, startAfter) > 0) && (e.prefix || isValid(validateObjectKey, e.key)))
        .sort((a, b) => compareKeys(a.key, b.key));
      entries.push(...page);
      if (!out.IsTruncated || !out.NextContinuationToken) break;
      token = out.NextContinuationToken;
    }
    const more = entries.length > maxKeys;
    const shown = entries.slice(0, maxKeys);
    const objects = (await mapLimit(shown.filter((e) => !e.prefix), HEAD_CONCURRENCY, (e) => this.head({ bucket, key: e.key }))).filter(
      (o): o is ObjectInfo => o !== undefined,
    );
    return {
      objects,
      commonPrefixes: shown.filter((e) => e.prefix).map((e) => e.key),
      ...(more ? { nextStartAfter: (shown[shown.length - 1] as { key: string }).key } : {}),
    };
  }

  async ping(options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.call({ bucket: '' }, () => this.client.send(new this.sdk.ListBucketsCommand({ MaxBuckets: 1 }), signalOf(options)));
  }

  private async requireBucket(bucket: string): Promise<void> {
    await this.call({ bucket }, () => this.client.send(new this.sdk.HeadBucketCommand({ Bucket: bucket })));
  }

  /** Runs an S3 operation, mapping its failure to the port's errors. */
  private async call<T>(ref: { bucket: string; key?: string }, operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (e) {
      throw mapS3Error(e, ref, this.backend);
    }
  }
}

function backendOf(options: S3ArtifactStoreOptions): S3Backend {
  return {
    name: options.endpoint ?? `AWS S3 (${options.region ?? 'us-east-1'})`,
    connectTimeoutMs: options.connectTimeoutMs ?? S3_BACKEND_DEFAULTS.connectTimeoutMs,
    socketWaitTimeoutMs: options.socketWaitTimeoutMs ?? S3_BACKEND_DEFAULTS.socketWaitTimeoutMs,
    idleTimeoutMs: options.idleTimeoutMs ?? S3_BACKEND_DEFAULTS.idleTimeoutMs,
    maxAttempts: options.maxAttempts ?? S3_BACKEND_DEFAULTS.maxAttempts,
    maxSockets: options.maxSockets ?? S3_BACKEND_DEFAULTS.maxSockets,
  };
}

function signalOf(options: { signal?: AbortSignal }): { abortSignal?: AbortSignal } {
  return options.signal ? { abortSignal: options.signal } : {};
}

function pick(options: PutOptions) {
  const metadata = pickObjectMetadata(options);
  return {
    ...(Object.keys(metadata).length === 0 ? {} : { metadata }),
    ...(options.contentType === undefined ? {} : { contentType: options.contentType }),
    ...(options.signal ? { signal: options.signal } : {}),
    // S3's own conditional writes (If-None-Match: *, If-Match) keep the check atomic on the backend.
    ...(options.ifNoneMatch === undefined ? {} : { ifNoneMatch: options.ifNoneMatch }),
    ...(options.ifMatch === undefined ? {} : { ifMatch: quoted(options.ifMatch) }),
  };
}

function quoted(etag: string): string {
  return etag.startsWith('"') ? etag : `"${etag}"`;
}

interface HeadOutput {
  ContentLength?: number;
  ETag?: string;
  LastModified?: Date;
  ContentType?: string;
  Metadata?: Record<string, string>;
  CacheControl?: string;
  ContentDisposition?: string;
  ContentEncoding?: string;
  ContentLanguage?: string;
  ExpiresString?: string;
}

function toInfo(ref: ObjectRef, out: HeadOutput): ObjectInfo {
  // `sha256` and `loam-parts` are the store's own entries, not user metadata.
  const { sha256: _sha256, [PARTS_METADATA]: parts, ...user } = out.Metadata ?? {};
  const partSizes = decodePartSizes(parts, out.ContentLength ?? 0, out.ETag ?? '');
  return {
    ...(Object.keys(user).length === 0 ? {} : { userMetadata: user }),
    ...(out.CacheControl === undefined ? {} : { cacheControl: out.CacheControl }),
    ...(out.ContentDisposition === undefined ? {} : { contentDisposition: out.ContentDisposition }),
    ...(out.ContentEncoding === undefined ? {} : { contentEncoding: out.ContentEncoding }),
    ...(out.ContentLanguage === undefined ? {} : { contentLanguage: out.ContentLanguage }),
    ...(out.ExpiresString === undefined ? {} : { expires: out.ExpiresString }),
    bucket: ref.bucket,
    key: ref.key,
    size: out.ContentLength ?? 0,
    sha256: out.Metadata?.['sha256'] ?? '',
    etag: out.ETag ?? '',
    lastModified: out.LastModified?.getTime() ?? 0,
    ...(out.ContentType === undefined ? {} : { contentType: out.ContentType }),
    ...(partSizes ? { partSizes } : {}),
  };
}

function isValid(check: (s: string) => void, s: string): boolean {
  try {
    check(s);
    return true;
  } catch {
    return false;
  }
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
