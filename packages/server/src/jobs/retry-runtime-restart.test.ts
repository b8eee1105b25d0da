import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jobsCollection } from '@loam/core';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { call, role, waitForTrainingJob } from './jobs.test-support.js';

// MaxRuntimeInSeconds is a total over RetryStrategy attempts; a restart that finds an attempt's runner gone must not
// charge it for the hours the server (or the machine) was down, nor one that never started for anything.
let loam: TestLoam;
const sklearnImage = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3';

async function start(): Promise<void> {
  loam = await openTestLoam();
  await loam.platform.artifacts.ensureBucket('models');
}
async function stop(): Promise<void> {
  await loam?.close();
}
serverPerAttempt(start, stop);

const request = (name: string) => ({
  TrainingJobName: name, RoleArn: role,
  AlgorithmSpecification: { TrainingImage: sklearnImage, TrainingInputMode: 'File', ContainerEntrypoint: ['python3', '-c', "print('attempt ran')"] },
  OutputDataConfig: { S3OutputPath: 's3://models/restart/' },
  ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 5 },
  StoppingCondition: { MaxRuntimeInSeconds: 600 },
  RetryStrategy: { MaximumRetryAttempts: 1 },
});

describe('a restart an hour after an attempt was leased', () => {
  it('retries the attempt, charging only the time it ran, not the downtime', async () => {
    const { platform } = loam;
    const jobs = platform.store.collection(jobsCollection);
    const node = `${hostname()}:${resolve(platform.config.executor.workDir)}`;
    const hourAgo = Date.now() / 1000 - 3600;
    // The scheduler is not started yet: as a server that went down leaves them, one job leased but never started,
    // one whose runner had been going for 10 s when the machine went away (its handle names nothing alive now).
    for (const [name, handle] of [['never-started', undefined], ['runner-gone', { pid: 2 ** 22 + 7, pgid: 2 ** 22 + 7 }]] as const) {
      expect((await call(loam, 'POST', '/api/v1/training-jobs', request(name))).status).toBe(200);
      const id = `training-job/${name}`;
      const got = (await jobs.get(id))!;
      await jobs.update(id, got.version, {
        ...got.value, phase: handle ? 'running' : 'starting', node, attempts: 1, attemptStartTime: hourAgo,
        lastModifiedTime: hourAgo + (handle ? 10 : 0), ...(handle ? { handle } : {}),
      });
    }
    await platform.jobs.scheduler.start();
    for (const name of ['never-started', 'runner-gone']) {
      const d = await waitForTrainingJob(loam, name, 90_000);
      expect([d.TrainingJobStatus, d.SecondaryStatus], JSON.stringify(d.SecondaryStatusTransitions)).toEqual(['Completed', 'Completed']);
      expect(d.SecondaryStatusTransitions.map((t: { Status: string }) => t.Status)).toContain('Restarting');
    }
  }, 180_000);
});
