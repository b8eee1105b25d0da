import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LocalFsArtifactStore } from './local-fs-artifact-store.js';

// A root on a file system that folds case is refused at open: S3 keys differing only in case would be one
// file there. Checked on a real vfat mount where this machine can make one (root, vfat in the kernel,
// mkfs.vfat), and always on a simulated one: lstat folding names to lower case below a chosen directory.

const folding = vi.hoisted(() => ({ under: undefined as string | undefined }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  const lstat = (async (path: string, ...rest: unknown[]) => {
    const p = String(path);
    const folded = folding.under !== undefined && dirname(p) === folding.under ? join(dirname(p), basename(p).toLowerCase()) : p;
    return (fs.lstat as (...a: unknown[]) => Promise<unknown>)(folded, ...rest);
  }) as typeof fs.lstat;
  return { ...fs, default: { ...fs, lstat }, lstat };
});

const sandboxes: string[] = [];
afterEach(async () => {
  folding.under = undefined;
  for (const dir of sandboxes.splice(0)) await rm(dir, { recursive: true, force: true });
});

function sandbox(): string {
  const dir = mkdtempSync(join(tmpdir(), 'loam-afs-case-'));
  sandboxes.push(dir);
  return dir;
}

/** Why no real case-insensitive file system can be mounted here, or undefined when one can. */
function cannotMountVfat(): string | undefined {
  if (process.platform !== 'linux') return 'mounting vfat needs Linux';
  if (process.getuid?.() !== 0) return 'mounting vfat needs root';
  if (!/\svfat$/m.test(readFileSync('/proc/filesystems', 'utf8'))) return 'this kernel has no vfat (nor casefold) support';
  if (!['/usr/sbin/mkfs.vfat', '/sbin/mkfs.vfat'].some((p) => existsSync(p))) return 'mkfs.vfat (dosfstools) is not installed';
  return undefined;
}
const skipReal = cannotMountVfat();

describe('a root on a case-insensitive file system', () => {
  it('is refused at open, naming the root and why (simulated: lstat folds case in the root)', async () => {
    const root = join(sandbox(), 'root');
    await mkdir(root, { mode: 0o700 });
    folding.under = root;
    const opening = LocalFsArtifactStore.open({ root });
    await expect(opening).rejects.toMatchObject({ code: 'ValidationException' });
    await expect(opening).rejects.toThrow(`The artifact root '${root}' is on a file system that ignores case`);
    await expect(opening).rejects.toThrow(/differ only in case \('Model\.bin' and 'model\.bin'\) would be one file/);
    expect(await readdir(root)).toEqual(['.loam-meta']); // the probe is gone
  });

  it('is not refused on this (case-sensitive) file system, and leaves no probe', async () => {
    const store = await LocalFsArtifactStore.open({ root: join(sandbox(), 'root') });
    await store.createBucket('bkt');
    await store.put({ bucket: 'bkt', key: 'Model.bin' }, new TextEncoder().encode('A'));
    await store.put({ bucket: 'bkt', key: 'model.bin' }, new TextEncoder().encode('a'));
    expect((await store.list({ bucket: 'bkt' })).objects.map((o) => o.key)).toEqual(['Model.bin', 'model.bin']);
    expect((await readdir(store.root)).sort()).toEqual(['.loam-meta', 'bkt']);
  });

  it.skipIf(skipReal !== undefined)(`is refused on a real vfat mount${skipReal === undefined ? '' : ` (skipped: ${skipReal})`}`, async () => {
    const dir = sandbox();
    const img = join(dir, 'fat.img');
    const mnt = join(dir, 'mnt');
    await mkdir(mnt);
    execFileSync('truncate', ['-s', '8M', img]);
    execFileSync('mkfs.vfat', [img], { stdio: 'ignore' });
    execFileSync('mount', ['-o', 'loop', img, mnt]);
    try {
      await expect(LocalFsArtifactStore.open({ root: join(mnt, 'root') })).rejects.toThrow(/ignores case/);
    } finally {
      execFileSync('umount', [mnt]);
    }
  });
});
