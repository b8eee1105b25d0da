import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { call, role, waitForTrainingJob } from './jobs.test-support.js';

let loam: TestLoam;

async function start(): Promise<void> {
  loam = await openTestLoam();
  // Loam never creates an output bucket: a missing one fails the job when it uploads, as in SageMaker.
  await loam.platform.artifacts.ensureBucket('models');
  await loam.platform.jobs.scheduler.start();
}
async function stop(): Promise<void> {
  await loam?.close();
}
serverPerAttempt(start, stop);

describe('managed spot training', () => {
  it('MaxWaitTimeInSeconds counts from creation: a job still running then is Stopped / MaxWaitTimeExceeded', async () => {
    // MaxWait equals MaxRuntime, so the wait deadline (from creation, queued time included) comes first.
    const res = await call(loam, 'POST', '/api/v1/training-jobs', {
      TrainingJobName: 'spot-wait', RoleArn: role,
      AlgorithmSpecification: { TrainingImage: 'sagemaker-scikit-learn:1.2-1-cpu-py3', TrainingInputMode: 'File', ContainerEntrypoint: ['python3', '-c', 'import time; time.sleep(120)'] },
      OutputDataConfig: { S3OutputPath: 's3://models/spot/' },
      ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 5 },
      EnableManagedSpotTraining: true,
      StoppingCondition: { MaxRuntimeInSeconds: 3, MaxWaitTimeInSeconds: 3 },
    });
    expect(res.status).toBe(200);
    const d = await waitForTrainingJob(loam, 'spot-wait', 60_000);
    expect(d.TrainingJobStatus).toBe('Stopped');
    expect(d.SecondaryStatus).toBe('MaxWaitTimeExceeded');
    const last = d.SecondaryStatusTransitions.at(-1);
    expect(last.Status).toBe('MaxWaitTimeExceeded');
    expect(last.StatusMessage).toMatch(/MaxWaitTimeInSeconds/);
    expect(d.StoppingCondition).toEqual({ MaxRuntimeInSeconds: 3, MaxWaitTimeInSeconds: 3 });
  });
});
