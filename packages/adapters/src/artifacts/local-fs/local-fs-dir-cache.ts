import type { BigIntStats } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { compareKeys } from '@loam/core/ports/artifact-keys';
import { nameSegment } from './local-fs-paths.js';

/**
 * One entry of a directory, as the keys it stands for (ADR 0020): `key` is its part of the key (the
 * file name, an EMPTY_NAME as ''), `name` its file name. A file is an `object`; a directory is both
 * `dir` (`key` ends with `/`, the keys below it) and `self` (the object it may hold as SELF_NAME, at
 * the place of a file of its name; a walk checks that it is there when it reaches it).
 */
export interface Entry {
  readonly key: string;
  readonly name: string;
  readonly kind: 'object' | 'dir' | 'self';
}

/**
 * A directory's entries that can hold keys, sorted as S3 sorts keys (UTF-8 bytes): so `a` (a file or
 * a directory's SELF_NAME) < `a-c` < `a/` < `a0`. Temp files, promotions and sidecars (`.loam-…` but
 * EMPTY_NAME), links, sockets and the like are left out. A missing directory (emptied and removed by a
 * concurrent delete) has none.
 */
export type SortedEntries = readonly Entry[];

/** A listing is trusted again only if the directory was last changed this long before it was read. */
const SETTLED_MS = 1000;

interface Cached {
  readonly ino: bigint;
  readonly mtimeNs: bigint;
  readonly ctimeNs: bigint;
  readonly names: SortedEntries;
}

const cost = (listing: Cached) => listing.names.length + 1;

const same = (a: Pick<Cached, 'ino' | 'mtimeNs' | 'ctimeNs'>, st: BigIntStats) => a.ino === st.ino && a.mtimeNs === st.mtimeNs && a.ctimeNs === st.ctimeNs;

async function statDir(path: string): Promise<BigIntStats | undefined> {
  return lstat(path, { bigint: true }).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return undefined;
    throw e;
  });
}

async function readSorted(path: string): Promise<SortedEntries> {
  const entries = await readdir(path, { withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return [];
    throw e;
  });
  const out: Entry[] = [];
  for (const e of entries) {
    const segment = nameSegment(e.name);
    if (segment === undefined) continue;
    if (e.isFile()) out.push({ key: segment, name: e.name, kind: 'object' });
    else if (e.isDirectory()) out.push({ key: `${segment}/`, name: e.name, kind: 'dir' }, { key: segment, name: e.name, kind: 'self' });
  }
  return out.sort((a, b) => compareKeys(a.key, b.key));
}

/**
 * Sorted directory listings kept between list calls, so that paging through a directory of many keys
 * reads and sorts it once rather than once per page. A listing is used again only while the
 * directory's inode, mtime and ctime are unchanged: adding, removing or renaming an entry changes both
 * times, whichever process does it. Filesystem timestamps are coarse (a clock tick), so a change made
 * within the same tick as the listing's read could leave them as they were; a listing is therefore
 * kept only when the directory had not changed for SETTLED_MS before it was read (as git treats "racy"
 * index entries). Changes inside a subdirectory do not touch its parent: each level is checked on its
 * own. At most `maxNames` names are kept, least recently used listings dropped first, each listing
 * counted as one name more than it holds (its path and record cost memory too, so a tree of empty
 * directories cannot grow the cache without bound); a directory larger than that is read on every call.
 */
export class DirListingCache {
  private readonly listings = new Map<string, Cached>();
  /** The listings' names, plus one per listing. */
  private names = 0;

  constructor(private readonly maxNames = 500_000) {}

  async entries(path: string): Promise<SortedEntries> {
    const before = await statDir(path);
    if (!before) return [];
    // A link (the bucket directory may be one) is read as readdir reads it, without keeping it.
    if (!before.isDirectory()) return readSorted(path);
    const hit = this.listings.get(path);
    if (hit && same(hit, before)) {
      this.listings.delete(path);
      this.listings.set(path, hit);
      return hit.names;
    }
    const readAt = Date.now();
    const names = await readSorted(path);
    const after = await statDir(path);
    const changedAt = Number((before.mtimeNs > before.ctimeNs ? before.mtimeNs : before.ctimeNs) / 1_000_000n);
    if (after && same({ ino: before.ino, mtimeNs: before.mtimeNs, ctimeNs: before.ctimeNs }, after) && readAt - changedAt > SETTLED_MS) {
      this.keep(path, { ino: before.ino, mtimeNs: before.mtimeNs, ctimeNs: before.ctimeNs, names });
    } else if (hit) {
      this.drop(path);
    }
    return names;
  }

  private keep(path: string, listing: Cached): void {
    this.drop(path);
    if (cost(listing) > this.maxNames) return;
    this.listings.set(path, listing);
    this.names += cost(listing);
    for (const [oldest] of this.listings) {
      if (this.names <= this.maxNames) break;
      this.drop(oldest);
    }
  }

  private drop(path: string): void {
    const old = this.listings.get(path);
    if (!old) return;
    this.listings.delete(path);
    this.names -= cost(old);
  }
}
