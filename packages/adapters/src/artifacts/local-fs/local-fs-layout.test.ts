import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { link, lstat, mkdir, readdir, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalFsArtifactStore } from './local-fs-artifact-store.js';
import { PROMOTE_NAME_FILE, SELF_NAME, promotePath } from './local-fs-paths.js';

// The layout of ADR 0020: keys that are also prefixes, folder markers and empty segments on disk;
// data written by the layout before it read unchanged; a promotion cut off by a crash at each step.

const sandboxes: string[] = [];
afterEach(async () => {
  for (const dir of sandboxes.splice(0)) await rm(dir, { recursive: true, force: true });
});

const enc = new TextEncoder();
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const text = async (body: Readable) => {
  let s = '';
  for await (const c of body) s += String(c);
  return s;
};

/** Every file and directory under `dir`, relative, directories with a trailing `/`. */
async function tree(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of (await readdir(join(dir, rel), { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = rel === '' ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) out.push(`${p}/`, ...(await tree(dir, p)));
    else out.push(p);
  }
  return out;
}

describe('local-fs layout of keys that are also prefixes (ADR 0020)', () => {
  let root: string;
  let store: LocalFsArtifactStore;
  const ref = (key: string) => ({ bucket: 'bkt', key });
  const get = async (key: string) => text((await store.get(ref(key))).body);
  const keys = async () => (await store.list({ bucket: 'bkt' })).objects.map((o) => o.key);
  beforeEach(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loam-afs-layout-'));
    sandboxes.push(dir);
    root = join(dir, 'root');
    store = await LocalFsArtifactStore.open({ root });
    await store.createBucket('bkt');
  });

  it('keeps ordinary keys at their path; a key that is also a directory as its .loam-object; an empty segment as .loam-empty', async () => {
    for (const k of ['plain/file.csv', 'p', 'p/q', 'a/', 'a//b', 'x/y/']) await store.put(ref(k), enc.encode(k));
    const files = ['a/', 'a/.loam-empty/', `a/.loam-empty/${SELF_NAME}`, 'a/.loam-empty/b', 'p/', `p/${SELF_NAME}`, 'p/q', 'plain/', 'plain/file.csv', 'x/', 'x/y/', 'x/y/.loam-empty'];
    expect(await tree(join(root, 'bkt'))).toEqual(files);
    expect(await readFile(join(root, 'bkt/plain/file.csv'), 'utf8')).toBe('plain/file.csv');
    expect(await readFile(join(root, 'bkt/a/.loam-empty', SELF_NAME), 'utf8')).toBe('a/');
    // The sidecar tree mirrors it.
    expect(await tree(join(root, '.loam-meta/bkt'))).toEqual(['.loam-bucket', ...files]);
    expect(await keys()).toEqual(['a/', 'a//b', 'p', 'p/q', 'plain/file.csv', 'x/y/']);
  });

  it('stores a folder marker and the keys below it, and removes every directory once all are deleted', async () => {
    const all = ['a/', 'a//', 'a//b', 'a/b', 'p', 'p/', 'p/q', 'p/q/r'];
    for (const k of all) await store.put(ref(k), enc.encode(k));
    for (const k of all) expect(await get(k)).toBe(k);
    expect(await keys()).toEqual(all);
    for (const k of ['p/q', 'a/', 'p', 'a//b', 'p/q/r', 'a//', 'p/', 'a/b']) await store.delete(ref(k));
    expect(await readdir(join(root, 'bkt'))).toEqual([]);
    expect(await readdir(join(root, '.loam-meta/bkt'))).toEqual(['.loam-bucket']);
  });

  it('refuses user keys with the reserved names, and lists none of the store\'s own entries', async () => {
    for (const k of [SELF_NAME, `p/${SELF_NAME}`, 'a/.loam-empty', '.LOAM-EMPTY/x', '.loam-promote-1/x']) {
      expect(await store.put(ref(k), enc.encode('x')).then(() => 'resolved', (e: { code?: string }) => e.code)).toBe('ValidationException');
    }
    await store.put(ref('p'), enc.encode('p'));
    await store.put(ref('p/q'), enc.encode('q'));
    // A promotion's leftovers (no object in them) and stray reserved names are never keys.
    await mkdir(join(root, 'bkt/.loam-promote-0123'), { mode: 0o700 });
    await writeFile(join(root, 'bkt/p/.loam-stray'), 'x');
    expect(await keys()).toEqual(['p', 'p/q']);
  });

  it('reads data written by the layout before it unchanged: plain files and sidecars at the key', async () => {
    // As the store before ADR 0020 wrote it: `<root>/bkt/<key>` and its sidecar at `.loam-meta/bkt/<key>`.
    const etag = '"0cc175b9c0f1b6a831c399e269772661-2"';
    await mkdir(join(root, 'bkt/old/dir'), { recursive: true, mode: 0o700 });
    await mkdir(join(root, '.loam-meta/bkt/old/dir'), { recursive: true, mode: 0o700 });
    await writeFile(join(root, 'bkt/old/dir/model.bin'), 'aaaab', { mode: 0o600 });
    const st = await stat(join(root, 'bkt/old/dir/model.bin'), { bigint: true });
    const sidecar = { v: 1, ino: st.ino.toString(), size: 5, mtimeNs: st.mtimeNs.toString(), sha256: sha256('aaaab'), etag, lastModified: 1700000000000, contentType: 'application/x-old', parts: [4, 1] };
    await writeFile(join(root, '.loam-meta/bkt/old/dir/model.bin'), JSON.stringify(sidecar), { mode: 0o600 });
    const reopened = await LocalFsArtifactStore.open({ root }, { owner: true });
    expect(await reopened.head(ref('old/dir/model.bin'))).toMatchObject({ etag, size: 5, contentType: 'application/x-old', partSizes: [4, 1], lastModified: 1700000000000 });
    expect((await reopened.list({ bucket: 'bkt' })).objects.map((o) => [o.key, o.etag])).toEqual([['old/dir/model.bin', etag]]);
    // The old object may now also become a prefix: it moves into its directory with its sidecar, ETag kept.
    await reopened.put(ref('old/dir/model.bin/extra'), enc.encode('x'));
    expect(await reopened.head(ref('old/dir/model.bin'))).toMatchObject({ etag, contentType: 'application/x-old', partSizes: [4, 1] });
    expect((await lstat(join(root, 'bkt/old/dir/model.bin', SELF_NAME))).ino).toBe(Number(st.ino));
    expect((await reopened.list({ bucket: 'bkt' })).objects.map((o) => o.key)).toEqual(['old/dir/model.bin', 'old/dir/model.bin/extra']);
  });

  it('keeps every object through concurrent writes and deletes of a key and the keys below it', async () => {
    for (let round = 0; round < 25; round++) {
      await Promise.all([
        store.put(ref('p'), enc.encode(`p${round}`)),
        store.put(ref('p/q'), enc.encode('q')),
        store.put(ref('p/'), enc.encode('marker')),
        store.delete(ref('p/q')),
        store.put(ref(`p/r${round % 3}`), enc.encode('r')),
      ]);
      expect(await get('p')).toBe(`p${round}`);
      expect(await get('p/')).toBe('marker');
      await store.delete(ref('p/'));
    }
    const listed = await keys();
    expect(listed.filter((k) => k !== 'p/q')).toEqual(['p', 'p/r0', 'p/r1', 'p/r2']);
    for (const k of listed) await store.delete(ref(k));
    expect(await readdir(join(root, 'bkt'))).toEqual([]);
  });

  describe('a promotion (`p` moving to p/.loam-object as `p/q` is written) cut off by a kill', () => {
    const etag = '"0cc175b9c0f1b6a831c399e269772661-2"';
    const bucketDir = () => join(root, 'bkt');
    const pending = () => promotePath(bucketDir(), 'p');
    /** The state after step 1 (name written, file linked into the promote directory), of data and sidecar. */
    async function afterStep1(): Promise<void> {
      await store.put(ref('p'), enc.encode('aaaab'), { etag, partSizes: [4, 1] });
      for (const base of [bucketDir(), join(root, '.loam-meta/bkt')]) {
        const at = promotePath(base, 'p');
        await mkdir(at, { mode: 0o700 });
        await writeFile(join(at, PROMOTE_NAME_FILE), 'p');
        await link(join(base, 'p'), join(at, SELF_NAME));
      }
    }
    /** Step 2 too: the file's name at the key is gone; the object is only in the promote directory. */
    async function afterStep2(): Promise<void> {
      await afterStep1();
      await unlink(join(bucketDir(), 'p'));
      await unlink(join(root, '.loam-meta/bkt/p'));
    }

    it('after step 1: the object is read where it was; the owner\'s sweep drops the promote directory', async () => {
      await afterStep1();
      expect(await get('p')).toBe('aaaab');
      await LocalFsArtifactStore.open({ root }, { owner: true });
      expect(await readdir(bucketDir())).toEqual(['p']);
      expect(await store.head(ref('p'))).toMatchObject({ etag, partSizes: [4, 1] });
    });

    it('after step 2: a read finds the object, finishing the move, ETag and part sizes kept', async () => {
      await afterStep2();
      expect(await store.head(ref('p'))).toMatchObject({ etag, size: 5, partSizes: [4, 1] });
      expect(await get('p')).toBe('aaaab');
      expect(await readdir(bucketDir())).toEqual(['p']);
      expect(await readdir(join(bucketDir(), 'p'))).toEqual([SELF_NAME]);
    });

    it('after step 2: the owner\'s sweep finishes it, so the object lists again', async () => {
      await afterStep2();
      expect(await keys()).toEqual([]); // hidden until finished: a kill in that window is the only way here
      const owner = await LocalFsArtifactStore.open({ root }, { owner: true });
      expect((await owner.list({ bucket: 'bkt' })).objects.map((o) => [o.key, o.etag])).toEqual([['p', etag]]);
    });

    it('after step 2: writing a key below finishes it first; deleting the key deletes the object, not a ghost', async () => {
      await afterStep2();
      await store.put(ref('p/q'), enc.encode('q'));
      expect(await keys()).toEqual(['p', 'p/q']);
      expect(await store.head(ref('p'))).toMatchObject({ etag });
      await store.delete(ref('p'));
      expect(await keys()).toEqual(['p/q']);
      await store.delete(ref('p/q'));
      expect(await readdir(bucketDir())).toEqual([]);
    });

    it('a newer object written at the key after the kill wins over the one held aside', async () => {
      await afterStep2();
      await writeFile(join(bucketDir(), 'p'), 'newer', { mode: 0o600 });
      await LocalFsArtifactStore.open({ root }, { owner: true });
      expect(await get('p')).toBe('newer');
      expect(await readdir(bucketDir())).toEqual(['p']);
      expect(await lstat(pending()).catch(() => 'gone')).toBe('gone');
    });
  });
});
