import { CopyObjectCommand, DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenOnLoopback, openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { sdkErrorOf } from '../transports/s3/s3.test-support.js';

// A dataset's versions are Parquet snapshots in Loam's own bucket (s3://loam-datasets/datasets/<name>/v<N>/…),
// which Loam's S3 API also serves, on s3:* alone: a user denied a dataset (sagemaker:* on dataset/protected*)
// but allowed S3 broadly read its rows there, and rewrote a version every flow and job reading it trusts
// to be immutable. Objects of a dataset now also need the dataset's own permission.

let loam: TestLoam;
let url: string;
const system = { principal: { userName: 'admin', userId: 'x', arn: 'x', via: 'system' as const }, requestId: 'r' };
let snapshot: { bucket: string; key: string };

async function s3As(name: string, statements: unknown[]): Promise<S3Client> {
  const id = loam.platform.identity;
  await id.CreateUser({ UserName: name }, system);
  await id.CreatePolicy({ PolicyName: `${name}-policy`, PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: statements }) }, system);
  await id.AttachUserPolicy({ UserName: name, PolicyName: `${name}-policy` }, system);
  const k = (await id.CreateAccessKey({ UserName: name }, system)).AccessKey;
  return new S3Client({ endpoint: url, region: 'us-east-1', forcePathStyle: true, maxAttempts: 1, credentials: { accessKeyId: k.AccessKeyId, secretAccessKey: k.SecretAccessKey } });
}

let mallory: S3Client;
let malloryToken: string;
let reader: S3Client;

beforeAll(async () => {
  loam = await openTestLoam();
  url = await listenOnLoopback(loam);
  const up = await loam.app.inject({ method: 'POST', url: '/api/v1/datasets/protected-ds/upload?FileName=rows.csv&CreateDataset=true', headers: { authorization: `Bearer ${loam.adminToken}`, 'content-type': 'text/csv' }, payload: 'secret,value\nalpha,1\nbeta,2\n' });
  expect(up.statusCode, up.body).toBe(200);
  const uri = (JSON.parse(up.body) as { DataUri: string }).DataUri;
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri) as RegExpExecArray;
  snapshot = { bucket: m[1] as string, key: m[2] as string };
  mallory = await s3As('mallory', [
    { Effect: 'Allow', Action: ['sagemaker:*', 's3:*'], Resource: '*' },
    { Effect: 'Deny', Action: 'sagemaker:*', Resource: 'arn:loam:sagemaker:*:*:dataset/protected*' },
  ]);
  reader = await s3As('reader', [{ Effect: 'Allow', Action: ['sagemaker:DescribeDataset', 's3:GetObject'], Resource: '*' }]);
  await loam.platform.artifacts.ensureBucket('mallory-data');
  malloryToken = (await loam.platform.identity.CreateApiToken({ UserName: 'mallory', TokenName: 't' }, system)).ApiToken.Token;
}, 60_000);
afterAll(async () => loam?.close());

describe("S3 requests on Loam's dataset bucket are authorized on the dataset an object belongs to", () => {
  it('a user denied the dataset cannot read, copy out, rewrite or delete its snapshot over S3', async () => {
    expect(snapshot.key.startsWith('datasets/protected-ds/v1/')).toBe(true);
    const { bucket: Bucket, key: Key } = snapshot;
    const read = await sdkErrorOf(mallory.send(new GetObjectCommand({ Bucket, Key })));
    expect(read.status, read.message).toBe(403);
    expect(read.message).toContain('sagemaker:DescribeDataset');
    expect((await sdkErrorOf(mallory.send(new CopyObjectCommand({ Bucket: 'mallory-data', Key: 'rows.parquet', CopySource: `${Bucket}/${Key}` })))).status).toBe(403);
    expect((await sdkErrorOf(mallory.send(new PutObjectCommand({ Bucket, Key, Body: 'poisoned' })))).status).toBe(403);
    expect((await sdkErrorOf(mallory.send(new DeleteObjectCommand({ Bucket, Key })))).status).toBe(403);
    const preview = await loam.app.inject({ method: 'GET', url: '/api/v1/datasets/protected-ds/preview', headers: { authorization: `Bearer ${loam.adminToken}` } });
    expect(preview.statusCode, preview.body).toBe(200);
    expect(preview.body).toContain('alpha');
  });

  it('nor through a job that Loam would make read or write it (its folder, a prefix reaching it, the whole bucket)', async () => {
    const job = (name: string, input: string | undefined, output: string | undefined) => ({
      ProcessingJobName: name, RoleArn: 'arn:aws:iam::000000000000:role/LoamTests',
      AppSpecification: { ImageUri: 'sagemaker-scikit-learn:1.2-1-cpu-py3', ContainerEntrypoint: ['python3', '-c', 'pass'] },
      ...(input ? { ProcessingInputs: [{ InputName: 'data', S3Input: { S3Uri: input, LocalPath: '/opt/ml/processing/input', S3DataType: 'S3Prefix' } }] } : {}),
      ...(output ? { ProcessingOutputConfig: { Outputs: [{ OutputName: 'o', S3Output: { S3Uri: output, LocalPath: '/opt/ml/processing/output', S3UploadMode: 'EndOfJob' } }] } } : {}),
      ProcessingResources: { ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.t3.medium', VolumeSizeInGB: 1 } },
    });
    for (const [name, input, output] of [
      ['read-folder', `s3://${snapshot.bucket}/datasets/protected-ds/`, undefined],
      ['read-prefix', `s3://${snapshot.bucket}/datasets/prot`, undefined],
      ['read-bucket', `s3://${snapshot.bucket}/`, undefined],
      ['write-version', undefined, `s3://${snapshot.bucket}/${snapshot.key.split('/').slice(0, -1).join('/')}`],
    ] as const) {
      const r = await loam.app.inject({ method: 'POST', url: '/api/v1/processing-jobs', headers: { authorization: `Bearer ${malloryToken}`, 'content-type': 'application/json' }, payload: JSON.stringify(job(name, input, output)) });
      expect(r.statusCode, `${name}: ${r.body}`).toBe(403);
      expect(r.body, name).toContain(":dataset/");
    }
    // A top folder named like an Object property is no dataset folder: the S3 permission alone decides.
    const r = await loam.app.inject({ method: 'POST', url: '/api/v1/processing-jobs', headers: { authorization: `Bearer ${malloryToken}`, 'content-type': 'application/json' }, payload: JSON.stringify(job('read-constructor', `s3://${snapshot.bucket}/constructor/x/`, undefined)) });
    expect(r.statusCode, r.body).toBe(200);
  });

  it('a user allowed to describe the dataset still reads its snapshot over S3', async () => {
    const got = await reader.send(new GetObjectCommand({ Bucket: snapshot.bucket, Key: snapshot.key }));
    expect((await got.Body?.transformToByteArray())?.length).toBeGreaterThan(0);
  });
});
