import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalFsArtifactStore } from './local-fs-artifact-store.js';

// A delete of `p` in the server racing, in a real second process (a job's runner), a put of `p/q`, which
// promotes `p` (ADR 0020). The commit lock is per process, so nothing but the file system orders the two:
// the delete must never be undone by the promotion (the object coming back at p/.loam-object), whatever
// step of it the delete meets. No hooks: the two processes race freely, many times over.

const here = dirname(fileURLToPath(import.meta.url));
const sandboxes: string[] = [];
let child: ChildProcess | undefined;
afterEach(async () => {
  child?.kill('SIGKILL');
  child = undefined;
  for (const dir of sandboxes.splice(0)) await rm(dir, { recursive: true, force: true });
});

const ROUNDS = 10;
const KEYS_PER_ROUND = 48;

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
    const ref = (key: string) => ({ bucket: 'bkt', key });
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
  }, 120_000);
});
