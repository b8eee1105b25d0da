import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canMountTmpfs, smallTmpfs } from '@loam/testkit/vitest/small-tmpfs.test-support';
import { testPostgresUrl, useFreshPostgresSchema } from '@loam/adapters/metadata/sql/postgres-test-schema';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { call, trainingRequest, waitForTrainingJob } from './jobs.test-support.js';
import { refuseJobUpdateOnce } from './postgres-faults.test-support.js';

// A job's start met a full disk (the executor could not write its files), and the store could not record the job's
// failure at that moment: SQLite on that same full disk (Loam's data directory holds both), or a database restarting.
// The coordinator tried once and gave up: the job stayed InProgress (Starting) with no runner until a restart, which
// then failed it as "The server stopped while the job was being started", a platform fault retried onto the same
// full disk. It now waits for the store, as it does to record a started runner. The refusal is real: a trigger
// answers SQLSTATE 57P03 (cannot_connect_now) to the first update that would store the job as ended.
const schemas = [useFreshPostgresSchema(), useFreshPostgresSchema()];
let attempt = 0;

describe.skipIf(!canMountTmpfs)('a job whose start meets a full disk while the store cannot write (needs root to mount a tmpfs)', () => {
  it('fails with the full disk\'s ClientError once the store is back, not retried, not left Starting', async () => {
    // A schema and a job name per attempt (CI retries a failed test).
    const schema = schemas[attempt++ % schemas.length]!;
    const name = `start-full-unrecorded-${Date.now().toString(36)}`;
    const fs = smallTmpfs(8, 'loam-start-full-unrecorded-');
    let loam: TestLoam | undefined;
    try {
      loam = await openTestLoam({
        LOAM_METADATA__TYPE: 'postgres', LOAM_METADATA__URL: testPostgresUrl, LOAM_METADATA__SCHEMA: schema, LOAM_EXECUTOR__WORK_DIR: join(fs.dir, 'jobs'),
      });
      const fired = await refuseJobUpdateOnce(schema, `training-job/${name}`, '"phase":"done"', name);
      await loam.platform.artifacts.ensureBucket('data');
      await loam.platform.artifacts.put({ bucket: 'data', key: 'train/a.csv' }, Buffer.from('1,0.5\n0,0.25\n'));
      fs.fill();
      await loam.platform.jobs.scheduler.start();
      const res = await call(loam, 'POST', '/api/v1/training-jobs', trainingRequest(name, { RetryStrategy: { MaximumRetryAttempts: 2 } }));
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const d = await waitForTrainingJob(loam, name, 60_000);
      // The fault fired: the first write of the job's end was refused.
      expect(await fired()).toBe(true);
      expect(d.TrainingJobStatus).toBe('Failed');
      expect(d.FailureReason).toMatch(/^ClientError: the job's files could not be written under .*: no space left on device \(ENOSPC\)/);
      expect(d.SecondaryStatusTransitions.map((t: { Status: string }) => t.Status), 'no attempt after the first').not.toContain('Restarting');
    } finally {
      await loam?.close();
    }
  }, 120_000);
});
