import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { call, role, xgboostImage } from '../jobs/jobs.test-support.js';

// HyperParameterTuningJobConfig.RandomSeed is an Integer in SageMaker (Int32 in its SDKs: 0 … 2^31 - 1). Loam took any
// integer ≥ 0: its strategies read the seed mod 2^32 (RandomSeed 4294967296 searched as seed 0, the same trials), and
// past 2^53 the JSON number was read as another one, which Describe answered. A seed past 2^31 - 1 is refused.
let loam: TestLoam;
serverPerAttempt(async () => {
  loam = await openTestLoam();
}, async () => {
  await loam?.close();
});

/** The request's text with `seed` written as is (JSON.stringify would round a literal past 2^53). */
function requestText(name: string, seed: string): string {
  const body = {
    HyperParameterTuningJobName: name,
    HyperParameterTuningJobConfig: {
      Strategy: 'Random', HyperParameterTuningJobObjective: { Type: 'Maximize', MetricName: 'validation:auc' },
      ResourceLimits: { MaxNumberOfTrainingJobs: 2, MaxParallelTrainingJobs: 1 },
      ParameterRanges: { ContinuousParameterRanges: [{ Name: 'eta', MinValue: '0.05', MaxValue: '0.5' }] },
      RandomSeed: '@SEED@',
    },
    TrainingJobDefinition: {
      StaticHyperParameters: { num_round: '10', objective: 'binary:logistic', eval_metric: 'auc' },
      AlgorithmSpecification: { TrainingImage: xgboostImage, TrainingInputMode: 'File' },
      RoleArn: role,
      InputDataConfig: [{ ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://data/train/' } } }, { ChannelName: 'validation', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://data/validation/' } } }],
      OutputDataConfig: { S3OutputPath: 's3://data/tuning' },
      ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 5 }, StoppingCondition: { MaxRuntimeInSeconds: 600 },
    },
  };
  return JSON.stringify(body).replace('"@SEED@"', seed);
}

async function create(name: string, seed: string): Promise<{ status: number; body: any }> {
  const res = await loam.app.inject({
    method: 'POST', url: '/api/v1/tuning-jobs', payload: requestText(name, seed),
    headers: { authorization: `Bearer ${loam.adminToken}`, 'content-type': 'application/json' },
  });
  return { status: res.statusCode, body: res.json() };
}

describe('HyperParameterTuningJobConfig.RandomSeed is an Integer', () => {
  it.each([
    ['2^31, one past Integer.MAX_VALUE', '2147483648', 'seed-refused-a'],
    ['2^32, which the strategies read as seed 0', '4294967296', 'seed-refused-b'],
    ['2^53 + 1, which a double reads as 2^53', '9007199254740993', 'seed-refused-c'],
  ])('refuses %s with a 400 naming the member', async (_label, seed, name) => {
    const r = await create(name, seed);
    expect(r.status, JSON.stringify(r.body)).toBe(400);
    expect(JSON.stringify(r.body)).toContain('RandomSeed');
    expect((await call(loam, 'GET', `/api/v1/tuning-jobs/${name}`)).status).toBe(404);
  });

  it('takes Integer.MAX_VALUE and Describe answers it', async () => {
    const r = await create('seed-max', '2147483647');
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const d = await call(loam, 'GET', '/api/v1/tuning-jobs/seed-max');
    expect(d.body.HyperParameterTuningJobConfig.RandomSeed).toBe(2147483647);
    expect((await call(loam, 'POST', '/api/v1/tuning-jobs/seed-max/stop')).status).toBe(200);
  });
});
