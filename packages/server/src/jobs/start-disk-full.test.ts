import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canMountTmpfs, smallTmpfs } from '@loam/testkit/vitest/small-tmpfs.test-support';
import { openTestLoam } from '../compose/loam.test-support.js';
import { call, trainingRequest, waitForTrainingJob } from './jobs.test-support.js';

// The executor could not write a job's files (job.json, the runner's reservations) on a full disk: its start failed
// as a platform fault ('Loam could not start the job: …', InternalServerError), retried under RetryStrategy onto
// the same full disk. SageMaker fails a job whose volume is full with a ClientError; so does the runner when it
// meets the full disk later. The job now fails at once saying so, not retried.
describe.skipIf(!canMountTmpfs)('a training job whose start meets a full disk (needs root to mount a tmpfs)', () => {
  it('fails with a ClientError naming the full disk and what to do, and is not retried under RetryStrategy', async () => {
    const fs = smallTmpfs(8, 'loam-start-disk-full-');
    // Only the job's work directory is on the full disk: the metadata and artifact stores keep working.
    const loam = await openTestLoam({ LOAM_EXECUTOR__WORK_DIR: join(fs.dir, 'jobs') });
    try {
      await loam.platform.artifacts.ensureBucket('data');
      await loam.platform.artifacts.ensureBucket('models');
      await loam.platform.artifacts.put({ bucket: 'data', key: 'train/a.csv' }, Buffer.from('1,0.5\n0,0.25\n'));
      fs.fill();
      await loam.platform.jobs.scheduler.start();
      const res = await call(loam, 'POST', '/api/v1/training-jobs', trainingRequest('start-disk-full', { RetryStrategy: { MaximumRetryAttempts: 2 } }));
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const d = await waitForTrainingJob(loam, 'start-disk-full', 60_000);
      expect(d.TrainingJobStatus).toBe('Failed');
      expect(d.FailureReason).toMatch(/^ClientError: the job's files could not be written under .*: no space left on device \(ENOSPC\)\. Free space on the disk holding .* \(Loam's data directory\), then run the job again: a job that failed for want of space is not retried under RetryStrategy\./);
      expect(d.SecondaryStatusTransitions.map((t: { Status: string }) => t.Status), 'no attempt after the first').not.toContain('Restarting');
    } finally {
      await loam.close();
    }
  }, 120_000);
});
