import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCliDriver, boto3Driver, jsSdkDriver, type ClientDriver } from './client-drivers.js';
import { repoRoot } from '../loam-process.test-support.js';
import { requireDebianAwsTools, startAwsLoam, type AwsLoam } from './aws-loam.test-support.js';
import { awsCliTrainDeploy, boto3TrainDeploy, jsTrainDeploy, type TrainDeployInput, type TrainDeployResult } from './train-deploy-drivers.js';

/**
 * Every AWS client a SageMaker user has — the JavaScript SDK, boto3 and the aws CLI — drives one
 * `loam up` with nothing changed but the endpoint and the credentials file. The scenario is the same
 * for each, from uploading the training set to deleting the endpoint.
 */
let loam: AwsLoam;
beforeAll(async () => {
  requireDebianAwsTools();
  loam = await startAwsLoam();
}, 60_000);
afterAll(async () => loam?.stop());

/**
 * The breast-cancer set (label first, no header, as the built-in XGBoost reads CSV): 120 rows to
 * train on, 40 held-out rows to send to the endpoint. The held-out labels are the reference.
 */
const cancer = readFileSync(join(repoRoot, 'datasets/tabular/breast_cancer.csv'), 'utf8').trim().split('\n').slice(1);
const trainRows = cancer.filter((_, i) => i % 4 !== 0).slice(0, 120);
const heldOut = cancer.filter((_, i) => i % 4 === 0).slice(0, 40);
const scenario = (name: string): TrainDeployInput => ({
  name,
  trainCsv: trainRows.join('\n') + '\n',
  invokeCsv: heldOut.map((r) => r.slice(r.indexOf(',') + 1)).join('\n') + '\n',
  hyperParameters: { num_round: '5', max_depth: '3', eta: '0.5', objective: 'binary:logistic' },
});

const trainDeploy: [string, (l: AwsLoam, i: TrainDeployInput) => Promise<TrainDeployResult>][] = [
  ['js', jsTrainDeploy],
  ['boto3', boto3TrainDeploy],
  ['awscli', awsCliTrainDeploy],
];

/**
 * The three clients train and deploy at once, as three notebooks on one Loam would, while the S3 and
 * tagging steps below run; each scenario's test awaits its result.
 */
const scenarios = new Map<string, Promise<TrainDeployResult>>();
beforeAll(() => {
  for (const [id, run] of trainDeploy) {
    const p = run(loam, scenario(`xgb-${id}`));
    p.catch(() => undefined); // reported by its own test, not as an unhandled rejection
    scenarios.set(id, p);
  }
});

const drivers: [string, (l: AwsLoam) => ClientDriver][] = [
  ['js', jsSdkDriver],
  ['boto3', boto3Driver],
  ['awscli', awsCliDriver],
];

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

for (const [id, make] of drivers) {
  describe(`AWS client: ${id}`, () => {
    let client: ClientDriver;
    beforeAll(() => {
      client = make(loam);
    });
    const bucket = `training-${id}`;

    it('uploads training data to S3 (9 MiB: multipart for boto3 and the CLI), lists it page by page, reads it back, deletes it', async () => {
      await client.createBucket(bucket);
      const big = randomBytes(9 * 1024 * 1024);
      const files = new Map<string, Buffer>([
        ['train/data.csv', big],
        ['train/part 2+more.csv', Buffer.from('1,0.5,2\n0,0.1,3\n')],
        ['validation/data.csv', Buffer.from('1,0.4,2\n')],
        ['train/üñí.csv', Buffer.from('0,0,0\n')],
      ]);
      await client.upload(bucket, files);
      const train = [...files.keys()].filter((k) => k.startsWith('train/')).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      expect(await client.listKeys(bucket, 'train/', 1)).toEqual(train);
      expect((await client.listKeys(bucket, '', 2)).length).toBe(files.size);
      const [data, part] = await client.download(bucket, ['train/data.csv', 'train/part 2+more.csv']);
      expect(sha(data as Buffer)).toBe(sha(big));
      expect((part as Buffer).toString()).toBe('1,0.5,2\n0,0.1,3\n');
      await client.deleteKeys(bucket, [...files.keys()]);
      expect(await client.listKeys(bucket, '', 10)).toEqual([]);
      await client.deleteBucket(bucket);
    }, 120_000);

    it('tags a resource over the SageMaker JSON protocol: AddTags, ListTags, DeleteTags', async () => {
      const arn = 'arn:loam:iam::000000000000:user/admin';
      const tags = [{ Key: `${id}-team`, Value: 'forecasting' }, { Key: `${id}-cost centre`, Value: 'ml/42' }];
      await client.addTags(arn, tags);
      expect((await client.listTags(arn)).filter((t) => t.Key.startsWith(`${id}-`))).toEqual(expect.arrayContaining(tags));
      await client.deleteTags(arn, tags.map((t) => t.Key));
      expect((await client.listTags(arn)).filter((t) => t.Key.startsWith(`${id}-`))).toEqual([]);
    }, 60_000);

    it('sees the error codes AWS returns: missing resource, wrong secret, unknown key, unknown endpoint', async () => {
      expect(await client.errorCodes('arn:loam:iam::000000000000:user/nobody')).toEqual({
        missingResource: 'ResourceNotFound',
        wrongSecretJson: 'InvalidSignatureException',
        wrongSecretS3: 'SignatureDoesNotMatch',
        unknownKeyJson: 'UnrecognizedClientException',
        unknownKeyS3: 'InvalidAccessKeyId',
        unknownEndpoint: 'ValidationError',
      });
    }, 60_000);
  });
}

const predictionsBy = new Map<string, number[]>();

describe('train → deploy → invoke → delete with each client', () => {
  for (const [id, run] of trainDeploy) {
    it(`${id}: uploads a CSV, trains the built-in XGBoost image, waits with the SDK's waiters, deploys, invokes, lists page by page, deletes`, async ({ task }) => {
      // The first attempt awaits the run started with the others; CI's retry runs the scenario again, under new
      // names (the failed run's job and bucket keep theirs).
      const attempt = task.result?.retryCount ?? 0;
      const name = attempt === 0 ? `xgb-${id}` : `xgb-${id}-retry${attempt}`;
      const r = await (attempt === 0 ? (scenarios.get(id) as Promise<TrainDeployResult>) : run(loam, scenario(name)));
      // TrainingJobCompletedOrStopped and EndpointInService: the SDK's own waiters returned on these.
      expect(r.trainingStatus).toBe('Completed');
      expect(r.modelDataUrl).toBe(`s3://${name}-data/output/${name}/output/model.tar.gz`);
      expect(r.endpointStatus).toBe('InService');
      // Predictions: probabilities, one per held-out row, that separate the held-out labels.
      expect(r.predictions).toHaveLength(heldOut.length);
      for (const p of r.predictions) expect(p > 0 && p < 1, String(p)).toBe(true);
      const correct = heldOut.filter((row, k) => Number(row.split(',')[0]) === ((r.predictions[k] as number) > 0.5 ? 1 : 0)).length;
      expect(correct / heldOut.length).toBeGreaterThanOrEqual(0.85);
      predictionsBy.set(id, r.predictions);
      // MaxResults=1: every page holds at most one job, our job is on one of them, no job twice.
      expect(r.pages.length).toBeGreaterThanOrEqual(1);
      for (const page of r.pages) expect(page.length).toBeLessThanOrEqual(1);
      const names = r.pages.flat();
      expect(names).toContain(name);
      expect(new Set(names).size).toBe(names.length);
      // SageMaker answers ValidationException for a Describe of a deleted endpoint, config or model.
      expect(r.afterDelete).toEqual({ endpoint: 'ValidationException', config: 'ValidationException', model: 'ValidationException' });
      expect(r.keysLeft).toBe(0);
    }, 170_000);
  }
});

describe('the same data, the same model', () => {
  it('every client got the same predictions (same data, same hyperparameters, deterministic training)', () => {
    const [first, ...rest] = [...predictionsBy.values()];
    expect(predictionsBy.size).toBe(trainDeploy.length);
    for (const p of rest) expect(p).toEqual(first);
  });
});
