import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isAlive, pidNamespaceInode } from '../../executors/local/proc.js';
import { LocalFsArtifactStore } from './local-fs-artifact-store.js';
import { startSlowPutWriter } from './slow-put-writer.test-support.js';

// A writer in another pid namespace (a runner in a container beside the server's, or a server run as a
// container's pid 1 while a runner of the host writes) names a pid of its own namespace: looked up in the
// owner's, that pid is free or another process, and its live write was taken for a dead writer's, its
// temp file and journal entry removed at the owner's start.
const cannot = process.platform !== 'linux' ? 'pid namespaces need Linux'
  : process.getuid?.() !== 0 ? 'a new pid namespace needs root'
    : spawnSync('unshare', ['--pid', '--fork', '--kill-child', '--mount-proc', 'true']).status !== 0 ? 'unshare --pid does not work here' : undefined;

let writer: ChildProcess | undefined;
let dir: string | undefined;
afterEach(async () => {
  writer?.kill('SIGKILL');
  writer = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
});

/**
 * The live processes (zombies excluded) of the pid namespace whose inode is `ns`, by their pids here. Killing
 * `unshare` ends its namespace only once the kernel has delivered the writer its death signal (--kill-child)
 * and the writer has exited: `unshare`'s exit comes first, and under load well before.
 */
const inNamespace = (ns: string) =>
  readdirSync('/proc').filter((p) => /^\d+$/.test(p) && pidNamespaceInode(Number(p)) === ns && isAlive(Number(p)));

const temps = async (path: string) => (await readdir(path).catch(() => [] as string[])).filter((f) => f.startsWith('.loam-tmp-'));

describe.skipIf(cannot !== undefined)('a live writer in another pid namespace', () => {
  it("keeps its temp file and journal entry through the owner's start", { timeout: 60_000 }, async () => {
    dir = mkdtempSync(join(tmpdir(), 'loam-afs-pidns-'));
    const root = join(dir, 'root');
    const store = await LocalFsArtifactStore.open({ root }, { owner: true });
    await store.ensureBucket('bkt');
    // The runner, as pid 1 of a pid namespace of its own, in the middle of a put.
    const child = await startSlowPutWriter(root, 'up/big.bin', ['unshare', '--pid', '--fork', '--kill-child', '--mount-proc']);
    writer = child;
    const temp = await temps(join(root, 'bkt', 'up'));
    const entries = await temps(join(root, '.loam-meta', '.loam-journal'));
    expect(temp).toHaveLength(1);
    expect(entries).toHaveLength(1);
    await LocalFsArtifactStore.open({ root }, { owner: true }); // the server's restart
    expect(await temps(join(root, 'bkt', 'up'))).toEqual(temp);
    expect(await temps(join(root, '.loam-meta', '.loam-journal'))).toEqual(entries);
    // Killed (its namespace ends with it): the next start removes both, from a namespace that sees it.
    const ns = /-n(\d+)-/.exec(temp[0] as string)?.[1] as string;
    expect(inNamespace(ns)).not.toEqual([]);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    await vi.waitFor(() => expect(inNamespace(ns)).toEqual([]), { timeout: 20_000, interval: 50 });
    await LocalFsArtifactStore.open({ root }, { owner: true });
    expect(await temps(join(root, 'bkt', 'up'))).toEqual([]);
    expect(await temps(join(root, '.loam-meta', '.loam-journal'))).toEqual([]);
  });
});
