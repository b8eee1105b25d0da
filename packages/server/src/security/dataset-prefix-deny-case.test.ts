import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';

// A policy's SageMaker resource path matches in any letter case (resourceMatches: `dataset/Protected*` is
// `dataset/protected*`), and so must it when a job's S3 prefix in Loam's dataset bucket is checked against
// every dataset it may reach (evaluatePrefix → resourcePrefixMatch). That compared the path as written: a
// Deny on `dataset/Protected*` refused the dataset's folder but let a job read it through the prefix
// s3://loam-datasets/datasets/prot.

let loam: TestLoam;
serverPerAttempt(async () => {
  loam = await openTestLoam();
}, async () => {
  await loam?.close();
});

const system = { principal: { userName: 'admin', userId: 'x', arn: 'x', via: 'system' as const }, requestId: 'r' };
const job = (name: string, input: string) => ({
  ProcessingJobName: name, RoleArn: 'arn:aws:iam::000000000000:role/LoamTests',
  AppSpecification: { ImageUri: 'sagemaker-scikit-learn:1.2-1-cpu-py3', ContainerEntrypoint: ['python3', '-c', 'pass'] },
  ProcessingInputs: [{ InputName: 'data', S3Input: { S3Uri: input, LocalPath: '/opt/ml/processing/input', S3DataType: 'S3Prefix' } }],
  ProcessingResources: { ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.t3.medium', VolumeSizeInGB: 1 } },
});

describe('a Deny on datasets written with capitals', () => {
  it('refuses a job reading them through a prefix, as it refuses their folder', async () => {
    const up = await loam.app.inject({ method: 'POST', url: '/api/v1/datasets/protected-ds/upload?FileName=rows.csv&CreateDataset=true', headers: { authorization: `Bearer ${loam.adminToken}`, 'content-type': 'text/csv' }, payload: 'secret,value\nalpha,1\n' });
    expect(up.statusCode, up.body).toBe(200);
    const bucket = /^s3:\/\/([^/]+)\//.exec((JSON.parse(up.body) as { DataUri: string }).DataUri)![1] as string;
    const id = loam.platform.identity;
    await id.CreateUser({ UserName: 'mallory' }, system);
    const statements = [
      { Effect: 'Allow', Action: ['sagemaker:*', 's3:*'], Resource: '*' },
      { Effect: 'Deny', Action: 'sagemaker:*', Resource: 'arn:loam:sagemaker:*:*:dataset/Protected*' },
    ];
    await id.CreatePolicy({ PolicyName: 'mallory-policy', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: statements }) }, system);
    await id.AttachUserPolicy({ UserName: 'mallory', PolicyName: 'mallory-policy' }, system);
    const token = (await id.CreateApiToken({ UserName: 'mallory', TokenName: 't' }, system)).ApiToken.Token;
    const create = (name: string, input: string) => loam.app.inject({ method: 'POST', url: '/api/v1/processing-jobs', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload: JSON.stringify(job(name, input)) });
    for (const [name, input] of [['read-folder', `s3://${bucket}/datasets/protected-ds/`], ['read-prefix', `s3://${bucket}/datasets/prot`], ['read-prefix-upper', `s3://${bucket}/datasets/PROT`]] as const) {
      const r = await create(name, input);
      expect(r.statusCode, `${name}: ${r.body}`).toBe(403);
      expect(r.body, name).toContain(':dataset/');
    }
  }, 60_000);
});
