import { createHash } from 'node:crypto';
import { link, lstat, mkdir, open, readFile, realpath, rename, rmdir, unlink } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { NotFoundError, ValidationError } from '@loam/core';

/** The sidecar tree, beside the buckets; bucket names cannot start with a dot, so it never clashes. */
export const META_DIR = '.loam-meta';
export const DIR_MODE = 0o700;
/** Under META_DIR: one entry per write or delete under way, so a start sweeps only those (local-fs-journal.ts). */
export const JOURNAL_DIR = '.loam-journal';
export const FILE_MODE = 0o600;

/*
 * Reserved names (ADR 0020). Keys never hold a segment starting with `.loam-` (core refuses them), so
 * these names can never be a user's and need no escaping:
 * - SELF_NAME: the object whose key is also a directory (`p` beside `p/q`) lives at `<p>/.loam-object`;
 * - EMPTY_NAME: an empty key segment (`a//b`, the folder marker `a/`) is the name `.loam-empty`;
 * - PROMOTE_PREFIX: a file becoming a directory (see promoteFile) passes through `.loam-promote-<hash>`.
 */
export const SELF_NAME = '.loam-object';
export const EMPTY_NAME = '.loam-empty';
export const PROMOTE_PREFIX = '.loam-promote-';

/** The file name of one key segment. */
export function segmentName(segment: string): string {
  return segment === '' ? EMPTY_NAME : segment;
}

/** The key segment a directory entry's name stands for; undefined for the store's own files. */
export function nameSegment(name: string): string | undefined {
  if (name === EMPTY_NAME) return '';
  return name.toLowerCase().startsWith('.loam-') ? undefined : name;
}

/** Where the file named `name` waits while it becomes the directory `name` (see promoteFile). */
export function promotePath(dir: string, name: string): string {
  return join(dir, PROMOTE_PREFIX + createHash('sha256').update(name).digest('hex').slice(0, 40));
}

/**
 * Where things live under the root: objects at `<root>/<bucket>/<key>`, their sidecars at
 * `<root>/.loam-meta/<bucket>/<key>`, an empty segment named EMPTY_NAME and an object whose key is also
 * a directory at `<key>/.loam-object` (ADR 0020). Every path is built from already-validated names; the
 * functions here add the filesystem checks (no symlinks on the way, realpath stays under the root).
 */
export class LocalFsLayout {
  /**
   * Changes to one key's entries run one at a time, keyed `<bucket>/<key>`: a put's commit (so a
   * conditional put's check and rename are atomic), a delete, and the promotion of the key's file to its
   * directory (so a put or delete of `p` is never lost to, or undone by, `p/q`'s promotion of `p`).
   */
  readonly commits = new KeyedLock();

  constructor(readonly root: string) {}

  /** The `<bucket>/<key>` whose entry is `path`, on the data or the sidecar side (the commits' lock key). */
  private keyOfPath(path: string): string {
    const names = relative(this.root, path).split(sep);
    if (names[0] === META_DIR) names.shift();
    const bucket = names.shift() as string;
    return `${bucket}/${names.map((n) => (n === EMPTY_NAME ? '' : n)).join('/')}`;
  }

  bucketDir(bucket: string): string {
    return join(this.root, bucket);
  }

  metaBucketDir(bucket: string): string {
    return join(this.root, META_DIR, bucket);
  }

  /** Throws ResourceNotFound unless the bucket is a real directory (a symlinked bucket is not one). */
  async requireBucket(bucket: string): Promise<void> {
    const st = await lstat(this.bucketDir(bucket)).catch(() => undefined);
    if (!st?.isDirectory()) throw new NotFoundError('Bucket', bucket);
  }

  /** Throws unless `dir` resolves (symlinks and all) to a place under the root. */
  async assertContained(dir: string): Promise<void> {
    const real = await realpath(dir);
    if (real !== this.root && !real.startsWith(this.root + sep)) {
      throw new ValidationError('The object path resolves outside the artifact root; links are never followed.');
    }
  }

  /**
   * Walks `segments` below `base` (a bucket or sidecar-bucket directory), refusing symlinks and
   * files on the way. With `create`, makes missing directories (0700) and returns those it made, so
   * their parents can be fsynced; without, returns undefined when a directory is missing.
   */
  async walkDirs(base: string, segments: readonly string[], key: string, create: boolean): Promise<string[] | undefined> {
    const made: string[] = [];
    let dir = base;
    for (const seg of segments) {
      // Keys are validated before they get here; this keeps the walk inside even if a caller forgot.
      if (seg === '' || seg === '.' || seg === '..' || seg.includes('/') || seg.includes('\\') || seg.includes('\0')) {
        throw new ValidationError(`Object key '${key}' has a path segment that is not a plain name.`);
      }
      dir = join(dir, seg);
      let st = await lstat(dir).catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return undefined;
        throw e;
      });
      if (!st) {
        if (!create) return undefined;
        try {
          await mkdir(dir, { mode: DIR_MODE });
          made.push(dir);
          // An object of this name a crash left in mid-promotion joins the new directory.
          await finishPromotion(dirname(dir), seg);
          continue;
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
          st = await lstat(dir);
        }
      }
      if (st.isSymbolicLink()) throw new ValidationError(`Object key '${key}' passes through a symbolic link; links are never followed.`);
      if (!st.isDirectory() && !create) return undefined; // nothing lives below a file
      if (!st.isDirectory()) {
        // An object at this prefix (`p` when `p/q` is written): it moves into the directory as its
        // SELF_NAME. A writer of `p` racing it may put a file there again: promote that one too.
        for (let tries = 0; !st.isDirectory(); tries++) {
          if (tries === 3 || !st.isFile()) throw new ValidationError(`Object key '${key}' passes through '${seg}', which is neither a directory nor an object.`);
          const file = dir;
          await this.commits.run(this.keyOfPath(file), () => promoteFile(file));
          // Gone: a delete in another process removed the object meanwhile. The directory is made as above.
          const now = await lstat(dir).catch((e: NodeJS.ErrnoException) => {
            if (e.code === 'ENOENT') return undefined;
            throw e;
          });
          if (now) st = now;
          else {
            await mkdir(dir, { mode: DIR_MODE }).then(() => made.push(dir), (e: NodeJS.ErrnoException) => {
              if (e.code !== 'EEXIST') throw e;
            });
            st = await lstat(dir);
          }
        }
      }
    }
    await this.assertContained(dir);
    return made;
  }
}

/** Splits a validated key into the file names of its directory segments and of its last segment. */
export function splitKey(key: string): { dirs: string[]; name: string } {
  const parts = key.split('/').map(segmentName);
  const name = parts.pop() as string;
  return { dirs: parts, name };
}

const code = (e: unknown) => (e as NodeJS.ErrnoException).code;

/** In a promote directory: the name it is for, so the owner's sweep can finish it (see sweepTemps). */
export const PROMOTE_NAME_FILE = '.loam-name';

/**
 * Turns the object file at `path` into the directory `path` holding it as SELF_NAME, so that keys
 * below it can be written (`p/q` beside `p`). A crash at any step leaves the object readable:
 *
 *   1. make `<parent>/.loam-promote-<hash of name>/` holding the name (PROMOTE_NAME_FILE), and
 *      hard-link the file into it as SELF_NAME;
 *   2. unlink `path` (from here until 3, the object's only name is in the promote directory);
 *   3. rename the promote directory to `path`.
 *
 * A reader that finds no object at `path` looks in the promote directory and finishes the move
 * (finishPromotion), as does the data directory's owner at its start. Where `path` became a directory
 * meanwhile (another writer's mkdir), the object is linked into it unless a newer SELF_NAME is there;
 * where it became a file again (a newer object), the older one is dropped.
 */
export async function promoteFile(path: string): Promise<void> {
  const dir = dirname(path);
  const name = basename(path);
  const pending = promotePath(dir, name);
  const held = join(pending, SELF_NAME);
  // Callers hold the key's commit lock, so no put or delete of it in this process runs meanwhile. A writer
  // in another process may still rename a newer file to `path`: it is looked at again just before the
  // unlink, and linked instead of the older one (the window left is one lstat wide).
  for (let tries = 0; tries < 3; tries++) {
    const st = await lstat(path).catch(() => undefined);
    if (!st?.isFile()) break;
    await preparePromotion(pending, name);
    const prior = await lstat(held).catch(() => undefined);
    if (prior && prior.ino !== st.ino) await unlink(held); // an older object's, left by a crash before its step 2
    if (!prior || prior.ino !== st.ino) {
      // ENOENT: the file went since the look (a delete in another process), or the promote directory did (that
      // delete's finishPromotion dropped it while it held no object yet): look again.
      const linked = await link(path, held).then(
        () => true,
        (e: unknown) => {
          if (code(e) === 'EEXIST') return true;
          if (code(e) === 'ENOENT') return false;
          throw e;
        },
      );
      if (!linked) continue;
    }
    // Another process's finishPromotion that found the promote directory holding no object yet (before the
    // link) drops it, unlinking SELF_NAME: after the link, that is the object's second name, and step 2 would
    // then unlink its last. Looked at again here, as `path` is (the window left is one lstat wide).
    const synced = await fsyncDir(pending).then(
      () => true,
      (e: unknown) => {
        if (code(e) === 'ENOENT') return false;
        throw e;
      },
    );
    if (!synced || (await lstat(held).catch(() => undefined))?.ino !== st.ino) continue;
    if ((await lstat(path).catch(() => undefined))?.ino !== st.ino) continue;
    // Gone, or a directory already: a delete of the key in another process finished this promotion
    // (finishPromotion) or removed the object since the look just above.
    await unlink(path).catch((e) => {
      if (code(e) !== 'ENOENT' && code(e) !== 'EISDIR') throw e;
    });
    break;
  }
  await finishPromotion(dir, name);
}

/** Makes the promote directory `pending` holding the name it is for (PROMOTE_NAME_FILE), unless it is there. */
async function preparePromotion(pending: string, name: string): Promise<void> {
  await mkdir(pending, { mode: DIR_MODE }).catch((e) => {
    if (code(e) !== 'EEXIST') throw e;
  });
  const named = join(pending, PROMOTE_NAME_FILE);
  // A crash may have left it empty (made, not yet written): the sweep could not finish the move by it.
  if ((await readFile(named, 'utf8').catch(() => undefined)) !== name) {
    await unlink(named).catch(() => {});
    const fh = await open(named, 'wx', FILE_MODE);
    try {
      await fh.writeFile(name);
      await fh.sync();
    } finally {
      await fh.close();
    }
  }
}

/** Removes a promote directory that holds no object any more. */
async function dropPromotion(pending: string): Promise<void> {
  await unlink(join(pending, SELF_NAME)).catch(() => {});
  await unlink(join(pending, PROMOTE_NAME_FILE)).catch(() => {});
  await rmdir(pending).catch(() => {});
}

/**
 * Completes a promotion stopped between its steps (see promoteFile): puts the promote directory of
 * `<dir>/<name>` in place. Returns whether one was pending. Run by readers that miss an object, by
 * writers that promote, and by the owner's start-up sweep.
 */
export async function finishPromotion(dir: string, name: string): Promise<boolean> {
  const pending = promotePath(dir, name);
  const held = join(pending, SELF_NAME);
  const heldSt = await lstat(held).catch(() => undefined);
  if (!heldSt) {
    if (await lstat(pending).catch(() => undefined)) await dropPromotion(pending);
    return false;
  }
  const path = join(dir, name);
  const current = async () => (await lstat(path).catch(() => undefined))?.isFile() === true;
  const st = await lstat(path).catch(() => undefined);
  if (st?.isFile()) {
    // Step 2 never ran, or the object was written again since: the file at `path` is the current one.
    if (st.ino !== heldSt.ino) {
      await dropPromotion(pending);
      return true;
    }
    await unlink(path).catch(() => {});
  }
  try {
    // The name goes along, so that a kill before this rename leaves the owner's sweep what it needs.
    await rename(pending, path);
    await unlink(join(path, PROMOTE_NAME_FILE)).catch(() => {}); // a kill leaves it: the sweep removes it
  } catch (e) {
    if (code(e) === 'ENOENT') return true; // another call finished it
    if (!['EEXIST', 'ENOTEMPTY', 'ENOTDIR', 'EISDIR'].includes(code(e) ?? '')) throw e;
    if (await current()) {
      await dropPromotion(pending); // a newer object was written at `path` meanwhile
      return true;
    }
    // `path` is a directory that holds something (keys below it): the object joins it, unless a newer one did.
    await link(held, join(path, SELF_NAME)).catch((err) => {
      if (code(err) !== 'EEXIST') throw err;
    });
    await dropPromotion(pending);
  }
  await fsyncDir(dir);
  return true;
}

/** fsyncs a directory so a rename or create inside it survives a crash. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** One promise chain per key: `run` waits for the key's earlier holders, and entries are dropped when idle. */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const before = this.tails.get(key) ?? Promise.resolve();
    const mine = before.then(fn, fn);
    const tail = mine.catch(() => {});
    this.tails.set(key, tail);
    try {
      return await mine;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
