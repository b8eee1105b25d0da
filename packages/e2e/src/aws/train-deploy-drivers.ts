import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, DeleteObjectsCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  CreateTrainingJobCommand,
  DeleteEndpointCommand,
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  DescribeTrainingJobCommand,
  SageMakerClient,
  paginateListTrainingJobs,
  waitUntilEndpointDeleted,
  waitUntilEndpointInService,
  waitUntilTrainingJobCompletedOrStopped,
} from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { awsCli, boto3, type AwsLoam } from './aws-loam.test-support.js';

/** SageMaker's built-in XGBoost image for us-east-1, exactly as the SageMaker SDK's image_uris.retrieve gives it. */
export const XGBOOST_IMAGE = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1';
export const ROLE = 'arn:aws:iam::000000000000:role/LoamTests';

/** What one client saw doing the whole train → deploy → invoke → delete scenario. */
export interface TrainDeployResult {
  /** TrainingJobStatus once the SDK's TrainingJobCompletedOrStopped waiter returned. */
  readonly trainingStatus: string;
  readonly modelDataUrl: string;
  /** EndpointStatus once the SDK's EndpointInService waiter returned. */
  readonly endpointStatus: string;
  /** InvokeEndpoint's text/csv answer, one number per row sent. */
  readonly predictions: number[];
  /** ListTrainingJobs with MaxResults=1, page by page through NextToken. */
  readonly pages: string[][];
  /** Error codes of DescribeEndpoint, DescribeEndpointConfig and DescribeModel after the deletes (the endpoint-deleted waiter returned first). */
  readonly afterDelete: { endpoint: string; config: string; model: string };
  /** Keys left under the training-data prefix after deleting them. */
  readonly keysLeft: number;
}

export interface TrainDeployInput {
  /** Prefix of every resource name, unique per client. */
  readonly name: string;
  readonly trainCsv: string;
  /** Feature rows (no label) to send to the endpoint as one text/csv body. */
  readonly invokeCsv: string;
  readonly hyperParameters: Record<string, string>;
}

const trainingJobRequest = (i: TrainDeployInput, bucket: string) => ({
  TrainingJobName: i.name,
  AlgorithmSpecification: { TrainingImage: XGBOOST_IMAGE, TrainingInputMode: 'File' as const },
  RoleArn: ROLE,
  HyperParameters: i.hyperParameters,
  InputDataConfig: [{
    ChannelName: 'train', ContentType: 'text/csv',
    DataSource: { S3DataSource: { S3DataType: 'S3Prefix' as const, S3Uri: `s3://${bucket}/train/`, S3DataDistributionType: 'FullyReplicated' as const } },
  }],
  OutputDataConfig: { S3OutputPath: `s3://${bucket}/output` },
  ResourceConfig: { InstanceType: 'ml.m5.large' as const, InstanceCount: 1, VolumeSizeInGB: 5 },
  StoppingCondition: { MaxRuntimeInSeconds: 600 },
});

const variants = (model: string) => [{ VariantName: 'AllTraffic', ModelName: model, InitialInstanceCount: 1, InstanceType: 'ml.m5.large' as const }];

export const parsePredictions = (body: string): number[] => body.split(/[,\n]/).map((s) => s.trim()).filter((s) => s !== '').map(Number);

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (e) {
    return (e as { name?: string }).name ?? 'unknown';
  }
}

/** @aws-sdk/client-sagemaker, -runtime and -s3 with their own waiters and paginator. */
export async function jsTrainDeploy(loam: AwsLoam, i: TrainDeployInput): Promise<TrainDeployResult> {
  const common = { endpoint: loam.url, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: loam.accessKeyId, secretAccessKey: loam.secretAccessKey } };
  const s3 = new S3Client({ ...common, forcePathStyle: true });
  const sm = new SageMakerClient(common);
  const runtime = new SageMakerRuntimeClient(common);
  const bucket = `${i.name}-data`;
  const wait = { client: sm, maxWaitTime: 150, minDelay: 1, maxDelay: 2 };
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'train/train.csv', Body: i.trainCsv, ContentType: 'text/csv' }));
  await sm.send(new CreateTrainingJobCommand(trainingJobRequest(i, bucket)));
  await waitUntilTrainingJobCompletedOrStopped(wait, { TrainingJobName: i.name });
  const job = await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: i.name }));
  const modelDataUrl = job.ModelArtifacts?.S3ModelArtifacts ?? '';
  await sm.send(new CreateModelCommand({ ModelName: i.name, ExecutionRoleArn: ROLE, PrimaryContainer: { Image: XGBOOST_IMAGE, ModelDataUrl: modelDataUrl } }));
  await sm.send(new CreateEndpointConfigCommand({ EndpointConfigName: i.name, ProductionVariants: variants(i.name) }));
  await sm.send(new CreateEndpointCommand({ EndpointName: i.name, EndpointConfigName: i.name }));
  await waitUntilEndpointInService(wait, { EndpointName: i.name });
  const endpoint = await sm.send(new DescribeEndpointCommand({ EndpointName: i.name }));
  const out = await runtime.send(new InvokeEndpointCommand({ EndpointName: i.name, ContentType: 'text/csv', Accept: 'text/csv', Body: new TextEncoder().encode(i.invokeCsv) }));
  const pages: string[][] = [];
  for await (const page of paginateListTrainingJobs({ client: sm, pageSize: 1 }, {})) pages.push((page.TrainingJobSummaries ?? []).map((s) => s.TrainingJobName as string));
  await sm.send(new DeleteEndpointCommand({ EndpointName: i.name }));
  await waitUntilEndpointDeleted(wait, { EndpointName: i.name });
  await sm.send(new DeleteEndpointConfigCommand({ EndpointConfigName: i.name }));
  await sm.send(new DeleteModelCommand({ ModelName: i.name }));
  const afterDelete = {
    endpoint: await codeOf(sm.send(new DescribeEndpointCommand({ EndpointName: i.name }))),
    config: await codeOf(sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: i.name }))),
    model: await codeOf(sm.send(new DescribeModelCommand({ ModelName: i.name }))),
  };
  await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: 'train/train.csv' }] } }));
  const left = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'train/' }));
  return {
    trainingStatus: job.TrainingJobStatus ?? '', modelDataUrl, endpointStatus: endpoint.EndpointStatus ?? '',
    predictions: parsePredictions(new TextDecoder().decode(out.Body)), pages, afterDelete, keysLeft: left.KeyCount ?? 0,
  };
}

/** boto3 (Debian's python3-boto3) with its own waiters and paginator. */
export async function boto3TrainDeploy(loam: AwsLoam, i: TrainDeployInput): Promise<TrainDeployResult> {
  const bucket = `${i.name}-data`;
  return boto3<TrainDeployResult>(loam, `
s3 = client('s3'); sm = client('sagemaker'); rt = client('sagemaker-runtime')
n = ARGS['name']; b = ARGS['bucket']; W = {'Delay': 1, 'MaxAttempts': 150}
s3.create_bucket(Bucket=b)
s3.put_object(Bucket=b, Key='train/train.csv', Body=ARGS['train'].encode())
sm.create_training_job(**ARGS['job'])
sm.get_waiter('training_job_completed_or_stopped').wait(TrainingJobName=n, WaiterConfig=W)
job = sm.describe_training_job(TrainingJobName=n)
url = job['ModelArtifacts']['S3ModelArtifacts']
sm.create_model(ModelName=n, ExecutionRoleArn=ARGS['role'], PrimaryContainer={'Image': ARGS['image'], 'ModelDataUrl': url})
sm.create_endpoint_config(EndpointConfigName=n, ProductionVariants=ARGS['variants'])
sm.create_endpoint(EndpointName=n, EndpointConfigName=n)
sm.get_waiter('endpoint_in_service').wait(EndpointName=n, WaiterConfig=W)
ep = sm.describe_endpoint(EndpointName=n)
body = rt.invoke_endpoint(EndpointName=n, ContentType='text/csv', Accept='text/csv', Body=ARGS['invoke'].encode())['Body'].read().decode()
pages = [[s['TrainingJobName'] for s in p['TrainingJobSummaries']] for p in sm.get_paginator('list_training_jobs').paginate(PaginationConfig={'PageSize': 1})]
sm.delete_endpoint(EndpointName=n)
sm.get_waiter('endpoint_deleted').wait(EndpointName=n, WaiterConfig=W)
sm.delete_endpoint_config(EndpointConfigName=n)
sm.delete_model(ModelName=n)
after = {'endpoint': error_code(sm.describe_endpoint, EndpointName=n), 'config': error_code(sm.describe_endpoint_config, EndpointConfigName=n), 'model': error_code(sm.describe_model, ModelName=n)}
s3.delete_object(Bucket=b, Key='train/train.csv')
left = s3.list_objects_v2(Bucket=b, Prefix='train/')['KeyCount']
print(json.dumps({'trainingStatus': job['TrainingJobStatus'], 'modelDataUrl': url, 'endpointStatus': ep['EndpointStatus'], 'predictions': [float(s) for s in body.replace(chr(10), ',').split(',') if s.strip()],
  'pages': pages, 'afterDelete': after, 'keysLeft': left}))
`, { name: i.name, bucket, train: i.trainCsv, invoke: i.invokeCsv, job: trainingJobRequest(i, bucket), role: ROLE, image: XGBOOST_IMAGE, variants: variants(i.name) });
}

/**
 * botocore's own waiter definitions with a 1 s delay: the aws CLI has no flag for the delay (120 s for
 * training jobs), but it reads service data from AWS_DATA_PATH first. The acceptors stay the CLI's own.
 */
function fastWaiters(dir: string): string {
  const source = '/usr/lib/python3/dist-packages/awscli/botocore/data/sagemaker/2017-07-24/waiters-2.json';
  const doc = JSON.parse(readFileSync(source, 'utf8')) as { waiters: Record<string, { delay: number; maxAttempts: number }> };
  for (const w of Object.values(doc.waiters)) Object.assign(w, { delay: 1, maxAttempts: 150 });
  mkdirSync(join(dir, 'sagemaker/2017-07-24'), { recursive: true });
  writeFileSync(join(dir, 'sagemaker/2017-07-24/waiters-2.json'), JSON.stringify(doc));
  return dir;
}

/** The aws CLI at /usr/bin/aws: s3 cp, sagemaker create-*, aws sagemaker wait, sagemaker-runtime invoke-endpoint. */
export async function awsCliTrainDeploy(loam: AwsLoam, i: TrainDeployInput): Promise<TrainDeployResult> {
  const scratch = mkdtempSync(join(loam.dataDir, 'awscli-train-'));
  const env = { ...loam, awsEnv: { ...loam.awsEnv, AWS_DATA_PATH: fastWaiters(join(scratch, 'data')) } };
  const ok = async (args: string[]) => {
    const r = await awsCli(env, args);
    if (r.code !== 0) throw new Error(`aws ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
    return r.stdout.trim() === '' ? {} : (JSON.parse(r.stdout) as Record<string, any>);
  };
  const code = async (args: string[]) => {
    const r = await awsCli(env, args);
    return r.code === 0 ? 'resolved' : (/An error occurred \(([^)]+)\)/.exec(r.stderr)?.[1] ?? `exit ${r.code}: ${r.stderr.trim()}`);
  };
  const bucket = `${i.name}-data`;
  const n = i.name;
  writeFileSync(join(scratch, 'train.csv'), i.trainCsv);
  writeFileSync(join(scratch, 'rows.csv'), i.invokeCsv);
  writeFileSync(join(scratch, 'job.json'), JSON.stringify(trainingJobRequest(i, bucket)));
  await ok(['s3api', 'create-bucket', '--bucket', bucket]);
  await ok(['s3', 'cp', '--only-show-errors', join(scratch, 'train.csv'), `s3://${bucket}/train/train.csv`]);
  await ok(['sagemaker', 'create-training-job', '--cli-input-json', `file://${join(scratch, 'job.json')}`]);
  await ok(['sagemaker', 'wait', 'training-job-completed-or-stopped', '--training-job-name', n]);
  const job = await ok(['sagemaker', 'describe-training-job', '--training-job-name', n]);
  const modelDataUrl = String(job['ModelArtifacts']?.['S3ModelArtifacts'] ?? '');
  await ok(['sagemaker', 'create-model', '--model-name', n, '--execution-role-arn', ROLE, '--primary-container', `Image=${XGBOOST_IMAGE},ModelDataUrl=${modelDataUrl}`]);
  await ok(['sagemaker', 'create-endpoint-config', '--endpoint-config-name', n, '--production-variants', JSON.stringify(variants(n))]);
  await ok(['sagemaker', 'create-endpoint', '--endpoint-name', n, '--endpoint-config-name', n]);
  await ok(['sagemaker', 'wait', 'endpoint-in-service', '--endpoint-name', n]);
  const endpoint = await ok(['sagemaker', 'describe-endpoint', '--endpoint-name', n]);
  const outFile = join(scratch, 'predictions.csv');
  await ok(['sagemaker-runtime', 'invoke-endpoint', '--endpoint-name', n, '--content-type', 'text/csv', '--accept', 'text/csv', '--body', `fileb://${join(scratch, 'rows.csv')}`, outFile]);
  // --page-size makes the CLI fetch one summary per request and follow NextToken; --debug shows each page.
  const listed = await awsCli(env, ['sagemaker', 'list-training-jobs', '--page-size', '1', '--debug']);
  if (listed.code !== 0) throw new Error(`list-training-jobs failed: ${listed.stderr}`);
  const pages = [...listed.stderr.matchAll(/Response body:\s*\nb'(\{.*\})'/g)].map((m) => (JSON.parse(m[1]!.replace(/\\'/g, "'")) as { TrainingJobSummaries: { TrainingJobName: string }[] }).TrainingJobSummaries.map((s) => s.TrainingJobName));
  await ok(['sagemaker', 'delete-endpoint', '--endpoint-name', n]);
  await ok(['sagemaker', 'wait', 'endpoint-deleted', '--endpoint-name', n]);
  await ok(['sagemaker', 'delete-endpoint-config', '--endpoint-config-name', n]);
  await ok(['sagemaker', 'delete-model', '--model-name', n]);
  const afterDelete = {
    endpoint: await code(['sagemaker', 'describe-endpoint', '--endpoint-name', n]),
    config: await code(['sagemaker', 'describe-endpoint-config', '--endpoint-config-name', n]),
    model: await code(['sagemaker', 'describe-model', '--model-name', n]),
  };
  await ok(['s3', 'rm', '--only-show-errors', '--recursive', `s3://${bucket}/train/`]);
  const left = await ok(['s3api', 'list-objects-v2', '--bucket', bucket, '--prefix', 'train/']);
  return {
    trainingStatus: String(job['TrainingJobStatus']), modelDataUrl, endpointStatus: String(endpoint['EndpointStatus']),
    predictions: parsePredictions(readFileSync(outFile, 'utf8')), pages, afterDelete, keysLeft: Number(left['KeyCount'] ?? 0),
  };
}
