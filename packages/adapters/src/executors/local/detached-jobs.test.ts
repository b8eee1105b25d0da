import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { JobSpec } from '@loam/contracts';
import type { ExecutorEvent } from '@loam/core';
import { conformanceSpec } from '@loam/testkit';
import { LocalFsArtifactStore } from '../../artifacts/local-fs/local-fs-artifact-store.js';
import { endDetachedJobs } from './detached-jobs.test-support.js';
import { LocalProcessExecutor } from './local-process-executor.js';
import { sourceRunner } from './local-process-executor.test-support.js';
import { isAlive, processesWithMarker } from './proc.js';
import { processesOfUid } from './sandbox.js';

// A server that stops leaves its jobs' runners running (a restarted server adopts them). The test
// harness's endDetachedJobs ends them, with everything their images started, so a test can remove its
// data directory without racing a runner that still writes into it.
const dir = mkdtempSync(join(tmpdir(), 'loam-detached-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('ends the runners a stopped server left, their images and a grandchild that left the group and ignores SIGTERM, so the data directory can be removed', async () => {
  const artifacts = await LocalFsArtifactStore.open({ root: join(dir, 'artifacts') });
  await artifacts.ensureBucket('conformance');
  await artifacts.put({ bucket: 'conformance', key: 'train/data.txt' }, Buffer.from('the input data'));
  const workDir = join(dir, 'jobs');
  const executor = new LocalProcessExecutor({ workDir, runner: sourceRunner(), artifacts: { type: 'local', root: join(dir, 'artifacts') }, python: '/usr/bin/python3', pollIntervalMs: 50 });
  const events: ExecutorEvent[] = [];
  executor.onEvent((_id, e) => events.push(e));
  // The image keeps writing into its job folder, and starts a shell in a session of its own that ignores SIGTERM.
  const script = `(trap '' TERM; setsid sh -c "trap '' TERM; sleep 1000") & while :; do date >> /opt/ml/model/ticks; sleep 0.05; done`;
  const specs: JobSpec[] = [1, 2].map(() => ({ ...conformanceSpec({ exit: 0 }), image: { type: 'process', name: 'sh', uri: 'sh', command: '/bin/sh', args: ['-c', script] }, metricDefinitions: [] }));
  for (const spec of specs) await executor.start(`training-job/${spec.name}`, spec);
  const t0 = Date.now();
  while (events.filter((e) => e.type === 'status' && e.status === 'Training').length < specs.length) {
    if (Date.now() - t0 > 30_000) throw new Error(`the jobs did not start: ${JSON.stringify(events)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, 500));
  await executor.close();

  const hosts = specs.map((s) => join(workDir, 'training-job', s.name, 'algo-1'));
  const pidFiles = hosts.map((h) => JSON.parse(readFileSync(join(h, 'runner.pid'), 'utf8')) as { pid: number; startTime: string; childUid?: number; marker: string });
  // The server is gone; its jobs are not.
  for (const p of pidFiles) {
    expect(isAlive(p.pid, p.startTime)).toBe(true);
    expect(processesWithMarker(p.marker).length).toBeGreaterThanOrEqual(2);
  }

  await endDetachedJobs(workDir);
  for (const p of pidFiles) {
    expect(isAlive(p.pid, p.startTime)).toBe(false);
    expect(processesWithMarker(p.marker)).toEqual([]);
    // Zombies (killed, not yet reaped by init) run nothing.
    if (p.childUid !== undefined) expect(processesOfUid(p.childUid).filter((q) => isAlive(q))).toEqual([]);
  }
  // Nothing writes into the data directory any more: one pass removes it.
  rmSync(workDir, { recursive: true });
  expect(existsSync(workDir)).toBe(false);
}, 60_000);
