import { createReadStream, createWriteStream, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { openArtifactStore } from '@loam/adapters/artifacts/registry';
import { ArchiveRefused, DEFAULT_ARCHIVE_LIMITS, expansionCap, expansionRefusal, type ArchiveLimits } from './archive-extract.js';
import { sortByBytes } from './byte-order.js';
import { ClientError, isMissingBucket } from './client-error.js';
import { openOwnFile } from './own-files.js';

/** The artifact store as the runner sees it (the port's shape, through the adapters' registry). */
export type Artifacts = Awaited<ReturnType<typeof openArtifactStore>>;

export interface S3Ref {
  readonly bucket: string;
  readonly key: string;
}

/** `s3://bucket/key` → parts; throws for anything else (core checked the URIs already). */
export function parseS3(uri: string): S3Ref {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!m) throw new Error(`'${uri}' is not an s3:// URI.`);
  return { bucket: m[1] as string, key: m[2] as string };
}

/** Every object under a prefix, sorted by key as S3 lists them (by UTF-8 bytes). */
export async function listAll(store: Artifacts, bucket: string, prefix: string, signal?: AbortSignal): Promise<{ key: string; size: number }[]> {
  const out: { key: string; size: number }[] = [];
  let startAfter: string | undefined;
  do {
    signal?.throwIfAborted();
    const page = await store.list({ bucket, prefix, ...(startAfter ? { startAfter } : {}), maxKeys: 1000 });
    for (const o of page.objects) out.push({ key: o.key, size: o.size });
    startAfter = page.nextStartAfter;
  } while (startAfter);
  return sortByBytes(out, (o) => o.key);
}

/** A relative path that stays inside its directory: no empty, `.` or `..` segments, no absolute form. */
export function safeRelative(rel: string): string | undefined {
  const parts = rel.split('/');
  if (rel === '' || rel.startsWith('/') || parts.some((p) => p === '' || p === '.' || p === '..' || p.includes('\0') || p.includes('\\'))) return undefined;
  return parts.join(sep);
}

/**
 * Downloads one object to a file (gunzipping it on the way when asked). A gzip object that expands
 * past {@link expansionCap} (a gzip bomb) stops with an ArchiveRefused and leaves no file.
 */
export async function download(store: Artifacts, ref: S3Ref, file: string, gunzip: boolean, signal?: AbortSignal, limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS): Promise<void> {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const { info, body } = await store.get(ref, signal ? { signal } : {});
  const out = createWriteStream(file, { mode: 0o600 });
  const opts = signal ? { signal } : {};
  if (!gunzip) return pipeline(body, out, opts);
  const cap = expansionCap(info.size, dirname(file), limits);
  let written = 0;
  const capped = new Transform({
    transform(chunk: Buffer, _enc, done) {
      written += chunk.length;
      done(written > cap ? new ArchiveRefused(expansionRefusal(cap, info.size, limits)) : null, chunk);
    },
  });
  try {
    await pipeline(body, createGunzip(), capped, out, opts);
  } catch (e) {
    rmSync(file, { force: true });
    throw e;
  }
}

/**
 * Uploads a file. With `within`, the file is one the job's image wrote and is read only if it is a
 * regular file really under that directory (see openOwnFile); returns false when it is not.
 * @throws ClientError when the bucket does not exist: as SageMaker, Loam never creates a job's output
 * bucket (training, processing or transform), and the job fails with `Artifact upload failed: …`.
 */
export async function upload(store: Artifacts, ref: S3Ref, file: string, contentType?: string, within?: string): Promise<boolean> {
  let body;
  if (within !== undefined) {
    const fd = openOwnFile(within, file);
    if (fd === undefined) return false;
    body = createReadStream('', { fd });
  } else body = createReadStream(file);
  try {
    await store.put(ref, body, contentType ? { contentType } : {});
  } catch (e) {
    body.destroy();
    if (isMissingBucket(e)) throw new ClientError(noSuchBucket(ref));
    throw e;
  }
  return true;
}

/** SageMaker's words for an output it could not write (`Artifact upload failed:Unable to upload file to s3://… (<S3 error>)`). */
function noSuchBucket(ref: S3Ref): string {
  return `Artifact upload failed: unable to upload file to s3://${ref.bucket}/${ref.key} (NoSuchBucket: the bucket '${ref.bucket}' does not exist; Loam does not create output buckets: create it before the job uploads).`;
}


export function fileSize(path: string): number {
  return statSync(path).size;
}
