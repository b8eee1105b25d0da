import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it, vi } from 'vitest';
import type { RunnerInput } from '@loam/contracts';
import { openArtifactStore } from '@loam/adapters/artifacts/registry';
import { conformanceSpec } from '@loam/testkit';
import { EventWriter } from './event-writer.js';
import { runJob, type PidFile } from './run-job.js';

// The executor learns that the image runs from the Training status, and kills it (a stop's backstop, a runner
// gone, a restarted server) by the process group runner.pid names. Training must therefore never be reported
// before runner.pid names that group: a stop in between found no group to kill (2026-11-29, stop-across-restart).

const dir = mkdtempSync(join(tmpdir(), 'loam-training-pgid-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('reports Training only once runner.pid names the image\'s process group', async () => {
  const artifacts = { type: 'local', root: join(dir, 'artifacts') };
  const store = await openArtifactStore(artifacts as never);
  await store.ensureBucket('conformance');
  await store.put({ bucket: 'conformance', key: 'train/data.txt' }, Buffer.from('the input data'));
  // A job directory of its own on each attempt (a retry must not read the first attempt's events).
  const jobDir = mkdtempSync(join(dir, 'job-'));
  const workDir = join(jobDir, 'algo-1');
  const input: RunnerInput = {
    spec: conformanceSpec({ exit: 0 }), currentHost: 'algo-1', hosts: ['algo-1'], workDir, logFile: join(jobDir, 'logs.jsonl'),
    artifacts, python: '/usr/bin/python3', stopGraceSeconds: 2, sandbox: 'off',
  };
  // What an executor polling runner.pid would read at the moment Training reaches events.jsonl.
  const seen: (PidFile | undefined)[] = [];
  const original = EventWriter.prototype.status;
  const status = vi.spyOn(EventWriter.prototype, 'status').mockImplementation(function (this: EventWriter, s, message) {
    if (s === 'Training') seen.push(JSON.parse(readFileSync(join(workDir, 'runner.pid'), 'utf8')) as PidFile);
    original.call(this, s, message);
  });
  // runJob is a process's main: it listens for SIGTERM/SIGINT, which this test's worker must not keep.
  const signals = { SIGTERM: process.listeners('SIGTERM'), SIGINT: process.listeners('SIGINT') };
  try {
    await runJob(input);
  } finally {
    status.mockRestore();
    for (const [name, kept] of Object.entries(signals)) {
      for (const l of process.listeners(name as NodeJS.Signals)) if (!kept.includes(l)) process.removeListener(name, l);
    }
  }
  expect(seen).toHaveLength(1);
  expect(seen[0]?.childPgid).toEqual(expect.any(Number));
  const events = readFileSync(join(workDir, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; status?: string; outcome?: string });
  expect(events.filter((e) => e.type === 'status').map((e) => e.status)).toEqual(['Downloading', 'Training', 'Uploading']);
  expect(events.at(-1)?.outcome).toBe('Completed');
}, 60_000);
