import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JobSpec } from '@loam/contracts';
import type { JobHandle } from '@loam/core';
import { conformanceSpec } from '@loam/testkit';
import { canMountTmpfs, smallTmpfs, type SmallTmpfs } from '@loam/testkit/vitest/small-tmpfs.test-support';
import { readPidFile } from './end-job.js';
import { exitOf, metricsUntilStoppedScript, useFullDiskExecutors } from './full-disk-executors.test-support.js';
import { until } from './local-process-executor.test-support.js';
import { isAlive, signal } from './proc.js';
import { readRunnerExit, reserveRunnerExit, RUNNER_EXIT_FILE } from './runner-exit.js';

// A runner outlives the server that started it; the next server adopts it, and cannot learn its exit code (not its
// child). A runner that ends on a full disk says by that code what ended the job (74: the full disk, a ClientError;
// 75: MaxRuntimeInSeconds, Stopped): an adopted one ended as a vanished runner, a retried InternalServerError. It
// now records the code in its host directory, over bytes the executor reserved at the start, and the adopting
// server reads it there. And a start that meets a full disk fails the job as the full disk's, not retried.

const { scratch, pids, executorOn } = useFullDiskExecutors('loam-adopted-exit-');

/** A job whose image reports metrics until stopped, with no model to archive (its pages would make room for the outcome). */
function metricsJob(maxRuntimeSeconds: number): JobSpec {
  const { outputPath: _noModel, ...spec } = conformanceSpec({ exit: 0 }, {
    maxRuntimeSeconds,
    image: { type: 'process', name: 'metrics-until-stopped', uri: 'metrics-until-stopped', command: process.execPath, args: ['-e', metricsUntilStoppedScript] },
  }) as JobSpec;
  return spec as JobSpec;
}

/** Starts the job on the first server and waits for its image to run; the server then goes away. */
async function startThenRestart(fs: SmallTmpfs, spec: JobSpec): Promise<{ id: string; handle: JobHandle; hostDir: string; pid: number; lastSeq: number }> {
  const first = await executorOn(fs);
  const id = `training-job/${spec.name}`;
  const handle = await first.executor.start(id, spec);
  const hostDir = join(fs.dir, 'jobs', 'training-job', spec.name, 'algo-1');
  const pid = await until(() => {
    const p = readPidFile(hostDir);
    return p?.childPgid !== undefined ? p.pid : undefined;
  }, 90_000, "runner.pid naming the image's process group");
  pids.push(pid);
  await until(() => (existsSync(join(hostDir, 'opt', 'ml', 'started')) ? true : undefined), 90_000, 'the image to start reporting metrics');
  await first.executor.close();
  const lastSeq = Math.max(0, ...first.events.map((e) => e.seq));
  return { id, handle, hostDir, pid, lastSeq };
}

/** Whether the runner wrote an outcome to events.jsonl (then its exit code says nothing the executor needs). */
const wroteOutcome = (hostDir: string) => readFileSync(join(hostDir, 'events.jsonl'), 'utf8').includes('"type":"exit"');

describe.skipIf(!canMountTmpfs)('a runner adopted after a restart that ends on a full disk (needs root to mount a tmpfs)', () => {
  it('ends with its disk-full exit after the restart: a ClientError naming the full disk, not a retried InternalServerError', async () => {
    const fs = smallTmpfs(8, 'loam-adopted-exit-');
    const spec = metricsJob(3600);
    const { id, handle, hostDir, pid, lastSeq } = await startThenRestart(fs, spec);
    const second = await executorOn(fs);
    expect(await second.executor.adopt(id, handle, { 'algo-1': lastSeq })).toBe(true);
    expect(isAlive(pid)).toBe(true);
    // The disk fills while the adopted runner runs; then it is stopped by a signal (not by this server) and cannot
    // write that outcome: it waits a moment for space, and exits 74.
    fs.fill();
    await new Promise((r) => setTimeout(r, 500)); // the image's metrics take the room left in the last pages
    signal(pid, 'SIGTERM');
    const exit = await exitOf(second.events);
    expect(wroteOutcome(hostDir), 'the runner could not write its outcome').toBe(false);
    expect(exit.failureReason).toMatch(/^ClientError: the job's runner process ended \(exit code 74: no space left on device \(ENOSPC\) to write it\) without reporting an outcome/);
    expect(exit.failureReason).toMatch(/Free space on the disk holding .* then run the job again: a job that failed for want of space is not retried under RetryStrategy\./);
    expect(exit.outcome).toBe('Failed');
    expect(exit.platformFault).toBeFalsy();
  }, 180_000);

  it('a runner that reached MaxRuntimeInSeconds while no server ran ends Stopped with MaxRuntimeExceeded when the next server starts', async () => {
    const fs = smallTmpfs(8, 'loam-adopted-exit-');
    // Long enough for the image to start before the limit on a loaded machine; the disk fills before it is reached.
    const spec = metricsJob(40);
    const { id, handle, hostDir, pid, lastSeq } = await startThenRestart(fs, spec);
    fs.fill();
    // No server runs while the limit stops the job and its runner, which cannot write that outcome, exits 75.
    await until(() => (isAlive(pid) ? undefined : true), 120_000, 'the runner to end at the limit');
    expect(wroteOutcome(hostDir), 'the runner could not write its outcome').toBe(false);
    const second = await executorOn(fs);
    expect(await second.executor.adopt(id, handle, { 'algo-1': lastSeq })).toBe(true);
    const exit = await exitOf(second.events);
    expect(exit.failureReason).toMatch(/^MaxRuntimeExceeded: .*\(exit code 75: no space left on device \(ENOSPC\) to write it\) without writing that outcome/);
    expect(exit).toMatchObject({ outcome: 'Stopped', secondaryStatus: 'MaxRuntimeExceeded' });
    expect(exit.platformFault).toBeFalsy();
  }, 240_000);
});

describe.skipIf(!canMountTmpfs)("a job whose start meets a full disk (needs root to mount a tmpfs)", () => {
  it("fails as the job's full disk (a ClientError that says to free space, not retried), leaving none of its files", async () => {
    const fs = smallTmpfs(8, 'loam-adopted-exit-');
    const { executor, events } = await executorOn(fs);
    const spec: JobSpec = conformanceSpec({ exit: 0 });
    fs.fill();
    const started = executor.start(`training-job/${spec.name}`, spec);
    await expect(started).rejects.toMatchObject({ name: 'JobStartRefusedError' });
    const reason = (await started.catch((e: { failureReason: string }) => e.failureReason)) as string;
    expect(reason).toMatch(/^ClientError: the job's files could not be written under .*: no space left on device \(ENOSPC\)\. Free space on the disk holding .* \(Loam's data directory\), then run the job again: a job that failed for want of space is not retried under RetryStrategy\./);
    expect(readdirSync(join(fs.dir, 'jobs', 'training-job', spec.name)).filter((n) => n.startsWith('algo-'))).toEqual([]);
    expect(executor.used()).toBe(0);
    // Space is back: the same job starts (and completes) on the same executor.
    fs.free();
    await executor.start(`training-job/${spec.name}`, spec);
    expect((await exitOf(events)).outcome).toBe('Completed');
  }, 120_000);
});

// The executor relays a runner's outcome as soon as it is in events.jsonl, and a RetryStrategy attempt may start then:
// its start makes the host directory anew, with a fresh reservation, while the ended runner is still finishing. That
// runner opened runner-exit by its path as it exited, so its code (0) went into the next attempt's reservation; a
// server that adopted that attempt's runner and found it gone without a word (killed) read the code of another runner.
describe("the runner's exit code goes to its own attempt's reservation", () => {
  it('a reservation made anew while the ended runner finishes (the next attempt\'s) is left as it was', async () => {
    const dir = join(scratch, 'own-reservation');
    mkdirSync(dir, { recursive: true });
    const { executor, events } = await executorOn({ dir });
    // Leaves `started`, then ends once `go` is there.
    const waitForGo = "const fs = require('fs'), path = require('path'); const root = path.join(process.env.SM_MODEL_DIR, '..');" +
      "fs.writeFileSync(path.join(root, 'started'), ''); setInterval(() => { if (fs.existsSync(path.join(root, 'go'))) process.exit(0); }, 20);";
    const { outputPath: _noModel, ...spec } = conformanceSpec({ exit: 0 }, {
      image: { type: 'process', name: 'wait-for-go', uri: 'wait-for-go', command: process.execPath, args: ['-e', waitForGo] },
    }) as JobSpec;
    const handle = await executor.start(`training-job/${spec.name}`, spec as JobSpec);
    const pid = (handle['hosts'] as Record<string, { pid: number }>)['algo-1']!.pid;
    pids.push(pid);
    const hostDir = join(dir, 'jobs', 'training-job', spec.name, 'algo-1');
    await until(() => (existsSync(join(hostDir, 'opt', 'ml', 'started')) ? true : undefined), 90_000, 'the image to start');
    // What the next attempt's start does to the reservation (it makes the whole host directory anew).
    rmSync(join(hostDir, RUNNER_EXIT_FILE));
    reserveRunnerExit(hostDir);
    writeFileSync(join(hostDir, 'opt', 'ml', 'go'), '');
    expect((await exitOf(events)).outcome).toBe('Completed');
    await until(() => (isAlive(pid) ? undefined : true), 60_000, 'the runner to exit');
    expect(readRunnerExit(hostDir), 'the next attempt\'s reservation records nothing').toBeUndefined();
  }, 120_000);
});
