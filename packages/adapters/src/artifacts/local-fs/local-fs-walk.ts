import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { RESERVED_SEGMENT_PREFIX, compareKeys, validateKeyPrefix, validateObjectKey } from '@loam/core/ports/artifact-keys';

/** Lets the consumer of `walkKeys` skip everything under a prefix it has already rolled up. */
export interface WalkControl {
  skip?: string;
}

function isValid(check: (s: string) => void, s: string): boolean {
  try {
    check(s);
    return true;
  } catch {
    return false;
  }
}

/**
 * Yields the keys under a bucket directory in S3 order (UTF-8 bytes of the whole key), lazily.
 * Directories sort as `name/`, so `a-c` < `a/b` < `a0` comes out right. Only regular files are
 * objects: temp files and sidecars (`.loam-…`), symlinks, sockets and names that are not valid keys
 * are passed over. Subtrees that cannot hold a key matching `prefix`, or above `startAfter`, are not read.
 */
export async function* walkKeys(
  bucketDir: string,
  prefix: string,
  startAfter: string | undefined,
  control: WalkControl,
  rel = '',
): AsyncGenerator<string> {
  const entries = await readdir(join(bucketDir, rel), { withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
    // A directory emptied and removed by a concurrent delete simply has no keys left.
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return [];
    throw e;
  });
  const items = entries
    .filter((e) => !e.name.toLowerCase().startsWith(RESERVED_SEGMENT_PREFIX) && (e.isFile() || e.isDirectory()))
    .map((e) => ({ dir: e.isDirectory(), path: rel + e.name + (e.isDirectory() ? '/' : '') }))
    .sort((a, b) => compareKeys(a.path, b.path));
  for (const item of items) {
    const p = item.path;
    if (control.skip !== undefined && p.startsWith(control.skip)) continue;
    if (!(p.startsWith(prefix) || (item.dir && prefix.startsWith(p)))) continue;
    if (item.dir) {
      if (startAfter !== undefined && compareKeys(p, startAfter) < 0 && !startAfter.startsWith(p)) continue;
      if (!isValid(validateKeyPrefix, p)) continue;
      yield* walkKeys(bucketDir, prefix, startAfter, control, p);
    } else if (isValid(validateObjectKey, p)) {
      yield p;
    }
  }
}
