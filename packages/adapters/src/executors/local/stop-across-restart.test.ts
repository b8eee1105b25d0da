import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { JobSpec } from '@loam/contracts';
import type { ExecutorEvent } from '@loam/core';
import { conformanceSpec } from '@loam/testkit';
import { readPidFile } from './end-job.js';
import { until, useExecutorsOverOneDir } from './local-process-executor.test-support.js';
import { isAlive } from './proc.js';

// A job's runner outlives the server that started it, and so does a stop in progress: the next server
// stops a Stopping job again, and that must not give it a fresh grace period (restarts every few
// seconds would keep it Stopping forever). The runner writes runner.pid whole, leaving no temporary file.
const grace = 2;
const { dir, executor, kill } = useExecutorsOverOneDir('loam-stop-restart-', grace);

it('a restarted server stops a Stopping job whose runner is stuck at the first stop\'s deadline, not a fresh grace period later', async () => {
  const spec: JobSpec = conformanceSpec({ exit: 0, sleepMs: 120_000 });
  const id = `training-job/${spec.name}`;
  const hostDir = join(dir(), 'jobs', 'training-job', spec.name, 'algo-1');
  const first: ExecutorEvent[] = [];
  const a = executor(first);
  const handle = await a.start(id, spec);
  // The image is running once runner.pid names its process group. The runner reports Training just before
  // it starts the image, so Training alone does not mean the group is recorded yet (a loaded machine shows it).
  const pidFile = await until(() => {
    const p = readPidFile(hostDir);
    return p?.pid !== undefined && p.childPgid !== undefined ? { pid: p.pid, startTime: p.startTime, childPgid: p.childPgid } : undefined;
  }, 90_000, "runner.pid naming the image's process group");
  expect(isAlive(pidFile.childPgid)).toBe(true);
  // A runner that cannot act on SIGTERM (stuck): only the executor's backstop ends the job.
  process.kill(pidFile.pid, 'SIGSTOP');
  kill(pidFile.pid);
  await a.stop(id);
  const stopFile = join(dir(), 'jobs', 'training-job', spec.name, 'stop.json');
  const { requestedAt } = JSON.parse(readFileSync(stopFile, 'utf8')) as { requestedAt: number };

  // The server goes away mid-stop; the next one adopts the job and stops it again, as its coordinator does.
  await new Promise((r) => setTimeout(r, 4_000));
  await a.close();
  const second: ExecutorEvent[] = [];
  const b = executor(second);
  expect(await b.adopt(id, handle, {})).toBe(true);
  const restartedStop = Date.now();
  await b.stop(id);
  const exit = await until(() => second.find((e): e is ExecutorEvent & { type: 'exit' } => e.type === 'exit'), 60_000, 'the exit event');
  expect(exit.outcome).toBe('Stopped');
  // The backstop ends the job the grace period + 5 s (7 s) after the first stop, never sooner; a fresh one
  // would end it no sooner than 7 s after the second stop, which came 4 s or more after the first. The exit
  // is compared with those two moments, not with a fixed time, so a loaded machine's late timers do not matter.
  const backstopMs = (grace + 5) * 1000;
  expect(exit.time - requestedAt).toBeGreaterThanOrEqual(backstopMs);
  expect(exit.time).toBeLessThan(restartedStop + backstopMs);
  expect(isAlive(pidFile.pid, pidFile.startTime)).toBe(false);
  // The backstop SIGKILLed the image's group too (by the pgid runner.pid names); it ends a moment later.
  await until(() => (isAlive(pidFile.childPgid) ? undefined : true), 30_000, "the image's process ending");
  await b.release(id);
  expect(existsSync(stopFile)).toBe(false);
}, 180_000);

it('the runner leaves runner.pid in the job folder and no runner.pid.tmp', async () => {
  const spec: JobSpec = conformanceSpec({ exit: 0 });
  const id = `training-job/${spec.name}`;
  const events: ExecutorEvent[] = [];
  const e = executor(events);
  await e.start(id, spec);
  const exit = await until(() => events.find((ev): ev is ExecutorEvent & { type: 'exit' } => ev.type === 'exit'), 90_000, 'the exit event');
  expect(exit.outcome).toBe('Completed');
  const hostDir = join(dir(), 'jobs', 'training-job', spec.name, 'algo-1');
  const files = readdirSync(hostDir);
  expect(files).toContain('runner.pid');
  expect(files).not.toContain('runner.pid.tmp');
  // The second write (with the image's process group) replaced the first whole.
  expect(JSON.parse(readFileSync(join(hostDir, 'runner.pid'), 'utf8'))).toMatchObject({ childPgid: expect.any(Number) });
}, 120_000);
