import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JobSpec } from '@loam/contracts';
import type { ExecutorEvent } from '@loam/core';
import { conformanceSpec } from '@loam/testkit';
import { canMountTmpfs, smallTmpfs } from '@loam/testkit/vitest/small-tmpfs.test-support';
import { LocalFsArtifactStore } from '../../artifacts/local-fs/local-fs-artifact-store.js';
import { readPidFile } from './end-job.js';
import { LocalProcessExecutor } from './local-process-executor.js';
import { exitOf, metricsUntilStoppedScript, useFullDiskExecutors } from './full-disk-executors.test-support.js';
import { sourceRunner, until } from './local-process-executor.test-support.js';
import { signal } from './proc.js';

// Jobs whose directory is on a full disk (a real tmpfs): the runner cannot write its outcome, nor its own last
// words to runner.log on that disk, and the job's FailureReason must still say the disk was full.

const { scratch: artifactsDir, pids, executors, executorOn } = useFullDiskExecutors('loam-disk-full-exit-');

// The runner's exit code is the runner's own, never the image's: an image may exit 74 for its own reasons, and its
// job's reason is then the image's exit, with nothing said of a full disk.
it('an image that exits 74 on a disk with room fails as the image did, naming no full disk', async () => {
  const { executor, events } = await executorOn({ dir: mkdtempSync(join(artifactsDir, 'jobs-')) });
  const spec: JobSpec = conformanceSpec({ exit: 74 });
  await executor.start(`training-job/${spec.name}`, spec);
  const exit = await exitOf(events);
  expect(exit.outcome).toBe('Failed');
  expect(exit.failureReason).toMatch(/^AlgorithmError: the image ended with exit code 74/);
  expect(exit.failureReason).not.toMatch(/ENOSPC|no space left|disk/i);
}, 120_000);

it("an image that ended on its disk quota (EDQUOT) fails naming the quota, not 'no space left on device'", async () => {
  const { executor, events } = await executorOn({ dir: mkdtempSync(join(artifactsDir, 'jobs-')) });
  const spec: JobSpec = conformanceSpec({ exit: 1, stderr: "OSError: [Errno 122] Disk quota exceeded: '/opt/ml/model/model.bin'" });
  await executor.start(`training-job/${spec.name}`, spec);
  const exit = await exitOf(events);
  expect(exit.failureReason).toMatch(/^AlgorithmError: the image ended with exit code 1/);
  expect(exit.failureReason).toMatch(/\(The job's disk quota was exceeded when the image ended: disk quota exceeded \(EDQUOT\) under .*\.\)$/);
  expect(exit.failureReason).not.toMatch(/no space left on device/i);
}, 120_000);

describe.skipIf(!canMountTmpfs)('a job on a full disk (needs root to mount a tmpfs)', () => {
  it('a runner that cannot write its outcome ends with an exit code that names the full disk', async () => {
    const fs = smallTmpfs(8, 'loam-disk-full-exit-');
    const { executor, events } = await executorOn(fs);
    const spec: JobSpec = conformanceSpec({ exit: 0 });
    // Room for the executor's own files (a platform log line, job.json, the runner's reserved exit record: a page
    // each), none for the runner's.
    fs.leave(3 * 4096);
    await executor.start(`training-job/${spec.name}`, spec);
    const exit = await exitOf(events);
    expect(exit.outcome).toBe('Failed');
    // The runner waited for space and the disk stayed full: the job's own capacity, never retried (a retry
    // under RetryStrategy met the same full disk).
    expect(exit.failureReason).toMatch(/^ClientError: the job's runner process ended \(exit code 74: no space left on device \(ENOSPC\) to write it\) without reporting an outcome/);
    expect(exit.failureReason).toMatch(/Free space on the disk holding .* then run the job again: a job that failed for want of space is not retried under RetryStrategy\./);
    expect(exit.platformFault).toBeFalsy();
  }, 120_000);

  it('a job whose input does not fit on its disk fails with a ClientError that says to free space, and is not retried', async () => {
    const fs = smallTmpfs(8, 'loam-disk-full-exit-');
    // 2 MiB of input that cannot be compressed, with 256 KiB free: room for the runner's reports, not for the data.
    const { executor, events } = await executorOn(fs, randomBytes(2 << 20), 'big-input');
    const spec: JobSpec = conformanceSpec({ exit: 0 });
    fs.leave(256 << 10);
    await executor.start(`training-job/${spec.name}`, spec);
    const exit = await exitOf(events);
    expect(exit.outcome).toBe('Failed');
    // SageMaker says the same of a full volume ('ClientError: Data download failed:Insufficient disk space'):
    // RetryStrategy retries InternalServerError only, and this one was retried onto the same full disk.
    expect(exit.failureReason).toMatch(/^ClientError: .*no space left on device/i);
    expect(exit.failureReason).toMatch(/Free space on the disk holding .*algo-1 \(Loam's data directory\), then run the job again/);
    expect(exit.platformFault).toBeFalsy();
  }, 120_000);

  it('a runner that ended without an outcome while the job\'s disk is full: the reason says the disk is full', async () => {
    const fs = smallTmpfs(8, 'loam-disk-full-exit-');
    const { executor, events } = await executorOn(fs);
    const spec: JobSpec = conformanceSpec({ exit: 0, sleepMs: 120_000 });
    await executor.start(`training-job/${spec.name}`, spec);
    const hostDir = join(fs.dir, 'jobs', 'training-job', spec.name, 'algo-1');
    const pid = await until(() => {
      const p = readPidFile(hostDir);
      return p?.childPgid !== undefined ? p.pid : undefined;
    }, 90_000, "runner.pid naming the image's process group");
    pids.push(pid);
    fs.fill();
    // Killed on the full disk (by the OOM killer, an operator): nothing in runner.log, no outcome.
    signal(pid, 'SIGKILL');
    const exit = await exitOf(events);
    expect(exit.outcome).toBe('Failed');
    expect(exit.failureReason).toMatch(/\(signal SIGKILL\) without reporting an outcome; the last step it reported was Training\. The disk holding the job's directory is full: no space left on device \(ENOSPC\), \d+ bytes free\./);
    // Killed, not given up for want of space (its exit code would say so): a platform fault, retried under RetryStrategy.
    expect(exit.failureReason).toMatch(/^InternalServerError: /);
    expect(exit.platformFault).toBe(true);
  }, 120_000);
});

describe.skipIf(!canMountTmpfs)('a job that reaches MaxRuntimeInSeconds on a full disk (needs root to mount a tmpfs)', () => {
  it('ends Stopped with MaxRuntimeExceeded, as SageMaker reports the runtime limit, though its runner cannot write that outcome', async () => {
    const fs = smallTmpfs(8, 'loam-disk-full-exit-');
    const { executor, events } = await executorOn(fs);
    // No model to archive: a cut-short archive is removed before the outcome is written, and its pages would make room for it.
    // The image reports a metric every few ms until stopped: once the disk is full, that takes what room was left in the
    // last pages of events.jsonl and logs.jsonl (a tmpfs page is 4 KiB), where the outcome would otherwise still fit.
    const { outputPath: _noModel, ...spec } = conformanceSpec({ exit: 0 }, {
      maxRuntimeSeconds: 10,
      image: { type: 'process', name: 'metrics-until-stopped', uri: 'metrics-until-stopped', command: process.execPath, args: ['-e', metricsUntilStoppedScript] },
    }) as JobSpec;
    await executor.start(`training-job/${spec.name}`, spec);
    const hostDir = join(fs.dir, 'jobs', 'training-job', spec.name, 'algo-1');
    const pid = await until(() => {
      const p = readPidFile(hostDir);
      return p?.childPgid !== undefined ? p.pid : undefined;
    }, 90_000, "runner.pid naming the image's process group");
    pids.push(pid);
    const started = join(hostDir, 'opt', 'ml', 'started');
    await until(() => (existsSync(started) ? true : undefined), 90_000, 'the image to start reporting metrics');
    // The disk fills while the image runs: the stop at the limit and the outcome meet it, and the runner ends
    // without its outcome written.
    fs.fill();
    const exit = await exitOf(events);
    expect(exit.failureReason, "the executor's word for a runner that could not write its outcome").toMatch(/^MaxRuntimeExceeded: .*\(exit code 75: no space left on device \(ENOSPC\) to write it\) without writing that outcome/);
    // It was the limit that ended the job, not the full disk (which would fail it with a ClientError).
    expect(exit).toMatchObject({ outcome: 'Stopped', secondaryStatus: 'MaxRuntimeExceeded' });
    expect(exit.platformFault).toBeFalsy();
  }, 120_000);
});

/**
 * The image keeps `<root>/<file>.tmp` (1 MiB that gzip cannot shrink) while `hold` exists, then moves it to `<root>/<file>`
 * and exits 0 at once: the file is new to the runner when the image ends, and is put in the store on the full disk then.
 */
const uploadAtEndScript = `
const fs = require('fs'), path = require('path'), crypto = require('crypto');
const root = path.join(process.env.SM_MODEL_DIR, '..'), target = path.join(root, process.env.UPLOAD_AT_END);
fs.mkdirSync(path.dirname(target), { recursive: true });
fs.writeFileSync(target + '.tmp', crypto.randomBytes(1 << 20));
fs.writeFileSync(path.join(process.env.SM_MODEL_DIR, 'model.txt'), 'model-bytes');
fs.writeFileSync(path.join(root, 'hold'), '');
const t = setInterval(() => {
  if (fs.existsSync(path.join(root, 'hold'))) return;
  clearInterval(t);
  fs.renameSync(target + '.tmp', target);
  process.exit(0);
}, 20);
`;

describe.skipIf(!canMountTmpfs)('what the runner puts in the store once the image ended, on a full disk (needs root to mount a tmpfs)', () => {
  // The image succeeded: a full disk is waited out (as for the model) rather than failing the job, and, since
  // e003bd2, without a retry (a ClientError): the job lost its model to a disk full for a moment.
  const cases = [
    { what: 'its last checkpoints', file: 'checkpoints/ckpt.bin', key: 'ckpt/ckpt.bin', step: /No space left on device \(ENOSPC\) while uploading checkpoints to s3:\/\/conformance\/ckpt/, spec: { checkpoint: { s3Uri: 's3://conformance/ckpt' } } },
    { what: 'its TensorBoard output', file: 'output/tensorboard/events.bin', key: 'tb/events.bin', step: /No space left on device \(ENOSPC\) while uploading TensorBoardOutputConfig/, spec: { endOfJobUploads: [{ field: 'TensorBoardOutputConfig', localPath: '/opt/ml/output/tensorboard', s3Uri: 's3://conformance/tb' }] } },
  ];
  for (const c of cases) {
    it(`${c.what}: waits for space, then the job completes with them stored`, async () => {
      const fs = smallTmpfs(8, 'loam-disk-full-exit-');
      // The store on the job's disk, as a local store is (under the data directory).
      const store = await LocalFsArtifactStore.open({ root: join(fs.dir, 'artifacts') });
      await store.ensureBucket('conformance');
      await store.put({ bucket: 'conformance', key: 'train/data.txt' }, Buffer.from('the input data'));
      const executor = new LocalProcessExecutor({
        workDir: join(fs.dir, 'jobs'), runner: sourceRunner(), artifacts: { type: 'local', root: join(fs.dir, 'artifacts') },
        python: '/usr/bin/python3', stopGraceSeconds: 2, pollIntervalMs: 50, cgroups: false, sandbox: 'off',
      });
      executors.push(executor);
      const events: ExecutorEvent[] = [];
      executor.onEvent((_id, e) => events.push(e));
      const spec: JobSpec = conformanceSpec({ exit: 0 }, {
        image: { type: 'process', name: 'upload-at-end', uri: 'upload-at-end', command: process.execPath, args: ['-e', uploadAtEndScript] },
        environment: { UPLOAD_AT_END: c.file }, ...c.spec,
      });
      await executor.start(`training-job/${spec.name}`, spec);
      const hold = join(fs.dir, 'jobs', 'training-job', spec.name, 'algo-1', 'opt', 'ml', 'hold');
      await until(() => (existsSync(hold) ? true : undefined), 90_000, 'the image to hold');
      // Room for the runner's reports, none for the 1 MiB the store must take.
      fs.leave(256 << 10);
      rmSync(hold);
      const log = join(fs.dir, 'jobs', 'training-job', spec.name, 'logs.jsonl');
      const waits = () => (existsSync(log) && c.step.test(readFileSync(log, 'utf8')) ? true : undefined);
      await until(() => waits() ?? (events.some((e) => e.type === 'exit') ? true : undefined), 90_000, 'the wait for space or the end');
      expect(events.find((e) => e.type === 'exit')?.failureReason).toBeUndefined();
      expect(waits()).toBe(true);
      fs.free();
      const exit = await exitOf(events);
      expect(exit.outcome, exit.failureReason).toBe('Completed');
      expect((await store.head({ bucket: 'conformance', key: c.key }))?.size).toBe(1 << 20);
    }, 120_000);
  }
});
