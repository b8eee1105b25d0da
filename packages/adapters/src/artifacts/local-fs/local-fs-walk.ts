import { join } from 'node:path';
import { compareKeys, validateKeyPrefix, validateObjectKey } from '@loam/core/ports/artifact-keys';
import type { SortedEntries } from './local-fs-dir-cache.js';

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

const isDir = (p: string) => p.endsWith('/');

/**
 * Whether the keys an entry stands for (the key itself, or every key under a directory `p/`) include
 * one at or above `bound` (above it when `strict`). Entries cover disjoint, increasing key ranges in
 * sorted order, so along a sorted listing this is false, then true.
 */
function reaches(p: string, bound: string, strict: boolean): boolean {
  const c = compareKeys(p, bound);
  return (strict ? c > 0 : c >= 0) || (isDir(p) && bound.startsWith(p));
}

/** The first index in [from, names.length) where `ok(rel + name)` holds, for a predicate false then true. */
function search(names: SortedEntries, rel: string, from: number, ok: (p: string) => boolean): number {
  let lo = from;
  let hi = names.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ok(rel + (names[mid] as string))) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Yields the keys under a bucket directory in S3 order (UTF-8 bytes of the whole key), lazily, from the
 * first key above `startAfter` that starts with `prefix`. Each directory's sorted listing is searched
 * for where to begin, and the walk ends with the prefix's range, so a consumer that stops after n keys
 * costs n keys plus one listing per directory level, not the keys before them. Only regular files are
 * objects: temp files and sidecars (`.loam-…`), symlinks, sockets and names that are not valid keys are
 * passed over. Keys under `control.skip`, set by the consumer between keys, are jumped over.
 */
export async function* walkKeys(
  read: ReadSorted,
  bucketDir: string,
  prefix: string,
  startAfter: string | undefined,
  control: WalkControl,
  rel = '',
): AsyncGenerator<string> {
  const names = await read(join(bucketDir, rel));
  let i = search(names, rel, 0, (p) => reaches(p, prefix, false) && (startAfter === undefined || reaches(p, startAfter, true)));
  for (; i < names.length; i++) {
    const p = rel + (names[i] as string);
    if (!p.startsWith(prefix) && !(isDir(p) && prefix.startsWith(p))) return; // past the prefix's range
    const skip = control.skip;
    if (skip !== undefined && p.startsWith(skip)) {
      i = search(names, rel, i, (q) => !q.startsWith(skip) && compareKeys(q, skip) > 0) - 1;
      continue;
    }
    if (isDir(p)) {
      if (isValid(validateKeyPrefix, p)) yield* walkKeys(read, bucketDir, prefix, startAfter, control, p);
    } else if (isValid(validateObjectKey, p)) {
      yield p;
    }
  }
}
