import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { lstat, mkdir, readdir, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeArtifactStoreConformance } from '@loam/testkit/conformance/artifact-store.conformance';
import { LocalFsArtifactStore } from './local-fs-artifact-store.js';
import { LocalFsLayout } from './local-fs-paths.js';
import { startSlowPutWriter } from './slow-put-writer.test-support.js';

const sandboxes: string[] = [];
function sandbox(): string {
  const dir = mkdtempSync(join(tmpdir(), 'loam-afs-'));
  sandboxes.push(dir);
  return dir;
}
afterEach(async () => {
  for (const dir of sandboxes.splice(0)) await rm(dir, { recursive: true, force: true });
});

describeArtifactStoreConformance('local-fs', {
  open: async () => {
    const dir = sandbox();
    return { store: await LocalFsArtifactStore.open({ root: join(dir, 'root') }), sandbox: dir };
  },
});

const code = async (p: Promise<unknown>) => p.then(() => 'resolved', (e: { code?: string }) => e.code ?? String(e));
const text = async (body: Readable) => {
  let s = '';
  for await (const c of body) s += String(c);
  return s;
};
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe('local-fs artifact store on disk', () => {
  let dir: string;
  let root: string;
  let store: LocalFsArtifactStore;
  beforeEach(async () => {
    dir = sandbox();
    root = join(dir, 'root');
    store = await LocalFsArtifactStore.open({ root });
    await store.createBucket('bkt');
  });

  it('keeps objects as plain files under the bucket, directories 0700 and files 0600', async () => {
    await store.put({ bucket: 'bkt', key: 'models/v1/model.tar.gz' }, new TextEncoder().encode('weights'));
    expect(await readFile(join(root, 'bkt/models/v1/model.tar.gz'), 'utf8')).toBe('weights');
    const modes: string[] = [];
    const walk = async (d: string): Promise<void> => {
      for (const name of await readdir(d)) {
        const st = await lstat(join(d, name));
        modes.push(`${name}:${(st.mode & 0o777).toString(8)}`);
        if (st.isDirectory()) await walk(join(d, name));
      }
    };
    await walk(root);
    expect(modes.filter((m) => !/:(700|600)$/.test(m))).toEqual([]);
    expect((await lstat(root)).mode & 0o777).toBe(0o700);
    // Data file, its sidecar, the bucket record; no temp files left behind.
    expect(modes.filter((m) => m.startsWith('.loam-tmp-'))).toEqual([]);
    expect(modes.filter((m) => m.startsWith('model.tar.gz:'))).toHaveLength(2);
  });

  it('prunes directories emptied by a delete, but never deletes a prefix', async () => {
    await store.put({ bucket: 'bkt', key: 'a/b/c' }, new Uint8Array([1]));
    await store.delete({ bucket: 'bkt', key: 'a/b' });
    expect(await store.head({ bucket: 'bkt', key: 'a/b/c' })).toBeDefined();
    await store.delete({ bucket: 'bkt', key: 'a/b/c' });
    expect(await readdir(join(root, 'bkt'))).toEqual([]);
    await store.deleteBucket('bkt');
    expect(await readdir(root)).toEqual(['.loam-meta']);
  });

  it('puts a key at a path of empty directories (a failed put left them before 9a6af14); they never list as keys', async () => {
    // What a put that failed on the old code left: its directories on both sides, and nothing in them.
    await mkdir(join(root, 'bkt/a/b/c/d'), { recursive: true, mode: 0o700 });
    await mkdir(join(root, '.loam-meta/bkt/a/b/c/d'), { recursive: true, mode: 0o700 });
    await mkdir(join(root, 'bkt/a/b/e'), { mode: 0o700 });
    expect(await store.list({ bucket: 'bkt', delimiter: '/' })).toEqual({ objects: [], commonPrefixes: [] });
    const info = await store.put({ bucket: 'bkt', key: 'a/b' }, new TextEncoder().encode('at the prefix'));
    expect(info.size).toBe(13);
    expect(await text((await store.get({ bucket: 'bkt', key: 'a/b' })).body)).toBe('at the prefix');
    expect((await store.list({ bucket: 'bkt' })).objects.map((o) => o.key)).toEqual(['a/b']);
    expect((await store.list({ bucket: 'bkt', prefix: 'a/b/', delimiter: '/' }))).toEqual({ objects: [], commonPrefixes: [] });
    // The key's name is a directory: the object is its .loam-object, the sidecar beside it likewise.
    expect(await readFile(join(root, 'bkt/a/b/.loam-object'), 'utf8')).toBe('at the prefix');
    expect((await lstat(join(root, '.loam-meta/bkt/a/b/.loam-object'))).isFile()).toBe(true);
    await store.delete({ bucket: 'bkt', key: 'a/b' });
    expect(await store.head({ bucket: 'bkt', key: 'a/b' })).toBeUndefined();
  });

  it('completes a put whose directories another write made and removes as it fails', async () => {
    // A failed put removes the directories it made (9a6af14); one a concurrent put has walked into but
    // not yet written to is empty, so it goes too, and that put found it gone (ENOENT, a 500).
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const refused: string[] = [];
    await Promise.all(Array.from({ length: 20 }, async (_, p) => {
      let done = false;
      const puts = (async () => {
        for (let q = 0; q < 10; q++) {
          async function* body() {
            await sleep(Math.random() * 20);
            yield new Uint8Array([q]);
          }
          await store.put({ bucket: 'bkt', key: `p${p}/q${q}/k` }, body()).catch((e: Error) => refused.push(e.message));
        }
        done = true;
      })();
      const failing = (async () => {
        while (!done) {
          for (let q = 0; q < 10; q++) {
            expect(await code(store.put({ bucket: 'bkt', key: `p${p}/q${q}/gone` }, new Uint8Array([1]), { ifMatch: '"nope"' }))).toBe('ResourceNotFound');
          }
        }
      })();
      await Promise.all([puts, failing]);
    }));
    expect(refused).toEqual([]);
    expect((await store.list({ bucket: 'bkt' })).objects).toHaveLength(200);
  }, 60_000);

  it('ignores and then sweeps temp files left by a crashed writer', async () => {
    await store.put({ bucket: 'bkt', key: 'd/k' }, new TextEncoder().encode('k'));
    // pid 2^30 is above Linux's pid_max, so no live process owns these.
    const orphan = join(root, 'bkt/d/.loam-tmp-1073741824-deadbeef');
    const metaOrphan = join(root, '.loam-meta/bkt/d/.loam-tmp-1073741824-feedface');
    await writeFile(orphan, 'half-written');
    await writeFile(metaOrphan, '{');
    const ours = join(root, 'bkt/.loam-tmp-' + process.pid + '-cafe');
    await writeFile(ours, 'in flight');
    expect((await store.list({ bucket: 'bkt' })).objects.map((o) => o.key)).toEqual(['d/k']);
    await LocalFsArtifactStore.open({ root }, { owner: true });
    expect(await readdir(join(root, 'bkt/d'))).toEqual(['k']);
    expect(await readdir(join(root, '.loam-meta/bkt/d'))).toEqual(['k']);
    // A temp of this live process is kept; one with its pid but older than it is an earlier process's.
    expect(await readdir(join(root, 'bkt'))).toContain('.loam-tmp-' + process.pid + '-cafe');
    const before = new Date(performance.timeOrigin - 1000);
    await utimes(ours, before, before);
    await LocalFsArtifactStore.open({ root }, { owner: true });
    expect(await readdir(join(root, 'bkt'))).toEqual(['d']);
  });

  it('sweeps the empty directories of a put cut off after its temp went (a kill between unlink and rmdir)', async () => {
    await store.put({ bucket: 'bkt', key: 'kept/k' }, new TextEncoder().encode('k'));
    await mkdir(join(root, 'bkt/gone/away'), { recursive: true });
    await mkdir(join(root, '.loam-meta/bkt/gone/away'), { recursive: true });
    await LocalFsArtifactStore.open({ root }, { owner: true });
    expect((await readdir(join(root, 'bkt'))).filter((n) => !n.startsWith('.'))).toEqual(['kept']);
    expect((await readdir(join(root, '.loam-meta/bkt'))).filter((n) => !n.startsWith('.'))).toEqual(['kept']);
    expect((await store.list({ bucket: 'bkt', delimiter: '/' })).commonPrefixes).toEqual(['kept/']);
  });

  describe('a long write by a job runner (another live process)', () => {
    let writer: ChildProcess | undefined;
    afterEach(() => {
      writer?.kill('SIGKILL');
    });

    /** Starts a runner-style writer of `key` whose body stops after 1 KiB; resolves with its temp file once written to. */
    async function longWrite(key: string): Promise<string> {
      const child = await startSlowPutWriter(root, key);
      writer = child;
      const dir = join(root, 'bkt', ...key.split('/').slice(0, -1));
      const temps = (await readdir(dir)).filter((f) => f.startsWith(`.loam-tmp-${child.pid}-`));
      expect(temps).toHaveLength(1);
      return join(dir, temps[0]!);
    }
    const hoursAgo = (h: number) => new Date(Date.now() - h * 3600_000);

    it('is not swept by a runner-style open, which walks nothing', async () => {
      const orphan = join(root, 'bkt/.loam-tmp-1073741824-deadbeef'); // a crash's: no process has pid 2^30
      await writeFile(orphan, 'half-written');
      // The writer's own open (a runner's) leaves the crash's temp to the owner.
      const temp = await longWrite('up/big.bin');
      expect(await readdir(join(root, 'bkt'))).toContain('.loam-tmp-1073741824-deadbeef');
      await utimes(temp, hoursAgo(2), hoursAgo(2));
      await LocalFsArtifactStore.open({ root });
      expect((await lstat(temp)).size).toBe(1024);
      expect(await readdir(join(root, 'bkt'))).toContain('.loam-tmp-1073741824-deadbeef');
    });

    it('keeps its temp file at the owner\'s sweep whatever its age, while the writer lives', async () => {
      const temp = await longWrite('up/big.bin');
      await utimes(temp, hoursAgo(2), hoursAgo(2));
      await LocalFsArtifactStore.open({ root }, { owner: true });
      expect((await lstat(temp)).size).toBe(1024);
      // Once the writer is gone, the next owner's open removes it and the directory made for it.
      writer!.kill('SIGKILL');
      await new Promise((r) => writer!.once('exit', r));
      await LocalFsArtifactStore.open({ root }, { owner: true });
      expect(await readdir(join(root, 'bkt'))).toEqual([]);
    });
  });

  it('recomputes a missing or stale sidecar from the bytes (crash between the two renames)', async () => {
    await store.put({ bucket: 'bkt', key: 'k' }, new TextEncoder().encode('old'), { contentType: 'text/plain' });
    // A crash after the data rename but before the sidecar rename: new bytes, old sidecar.
    await writeFile(join(root, 'bkt/.loam-tmp-x'), 'new bytes');
    await rm(join(root, 'bkt/k'));
    await writeFile(join(root, 'bkt/k'), 'new bytes', { mode: 0o600 });
    const info = await store.head({ bucket: 'bkt', key: 'k' });
    expect(info).toMatchObject({ size: 9, sha256: sha256('new bytes') });
    expect(info?.etag).toBe(`"${createHash('md5').update('new bytes').digest('hex')}"`);
    // A file dropped in by hand, with no sidecar at all, is an object too.
    await writeFile(join(root, 'bkt/dropped.csv'), 'a,b\n1,2\n');
    expect((await store.head({ bucket: 'bkt', key: 'dropped.csv' }))?.sha256).toBe(sha256('a,b\n1,2\n'));
    expect(JSON.parse(await readFile(join(root, '.loam-meta/bkt/dropped.csv'), 'utf8'))).toMatchObject({ sha256: sha256('a,b\n1,2\n') });
  });

  it('keeps part sizes with their multipart ETag: an old sidecar without them reads, a restored copy keeps them, a lost sidecar loses both', async () => {
    const ref = { bucket: 'bkt', key: 'mp' };
    const etag = '"0cc175b9c0f1b6a831c399e269772661-2"';
    await store.put(ref, new TextEncoder().encode('aaaab'), { etag, partSizes: [4, 1] });
    const sidecar = join(root, '.loam-meta/bkt/mp');
    const recorded = JSON.parse(await readFile(sidecar, 'utf8')) as Record<string, unknown>;
    expect(recorded['parts']).toEqual([4, 1]);
    // A sidecar written before part sizes were kept.
    const { parts: _parts, ...old } = recorded;
    await writeFile(sidecar, JSON.stringify(old));
    expect(await store.head(ref)).toMatchObject({ etag, size: 5 });
    expect((await store.head(ref))?.partSizes).toBeUndefined();
    // Part sizes that do not describe the bytes (edited by hand) are not trusted.
    await writeFile(sidecar, JSON.stringify({ ...recorded, parts: [4, 2] }));
    expect((await store.head(ref))?.partSizes).toBeUndefined();
    await writeFile(sidecar, JSON.stringify(recorded));
    // The same bytes copied back under another inode: the sidecar is stale but its SHA-256 matches.
    await rm(join(root, 'bkt/mp'));
    await writeFile(join(root, 'bkt/mp'), 'aaaab', { mode: 0o600 });
    expect(await store.head(ref)).toMatchObject({ etag, partSizes: [4, 1] });
    // Lost: the parts' boundaries are not in the bytes, so neither the ETag nor the sizes come back.
    await rm(sidecar);
    const lost = await store.head(ref);
    expect([lost?.etag, lost?.partSizes]).toEqual([`"${createHash('md5').update('aaaab').digest('hex')}"`, undefined]);
  });

  it('keeps the ETag, part sizes, content type and metadata of an object of many parts (a sidecar over 64 KiB)', async () => {
    // 10,000 parts of 5 MiB (S3's most) list 80 KB of sizes; 40,000 parts of one byte list as many here.
    const ref = { bucket: 'bkt', key: 'many-parts' };
    const partSizes = Array.from({ length: 40_000 }, () => 1);
    const etag = '"0cc175b9c0f1b6a831c399e269772661-40000"';
    await store.put(ref, new Uint8Array(40_000).fill(97), { etag, partSizes, contentType: 'application/x-tar', userMetadata: { run: 'r1' } });
    expect((await lstat(join(root, '.loam-meta/bkt/many-parts'))).size).toBeGreaterThan(64 * 1024);
    const info = await store.head(ref);
    expect([info?.etag, info?.partSizes?.length, info?.contentType, info?.userMetadata]).toEqual([etag, 40_000, 'application/x-tar', { run: 'r1' }]);
    expect((await store.list({ bucket: 'bkt', prefix: 'many' })).objects.map((o) => o.etag)).toEqual([etag]);
  });

  it('keeps the directory walk inside the root even for a key that skipped validation', async () => {
    const layout = new LocalFsLayout(root);
    expect(await code(layout.walkDirs(join(root, 'bkt'), ['..', '..', 'escape'], 'k', true))).toBe('ValidationException');
    expect(await readdir(dir)).toEqual(['root']);
  });

  it('never deletes through a link planted in the sidecar tree', async () => {
    const outside = join(dir, 'outside');
    await mkdir(outside);
    await writeFile(join(outside, 'x'), 'KEEP');
    await mkdir(join(root, 'bkt/d'));
    await writeFile(join(root, 'bkt/d/x'), 'data');
    await symlink(outside, join(root, '.loam-meta/bkt/d'));
    expect(await code(store.put({ bucket: 'bkt', key: 'd/y' }, new Uint8Array([1])))).toBe('ValidationException');
    await store.delete({ bucket: 'bkt', key: 'd/x' });
    expect(await store.head({ bucket: 'bkt', key: 'd/x' })).toBeUndefined();
    expect(await readFile(join(outside, 'x'), 'utf8')).toBe('KEEP');
    expect(await readdir(outside)).toEqual(['x']);
  });

  describe('symlinks inside the root are never followed', () => {
    let outside: string;
    beforeEach(async () => {
      outside = join(dir, 'outside');
      await mkdir(outside);
      await writeFile(join(outside, 'secret'), 'SECRET');
      await symlink(join(outside, 'secret'), join(root, 'bkt/file-link'));
      await symlink(outside, join(root, 'bkt/dir-link'));
      await symlink(outside, join(root, 'linked-bucket'));
    });
    const untouched = async () => {
      expect(await readdir(outside)).toEqual(['secret']);
      expect(await readFile(join(outside, 'secret'), 'utf8')).toBe('SECRET');
    };

    it('for reads', async () => {
      expect(await code(store.get({ bucket: 'bkt', key: 'file-link' }))).toBe('ValidationException');
      expect(await code(store.head({ bucket: 'bkt', key: 'file-link' }))).toBe('ValidationException');
      expect(await code(store.get({ bucket: 'bkt', key: 'dir-link/secret' }))).toBe('ValidationException');
      expect(await code(store.head({ bucket: 'bkt', key: 'dir-link/secret' }))).toBe('ValidationException');
      expect(await code(store.get({ bucket: 'linked-bucket', key: 'secret' }))).toBe('ResourceNotFound');
      expect(await code(store.list({ bucket: 'linked-bucket' }))).toBe('ResourceNotFound');
      expect((await store.list({ bucket: 'bkt' })).objects).toEqual([]);
      expect((await store.list({ bucket: 'bkt', prefix: 'dir-link/' })).objects).toEqual([]);
      expect((await store.listBuckets()).map((b) => b.name)).toEqual(['bkt']);
      await untouched();
    });

    it('for writes and deletes', async () => {
      const body = () => Readable.from([Buffer.from('PWNED')]);
      expect(await code(store.put({ bucket: 'bkt', key: 'file-link' }, body()))).toBe('ValidationException');
      expect(await code(store.put({ bucket: 'bkt', key: 'dir-link/secret' }, body()))).toBe('ValidationException');
      expect(await code(store.put({ bucket: 'bkt', key: 'dir-link/new/file' }, body()))).toBe('ValidationException');
      expect(await code(store.put({ bucket: 'linked-bucket', key: 'x' }, body()))).toBe('ResourceNotFound');
      expect(await code(store.delete({ bucket: 'bkt', key: 'dir-link/secret' }))).toBe('ValidationException');
      expect(await code(store.deleteBucket('linked-bucket'))).toBe('ResourceNotFound');
      expect(await code(store.deleteBucket('bkt'))).toBe('ResourceInUse');
      await untouched();
      // Deleting the link's key removes the link, not its target.
      await store.delete({ bucket: 'bkt', key: 'file-link' });
      expect((await lstat(join(root, 'bkt/file-link')).catch(() => undefined))).toBeUndefined();
      await untouched();
      expect(await code(store.get({ bucket: 'bkt', key: 'dir-link' }))).toBe('ValidationException');
      await store.put({ bucket: 'bkt', key: 'file-link' }, body());
      expect(await text((await store.get({ bucket: 'bkt', key: 'file-link' })).body)).toBe('PWNED');
      await untouched();
    });
  });

  // list keeps each directory's sorted listing between pages while the directory is unchanged; a write
  // by another process (a job runner's own store on the same root) must show at once all the same.
  it('lists what another store on the same root wrote or deleted since its last page', async () => {
    const put = (s: LocalFsArtifactStore, key: string) => s.put({ bucket: 'bkt', key }, new TextEncoder().encode(key));
    const keys = async () => (await store.list({ bucket: 'bkt', prefix: 'cache/' })).objects.map((o) => o.key);
    for (const k of ['k1', 'k2', 'k3', 'k4', 'sub/x']) await put(store, `cache/${k}`);
    await new Promise((r) => setTimeout(r, 1100)); // past the window in which a listing is not kept
    expect((await store.list({ bucket: 'bkt', prefix: 'cache/', maxKeys: 2 })).nextStartAfter).toBe('cache/k2');
    expect(await keys()).toEqual(['cache/k1', 'cache/k2', 'cache/k3', 'cache/k4', 'cache/sub/x']);
    const other = await LocalFsArtifactStore.open({ root });
    await put(other, 'cache/k0');
    await other.delete({ bucket: 'bkt', key: 'cache/k3' });
    await put(other, 'cache/sub/y');
    expect(await keys()).toEqual(['cache/k0', 'cache/k1', 'cache/k2', 'cache/k4', 'cache/sub/x', 'cache/sub/y']);
    // Within the same clock tick as the listing just read.
    await put(other, 'cache/k5');
    expect(await keys()).toEqual(['cache/k0', 'cache/k1', 'cache/k2', 'cache/k4', 'cache/k5', 'cache/sub/x', 'cache/sub/y']);
    await new Promise((r) => setTimeout(r, 1100));
    expect(await keys()).toHaveLength(7);
    await other.delete({ bucket: 'bkt', key: 'cache/sub/x' });
    await other.delete({ bucket: 'bkt', key: 'cache/sub/y' });
    expect(await store.list({ bucket: 'bkt', prefix: 'cache/', delimiter: '/' })).toMatchObject({ commonPrefixes: [] });
    expect(await keys()).toEqual(['cache/k0', 'cache/k1', 'cache/k2', 'cache/k4', 'cache/k5']);
  });
});
