import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqlExperimentStore } from '@loam/adapters';
import { systemClock, TrackingArtifacts, TrackingService } from '@loam/core';
import { MemoryArtifactStore } from '@loam/testkit/fakes/memory-artifact-store';
import { RESERVE_FILE } from './disk-reserve.js';
import { startLoam, type RunningLoam } from './start.js';

// A server whose data directory's disk is full must still start: it took its lock with a write (a journal
// page: SQLITE_FULL) and SQLite needs its shared-memory index (-shm), so it refused to start at all, while a
// running server answers reads and refuses writes with 503 naming the full disk. The disk is a small tmpfs:
// mounting one needs root.
const canMount = (() => {
  if (process.getuid?.() !== 0) return false;
  const probe = mkdtempSync(join(tmpdir(), 'loam-mount-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
})();

const silent = pino({ level: 'silent' });
let disk: string | undefined;
const running: RunningLoam[] = [];
let other: ChildProcess | undefined;
afterEach(async () => {
  for (const l of running.splice(0)) await l.close();
  if (other && other.exitCode === null && other.signalCode === null) {
    const exited = new Promise((r) => other!.once('exit', r));
    other.kill('SIGKILL');
    await exited;
  }
  other = undefined;
  if (disk) {
    execFileSync('umount', [disk], { stdio: 'ignore' });
    rmSync(disk, { recursive: true, force: true });
    disk = undefined;
  }
});

/** Writes zeros into `file` until the disk refuses (ENOSPC). */
async function fill(file: string): Promise<void> {
  const fh = await open(file, 'a');
  const chunk = Buffer.alloc(64 * 1024);
  try {
    for (let size = chunk.length; size >= 1; size = Math.floor(size / 2)) {
      for (;;) {
        try {
          await fh.write(chunk.subarray(0, size));
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
          break;
        }
      }
    }
  } finally {
    await fh.close();
  }
}

async function start(dataDir: string): Promise<RunningLoam> {
  const loam = await startLoam({ flags: { dataDir, port: 0, host: '127.0.0.1' }, env: { LOAM_LOG__LEVEL: 'silent' }, logger: silent });
  running.push(loam);
  return loam;
}

describe.skipIf(!canMount)('a start on a full disk', () => {
  it('starts, answers reads, and refuses writes with 503 naming the full disk', async () => {
    disk = mkdtempSync(join(tmpdir(), 'loam-full-disk-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=48m', 'tmpfs', disk]);
    const dataDir = join(disk, 'data');
    const first = await start(dataDir);
    await first.close();
    running.splice(0);
    // The first run kept room for the next start.
    expect(existsSync(join(dataDir, RESERVE_FILE))).toBe(true);
    await fill(join(disk, 'filler'));

    const loam = await start(dataDir);
    // Whatever the start itself wrote, the disk is full again for the requests.
    await fill(join(disk, 'filler'));
    const token = /^loam_api_token = (.+)$/m.exec(readFileSync(join(dataDir, 'credentials'), 'utf8'))?.[1] as string;
    const headers = { authorization: `Bearer ${token}` };
    const read = await loam.app.inject({ method: 'GET', url: '/api/v1/training-jobs', headers });
    expect([read.statusCode, JSON.parse(read.body).TrainingJobSummaries], read.body).toEqual([200, []]);
    // MLflow's reads too: the first start made the Default experiment, so reading it writes nothing (the read
    // made it, and so answered 503 on a full disk).
    for (const url of ['/api/2.0/mlflow/experiments/get?experiment_id=0', '/api/2.0/mlflow/experiments/get-by-name?experiment_name=Default']) {
      const got = await loam.app.inject({ method: 'GET', url, headers });
      expect([got.statusCode, JSON.parse(got.body).experiment?.name], got.body).toEqual([200, 'Default']);
    }
    const search = await loam.app.inject({ method: 'POST', url: '/api/2.0/mlflow/experiments/search', headers: { ...headers, 'content-type': 'application/json' }, payload: { max_results: 10 } });
    expect([search.statusCode, JSON.parse(search.body).experiments?.map((e: { name: string }) => e.name)], search.body).toEqual([200, ['Default']]);
    const write = await loam.app.inject({ method: 'POST', url: '/api/v1/sagemaker-experiments/experiments', headers: { ...headers, 'content-type': 'application/json' }, payload: { ExperimentName: 'on-a-full-disk' } });
    expect([write.statusCode, JSON.parse(write.body).detail], write.body).toEqual([503, expect.stringMatching(/disk .*is full/)]);
  }, 120_000);

  it("a second server's start on a full disk leaves the running server's reserve", async () => {
    disk = mkdtempSync(join(tmpdir(), 'loam-full-disk-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=48m', 'tmpfs', disk]);
    const dataDir = join(disk, 'data');
    // The running server: another process (a start in this one would take this process's own lock over).
    const bin = fileURLToPath(new URL('../../../cli/dist/bin.js', import.meta.url));
    other = spawn(process.execPath, [bin, 'up', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir, '--json'], { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, LOAM_LOG__LEVEL: 'silent' } });
    await new Promise<void>((resolve, reject) => {
      other!.stdout!.on('data', () => resolve());
      other!.once('exit', (code) => reject(new Error(`loam up exited with ${code}`)));
    });
    // It writes its reserve once serving.
    while (!existsSync(join(dataDir, RESERVE_FILE))) await new Promise((r) => setTimeout(r, 50));
    await fill(join(disk, 'filler'));
    await expect(start(dataDir)).rejects.toMatchObject({ name: 'DataDirInUseError' });
    // It is the running server's room for its next start: a start refused the data directory took it.
    expect(existsSync(join(dataDir, RESERVE_FILE))).toBe(true);
  }, 120_000);

  it('a store that could not make the Default experiment on a full disk makes it once space is freed', async () => {
    disk = mkdtempSync(join(tmpdir(), 'loam-full-disk-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', disk]);
    const store = await openSqlExperimentStore({ url: `sqlite:${join(disk, 'experiments.db')}` });
    try {
      const tracking = new TrackingService({ store, clock: systemClock, artifacts: new TrackingArtifacts(new MemoryArtifactStore(systemClock)) });
      await fill(join(disk, 'filler'));
      // Reads write nothing: no Default yet, and none made.
      await expect(tracking.getExperiment('0')).rejects.toMatchObject({ code: 'ResourceNotFound' });
      expect((await tracking.searchExperiments({})).experiments).toEqual([]);
      await expect(tracking.init()).rejects.toMatchObject({ code: 'ServiceUnavailable' });
      rmSync(join(disk, 'filler'));
      // The failure was not kept: once the disk takes writes, Default is made (it stayed refused until a restart).
      await tracking.init();
      expect((await tracking.getExperiment('0')).name).toBe('Default');
    } finally {
      await store.close();
    }
  }, 60_000);
});
