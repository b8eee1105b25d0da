/**
 * Part sizes on an S3 backend. When a writer gives part sizes S3 takes as a multipart upload's parts, the
 * adapter uploads with exactly those parts, so the backend's object is assembled from them: its ETag is
 * the one the writer's client computed (`"<md5 of the part MD5s>-<parts>"`) and the backend itself answers
 * GetObject/HeadObject `partNumber`. The sizes are recorded with the object as the user-metadata entry
 * `loam-parts` (run-length: `5242880*3,1024`, a few bytes for the usual equal parts), since neither
 * HeadObject nor ListObjectsV2 tells where parts end.
 */

/** The reserved user-metadata entry holding an object's part sizes. */
export const PARTS_METADATA = 'loam-parts';

const MiB = 1024 * 1024;
/** S3's rules for a multipart upload's parts: 1–10,000; each at most 5 GiB; each but the last at least 5 MiB. */
const MIN_PART = 5 * MiB;
const MAX_PART = 5 * 1024 * MiB;
const MAX_PARTS = 10_000;
/** S3's limit on user metadata: the UTF-8 bytes of every name and value, summed. */
const MAX_USER_METADATA_BYTES = 2 * 1024;

/** The part sizes when S3 takes them as the parts of one multipart upload, else undefined. */
export function backendParts(partSizes: readonly number[] | undefined): readonly number[] | undefined {
  if (partSizes === undefined || partSizes.length === 0 || partSizes.length > MAX_PARTS) return undefined;
  const last = partSizes.length - 1;
  return partSizes.every((n, i) => n <= MAX_PART && (i === last || n >= MIN_PART)) ? partSizes : undefined;
}

/** `[5, 5, 5, 1]` → `5*3,1`. */
export function encodePartSizes(sizes: readonly number[]): string {
  const runs: string[] = [];
  for (let i = 0; i < sizes.length; ) {
    let j = i;
    while (j < sizes.length && sizes[j] === sizes[i]) j++;
    runs.push(j - i === 1 ? String(sizes[i]) : `${sizes[i]}*${j - i}`);
    i = j;
  }
  return runs.join(',');
}

const ENCODED = /^\d{1,11}(\*\d{1,5})?(,\d{1,11}(\*\d{1,5})?)*$/;

/**
 * The part sizes recorded for an object, when the record describes it: they add up to its size and
 * count the parts its ETag counts (an object another client replaced, or copied with its metadata, has
 * an ETag of its own and is read as having no part sizes).
 */
export function decodePartSizes(value: string | undefined, size: number, etag: string): readonly number[] | undefined {
  if (value === undefined || value.length > MAX_USER_METADATA_BYTES || !ENCODED.test(value)) return undefined;
  const sizes: number[] = [];
  for (const run of value.split(',')) {
    const [n, times = '1'] = run.split('*') as [string, string?];
    if (sizes.length + Number(times) > MAX_PARTS) return undefined;
    for (let k = 0; k < Number(times); k++) sizes.push(Number(n));
  }
  const count = /-(\d+)"?$/.exec(etag)?.[1];
  if (count === undefined || Number(count) !== sizes.length) return undefined;
  return sizes.reduce((a, b) => a + b, 0) === size ? sizes : undefined;
}

/** Whether user metadata still fits S3's 2 KB with `extra` entries added. */
export function fitsUserMetadata(user: Readonly<Record<string, string>>, extra: Readonly<Record<string, string>>): boolean {
  let bytes = 0;
  for (const [k, v] of [...Object.entries(user), ...Object.entries(extra)]) bytes += Buffer.byteLength(k) + Buffer.byteLength(v);
  return bytes <= MAX_USER_METADATA_BYTES;
}
