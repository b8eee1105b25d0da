import { ConflictError, NotFoundError, ValidationError } from '../kernel/errors.js';
import type { Readable } from 'node:stream';

/** An object's address on every backend: `s3://bucket/key`. Local-fs maps buckets to directories. */
export interface ObjectRef {
  readonly bucket: string;
  readonly key: string;
}

/**
 * What is stored with an object besides its bytes and content type, as S3 keeps it: user metadata
 * (`x-amz-meta-*`) and the content headers a reader gets back. Absent fields were not set.
 */
export interface ObjectMetadata {
  /** User metadata: names lowercase, without the `x-amz-meta-` prefix; values as given. */
  readonly userMetadata?: Readonly<Record<string, string>>;
  readonly cacheControl?: string;
  readonly contentDisposition?: string;
  readonly contentEncoding?: string;
  readonly contentLanguage?: string;
  /** The `Expires` header as given (an HTTP date, not parsed). */
  readonly expires?: string;
}

/** The ObjectMetadata fields, for code that copies them from one object or request to another. */
export const OBJECT_METADATA_FIELDS = ['userMetadata', 'cacheControl', 'contentDisposition', 'contentEncoding', 'contentLanguage', 'expires'] as const;

/** The metadata fields of `from` that are set (a copy: user metadata is a new object). */
export function pickObjectMetadata(from: ObjectMetadata): ObjectMetadata {
  const out: { -readonly [K in keyof ObjectMetadata]: ObjectMetadata[K] } = {};
  if (from.userMetadata !== undefined) out.userMetadata = { ...from.userMetadata };
  for (const f of OBJECT_METADATA_FIELDS) if (f !== 'userMetadata' && typeof from[f] === 'string') out[f] = from[f];
  return out;
}

export interface ObjectInfo extends ObjectRef, ObjectMetadata {
  readonly size: number;
  /** Hex sha256 of the bytes, recorded at write time. */
  readonly sha256: string;
  readonly lastModified: number;
  readonly contentType?: string;
  /**
   * S3-style ETag: the quoted hex MD5 of the bytes, or the ETag the writer asked for (`PutOptions.etag`,
   * a multipart upload's `"<md5 of the part MD5s>-<parts>"`), or the one an S3 backend assigned.
   * Opaque to readers: compare it, do not treat it as a digest.
   */
  readonly etag: string;
  /**
   * The sizes of the parts the object was assembled from, in order, as `PutOptions.partSizes` gave them
   * (a multipart upload's): part N is the bytes after the first N-1. Absent for an object written whole,
   * one written before stores recorded them, one whose record was lost (see the store), and, on stores
   * whose backend assigns ETags (S3), one whose part sizes the backend would not take as parts (each but
   * the last at least 5 MiB) or whose record did not fit its metadata.
   */
  readonly partSizes?: readonly number[];
}

export interface ListObjectsQuery {
  readonly bucket: string;
  readonly prefix?: string;
  /** Group keys by this delimiter after the prefix, as S3 does (`/` for a folder view). */
  readonly delimiter?: string;
  /** Start after this key (exclusive), for paging. */
  readonly startAfter?: string;
  readonly maxKeys?: number;
}

export interface ListObjectsResult {
  readonly objects: readonly ObjectInfo[];
  readonly commonPrefixes: readonly string[];
  /** Set when more keys follow; pass as `startAfter`. */
  readonly nextStartAfter?: string;
}

/** How `ArtifactStore.put` writes. The metadata given is stored with the object and returned by head, get and list. */
export interface PutOptions extends ObjectMetadata {
  readonly contentType?: string;
  readonly signal?: AbortSignal;
  /**
   * `'*'`: create only. The write fails with ConflictException, writing nothing, when an object exists
   * at the key at the moment the write would replace it (checked atomically with the write: of
   * concurrent create-only writes at most one succeeds).
   */
  readonly ifNoneMatch?: '*';
  /**
   * Replace only the object whose ETag is this (quoted or not): ConflictException when the current ETag
   * differs, ResourceNotFound when there is no object — checked atomically with the write.
   */
  readonly ifMatch?: string;
  /**
   * The ETag to record instead of the quoted MD5 of the bytes: an S3 multipart upload's
   * `"<md5 of the concatenated part MD5s>-<number of parts>"`, which S3 clients expect back. Stores whose
   * backend assigns ETags itself (the S3 adapter) keep the backend's.
   */
  readonly etag?: string;
  /**
   * The sizes of the parts the body is assembled from, in order (a multipart upload's, given with its
   * `etag`), recorded so that a reader can address part N (S3's `partNumber`). Each is a non-negative
   * integer and their sum must be the body's size, else the write fails with ValidationException and
   * nothing is written. Stores whose backend assigns ETags (S3) write the body as exactly these parts and
   * record them when the backend takes them as parts, and otherwise only check them.
   */
  readonly partSizes?: readonly number[];
}

/**
 * Artifacts: datasets, model tarballs, job outputs, captured data. Writes are atomic (a reader sees the
 * old object or the whole new one, never a part), streamed in and out, and durable once the promise
 * resolves. Keys are S3 keys; any key that would escape the store (`..`, encoded separators, absolute
 * paths, NUL, symlinks pointing out) is refused with ValidationException before any byte is touched.
 *
 * Errors: `ValidationException` (bad bucket name or key), `ResourceNotFound` (missing bucket or object),
 * `ResourceInUse` (creating a bucket that exists, deleting a bucket that is not empty), `ConflictException`
 * (a conditional put whose condition does not hold).
 */
export interface ArtifactStore {
  /** Creates a bucket (S3 bucket-name rules). */
  createBucket(bucket: string): Promise<void>;
  /** Creates the bucket unless it exists. */
  ensureBucket(bucket: string): Promise<void>;
  listBuckets(): Promise<{ name: string; createdAt: number }[]>;
  /** Deletes an empty bucket. */
  deleteBucket(bucket: string): Promise<void>;
  /**
   * Writes an object from bytes or a stream; resolves with its info once durable. With `ifNoneMatch` /
   * `ifMatch` the write is conditional (see PutOptions); a failed condition writes nothing.
   */
  put(ref: ObjectRef, body: Uint8Array | Readable | AsyncIterable<Uint8Array>, options?: PutOptions): Promise<ObjectInfo>;
  /** Streams an object (optionally a byte range, inclusive end). */
  get(ref: ObjectRef, options?: { range?: { start: number; end?: number }; signal?: AbortSignal }): Promise<{ info: ObjectInfo; body: Readable }>;
  /** The object's info, or undefined when absent. */
  head(ref: ObjectRef): Promise<ObjectInfo | undefined>;
  /** Deletes an object; absent objects are not an error (as in S3). */
  delete(ref: ObjectRef): Promise<void>;
  /**
   * One page of a bucket's keys, as S3's ListObjectsV2 answers: keys starting with `prefix` in UTF-8
   * byte order of the whole key (`a-c` < `a/b` < `a0`), those holding `delimiter` after the prefix
   * rolled up into common prefixes (each once), only entries after `startAfter`, at most `maxKeys`
   * entries (default and cap 1000) counting both kinds; `nextStartAfter` (the page's last entry) when
   * more follow. A page should cost about its own entries, not the keys before `startAfter`.
   * Errors: ValidationException (bad bucket, prefix, delimiter, startAfter or maxKeys), ResourceNotFound (no bucket).
   */
  list(query: ListObjectsQuery): Promise<ListObjectsResult>;
  /** Answers when the backend answers. For `/healthz`. */
  ping(options?: { signal?: AbortSignal }): Promise<void>;
}

/** Parses `s3://bucket/key` (key may be empty: a bucket or prefix URI). */
export function parseS3Uri(uri: string): ObjectRef | undefined {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!m) return undefined;
  return { bucket: m[1] as string, key: m[2] as string };
}

export function formatS3Uri(ref: ObjectRef): string {
  return `s3://${ref.bucket}/${ref.key}`;
}

/** Whether an ETag condition (`"abc"`, `abc`, `W/"abc"`, `*`, or a comma-separated list of them) names `etag`. */
export function etagMatches(condition: string, etag: string): boolean {
  const bare = (t: string) => t.trim().replace(/^W\//, '').replace(/^"|"$/g, '');
  const want = bare(etag);
  return condition.split(',').some((c) => c.trim() === '*' || bare(c) === want);
}

/** Throws what a failed `ifNoneMatch` / `ifMatch` condition of `put` throws, given the current object. */
export function checkPutCondition(ref: ObjectRef, current: ObjectInfo | undefined, options: Pick<PutOptions, 'ifMatch' | 'ifNoneMatch'>): void {
  if (options.ifNoneMatch === '*' && current !== undefined) throw new ConflictError(`Object 's3://${ref.bucket}/${ref.key}' already exists (create-only write refused).`);
  if (options.ifMatch !== undefined) {
    if (current === undefined) throw new NotFoundError('Object', `s3://${ref.bucket}/${ref.key}`);
    if (!etagMatches(options.ifMatch, current.etag)) throw new ConflictError(`Object 's3://${ref.bucket}/${ref.key}' has ETag ${current.etag}, not ${options.ifMatch} (conditional write refused).`);
  }
}

/** Refuses part sizes that are not non-negative integers (ValidationException), before any byte is read. */
export function checkPartSizes(partSizes: readonly number[] | undefined): void {
  if (partSizes === undefined) return;
  const bad = partSizes.findIndex((n) => !Number.isSafeInteger(n) || n < 0);
  if (partSizes.length === 0 || bad >= 0) {
    throw new ValidationError(`Part sizes must be one or more non-negative integers${bad >= 0 ? `; part ${bad + 1} is ${String(partSizes[bad])}` : ''}.`);
  }
}

/** Refuses (ValidationException) part sizes whose sum is not the size of the body written. */
export function checkPartSizesSum(ref: ObjectRef, partSizes: readonly number[] | undefined, size: number): void {
  if (partSizes === undefined) return;
  const sum = partSizes.reduce((a, b) => a + b, 0);
  if (sum !== size) throw new ValidationError(`Object 's3://${ref.bucket}/${ref.key}': the part sizes add up to ${sum} bytes, but the body has ${size}; nothing was written.`);
}
