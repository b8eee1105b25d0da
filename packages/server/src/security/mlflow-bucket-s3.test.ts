import { CopyObjectCommand, DeleteObjectCommand, DeleteObjectsCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { listenOnLoopback, openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { mlflowCaller } from '../transports/mlflow/mlflow.test-support.js';
import { sdkErrorOf } from '../transports/s3/s3.test-support.js';

// MLflow's proxied artifacts live in Loam's own bucket, s3://loam-mlflow/mlflow/<location>/<run>/artifacts/.
// The artifact proxy checks every path on the run and experiment that hold it (ADR 0009), but the same
// objects were served by Loam's S3 API on s3:* alone: a user denied an experiment, with the broad S3
// access data work needs, read its models and overwrote them (a pickled model runs its writer's code
// wherever it is loaded) through GetObject / PutObject / CopyObject / DeleteObject.

let loam: TestLoam;
let url: string;
const system = { principal: { userName: 'admin', userId: 'x', arn: 'x', via: 'system' as const }, requestId: 'r' };
let exp: string;
let run: string;
let key: string;

async function user(name: string, statements: unknown[]) {
  const id = loam.platform.identity;
  await id.CreateUser({ UserName: name }, system);
  await id.CreatePolicy({ PolicyName: `${name}-policy`, PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: statements }) }, system);
  await id.AttachUserPolicy({ UserName: name, PolicyName: `${name}-policy` }, system);
  const token = (await id.CreateApiToken({ UserName: name, TokenName: 't' }, system)).ApiToken.Token;
  const k = (await id.CreateAccessKey({ UserName: name }, system)).AccessKey;
  const s3 = new S3Client({ endpoint: url, region: 'us-east-1', forcePathStyle: true, maxAttempts: 1, credentials: { accessKeyId: k.AccessKeyId, secretAccessKey: k.SecretAccessKey } });
  return { token, s3, mlflow: mlflowCaller(loam.app, `Bearer ${token}`) };
}

let bob: Awaited<ReturnType<typeof user>>;
let mallory: Awaited<ReturnType<typeof user>>;

async function start(): Promise<void> {
  loam = await openTestLoam();
  url = await listenOnLoopback(loam);
  bob = await user('bob', [{ Effect: 'Allow', Action: ['sagemaker:*', 's3:*'], Resource: '*' }]);
  const created = await bob.mlflow('POST', 'experiments/create', { name: 'bob-private' });
  expect(created.status).toBe(200);
  exp = created.json['experiment_id'];
  run = (await bob.mlflow('POST', 'runs/create', { experiment_id: exp })).json['run'].info.run_id;
  const put = await loam.app.inject({ method: 'PUT', url: `/api/2.0/mlflow-artifacts/artifacts/${exp}/${run}/artifacts/model/model.pkl`, headers: { authorization: `Bearer ${bob.token}`, 'content-type': 'application/octet-stream' }, payload: 'bob weights' });
  expect(put.statusCode, put.body).toBe(200);
  key = `mlflow/${exp}/${run}/artifacts/model/model.pkl`;
  // mallory may use S3 everywhere and SageMaker except bob's experiment.
  mallory = await user('mallory', [
    { Effect: 'Allow', Action: ['sagemaker:*', 's3:*'], Resource: '*' },
    { Effect: 'Deny', Action: 'sagemaker:*', Resource: `arn:loam:sagemaker:*:*:mlflow-experiment/${exp}` },
  ]);
  await loam.platform.artifacts.ensureBucket('mallory-data');
}
async function stop(): Promise<void> {
  await loam?.close();
}
serverPerAttempt(start, stop);

describe("S3 requests on Loam's MLflow artifact bucket are authorized on the runs and experiments that hold the objects", () => {
  it('a user denied the experiment cannot read, copy out, overwrite, copy over or delete its artifacts over S3', async () => {
    expect((await mallory.mlflow('GET', 'runs/get', { run_id: run })).status).toBe(404); // a run hidden by its experiment answers as a missing one (e9c16075)
    const Bucket = 'loam-mlflow';
    expect((await sdkErrorOf(mallory.s3.send(new GetObjectCommand({ Bucket, Key: key })))).status).toBe(403);
    expect((await sdkErrorOf(mallory.s3.send(new HeadObjectCommand({ Bucket, Key: key })))).status).toBe(403);
    expect((await sdkErrorOf(mallory.s3.send(new CopyObjectCommand({ Bucket: 'mallory-data', Key: 'stolen.pkl', CopySource: `${Bucket}/${key}` })))).status).toBe(403);
    expect((await sdkErrorOf(mallory.s3.send(new PutObjectCommand({ Bucket, Key: key, Body: 'planted pickle' })))).status).toBe(403);
    await mallory.s3.send(new PutObjectCommand({ Bucket: 'mallory-data', Key: 'evil.pkl', Body: 'planted pickle' }));
    expect((await sdkErrorOf(mallory.s3.send(new CopyObjectCommand({ Bucket, Key: key, CopySource: 'mallory-data/evil.pkl' })))).status).toBe(403);
    expect((await sdkErrorOf(mallory.s3.send(new DeleteObjectCommand({ Bucket, Key: key })))).status).toBe(403);
    const batch = await mallory.s3.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: [{ Key: key }] } }));
    expect(batch.Errors?.map((e) => e.Code)).toEqual(['AccessDenied']);
    const still = await loam.platform.artifacts.get({ bucket: Bucket, key });
    expect(Buffer.concat(await still.body.toArray()).toString()).toBe('bob weights');
    expect((await loam.platform.artifacts.head({ bucket: 'mallory-data', key: 'stolen.pkl' }).catch(() => undefined))).toBeUndefined();
  });

  it('nor through a job that Loam would make read or write them (an input, an output path, the whole bucket)', async () => {
    const job = (name: string, input: string | undefined, output: string | undefined) => ({
      ProcessingJobName: name, RoleArn: 'arn:aws:iam::000000000000:role/LoamTests',
      AppSpecification: { ImageUri: 'sagemaker-scikit-learn:1.2-1-cpu-py3', ContainerEntrypoint: ['python3', '-c', 'pass'] },
      ...(input ? { ProcessingInputs: [{ InputName: 'data', S3Input: { S3Uri: input, LocalPath: '/opt/ml/processing/input', S3DataType: 'S3Prefix' } }] } : {}),
      ...(output ? { ProcessingOutputConfig: { Outputs: [{ OutputName: 'o', S3Output: { S3Uri: output, LocalPath: '/opt/ml/processing/output', S3UploadMode: 'EndOfJob' } }] } } : {}),
      ProcessingResources: { ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.t3.medium', VolumeSizeInGB: 1 } },
    });
    const create = (token: string, body: unknown) => loam.app.inject({ method: 'POST', url: '/api/v1/processing-jobs', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload: JSON.stringify(body) });
    for (const [name, input, output] of [
      ['read-run', `s3://loam-mlflow/mlflow/${exp}/${run}/artifacts/`, undefined],
      ['read-bucket', 's3://loam-mlflow/', undefined],
      ['write-run', undefined, `s3://loam-mlflow/mlflow/${exp}/${run}/artifacts/model`],
    ] as const) {
      const r = await create(mallory.token, job(name, input, output));
      expect(r.statusCode, `${name}: ${r.body}`).toBe(403);
      expect(r.body).toContain(`mlflow-experiment/${exp}`);
    }
    const own = await create(bob.token, job('bob-reads-his-run', `s3://loam-mlflow/mlflow/${exp}/${run}/artifacts/`, undefined));
    expect(own.statusCode, own.body).toBe(200);
  });

  it('the run’s owner still reads and writes them over S3', async () => {
    const got = await bob.s3.send(new GetObjectCommand({ Bucket: 'loam-mlflow', Key: key }));
    expect(await got.Body?.transformToString()).toBe('bob weights');
    await bob.s3.send(new PutObjectCommand({ Bucket: 'loam-mlflow', Key: `mlflow/${exp}/${run}/artifacts/notes.txt`, Body: 'n' }));
  });
});
