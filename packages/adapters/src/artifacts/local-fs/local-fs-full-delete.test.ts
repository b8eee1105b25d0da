import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { lstat, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { canMountTmpfs, smallTmpfs } from '@loam/testkit/vitest/small-tmpfs.test-support';
import { LocalFsArtifactStore } from './local-fs-artifact-store.js';

// A full disk is freed by deleting objects: a delete must not need room for what it records (its journal
// entry, its tomb). Without room for its entry it goes on unrecorded, and the next start walks the tree.

const mounts: string[] = [];
afterEach(async () => {
  for (const dir of mounts.splice(0)) {
    execFileSync('umount', ['-l', dir]);
    await rm(dir, { recursive: true, force: true });
  }
});

const journal = (root: string) => join(root, '.loam-meta', '.loam-journal');
const gone = async (path: string) => (await lstat(path).catch(() => undefined)) === undefined;

describe.skipIf(!canMountTmpfs)('a delete on a full disk', () => {
  it('removes the object when no block is left, so that a put fits again', async () => {
    const fs = smallTmpfs(4, 'loam-full-delete-');
    const root = join(fs.dir, 'root');
    const store = await LocalFsArtifactStore.open({ root }, { owner: true });
    await store.ensureBucket('bkt');
    await store.put({ bucket: 'bkt', key: 'big/one.bin' }, new Uint8Array(1 << 20));
    await LocalFsArtifactStore.open({ root }, { owner: true }); // a start that walked: 'walked' is there
    expect(await gone(join(journal(root), 'walked'))).toBe(false);
    fs.fill();
    await expect(store.put({ bucket: 'bkt', key: 'x' }, new Uint8Array(8192))).rejects.toThrow(/disk is full/);
    await store.delete({ bucket: 'bkt', key: 'big/one.bin' });
    expect(await store.head({ bucket: 'bkt', key: 'big/one.bin' })).toBeUndefined();
    // Unrecorded: the next start walks the whole tree again.
    expect(await readdir(journal(root))).toEqual([]);
    await store.put({ bucket: 'bkt', key: 'x' }, new Uint8Array(8192));
  });

  it('reads an object whose sidecar is gone (answered from its bytes, the sidecar not rewritten)', async () => {
    const fs = smallTmpfs(4, 'loam-full-read-');
    const root = join(fs.dir, 'root');
    const store = await LocalFsArtifactStore.open({ root }, { owner: true });
    await store.ensureBucket('bkt');
    const put = await store.put({ bucket: 'bkt', key: 'a/one.bin' }, new Uint8Array(5000).fill(3));
    await rm(join(root, '.loam-meta', 'bkt', 'a', 'one.bin'));
    fs.fill();
    expect((await store.head({ bucket: 'bkt', key: 'a/one.bin' }))?.etag).toBe(put.etag);
  });

  it('removes the object when no inode is left for a tomb', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loam-full-inodes-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m,nr_inodes=64', 'tmpfs', dir]);
    mounts.push(dir);
    const root = join(dir, 'root');
    const store = await LocalFsArtifactStore.open({ root }, { owner: true });
    await store.ensureBucket('bkt');
    await store.put({ bucket: 'bkt', key: 'a/b/one.bin' }, new Uint8Array(1000));
    await rm(join(journal(root), 'walked'), { force: true }); // else its removal would free an inode
    for (let i = 0; ; i++) {
      try {
        writeFileSync(join(dir, `filler-${i}`), '');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
        break;
      }
    }
    await store.delete({ bucket: 'bkt', key: 'a/b/one.bin' });
    expect(await store.head({ bucket: 'bkt', key: 'a/b/one.bin' })).toBeUndefined();
    expect((await store.list({ bucket: 'bkt' })).objects).toEqual([]);
  });
});
