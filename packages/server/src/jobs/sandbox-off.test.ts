import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { call, role, waitForTrainingJob } from './jobs.test-support.js';

// `executor.sandbox: off` (a machine that cannot sandbox, whose operator accepts it): the image runs as
// Loam's own user with host paths, and its log says so. The default is covered by the sandbox e2e test.

let loam: TestLoam;

async function start(): Promise<void> {
  loam = await openTestLoam({ LOAM_EXECUTOR__SANDBOX: 'off' });
  await loam.platform.artifacts.ensureBucket('data');
  await loam.platform.artifacts.put({ bucket: 'data', key: 'in/x.csv' }, Buffer.from('1\n'));
  await loam.platform.jobs.scheduler.start();
}
async function stop(): Promise<void> {
  await loam?.close();
}
serverPerAttempt(start, stop);

describe('executor.sandbox: off', () => {
  it('runs the image as Loam\'s own user with host paths, and says so in the job\'s log', async () => {
    const res = await call(loam, 'POST', '/api/v1/training-jobs', {
      TrainingJobName: 'unsandboxed', RoleArn: role,
      AlgorithmSpecification: { TrainingImage: 'sagemaker-scikit-learn:1.2-1-cpu-py3', TrainingInputMode: 'File', ContainerEntrypoint: ['python3', '-c', 'import os; print("RUNS AS", os.getuid(), os.environ["SM_MODEL_DIR"])'] },
      InputDataConfig: [{ ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://data/in/' } } }],
      OutputDataConfig: { S3OutputPath: 's3://data/out/' },
      ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 5 },
      StoppingCondition: { MaxRuntimeInSeconds: 60 },
    });
    expect(res.status).toBe(200);
    const d = await waitForTrainingJob(loam, 'unsandboxed', 60_000);
    expect(d.TrainingJobStatus, d.FailureReason).toBe('Completed');
    const logs: string[] = (await call(loam, 'GET', '/api/v1/training-jobs/unsandboxed/logs')).body.Events.map((e: { Message: string }) => e.Message);
    expect(logs.some((l) => l.includes('without a sandbox (executor.sandbox is off)'))).toBe(true);
    const runsAs = logs.find((l) => l.startsWith('RUNS AS '));
    expect(runsAs).toBe(`RUNS AS ${process.getuid?.()} ${loam.dataDir}/jobs/training-job/unsandboxed/algo-1/opt/ml/model`);
  }, 90_000);
});
