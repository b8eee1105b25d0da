import { mkdtempSync } from 'node:fs';
import { lstat, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LocalFsArtifactStore } from './local-fs-artifact-store.js';

// A journal entry must be on disk before the temp it names is: the file system may make the temp durable at
// any moment after its creation (its writeback; on btrfs, or ext4 with fast_commit, the writer's fsync of the
// temp logs that file alone), and a temp whose entry a power loss took is named by nothing, so no start
// removes it. The file system's calls are recorded in order; a power loss itself cannot be staged here.

const JOURNAL = join('.loam-meta', '.loam-journal');
const rec = vi.hoisted(() => ({ on: false, calls: [] as [string, string][], refuseEntries: false, failJournalSync: false }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  const note = (op: string, path: unknown) => {
    if (rec.on) rec.calls.push([op, String(path)]);
  };
  const open = (async (...args: Parameters<typeof fs.open>) => {
    const path = String(args[0]);
    if (rec.refuseEntries && path.includes(JOURNAL) && basename(path).startsWith('.loam-tmp-')) {
      throw Object.assign(new Error(`ENOSPC: no space left on device, open '${path}'`), { code: 'ENOSPC' });
    }
    const fh = await fs.open(...args);
    note('open', path);
    const sync = fh.sync.bind(fh);
    fh.sync = async () => {
      if (rec.failJournalSync && path.endsWith(JOURNAL)) throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
      note('sync', path);
      return sync();
    };
    return fh;
  }) as typeof fs.open;
  const writeFile = (async (...args: Parameters<typeof fs.writeFile>) => {
    if (rec.refuseEntries && String(args[0]).includes(JOURNAL)) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    note('open', args[0]);
    return fs.writeFile(...args);
  }) as typeof fs.writeFile;
  const unlink = (async (...args: Parameters<typeof fs.unlink>) => {
    note('unlink', args[0]);
    return fs.unlink(...args);
  }) as typeof fs.unlink;
  return { ...fs, default: { ...fs, open, writeFile, unlink }, open, writeFile, unlink };
});

const sandboxes: string[] = [];
afterEach(async () => {
  rec.on = false;
  rec.refuseEntries = false;
  rec.failJournalSync = false;
  rec.calls = [];
  for (const dir of sandboxes.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function openStore() {
  const dir = mkdtempSync(join(tmpdir(), 'loam-afs-journal-sync-'));
  sandboxes.push(dir);
  const root = join(dir, 'root');
  const store = await LocalFsArtifactStore.open({ root }, { owner: true });
  await store.ensureBucket('bkt');
  return { root, store };
}

/** The calls before the first temp file is created in the bucket (data side or sidecar side). */
function beforeFirstTemp(root: string): [string, string][] {
  const first = rec.calls.findIndex(([op, p]) => op === 'open' && basename(p).startsWith('.loam-tmp-') && !p.includes(JOURNAL) && p.startsWith(root));
  expect(first).toBeGreaterThan(0);
  return rec.calls.slice(0, first);
}

describe('the journal entry of a put or a delete', () => {
  it('is fsynced, and then its directory, before the first temp file is created', async () => {
    const { root, store } = await openStore();
    const journal = join(root, JOURNAL);
    for (const op of [() => store.put({ bucket: 'bkt', key: 'a/b/c.txt' }, new TextEncoder().encode('x')), () => store.delete({ bucket: 'bkt', key: 'a/b/c.txt' })]) {
      rec.calls = [];
      rec.on = true;
      await op();
      rec.on = false;
      const before = beforeFirstTemp(root);
      const entry = before.find(([op, p]) => op === 'open' && p.startsWith(journal + '/'))?.[1];
      expect(entry, 'an entry is written').toBeDefined();
      const entrySynced = before.findIndex(([op, p]) => op === 'sync' && p === entry);
      const dirSynced = before.findIndex(([op, p]) => op === 'sync' && p === journal);
      expect(entrySynced, 'the entry is fsynced before the temp exists').toBeGreaterThanOrEqual(0);
      expect(dirSynced, 'its directory is fsynced after it').toBeGreaterThan(entrySynced);
    }
  });

  it("with no room for it, removes `walked` durably before the temp (the next start walks the tree)", async () => {
    const { root, store } = await openStore();
    const journal = join(root, JOURNAL);
    // The owner's first start walked the tree: from now on starts read the journal only.
    await LocalFsArtifactStore.open({ root }, { owner: true });
    expect((await lstat(join(journal, 'walked'))).isFile()).toBe(true);
    rec.refuseEntries = true;
    rec.on = true;
    await store.put({ bucket: 'bkt', key: 'k.txt' }, new TextEncoder().encode('x'));
    rec.on = false;
    const before = beforeFirstTemp(root);
    const removed = before.findIndex(([op, p]) => op === 'unlink' && p === join(journal, 'walked'));
    expect(removed).toBeGreaterThanOrEqual(0);
    expect(before.findIndex(([op, p], i) => i > removed && op === 'sync' && p === journal)).toBeGreaterThan(removed);
  });
});

describe('a journal entry whose directory cannot be fsynced', () => {
  it('fails the put and is removed: nothing else would remove it while this process lives', async () => {
    const { root, store } = await openStore();
    const journal = join(root, JOURNAL);
    const before = await readdir(journal);
    rec.failJournalSync = true;
    await expect(store.put({ bucket: 'bkt', key: 'a/k.txt' }, new TextEncoder().encode('x'))).rejects.toMatchObject({ code: 'EIO' });
    rec.failJournalSync = false;
    expect(await readdir(journal)).toEqual(before);
    // The store goes on: the next put is journaled and leaves nothing either.
    await store.put({ bucket: 'bkt', key: 'a/k.txt' }, new TextEncoder().encode('y'));
    expect(await readdir(journal)).toEqual(before);
  });
});
