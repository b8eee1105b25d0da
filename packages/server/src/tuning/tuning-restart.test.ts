import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { silentLogger, systemClock } from '@loam/core';
import { TuningOrchestrator } from '@loam/core/tuning/index';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { call, role, xgboostImage } from '../jobs/jobs.test-support.js';
import { mlTuningEngine } from './ml-tuning-engine.js';

// A tuning pass records its new trials, then creates their training jobs. A server that stops between
// the two leaves trials with no training job: the next server's pass creates them, instead of counting
// trials that never ran as failed (and failing the tuning job when none is left to run).
const csv = readFileSync(fileURLToPath(new URL('../../../../datasets/tabular/breast_cancer.csv', import.meta.url)), 'utf8').trim().split('\n').slice(1);
let loam: TestLoam;
async function start(): Promise<void> {
  loam = await openTestLoam();
  await loam.platform.artifacts.ensureBucket('data');
  // Loam never creates an output bucket: a missing one fails the job when it uploads, as in SageMaker.
  await loam.platform.artifacts.ensureBucket('models');
  await loam.platform.artifacts.put({ bucket: 'data', key: 'bc/train/train.csv' }, Buffer.from(`${csv.slice(0, 400).join('\n')}\n`));
  await loam.platform.artifacts.put({ bucket: 'data', key: 'bc/validation/validation.csv' }, Buffer.from(`${csv.slice(400).join('\n')}\n`));
  await loam.platform.jobs.scheduler.start();
}
async function stop(): Promise<void> {
  await loam?.close();
}
serverPerAttempt(start, stop);

const channel = (name: string) => ({ ChannelName: name, ContentType: 'text/csv', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://data/bc/${name}/` } } });

it('a pass interrupted between recording trials and creating their training jobs: the next server creates them', async () => {
  const res = await call(loam, 'POST', '/api/v1/tuning-jobs', {
    HyperParameterTuningJobName: 'interrupted',
    HyperParameterTuningJobConfig: {
      Strategy: 'Random', HyperParameterTuningJobObjective: { Type: 'Maximize', MetricName: 'validation:auc' },
      ResourceLimits: { MaxNumberOfTrainingJobs: 2, MaxParallelTrainingJobs: 2 },
      ParameterRanges: { IntegerParameterRanges: [{ Name: 'max_depth', MinValue: '1', MaxValue: '4' }] },
    },
    TrainingJobDefinition: {
      StaticHyperParameters: { num_round: '5', objective: 'binary:logistic', eval_metric: 'auc' },
      AlgorithmSpecification: { TrainingImage: xgboostImage, TrainingInputMode: 'File' }, RoleArn: role,
      InputDataConfig: [channel('train'), channel('validation')], OutputDataConfig: { S3OutputPath: 's3://models/tuning' },
      ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 5 }, StoppingCondition: { MaxRuntimeInSeconds: 600 },
    },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);

  // The first server: its pass records two trials, and dies in CreateTrainingJob (the call never returns).
  const training = loam.platform.jobs.training;
  const dying = new Proxy(training, { get: (t, k) => (k === 'CreateTrainingJob' ? () => new Promise(() => undefined) : Reflect.get(t, k, t)) });
  const first = new TuningOrchestrator({ store: loam.platform.store, clock: systemClock, training: dying, engine: mlTuningEngine, logger: silentLogger });
  void first.advanceAll();
  const recorded = async () => (await call(loam, 'GET', '/api/v1/tuning-jobs/interrupted')).body;
  for (const end = Date.now() + 10_000; (await recorded()).TrainingJobStatusCounters.InProgress !== 2;) {
    if (Date.now() > end) throw new Error('the first pass recorded no trials');
    await new Promise((r) => setTimeout(r, 50));
  }
  expect((await call(loam, 'GET', '/api/v1/training-jobs?NameContains=interrupted')).body.TrainingJobSummaries).toEqual([]);

  // The next server's driver: the trials run, and the tuning job completes with both.
  loam.platform.tuning.driver.start();
  let d = await recorded();
  for (const end = Date.now() + 90_000; ['InProgress', 'Stopping'].includes(d.HyperParameterTuningJobStatus); d = await recorded()) {
    if (Date.now() > end) throw new Error(`still ${d.HyperParameterTuningJobStatus}: ${JSON.stringify(d.TrainingJobStatusCounters)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  expect([d.HyperParameterTuningJobStatus, d.TrainingJobStatusCounters]).toEqual(['Completed', expect.objectContaining({ Completed: 2, NonRetryableError: 0 })]);
  expect((await call(loam, 'GET', '/api/v1/training-jobs?NameContains=interrupted')).body.TrainingJobSummaries).toHaveLength(2);
}, 120_000);
