import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { readCsv } from '@loam/ml/data/index';
import { trainGbdt } from '@loam/ml/gbdt/index';
import { trainKMeans } from '@loam/ml/kmeans/index';
import { trainLinearLearner } from '@loam/ml/linear/index';
import { trainPca } from '@loam/ml/pca/index';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { binaryCsv, call, extractModel, role, waitForTrainingJob } from './jobs.test-support.js';

let loam: TestLoam;
const train = binaryCsv(300, 7);
const validation = binaryCsv(100, 8);
// SageMaker XGBoost's csv_weights=1: the column after the label is each row's instance weight.
const weightOf = (i: number) => 0.25 + (i % 7) * 0.5;
const withWeights = (csv: string) => csv.split('\n').filter(Boolean).map((l, i) => { const [y, ...x] = l.split(','); return [y, weightOf(i), ...x].join(','); }).join('\n') + '\n';
const unlabeled = train.split('\n').filter(Boolean).map((l) => l.split(',').slice(1).join(',')).join('\n') + '\n';

async function start(): Promise<void> {
  loam = await openTestLoam();
  const a = loam.platform.artifacts;
  await a.ensureBucket('data');
  // Loam never creates an output bucket: a missing one fails the job when it uploads, as in SageMaker.
  await a.ensureBucket('models');
  await a.put({ bucket: 'data', key: 'b/train/train.csv' }, Buffer.from(train));
  await a.put({ bucket: 'data', key: 'b/validation/validation.csv' }, Buffer.from(validation));
  await a.put({ bucket: 'data', key: 'b/unlabeled/x.csv' }, Buffer.from(unlabeled));
  await a.put({ bucket: 'data', key: 'b/wtrain/train.csv' }, Buffer.from(withWeights(train)));
  await a.put({ bucket: 'data', key: 'b/wvalidation/validation.csv' }, Buffer.from(withWeights(validation)));
  await loam.platform.jobs.scheduler.start();
}
async function stop(): Promise<void> {
  await loam?.close();
}
serverPerAttempt(start, stop);

const channel = (name: string, key: string) => ({ ChannelName: name, ContentType: 'text/csv', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://data/b/${key}/` } } });

async function runBuiltin(name: string, image: string, hp: Record<string, string>, channels: object[]) {
  const res = await call(loam, 'POST', '/api/v1/training-jobs', {
    TrainingJobName: name, RoleArn: role, HyperParameters: hp, InputDataConfig: channels,
    AlgorithmSpecification: { TrainingImage: image, TrainingInputMode: 'File' },
    OutputDataConfig: { S3OutputPath: 's3://models/builtin' }, ResourceConfig: { InstanceType: 'ml.c5.xlarge', InstanceCount: 1, VolumeSizeInGB: 5 },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const d = await waitForTrainingJob(loam, name, 90_000);
  expect(d.FailureReason).toBeUndefined();
  expect(d.TrainingJobStatus).toBe('Completed');
  const dir = await extractModel(loam, d.ModelArtifacts.S3ModelArtifacts);
  try {
    const stored = JSON.parse(readFileSync(join(dir, 'loam-model.json'), 'utf8')) as { algorithm: string; model: unknown };
    const metrics = Object.fromEntries(d.FinalMetricDataList.map((m: { MetricName: string; Value: number }) => [m.MetricName, m.Value]));
    return { stored, metrics };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Each job's stored model must equal the model `@loam/ml` trains directly on the same bytes: the
// platform staged the data and passed the hyperparameters exactly, and changed nothing on the way.
describe('built-in algorithm images, by SageMaker image URI, end to end', () => {
  it('xgboost (sagemaker-xgboost:1.7-1) with train and validation channels', async () => {
    const hp = { num_round: '8', objective: 'binary:logistic', eval_metric: 'auc', max_depth: '3' };
    const { stored, metrics } = await runBuiltin('bi-xgb', '246618743249.dkr.ecr.us-west-2.amazonaws.com/sagemaker-xgboost:1.7-1', hp, [channel('train', 'train'), channel('validation', 'validation')]);
    const direct = await trainGbdt(readCsv(Buffer.from(train)), hp, { validation: readCsv(Buffer.from(validation)) });
    expect(stored.model).toEqual(JSON.parse(JSON.stringify(direct.toJSON()))); // -0 travels as 0 in JSON
    expect(metrics['validation:auc']).toBeCloseTo(direct.finalMetrics.find((m) => m.name === 'validation:auc')!.value, 5);
  });

  it('linear-learner:1 (binary classifier)', async () => {
    const hp = { predictor_type: 'binary_classifier', feature_dim: '4', epochs: '5', mini_batch_size: '50' };
    const { stored, metrics } = await runBuiltin('bi-ll', '382416733822.dkr.ecr.us-east-1.amazonaws.com/linear-learner:1', hp, [channel('train', 'train'), channel('validation', 'validation')]);
    const direct = trainLinearLearner(hp, { train: readCsv(Buffer.from(train)), validation: readCsv(Buffer.from(validation)) });
    expect(stored.model).toEqual(direct.model.toJSON());
    for (const m of direct.metrics) expect(metrics[m.name]).toBeCloseTo(m.value, 6);
  });

  it('kmeans:1', async () => {
    const hp = { k: '3', feature_dim: '4', mini_batch_size: '100' };
    const { stored, metrics } = await runBuiltin('bi-km', '382416733822.dkr.ecr.us-east-1.amazonaws.com/kmeans:1', hp, [channel('train', 'unlabeled')]);
    const direct = trainKMeans(hp, { train: readCsv(Buffer.from(unlabeled), { labelSize: 0 }).x });
    expect(stored.model).toEqual(direct.model.toJSON());
    for (const m of direct.metrics) expect(metrics[m.name]).toBeCloseTo(m.value, 6);
  });

  it('pca:1', async () => {
    const hp = { num_components: '2', feature_dim: '4', mini_batch_size: '100' };
    const { stored } = await runBuiltin('bi-pca', '382416733822.dkr.ecr.us-east-1.amazonaws.com/pca:1', hp, [channel('train', 'unlabeled')]);
    const direct = trainPca(hp, { train: readCsv(Buffer.from(unlabeled), { labelSize: 0 }).x });
    expect(stored.model).toEqual(direct.model.toJSON());
  });

  it('xgboost with csv_weights=1 takes the column after the label as instance weights, in train and validation', async () => {
    const hp = { num_round: '6', objective: 'binary:logistic', eval_metric: 'logloss', max_depth: '3', csv_weights: '1' };
    const { stored, metrics } = await runBuiltin('bi-xgb-w', 'sagemaker-xgboost:1.7-1', hp, [channel('train', 'wtrain'), channel('validation', 'wvalidation')]);
    const weighted = (csv: string) => {
      const d = readCsv(Buffer.from(csv));
      return { ...d, weights: Float64Array.from({ length: d.x.rows }, (_, i) => weightOf(i)) };
    };
    const { csv_weights: _, ...plain } = hp;
    const direct = await trainGbdt(weighted(train), plain, { validation: weighted(validation) });
    expect(stored.model).toEqual(JSON.parse(JSON.stringify(direct.toJSON())));
    expect(metrics['validation:logloss']).toBeCloseTo(direct.finalMetrics.find((m) => m.name === 'validation:logloss')!.value, 5);
    // The weights matter: unweighted training on the same rows gives another model.
    const unweighted = await trainGbdt(readCsv(Buffer.from(train)), plain);
    expect(JSON.stringify(unweighted.toJSON())).not.toBe(JSON.stringify(direct.toJSON()));
  });

  it('bad hyperparameters fail the job with a ClientError naming them', async () => {
    await call(loam, 'POST', '/api/v1/training-jobs', {
      TrainingJobName: 'bi-bad', RoleArn: role, HyperParameters: { num_round: 'many', objective: 'binary:logistic' },
      InputDataConfig: [channel('train', 'train')], AlgorithmSpecification: { TrainingImage: 'sagemaker-xgboost:1.7-1', TrainingInputMode: 'File' },
      OutputDataConfig: { S3OutputPath: 's3://models/builtin' }, ResourceConfig: { InstanceType: 'ml.c5.xlarge', InstanceCount: 1, VolumeSizeInGB: 5 },
    });
    const d = await waitForTrainingJob(loam, 'bi-bad');
    expect(d.TrainingJobStatus).toBe('Failed');
    expect(d.FailureReason).toMatch(/^ClientError: .*num_round/);
    await call(loam, 'POST', '/api/v1/training-jobs', {
      TrainingJobName: 'bi-bad-w', RoleArn: role, HyperParameters: { num_round: '3', csv_weights: 'yes' },
      InputDataConfig: [channel('train', 'train')], AlgorithmSpecification: { TrainingImage: 'sagemaker-xgboost:1.7-1', TrainingInputMode: 'File' },
      OutputDataConfig: { S3OutputPath: 's3://models/builtin' }, ResourceConfig: { InstanceType: 'ml.c5.xlarge', InstanceCount: 1, VolumeSizeInGB: 5 },
    });
    const w = await waitForTrainingJob(loam, 'bi-bad-w');
    expect([w.TrainingJobStatus, w.FailureReason]).toEqual(['Failed', expect.stringMatching(/^ClientError: .*csv_weights' must be 0 or 1; got 'yes'/)]);
  });
});
