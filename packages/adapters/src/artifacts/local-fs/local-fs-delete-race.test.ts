import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { link, lstat, mkdir, readdir, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalFsArtifactStore } from './local-fs-artifact-store.js';
import { PROMOTE_NAME_FILE, SELF_NAME, promoteFile, promotePath } from './local-fs-paths.js';
import { removeSeams } from './local-fs-remove.js';

// A delete of `p` in the server racing, in a real second process (a job's runner), a put of `p/q`, which
// promotes `p` (ADR 0020). The commit lock is per process, so nothing but the file system orders the two:
// the delete must never be undone by the promotion (the object coming back at p/.loam-object), whatever
// step of it the delete meets. First each step, met at the one point where the delete looks (a seam pauses
// it there while "the runner" takes that step); then the two processes racing freely.

const here = dirname(fileURLToPath(import.meta.url));
const sandboxes: string[] = [];
let child: ChildProcess | undefined;
afterEach(async () => {
  removeSeams.afterLookup = undefined;
  child?.kill('SIGKILL');
  child = undefined;
  for (const dir of sandboxes.splice(0)) await rm(dir, { recursive: true, force: true });
});

const ROUNDS = 3;
const KEYS_PER_ROUND = 48;

const ref = (key: string) => ({ bucket: 'bkt', key });

/** A store holding the object `p`, and the path of its file. */
async function storeWithP(): Promise<{ store: LocalFsArtifactStore; bucketDir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'loam-afs-delete-race-'));
  sandboxes.push(dir);
  const store = await LocalFsArtifactStore.open({ root: join(dir, 'root') });
  await store.createBucket('bkt');
  await store.put(ref('p'), new TextEncoder().encode('p'));
  return { store, bucketDir: join(store.root, 'bkt') };
}

/** Runs `step` (the runner's) once, when the delete has looked up the object's file and not yet looked at it. */
function atTheDeletesLook(step: () => Promise<void>): void {
  removeSeams.afterLookup = async () => {
    removeSeams.afterLookup = undefined;
    await step();
  };
}

/** A promotion's step 1 for key `p`: its promote directory, naming the key, holding a link to the object. */
async function promotionStep1(bucketDir: string, pending: string): Promise<void> {
  await mkdir(pending);
  await writeFile(join(pending, PROMOTE_NAME_FILE), 'p');
  await link(join(bucketDir, 'p'), join(pending, SELF_NAME));
}

describe('a delete meeting a promotion of the key in another process, at each of its steps', () => {
  it('stays deleted when the promotion has linked the file into its promote directory (step 1)', async () => {
    const { store, bucketDir } = await storeWithP();
    const pending = promotePath(bucketDir, 'p');
    atTheDeletesLook(async () => {
      await promotionStep1(bucketDir, pending);
    });
    await store.delete(ref('p'));
    expect(await store.head(ref('p'))).toBeUndefined();
    await store.put(ref('p/q'), new TextEncoder().encode('q')); // the runner's put goes on
    expect(await store.head(ref('p'))).toBeUndefined();
    expect((await store.list({ bucket: 'bkt' })).objects.map((o) => o.key)).toEqual(['p/q']);
  });

  it('stays deleted when the promotion has unlinked the name (step 2: the object only in its promote directory)', async () => {
    const { store, bucketDir } = await storeWithP();
    const pending = promotePath(bucketDir, 'p');
    atTheDeletesLook(async () => {
      await promotionStep1(bucketDir, pending);
      await unlink(join(bucketDir, 'p'));
    });
    await store.delete(ref('p'));
    // The runner, or a reader, finishing the promotion must find nothing to finish.
    expect(await store.head(ref('p'))).toBeUndefined();
    await store.put(ref('p/q'), new TextEncoder().encode('q'));
    expect(await store.head(ref('p'))).toBeUndefined();
    expect((await store.list({ bucket: 'bkt' })).objects.map((o) => o.key)).toEqual(['p/q']);
    expect((await readdir(bucketDir)).filter((n) => n.startsWith('.loam-'))).toEqual([]);
  });

  it('stays deleted when the promotion has finished (step 3: the name is now the directory holding it)', async () => {
    const { store, bucketDir } = await storeWithP();
    atTheDeletesLook(() => promoteFile(join(bucketDir, 'p')));
    await store.delete(ref('p'));
    expect(await store.head(ref('p'))).toBeUndefined();
    await store.put(ref('p/q'), new TextEncoder().encode('q'));
    expect(await store.head(ref('p'))).toBeUndefined();
    expect((await store.list({ bucket: 'bkt' })).objects.map((o) => o.key)).toEqual(['p/q']);
  });
});

describe('a delete that finds the object moving at every look', () => {
  it('fails with S3\'s retryable 503 (ServiceUnavailable), not a 4xx an SDK would not retry, and leaves the object', async () => {
    const { store, bucketDir } = await storeWithP();
    const pending = promotePath(bucketDir, 'p');
    // At each look, "a promotion" takes the object from where the delete looked into its promote directory.
    removeSeams.afterLookup = async (data) => {
      if (!(await lstat(data).catch(() => undefined))?.isFile()) return;
      await mkdir(pending).catch(() => {});
      await writeFile(join(pending, PROMOTE_NAME_FILE), 'p');
      await rename(data, join(pending, SELF_NAME));
    };
    await expect(store.delete(ref('p'))).rejects.toMatchObject({ code: 'ServiceUnavailable' });
    removeSeams.afterLookup = undefined;
    expect(new TextDecoder().decode(await readAll(store, 'p'))).toBe('p');
  });
});

async function readAll(store: LocalFsArtifactStore, key: string): Promise<Uint8Array> {
  const { body } = await store.get(ref(key));
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('a delete in the server racing a runner\'s promotion of the key (two processes)', () => {
  it('stays deleted, and the runner\'s put below the key lands', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loam-afs-delete-race-'));
    sandboxes.push(dir);
    const store = await LocalFsArtifactStore.open({ root: join(dir, 'root') });
    await store.createBucket('bkt');
    const runner = fork(join(here, 'promote-child.ts'), [store.root], {
      cwd: join(here, '../../../../..'),
      execArgv: ['--conditions=loam-src', '--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    child = runner;
    let err = '';
    runner.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const answers = new Map<string, (m: { error?: string }) => void>();
    runner.on('message', (m: { key?: string; error?: string }) => answers.get(m.key ?? '')?.(m));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the runner did not start within 30 s: ${err}`)), 30_000);
      runner.once('message', () => (clearTimeout(timer), resolve()));
      runner.once('exit', (c) => reject(new Error(`the runner exited with ${c}: ${err}`)));
    });
    const cameBack: string[] = [];
    const failed: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const keys = Array.from({ length: KEYS_PER_ROUND }, (_, i) => `r${round}-k${i}`);
      await Promise.all(keys.map((k) => store.put(ref(k), new TextEncoder().encode(k))));
      await Promise.all(keys.map(async (k) => {
        const promoted = new Promise<{ error?: string }>((resolve) => answers.set(k, resolve));
        runner.send({ key: k });
        // Spread the deletes over the promotions' steps: some land before, some during, some after. So
        // many at once keep this process's file-system threads busy, which widens each delete's own steps.
        await sleep(Math.random() * 12);
        await store.delete(ref(k));
        const answer = await promoted;
        if (answer.error !== undefined) failed.push(`${k}/q: ${answer.error}`);
        if (await store.head(ref(k))) cameBack.push(k);
      }));
    }
    expect(failed).toEqual([]);
    expect(cameBack).toEqual([]);
    const listed = (await store.list({ bucket: 'bkt' })).objects.map((o) => o.key);
    expect(listed).toHaveLength(ROUNDS * KEYS_PER_ROUND);
    expect(listed.every((k) => k.endsWith('/q'))).toBe(true);
  }, 60_000);
});
