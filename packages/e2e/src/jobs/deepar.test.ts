import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateEndpointCommand, CreateEndpointConfigCommand, CreateModelCommand, CreateTrainingJobCommand, CreateTransformJobCommand, DescribeTrainingJobCommand,
  DescribeTransformJobCommand, SageMakerClient, waitUntilEndpointInService, waitUntilTrainingJobCompletedOrStopped, waitUntilTransformJobCompletedOrStopped,
} from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { startAwsLoam, type AwsLoam } from '../aws/aws-loam.test-support.js';
import { awsClients } from '../aws/aws-clients.test-support.js';
import { repoRoot } from '../loam-process.test-support.js';

// SageMaker's DeepAR as a notebook uses it, against `loam up` over the AWS SDK for JavaScript: the
// image URI from image_uris.retrieve('forecasting-deepar', 'us-east-1'), JSON Lines train and test
// channels of a shipped real series (monthly CO2, electrical equipment orders, El Niño), SageMaker's
// metric names on the job, then an endpoint answering {"instances", "configuration"} → {"predictions"}.
const IMAGE = '522234722520.dkr.ecr.us-east-1.amazonaws.com/forecasting-deepar:1';
const ROLE = 'arn:aws:iam::000000000000:role/LoamTests';
const P = 12;
const series = readFileSync(join(repoRoot, 'datasets', 'timeseries', 'monthly3.jsonl'), 'utf8').trim().split('\n')
  .map((l) => JSON.parse(l) as { start: string; target: number[]; cat: number[] });
const jsonl = (rs: readonly unknown[]): string => rs.map((r) => JSON.stringify(r)).join('\n') + '\n';
const train = series.map((s) => ({ start: s.start, target: s.target.slice(0, -P), cat: s.cat }));

let loam: AwsLoam;
let sm: SageMakerClient;
let runtime: SageMakerRuntimeClient;
let s3: S3Client;

async function start(): Promise<void> {
  loam = await startAwsLoam();
  ({ sm, s3, runtime } = awsClients(loam));
  await s3.send(new CreateBucketCommand({ Bucket: 'deepar' }));
  await s3.send(new PutObjectCommand({ Bucket: 'deepar', Key: 'train/train.json', Body: jsonl(train) }));
  await s3.send(new PutObjectCommand({ Bucket: 'deepar', Key: 'test/test.json', Body: jsonl(series) }));
  await s3.send(new PutObjectCommand({ Bucket: 'deepar', Key: 'batch/in.json', Body: jsonl(train) }));
}
serverPerAttempt(start, async () => loam?.stop(), 120_000);

describe('forecasting-deepar over the AWS SDK', () => {
  it('trains with SageMaker DeepAR metrics, deploys, and forecasts quantiles', async () => {
    const wait = { client: sm, maxWaitTime: 300, minDelay: 1, maxDelay: 2 };
    const channel = (name: string) => ({
      ChannelName: name, ContentType: 'application/jsonlines',
      DataSource: { S3DataSource: { S3DataType: 'S3Prefix' as const, S3Uri: `s3://deepar/${name}/`, S3DataDistributionType: 'FullyReplicated' as const } },
    });
    await sm.send(new CreateTrainingJobCommand({
      TrainingJobName: 'deepar-co2',
      AlgorithmSpecification: {
        TrainingImage: IMAGE, TrainingInputMode: 'File',
        MetricDefinitions: [{ Name: 'test:RMSE', Regex: '#test_score \\(algo-1, RMSE\\): (\\S+)' }],
      },
      RoleArn: ROLE,
      HyperParameters: {
        time_freq: 'M', context_length: '12', prediction_length: String(P), epochs: '3', num_cells: '10', num_layers: '2',
        mini_batch_size: '32', likelihood: 'student-T', test_quantiles: '[0.1, 0.5, 0.9]',
      },
      InputDataConfig: [channel('train'), channel('test')],
      OutputDataConfig: { S3OutputPath: 's3://deepar/output' },
      ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 5 },
      StoppingCondition: { MaxRuntimeInSeconds: 600 },
    }));
    await waitUntilTrainingJobCompletedOrStopped(wait, { TrainingJobName: 'deepar-co2' });
    const job = await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: 'deepar-co2' }));
    expect(job.TrainingJobStatus, job.FailureReason).toBe('Completed');
    const metrics = new Map((job.FinalMetricDataList ?? []).map((m) => [m.MetricName, m.Value]));
    for (const name of ['train:final_loss', 'test:RMSE', 'test:mean_wQuantileLoss', 'test:wQuantileLoss[0.9]']) expect(metrics.get(name), name).toBeTypeOf('number');
    expect(metrics.get('test:RMSE')).toBeGreaterThan(0);

    await sm.send(new CreateModelCommand({ ModelName: 'deepar-co2', ExecutionRoleArn: ROLE, PrimaryContainer: { Image: IMAGE, ModelDataUrl: job.ModelArtifacts?.S3ModelArtifacts } }));
    await sm.send(new CreateEndpointConfigCommand({ EndpointConfigName: 'deepar-co2', ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: 'deepar-co2', InitialInstanceCount: 1, InstanceType: 'ml.m5.large' }] }));
    await sm.send(new CreateEndpointCommand({ EndpointName: 'deepar-co2', EndpointConfigName: 'deepar-co2' }));
    await waitUntilEndpointInService(wait, { EndpointName: 'deepar-co2' });

    const request = { instances: train, configuration: { num_samples: 50, output_types: ['mean', 'quantiles'], quantiles: ['0.1', '0.5', '0.9'] } };
    const out = await runtime.send(new InvokeEndpointCommand({ EndpointName: 'deepar-co2', ContentType: 'application/json', Accept: 'application/json', Body: new TextEncoder().encode(JSON.stringify(request)) }));
    expect(out.ContentType).toBe('application/json');
    const body = JSON.parse(new TextDecoder().decode(out.Body)) as { predictions: { mean: number[]; quantiles: Record<string, number[]> }[] };
    expect(body.predictions).toHaveLength(3);
    const co2 = body.predictions[0]!;
    expect(co2.mean).toHaveLength(P);
    // The forecast is of CO2's level (~380 ppm at the end of the series), with ordered quantiles.
    const last = train[0]!.target.at(-1)!;
    for (let k = 0; k < P; k++) {
      expect(Math.abs(co2.mean[k]! - last)).toBeLessThan(0.1 * last);
      expect(co2.quantiles['0.1']![k]!).toBeLessThanOrEqual(co2.quantiles['0.9']![k]!);
    }

    // A bad instance is a 4xx naming it, as the model server's ModelError.
    const bad = await runtime.send(new InvokeEndpointCommand({ EndpointName: 'deepar-co2', ContentType: 'application/json', Body: new TextEncoder().encode('{"instances":[{"start":"1990-01-01 00:00:00","target":[1,"x"]}]}') })).then(() => undefined, (e: unknown) => e as { name: string; message: string });
    expect(bad?.message).toMatch(/instance 1/);

    // Batch transform: JSON Lines in, one forecast per line out, configured by DEEPAR_INFERENCE_CONFIG.
    await sm.send(new CreateTransformJobCommand({
      TransformJobName: 'deepar-batch', ModelName: 'deepar-co2',
      Environment: { DEEPAR_INFERENCE_CONFIG: JSON.stringify({ num_samples: 20, output_types: ['quantiles'], quantiles: ['0.5'] }) },
      TransformInput: { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://deepar/batch/' } }, ContentType: 'application/jsonlines', SplitType: 'Line' },
      TransformOutput: { S3OutputPath: 's3://deepar/batch-out', AssembleWith: 'Line', Accept: 'application/jsonlines' },
      TransformResources: { InstanceType: 'ml.m5.large', InstanceCount: 1 },
    }));
    await waitUntilTransformJobCompletedOrStopped(wait, { TransformJobName: 'deepar-batch' });
    const tj = await sm.send(new DescribeTransformJobCommand({ TransformJobName: 'deepar-batch' }));
    expect(tj.TransformJobStatus, tj.FailureReason).toBe('Completed');
    const obj = await s3.send(new GetObjectCommand({ Bucket: 'deepar', Key: 'batch-out/in.json.out' }));
    const lines = (await obj.Body!.transformToString()).trim().split('\n').map((l) => JSON.parse(l) as { quantiles: Record<string, number[]>; mean?: unknown });
    expect(lines).toHaveLength(3);
    for (const l of lines) {
      expect(Object.keys(l.quantiles)).toEqual(['0.5']);
      expect(l.quantiles['0.5']).toHaveLength(P);
      expect(l.mean).toBeUndefined();
    }
  }, 400_000);
});
