import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { call, fixtures, role, waitForProcessingJob } from './jobs.test-support.js';

let loam: TestLoam;

async function start(): Promise<void> {
  loam = await openTestLoam();
  const a = loam.platform.artifacts;
  await a.ensureBucket('data');
  await a.put({ bucket: 'data', key: 'raw/a.csv' }, Buffer.from('1,a\n2,b\n3,c\n'));
  await a.put({ bucket: 'data', key: 'raw/b.csv' }, Buffer.from('4,d\n5,e\n'));
  await a.put({ bucket: 'data', key: 'code/preprocess.py' }, readFileSync(join(fixtures, 'scripts/preprocess.py')));
  await loam.platform.jobs.scheduler.start();
}
async function stop(): Promise<void> {
  await loam?.close();
}
serverPerAttempt(start, stop);

async function read(bucket: string, key: string): Promise<string> {
  const o = await loam.platform.artifacts.get({ bucket, key });
  const chunks: Buffer[] = [];
  for await (const c of o.body) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

describe('processing jobs', () => {
  it('stages inputs at their LocalPaths, runs the entrypoint with its arguments, uploads the outputs', async () => {
    const r = await call(loam, 'POST', '/api/v1/processing-jobs', {
      ProcessingJobName: 'prep-1', RoleArn: role,
      AppSpecification: {
        ImageUri: '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3',
        ContainerEntrypoint: ['python3', '/opt/ml/processing/input/code/preprocess.py'],
        ContainerArguments: ['--input', '/opt/ml/processing/input/data', '--output', '/opt/ml/processing/output'],
      },
      ProcessingInputs: [
        { InputName: 'data', S3Input: { S3Uri: 's3://data/raw/', LocalPath: '/opt/ml/processing/input/data', S3DataType: 'S3Prefix', S3InputMode: 'File' } },
        { InputName: 'code', S3Input: { S3Uri: 's3://data/code/preprocess.py', LocalPath: '/opt/ml/processing/input/code', S3DataType: 'S3Prefix', S3InputMode: 'File' } },
      ],
      ProcessingOutputConfig: { Outputs: [
        { OutputName: 'train', S3Output: { S3Uri: 's3://data/prep/train', LocalPath: '/opt/ml/processing/output/train', S3UploadMode: 'EndOfJob' } },
        { OutputName: 'test', S3Output: { S3Uri: 's3://data/prep/test', LocalPath: '/opt/ml/processing/output/test', S3UploadMode: 'EndOfJob' } },
      ] },
      ProcessingResources: { ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.t3.medium', VolumeSizeInGB: 1 } },
      StoppingCondition: { MaxRuntimeInSeconds: 300 },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.ProcessingJobArn).toBe('arn:loam:sagemaker:us-east-1:000000000000:processing-job/prep-1');
    const d = await waitForProcessingJob(loam, 'prep-1');
    expect(d.FailureReason).toBeUndefined();
    expect(d.ProcessingJobStatus).toBe('Completed');
    expect(await read('data', 'prep/train/train.csv')).toBe('1,a\n3,c\n5,e\n');
    expect(await read('data', 'prep/test/test.csv')).toBe('2,b\n4,d\n');
    const logs = await call(loam, 'GET', '/api/v1/processing-jobs/prep-1/logs');
    expect(logs.body.Events.map((e: { Message: string }) => e.Message)).toContain('rows=5');
    const list = await call(loam, 'GET', '/api/v1/processing-jobs?StatusEquals=Completed');
    expect(list.body.ProcessingJobSummaries.map((s: { ProcessingJobName: string }) => s.ProcessingJobName)).toEqual(['prep-1']);
  });

  it('fails at upload when an output bucket does not exist, and does not create it (as training and SageMaker)', async () => {
    const r = await call(loam, 'POST', '/api/v1/processing-jobs', {
      ProcessingJobName: 'prep-nobucket', RoleArn: role,
      AppSpecification: {
        ImageUri: '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3',
        ContainerEntrypoint: ['python3', '/opt/ml/processing/input/code/preprocess.py'],
        ContainerArguments: ['--input', '/opt/ml/processing/input/data', '--output', '/opt/ml/processing/output'],
      },
      ProcessingInputs: [
        { InputName: 'data', S3Input: { S3Uri: 's3://data/raw/', LocalPath: '/opt/ml/processing/input/data', S3DataType: 'S3Prefix', S3InputMode: 'File' } },
        { InputName: 'code', S3Input: { S3Uri: 's3://data/code/preprocess.py', LocalPath: '/opt/ml/processing/input/code', S3DataType: 'S3Prefix', S3InputMode: 'File' } },
      ],
      ProcessingOutputConfig: { Outputs: [
        { OutputName: 'train', S3Output: { S3Uri: 's3://prep-no-such-bucket/train', LocalPath: '/opt/ml/processing/output/train', S3UploadMode: 'EndOfJob' } },
      ] },
      ProcessingResources: { ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.t3.medium', VolumeSizeInGB: 1 } },
      StoppingCondition: { MaxRuntimeInSeconds: 300 },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const d = await waitForProcessingJob(loam, 'prep-nobucket');
    expect(d.ProcessingJobStatus).toBe('Failed');
    expect(d.FailureReason).toBe(
      "ClientError: Artifact upload failed: unable to upload file to s3://prep-no-such-bucket/train/train.csv (NoSuchBucket: the bucket 'prep-no-such-bucket' does not exist; Loam does not create output buckets: create it before the job uploads).",
    );
    expect((await loam.platform.artifacts.listBuckets()).map((b) => b.name)).not.toContain('prep-no-such-bucket');
  });

  it('refuses a LocalPath outside /opt/ml/processing with a 400 naming it', async () => {
    const r = await call(loam, 'POST', '/api/v1/processing-jobs', {
      ProcessingJobName: 'prep-bad', RoleArn: role,
      AppSpecification: { ImageUri: 'sagemaker-scikit-learn:1.2-1-cpu-py3', ContainerEntrypoint: ['python3', 'x.py'] },
      ProcessingInputs: [{ InputName: 'data', S3Input: { S3Uri: 's3://data/raw/', LocalPath: '/etc', S3DataType: 'S3Prefix' } }],
      ProcessingResources: { ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.t3.medium', VolumeSizeInGB: 1 } },
    });
    expect(r.status).toBe(400);
    expect(r.body.detail).toContain('processingInputs.1.member.s3Input.localPath');
  });

  it('reports /opt/ml/output/message as ExitMessage when the job is stopped too', async () => {
    await loam.platform.artifacts.put({ bucket: 'data', key: 'stopcode/report.py' }, Buffer.from(
      "import time\nopen('/opt/ml/output/message', 'w').write('processed 3 of 9 shards')\nprint('message written', flush=True)\ntime.sleep(300)\n",
    ));
    const created = await call(loam, 'POST', '/api/v1/processing-jobs', {
      ProcessingJobName: 'stopped-msg', RoleArn: role,
      AppSpecification: { ImageUri: 'sagemaker-scikit-learn:1.2-1-cpu-py3', ContainerEntrypoint: ['python3', '/opt/ml/processing/input/code/report.py'] },
      ProcessingInputs: [{ InputName: 'code', S3Input: { S3Uri: 's3://data/stopcode/', LocalPath: '/opt/ml/processing/input/code', S3DataType: 'S3Prefix', S3InputMode: 'File' } }],
      ProcessingResources: { ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.t3.medium', VolumeSizeInGB: 1 } },
    });
    expect(created.status).toBe(200);
    const end = Date.now() + 60_000;
    for (;;) {
      const logs = await call(loam, 'GET', '/api/v1/processing-jobs/stopped-msg/logs');
      if (logs.body.Events?.some((e: { Message: string }) => e.Message === 'message written')) break;
      if (Date.now() > end) throw new Error(`the script never wrote its message: ${JSON.stringify(logs.body)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect((await call(loam, 'POST', '/api/v1/processing-jobs/stopped-msg/stop')).status).toBe(200);
    const d = await waitForProcessingJob(loam, 'stopped-msg');
    expect(d.ProcessingJobStatus).toBe('Stopped');
    expect(d.ExitMessage).toBe('processed 3 of 9 shards');
  });

  it('ExitMessage concatenates the message of every instance that wrote one (SageMaker, multi-instance jobs)', async () => {
    const created = await call(loam, 'POST', '/api/v1/processing-jobs', {
      ProcessingJobName: 'two-msgs', RoleArn: role,
      AppSpecification: {
        ImageUri: 'sagemaker-scikit-learn:1.2-1-cpu-py3',
        ContainerEntrypoint: ['python3', '-c', "import json; h = json.load(open('/opt/ml/config/resourceconfig.json'))['current_host']; open('/opt/ml/output/message', 'w').write(h + ' done;')"],
      },
      ProcessingResources: { ClusterConfig: { InstanceCount: 2, InstanceType: 'ml.t3.medium', VolumeSizeInGB: 1 } },
    });
    expect(created.status).toBe(200);
    const d = await waitForProcessingJob(loam, 'two-msgs');
    expect(d.ProcessingJobStatus, d.FailureReason).toBe('Completed');
    expect(d.ExitMessage.split(';').filter(Boolean).sort()).toEqual(['algo-1 done', 'algo-2 done']);
  });

  it('refuses /opt/ml/processing itself as a LocalPath (SageMaker: it must begin with /opt/ml/processing/)', async () => {
    const job = (name: string, over: Record<string, unknown>) => call(loam, 'POST', '/api/v1/processing-jobs', {
      ProcessingJobName: name, RoleArn: role,
      AppSpecification: { ImageUri: 'sagemaker-scikit-learn:1.2-1-cpu-py3', ContainerEntrypoint: ['python3', 'x.py'] },
      ProcessingResources: { ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.t3.medium', VolumeSizeInGB: 1 } },
      ...over,
    });
    const input = await job('root-in', { ProcessingInputs: [{ InputName: 'data', S3Input: { S3Uri: 's3://data/raw/', LocalPath: '/opt/ml/processing/', S3DataType: 'S3Prefix' } }] });
    expect(input.status).toBe(400);
    expect(input.body.detail).toMatch(/processingInputs\.1\.member\.s3Input\.localPath.*must begin with \/opt\/ml\/processing\//);
    const output = await job('root-out', { ProcessingOutputConfig: { Outputs: [{ OutputName: 'all', S3Output: { S3Uri: 's3://data/all', LocalPath: '/opt/ml/processing', S3UploadMode: 'EndOfJob' } }] } });
    expect(output.status).toBe(400);
    expect(output.body.detail).toContain('processingOutputConfig.outputs.1.member.s3Output.localPath');
  });
});
