import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { compareKeys, validateKeyPrefix, validateObjectKey } from '@loam/core/ports/artifact-keys';
import type { Entry, SortedEntries } from './local-fs-dir-cache.js';
import { SELF_NAME } from './local-fs-paths.js';

/** Lets the consumer of `walkKeys` skip everything under a prefix it has already rolled up. */
export interface WalkControl {
  skip?: string;
}

/** A directory's entries in S3 order (see SortedEntries), by absolute path. */
export type ReadSorted = (dir: string) => Promise<SortedEntries>;

function isValid(check: (s: string) => void, s: string): boolean {
  try {
    check(s);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether the keys an entry stands for (the key itself, or every key under a directory `p/`) include
 * one at or above `bound` (above it when `strict`). Entries cover disjoint, increasing key ranges in
 * sorted order, so along a sorted listing this is false, then true.
 */
function reaches(rel: string, e: Entry, bound: string, strict: boolean): boolean {
  const p = rel + e.key;
  const c = compareKeys(p, bound);
  return (strict ? c > 0 : c >= 0) || (e.kind === 'dir' && bound.startsWith(p));
}

/** The first index in [from, entries.length) where `ok(entry)` holds, for a predicate false then true. */
function search(entries: SortedEntries, from: number, ok: (e: Entry) => boolean): number {
  let lo = from;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ok(entries[mid] as Entry)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

async function isFile(path: string): Promise<boolean> {
  return (await lstat(path).catch(() => undefined))?.isFile() ?? false;
}

/**
 * Yields the keys under a bucket directory in S3 order (UTF-8 bytes of the whole key), lazily, from the
 * first key above `startAfter` that starts with `prefix`. Each directory's sorted listing is searched
 * for where to begin, and the walk ends with the prefix's range, so a consumer that stops after n keys
 * costs n keys plus one listing per directory level, not the keys before them. Only regular files are
 * objects: a file of the key's name, or a directory's `.loam-object` (ADR 0020); temp files and
 * sidecars (`.loam-…`), symlinks, sockets and names that are not valid keys are passed over. Keys under
 * `control.skip`, set by the consumer between keys, are jumped over. `rel` is the key prefix of the
 * directory walked, `relPath` its path below the bucket directory.
 */
export async function* walkKeys(
  read: ReadSorted,
  bucketDir: string,
  prefix: string,
  startAfter: string | undefined,
  control: WalkControl,
  rel = '',
  relPath = '',
): AsyncGenerator<string> {
  const entries = await read(join(bucketDir, relPath));
  let i = search(entries, 0, (e) => reaches(rel, e, prefix, false) && (startAfter === undefined || reaches(rel, e, startAfter, true)));
  for (; i < entries.length; i++) {
    const e = entries[i] as Entry;
    const p = rel + e.key;
    if (!p.startsWith(prefix) && !(e.kind === 'dir' && prefix.startsWith(p))) return; // past the prefix's range
    const skip = control.skip;
    if (skip !== undefined && p.startsWith(skip)) {
      i = search(entries, i, (q) => !(rel + q.key).startsWith(skip) && compareKeys(rel + q.key, skip) > 0) - 1;
      continue;
    }
    if (e.kind === 'dir') {
      if (isValid(validateKeyPrefix, p)) yield* walkKeys(read, bucketDir, prefix, startAfter, control, p, join(relPath, e.name));
    } else if (isValid(validateObjectKey, p) && (e.kind === 'object' || (await isFile(join(bucketDir, relPath, e.name, SELF_NAME))))) {
      yield p;
    }
  }
}
