import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { processStartTime } from '../../executors/local/proc.js';
import { LocalFsArtifactStore } from './local-fs-artifact-store.js';

// Temp names carry their writer's start time and boot, read from /proc: Linux only.
const linux = existsSync('/proc/self/stat') && existsSync('/proc/sys/kernel/random/boot_id');
const boot = () => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').replace(/-/g, '').slice(0, 8);

describe.skipIf(!linux)('local-fs temp files name their writer by pid, start time and boot', () => {
  let dir: string;
  let root: string;
  let other: ChildProcess | undefined;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'loam-afs-temp-'));
    root = join(dir, 'root');
    await mkdir(join(root, 'bkt'), { recursive: true });
  });
  afterEach(async () => {
    other?.kill('SIGKILL');
    other = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  /** A live process unrelated to any write: it stands for the process a dead writer's pid was given to. */
  async function unrelatedProcess(): Promise<number> {
    const child = spawn('sleep', ['600'], { stdio: 'ignore' });
    other = child;
    await new Promise((resolve, reject) => child.once('spawn', resolve).once('error', reject));
    return child.pid as number;
  }

  it("a put's temp file names this process's pid, start time and boot", async () => {
    const store = await LocalFsArtifactStore.open({ root });
    let name = '';
    async function* body(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(16);
      name = (await readdir(join(root, 'bkt'))).find((f) => f.startsWith('.loam-tmp-')) ?? '';
    }
    await store.put({ bucket: 'bkt', key: 'k' }, body());
    expect(name).toMatch(new RegExp(`^\\.loam-tmp-${process.pid}-${processStartTime(process.pid)}-${boot()}-n${/\d+/.exec(readlinkSync('/proc/self/ns/pid'))![0]}-[0-9a-f]{16}$`));
  });

  it("sweeps a dead writer's temp whose pid a live process holds now, and keeps a live writer's", async () => {
    const pid = await unrelatedProcess();
    const start = processStartTime(pid) as string;
    // The dead writer had this pid but started at another time; the live one is the process itself.
    const reused = `.loam-tmp-${pid}-${BigInt(start) - 1n}-${boot()}-00000000deadbeef`;
    const live = `.loam-tmp-${pid}-${start}-${boot()}-00000000cafecafe`;
    // Written in an earlier boot: its writer is gone whatever holds its pid and start time now.
    const earlierBoot = `.loam-tmp-${pid}-${start}-${boot() === '00000000' ? '11111111' : '00000000'}-00000000feedface`;
    await mkdir(join(root, 'bkt/up'));
    await mkdir(join(root, 'bkt/live'));
    await writeFile(join(root, 'bkt/up', reused), 'half-written');
    await writeFile(join(root, 'bkt', earlierBoot), 'half-written');
    await writeFile(join(root, 'bkt/live', live), 'in flight');
    await LocalFsArtifactStore.open({ root }, { owner: true });
    // The reused pid's temp goes with the directory made for it; the live writer's stays.
    expect((await readdir(join(root, 'bkt'))).sort()).toEqual(['live']);
    expect(await readdir(join(root, 'bkt/live'))).toEqual([live]);
  });

  it('a temp naming only its pid (an older version\'s) keeps the old rule: kept while the pid lives', async () => {
    const pid = await unrelatedProcess();
    const legacy = `.loam-tmp-${pid}-00000000deadbeef`;
    await writeFile(join(root, 'bkt', legacy), 'half-written');
    await LocalFsArtifactStore.open({ root }, { owner: true });
    expect(await readdir(join(root, 'bkt'))).toEqual([legacy]);
    other?.kill('SIGKILL');
    await new Promise((r) => other?.once('exit', r));
    await LocalFsArtifactStore.open({ root }, { owner: true });
    expect(await readdir(join(root, 'bkt'))).toEqual([]);
  });
});
