import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { binaryCsv, call, extractModel, trainingRequest, waitForTrainingJob } from './jobs.test-support.js';

// Built-in XGBoost with a CheckpointConfig saves `xgboost-checkpoint.<round>` every round, and a job with
// the same S3Uri resumes from the newest one (SageMaker's XGBoost container's behaviour); the resumed
// job's model must be the model of a job that ran all its rounds at once.
let loam: TestLoam;
// Row and column subsampling: a resume equals an uninterrupted run only if it replays the random stream.
const hp = { num_round: '12', objective: 'binary:logistic', eval_metric: 'auc', max_depth: '3', subsample: '0.8', colsample_bynode: '0.75', seed: '5' };
const channels = ['train', 'validation'].map((c) => ({ ChannelName: c, ContentType: 'text/csv', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://data/ck/${c}/` } } }));

async function openServer(): Promise<void> {
  loam = await openTestLoam();
  const a = loam.platform.artifacts;
  await a.ensureBucket('data');
  // Loam never creates an output bucket: a missing one fails the job when it uploads, as in SageMaker.
  await a.ensureBucket('models');
  await a.ensureBucket('ckpt');
  await a.put({ bucket: 'data', key: 'ck/train/train.csv' }, Buffer.from(binaryCsv(400, 11)));
  await a.put({ bucket: 'data', key: 'ck/validation/validation.csv' }, Buffer.from(binaryCsv(120, 12)));
  await a.put({ bucket: 'data', key: 'ck/big/train.csv' }, Buffer.from(binaryCsv(20_000, 13)));
  await loam.platform.jobs.scheduler.start();
}
async function closeServer(): Promise<void> {
  await loam?.close();
}
serverPerAttempt(openServer, closeServer);

function start(name: string, hyperParameters: Record<string, string>, checkpointUri?: string, data = channels) {
  return call(loam, 'POST', '/api/v1/training-jobs', trainingRequest(name, {
    HyperParameters: hyperParameters, InputDataConfig: data, ...(checkpointUri ? { CheckpointConfig: { S3Uri: checkpointUri } } : {}),
  }));
}

async function logLines(name: string): Promise<string[]> {
  const logs = await call(loam, 'GET', `/api/v1/training-jobs/${name}/logs`);
  return ((logs.body.Events ?? []) as { Message: string }[]).map((e) => e.Message);
}

async function train(name: string, hyperParameters: Record<string, string>, checkpointUri?: string, data = channels) {
  const res = await start(name, hyperParameters, checkpointUri, data);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const d = await waitForTrainingJob(loam, name, 120_000);
  expect(d.FailureReason).toBeUndefined();
  expect(d.TrainingJobStatus).toBe('Completed');
  const lines = await logLines(name);
  const dir = await extractModel(loam, d.ModelArtifacts.S3ModelArtifacts);
  try {
    return { model: JSON.parse(readFileSync(join(dir, 'xgboost-model'), 'utf8')) as { trees: unknown[] }, lines, rounds: lines.filter((l) => /^\[\d+\]\t/.test(l)) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function checkpointKeys(prefix: string): Promise<string[]> {
  const r = await loam.platform.artifacts.list({ bucket: 'ckpt', prefix });
  return r.objects.map((o) => o.key.slice(prefix.length)).sort();
}

describe('built-in XGBoost CheckpointConfig', () => {
  it('a job limited to 5 rounds leaves its checkpoints; a job with the same S3Uri resumes at round 5 and ends with the uninterrupted model', async () => {
    const whole = await train('ck-whole', hp);
    expect(whole.model.trees).toHaveLength(12);
    expect(whole.lines.some((l) => l.startsWith('Resuming'))).toBe(false);

    const first = await train('ck-first', { ...hp, num_round: '5' }, 's3://ckpt/run-1');
    expect(first.rounds.map((l) => l.split('\t')[0])).toEqual(['[0]', '[1]', '[2]', '[3]', '[4]']);
    const saved = await checkpointKeys('run-1/');
    expect(saved).toContain('xgboost-checkpoint.4');
    // The saved checkpoint is Loam's model JSON of the first 5 rounds.
    const obj = await loam.platform.artifacts.get({ bucket: 'ckpt', key: 'run-1/xgboost-checkpoint.4' });
    const chunks: Buffer[] = [];
    for await (const c of obj.body) chunks.push(c as Buffer);
    const checkpoint = JSON.parse(Buffer.concat(chunks).toString()) as { format: string; trees: unknown[] };
    expect(checkpoint.format).toBe('loam-gbdt');
    expect(checkpoint.trees).toEqual(whole.model.trees.slice(0, 5));

    const second = await train('ck-second', hp, 's3://ckpt/run-1');
    expect(second.lines.some((l) => /^Checkpoint loaded from \S*\/xgboost-checkpoint\.4$/.test(l))).toBe(true);
    expect(second.lines).toContain('Resuming from iteration 5');
    // Round lines go on from [5], with the uninterrupted job's values.
    expect(second.rounds).toEqual(whole.rounds.slice(5));
    expect(second.model).toEqual(whole.model);
    expect(await checkpointKeys('run-1/')).toContain('xgboost-checkpoint.11');
  });

  it('a job stopped (StopTrainingJob) mid-training is resumed by the next job from its newest checkpoint', async () => {
    const big = [{ ...channels[0]!, DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://data/ck/big/' } } }];
    const long = { num_round: '300', objective: 'binary:logistic', max_depth: '6', eta: '0.05', subsample: '0.9', seed: '2' };
    const whole = await train('ck-long-whole', long, undefined, big);
    expect((await start('ck-long-1', long, 's3://ckpt/run-2', big)).status).toBe(200);
    for (let t0 = Date.now(); !(await logLines('ck-long-1')).some((l) => l.startsWith('[20]\t')); ) {
      if (Date.now() - t0 > 60_000) throw new Error('ck-long-1 printed no round 20 in 60 s');
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await call(loam, 'POST', '/api/v1/training-jobs/ck-long-1/stop', {})).status).toBe(200);
    expect((await waitForTrainingJob(loam, 'ck-long-1', 60_000)).TrainingJobStatus).toBe('Stopped');
    const saved = (await checkpointKeys('run-2/')).filter((k) => /^xgboost-checkpoint\.\d+$/.test(k)).map((k) => Number(k.split('.')[1]));
    const newest = Math.max(...saved);
    expect(newest).toBeGreaterThanOrEqual(20);
    expect(newest).toBeLessThan(299);

    const second = await train('ck-long-2', long, 's3://ckpt/run-2', big);
    expect(second.lines).toContain(`Resuming from iteration ${newest + 1}`);
    expect(second.rounds[0]?.startsWith(`[${newest + 1}]\t`)).toBe(true);
    expect(second.model).toEqual(whole.model);
  });

  it('a job resuming with num_round below the checkpoint keeps its rounds and still reports FinalMetricDataList; other hyperparameters fail as ClientError', async () => {
    const first = await train('ck-more-1', { ...hp, num_round: '4' }, 's3://ckpt/run-3');
    expect(first.rounds).toHaveLength(4);
    const res = await start('ck-more-2', { ...hp, num_round: '2' }, 's3://ckpt/run-3');
    expect(res.status).toBe(200);
    const d = await waitForTrainingJob(loam, 'ck-more-2', 120_000);
    expect(d.TrainingJobStatus).toBe('Completed');
    expect((d.FinalMetricDataList as { MetricName: string }[]).map((m) => m.MetricName).sort()).toEqual(['train:auc', 'validation:auc']);
    const lines = await logLines('ck-more-2');
    expect(lines).toContain("The checkpoint already has 4 rounds, more than num_round=2: the model keeps 4 (as SageMaker's XGBoost does).");
    expect(lines.filter((l) => /^\[\d+\]\t/.test(l))).toEqual([]);

    expect((await start('ck-more-3', { ...hp, num_round: '8', max_depth: '4' }, 's3://ckpt/run-3')).status).toBe(200);
    const failed = await waitForTrainingJob(loam, 'ck-more-3', 120_000);
    expect(failed.TrainingJobStatus).toBe('Failed');
    expect(failed.FailureReason).toMatch(/ClientError: .*max_depth 3 in the checkpoint, 4 in this job\. Use a new CheckpointConfig S3Uri/);
  });
});
