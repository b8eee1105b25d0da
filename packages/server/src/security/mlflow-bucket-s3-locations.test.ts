import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenOnLoopback, openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { mlflowCaller } from '../transports/mlflow/mlflow.test-support.js';
import { sdkErrorOf } from '../transports/s3/s3.test-support.js';

// An S3 request on a key of loam-mlflow outside every run folder is checked on every experiment whose
// artifact location holds the key (ADR 0009). The holders were found by reading every experiment for each
// request; they are now looked up by the keys of the key's folders (an index), which must find the same
// experiments whatever spelling their location was created with: slashes doubled or trailing, an
// `mlflow-artifacts:` or an `s3://loam-mlflow/mlflow/…` URI, one location nested in another, a deleted one.

let loam: TestLoam;
let url: string;
const system = { principal: { userName: 'admin', userId: 'x', arn: 'x', via: 'system' as const }, requestId: 'r' };
const Bucket = 'loam-mlflow';

async function s3For(name: string, statements: unknown[]): Promise<S3Client> {
  const id = loam.platform.identity;
  await id.CreateUser({ UserName: name }, system);
  await id.CreatePolicy({ PolicyName: `${name}-policy`, PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: statements }) }, system);
  await id.AttachUserPolicy({ UserName: name, PolicyName: `${name}-policy` }, system);
  const k = (await id.CreateAccessKey({ UserName: name }, system)).AccessKey;
  return new S3Client({ endpoint: url, region: 'us-east-1', forcePathStyle: true, maxAttempts: 1, credentials: { accessKeyId: k.AccessKeyId, secretAccessKey: k.SecretAccessKey } });
}

const ids: Record<string, string> = {};
let mallory: S3Client;

beforeAll(async () => {
  loam = await openTestLoam();
  url = await listenOnLoopback(loam);
  await s3For('owner', [{ Effect: 'Allow', Action: ['sagemaker:*', 's3:*'], Resource: '*' }]);
  const ownerToken = (await loam.platform.identity.CreateApiToken({ UserName: 'owner', TokenName: 't' }, system)).ApiToken.Token;
  const mlflow = mlflowCaller(loam.app, `Bearer ${ownerToken}`);
  for (const [name, location] of [
    ['team', 'mlflow-artifacts:///team//'],
    ['team-sub', 's3://loam-mlflow/mlflow/team/sub/'],
    ['other', 'mlflow-artifacts:/other'],
    ['gone', 'mlflow-artifacts:/gone'],
  ] as const) {
    const created = await mlflow('POST', 'experiments/create', { name, artifact_location: location });
    expect(created.status, JSON.stringify(created.json)).toBe(200);
    ids[name] = created.json['experiment_id'];
  }
  expect((await mlflow('POST', 'experiments/delete', { experiment_id: ids['gone'] })).status).toBe(200);
  const deny = (name: string) => ({ Effect: 'Deny', Action: 'sagemaker:*', Resource: `arn:loam:sagemaker:*:*:mlflow-experiment/${ids[name]}` });
  // mallory may use S3 everywhere and SageMaker except the 'team-sub' and 'gone' experiments.
  mallory = await s3For('mallory', [{ Effect: 'Allow', Action: ['sagemaker:*', 's3:*'], Resource: '*' }, deny('team-sub'), deny('gone')]);
  await loam.platform.artifacts.ensureBucket(Bucket);
  for (const key of ['mlflow/team/notes.txt', 'mlflow/team/sub/notes.txt', 'mlflow/team/subway.txt', 'mlflow/other/notes.txt', 'mlflow/gone/notes.txt', 'mlflow/nobody/notes.txt']) {
    await loam.platform.artifacts.put({ bucket: Bucket, key }, Buffer.from(key));
  }
}, 60_000);
afterAll(async () => loam?.close());

describe('S3 requests on loam-mlflow keys outside any run folder', () => {
  it('are checked on every experiment whose location holds the key, however the location was spelt', async () => {
    const read = async (key: string) => {
      const got = await mallory.send(new GetObjectCommand({ Bucket, Key: key })).catch((e: unknown) => e as { $metadata?: { httpStatusCode?: number } });
      if ('Body' in got) return (await got.Body?.transformToString()) === key ? 200 : 'wrong bytes';
      return got.$metadata?.httpStatusCode;
    };
    // Held by 'team' only (an allowed experiment), by none, by 'other': the S3 permission decides.
    expect(await read('mlflow/team/notes.txt')).toBe(200);
    expect(await read('mlflow/team/subway.txt')).toBe(200);
    expect(await read('mlflow/other/notes.txt')).toBe(200);
    expect(await read('mlflow/nobody/notes.txt')).toBe(200);
    // Held by 'team' and by 'team-sub' (denied), and by the deleted 'gone' (denied).
    expect(await read('mlflow/team/sub/notes.txt')).toBe(403);
    expect(await read('mlflow/gone/notes.txt')).toBe(403);
    const put = await sdkErrorOf(mallory.send(new PutObjectCommand({ Bucket, Key: 'mlflow/team/sub/deeper/new.txt', Body: 'x' })));
    expect(put.status).toBe(403);
    await mallory.send(new PutObjectCommand({ Bucket, Key: 'mlflow/team/new.txt', Body: 'x' }));
  });
});
