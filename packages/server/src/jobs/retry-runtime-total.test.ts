import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { call, fixtures, role, waitForTrainingJob } from './jobs.test-support.js';

// SageMaker (StoppingCondition.MaxRuntimeInSeconds): "When RetryStrategy is specified in the job request,
// MaxRuntimeInSeconds specifies the maximum time for all of the attempts in total, not each individual attempt."
let loam: TestLoam;
const sklearnImage = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3';

async function start(): Promise<void> {
  loam = await openTestLoam();
  await loam.platform.artifacts.ensureBucket('data');
  await loam.platform.artifacts.ensureBucket('models');
  await loam.platform.artifacts.put({ bucket: 'data', key: 'code/wait_for_release.py' }, readFileSync(join(fixtures, 'scripts/wait_for_release.py')));
  await loam.platform.jobs.scheduler.start();
}
async function stop(): Promise<void> {
  await loam?.close();
}
serverPerAttempt(start, stop);

function request(name: string, maxRuntimeSeconds: number): Record<string, unknown> {
  return {
    TrainingJobName: name, RoleArn: role,
    AlgorithmSpecification: { TrainingImage: sklearnImage, TrainingInputMode: 'File', ContainerEntrypoint: ['python3', '/opt/ml/input/data/code/wait_for_release.py'] },
    InputDataConfig: [{ ChannelName: 'code', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://data/code/' } } }],
    OutputDataConfig: { S3OutputPath: 's3://models/retry/' },
    ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 5 },
    StoppingCondition: { MaxRuntimeInSeconds: maxRuntimeSeconds },
    RetryStrategy: { MaximumRetryAttempts: 2 },
  };
}

/** The pid of the host's runner once its image has started (a runner other than `not`). */
async function runnerWithImage(host: string, not?: number): Promise<number> {
  const end = Date.now() + 30_000;
  for (;;) {
    try {
      const p = JSON.parse(readFileSync(join(host, 'runner.pid'), 'utf8')) as { pid: number; childPgid?: number };
      if (p.childPgid !== undefined && p.pid !== not) return p.pid;
    } catch {
      // not written yet, or being replaced
    }
    if (Date.now() > end) throw new Error(`no runner with a started image in ${host}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const statuses = (d: { SecondaryStatusTransitions: { Status: string }[] }) => d.SecondaryStatusTransitions.map((t) => t.Status);
const logsOf = async (name: string): Promise<string[]> => (await call(loam, 'GET', `/api/v1/training-jobs/${name}/logs`)).body.Events.map((e: { Message: string }) => e.Message);

describe('MaxRuntimeInSeconds with RetryStrategy counts every attempt', () => {
  it('stops the next attempt at what the earlier one left (Stopped / MaxRuntimeExceeded)', async () => {
    expect((await call(loam, 'POST', '/api/v1/training-jobs', request('total-runtime', 10))).status).toBe(200);
    const host = join(loam.dataDir, 'jobs', 'training-job', 'total-runtime', 'algo-1');
    // The first attempt runs at least 6 of the 10 s, then its runner dies as a crashed host's would.
    const first = await runnerWithImage(host);
    await sleep(6000);
    process.kill(first, 'SIGKILL');
    // The second attempt has at most 4 s left: it is stopped before the release, 6 s after its image started
    // (counted per attempt, it would have had 10 s and completed).
    await runnerWithImage(host, first);
    await sleep(6000);
    try {
      writeFileSync(join(host, 'opt', 'ml', 'release'), '');
    } catch {
      // the attempt already ended and its directory is gone
    }
    const d = await waitForTrainingJob(loam, 'total-runtime', 60_000);
    expect(d.TrainingJobStatus, JSON.stringify(d.SecondaryStatusTransitions)).toBe('Stopped');
    expect(d.SecondaryStatus).toBe('MaxRuntimeExceeded');
    expect(statuses(d)).toContain('Restarting');
    expect(d.StoppingCondition.MaxRuntimeInSeconds).toBe(10);
    const logs = await logsOf('total-runtime');
    expect(logs.filter((m) => m === 'waiting to be released')).toHaveLength(2);
    expect(logs).not.toContain('released: done');
  });

  it('does not start another attempt once the attempts used the whole MaxRuntimeInSeconds', async () => {
    expect((await call(loam, 'POST', '/api/v1/training-jobs', request('total-spent', 5))).status).toBe(200);
    const host = join(loam.dataDir, 'jobs', 'training-job', 'total-spent', 'algo-1');
    // The runner is frozen (its own limit cannot fire) past the 5 s, then dies: a platform fault with no runtime left.
    const first = await runnerWithImage(host);
    while (!(await logsOf('total-spent')).includes('waiting to be released')) await sleep(100);
    process.kill(first, 'SIGSTOP');
    await sleep(6000);
    process.kill(first, 'SIGKILL');
    const d = await waitForTrainingJob(loam, 'total-spent', 60_000);
    expect(d.TrainingJobStatus, JSON.stringify(d.SecondaryStatusTransitions)).toBe('Stopped');
    expect(d.SecondaryStatus).toBe('MaxRuntimeExceeded');
    expect(d.FailureReason).toBeUndefined();
    expect(statuses(d)).not.toContain('Restarting');
    const last = d.SecondaryStatusTransitions.at(-1);
    expect(last.StatusMessage).toMatch(/^Attempt 1 ended by a platform fault: .*; not retried: the attempts ran \d+ s of MaxRuntimeInSeconds \(5\)/);
    expect((await logsOf('total-spent')).filter((m) => m === 'waiting to be released')).toHaveLength(1);
  });
});
