import { constants } from 'node:fs';
import type { BigIntStats } from 'node:fs';
import { open, readdir, readFile, lstat, rename, rmdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { ObjectMetadata } from '@loam/core';
import { FILE_MODE, JOURNAL_DIR, PROMOTE_NAME_FILE, PROMOTE_PREFIX, finishPromotion, fsyncDir, nameSegment, promotePath } from './local-fs-paths.js';
import { TEMP_PREFIX, tempIsAbandoned, tempName } from './local-fs-temp-names.js';

/** Opens a new file for writing: never an existing file, never through a link. */
export async function openExclusive(path: string) {
  return open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, FILE_MODE);
}

/**
 * What the sidecar records about one object. `ino`, `size` and `mtimeNs` identify the exact data file
 * it describes: a sidecar whose identity differs from the file's belongs to another write (a writer
 * between its two renames, or a crash), and the reader waits or recomputes instead of trusting it.
 */
export interface Sidecar {
  readonly v: 1;
  readonly size: number;
  readonly sha256: string;
  /** Hex MD5 of the bytes; not computed when the writer gave the ETag. */
  readonly md5?: string;
  /** The ETag the writer asked for (a multipart upload's), when not the quoted MD5. */
  readonly etag?: string;
  readonly lastModified: number;
  readonly contentType?: string;
  /** User metadata and content headers (ObjectMetadata), when the writer gave any. */
  readonly metadata?: ObjectMetadata;
  /**
   * The part sizes the writer gave (PutOptions.partSizes, a multipart upload's). Sidecars written before
   * they were kept have none and still read: such an object reports no part sizes.
   */
  readonly parts?: readonly number[];
  readonly ino: string;
  readonly mtimeNs: string;
}

export function identity(st: BigIntStats): Pick<Sidecar, 'ino' | 'size' | 'mtimeNs'> {
  return { ino: st.ino.toString(), size: Number(st.size), mtimeNs: st.mtimeNs.toString() };
}

export function describes(sidecar: Sidecar | undefined, st: BigIntStats): sidecar is Sidecar {
  const id = identity(st);
  return sidecar !== undefined && sidecar.ino === id.ino && sidecar.size === id.size && sidecar.mtimeNs === id.mtimeNs;
}

/**
 * The largest sidecar read. A multipart object's part sizes make most of one: 10,000 parts (S3's most) of
 * up to 5 GiB list 110 KB; a sidecar refused here would be rebuilt from the bytes, losing its ETag,
 * part sizes, content type and metadata.
 */
const MAX_SIDECAR_BYTES = 1024 * 1024;

export async function readSidecar(path: string): Promise<Sidecar | undefined> {
  try {
    const st = await lstat(path);
    if (!st.isFile() || st.size > MAX_SIDECAR_BYTES) return undefined;
    const parsed = JSON.parse(await readFile(path, 'utf8')) as Sidecar;
    return parsed.v === 1 && typeof parsed.sha256 === 'string' && (typeof parsed.etag === 'string' || typeof parsed.md5 === 'string') ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Writes JSON to a durable temp file in `dir` (named `name`); the caller renames it into place. */
export async function writeJsonTemp(dir: string, value: unknown, name = tempName()): Promise<string> {
  const temp = join(dir, name);
  const fh = await openExclusive(temp);
  try {
    await fh.writeFile(JSON.stringify(value));
    await fh.sync();
  } catch (e) {
    await fh.close();
    await unlink(temp).catch(() => {});
    throw e;
  }
  await fh.close();
  return temp;
}

/** Replaces the JSON file at `path` (in `dir`) atomically and durably. */
export async function writeJsonAtomically(dir: string, path: string, value: unknown, name = tempName()): Promise<void> {
  const temp = await writeJsonTemp(dir, value, name);
  await rename(temp, path).catch(async (e: unknown) => {
    await unlink(temp).catch(() => {});
    throw e;
  });
  await fsyncDir(dir);
}

/** What a walk of the whole tree (sweepTemps) did: temps removed, and temps kept that no journal entry covers. */
export interface SweepCount {
  removed: number;
  /** Kept (their writer lives) yet recorded by no journal entry: a targeted sweep would never see them. */
  unrecorded: number;
}

/**
 * Removes temp files left by a crash, those whose writer process is gone (see tempIsAbandoned); then
 * every directory below `dir`'s own entries (buckets stay) left empty: made for objects being written,
 * by a writer that crashed after its temp went but before its directories did (or while it held no temp
 * yet). Promotions a crash stopped are finished (see promoteFile). An empty directory is never an object; a live
 * writer whose directory goes retries on ENOENT (see writeObject). Symlinks are never followed (entries
 * are lstat'ed through `withFileTypes`). Walks the whole tree: the owner of the data directory runs it at
 * its start only until one walk leaves no unrecorded temp (see sweepPending in local-fs-journal.ts);
 * `recorded` holds the paths of temps a live writer's journal entry names.
 */
export async function sweepTemps(dir: string, recorded: ReadonlySet<string> = new Set(), depth = 0, count: SweepCount = { removed: 0, unrecorded: 0 }): Promise<SweepCount> {
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && entry.name.startsWith(PROMOTE_PREFIX)) {
      // A promotion a crash stopped (see promoteFile): put its object in place.
      await finishNamedPromotion(dir, entry.name);
    } else if (entry.isDirectory() && entry.name === JOURNAL_DIR) {
      continue; // the journal's entries are the writers' records, not temps (see sweepPending)
    } else if (entry.isDirectory()) {
      await sweepTemps(path, recorded, depth + 1, count);
      if (depth >= 1) await rmdir(path).catch(() => {}); // fails unless it is empty now
    } else if (entry.isFile() && entry.name === PROMOTE_NAME_FILE) {
      // A finished promotion's name, left in the directory it became by a kill (see finishPromotion).
      await unlink(path).catch(() => {});
    } else if (entry.isFile() && entry.name.startsWith(TEMP_PREFIX)) {
      const st = await lstat(path).catch(() => undefined);
      if (st && tempIsAbandoned(entry.name, st.mtimeMs)) {
        await unlink(path).catch(() => {});
        count.removed++;
      } else if (st && !recorded.has(path)) {
        count.unrecorded++;
      }
    }
  }
  return count;
}

/** Finishes (or, when its name file does not match its hash, drops) the promote directory `promoteName` in `dir`. */
export async function finishNamedPromotion(dir: string, promoteName: string): Promise<void> {
  const path = join(dir, promoteName);
  const name = await readFile(join(path, PROMOTE_NAME_FILE), 'utf8').catch(() => undefined);
  if (name !== undefined && nameSegment(name) !== undefined && !name.includes('/') && name !== '.' && name !== '..' && promotePath(dir, name) === path) await finishPromotion(dir, name);
  else await rmdir(path).catch(() => {});
}
