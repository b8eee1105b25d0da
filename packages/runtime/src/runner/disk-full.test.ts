import { writeFileSync } from 'node:fs';
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ServiceUnavailableError } from '@loam/core';
import { DiskWaitBudget, diskFullReason, whileDiskFull } from './disk-full.js';

// whileDiskFull against real ENOSPC errors: /dev/full refuses every write with "no space left on device".
describe.skipIf(process.platform !== 'linux')('whileDiskFull', () => {
  it('leaves no abort listener behind on its signal, however many times it retries', async () => {
    const stop = new AbortController();
    const lines: string[] = [];
    let attempts = 0;
    const v = await whileDiskFull({ step: 'writing a test file', path: '/dev/full', budget: new DiskWaitBudget(60_000), retryMs: 1, signal: stop.signal, log: (l) => lines.push(l) }, async () => {
      attempts++;
      if (attempts <= 30) writeFileSync('/dev/full', 'x');
      return attempts;
    });
    expect(v).toBe(31);
    // A half-hour wait retries 900 times: one listener per retry left on the job's stop signal leaked
    // (and Node warns past 10: 'Possible EventTarget memory leak detected').
    expect(getEventListeners(stop.signal, 'abort')).toHaveLength(0);
    expect(lines[0]).toMatch(/^No space left on device \(ENOSPC\) while writing a test file/);
    expect(lines.at(-1)).toMatch(/^Space is back: writing a test file succeeded/);
  });

  it('ends the wait at a stop, throwing the step and the path', async () => {
    const stop = new AbortController();
    let attempts = 0;
    // The stop comes while it waits between two attempts: the wait ends there, with no attempt after it
    // (had the stop not ended the wait, the next attempt would come, 10 s later, before it gave up).
    setTimeout(() => stop.abort(), 100);
    await expect(whileDiskFull({ step: 'archiving the model', path: '/dev/full', budget: new DiskWaitBudget(60_000), retryMs: 10_000, signal: stop.signal, log: () => {} }, async () => {
      attempts++;
      writeFileSync('/dev/full', 'x');
    })).rejects.toThrow(/^no space left on device \(ENOSPC\) while archiving the model \(writing under \/dev\/full\)/);
    expect(attempts).toBe(1);
    expect(getEventListeners(stop.signal, 'abort')).toHaveLength(0);
  });

  it('a disk that stayed full past the wait fails the job with a ClientError saying to free space (never retried)', async () => {
    const log: string[] = [];
    const e = await whileDiskFull({ step: 'archiving the model', path: '/dev/full', budget: new DiskWaitBudget(50), retryMs: 5, signal: new AbortController().signal, log: (l) => log.push(l) }, async () => writeFileSync('/dev/full', 'x'))
      .then(() => undefined, (err: unknown) => err);
    // An InternalServerError was retried under RetryStrategy, and the retry filled the same disk again.
    expect(diskFullReason(e, '/data/jobs/training-job/j/algo-1')).toMatch(
      /^ClientError: no space left on device \(ENOSPC\) while archiving the model \(writing under \/dev\/full\); waited 0 s for space, and the 0 s allowed for all of the runner's waits for space are spent\. Free space on the disk holding \/data\/jobs\/training-job\/j\/algo-1 \(Loam's data directory\), then run the job again: local jobs write to that disk whatever their VolumeSizeInGB, and a job that failed for want of space is not retried under RetryStrategy\. ENOSPC: no space left on device, write$/,
    );
  });

  it('a quota exceeded (EDQUOT) is reported as such, not as no space left on device', async () => {
    // As the local artifact store reports a write its disk's quota refused.
    const quota = new ServiceUnavailableError("Object 's3://b/model.tar.gz' was not stored: the artifact store's disk is full (EDQUOT). Free space on it, then retry.");
    const log: string[] = [];
    const e = await whileDiskFull({ step: 'uploading the model', path: '/data/artifacts', budget: new DiskWaitBudget(50), retryMs: 5, signal: new AbortController().signal, log: (l) => log.push(l) }, async () => {
      throw quota;
    }).then(() => undefined, (err: unknown) => err);
    expect(log[0]).toMatch(/^Disk quota exceeded \(EDQUOT\) while uploading the model/);
    expect((e as Error).message).toMatch(/^disk quota exceeded \(EDQUOT\) while uploading the model/);
    expect(diskFullReason(e, '/data/jobs/x/algo-1')).toMatch(/^ClientError: disk quota exceeded \(EDQUOT\) while uploading the model .* Raise the disk quota of the user Loam runs as \(or free space within it\) on the disk holding \/data\/jobs\/x\/algo-1, then run the job again/);
    expect(diskFullReason(e, '/data/jobs/x/algo-1')).not.toMatch(/no space left/i);
  });

  it('shares one allowance among the steps that wait in turn: once it is spent, a later step does not wait again', async () => {
    // Each step had its own 30 min, and the final write of the reports 30 more: a job with many outputs
    // could wait hours on a disk that stayed full.
    const budget = new DiskWaitBudget(200);
    const signal = new AbortController().signal;
    const attempts = { model: 0, output: 0 };
    await expect(whileDiskFull({ step: 'archiving the model', path: '/dev/full', budget, retryMs: 5, signal, log: () => {} }, async () => {
      attempts.model++;
      writeFileSync('/dev/full', 'x');
    })).rejects.toThrow(/^no space left on device \(ENOSPC\) while archiving the model/);
    await expect(whileDiskFull({ step: "uploading output 'data'", path: '/dev/full', budget, retryMs: 5, signal, log: () => {} }, async () => {
      attempts.output++;
      writeFileSync('/dev/full', 'x');
    })).rejects.toThrow(/^no space left on device \(ENOSPC\) while uploading output 'data' \(writing under \/dev\/full\); waited 0 s for space, and the 0 s allowed for all of the runner's waits for space are spent\. /);
    expect(attempts.model).toBeGreaterThan(1);
    expect(attempts.output).toBe(1);
    expect(budget.leftMs()).toBe(0);
  });

  it('counts only the time spent waiting: a long step between two waits (space was back) leaves the later one its wait', async () => {
    // The allowance ran from the first wait on, work included: an upload that took it all after a moment's wait
    // left a later output that met a full disk no wait at all, and the job failed at once.
    const budget = new DiskWaitBudget(2_000);
    const signal = new AbortController().signal;
    let model = 0;
    await whileDiskFull({ step: 'archiving the model', path: '/dev/full', budget, retryMs: 5, signal, log: () => {} }, async () => {
      if (++model <= 3) writeFileSync('/dev/full', 'x');
    });
    // The upload that follows, once space is back, outlasts the whole allowance.
    await new Promise((r) => setTimeout(r, 2_100));
    let output = 0;
    await whileDiskFull({ step: "uploading output 'data'", path: '/dev/full', budget, retryMs: 5, signal, log: () => {} }, async () => {
      if (++output <= 3) writeFileSync('/dev/full', 'x');
    });
    expect(output).toBe(4);
    expect(budget.leftMs()).toBeGreaterThan(0);
  });
});
