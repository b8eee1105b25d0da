import { spawn, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assertBuilt, childPids, loamBin, pidAlive, tempDataDir, waitForExit } from '../loam-process.test-support.js';

// kill -9 of the server while its serving workers (ADR 0015) are still loading: a worker whose main
// server died before it listened for the disconnect never heard it, and served nobody for ever after.
// Each attempt (CI retries a failed test once) gets a data directory of its own: a retry must not meet what a
// failed attempt left there (the names it created, its jobs).
let dataDir = '';
beforeEach(() => {
  dataDir = tempDataDir('loam-worker-orphans-');
});
const seen = new Set<number>();

afterEach(() => {
  for (const pid of seen) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone, as it should be
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
});



/** Starts `loam up` with 2 serving workers; resolves once its first worker process exists. */
async function startWithWorkers(): Promise<{ child: ChildProcess; workers: number[]; t0: number }> {
  const child = spawn(process.execPath, [loamBin, 'up', '--port', '0', '--data-dir', dataDir, '--json'], {
    env: { ...process.env, LOAM_LOG__LEVEL: 'warn', LOAM_SERVER__SERVING_WORKERS: '2' },
    stdio: 'ignore',
  });
  let workers: number[] = [];
  const end = Date.now() + 30_000;
  while (workers.length === 0 && Date.now() < end && child.exitCode === null) {
    workers = childPids(child.pid!, 'serving-worker');
    if (workers.length === 0) await new Promise((r) => setTimeout(r, 5));
  }
  expect(workers.length, 'the server started serving workers').toBeGreaterThan(0);
  for (const w of workers) seen.add(w);
  return { child, workers, t0: Date.now() };
}

async function killAndExpectNoWorker(child: ChildProcess, found: number[], what: string): Promise<void> {
  const workers = [...new Set([...found, ...childPids(child.pid!, 'serving-worker')])];
  for (const w of workers) seen.add(w);
  child.kill('SIGKILL');
  await waitForExit(child);
  // A worker ends once it has loaded (seconds on a loaded machine), never if it missed the disconnect.
  const deadline = Date.now() + 20_000;
  while (workers.some(pidAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  expect(workers.filter(pidAlive), `${what}: serving workers left running after their server died`).toEqual([]);
}

describe('kill -9 of the server while its serving workers start', () => {
  it('leaves no serving worker behind', async () => {
    assertBuilt();
    // How long a worker takes to load here (until it listens on its own socket), killed once ready.
    const first = await startWithWorkers();
    const listening = (w: number) => readdirSync(tmpdir()).some((n) => n.startsWith(`loam-${first.child.pid}-w`) && n.endsWith(`-${w}.sock`));
    while (!first.workers.every(listening) && Date.now() - first.t0 < 60_000) await new Promise((r) => setTimeout(r, 20));
    const loadMs = Date.now() - first.t0;
    await killAndExpectNoWorker(first.child, first.workers, 'after the workers were ready');
    // Then the server dies while they load, a quarter and half way through.
    for (const share of [0.25, 0.5]) {
      const { child, workers, t0 } = await startWithWorkers();
      await new Promise((r) => setTimeout(r, Math.max(0, t0 + loadMs * share - Date.now())));
      await killAndExpectNoWorker(child, workers, `${share * 100} % into the workers' ${loadMs} ms of loading`);
    }
  }, 120_000);
});
