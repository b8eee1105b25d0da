import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DirListingCache } from './local-fs-dir-cache.js';

// A kept listing is answered as the same array; a listing read again is a new one.
describe('DirListingCache', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'loam-dir-cache-'));
  });
  afterEach(async () => rm(root, { recursive: true, force: true }));

  it('counts empty listings against its bound, so a tree of empty directories cannot grow it without limit', async () => {
    const dirs = Array.from({ length: 6 }, (_, i) => join(root, `e${i}`));
    for (const d of dirs) await mkdir(d);
    await writeFile(join(root, 'e5', 'k'), 'k');
    await new Promise((r) => setTimeout(r, 1100)); // past the window in which a listing is not kept
    const cache = new DirListingCache(3);
    const first = await cache.entries(dirs[0] as string);
    expect(await cache.entries(dirs[0] as string)).toBe(first); // kept
    for (const d of dirs.slice(1, 5)) await cache.entries(d);
    // Four more listings (empty) than the bound allows: the least recently used one was dropped.
    expect(await cache.entries(dirs[0] as string)).not.toBe(first);
    const one = await cache.entries(dirs[5] as string);
    expect(one).toEqual([{ key: 'k', name: 'k', kind: 'object' }]);
    expect(await cache.entries(dirs[5] as string)).toBe(one);
  });
});
