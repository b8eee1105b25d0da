import { mkdtempSync } from 'node:fs';
import { mkdir, readdir, rm, rmdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LocalFsArtifactStore } from './local-fs-artifact-store.js';
import { PROMOTE_NAME_FILE, SELF_NAME, promotePath } from './local-fs-paths.js';

// A promotion (ADR 0020: `p` moving to p/.loam-object as `p/q` is written) racing other calls on `p` in
// the same process, or killed just before its last step. Each race or kill is placed at a fixed point by
// a hook on the file-system call the store makes there, so it happens every run: no timing luck either way.

const hooks = vi.hoisted(() => ({
  /** Runs (once: it clears itself) before the store's next fs call `op` on a path `match` picks. */
  next: undefined as undefined | { op: 'open' | 'lstat' | 'rename' | 'unlink' | 'link'; match: (path: string, arg: unknown) => boolean; run: () => Promise<void> },
}));

vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  const hooked =
    <A extends unknown[], R>(op: 'open' | 'lstat' | 'rename' | 'unlink' | 'link', fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const h = hooks.next;
      if (h?.op === op && h.match(String(args[0]), args[1])) {
        hooks.next = undefined;
        await h.run();
      }
      return fn(...args);
    };
  const open = hooked('open', fs.open);
  const lstat = hooked('lstat', fs.lstat as (...args: unknown[]) => Promise<unknown>) as typeof fs.lstat;
  const rename = hooked('rename', fs.rename);
  const unlink = hooked('unlink', fs.unlink);
  const link = hooked('link', fs.link);
  return { ...fs, default: { ...fs, open, lstat, rename, unlink, link }, open, lstat, rename, unlink, link };
});

const sandboxes: string[] = [];
afterEach(async () => {
  hooks.next = undefined;
  for (const dir of sandboxes.splice(0)) await rm(dir, { recursive: true, force: true });
});

const enc = new TextEncoder();
const text = async (body: Readable) => {
  let s = '';
  for await (const c of body) s += String(c);
  return s;
};

describe('a promotion racing calls on the key it moves (same process)', () => {
  let root: string;
  let store: LocalFsArtifactStore;
  const ref = (key: string) => ({ bucket: 'bkt', key });
  const get = async (key: string) => text((await store.get(ref(key))).body);
  const bucketPath = (rel: string) => join(root, 'bkt', rel);
  /** The promote directory of `p` in the data tree being fsynced: the promotion is under way. */
  const promoting = (path: string, flags: unknown) => flags === 'r' && path.startsWith(join(root, 'bkt', '.loam-promote-'));
  /** Waits for `call` to end, or a while when it cannot end before the promotion does (it waits for it). */
  const meanwhile = async (call: Promise<unknown>) => {
    await Promise.race([call.catch(() => {}), sleep(1500)]);
  };
  beforeEach(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loam-afs-promote-race-'));
    sandboxes.push(dir);
    root = join(dir, 'root');
    store = await LocalFsArtifactStore.open({ root });
    root = store.root;
    await store.createBucket('bkt');
    await store.put(ref('p'), enc.encode('old'), { contentType: 'text/old' });
  });

  it('a put of p during the promotion is kept, with its metadata', async () => {
    let put: Promise<unknown> = Promise.resolve();
    hooks.next = {
      op: 'open',
      match: promoting,
      run: async () => {
        put = store.put(ref('p'), enc.encode('new'), { contentType: 'text/new' });
        await meanwhile(put);
      },
    };
    await store.put(ref('p/q'), enc.encode('q'));
    await put;
    expect(await get('p')).toBe('new');
    expect(await store.head(ref('p'))).toMatchObject({ size: 3, contentType: 'text/new' });
    expect(await get('p/q')).toBe('q');
  });

  it('a delete of p during the promotion stays deleted', async () => {
    let del: Promise<unknown> = Promise.resolve();
    hooks.next = {
      op: 'open',
      match: promoting,
      run: async () => {
        del = store.delete(ref('p'));
        await meanwhile(del);
      },
    };
    await store.put(ref('p/q'), enc.encode('q'));
    await del;
    expect(await store.head(ref('p'))).toBeUndefined();
    expect((await store.list({ bucket: 'bkt' })).objects.map((o) => o.key)).toEqual(['p/q']);
  });

  // Another process's finishPromotion (a delete's or reader's first step, or the owner's sweep) that found the
  // promote directory holding no object yet drops it: it unlinks SELF_NAME, which may be the link just made.
  it('the promote directory dropped between its link and its step 2 (another process\'s finishPromotion): p is kept', async () => {
    hooks.next = {
      op: 'open',
      match: promoting,
      run: async () => {
        const pending = promotePath(join(root, 'bkt'), 'p');
        await rm(join(pending, SELF_NAME));
        await rm(join(pending, PROMOTE_NAME_FILE));
        await rmdir(pending);
      },
    };
    await store.put(ref('p/q'), enc.encode('q'));
    expect(await get('p')).toBe('old');
    expect(await get('p/q')).toBe('q');
  });

  it('its link unlinked between its link and its step 2, the directory left (the dropper not yet at its rmdir): p is kept', async () => {
    hooks.next = {
      op: 'open',
      match: promoting,
      run: () => rm(join(promotePath(join(root, 'bkt'), 'p'), SELF_NAME)),
    };
    await store.put(ref('p/q'), enc.encode('q'));
    expect(await get('p')).toBe('old');
    expect(await get('p/q')).toBe('q');
  });

  it('a read of p that found its file just before the promotion reads it after', async () => {
    hooks.next = {
      op: 'open',
      match: (path, flags) => path === bucketPath('p') && typeof flags === 'number',
      run: async () => {
        await store.put(ref('p/q'), enc.encode('q'));
      },
    };
    expect(await get('p')).toBe('old');
  });

  it('a listing that found the file of p just before the promotion lists it', async () => {
    hooks.next = {
      op: 'lstat',
      match: (path, options) => path === bucketPath('p') && (options as { bigint?: boolean } | undefined)?.bigint === true,
      run: async () => {
        await store.put(ref('p/q'), enc.encode('q'));
      },
    };
    expect((await store.list({ bucket: 'bkt', maxKeys: 1 })).objects.map((o) => [o.key, o.contentType])).toEqual([['p', 'text/old']]);
  });
});

describe('a promotion in one process racing a delete of its key in another', () => {
  // Two stores on one root: each has its own locks, as a runner's store beside the server's has.
  let root: string;
  let server: LocalFsArtifactStore;
  let runner: LocalFsArtifactStore;
  const ref = (key: string) => ({ bucket: 'bkt', key });
  beforeEach(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loam-afs-promote-xproc-'));
    sandboxes.push(dir);
    server = await LocalFsArtifactStore.open({ root: join(dir, 'root') });
    root = server.root;
    runner = await LocalFsArtifactStore.open({ root });
    await server.createBucket('bkt');
    await server.put(ref('p'), enc.encode('old'));
  });
  const after = async () => {
    expect(await server.head(ref('p'))).toBeUndefined();
    expect((await server.list({ bucket: 'bkt' })).objects.map((o) => o.key)).toEqual(['p/q']);
    const owner = await LocalFsArtifactStore.open({ root }, { owner: true });
    expect((await owner.list({ bucket: 'bkt' })).objects.map((o) => o.key)).toEqual(['p/q']);
  };

  it('a delete while the promotion holds the object under two names stays deleted', async () => {
    hooks.next = {
      op: 'open',
      match: (path, flags) => flags === 'r' && path.startsWith(join(root, 'bkt', '.loam-promote-')),
      run: () => server.delete(ref('p')),
    };
    await runner.put(ref('p/q'), enc.encode('q'));
    expect(hooks.next).toBeUndefined();
    await after();
  });

  it('a delete that found the file of p just before the promotion moved it deletes the moved object', async () => {
    hooks.next = {
      // The delete's removal of p's file (a rename onto its tomb, see removeObjectFile).
      op: 'rename',
      match: (path) => path === join(root, 'bkt/p'),
      run: () => runner.put(ref('p/q'), enc.encode('q')).then(() => {}),
    };
    await server.delete(ref('p'));
    expect(hooks.next).toBeUndefined();
    await after();
  });
});

describe('a create-only put of a key whose directory goes meanwhile', () => {
  it('lands at the key when the last key below it is deleted between its lookup and its link', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loam-afs-create-only-'));
    sandboxes.push(dir);
    const store = await LocalFsArtifactStore.open({ root: join(dir, 'root') });
    const ref = (key: string) => ({ bucket: 'bkt', key });
    await store.createBucket('bkt');
    await store.put(ref('p/q'), enc.encode('q'));
    hooks.next = {
      // The create-only link into p/ (p is a directory holding only p/q as it is resolved).
      op: 'link',
      match: (_from, to) => to === join(store.root, 'bkt/p', SELF_NAME),
      run: () => store.delete(ref('p/q')), // prunes the directory p
    };
    await store.put(ref('p'), enc.encode('new'), { ifNoneMatch: '*' });
    expect(hooks.next).toBeUndefined(); // the race was run
    expect(await text((await store.get(ref('p'))).body)).toBe('new');
    expect((await store.list({ bucket: 'bkt' })).objects.map((o) => o.key)).toEqual(['p']);
  });
});

describe('a promotion killed just before its last step', () => {
  let root: string;
  let store: LocalFsArtifactStore;
  const ref = (key: string) => ({ bucket: 'bkt', key });
  const keys = async (s: LocalFsArtifactStore) => (await s.list({ bucket: 'bkt' })).objects.map((o) => o.key);
  beforeEach(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loam-afs-promote-kill-'));
    sandboxes.push(dir);
    store = await LocalFsArtifactStore.open({ root: join(dir, 'root') });
    root = store.root;
    await store.createBucket('bkt');
    await store.put(ref('p'), enc.encode('old'), { contentType: 'text/old' });
  });

  it('is finished by the owner\'s sweep, also after an earlier kill left the name file empty', async () => {
    // An earlier promotion of `p` killed between making its name file and writing it.
    const pending = promotePath(join(root, 'bkt'), 'p');
    await mkdir(pending, { mode: 0o700 });
    await writeFile(join(pending, PROMOTE_NAME_FILE), '', { mode: 0o600 });
    hooks.next = {
      op: 'rename',
      match: (from) => from === pending,
      run: () => Promise.reject(Object.assign(new Error('killed before step 3'), { code: 'EKILLED' })),
    };
    await expect(store.put(ref('p/q'), enc.encode('q'))).rejects.toThrow('killed');
    expect(await keys(store)).toEqual([]); // the object is held aside until the move is finished
    const owner = await LocalFsArtifactStore.open({ root }, { owner: true });
    expect((await owner.list({ bucket: 'bkt' })).objects.map((o) => [o.key, o.contentType])).toEqual([['p', 'text/old']]);
  });

  it('killed before its step 2 (p unlinked), then p deleted: p stays deleted, also when p/q is written and at the owner\'s start', async () => {
    hooks.next = {
      op: 'unlink',
      match: (path) => path === join(root, 'bkt/p'),
      run: () => Promise.reject(Object.assign(new Error('killed before step 2'), { code: 'EKILLED' })),
    };
    await expect(store.put(ref('p/q'), enc.encode('q'))).rejects.toThrow('killed');
    expect(await keys(store)).toEqual(['p']); // not moved yet: p is still its own file
    await store.delete(ref('p'));
    expect(await store.head(ref('p'))).toBeUndefined();
    await expect(store.get(ref('p'))).rejects.toThrow(/s3:\/\/bkt\/p/);
    await store.put(ref('p/q'), enc.encode('q'));
    expect(await keys(store)).toEqual(['p/q']);
    const owner = await LocalFsArtifactStore.open({ root }, { owner: true });
    expect(await keys(owner)).toEqual(['p/q']);
  });

  it('a name file a kill left (before step 1\'s link, or after step 3) does not keep the bucket from being deleted', async () => {
    await store.put(ref('p/q'), enc.encode('q'));
    // A kill after step 3 (the name inside the directory it became), and another, of a promotion of
    // `r`, right after step 1 wrote the name (no object linked yet); no owner has swept since.
    await writeFile(join(root, 'bkt/p', PROMOTE_NAME_FILE), 'p', { mode: 0o600 });
    await mkdir(promotePath(join(root, 'bkt'), 'r'), { mode: 0o700 });
    await writeFile(join(promotePath(join(root, 'bkt'), 'r'), PROMOTE_NAME_FILE), 'r', { mode: 0o600 });
    await store.delete(ref('p'));
    await store.delete(ref('p/q'));
    expect(await keys(store)).toEqual([]);
    await store.deleteBucket('bkt');
    expect(await store.listBuckets()).toEqual([]);
  });

  it('a promotion killed between its steps 2 and 3 still holds its object: the bucket is not empty', async () => {
    const pending = promotePath(join(root, 'bkt'), 'p');
    hooks.next = {
      op: 'rename',
      match: (from) => from === pending,
      run: () => Promise.reject(Object.assign(new Error('killed before step 3'), { code: 'EKILLED' })),
    };
    await expect(store.put(ref('p/q'), enc.encode('q'))).rejects.toThrow('killed');
    await expect(store.deleteBucket('bkt')).rejects.toThrow(/not empty/);
    expect(await store.head(ref('p'))).toMatchObject({ size: 3, contentType: 'text/old' });
  });

  it('leaves no name file behind that would keep a directory from going', async () => {
    await store.put(ref('p/q'), enc.encode('q'));
    expect(await readdir(join(root, 'bkt/p'))).toEqual([SELF_NAME, 'q'].sort());
    // As a kill right after step 3 leaves it: the name file inside the directory it became.
    await writeFile(join(root, 'bkt/p', PROMOTE_NAME_FILE), 'p', { mode: 0o600 });
    const owner = await LocalFsArtifactStore.open({ root }, { owner: true });
    await owner.delete(ref('p'));
    await owner.delete(ref('p/q'));
    expect(await readdir(join(root, 'bkt'))).toEqual([]);
  });
});

describe('a sidecar repair whose directory a delete removes meanwhile', () => {
  it('makes the directory again and answers the object, its sidecar stored', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loam-afs-repair-'));
    sandboxes.push(dir);
    const store = await LocalFsArtifactStore.open({ root: join(dir, 'root') });
    const ref = (key: string) => ({ bucket: 'bkt', key });
    await store.createBucket('bkt');
    await store.put(ref('d/a'), enc.encode('aaa'));
    await store.put(ref('d/b'), enc.encode('b'));
    // d/a's sidecar is lost: a read recomputes it. d/b's is then the only entry of the sidecar directory d.
    await rm(join(store.root, '.loam-meta/bkt/d/a'));
    hooks.next = {
      // The repair's temp sidecar being created in .loam-meta/bkt/d/, after its walk found d there.
      op: 'open',
      match: (path, flags) => typeof flags === 'number' && path.startsWith(join(store.root, '.loam-meta/bkt/d/.loam-tmp-')),
      run: () => store.delete(ref('d/b')), // prunes the sidecar directory d, now empty
    };
    expect(await store.head(ref('d/a'))).toMatchObject({ size: 3 });
    expect(hooks.next).toBeUndefined(); // the race was run
    expect(await readdir(join(store.root, '.loam-meta/bkt/d'))).toEqual(['a']);
    expect(await text((await store.get(ref('d/a'))).body)).toBe('aaa');
  });
});
