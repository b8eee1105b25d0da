import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { JobSpec, RunnerInput } from '@loam/contracts';
import { openArtifactStore } from '@loam/adapters/artifacts/registry';
import { conformanceSpec } from '@loam/testkit';
import { runJob } from './run-job.js';

// Node's setTimeout takes at most 2^31-1 ms (~24.8 days) and fires a longer delay at once (TimeoutOverflowWarning):
// a training job may run up to 28 days (MaxRuntimeInSeconds 2,419,200), and a spot job's MaxWaitTimeInSeconds
// has no such bound, so a job given more than ~24.8 days was stopped as soon as its runner started.

const dir = mkdtempSync(join(tmpdir(), 'loam-long-limits-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const day = 86_400;

it.each([
  ['MaxRuntimeInSeconds of 28 days (the most a training job takes)', { maxRuntimeSeconds: 28 * day }],
  ['a MaxWaitTimeInSeconds deadline 25 days away', { maxRuntimeSeconds: 28 * day, maxWaitUntil: Date.now() + 25 * day * 1000 }],
] as [string, Partial<JobSpec>][])('a job with %s runs to completion, not stopped at once', async (_what, limits) => {
  const artifacts = { type: 'local', root: join(dir, 'artifacts') };
  const store = await openArtifactStore(artifacts as never);
  await store.ensureBucket('conformance');
  await store.put({ bucket: 'conformance', key: 'train/data.txt' }, Buffer.from('the input data'));
  const jobDir = mkdtempSync(join(dir, 'job-'));
  const workDir = join(jobDir, 'algo-1');
  const input: RunnerInput = {
    spec: conformanceSpec({ exit: 0 }, limits), currentHost: 'algo-1', hosts: ['algo-1'], workDir, logFile: join(jobDir, 'logs.jsonl'),
    artifacts, python: '/usr/bin/python3', stopGraceSeconds: 2, sandbox: 'off',
  };
  // runJob is a process's main: it listens for SIGTERM/SIGINT, which this test's worker must not keep.
  const signals = { SIGTERM: process.listeners('SIGTERM'), SIGINT: process.listeners('SIGINT') };
  try {
    await runJob(input);
  } finally {
    for (const [name, kept] of Object.entries(signals)) {
      for (const l of process.listeners(name as NodeJS.Signals)) if (!kept.includes(l)) process.removeListener(name, l);
    }
  }
  const events = readFileSync(join(workDir, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; outcome?: string; secondaryStatus?: string });
  expect(events.at(-1)).toMatchObject({ type: 'exit', outcome: 'Completed', secondaryStatus: 'Completed' });
}, 60_000);
