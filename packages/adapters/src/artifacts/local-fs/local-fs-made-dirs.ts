import { rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { LocalFsLayout } from './local-fs-paths.js';

/**
 * Makes the directories `segments` below `base`, then runs `create` in the last one. Until `create`
 * puts a file there, a directory may be removed by another writer: a failed write removes the
 * directories it made, a delete prunes empty ones, the owner's start-up sweep those of a crash's temp
 * files. So a walk that finds a directory gone (ENOENT) is made again, a few times; given up, the
 * directories made are removed. Returns `create`'s result and every directory made on the way.
 */
export async function inMadeDirs<T>(layout: LocalFsLayout, base: string, segments: readonly string[], key: string, create: (dir: string) => Promise<T>): Promise<{ value: T; made: string[] }> {
  const made: string[] = [];
  for (let attempt = 0; ; attempt++) {
    try {
      for (const d of (await layout.walkDirs(base, segments, key, true)) ?? []) if (!made.includes(d)) made.push(d);
      return { value: await create(join(base, ...segments)), made };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' && attempt < 3) continue;
      for (const d of [...made].reverse()) await rmdir(d).catch(() => {});
      throw e;
    }
  }
}
