import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { NotFoundError, ResourceInUseError, checkPartSizes, checkPartSizesSum, checkPutCondition, pickObjectMetadata, systemClock } from '@loam/core';
import type { ArtifactStore, Clock, ListObjectsQuery, ListObjectsResult, ObjectInfo, ObjectRef, PutOptions } from '@loam/core';
import {
  compareKeys,
  resolveByteRange,
  validateBucketName,
  validateListQuery,
  validateObjectRef,
} from '@loam/core/ports/artifact-keys';

interface StoredObject {
  readonly info: ObjectInfo;
  readonly bytes: Uint8Array;
}

interface Bucket {
  readonly createdAt: number;
  readonly objects: Map<string, StoredObject>;
}

/**
 * An honest in-memory ArtifactStore: S3 semantics (a key may also be a prefix of other keys), the same
 * validation as every real adapter, bodies copied on write so callers cannot mutate stored bytes.
 * Objects are held in memory whole, so it is for tests with modest objects only.
 */
export class MemoryArtifactStore implements ArtifactStore {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly clock: Clock = systemClock) {}

  async createBucket(bucket: string): Promise<void> {
    validateBucketName(bucket);
    if (this.buckets.has(bucket)) throw new ResourceInUseError(`Bucket '${bucket}' already exists.`);
    this.buckets.set(bucket, { createdAt: this.clock.now(), objects: new Map() });
  }

  async ensureBucket(bucket: string): Promise<void> {
    validateBucketName(bucket);
    if (!this.buckets.has(bucket)) await this.createBucket(bucket);
  }

  async listBuckets(): Promise<{ name: string; createdAt: number }[]> {
    return [...this.buckets]
      .map(([name, b]) => ({ name, createdAt: b.createdAt }))
      .sort((a, b) => compareKeys(a.name, b.name));
  }

  async deleteBucket(bucket: string): Promise<void> {
    const b = this.bucket(bucket);
    if (b.objects.size > 0) throw new ResourceInUseError(`Bucket '${bucket}' is not empty.`);
    this.buckets.delete(bucket);
  }

  async put(
    ref: ObjectRef,
    body: Uint8Array | Readable | AsyncIterable<Uint8Array>,
    options: PutOptions = {},
  ): Promise<ObjectInfo> {
    validateObjectRef(ref);
    checkPartSizes(options.partSizes);
    this.bucket(ref.bucket);
    options.signal?.throwIfAborted();
    const parts: Uint8Array[] = [];
    const chunks = body instanceof Uint8Array ? [body] : body;
    for await (const chunk of chunks as AsyncIterable<Uint8Array | string>) {
      options.signal?.throwIfAborted();
      parts.push(typeof chunk === 'string' ? Buffer.from(chunk) : Uint8Array.from(chunk));
    }
    options.signal?.throwIfAborted();
    const bytes = Buffer.concat(parts);
    checkPartSizesSum(ref, options.partSizes, bytes.length);
    // The bucket may have been deleted while the body streamed in.
    const b = this.bucket(ref.bucket);
    const info: ObjectInfo = {
      bucket: ref.bucket,
      key: ref.key,
      size: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      etag: options.etag ?? `"${createHash('md5').update(bytes).digest('hex')}"`,
      lastModified: this.clock.now(),
      ...(options.contentType === undefined ? {} : { contentType: options.contentType }),
      ...pickObjectMetadata(options),
      ...(options.partSizes === undefined ? {} : { partSizes: [...options.partSizes] }),
    };
    // Checked and written with no await between: atomic, as the port requires.
    checkPutCondition(ref, b.objects.get(ref.key)?.info, options);
    b.objects.set(ref.key, { info, bytes });
    return info;
  }

  async get(
    ref: ObjectRef,
    options: { range?: { start: number; end?: number }; signal?: AbortSignal } = {},
  ): Promise<{ info: ObjectInfo; body: Readable }> {
    validateObjectRef(ref);
    const obj = this.bucket(ref.bucket).objects.get(ref.key);
    if (!obj) throw new NotFoundError('Object', `s3://${ref.bucket}/${ref.key}`);
    options.signal?.throwIfAborted();
    const range = resolveByteRange(options.range, obj.info.size);
    const bytes = range ? obj.bytes.subarray(range.start, range.end + 1) : obj.bytes;
    // Copied, in 64 KiB chunks, so the reader sees a stream like the real adapters' and cannot mutate.
    const chunks: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += 65536) chunks.push(Buffer.from(bytes.subarray(i, i + 65536)));
    return { info: obj.info, body: Readable.from(chunks, { objectMode: false }) };
  }

  async head(ref: ObjectRef): Promise<ObjectInfo | undefined> {
    validateObjectRef(ref);
    return this.bucket(ref.bucket).objects.get(ref.key)?.info;
  }

  async delete(ref: ObjectRef): Promise<void> {
    validateObjectRef(ref);
    this.bucket(ref.bucket).objects.delete(ref.key);
  }

  async list(query: ListObjectsQuery): Promise<ListObjectsResult> {
    const { maxKeys } = validateListQuery(query);
    const b = this.bucket(query.bucket);
    const prefix = query.prefix ?? '';
    const after = query.startAfter;
    const keys = [...b.objects.keys()].filter((k) => k.startsWith(prefix)).sort(compareKeys);
    const objects: ObjectInfo[] = [];
    const commonPrefixes: string[] = [];
    let last: string | undefined;
    for (const key of keys) {
      const cut = query.delimiter === undefined ? -1 : key.indexOf(query.delimiter, prefix.length);
      const entry = cut < 0 ? key : key.slice(0, cut + (query.delimiter as string).length);
      if (after !== undefined && compareKeys(entry, after) <= 0) continue;
      if (entry === last) continue;
      if (objects.length + commonPrefixes.length === maxKeys) return { objects, commonPrefixes, nextStartAfter: last as string };
      if (cut < 0) objects.push((b.objects.get(key) as StoredObject).info);
      else commonPrefixes.push(entry);
      last = entry;
    }
    return { objects, commonPrefixes };
  }

  async ping(): Promise<void> {}

  private bucket(name: string): Bucket {
    validateBucketName(name);
    const b = this.buckets.get(name);
    if (!b) throw new NotFoundError('Bucket', name);
    return b;
  }
}
