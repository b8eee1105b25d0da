import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import {
  CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, ListObjectsV2Command, PutObjectCommand, S3Client, UploadPartCommand,
} from '@aws-sdk/client-s3';
import {
  CreateEndpointCommand, CreateEndpointConfigCommand, CreateModelCommand, CreateTrainingJobCommand, DescribeModelCommand, DescribeTrainingJobCommand,
  SageMakerClient, waitUntilEndpointInService, waitUntilTrainingJobCompletedOrStopped,
} from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { readCredentialsProfile } from '@loam/cli';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { repoRoot, startLoamProcess, stopLoamProcess, type LoamProcess } from '../loam-process.test-support.js';
import { mountSmallFs, type SmallFs } from './small-fs.test-support.js';

// Reliability recipe R4 (docs: research/reliability.md §4): Loam's whole data directory (SQLite
// metadata and experiment stores, local-fs artifacts, job work dirs) on a 320 MiB filesystem filled to
// the last block (not smaller: a model is only staged for serving with 256 MiB left free after it). Uploads and metadata writes are refused with a retryable 503 naming the full disk,
// never a 500; inference still answers 200 (data capture is dropped and logged); the server stays up;
// both databases pass integrity_check; once space is freed everything works again without a restart.

const XGBOOST = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1';
const ROLE = 'arn:aws:iam::000000000000:role/LoamTests';
const BUCKET = 'disk-full';
const cancer = readFileSync(join(repoRoot, 'datasets/tabular/breast_cancer.csv'), 'utf8').trim().split('\n').slice(1);
const trainCsv = cancer.slice(0, 120).join('\n') + '\n';
const row = cancer[130]!.slice(cancer[130]!.indexOf(',') + 1);


/** What a refused call looked like from the client. */
interface Outcome { status: number; code?: string; message?: string }
async function outcome(p: Promise<unknown>): Promise<Outcome> {
  try {
    await p;
    return { status: 200 };
  } catch (e) {
    const err = e as { $metadata?: { httpStatusCode?: number }; name?: string; message?: string };
    return { status: err.$metadata?.httpStatusCode ?? -1, code: err.name ?? '', message: err.message ?? '' };
  }
}

describe('disk full (R4): the data directory on a filesystem with no space left', () => {
  let fs: SmallFs | undefined;
  let skip: string | undefined;
  let loam: LoamProcess;
  let token: string;
  let s3: S3Client;
  let sm: SageMakerClient;
  let runtime: SageMakerRuntimeClient;
  let modelDataUrl: string;
  const createModel = (name: string) => sm.send(new CreateModelCommand({
    ModelName: name, ExecutionRoleArn: ROLE, PrimaryContainer: { Image: XGBOOST, ModelDataUrl: modelDataUrl, Environment: { PAD1: 'x'.repeat(1000), PAD2: 'y'.repeat(1000) } },
  }));
  const mlflow = (path: string, body: unknown) =>
    fetch(`${loam.url}/api/2.0/mlflow/${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const trainingJob = (name: string) => new CreateTrainingJobCommand({
    TrainingJobName: name, RoleArn: ROLE,
    AlgorithmSpecification: { TrainingImage: XGBOOST, TrainingInputMode: 'File' },
    HyperParameters: { num_round: '3', max_depth: '2', objective: 'binary:logistic' },
    InputDataConfig: [{ ChannelName: 'train', ContentType: 'text/csv', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://${BUCKET}/train/`, S3DataDistributionType: 'FullyReplicated' } } }],
    OutputDataConfig: { S3OutputPath: `s3://${BUCKET}/output` },
    ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 1 },
    StoppingCondition: { MaxRuntimeInSeconds: 120 },
  });
  const invoke = () => runtime.send(new InvokeEndpointCommand({ EndpointName: 'df', ContentType: 'text/csv', Body: new TextEncoder().encode(row) }));
  /** SQLite may still fit a few writes into WAL pages it already has: CreateModel until one is refused. */
  const writeUntilRefused = async (prefix: string) => {
    const acked: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const name = `${prefix}-${i}`;
      const o = await outcome(createModel(name));
      if (o.status !== 200) return { acked, refusal: o };
      acked.push(name);
    }
    return { acked, refusal: undefined };
  };
  const captured = async () => (await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'capture/' }))).KeyCount ?? 0;

  async function start(): Promise<void> {
    const mounted = mountSmallFs(mkdtempSync(join(tmpdir(), 'loam-disk-full-')), 320);
    if ('skip' in mounted) {
      skip = mounted.skip;
      console.warn(`[disk-full] skipped: ${skip}`);
      return;
    }
    fs = mounted.fs;
    loam = await startLoamProcess(join(fs.dir, 'data'));
    const creds = readCredentialsProfile(loam.info.credentialsFile)!;
    token = creds['loam_api_token']!;
    const common = { endpoint: loam.url, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: creds['aws_access_key_id']!, secretAccessKey: creds['aws_secret_access_key']! } };
    s3 = new S3Client({ ...common, forcePathStyle: true });
    sm = new SageMakerClient(common);
    runtime = new SageMakerRuntimeClient(common);
    // A model trained and served with data capture while there is space.
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'train/train.csv', Body: trainCsv }));
    await sm.send(trainingJob('df-before'));
    await waitUntilTrainingJobCompletedOrStopped({ client: sm, maxWaitTime: 60, minDelay: 1, maxDelay: 1 }, { TrainingJobName: 'df-before' });
    const job = await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: 'df-before' }));
    expect(job.TrainingJobStatus, job.FailureReason).toBe('Completed');
    modelDataUrl = job.ModelArtifacts!.S3ModelArtifacts!;
    await createModel('df');
    await sm.send(new CreateEndpointConfigCommand({
      EndpointConfigName: 'df',
      ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: 'df', InitialInstanceCount: 1, InstanceType: 'ml.m5.large' }],
      DataCaptureConfig: { EnableCapture: true, InitialSamplingPercentage: 100, DestinationS3Uri: `s3://${BUCKET}/capture`, CaptureOptions: [{ CaptureMode: 'Input' }, { CaptureMode: 'Output' }] },
    }));
    await sm.send(new CreateEndpointCommand({ EndpointName: 'df', EndpointConfigName: 'df' }));
    await waitUntilEndpointInService({ client: sm, maxWaitTime: 60, minDelay: 1, maxDelay: 1 }, { EndpointName: 'df' });
    expect((await invoke()).$metadata.httpStatusCode).toBe(200);
    expect((await mlflow('experiments/create', { name: 'before' })).status).toBe(200);
  }
  async function stop(): Promise<void> {
    // Its jobs too: a process left in the data directory would keep the file system busy.
    await stopLoamProcess(loam);
    fs?.dispose();
    fs = undefined;
  }
  // A retry needs a new file system and server: the failed attempt may have left this one full, its names taken.
  serverPerAttempt(start, stop, 120_000);

  it('refuses writes with a retryable 503, keeps serving, and recovers once space is freed', async (ctx) => {
    if (skip !== undefined || !fs) return ctx.skip(skip);
    const multipart = (await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'up/multi.bin' }))).UploadId!;
    fs.fill();

    // An upload: 503 ServiceUnavailable naming the full disk, and no partial object listed.
    const up = await outcome(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'up/big.bin', Body: Buffer.alloc(2 << 20, 7) })));
    expect(up).toMatchObject({ status: 503, code: 'ServiceUnavailable' });
    expect(up.message).toMatch(/disk is full \(ENOSPC\)/);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'up/' }));
    expect(listed.KeyCount ?? 0).toBe(0);
    // Multipart uploads stage their parts under the data directory too: the same answer.
    const part = { Bucket: BUCKET, Key: 'up/multi.bin', UploadId: multipart, PartNumber: 1, Body: Buffer.alloc(1 << 20, 3) };
    expect(await outcome(s3.send(new UploadPartCommand(part)))).toMatchObject({ status: 503, code: 'ServiceUnavailable' });
    expect(await outcome(s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'up/other.bin' })))).toMatchObject({ status: 503, code: 'ServiceUnavailable' });

    // Inference still answers 200 (capture cannot write: dropped and logged, never failing a request).
    fs.fill();
    const before = await captured();
    for (let i = 0; i < 20; i++) expect((await invoke()).$metadata.httpStatusCode).toBe(200);
    const t0 = Date.now();
    while (!loam.stderr().includes('data capture write failed') && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 200));
    expect(loam.stderr()).toContain('data capture write failed');
    expect(await captured()).toBe(before);

    // Metadata writes, until one is refused. Every answer is a success or a 503 naming the full disk, never a 500.
    fs.fill();
    const { acked, refusal: sagemakerRefusal } = await writeUntilRefused('full');
    expect(sagemakerRefusal).toMatchObject({ status: 503, code: 'ServiceUnavailable' });
    expect(sagemakerRefusal!.message).toMatch(/disk .* is full \(SQLITE_FULL\)/);
    let mlflowRefusal: { status: number; body: { error_code?: string; message?: string } } | undefined;
    for (let i = 0; i < 2000 && !mlflowRefusal; i++) {
      const r = await mlflow('experiments/create', { name: `mlflow-full-${i}`, tags: [{ key: 'pad', value: 'x'.repeat(2000) }] });
      if (r.status !== 200) mlflowRefusal = { status: r.status, body: (await r.json()) as { error_code?: string; message?: string } };
    }
    expect(mlflowRefusal).toMatchObject({ status: 503, body: { error_code: 'TEMPORARILY_UNAVAILABLE' } });
    expect(mlflowRefusal!.body.message).toMatch(/SQLITE_FULL/);

    // Starting a training job is a metadata write too.
    const job = await outcome(sm.send(trainingJob('df-full')));
    expect(job).toMatchObject({ status: 503, code: 'ServiceUnavailable' });

    // Reads and inference still work; the server is alive.
    expect((await fetch(`${loam.url}/healthz`)).status).toBeLessThan(600);
    expect(loam.child.exitCode).toBeNull();
    expect((await invoke()).$metadata.httpStatusCode).toBe(200);
    expect((await mlflow('experiments/get-by-name', { experiment_name: 'before' })).status).toBeLessThan(500);

    // Free the space: everything works again, with no restart.
    fs.free();
    const ok = await outcome(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'up/big.bin', Body: Buffer.alloc(2 << 20, 7) })));
    expect(ok.status).toBe(200);
    const { ETag } = await s3.send(new UploadPartCommand(part));
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: 'up/multi.bin', UploadId: multipart, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: ETag! }] } }));
    expect((await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'up/' }))).Contents?.map((c) => [c.Key, c.Size])).toEqual([['up/big.bin', 2 << 20], ['up/multi.bin', 1 << 20]]);
    expect(await outcome(createModel('after'))).toEqual({ status: 200 });
    expect((await mlflow('experiments/create', { name: 'after' })).status).toBe(200);
    await sm.send(trainingJob('df-after'));
    await waitUntilTrainingJobCompletedOrStopped({ client: sm, maxWaitTime: 60, minDelay: 1, maxDelay: 1 }, { TrainingJobName: 'df-after' });
    const after = await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: 'df-after' }));
    expect(after.TrainingJobStatus, after.FailureReason).toBe('Completed');
    expect((await invoke()).$metadata.httpStatusCode).toBe(200);
    const t1 = Date.now();
    while ((await captured()) === before && Date.now() - t1 < 10_000) await new Promise((r) => setTimeout(r, 200));
    expect(await captured()).toBeGreaterThan(before);
    expect(loam.child.exitCode).toBeNull();

    // Every acknowledged write is there, and both databases are intact.
    for (const name of acked) expect((await sm.send(new DescribeModelCommand({ ModelName: name }))).ModelName).toBe(name);
    for (const file of ['loam.db', 'experiments.db']) {
      const db = new Database(join(fs.dir, 'data', file), { readonly: true });
      try {
        expect(db.pragma('integrity_check', { simple: true }), file).toBe('ok');
      } finally {
        db.close();
      }
    }
  }, 120_000);

  it('a job that ends while the disk is full is recorded once space is freed (not left InProgress)', async (ctx) => {
    if (skip !== undefined || !fs) return ctx.skip(skip);
    // A script-mode job that trains while its `hold` file exists, then writes a 1 MiB model. The file is in
    // the job's own directory (user code sees nothing of the machine's /tmp): the job creates it, and the
    // test deletes it, which works on a full disk.
    const code = mkdtempSync(join(tmpdir(), 'loam-disk-full-job-'));
    try {
      const hold = join(fs.dir, 'data', 'jobs', 'training-job', 'df-ends-full', 'algo-1', 'opt', 'ml', 'hold');
      writeFileSync(join(code, 'wait_then_save.py'), [
        'import os, time',
        'hold = os.path.join(os.environ["SM_MODEL_DIR"], "..", "hold")',
        'open(hold, "w").close()',
        'print("training", flush=True)',
        'while os.path.exists(hold): time.sleep(0.05)',
        'open(os.path.join(os.environ["SM_MODEL_DIR"], "model.bin"), "wb").write(os.urandom(1 << 20))',
      ].join('\n'));
      const tgz = spawnSync('tar', ['-czf', '-', '-C', code, 'wait_then_save.py']).stdout;
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'code/sourcedir.tar.gz', Body: tgz }));
      await sm.send(new CreateTrainingJobCommand({
        TrainingJobName: 'df-ends-full', RoleArn: ROLE,
        AlgorithmSpecification: { TrainingImage: 'sagemaker-scikit-learn:1.2-1-cpu-py3', TrainingInputMode: 'File' },
        HyperParameters: { sagemaker_program: 'wait_then_save.py', sagemaker_submit_directory: `s3://${BUCKET}/code/sourcedir.tar.gz` },
        InputDataConfig: [{ ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://${BUCKET}/train/` } } }],
        OutputDataConfig: { S3OutputPath: `s3://${BUCKET}/output` },
        ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 1 },
        StoppingCondition: { MaxRuntimeInSeconds: 120 },
      }));
      const describe = () => sm.send(new DescribeTrainingJobCommand({ TrainingJobName: 'df-ends-full' }));
      const t0 = Date.now();
      // The runner reports Training as it starts the user's code: under load the record may lag the file by a moment.
      while ((!existsSync(hold) || (await describe()).SecondaryStatus !== 'Training') && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 200));
      expect((await describe()).SecondaryStatus).toBe('Training');
      expect(existsSync(hold)).toBe(true);

      // The disk fills while it trains; then it ends. Its outcome cannot be written now.
      fs.fill();
      expect((await writeUntilRefused('during-job')).refusal?.status).toBe(503);
      // The refused write of its outcome is logged once, as a wait (0320723: no error every second per job).
      const waiting = 'job update waits for the metadata store';
      const waitsBefore = loam.stderr().split(waiting).length;
      rmSync(hold);
      const t1 = Date.now();
      while (loam.stderr().split(waiting).length === waitsBefore && Date.now() - t1 < 20_000) await new Promise((r) => setTimeout(r, 200));
      expect(loam.stderr().split(waiting).length).toBeGreaterThan(waitsBefore);

      // Space comes back: the outcome is recorded without a restart.
      fs.free();
      const t2 = Date.now();
      while ((await describe()).TrainingJobStatus === 'InProgress' && Date.now() - t2 < 15_000) await new Promise((r) => setTimeout(r, 200));
      const d = await describe();
      expect(d.TrainingJobStatus, d.FailureReason).toMatch(/^(Failed|Completed)$/);
      if (d.TrainingJobStatus === 'Failed') expect(d.FailureReason).toBeTruthy();
      expect(loam.child.exitCode).toBeNull();
    } finally {
      rmSync(code, { recursive: true, force: true });
    }
  }, 90_000);
});
