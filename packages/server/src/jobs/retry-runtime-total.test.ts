import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import type { TestLoam } from '../compose/loam.test-support.js';
import { openRetryLoam, runnerWithImage, sklearnImage } from './retry-jobs.test-support.js';
import { call, role, waitForTrainingJob } from './jobs.test-support.js';

// SageMaker (StoppingCondition.MaxRuntimeInSeconds): "When RetryStrategy is specified in the job request,
// MaxRuntimeInSeconds specifies the maximum time for all of the attempts in total, not each individual attempt."
let loam: TestLoam;

async function start(): Promise<void> {
  loam = await openRetryLoam();
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


const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const statuses = (d: { SecondaryStatusTransitions: { Status: string }[] }) => d.SecondaryStatusTransitions.map((t) => t.Status);
const logsOf = async (name: string): Promise<string[]> => (await call(loam, 'GET', `/api/v1/training-jobs/${name}/logs`)).body.Events.map((e: { Message: string }) => e.Message);
const describeJob = async (name: string): Promise<any> => (await call(loam, 'GET', `/api/v1/training-jobs/${name}`)).body;
/** When (epoch s, the server's clock) the job's last attempt was leased: its latest Starting transition. */
const attemptStart = async (name: string): Promise<number> => (await describeJob(name)).SecondaryStatusTransitions.filter((t: { Status: string }) => t.Status === 'Starting').at(-1).StartTime;
/** Waits until `seconds` have passed since `from` on the server's clock (the one settle counts with). */
async function until(from: number, seconds: number): Promise<void> {
  while (Date.now() / 1000 - from < seconds) await sleep(200);
}
/** Waits until the job logged `line`; false if `deadline` (epoch s) came first. */
async function logged(name: string, line: string, deadline = Infinity): Promise<boolean> {
  for (;;) {
    if ((await logsOf(name)).includes(line)) return true;
    if (Date.now() / 1000 > deadline) return false;
    await sleep(200);
  }
}

describe('MaxRuntimeInSeconds with RetryStrategy counts every attempt', () => {
  // Conditions, not fixed sleeps, so a loaded machine (slow starts, late settles) cannot decide the outcome: the first
  // attempt is ended 14 s (server's clock) after the job's creation; the next one is released only if it was not
  // stopped by 22 s after its lease, a point its own 26 s (the old, per-attempt limit) could not reach first.
  it('stops the next attempt at what the earlier one left (Stopped / MaxRuntimeExceeded)', async () => {
    expect((await call(loam, 'POST', '/api/v1/training-jobs', request('total-runtime', 26))).status).toBe(200);
    const host = join(loam.dataDir, 'jobs', 'training-job', 'total-runtime', 'algo-1');
    const first = await runnerWithImage(host);
    await logged('total-runtime', 'waiting to be released');
    await until(await attemptStart('total-runtime'), 14);
    process.kill(first, 'SIGKILL'); // as a crashed host's runner would end
    await runnerWithImage(host, first);
    const second = await attemptStart('total-runtime');
    if (!(await logged('total-runtime', 'MaxRuntimeInSeconds (26) exceeded: stopping the job.', second + 22))) {
      try {
        writeFileSync(join(host, 'opt', 'ml', 'release'), '');
      } catch {
        // the attempt already ended and its directory is gone
      }
    }
    const d = await waitForTrainingJob(loam, 'total-runtime', 90_000);
    expect(d.TrainingJobStatus, JSON.stringify(d.SecondaryStatusTransitions)).toBe('Stopped');
    expect(d.SecondaryStatus).toBe('MaxRuntimeExceeded');
    expect(statuses(d)).toContain('Restarting');
    expect(d.StoppingCondition.MaxRuntimeInSeconds).toBe(26);
    const logs = await logsOf('total-runtime');
    expect(logs.filter((m) => m === 'waiting to be released')).toHaveLength(2);
    expect(logs).not.toContain('released: done');
  }, 180_000);

  it('does not start another attempt once the attempts used the whole MaxRuntimeInSeconds', async () => {
    expect((await call(loam, 'POST', '/api/v1/training-jobs', request('total-spent', 20))).status).toBe(200);
    const host = join(loam.dataDir, 'jobs', 'training-job', 'total-spent', 'algo-1');
    // The runner is frozen (its own limit cannot fire) until the server's clock is past the 20 s, then dies: a platform
    // fault with no runtime left. 20 s leave a loaded machine time to start the image and ship its first line first.
    const first = await runnerWithImage(host);
    await logged('total-spent', 'waiting to be released');
    process.kill(first, 'SIGSTOP');
    await until(await attemptStart('total-spent'), 25); // from its creation: the lease came a little later
    process.kill(first, 'SIGKILL');
    const d = await waitForTrainingJob(loam, 'total-spent', 90_000);
    expect(d.TrainingJobStatus, JSON.stringify(d.SecondaryStatusTransitions)).toBe('Stopped');
    expect(d.SecondaryStatus).toBe('MaxRuntimeExceeded');
    expect(d.FailureReason).toBeUndefined();
    expect(statuses(d)).not.toContain('Restarting');
    const last = d.SecondaryStatusTransitions.at(-1);
    expect(last.StatusMessage).toMatch(/^Attempt 1 ended by a platform fault: .*; not retried: the attempts ran \d+ s of MaxRuntimeInSeconds \(20\)/);
    expect((await logsOf('total-spent')).filter((m) => m === 'waiting to be released')).toHaveLength(1);
  });
});
