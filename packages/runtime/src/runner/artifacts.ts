import { createReadStream, createWriteStream, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { openArtifactStore } from '@loam/adapters/artifacts/registry';

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

/** Every object under a prefix, sorted by key. */
export async function listAll(store: Artifacts, bucket: string, prefix: string, signal?: AbortSignal): Promise<{ key: string; size: number }[]> {
  const out: { key: string; size: number }[] = [];
  let startAfter: string | undefined;
  do {
    signal?.throwIfAborted();
    const page = await store.list({ bucket, prefix, ...(startAfter ? { startAfter } : {}), maxKeys: 1000 });
    for (const o of page.objects) out.push({ key: o.key, size: o.size });
    startAfter = page.nextStartAfter;
  } while (startAfter);
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** A relative path that stays inside its directory: no empty, `.` or `..` segments, no absolute form. */
export function safeRelative(rel: string): string | undefined {
  const parts = rel.split('/');
  if (rel === '' || rel.startsWith('/') || parts.some((p) => p === '' || p === '.' || p === '..' || p.includes('\0') || p.includes('\\'))) return undefined;
  return parts.join(sep);
}

/** Downloads one object to a file (gunzipping it on the way when asked). */
export async function download(store: Artifacts, ref: S3Ref, file: string, gunzip: boolean, signal?: AbortSignal): Promise<void> {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const { body } = await store.get(ref, signal ? { signal } : {});
  const out = createWriteStream(file, { mode: 0o600 });
  if (gunzip) await pipeline(body, createGunzip(), out, signal ? { signal } : {});
  else await pipeline(body, out, signal ? { signal } : {});
}

/** Uploads a file. */
export async function upload(store: Artifacts, ref: S3Ref, file: string, contentType?: string): Promise<void> {
  await store.ensureBucket(ref.bucket);
  await store.put(ref, createReadStream(file), contentType ? { contentType } : {});
}


export function fileSize(path: string): number {
  return statSync(path).size;
}
