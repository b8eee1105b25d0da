import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import type { BigIntStats } from 'node:fs';
import { lstat, open, rename, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { NotFoundError, ValidationError, pickObjectMetadata } from '@loam/core';
import type { ObjectInfo, ObjectRef } from '@loam/core';
import { META_DIR, SELF_NAME, finishPromotion, fsyncDir, splitKey } from './local-fs-paths.js';
import type { LocalFsLayout } from './local-fs-paths.js';
import { describes, identity, readSidecar, writeJsonTemp } from './local-fs-sidecar.js';
import { inMadeDirs } from './local-fs-made-dirs.js';
import { recordPending } from './local-fs-journal.js';
import { tempName } from './local-fs-temp-names.js';
import type { Sidecar } from './local-fs-sidecar.js';

const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
// A sidecar that does not describe the file is usually a writer between its two renames; wait a
// little before deciding it is a leftover (a crash, or two writers that raced) and recomputing it.
const MISMATCH_RETRIES = 4;
const MISMATCH_WAIT_MS = 15;

export function toInfo(ref: ObjectRef, s: Sidecar): ObjectInfo {
  return {
    bucket: ref.bucket,
    key: ref.key,
    size: s.size,
    sha256: s.sha256,
    etag: typeof s.etag === 'string' ? s.etag : `"${s.md5 as string}"`,
    lastModified: s.lastModified,
    ...(s.contentType === undefined ? {} : { contentType: s.contentType }),
    ...(s.metadata !== null && typeof s.metadata === 'object' ? pickObjectMetadata(s.metadata) : {}),
    ...(partsOf(s) === undefined ? {} : { partSizes: partsOf(s) }),
  };
}

/** The sidecar's part sizes when they describe its bytes (a hand-edited or damaged list is ignored, not trusted). */
function partsOf(s: Sidecar): readonly number[] | undefined {
  const parts: unknown = s.parts;
  if (!Array.isArray(parts) || parts.length === 0 || !parts.every((n) => Number.isSafeInteger(n) && (n as number) >= 0)) return undefined;
  return (parts as number[]).reduce((a, b) => a + b, 0) === s.size ? (parts as number[]) : undefined;
}

/**
 * Where an object's entries are, as named by its key: `data` and `meta` are the object's file or, when
 * that name is a directory (keys below it exist), the directory holding it as SELF_NAME (see fileAt).
 */
export interface ObjectPaths {
  readonly data: string;
  readonly meta: string;
  /** The directories holding `data` and `meta`. */
  readonly dataDir: string;
  readonly metaDir: string;
  /** The file name of the key's last segment. */
  readonly name: string;
}

export function objectPaths(layout: LocalFsLayout, ref: ObjectRef): ObjectPaths {
  const { dirs, name } = splitKey(ref.key);
  const metaDir = join(layout.root, META_DIR, ref.bucket, ...dirs);
  const dataDir = join(layout.bucketDir(ref.bucket), ...dirs);
  return { data: join(dataDir, name), meta: join(metaDir, name), dataDir, metaDir, name };
}

/** The file at the entry `plain`: `plain` itself, or `<plain>/.loam-object` when `plain` is a directory. */
export async function fileAt(plain: string): Promise<string> {
  const st = await lstat(plain).catch(() => undefined);
  return st?.isDirectory() ? join(plain, SELF_NAME) : plain;
}

/**
 * Renames the temp file `temp` to the file at the entry `plain` (see fileAt), even when `plain` becomes a
 * directory meanwhile; fsyncs the directory it lands in. Returns that file's path.
 */
export async function renameIntoPlace(temp: string, plain: string): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const target = await fileAt(plain);
    try {
      await rename(temp, target);
      await fsyncDir(dirname(target));
      return target;
    } catch (e) {
      const c = (e as NodeJS.ErrnoException).code;
      // `plain` became a directory (keys below it were written), or its directory went (a delete of
      // the last key below pruned it): resolve it again.
      const moved = target === plain ? c === 'EISDIR' || c === 'ENOTEMPTY' || c === 'EEXIST' : c === 'ENOENT' || c === 'ENOTDIR';
      if (!moved || attempt >= 3) throw e;
    }
  }
}

const symlinkRefused = (ref: ObjectRef) =>
  new ValidationError(`Object key '${ref.key}' is a symbolic link; links are never followed.`);

/**
 * Opens an object for reading — never through a link, never a FIFO or device — together with the
 * sidecar that describes that very file (recomputed when it is missing or belongs to another write).
 * Returns undefined when there is no object at the key. The caller owns the handle.
 */
export async function openObject(layout: LocalFsLayout, ref: ObjectRef): Promise<{ fh: FileHandle; info: ObjectInfo } | undefined> {
  const { dirs } = splitKey(ref.key);
  if (!(await layout.walkDirs(layout.bucketDir(ref.bucket), dirs, ref.key, false))) return undefined;
  const paths = objectPaths(layout, ref);
  for (let attempt = 0; ; attempt++) {
    let fh: FileHandle;
    try {
      fh = await open(await fileAt(paths.data), READ_FLAGS);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // A promotion stopped by a crash (see promoteFile) holds the object aside: finish it, then read.
      if ((code === 'ENOENT' || code === 'ENOTDIR') && attempt === 0 && (await finishPromotion(paths.dataDir, paths.name))) continue;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      if (code === 'ELOOP') throw symlinkRefused(ref);
      throw e;
    }
    try {
      const st = await fh.stat({ bigint: true });
      if (!st.isFile()) {
        await fh.close();
        // The file was promoted (turned into the directory holding it) after fileAt looked: look again.
        if (st.isDirectory() && attempt < MISMATCH_RETRIES) continue;
        return undefined;
      }
      const sidecar = await readSidecar(await fileAt(paths.meta));
      if (describes(sidecar, st)) return { fh, info: toInfo(ref, sidecar) };
      // The sidecar too may be held aside by a promotion a crash stopped: put it in place and read again.
      if (sidecar === undefined && (await finishPromotion(paths.metaDir, paths.name))) {
        await fh.close();
        continue;
      }
      if (attempt >= MISMATCH_RETRIES) return { fh, info: await repair(layout, ref, paths, fh, st, sidecar) };
    } catch (e) {
      await fh.close();
      throw e;
    }
    await fh.close();
    await sleep(MISMATCH_WAIT_MS);
  }
}

/**
 * Recomputes the sidecar of the open file from its bytes and stores it. A stale sidecar (another inode or
 * mtime: the file was copied back from a backup, or rewritten with the same bytes) whose SHA-256 matches
 * the bytes still says what the bytes cannot: a multipart upload's ETag and part sizes, the content type
 * and user metadata, which are kept. A lost sidecar leaves the plain MD5 and no parts (see README.md).
 */
async function repair(layout: LocalFsLayout, ref: ObjectRef, paths: ObjectPaths, fh: FileHandle, st: BigIntStats, stale: Sidecar | undefined): Promise<ObjectInfo> {
  const sha = createHash('sha256');
  const md5 = createHash('md5');
  for await (const chunk of fh.createReadStream({ start: 0, autoClose: false, highWaterMark: 1 << 16 })) {
    sha.update(chunk as Buffer);
    md5.update(chunk as Buffer);
  }
  const sha256 = sha.digest('hex');
  const same = stale !== undefined && stale.sha256 === sha256 && stale.size === Number(st.size);
  const sidecar: Sidecar = {
    v: 1,
    ...identity(st),
    sha256,
    md5: md5.digest('hex'),
    ...(same && stale.etag !== undefined ? { etag: stale.etag } : {}),
    ...(same && stale.contentType !== undefined ? { contentType: stale.contentType } : {}),
    ...(same && stale.metadata !== undefined ? { metadata: stale.metadata } : {}),
    // The part sizes go with the multipart ETag they belong to.
    ...(same && stale.etag !== undefined && stale.parts !== undefined ? { parts: stale.parts } : {}),
    lastModified: Math.round(Number(st.mtimeNs / 1_000_000n)),
  };
  const { dirs } = splitKey(ref.key);
  const name = tempName();
  const settled = await recordPending(layout.root, { bucket: ref.bucket, dirs, temps: [name] });
  try {
    // A delete of the last other key below may prune the directory between the walk and the write
    // (ENOENT): walk and write again, as a put does.
    const { value: temp } = await inMadeDirs(layout, join(layout.root, META_DIR), [ref.bucket, ...dirs], ref.key, (d) => writeJsonTemp(d, sidecar, name));
    await renameIntoPlace(temp, paths.meta).catch(async (e: unknown) => {
      await unlink(temp).catch(() => {});
      throw e;
    });
  } catch (e) {
    // The sidecar only saves the next reader the hashing: the bytes read are the object's all the same
    // (also on a full disk, where a read must go on answering).
    if (!['ENOENT', 'ENOSPC', 'EDQUOT'].includes((e as NodeJS.ErrnoException).code ?? '')) throw e;
  } finally {
    await settled();
  }
  return toInfo(ref, sidecar);
}

/** The object's info without opening it when its sidecar is current (the list path). */
export async function objectInfo(layout: LocalFsLayout, ref: ObjectRef): Promise<ObjectInfo | undefined> {
  const paths = objectPaths(layout, ref);
  const st = await lstat(await fileAt(paths.data), { bigint: true }).catch(() => undefined);
  if (st?.isSymbolicLink()) throw symlinkRefused(ref);
  // Gone or a directory since fileAt looked: deleted, or promoted (moving into the directory of its name).
  if (!st || st.isDirectory()) {
    const opened = await openObject(layout, ref);
    await opened?.fh.close();
    return opened?.info;
  }
  if (!st.isFile()) return undefined;
  const sidecar = await readSidecar(await fileAt(paths.meta));
  if (describes(sidecar, st)) return toInfo(ref, sidecar);
  const opened = await openObject(layout, ref);
  await opened?.fh.close();
  return opened?.info;
}

export function notFound(ref: ObjectRef): NotFoundError {
  return new NotFoundError('Object', `s3://${ref.bucket}/${ref.key}`);
}
