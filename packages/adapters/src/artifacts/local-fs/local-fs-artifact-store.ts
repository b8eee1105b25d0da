import { constants } from 'node:fs';
import { access, chmod, lstat, mkdir, readdir, realpath, rm, rmdir, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { ResourceInUseError, ValidationError, systemClock } from '@loam/core';
import type { ArtifactStore, Clock, ListObjectsQuery, ListObjectsResult, ObjectInfo, ObjectRef, PutOptions } from '@loam/core';
import { compareKeys, resolveByteRange, validateBucketName, validateListQuery, validateObjectRef } from '@loam/core/ports/artifact-keys';
import { DIR_MODE, LocalFsLayout, META_DIR, PROMOTE_NAME_FILE, fsyncDir, splitKey } from './local-fs-paths.js';
import { TEMP_PREFIX, tempName } from './local-fs-temp-names.js';
import { notFound, objectInfo, objectPaths, openObject } from './local-fs-objects.js';
import type { ObjectPaths } from './local-fs-objects.js';
import { removeObjectFile } from './local-fs-remove.js';
import { recordPending, sweepPending } from './local-fs-journal.js';
import { refuseCaseInsensitive } from './local-fs-case.js';
import { readSidecar, writeJsonAtomically } from './local-fs-sidecar.js';
import { DirListingCache } from './local-fs-dir-cache.js';
import { walkKeys } from './local-fs-walk.js';
import type { WalkControl } from './local-fs-walk.js';
import { writeObject } from './local-fs-write.js';
import { reportFullDisk } from './local-fs-full.js';
import type { Body } from './local-fs-write.js';

export interface LocalFsArtifactStoreOptions {
  /** The directory holding one subdirectory per bucket; created (0700) when missing. */
  readonly root: string;
  readonly clock?: Clock;
}

/** How a process opens the store: as the owner of the data directory, or beside it. */
export interface LocalFsOpening {
  /**
   * The data directory's owner (the server, at its start, before it serves): the open then removes the
   * temp files of writers gone (a crash's) and the directories they alone held, and finishes their
   * promotions, visiting only what the journal's entries of dead writers name (see sweepPending): its
   * cost grows with the writes a crash cut off, not with the objects. The first such open of a data
   * directory (and each until one leaves no unrecorded temp) walks the whole tree once.
   * Default false, for every other opener (a job's runner, `loam doctor`, a tool beside a live server):
   * it sweeps nothing, and never removes a temp file another process is writing.
   */
  readonly owner?: boolean;
}

const BUCKET_FILE = '.loam-bucket';
/** How many objects' infos (a stat and a sidecar read each) a list reads at once. */
const INFO_READS = 16;

/**
 * The ArtifactStore on a local filesystem: `s3://bucket/a/b.txt` is `<root>/bucket/a/b.txt`, its size,
 * sha256 and MD5 in a sidecar under `<root>/.loam-meta/`. Directories are 0700 and files 0600; writes
 * are atomic and durable; links are never followed. As on S3, a key may also be a prefix of others (`p`
 * beside `p/q`: `p` then lives at `p/.loam-object`), end with `/` or hold `//` (an empty segment is
 * `.loam-empty`); see ADR 0020 and README.md. Conditional puts are atomic
 * within the process that holds the store (create-only writes also across processes, by link()).
 */
export class LocalFsArtifactStore implements ArtifactStore {
  /** Sorted directory listings, reused by list calls while the directories are unchanged. */
  private readonly listings = new DirListingCache();

  private constructor(
    private readonly layout: LocalFsLayout,
    private readonly clock: Clock,
  ) {}

  /** Opens (creating when needed) the store at `root`; its owner also removes temp files left by a crash. */
  static async open(options: LocalFsArtifactStoreOptions, opening: LocalFsOpening = {}): Promise<LocalFsArtifactStore> {
    await mkdir(options.root, { recursive: true, mode: DIR_MODE });
    const root = await realpath(options.root);
    await chmod(root, DIR_MODE);
    await mkdir(join(root, META_DIR), { mode: DIR_MODE }).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST') throw e;
    });
    if (!(await lstat(join(root, META_DIR))).isDirectory()) {
      throw new ValidationError(`The artifact root's '${META_DIR}' entry is not a directory.`);
    }
    await refuseCaseInsensitive(root);
    if (opening.owner === true) await sweepPending(root);
    return new LocalFsArtifactStore(new LocalFsLayout(root), options.clock ?? systemClock);
  }

  /** The resolved root directory. */
  get root(): string {
    return this.layout.root;
  }

  async createBucket(bucket: string): Promise<void> {
    validateBucketName(bucket);
    try {
      await mkdir(this.layout.bucketDir(bucket), { mode: DIR_MODE });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new ResourceInUseError(`Bucket '${bucket}' already exists.`);
      throw reportFullDisk(e, `Bucket '${bucket}'`);
    }
    const temp = tempName();
    const settled = await recordPending(this.layout.root, { bucket, dirs: [], temps: [temp] });
    try {
      const metaDir = this.layout.metaBucketDir(bucket);
      await this.layout.walkDirs(join(this.layout.root, META_DIR), [bucket], bucket, true);
      await writeJsonAtomically(metaDir, join(metaDir, BUCKET_FILE), { createdAt: this.clock.now() }, temp);
      await fsyncDir(join(this.layout.root, META_DIR));
      await fsyncDir(this.layout.root);
    } catch (e) {
      throw reportFullDisk(e, `Bucket '${bucket}'`);
    } finally {
      await settled();
    }
  }

  async ensureBucket(bucket: string): Promise<void> {
    try {
      await this.createBucket(bucket);
    } catch (e) {
      if (!(e instanceof ResourceInUseError)) throw e;
    }
  }

  async listBuckets(): Promise<{ name: string; createdAt: number }[]> {
    const out: { name: string; createdAt: number }[] = [];
    for (const entry of await readdir(this.layout.root, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      try {
        validateBucketName(entry.name);
      } catch {
        continue;
      }
      const recorded = (await readSidecar(join(this.layout.metaBucketDir(entry.name), BUCKET_FILE))) as unknown as { createdAt?: unknown } | undefined;
      const st = await lstat(this.layout.bucketDir(entry.name));
      const createdAt = typeof recorded?.createdAt === 'number' ? recorded.createdAt : Math.round(st.birthtimeMs || st.ctimeMs);
      out.push({ name: entry.name, createdAt });
    }
    return out.sort((a, b) => compareKeys(a.name, b.name));
  }

  async deleteBucket(bucket: string): Promise<void> {
    validateBucketName(bucket);
    await this.layout.requireBucket(bucket);
    if (await holdsAnything(this.layout.bucketDir(bucket))) throw new ResourceInUseError(`Bucket '${bucket}' is not empty.`);
    await rm(this.layout.bucketDir(bucket), { recursive: true, force: true });
    await rm(this.layout.metaBucketDir(bucket), { recursive: true, force: true });
    await fsyncDir(this.layout.root);
  }

  async put(ref: ObjectRef, body: Body, options: PutOptions = {}): Promise<ObjectInfo> {
    validateObjectRef(ref);
    await this.layout.requireBucket(ref.bucket);
    options.signal?.throwIfAborted();
    const exclusive = <T>(fn: () => Promise<T>) => this.layout.commits.run(`${ref.bucket}/${ref.key}`, fn);
    return writeObject(this.layout, ref, body, { ...options, now: () => this.clock.now(), exclusive }).catch((e: unknown) => {
      throw reportFullDisk(e, `Object '${ref.key}' in bucket '${ref.bucket}'`);
    });
  }

  async get(ref: ObjectRef, options: { range?: { start: number; end?: number }; signal?: AbortSignal } = {}): Promise<{ info: ObjectInfo; body: Readable }> {
    validateObjectRef(ref);
    await this.layout.requireBucket(ref.bucket);
    options.signal?.throwIfAborted();
    const opened = await openObject(this.layout, ref);
    if (!opened) throw notFound(ref);
    const { fh, info } = opened;
    try {
      const range = resolveByteRange(options.range, info.size);
      const body = fh.createReadStream({ start: range?.start ?? 0, ...(range ? { end: range.end } : {}), highWaterMark: 1 << 16 });
      return { info, body };
    } catch (e) {
      await fh.close();
      throw e;
    }
  }

  async head(ref: ObjectRef): Promise<ObjectInfo | undefined> {
    validateObjectRef(ref);
    await this.layout.requireBucket(ref.bucket);
    const opened = await openObject(this.layout, ref);
    await opened?.fh.close();
    return opened?.info;
  }

  async delete(ref: ObjectRef): Promise<void> {
    validateObjectRef(ref);
    await this.layout.requireBucket(ref.bucket);
    const { dirs, name } = splitKey(ref.key);
    if (!(await this.layout.walkDirs(this.layout.bucketDir(ref.bucket), dirs, ref.key, false))) return;
    const paths = objectPaths(this.layout, ref);
    // Each file goes by a rename onto a tomb (see removeObjectFile); the journal names the tombs, so that a
    // kill leaves the owner's next start what to remove, and the directories this delete would prune.
    const tombs = { data: tempName(), meta: tempName() };
    const settled = await recordPending(this.layout.root, { bucket: ref.bucket, dirs, name, temps: [tombs.data, tombs.meta] });
    try {
      await this.removeUnderLock(ref, paths, dirs, tombs);
    } finally {
      await settled();
    }
  }

  private async removeUnderLock(ref: ObjectRef, paths: ObjectPaths, dirs: readonly string[], tombs: { readonly data: string; readonly meta: string }): Promise<void> {
    // Under the key's lock: a promotion of `p` (a put of `p/q`) in this process cannot move the file
    // between its lookup and its removal. One in another process (a runner's) is met by removeObjectFile.
    const removed = await this.layout.commits.run(`${ref.bucket}/${ref.key}`, async () => {
      const data = await removeObjectFile(paths.dataDir, paths.name, tombs.data);
      if (data === undefined) return undefined;
      // The sidecar goes too, unless its directory chain is not ours (a planted link): then leave it be.
      const metaOk = await this.layout.walkDirs(join(this.layout.root, META_DIR), [ref.bucket, ...dirs], ref.key, false).catch(() => undefined);
      const meta = metaOk ? await removeObjectFile(paths.metaDir, paths.name, tombs.meta) : undefined;
      await fsyncDir(dirname(data));
      return { data, meta };
    });
    if (!removed) return;
    const { data, meta } = removed;
    // Directories left empty go, the key's own too when it held the object (`p/.loam-object`).
    await prune(this.layout.bucketDir(ref.bucket), data === paths.data ? dirs : [...dirs, paths.name]);
    await prune(this.layout.metaBucketDir(ref.bucket), meta === undefined || meta === paths.meta ? dirs : [...dirs, paths.name]);
  }

  async list(query: ListObjectsQuery): Promise<ListObjectsResult> {
    const { maxKeys } = validateListQuery(query);
    await this.layout.requireBucket(query.bucket);
    const prefix = query.prefix ?? '';
    const { delimiter, startAfter } = query;
    const control: WalkControl = {};
    const keys = walkKeys((dir) => this.listings.entries(dir), this.layout.bucketDir(query.bucket), prefix, startAfter, control);
    // The page's entries in order: its common prefixes, and its keys rolled up by none.
    async function* entries(): AsyncGenerator<{ entry: string; key?: string }> {
      let last: string | undefined;
      for await (const key of keys) {
        const cut = delimiter === undefined ? -1 : key.indexOf(delimiter, prefix.length);
        const entry = cut < 0 ? key : key.slice(0, cut + (delimiter as string).length);
        if (cut >= 0) control.skip = entry;
        if ((startAfter !== undefined && compareKeys(entry, startAfter) <= 0) || entry === last) continue;
        last = entry;
        yield cut >= 0 ? { entry } : { entry, key };
      }
    }
    const source = entries();
    const objects: ObjectInfo[] = [];
    const commonPrefixes: string[] = [];
    let last: string | undefined;
    for (;;) {
      // Take what the page still lacks, then read those keys' infos a few at a time.
      const batch: { entry: string; key?: string }[] = [];
      for (let want = maxKeys - objects.length - commonPrefixes.length; batch.length < want; ) {
        const next = await source.next();
        if (next.done) break;
        batch.push(next.value);
      }
      if (batch.length === 0) return { objects, commonPrefixes };
      const infos = await mapLimited(batch, INFO_READS, (e) =>
        e.key === undefined ? Promise.resolve(undefined) : objectInfo(this.layout, { bucket: query.bucket, key: e.key }).catch(() => undefined),
      );
      for (const [i, e] of batch.entries()) {
        const info = infos[i];
        if (e.key !== undefined && !info) continue; // deleted while we listed
        if (info) objects.push(info);
        else commonPrefixes.push(e.entry);
        last = e.entry;
      }
      if (objects.length + commonPrefixes.length === maxKeys) {
        const more = !(await source.next()).done;
        await source.return(undefined);
        return more ? { objects, commonPrefixes, nextStartAfter: last as string } : { objects, commonPrefixes };
      }
    }
  }

  async ping(options: { signal?: AbortSignal } = {}): Promise<void> {
    options.signal?.throwIfAborted();
    await access(this.layout.root, constants.R_OK | constants.W_OK | constants.X_OK);
  }
}

/** `fn` over `items`, at most `limit` at a time, results in the items' order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * Anything but empty directories, temp files and the name files a killed promotion leaves (the object
 * it moves, a `.loam-object`, counts): objects, links, stray files all count.
 */
async function holdsAnything(dir: string): Promise<boolean> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (await holdsAnything(join(dir, entry.name))) return true;
    } else if (!(entry.isFile() && (entry.name.startsWith(TEMP_PREFIX) || entry.name === PROMOTE_NAME_FILE))) return true;
  }
  return false;
}

/** Removes directories left empty by a delete, deepest first, stopping at the first that is not. */
async function prune(base: string, dirs: readonly string[]): Promise<void> {
  for (let i = dirs.length; i > 0; i--) {
    try {
      await rmdir(join(base, ...dirs.slice(0, i)));
    } catch {
      return;
    }
  }
}
