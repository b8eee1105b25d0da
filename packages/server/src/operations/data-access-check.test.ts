import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { trainingRequest } from '../jobs/jobs.test-support.js';

// A user who may do anything in SageMaker but reach only the `team` bucket, and not team/secret/.
const policy = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: 'sagemaker:*', Resource: '*' },
    { Effect: 'Allow', Action: 's3:*', Resource: 'arn:loam:s3:::team/*' },
    { Effect: 'Deny', Action: 's3:*', Resource: 'arn:loam:s3:::team/secret/*' },
  ],
};

let loam: TestLoam;
let aliceToken: string;

beforeAll(async () => {
  loam = await openTestLoam();
  const id = loam.platform.identity;
  const ctx = { principal: { userName: 'admin', userId: 'x', arn: 'x', via: 'system' as const }, requestId: 'r' };
  await id.CreateUser({ UserName: 'alice' }, ctx);
  await id.CreatePolicy({ PolicyName: 'TeamBucketOnly', PolicyDocument: JSON.stringify(policy) }, ctx);
  await id.AttachUserPolicy({ UserName: 'alice', PolicyName: 'TeamBucketOnly' }, ctx);
  aliceToken = (await id.CreateApiToken({ UserName: 'alice', TokenName: 't' }, ctx)).ApiToken.Token;
  for (const b of ['team', 'other']) await loam.platform.artifacts.ensureBucket(b);
});
afterAll(async () => {
  await loam?.close();
});

async function as(token: string, method: 'POST' | 'PUT', url: string, payload: unknown): Promise<{ status: number; body: any }> {
  const r = await loam.app.inject({ method, url, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload: JSON.stringify(payload) });
  return { status: r.statusCode, body: r.json() };
}
const alice = (method: 'POST' | 'PUT', url: string, payload: unknown) => as(aliceToken, method, url, payload);
const admin = (method: 'POST' | 'PUT', url: string, payload: unknown) => as(loam.adminToken, method, url, payload);

const s3Prefix = (uri: string) => ({ S3DataSource: { S3DataType: 'S3Prefix', S3Uri: uri } });
const teamTraining = (name: string, over: Record<string, unknown> = {}) => trainingRequest(name, {
  InputDataConfig: [{ ChannelName: 'train', ContentType: 'text/csv', DataSource: s3Prefix('s3://team/train/') }],
  OutputDataConfig: { S3OutputPath: 's3://team/out' },
  ...over,
});

describe("a request is refused (403) when the caller may not read or write an S3 location Loam would reach for them", () => {
  it('takes a training job whose every location is the caller’s', async () => {
    const r = await alice('POST', '/api/v1/training-jobs', teamTraining('alice-ok', { CheckpointConfig: { S3Uri: 's3://team/ckpt' } }));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
  });

  const refused: [string, Record<string, unknown>, RegExp][] = [
    ['a channel in another bucket', { InputDataConfig: [{ ChannelName: 'train', DataSource: s3Prefix('s3://other/train/') }] },
      /not authorized to perform: s3:GetObject on resource: arn:loam:s3:::other\/train\/\* \(\/InputDataConfig\/0\/DataSource\/S3DataSource\/S3Uri/],
    ['a channel over a denied sub-prefix (the whole bucket)', { InputDataConfig: [{ ChannelName: 'train', DataSource: s3Prefix('s3://team/') }] },
      /s3:GetObject on resource: arn:loam:s3:::team\/\* with an explicit deny/],
    ['a channel inside the denied sub-prefix', { InputDataConfig: [{ ChannelName: 'train', DataSource: s3Prefix('s3://team/secret/x.csv') }] }, /explicit deny/],
    ['an output path in another bucket', { OutputDataConfig: { S3OutputPath: 's3://other/out' } },
      /s3:PutObject on resource: arn:loam:s3:::other\/out\/refused-4\/\* \(\/OutputDataConfig\/S3OutputPath/],
    ['a checkpoint location in another bucket', { CheckpointConfig: { S3Uri: 's3://other/ckpt' } }, /s3:GetObject on resource: arn:loam:s3:::other\/ckpt\/\* \(\/CheckpointConfig\/S3Uri/],
    ['a source archive in another bucket (JSON-encoded, as the SageMaker SDK sends it)', {
      AlgorithmSpecification: { TrainingImage: 'sagemaker-scikit-learn:1.2-1-cpu-py3', TrainingInputMode: 'File' },
      HyperParameters: { sagemaker_program: '"train.py"', sagemaker_submit_directory: '"s3://other/src/sourcedir.tar.gz"' },
    }, /s3:GetObject on resource: arn:loam:s3:::other\/src\/sourcedir\.tar\.gz \(\/HyperParameters\/sagemaker_submit_directory/],
  ];
  it.each(refused.map((c, i) => [...c, i] as const))('training job: %s', async (_what, over, message, i) => {
    const name = `refused-${i + 1}`;
    const r = await alice('POST', '/api/v1/training-jobs', teamTraining(name, over));
    expect(r.status, JSON.stringify(r.body)).toBe(403);
    expect(r.body.code).toMatch(/AccessDenied/);
    expect(r.body.detail).toMatch(message);
    // Nothing was stored.
    const d = await loam.app.inject({ method: 'GET', url: `/api/v1/training-jobs/${name}`, headers: { authorization: `Bearer ${aliceToken}` } });
    expect(d.statusCode).toBe(404);
  });

  it('reads a ManifestFile and refuses one whose prefix lies outside what the caller may read', async () => {
    await loam.platform.artifacts.put({ bucket: 'team', key: 'manifests/ok.json' }, Buffer.from(JSON.stringify([{ prefix: 's3://team/train/' }, 'a.csv'])));
    await loam.platform.artifacts.put({ bucket: 'team', key: 'manifests/escape.json' }, Buffer.from(JSON.stringify([{ prefix: 's3://other/data/' }, 'a.csv'])));
    const manifest = (key: string) => [{ ChannelName: 'train', ContentType: 'text/csv', DataSource: { S3DataSource: { S3DataType: 'ManifestFile', S3Uri: `s3://team/manifests/${key}` } } }];
    expect((await alice('POST', '/api/v1/training-jobs', teamTraining('manifest-ok', { InputDataConfig: manifest('ok.json') }))).status).toBe(200);
    const r = await alice('POST', '/api/v1/training-jobs', teamTraining('manifest-escape', { InputDataConfig: manifest('escape.json') }));
    expect(r.status).toBe(403);
    expect(r.body.detail).toMatch(/s3:GetObject on resource: arn:loam:s3:::other\/data\/\* \(\/InputDataConfig\/0\/DataSource\/S3DataSource\/S3Uri \(its "prefix"\)/);
  });

  it('lets an administrator (AdministratorAccess) name any bucket, as before', async () => {
    const r = await admin('POST', '/api/v1/training-jobs', teamTraining('admin-other', { InputDataConfig: [{ ChannelName: 'train', ContentType: 'text/csv', DataSource: s3Prefix('s3://other/train/') }], OutputDataConfig: { S3OutputPath: 's3://other/out' } }));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
  });

  const otherOps: [string, 'POST' | 'PUT', string, Record<string, unknown>, RegExp][] = [
    ['CreateProcessingJob input', 'POST', '/api/v1/processing-jobs', {
      ProcessingJobName: 'p-in', RoleArn: 'arn:aws:iam::000000000000:role/LoamTests',
      AppSpecification: { ImageUri: 'sagemaker-scikit-learn:1.2-1-cpu-py3', ContainerEntrypoint: ['python3', 'x.py'] },
      ProcessingInputs: [{ InputName: 'data', S3Input: { S3Uri: 's3://other/raw/', LocalPath: '/opt/ml/processing/input', S3DataType: 'S3Prefix' } }],
      ProcessingResources: { ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.t3.medium', VolumeSizeInGB: 1 } },
    }, /s3:GetObject on resource: arn:loam:s3:::other\/raw\/\* \(\/ProcessingInputs\/0\/S3Input\/S3Uri/],
    ['CreateProcessingJob output', 'POST', '/api/v1/processing-jobs', {
      ProcessingJobName: 'p-out', RoleArn: 'arn:aws:iam::000000000000:role/LoamTests',
      AppSpecification: { ImageUri: 'sagemaker-scikit-learn:1.2-1-cpu-py3', ContainerEntrypoint: ['python3', 'x.py'] },
      ProcessingOutputConfig: { Outputs: [{ OutputName: 'o', S3Output: { S3Uri: 's3://other/processed', LocalPath: '/opt/ml/processing/output', S3UploadMode: 'EndOfJob' } }] },
      ProcessingResources: { ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.t3.medium', VolumeSizeInGB: 1 } },
    }, /s3:PutObject on resource: arn:loam:s3:::other\/processed\/\* \(\/ProcessingOutputConfig\/Outputs\/0\/S3Output\/S3Uri/],
    ['CreateTransformJob output', 'POST', '/api/v1/transform-jobs', {
      TransformJobName: 't-out', ModelName: 'm',
      TransformInput: { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://team/batch/' } } },
      TransformOutput: { S3OutputPath: 's3://other/batch-out' },
      TransformResources: { InstanceType: 'ml.m5.large', InstanceCount: 1 },
    }, /s3:PutObject on resource: arn:loam:s3:::other\/batch-out\/\* \(\/TransformOutput\/S3OutputPath/],
    ['CreateModel artifact', 'POST', '/api/v1/models', {
      ModelName: 'm-other', ExecutionRoleArn: 'arn:aws:iam::000000000000:role/LoamTests',
      PrimaryContainer: { Image: 'sagemaker-xgboost:1.7-1', ModelDataUrl: 's3://other/models/model.tar.gz' },
    }, /s3:GetObject on resource: arn:loam:s3:::other\/models\/model\.tar\.gz \(\/PrimaryContainer\/ModelDataUrl/],
    ['CreateEndpointConfig capture destination', 'POST', '/api/v1/endpoint-configs', {
      EndpointConfigName: 'ec-other',
      ProductionVariants: [{ VariantName: 'v', ModelName: 'm', InitialInstanceCount: 1, InstanceType: 'ml.m5.large' }],
      DataCaptureConfig: { EnableCapture: true, InitialSamplingPercentage: 100, DestinationS3Uri: 's3://other/capture', CaptureOptions: [{ CaptureMode: 'Input' }] },
    }, /s3:PutObject on resource: arn:loam:s3:::other\/capture\/\* \(\/DataCaptureConfig\/DestinationS3Uri/],
    ['ImportDatasetVersion source', 'POST', '/api/v1/datasets/ds/versions', { SourceUri: 's3://other/data.csv' },
      /s3:GetObject on resource: arn:loam:s3:::other\/data\.csv \(\/SourceUri/],
    ['CreateFlow destination', 'POST', '/api/v1/flows', {
      FlowName: 'f-other', Definition: { formatVersion: 1, nodes: [{ id: 'd', type: 'destination', inputs: [], output: { s3Uri: 's3://other/flow/out.parquet' } }] },
    }, /s3:PutObject on resource: arn:loam:s3:::other\/flow\/out\.parquet\* \(\/Definition\/nodes\/0\/output\/s3Uri/],
    ['CreateHyperParameterTuningJob output', 'POST', '/api/v1/tuning-jobs', {
      HyperParameterTuningJobName: 'tune-other',
      HyperParameterTuningJobConfig: { Strategy: 'Random', ResourceLimits: { MaxNumberOfTrainingJobs: 2, MaxParallelTrainingJobs: 1 }, HyperParameterTuningJobObjective: { Type: 'Maximize', MetricName: 'validation:auc' },
        ParameterRanges: { ContinuousParameterRanges: [{ Name: 'eta', MinValue: '0.1', MaxValue: '0.5' }] } },
      TrainingJobDefinition: {
        AlgorithmSpecification: { TrainingImage: 'sagemaker-xgboost:1.7-1', TrainingInputMode: 'File' }, RoleArn: 'arn:aws:iam::000000000000:role/LoamTests',
        StaticHyperParameters: { num_round: '5' },
        InputDataConfig: [{ ChannelName: 'train', DataSource: s3Prefix('s3://team/train/') }],
        OutputDataConfig: { S3OutputPath: 's3://other/tuning' },
        ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 1 }, StoppingCondition: { MaxRuntimeInSeconds: 60 },
      },
    }, /s3:PutObject on resource: arn:loam:s3:::other\/tuning\/tune-other-\* \(\/TrainingJobDefinition\/OutputDataConfig\/S3OutputPath/],
  ];
  it.each(otherOps)('%s', async (_what, method, url, payload, message) => {
    const r = await alice(method, url, payload);
    expect(r.status, JSON.stringify(r.body)).toBe(403);
    expect(r.body.detail).toMatch(message);
  });

  it("MLflow: an experiment's s3:// artifact location must be the caller's to read, write and delete", async () => {
    const create = (name: string, loc: string) => loam.app.inject({ method: 'POST', url: '/api/2.0/mlflow/experiments/create', headers: { authorization: `Bearer ${aliceToken}`, 'content-type': 'application/json' }, payload: JSON.stringify({ name, artifact_location: loc }) });
    expect((await create('team-exp', 's3://team/mlruns')).statusCode).toBe(200);
    const r = await create('other-exp', 's3://other/mlruns');
    expect(r.statusCode).toBe(403);
    expect(r.json()).toMatchObject({ error_code: 'PERMISSION_DENIED', message: expect.stringMatching(/s3:GetObject on resource: arn:loam:s3:::other\/mlruns\/\* \(\/artifact_location/) });
    const d = await loam.app.inject({ method: 'GET', url: '/api/2.0/mlflow/experiments/get-by-name?experiment_name=other-exp', headers: { authorization: `Bearer ${aliceToken}` } });
    expect(d.statusCode).toBe(404);
  });
});
