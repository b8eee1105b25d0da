import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { JobSpec } from '@loam/contracts';
import type { ExecutorEvent } from '@loam/core';
import { conformanceSpec } from '@loam/testkit';
import { until, useExecutorsOverOneDir } from './local-process-executor.test-support.js';

// A runner adopted by a restarted server, alive then, that ends later without an outcome: its
// FailureReason must not say it 'was gone when the server restarted', and names the step it reported.
const { dir, executor, kill } = useExecutorsOverOneDir('loam-adopted-ends-', 2);

it('an adopted runner killed after the restart: the reason names the last step, not a runner gone at the restart', async () => {
  const spec: JobSpec = conformanceSpec({ exit: 0, sleepMs: 120_000 });
  const id = `training-job/${spec.name}`;
  const hostDir = join(dir(), 'jobs', 'training-job', spec.name, 'algo-1');
  const first: ExecutorEvent[] = [];
  const a = executor(first);
  const handle = await a.start(id, spec);
  await until(() => first.find((e) => e.type === 'status' && e.status === 'Training'), 60_000, 'the image running');
  const lastSeq = Math.max(...first.map((e) => ('seq' in e ? e.seq : 0)));
  await a.close();
  const second: ExecutorEvent[] = [];
  const b = executor(second);
  // The coordinator adopts from the last event it stored: the runner's earlier events are not relayed again.
  expect(await b.adopt(id, handle, { 'algo-1': lastSeq })).toBe(true);
  const { pid } = JSON.parse(readFileSync(join(hostDir, 'runner.pid'), 'utf8')) as { pid: number };
  kill(pid);
  process.kill(pid, 'SIGKILL');
  const exit = await until(() => second.find((e): e is ExecutorEvent & { type: 'exit' } => e.type === 'exit'), 30_000, 'the exit event');
  expect(exit.outcome).toBe('Failed');
  expect(exit.failureReason).toMatch(/^InternalServerError: the job's runner process ended \(its exit status is unknown: it was adopted after a server restart\) without reporting an outcome; the last step it reported was Training\./);
  expect(exit.failureReason).not.toMatch(/gone when the server restarted/);
}, 120_000);
