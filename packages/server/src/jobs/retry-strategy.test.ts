import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import type { TestLoam } from '../compose/loam.test-support.js';
import { openRetryLoam, runnerWithImage, sklearnImage } from './retry-jobs.test-support.js';
import { call, role, waitForTrainingJob } from './jobs.test-support.js';

let loam: TestLoam;

async function start(): Promise<void> {
  loam = await openRetryLoam();
}
async function stop(): Promise<void> {
  await loam?.close();
}
serverPerAttempt(start, stop);

function request(name: string, entrypoint: string[], env: Record<string, string>): Record<string, unknown> {
  return {
    TrainingJobName: name, RoleArn: role,
    AlgorithmSpecification: { TrainingImage: sklearnImage, TrainingInputMode: 'File', ContainerEntrypoint: entrypoint },
    InputDataConfig: [{ ChannelName: 'code', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://data/code/' } } }],
    OutputDataConfig: { S3OutputPath: 's3://models/retry/' },
    ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 5 },
    RetryStrategy: { MaximumRetryAttempts: 2 },
    Environment: env,
  };
}


const statuses = (d: { SecondaryStatusTransitions: { Status: string }[] }) => d.SecondaryStatusTransitions.map((t) => t.Status);

describe('RetryStrategy', () => {
  it('retries a platform fault (the runner vanished) and the next attempt completes', async () => {
    const res = await call(loam, 'POST', '/api/v1/training-jobs', request('retry-fault', ['python3', '/opt/ml/input/data/code/wait_for_release.py'], {}));
    expect(res.status).toBe(200);
    // The first attempt's image is running: its runner dies as a crashed host's would.
    const host = join(loam.dataDir, 'jobs', 'training-job', 'retry-fault', 'algo-1');
    const first = await runnerWithImage(host, undefined, 30_000);
    process.kill(first, 'SIGKILL');
    // The next attempt's image is running under a new runner: let it finish.
    await runnerWithImage(host, first, 30_000);
    writeFileSync(join(host, 'opt', 'ml', 'release'), '');
    const d = await waitForTrainingJob(loam, 'retry-fault', 60_000);
    expect(d.FailureReason, JSON.stringify(d.SecondaryStatusTransitions)).toBeUndefined();
    expect(d.TrainingJobStatus).toBe('Completed');
    expect(statuses(d)).toContain('Restarting');
    const restart = d.SecondaryStatusTransitions.find((t: { Status: string }) => t.Status === 'Restarting');
    expect(restart.StatusMessage).toMatch(/^Attempt 1 ended by a platform fault: InternalServerError: the job's runner process ended/);
    const logs = (await call(loam, 'GET', '/api/v1/training-jobs/retry-fault/logs')).body.Events.map((e: { Message: string }) => e.Message);
    expect(logs).toContain('released: done');
  });

  it("never retries a user's non-zero exit, whatever MaximumRetryAttempts says", async () => {
    const res = await call(loam, 'POST', '/api/v1/training-jobs', request('retry-user', ['python3', '-c', "print('user run'); raise SystemExit(3)"], {}));
    expect(res.status).toBe(200);
    const d = await waitForTrainingJob(loam, 'retry-user', 60_000);
    expect(d.TrainingJobStatus).toBe('Failed');
    expect(d.FailureReason).toMatch(/^AlgorithmError: the image ended with exit code 3/);
    expect(statuses(d)).not.toContain('Restarting');
    const logs = (await call(loam, 'GET', '/api/v1/training-jobs/retry-user/logs')).body.Events.map((e: { Message: string }) => e.Message);
    expect(logs.filter((m: string) => m === 'user run')).toHaveLength(1);
  });
});
