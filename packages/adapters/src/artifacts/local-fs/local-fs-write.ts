import { createHash } from 'node:crypto';
import { link, lstat, rmdir, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { ConflictError, NotFoundError, ValidationError, checkPartSizes, checkPartSizesSum, checkPutCondition, pickObjectMetadata } from '@loam/core';
import type { ObjectInfo, ObjectRef, PutOptions } from '@loam/core';
import { META_DIR, SELF_NAME, fsyncDir, splitKey } from './local-fs-paths.js';
import type { LocalFsLayout } from './local-fs-paths.js';
import { fileAt, objectInfo, objectPaths, renameIntoPlace, toInfo } from './local-fs-objects.js';
import type { ObjectPaths } from './local-fs-objects.js';
import { identity, openExclusive, writeJsonTemp } from './local-fs-sidecar.js';
import { tempName } from './local-fs-temp-names.js';
import { inMadeDirs } from './local-fs-made-dirs.js';
import { recordPending } from './local-fs-journal.js';
import type { Sidecar } from './local-fs-sidecar.js';

export type Body = Uint8Array | Readable | AsyncIterable<Uint8Array>;

/** Creates the object's directories and the exclusive temp file `name` in the last one. */
async function createTemp(layout: LocalFsLayout, ref: ObjectRef, name: string): Promise<{ dir: string; temp: string; fh: FileHandle; made: string[] }> {
  const { dirs } = splitKey(ref.key);
  const bucketDir = layout.bucketDir(ref.bucket);
  try {
    const { value, made } = await inMadeDirs(layout, bucketDir, dirs, ref.key, async (dir) => {
      const temp = join(dir, name);
      return { dir, temp, fh: await openExclusive(temp) };
    });
    return { ...value, made };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' && !(await lstat(bucketDir).catch(() => undefined))) throw new NotFoundError('Bucket', ref.bucket);
    throw e;
  }
}

async function writeAll(fh: FileHandle, chunk: Uint8Array): Promise<void> {
  for (let off = 0; off < chunk.length; ) off += (await fh.write(chunk, off, chunk.length - off)).bytesWritten;
}

/** Refuses a key whose file is a link (or a directory where the store keeps a file): links are never followed. */
async function refuseNonFile(ref: ObjectRef, plain: string): Promise<void> {
  const st = await lstat(await fileAt(plain)).catch(() => undefined);
  if (st?.isSymbolicLink()) throw new ValidationError(`Object key '${ref.key}' is a symbolic link; links are never followed.`);
  if (st?.isDirectory()) throw new ValidationError(`Object key '${ref.key}' is held by a directory named ${SELF_NAME}, which this store did not make.`);
}

/**
 * Streams `body` into a temp file beside the target (hashing as it goes), fsyncs it, prepares the
 * sidecar the same way, then renames both into place and fsyncs their directories. A reader sees the
 * old object or the new one, never a part; the promise resolves once the new one is durable.
 */
export async function writeObject(
  layout: LocalFsLayout,
  ref: ObjectRef,
  body: Body,
  options: PutOptions & {
    now: () => number;
    /** Runs the commit (condition check and renames) while no other write to the key commits. */
    exclusive: <T>(fn: () => Promise<T>) => Promise<T>;
  },
): Promise<ObjectInfo> {
  checkPartSizes(options.partSizes);
  const paths = objectPaths(layout, ref);
  const { dirs } = splitKey(ref.key);
  // Recorded before anything is made, so that the owner's next start finds what a kill leaves (see
  // local-fs-journal.ts): the temp names, the directories made and promotions along the key's path.
  const names = { data: tempName(), meta: tempName() };
  const settled = await recordPending(layout.root, { bucket: ref.bucket, dirs, temps: [names.data, names.meta] });
  try {
    return await writeRecorded(layout, ref, body, options, paths, names);
  } finally {
    await settled();
  }
}

async function writeRecorded(
  layout: LocalFsLayout,
  ref: ObjectRef,
  body: Body,
  options: PutOptions & { now: () => number; exclusive: <T>(fn: () => Promise<T>) => Promise<T> },
  paths: ObjectPaths,
  names: { readonly data: string; readonly meta: string },
): Promise<ObjectInfo> {
  const { dir, temp, fh, made } = await createTemp(layout, ref, names.data);
  let metaTemp: string | undefined;
  let metaMade: string[] = [];
  let open = true;
  try {
    await refuseNonFile(ref, paths.data);
    const sha = createHash('sha256');
    // A writer-given ETag (a multipart upload's, from its parts' digests) stands in for the MD5, which
    // nothing else reads: a second pass over every byte would only slow a large upload's completion.
    const md5 = options.etag === undefined ? createHash('md5') : undefined;
    const chunks: AsyncIterable<Uint8Array | string> | Uint8Array[] = body instanceof Uint8Array ? [body] : body;
    for await (const c of chunks) {
      options.signal?.throwIfAborted();
      const chunk = typeof c === 'string' ? Buffer.from(c) : c;
      sha.update(chunk);
      md5?.update(chunk);
      await writeAll(fh, chunk);
    }
    options.signal?.throwIfAborted();
    await fh.sync();
    const st = await fh.stat({ bigint: true });
    checkPartSizesSum(ref, options.partSizes, Number(st.size));
    const metadata = pickObjectMetadata(options);
    open = false;
    await fh.close();
    const sidecar: Sidecar = {
      v: 1,
      ...identity(st),
      sha256: sha.digest('hex'),
      ...(md5 === undefined ? { etag: options.etag as string } : { md5: md5.digest('hex') }),
      lastModified: options.now(),
      ...(options.contentType === undefined ? {} : { contentType: options.contentType }),
      ...(Object.keys(metadata).length === 0 ? {} : { metadata }),
      ...(options.partSizes === undefined ? {} : { parts: [...options.partSizes] }),
    };
    const { dirs } = splitKey(ref.key);
    const meta = await inMadeDirs(layout, join(layout.root, META_DIR), [ref.bucket, ...dirs], ref.key, (d) => writeJsonTemp(d, sidecar, names.meta));
    metaMade = meta.made;
    metaTemp = meta.value;
    const committedMeta = metaTemp;
    await options.exclusive(async () => {
      await refuseNonFile(ref, paths.data);
      if (options.ifMatch !== undefined || options.ifNoneMatch !== undefined) checkPutCondition(ref, await objectInfo(layout, ref), options);
      // The two renames run back to back; a reader between them sees a sidecar for another file and waits.
      // Each lands at the key's file, or in its directory as .loam-object when keys below it exist.
      if (options.ifNoneMatch === '*') await createOnly(ref, temp, paths.data);
      else await renameIntoPlace(temp, paths.data);
      await renameIntoPlace(committedMeta, paths.meta);
    });
    metaTemp = undefined;
    const synced = new Set([dir, paths.metaDir, ...[...made, ...metaMade].map((d) => dirname(d))]);
    for (const d of synced) await fsyncDir(d);
    return toInfo(ref, sidecar);
  } catch (e) {
    if (open) await fh.close().catch(() => {});
    await unlink(temp).catch(() => {});
    if (metaTemp) await unlink(metaTemp).catch(() => {});
    // Left behind, the directories made for this object would refuse a put of the key at their path
    // ("a prefix of other objects") with no object below them. One another write has put a file in
    // since is not empty, and stays.
    for (const d of [...metaMade, ...made].reverse()) await rmdir(d).catch(() => {});
    throw e;
  }
}

/**
 * Puts the temp file in place only if nothing is at the key: link() fails with EEXIST when something
 * is, even for a writer in another process, where rename() would replace it.
 */
async function createOnly(ref: ObjectRef, temp: string, plain: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const target = await fileAt(plain);
    try {
      await link(temp, target);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // The key's name became a directory (keys below it were written) since it was resolved: its file is
      // inside. Or the directory went (a delete of the last key below it pruned it): the file is the name.
      const moved = target === plain ? code === 'EEXIST' && (await lstat(plain).catch(() => undefined))?.isDirectory() === true : code === 'ENOENT' || code === 'ENOTDIR';
      if (moved && attempt < 3) continue;
      if (code === 'EEXIST') throw new ConflictError(`Object 's3://${ref.bucket}/${ref.key}' already exists (create-only write refused).`);
      // Filesystems without hard links: the check made under the store's lock stands.
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EXDEV') throw e;
      await renameIntoPlace(temp, plain);
      return;
    }
    await fsyncDir(dirname(target));
    await unlink(temp);
    return;
  }
}
