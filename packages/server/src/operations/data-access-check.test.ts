import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobsCollection } from '@loam/core';
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
  await loam.platform.artifacts.put({ bucket: 'team', key: 'models/model.tar.gz' }, Buffer.from('not really a model'));
  for (const b of ['team', 'other']) await loam.platform.artifacts.put({ bucket: b, key: 'train/train.csv' }, Buffer.from('1,2\n'));
  expect((await alice('POST', '/api/v1/model-package-groups', { ModelPackageGroupName: 'alices' })).status).toBe(200);
  const pkg = await alice('POST', '/api/v1/model-packages', {
    ModelPackageGroupName: 'alices',
    InferenceSpecification: { Containers: [{ Image: 'sagemaker-xgboost:1.7-1', ModelDataUrl: 's3://team/models/model.tar.gz' }], SupportedContentTypes: ['text/csv'], SupportedResponseMIMETypes: ['text/csv'] },
  });
  expect(pkg.status, JSON.stringify(pkg.body)).toBe(200);
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
    const r = await alice('POST', '/api/v1/training-jobs', teamTraining('alice-ok', {
      CheckpointConfig: { S3Uri: 's3://team/ckpt' }, TensorBoardOutputConfig: { S3OutputPath: 's3://team/tb' }, DebugHookConfig: { S3OutputPath: 's3://team/dbg/' },
    }));
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
    ['a TensorBoard output path in another bucket (written under <job>/tensorboard-output/)', { TensorBoardOutputConfig: { S3OutputPath: 's3://other/tb' } },
      /s3:PutObject on resource: arn:loam:s3:::other\/tb\/refused-7\/tensorboard-output\/\* \(\/TensorBoardOutputConfig\/S3OutputPath/],
    ['a Debugger hook output path in another bucket (written under <job>/debug-output/)', { DebugHookConfig: { S3OutputPath: 's3://other/dbg' } },
      /s3:PutObject on resource: arn:loam:s3:::other\/dbg\/refused-8\/debug-output\/\* \(\/DebugHookConfig\/S3OutputPath/],
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

  it('reads a ManifestFile, refuses one whose prefix lies outside what the caller may read, and holds the job to the prefix it checked', async () => {
    const put = (key: string, body: string | Buffer) => loam.platform.artifacts.put({ bucket: 'team', key: `manifests/${key}` }, Buffer.from(body));
    await put('ok.json', JSON.stringify([{ prefix: 's3://team/train/' }, 'a.csv']));
    await put('escape.json', JSON.stringify([{ prefix: 's3://other/data/' }, 'a.csv']));
    // The runner decodes UTF-8 with a BOM dropped; so does the check.
    await put('bom.json', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify([{ prefix: 's3://other/data/' }, 'a.csv']))]));
    await put('not-json.json', 'prefix: s3://other/data/');
    const manifest = (key: string) => [{ ChannelName: 'train', ContentType: 'text/csv', DataSource: { S3DataSource: { S3DataType: 'ManifestFile', S3Uri: `s3://team/manifests/${key}` } } }];
    const ok = await alice('POST', '/api/v1/training-jobs', teamTraining('manifest-ok', { InputDataConfig: manifest('ok.json') }));
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    const record = await loam.platform.store.collection(jobsCollection).get('training-job/manifest-ok');
    expect(record?.value.spec.channels[0]).toMatchObject({ s3Uri: 's3://team/manifests/ok.json', manifestPrefix: 's3://team/train/' });
    const processing = await alice('POST', '/api/v1/processing-jobs', {
      ProcessingJobName: 'p-manifest', RoleArn: 'arn:aws:iam::000000000000:role/LoamTests',
      AppSpecification: { ImageUri: 'sagemaker-scikit-learn:1.2-1-cpu-py3', ContainerEntrypoint: ['python3', 'x.py'] },
      ProcessingInputs: [{ InputName: 'data', S3Input: { S3Uri: 's3://team/manifests/ok.json', LocalPath: '/opt/ml/processing/input', S3DataType: 'ManifestFile' } }],
      ProcessingResources: { ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.t3.medium', VolumeSizeInGB: 1 } },
    });
    expect(processing.status, JSON.stringify(processing.body)).toBe(200);
    const p = await loam.platform.store.collection(jobsCollection).get('processing-job/p-manifest');
    expect(p?.value.spec.channels[0]).toMatchObject({ manifestPrefix: 's3://team/train/' });
    for (const key of ['escape.json', 'bom.json']) {
      const r = await alice('POST', '/api/v1/training-jobs', teamTraining(`manifest-${key.split('.')[0]}`, { InputDataConfig: manifest(key) }));
      expect(r.status, key).toBe(403);
      expect(r.body.detail).toMatch(/s3:GetObject on resource: arn:loam:s3:::other\/data\/\* \(\/InputDataConfig\/0\/DataSource\/S3DataSource\/S3Uri \(its "prefix"\)/);
    }
    // A manifest that cannot be checked (missing — it could be written later — or not a manifest) is refused.
    for (const [key, why] of [['later.json', /does not exist/], ['not-json.json', /is not JSON/]] as const) {
      const r = await alice('POST', '/api/v1/training-jobs', teamTraining(`manifest-${key.split('.')[0]}`, { InputDataConfig: manifest(key) }));
      expect(r.status, key).toBe(400);
      expect(r.body.detail).toMatch(why);
    }
  });

  it("a tuning job's training jobs are held to the manifest prefix checked when the tuning job was created", async () => {
    const r = await alice('POST', '/api/v1/tuning-jobs', {
      HyperParameterTuningJobName: 'tune-manifest',
      HyperParameterTuningJobConfig: { Strategy: 'Random', ResourceLimits: { MaxNumberOfTrainingJobs: 1, MaxParallelTrainingJobs: 1 }, HyperParameterTuningJobObjective: { Type: 'Maximize', MetricName: 'validation:auc' },
        ParameterRanges: { ContinuousParameterRanges: [{ Name: 'eta', MinValue: '0.1', MaxValue: '0.5' }] } },
      TrainingJobDefinition: {
        AlgorithmSpecification: { TrainingImage: 'sagemaker-xgboost:1.7-1', TrainingInputMode: 'File' }, RoleArn: 'arn:aws:iam::000000000000:role/LoamTests',
        StaticHyperParameters: { num_round: '5', objective: 'binary:logistic', eval_metric: 'auc' },
        InputDataConfig: [{ ChannelName: 'train', ContentType: 'text/csv', DataSource: { S3DataSource: { S3DataType: 'ManifestFile', S3Uri: 's3://team/manifests/ok.json' } } }],
        OutputDataConfig: { S3OutputPath: 's3://team/tuning' },
        ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 1 }, StoppingCondition: { MaxRuntimeInSeconds: 60 },
      },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    loam.platform.tuning.driver.start();
    let names: string[] = [];
    for (const t0 = Date.now(); names.length === 0; await new Promise((res) => setTimeout(res, 200))) {
      if (Date.now() - t0 > 30_000) throw new Error('no training job started for the tuning job in 30 s');
      const l = await loam.app.inject({ method: 'GET', url: '/api/v1/tuning-jobs/tune-manifest/training-jobs', headers: { authorization: `Bearer ${aliceToken}` } });
      names = (l.json().TrainingJobSummaries as { TrainingJobName: string }[]).map((x) => x.TrainingJobName);
    }
    const record = await loam.platform.store.collection(jobsCollection).get(`training-job/${names[0] as string}`);
    expect(record?.value.spec.channels[0]).toMatchObject({ s3Uri: 's3://team/manifests/ok.json', manifestPrefix: 's3://team/train/' });
  });

  it('decodes sagemaker_submit_directory as the runner does (whitespace around the JSON string included)', async () => {
    const r = await alice('POST', '/api/v1/training-jobs', teamTraining('ws-source', {
      AlgorithmSpecification: { TrainingImage: 'sagemaker-scikit-learn:1.2-1-cpu-py3', TrainingInputMode: 'File' },
      HyperParameters: { sagemaker_program: 'train.py', sagemaker_submit_directory: ' "s3://other/src/sourcedir.tar.gz"\n' },
    }));
    expect(r.status).toBe(403);
    expect(r.body.detail).toMatch(/arn:loam:s3:::other\/src\/sourcedir\.tar\.gz/);
  });

  it("CreateModel from a model package: the caller must be allowed to read the package's model data", async () => {
    await loam.platform.artifacts.put({ bucket: 'other', key: 'models/model.tar.gz' }, Buffer.from('not really a model'));
    expect((await admin('POST', '/api/v1/model-package-groups', { ModelPackageGroupName: 'others' })).status).toBe(200);
    const pkg = await admin('POST', '/api/v1/model-packages', {
      ModelPackageGroupName: 'others', ModelApprovalStatus: 'Approved',
      InferenceSpecification: { Containers: [{ Image: 'sagemaker-xgboost:1.7-1', ModelDataUrl: 's3://other/models/model.tar.gz' }], SupportedContentTypes: ['text/csv'], SupportedResponseMIMETypes: ['text/csv'] },
    });
    expect(pkg.status, JSON.stringify(pkg.body)).toBe(200);
    const r = await alice('POST', '/api/v1/models', { ModelName: 'from-others', PrimaryContainer: { ModelPackageName: pkg.body.ModelPackageArn } });
    expect(r.status, JSON.stringify(r.body)).toBe(403);
    expect(r.body.detail).toMatch(/s3:GetObject on resource: arn:loam:s3:::other\/models\/model\.tar\.gz \(\/PrimaryContainer\/ModelPackageName \(arn:loam:sagemaker:[^)]*model-package\/others\/1\)\/ModelDataUrl/);
    expect((await admin('POST', '/api/v1/models', { ModelName: 'from-others', PrimaryContainer: { ModelPackageName: pkg.body.ModelPackageArn } })).status).toBe(200);
  });

  it('lets an administrator (AdministratorAccess) name any bucket, and any manifest (not read), as before', async () => {
    const r = await admin('POST', '/api/v1/training-jobs', teamTraining('admin-other', { InputDataConfig: [{ ChannelName: 'train', ContentType: 'text/csv', DataSource: s3Prefix('s3://other/train/') }], OutputDataConfig: { S3OutputPath: 's3://other/out' } }));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const later = [{ ChannelName: 'train', ContentType: 'text/csv', DataSource: { S3DataSource: { S3DataType: 'ManifestFile', S3Uri: 's3://other/manifests/written-later.json' } } }];
    expect((await admin('POST', '/api/v1/training-jobs', teamTraining('admin-manifest', { InputDataConfig: later }))).status).toBe(200);
  });

  it('refuses a training or transform input with no object under it (SageMaker\'s words, the input path), only once every location is authorized', async () => {
    const emptyChannel = (uri: string) => ({ InputDataConfig: [{ ChannelName: 'train', ContentType: 'text/csv', DataSource: s3Prefix(uri) }] });
    const own = await alice('POST', '/api/v1/training-jobs', teamTraining('alice-empty', emptyChannel('s3://team/nothing-here/')));
    expect(own.status, JSON.stringify(own.body)).toBe(400);
    expect(own.body.detail).toBe('No S3 objects found under S3 URL "s3://team/nothing-here/" given in input data source (/InputDataConfig/0/DataSource/S3DataSource/S3Uri). Please ensure that the bucket exists and that objects exist under that S3 prefix.');
    // A key prefix, not a folder: `train` holds train/train.csv.
    expect((await alice('POST', '/api/v1/training-jobs', teamTraining('alice-key-prefix', emptyChannel('s3://team/train')))).status).toBe(200);
    // Another bucket's emptiness is not told to a caller who may not read it; an empty channel does not hide a refused output.
    expect((await alice('POST', '/api/v1/training-jobs', teamTraining('alice-other-empty', emptyChannel('s3://other/nothing-here/')))).status).toBe(403);
    expect((await alice('POST', '/api/v1/training-jobs', teamTraining('alice-empty-out', { ...emptyChannel('s3://team/nothing-here/'), OutputDataConfig: { S3OutputPath: 's3://other/out' } }))).status).toBe(403);
    const noBucket = await admin('POST', '/api/v1/training-jobs', teamTraining('admin-no-bucket', emptyChannel('s3://no-such-bucket/train/')));
    expect(noBucket.status).toBe(400);
    expect(noBucket.body.detail).toMatch(/^No S3 objects found under S3 URL "s3:\/\/no-such-bucket\/train\/"/);
    const transform = await alice('POST', '/api/v1/transform-jobs', {
      TransformJobName: 'alice-empty-batch', ModelName: 'any',
      TransformInput: { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://team/nothing-here/' } } },
      TransformOutput: { S3OutputPath: 's3://team/batch-out' }, TransformResources: { InstanceType: 'ml.m5.large', InstanceCount: 1 },
    });
    expect(transform.status, JSON.stringify(transform.body)).toBe(400);
    expect(transform.body.detail).toMatch(/\(\/TransformInput\/DataSource\/S3DataSource\/S3Uri\)/);
    for (const name of ['alice-empty', 'alice-other-empty', 'alice-empty-out', 'admin-no-bucket']) expect((await loam.app.inject({ method: 'GET', url: `/api/v1/training-jobs/${name}`, headers: { authorization: `Bearer ${loam.adminToken}` } })).statusCode).toBe(404);
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
    ['CreateHyperParameterTuningJob tuned source archive (in the config’s ParameterRanges, JSON-encoded)', 'POST', '/api/v1/tuning-jobs', {
      HyperParameterTuningJobName: 'tune-src',
      HyperParameterTuningJobConfig: { Strategy: 'Random', ResourceLimits: { MaxNumberOfTrainingJobs: 2, MaxParallelTrainingJobs: 1 }, HyperParameterTuningJobObjective: { Type: 'Maximize', MetricName: 'validation:auc' },
        ParameterRanges: { CategoricalParameterRanges: [{ Name: 'sagemaker_submit_directory', Values: ['"s3://team/src/a.tar.gz"', '"s3://other/src/b.tar.gz"'] }] } },
      TrainingJobDefinition: {
        AlgorithmSpecification: { TrainingImage: 'sagemaker-scikit-learn:1.2-1-cpu-py3', TrainingInputMode: 'File' }, RoleArn: 'arn:aws:iam::000000000000:role/LoamTests',
        StaticHyperParameters: { sagemaker_program: 'train.py' },
        OutputDataConfig: { S3OutputPath: 's3://team/tuning' },
        ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 1 }, StoppingCondition: { MaxRuntimeInSeconds: 60 },
      },
    }, /s3:GetObject on resource: arn:loam:s3:::other\/src\/b\.tar\.gz \(\/HyperParameterTuningJobConfig\/ParameterRanges\/CategoricalParameterRanges\/0\/Values\/1/],
    ['CreateEndpointConfig capture destination with slashes a writer trims (checked as written: team/<endpoint>/…)', 'POST', '/api/v1/endpoint-configs', {
      EndpointConfigName: 'ec-slashes',
      ProductionVariants: [{ VariantName: 'v', ModelName: 'm', InitialInstanceCount: 1, InstanceType: 'ml.m5.large' }],
      DataCaptureConfig: { EnableCapture: true, InitialSamplingPercentage: 100, DestinationS3Uri: 's3://team//', CaptureOptions: [{ CaptureMode: 'Input' }] },
    }, /s3:PutObject on resource: arn:loam:s3:::team\/\* with an explicit deny \(\/DataCaptureConfig\/DestinationS3Uri/],
    ['CreateModel script-mode source archive', 'POST', '/api/v1/models', {
      ModelName: 'm-src', ExecutionRoleArn: 'arn:aws:iam::000000000000:role/LoamTests',
      PrimaryContainer: { Image: 'sagemaker-scikit-learn:1.2-1-cpu-py3', ModelDataUrl: 's3://team/models/model.tar.gz', Environment: { SAGEMAKER_PROGRAM: 'inference.py', SAGEMAKER_SUBMIT_DIRECTORY: 's3://team/secret/src.tar.gz' } },
    }, /s3:GetObject on resource: arn:loam:s3:::team\/secret\/src\.tar\.gz with an explicit deny \(\/PrimaryContainer\/Environment\/SAGEMAKER_SUBMIT_DIRECTORY/],
    ['UpdateModelPackage moving the model data', 'POST', '/api/v1/model-packages/update', {
      ModelPackageArn: 'arn:loam:sagemaker:us-east-1:000000000000:model-package/alices/1',
      InferenceSpecification: { Containers: [{ Image: 'sagemaker-xgboost:1.7-1', ModelDataUrl: 's3://other/models/model.tar.gz' }], SupportedContentTypes: ['text/csv'], SupportedResponseMIMETypes: ['text/csv'] },
    }, /s3:GetObject on resource: arn:loam:s3:::other\/models\/model\.tar\.gz \(\/InferenceSpecification\/Containers\/0\/ModelDataUrl/],
    ['CreateMlflowExperiment (native) artifact location', 'POST', '/api/v1/mlflow/experiments', { Name: 'native-other', ArtifactLocation: 's3://other/mlruns' },
      /s3:GetObject on resource: arn:loam:s3:::other\/mlruns\/\* \(\/ArtifactLocation/],
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
