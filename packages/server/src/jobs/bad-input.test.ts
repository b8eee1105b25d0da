import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { call, trainingRequest } from './jobs.test-support.js';

// One server for the file, a new one for each of CI's retries: a retry does not meet the jobs its failed attempt
// created (ResourceInUse), and no test reads jobs another test created.
let loam: TestLoam;
let open: TestLoam | undefined;
serverPerAttempt(async () => {
  loam = open = await openTestLoam();
  // The channels hold data: each case is refused for its own reason, not for an empty prefix.
  await loam.platform.artifacts.ensureBucket('data');
  for (const key of ['train/a.csv', 't/a.csv', 'v/a.csv']) await loam.platform.artifacts.put({ bucket: 'data', key }, Buffer.from('1,2\n'));
}, async () => {
  await open?.close();
  open = undefined;
});

const base = trainingRequest('ok-name');
const cases: [string, Record<string, unknown>, RegExp][] = [
  ['invalid name', { TrainingJobName: 'bad_name!' }, /TrainingJobName/],
  ['name too long', { TrainingJobName: 'a'.repeat(64) }, /TrainingJobName/],
  ['instance count 0', { ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 0, VolumeSizeInGB: 1 } }, /resourceConfig\.instanceCount/],
  ['unknown instance type', { ResourceConfig: { InstanceType: 'ml.m5.huge', InstanceCount: 1, VolumeSizeInGB: 1 } }, /resourceConfig\.instanceType/],
  ['MaxRuntimeInSeconds 0', { StoppingCondition: { MaxRuntimeInSeconds: 0 } }, /stoppingCondition\.maxRuntimeInSeconds/],
  ['41 metric definitions', { AlgorithmSpecification: { TrainingImage: 'sagemaker-xgboost:1.7-1', TrainingInputMode: 'File', MetricDefinitions: Array.from({ length: 41 }, (_, i) => ({ Name: `m${i}`, Regex: 'x=(.*)' })) } }, /MetricDefinitions/],
  ['a metric regex that does not compile', { AlgorithmSpecification: { TrainingImage: 'sagemaker-xgboost:1.7-1', TrainingInputMode: 'File', MetricDefinitions: [{ Name: 'm', Regex: 'x=([0-9' }] } }, /algorithmSpecification\.metricDefinitions\.1\.member\.regex/],
  ['unknown image', { AlgorithmSpecification: { TrainingImage: '123.dkr.ecr.us-east-1.amazonaws.com/my-own-image:latest', TrainingInputMode: 'File' } }, /algorithmSpecification\.trainingImage/],
  ['sklearn image without sagemaker_program', { AlgorithmSpecification: { TrainingImage: 'sagemaker-scikit-learn:1.2-1-cpu-py3', TrainingInputMode: 'File' } }, /sagemaker_program/],
  ['missing train channel for xgboost', { InputDataConfig: [{ ChannelName: 'validation', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://data/v/' } } }] }, /InputDataConfig/],
  ['no channels at all for xgboost', { InputDataConfig: undefined }, /InputDataConfig/],
  ['duplicate channel', { InputDataConfig: [1, 2].map(() => ({ ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://data/t/' } } })) }, /inputDataConfig\.2\.member\.channelName/],
  ...['.', '..'].map((name): [string, Record<string, unknown>, RegExp] => [`channel named '${name}' (its folder would be input/data itself or input)`, {
    InputDataConfig: [{ ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://data/t/' } } }, { ChannelName: name, DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://data/v/' } } }],
  }, /inputDataConfig\.2\.member\.channelName.*folder/]),
  ['https data URI', { InputDataConfig: [{ ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 'https://example.com/x' } } }] }, /inputDataConfig\.1\.member\.dataSource\.s3DataSource\.s3Uri/],
  ['output path with ..', { OutputDataConfig: { S3OutputPath: 's3://models/../etc' } }, /outputDataConfig\.s3OutputPath/],
  ['bad role', { RoleArn: 'not-an-arn' }, /RoleArn/],
  ['unknown member', { Surprise: true }, /Surprise/],
  ['script path escaping the source dir', { AlgorithmSpecification: { TrainingImage: 'sagemaker-scikit-learn:1.2-1-cpu-py3', TrainingInputMode: 'File' }, HyperParameters: { sagemaker_program: '../../etc/passwd' } }, /sagemaker_program/],
  ['MaxWaitTimeInSeconds without managed spot training', { StoppingCondition: { MaxRuntimeInSeconds: 600, MaxWaitTimeInSeconds: 900 } }, /stoppingCondition\.maxWaitTimeInSeconds.*EnableManagedSpotTraining/],
  ['MaxWaitTimeInSeconds below MaxRuntimeInSeconds', { EnableManagedSpotTraining: true, StoppingCondition: { MaxRuntimeInSeconds: 600, MaxWaitTimeInSeconds: 300 } }, /stoppingCondition\.maxWaitTimeInSeconds.*greater than or equal to MaxRuntimeInSeconds \(600\)/],
  ['uncompressed model output (always model.tar.gz here)', { OutputDataConfig: { S3OutputPath: 's3://models/out', CompressionType: 'NONE' } }, /outputDataConfig\.compressionType/],
  ['a sharded channel for a built-in on two hosts (they do not train together)', {
    ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 2, VolumeSizeInGB: 1 },
    InputDataConfig: [{ ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://data/t/', S3DataDistributionType: 'ShardedByS3Key' } } }],
  }, /inputDataConfig\.1\.member\.dataSource\.s3DataSource\.s3DataDistributionType.*FullyReplicated/],
  ['a checkpoint LocalPath outside /opt/ml (it would be a directory of the machine)', { CheckpointConfig: { S3Uri: 's3://data/ckpt/', LocalPath: '/etc/cron.d' } }, /checkpointConfig\.localPath.*must be under \/opt\/ml/],
  // Pipe mode streams through /opt/ml/input/data/<channel>_<epoch> FIFOs (script and process images): another channel cannot be named like one.
  ['a channel named like a Pipe-mode channel\'s FIFO', {
    AlgorithmSpecification: { TrainingImage: 'sagemaker-scikit-learn:1.2-1-cpu-py3', TrainingInputMode: 'File' }, HyperParameters: { sagemaker_program: 'train.py' },
    InputDataConfig: [
      { ChannelName: 'train', InputMode: 'Pipe', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://data/t/' } } },
      { ChannelName: 'train_1', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://data/v/' } } },
    ],
  }, /'inputDataConfig\.2\.member\.channelName'.*Pipe mode FIFOs of channel 'train'/],
  ['too many instances for this machine', { ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 500, VolumeSizeInGB: 1 } }, /InstanceCount/],
];

describe('CreateTrainingJob refuses bad input with a 400 naming the field, and starts nothing', () => {
  it.each(cases)('%s', async (_label, over, field) => {
    const body = { ...base, ...over };
    for (const [k, v] of Object.entries(over)) if (v === undefined) delete (body as Record<string, unknown>)[k];
    const r = await call(loam, 'POST', '/api/v1/training-jobs', body);
    expect(r.status, JSON.stringify(r.body)).toBe(400);
    expect(`${r.body.detail} ${JSON.stringify(r.body.errors ?? [])}`).toMatch(field);
    const list = await call(loam, 'GET', '/api/v1/training-jobs');
    expect(list.body.TrainingJobSummaries).toEqual([]);
    expect(loam.platform.jobs.executor.used()).toBe(0);
  });

  it('a duplicate name is ResourceInUse (409 over REST) and leaves the first job untouched', async () => {
    const first = await call(loam, 'POST', '/api/v1/training-jobs', trainingRequest('dup-job'));
    expect(first.status).toBe(200);
    const again = await call(loam, 'POST', '/api/v1/training-jobs', trainingRequest('DUP-JOB'));
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('ResourceInUse');
    const stop = await call(loam, 'POST', '/api/v1/training-jobs/dup-job/stop', {});
    expect(stop.status).toBe(200);
    const d = await call(loam, 'GET', '/api/v1/training-jobs/dup-job');
    expect(d.body.TrainingJobStatus).toBe('Stopped');
    const stopAgain = await call(loam, 'POST', '/api/v1/training-jobs/dup-job/stop', {});
    expect(stopAgain.status).toBe(400);
  });

  it('Describe of a missing job is ResourceNotFound naming it', async () => {
    const r = await call(loam, 'GET', '/api/v1/training-jobs/nope');
    expect(r.status).toBe(404);
    expect(r.body.detail).toBe("Training job 'nope' does not exist.");
  });

  it('ListTrainingJobs filters, sorts and pages', async () => {
    for (const n of ['list-a', 'list-b', 'list-c', 'list-d']) expect((await call(loam, 'POST', '/api/v1/training-jobs', trainingRequest(n))).status).toBe(200);
    expect((await call(loam, 'POST', '/api/v1/training-jobs/list-c/stop', {})).status).toBe(200);
    const p1 = await call(loam, 'GET', '/api/v1/training-jobs?NameContains=LIST&SortBy=Name&SortOrder=Ascending&MaxResults=2');
    expect(p1.body.TrainingJobSummaries.map((s: { TrainingJobName: string }) => s.TrainingJobName)).toEqual(['list-a', 'list-b']);
    const p2 = await call(loam, 'GET', `/api/v1/training-jobs?NameContains=LIST&SortBy=Name&SortOrder=Ascending&MaxResults=2&NextToken=${encodeURIComponent(p1.body.NextToken)}`);
    expect(p2.body.TrainingJobSummaries.map((s: { TrainingJobName: string }) => s.TrainingJobName)).toEqual(['list-c', 'list-d']);
    expect(p2.body.NextToken).toBeUndefined();
    // Other tests' jobs may share the server: the filter answers this test's stopped job and none of its others.
    const stopped = await call(loam, 'GET', '/api/v1/training-jobs?StatusEquals=Stopped');
    const stoppedNames = stopped.body.TrainingJobSummaries.map((s: { TrainingJobName: string }) => s.TrainingJobName);
    expect(stoppedNames).toContain('list-c');
    expect(stoppedNames.filter((n: string) => n.startsWith('list-'))).toEqual(['list-c']);
    expect(stopped.body.TrainingJobSummaries.map((s: { TrainingJobStatus: string }) => s.TrainingJobStatus)).toEqual(stoppedNames.map(() => 'Stopped'));
    // Loam keeps no warm pools: no job has a warm pool status, so the filter matches none (SageMaker's answer for such jobs).
    for (const w of ['Available', 'InUse', 'Reused', 'Terminated']) {
      const r = await call(loam, 'GET', `/api/v1/training-jobs?WarmPoolStatusEquals=${w}`);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.TrainingJobSummaries).toEqual([]);
    }
    expect((await call(loam, 'GET', '/api/v1/training-jobs?WarmPoolStatusEquals=Warm')).status).toBe(400);
    expect((await call(loam, 'GET', '/api/v1/training-jobs/list-a')).body.TuningJobArn).toBeUndefined();
  });
});
