import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { storageAccess } from './storage-access.js';

describe('storageAccess', () => {
  it('finds every s3:// string in an input: outputs and destinations are written, checkpoints both, the rest read; Tags are not addresses', () => {
    expect(storageAccess({
      InputDataConfig: [{ ChannelName: 'train', DataSource: { S3DataSource: { S3Uri: 's3://a/train/' } } }],
      HyperParameters: { sagemaker_submit_directory: 's3://a/code/sourcedir.tar.gz', lr: '0.1' },
      OutputDataConfig: { S3OutputPath: 's3://b/out' },
      CheckpointConfig: { S3Uri: 's3://c/ckpt' },
      Tags: [{ Key: 'from', Value: 's3://x/y' }],
    })).toEqual([
      { action: 's3:GetObject', resource: 'arn:loam:s3:::a/train/', field: 'InputDataConfig.0.DataSource.S3DataSource.S3Uri' },
      { action: 's3:GetObject', resource: 'arn:loam:s3:::a/code/sourcedir.tar.gz', field: 'HyperParameters.sagemaker_submit_directory' },
      { action: 's3:PutObject', resource: 'arn:loam:s3:::b/out', field: 'OutputDataConfig.S3OutputPath' },
      { action: 's3:GetObject', resource: 'arn:loam:s3:::c/ckpt', field: 'CheckpointConfig.S3Uri' },
      { action: 's3:PutObject', resource: 'arn:loam:s3:::c/ckpt', field: 'CheckpointConfig.S3Uri' },
    ]);
    expect(storageAccess({ Name: 'e', ArtifactLocation: 's3://b/mlruns' }).map((a) => a.action)).toEqual(['s3:GetObject', 's3:PutObject']);
    expect(storageAccess({ ProcessingOutputConfig: { Outputs: [{ S3Output: { S3Uri: 's3://b/p' } }] }, DataCaptureConfig: { DestinationS3Uri: 's3://b/cap' } }).map((a) => a.action)).toEqual(['s3:PutObject', 's3:PutObject']);
  });
});

// reliability.md S2, another tenant's objects: a user allowed every SageMaker action but S3 only on
// their own bucket could read any bucket through a job, a model or a dataset import, because Loam
// stages data with its own access to the store. Now the caller's own S3 rights are checked.
describe('operations that name storage need the caller\'s S3 rights on it', () => {
  let loam: TestLoam;
  let bob: string;
  const ctx = { principal: { userName: 'admin', userId: 'a', arn: 'arn:loam:iam::000000000000:user/admin', via: 'system' as const }, requestId: 't' };
  beforeAll(async () => {
    loam = await openTestLoam();
    const id = loam.platform.identity;
    await id.CreateUser({ UserName: 'bob' }, ctx);
    await id.CreatePolicy({
      PolicyName: 'bob-own-bucket',
      PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [
        { Effect: 'Allow', Action: 'sagemaker:*', Resource: '*' },
        { Effect: 'Allow', Action: 's3:*', Resource: ['arn:loam:s3:::bob-data', 'arn:loam:s3:::bob-data/*'] },
      ] }),
    }, ctx);
    await id.AttachUserPolicy({ UserName: 'bob', PolicyName: 'bob-own-bucket' }, ctx);
    bob = (await id.CreateApiToken({ UserName: 'bob', TokenName: 't' }, ctx)).ApiToken.Token;
  });
  afterAll(() => loam?.close());

  const post = (url: string, body: object, token = bob) =>
    loam.app.inject({ method: 'POST', url, headers: { host: '127.0.0.1:7717', authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload: JSON.stringify(body) });
  const training = (input: string, output: string) => ({
    TrainingJobName: `t-${Math.random().toString(36).slice(2, 8)}`, RoleArn: 'arn:aws:iam::000000000000:role/x',
    AlgorithmSpecification: { TrainingImage: '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1', TrainingInputMode: 'File' },
    HyperParameters: { num_round: '2' },
    InputDataConfig: [{ ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: input } } }],
    OutputDataConfig: { S3OutputPath: output }, ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 5 },
    StoppingCondition: { MaxRuntimeInSeconds: 60 },
  });

  it.each([
    ['a training channel in another bucket', '/api/v1/training-jobs', () => training('s3://alice-data/secret/', 's3://bob-data/out'), 's3:GetObject on resource: arn:loam:s3:::alice-data/secret/'],
    ['a training output in another bucket', '/api/v1/training-jobs', () => training('s3://bob-data/train/', 's3://alice-data/out'), 's3:PutObject on resource: arn:loam:s3:::alice-data/out'],
    ['a ModelDataUrl in another bucket', '/api/v1/models', () => ({ ModelName: 'm-steal', ExecutionRoleArn: 'arn:aws:iam::000000000000:role/x', PrimaryContainer: { Image: '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1', ModelDataUrl: 's3://alice-data/model.tar.gz' } }), 's3:GetObject on resource: arn:loam:s3:::alice-data/model.tar.gz'],
    ['a dataset import from another bucket', '/api/v1/datasets/d-steal/versions', () => ({ SourceUri: 's3://alice-data/secret.csv' }), 's3:GetObject on resource: arn:loam:s3:::alice-data/secret.csv'],
  ])('%s → 403 AccessDeniedException naming the S3 action and object', async (_what, url, body, detail) => {
    const res = await post(url, body());
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('AccessDeniedException');
    expect(res.json().detail).toContain(`User: arn:loam:iam::000000000000:user/bob is not authorized to perform: ${detail}`);
  });

  it('storage in the caller\'s own bucket passes the check (and the admin\'s anywhere)', async () => {
    const own = await post('/api/v1/training-jobs', training('s3://bob-data/train/', 's3://bob-data/out'));
    expect(own.json().code).not.toBe('AccessDeniedException');
    const admin = await post('/api/v1/training-jobs', training('s3://alice-data/secret/', 's3://alice-data/out'), loam.adminToken);
    expect(admin.json().code).not.toBe('AccessDeniedException');
  });
});
