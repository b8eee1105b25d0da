import { mkdtempSync } from 'node:fs';
import { link, lstat, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LocalFsArtifactStore } from './local-fs-artifact-store.js';
import { PROMOTE_NAME_FILE, SELF_NAME, promotePath } from './local-fs-paths.js';

const JOURNAL_DIR = '.loam-journal';

// The owner's start-up sweep reads the journal (.loam-meta/.loam-journal/), not the tree: what a kill
// left is found through the dead writer's entry, and a start costs the same with few or many objects.

const counted = vi.hoisted(() => ({ on: false, readdirs: [] as string[], lstats: 0 }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  const readdir = (async (...args: Parameters<typeof fs.readdir>) => {
    if (counted.on) counted.readdirs.push(String(args[0]));
    return fs.readdir(...args);
  }) as typeof fs.readdir;
  const lstat = (async (...args: Parameters<typeof fs.lstat>) => {
    if (counted.on) counted.lstats++;
    return fs.lstat(...args);
  }) as typeof fs.lstat;
  return { ...fs, default: { ...fs, readdir, lstat }, readdir, lstat };
});

const sandboxes: string[] = [];
afterEach(async () => {
  counted.on = false;
  for (const dir of sandboxes.splice(0)) await rm(dir, { recursive: true, force: true });
});

const enc = new TextEncoder();
// pid 2^30 is above Linux's pid_max: no live process is this writer.
const dead = (n: number) => `.loam-tmp-1073741824-${n.toString(16).padStart(16, '0')}`;

/**
 * A data directory holding `objects` objects (one directory each) and what two kills left: a put of
 * `deep/er/k` cut off with its temps and directories made, and a put of `p/q` cut off between the
 * promotion's steps 2 and 3 (the object `p` only in `.loam-promote-<hash>/`). Each left its journal entry.
 */
async function crashedStore(objects: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'loam-afs-journal-'));
  sandboxes.push(dir);
  const store = await LocalFsArtifactStore.open({ root: join(dir, 'root') }, { owner: true });
  const root = store.root;
  await store.createBucket('bkt');
  for (let i = 0; i < objects; i++) await store.put({ bucket: 'bkt', key: `o${i}/data.bin` }, enc.encode(`o${i}`));
  await store.put({ bucket: 'bkt', key: 'p' }, enc.encode('old'), { contentType: 'text/old' });
  const journal = join(root, '.loam-meta', JOURNAL_DIR);
  await mkdir(journal, { recursive: true, mode: 0o700 });
  // The first kill: temps written on both sides, in directories made for them.
  for (const side of ['bkt', '.loam-meta/bkt']) {
    await mkdir(join(root, side, 'deep/er'), { recursive: true, mode: 0o700 });
    await writeFile(join(root, side, 'deep/er', dead(side.length)), 'half', { mode: 0o600 });
  }
  await writeFile(join(journal, dead(100)), JSON.stringify({ bucket: 'bkt', dirs: ['deep', 'er'], temps: [dead(3), dead(14)] }));
  // The second kill: steps 1 and 2 of promoting p done on both sides (linked aside, then unlinked).
  for (const side of ['bkt', '.loam-meta/bkt']) {
    const pending = promotePath(join(root, side), 'p');
    await mkdir(pending, { mode: 0o700 });
    await writeFile(join(pending, PROMOTE_NAME_FILE), 'p', { mode: 0o600 });
    await link(join(root, side, 'p'), join(pending, SELF_NAME));
    await rm(join(root, side, 'p'));
  }
  await writeFile(join(journal, dead(101)), JSON.stringify({ bucket: 'bkt', dirs: ['p'], temps: [dead(4), dead(5)] }));
  return root;
}

/** What the owner's start read: the directories it listed, and how many lstat calls it made. */
async function ownerStart(root: string): Promise<{ readdirs: string[]; lstats: number }> {
  counted.readdirs = [];
  counted.lstats = 0;
  counted.on = true;
  try {
    await LocalFsArtifactStore.open({ root }, { owner: true });
  } finally {
    counted.on = false;
  }
  return { readdirs: counted.readdirs.map((d) => d.slice(root.length) || '/'), lstats: counted.lstats };
}

describe('the owner\'s start-up sweep (journal)', () => {
  it('cleans what dead writers\' entries name: temps, directories made, a promotion cut off', async () => {
    const root = await crashedStore(3);
    await ownerStart(root);
    expect((await readdir(join(root, 'bkt'))).sort()).toEqual(['o0', 'o1', 'o2', 'p']);
    expect((await readdir(join(root, '.loam-meta/bkt'))).sort()).toEqual(['.loam-bucket', 'o0', 'o1', 'o2', 'p']);
    expect(await readdir(join(root, '.loam-meta', JOURNAL_DIR))).toEqual(['walked']);
    const store = await LocalFsArtifactStore.open({ root });
    expect(await store.head({ bucket: 'bkt', key: 'p' })).toMatchObject({ size: 3, contentType: 'text/old' });
    expect(await readFile(join(root, 'bkt/p', SELF_NAME), 'utf8')).toBe('old');
  });

  it('costs the same with 4 objects as with 80: it lists the journal and the root, no bucket directory', async () => {
    const small = await ownerStart(await crashedStore(4));
    const large = await ownerStart(await crashedStore(80));
    expect(large).toEqual(small);
    expect(small.readdirs.sort()).toEqual(['/', `/.loam-meta/${JOURNAL_DIR}`]);
  }, 60_000);

  it('keeps a live writer\'s entry and its temps', async () => {
    const root = await crashedStore(1);
    const live = join(root, '.loam-meta', JOURNAL_DIR, `.loam-tmp-${process.pid}-00000000000000aa`);
    await writeFile(join(root, 'bkt/deep/er', `.loam-tmp-${process.pid}-00000000000000bb`), 'in flight');
    await writeFile(live, JSON.stringify({ bucket: 'bkt', dirs: ['deep', 'er'], temps: [`.loam-tmp-${process.pid}-00000000000000bb`] }));
    await ownerStart(root);
    expect(await readdir(join(root, 'bkt/deep/er'))).toEqual([`.loam-tmp-${process.pid}-00000000000000bb`]);
    expect((await lstat(live)).isFile()).toBe(true);
  });
});
