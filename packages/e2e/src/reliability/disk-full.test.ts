import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, statfsSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, UploadPartCommand,
} from '@aws-sdk/client-s3';
import {
  CreateEndpointCommand, CreateEndpointConfigCommand, CreateModelCommand, CreateTrainingJobCommand, DescribeModelCommand, DescribeTrainingJobCommand, StopTrainingJobCommand,
  SageMakerClient, waitUntilEndpointInService, waitUntilTrainingJobCompletedOrStopped,
} from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { readCredentialsProfile } from '@loam/cli';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { pidAlive, repoRoot, startLoamProcess, stopLoamProcess, waitForExit, type LoamProcess } from '../loam-process.test-support.js';
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
/** The model the hold jobs write: random, so its archive is as large as it (gzip cannot shrink it). */
const modelBytes = randomBytes(1 << 20);


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

  /** `loam up` on the small file system's data directory (again, after a restart), and clients for it. */
  async function startServer(): Promise<void> {
    // At info: a job's wait for the store and its end are both logged (the end at info).
    loam = await startLoamProcess(join(fs!.dir, 'data'), { LOAM_LOG__LEVEL: 'info' });
    const creds = readCredentialsProfile(loam.info.credentialsFile)!;
    token = creds['loam_api_token']!;
    const common = { endpoint: loam.url, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: creds['aws_access_key_id']!, secretAccessKey: creds['aws_secret_access_key']! } };
    s3 = new S3Client({ ...common, forcePathStyle: true });
    sm = new SageMakerClient(common);
    runtime = new SageMakerRuntimeClient(common);
  }
  async function start(): Promise<void> {
    const mounted = mountSmallFs(mkdtempSync(join(tmpdir(), 'loam-disk-full-')), 320);
    if ('skip' in mounted) {
      skip = mounted.skip;
      console.warn(`[disk-full] skipped: ${skip}`);
      return;
    }
    fs = mounted.fs;
    await startServer();
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
  // A case that failed with the disk full would fail the next one too (its first upload refused): each starts with room.
  afterEach(() => fs?.free());

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

  /**
   * A script-mode job that trains while its `hold` file exists. The file is in the job's own directory
   * (user code sees nothing of the machine's /tmp): the job creates it, and the test deletes it, which
   * works on a full disk. With `modelFirst` it writes its model (1 MiB that gzip cannot shrink, a copy of
   * `model.src` from its source directory) before it holds, else after.
   */
  async function holdJob(name: string, modelFirst: boolean) {
    const code = mkdtempSync(join(tmpdir(), 'loam-disk-full-job-'));
    const save = 'open(os.path.join(os.environ["SM_MODEL_DIR"], "model.bin"), "wb").write(open("model.src", "rb").read())';
    try {
      writeFileSync(join(code, 'model.src'), modelBytes);
      writeFileSync(join(code, 'hold_job.py'), [
        'import os, time',
        'hold = os.path.join(os.environ["SM_MODEL_DIR"], "..", "hold")',
        ...(modelFirst ? [save] : []),
        'open(hold, "w").close()',
        'print("training", flush=True)',
        'while os.path.exists(hold): time.sleep(0.05)',
        ...(modelFirst ? ['print("trained", flush=True)'] : [save]),
      ].join('\n'));
      const tgz = spawnSync('tar', ['-czf', '-', '-C', code, 'hold_job.py', 'model.src'], { maxBuffer: 8 << 20 }).stdout;
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `code/${name}.tar.gz`, Body: tgz }));
    } finally {
      rmSync(code, { recursive: true, force: true });
    }
    await sm.send(new CreateTrainingJobCommand({
      TrainingJobName: name, RoleArn: ROLE,
      AlgorithmSpecification: { TrainingImage: 'sagemaker-scikit-learn:1.2-1-cpu-py3', TrainingInputMode: 'File' },
      HyperParameters: { sagemaker_program: 'hold_job.py', sagemaker_submit_directory: `s3://${BUCKET}/code/${name}.tar.gz` },
      InputDataConfig: [{ ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://${BUCKET}/train/` } } }],
      OutputDataConfig: { S3OutputPath: `s3://${BUCKET}/output` },
      ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 1 },
      StoppingCondition: { MaxRuntimeInSeconds: 120 },
    }));
    const hostDir = join(fs!.dir, 'data', 'jobs', 'training-job', name, 'algo-1');
    const hold = join(hostDir, 'opt', 'ml', 'hold');
    const describe = () => sm.send(new DescribeTrainingJobCommand({ TrainingJobName: name }));
    const t0 = Date.now();
    // The runner reports Training as it starts the user's code: under load the record may lag the file by a moment.
    while ((!existsSync(hold) || (await describe()).SecondaryStatus !== 'Training') && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 200));
    expect((await describe()).SecondaryStatus).toBe('Training');
    expect(existsSync(hold)).toBe(true);
    // The cases fill the disk next.
    await checkpointStore();
    /** Lets the image end. */
    const release = () => rmSync(hold);
    /** The job's status once it is no longer InProgress (or still InProgress after `ms`). */
    const ended = async (ms = 20_000) => {
      const t = Date.now();
      while ((await describe()).TrainingJobStatus === 'InProgress' && Date.now() - t < ms) await new Promise((r) => setTimeout(r, 200));
      return describe();
    };
    /** Waits until the image's processes are gone (the runner stays): the disk-full wait has begun. */
    const imageEnded = async () => {
      const { childPgid } = JSON.parse(readFileSync(join(hostDir, 'runner.pid'), 'utf8')) as { childPgid: number };
      const t = Date.now();
      while (pidAlive(childPgid) && Date.now() - t < 10_000) await new Promise((r) => setTimeout(r, 100));
      expect(pidAlive(childPgid)).toBe(false);
    };
    const runnerPid = () => (JSON.parse(readFileSync(join(hostDir, 'runner.pid'), 'utf8')) as { pid: number }).pid;
    const jobLog = () => readFileSync(join(hostDir, '..', 'logs.jsonl'), 'utf8');
    /** Waits until the runner reports Uploading and says, in the job's log, that it waits for space. */
    const waitsToUpload = async () => {
      const t = Date.now();
      while (((await describe()).SecondaryStatus !== 'Uploading' || !jobLog().includes('No space left on device (ENOSPC) while archiving and uploading the model')) && Date.now() - t < 20_000) await new Promise((r) => setTimeout(r, 200));
      expect((await describe()).SecondaryStatus).toBe('Uploading');
      expect(jobLog()).toContain('No space left on device (ENOSPC) while archiving and uploading the model');
    };
    return { describe, release, ended, imageEnded, runnerPid, waitsToUpload, jobLog, hostDir };
  }

  /**
   * Copies the metadata store's write-ahead log into loam.db now, while there is room (a passive checkpoint, as
   * SQLite's own automatic one: the server's connection is not held up). SQLite does it by itself on the first
   * commit after its log reaches 1000 pages, growing loam.db by every page the log added since the last one: this
   * file's earlier cases leave the log at 980–997 pages, so that commit fell, 4 times in 15 full-file runs on
   * 2026-11-29, right after a case's leave(), and loam.db (4 KiB, never checkpointed yet) grew by 208 KiB, its log by
   * the 48 KiB left: 0 bytes free, no room for the runner's archive. A restarted log is written over its old pages,
   * so the commits of one case take no new room there either.
   */
  async function checkpointStore(): Promise<void> {
    const db = new Database(join(fs!.dir, 'data', 'loam.db'), { fileMustExist: true });
    try {
      let r: { busy: number; log: number; checkpointed: number } | undefined;
      // A frame the server's open read transaction still needs waits for that read to end.
      for (let i = 0; i < 50 && (r === undefined || r.busy !== 0 || r.checkpointed !== r.log); i++) {
        if (r) await new Promise((res) => setTimeout(res, 100));
        r = (db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[])[0];
      }
      expect(r, 'the whole log copied into loam.db').toMatchObject({ busy: 0, checkpointed: r!.log });
    } finally {
      db.close();
    }
  }

  /** Allocated bytes of every file under the small file system, by path. */
  function blocksByFile(): Map<string, number> {
    const out = spawnSync('find', [fs!.dir, '-printf', '%b %p\\n']).stdout.toString().trim().split('\n');
    return new Map(out.map((l) => [l.slice(l.indexOf(' ') + 1), Number(l.slice(0, l.indexOf(' '))) * 512] as const));
  }
  /** What grew (or appeared) since `before`, largest first, with the bytes free now: for a failure's message. */
  function grownSince(before: Map<string, number>): string {
    const st = statfsSync(fs!.dir);
    const grew = [...blocksByFile()].map(([p, b]) => [p, b - (before.get(p) ?? 0)] as const).filter(([, d]) => d > 0).sort((a, b) => b[1] - a[1]);
    return `${st.bavail * st.bsize} bytes free; grew: ${grew.slice(0, 15).map(([p, d]) => `${p.slice(fs!.dir.length)} +${d}`).join(', ')}`;
  }

  /** Fills the disk, then frees `bytes` of it: room for the runner's reports and the store's records, not for a model. */
  function leave(bytes: number) {
    fs!.fill();
    const filler = join(fs!.dir, 'filler');
    truncateSync(filler, Math.max(0, statSync(filler).size - bytes));
  }

  /** model.tar.gz as stored: its one member, model.bin, is the bytes the job wrote. */
  async function expectModel(uri: string | undefined) {
    expect(uri).toMatch(/^s3:\/\/disk-full\/output\/.+\/output\/model\.tar\.gz$/);
    const key = uri!.slice(`s3://${BUCKET}/`.length);
    const body = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToByteArray());
    const out = spawnSync('tar', ['-xzOf', '-', 'model.bin'], { input: body, maxBuffer: 4 << 20 });
    expect(out.status).toBe(0);
    expect(out.stdout.equals(modelBytes)).toBe(true);
  }

  it('a job whose image fails on the full disk fails saying so, recorded once space is freed', async (ctx) => {
    if (skip !== undefined || !fs) return ctx.skip(skip);
    const job = await holdJob('df-ends-full', false);
    // The disk fills while it trains; then it writes its model, which the full disk refuses.
    fs.fill();
    expect((await writeUntilRefused('during-job')).refusal?.status).toBe(503);
    job.release();
    // The runner survives the full disk (it died on its first log line: 'runner ended without reporting an
    // outcome') and holds the image's exit, after its last log lines, until it can write them all.
    await job.imageEnded();
    const t1 = Date.now();
    while (Date.now() - t1 < 3_000) {
      fs.fill(); // what the runner freed (a cut-short write) is taken again
      await new Promise((r) => setTimeout(r, 200));
    }
    expect((await job.describe()).TrainingJobStatus).toBe('InProgress');

    // Space comes back: the outcome is recorded without a restart, and says what went wrong.
    fs.free();
    const d = await job.ended();
    expect(d.TrainingJobStatus, d.FailureReason).toBe('Failed');
    expect(d.FailureReason).toMatch(/^AlgorithmError: the image ended with exit code 1/);
    expect(d.FailureReason).toMatch(/No space left on device/);
    expect(d.FailureReason).not.toMatch(/without reporting an outcome/);
    // The image's last lines (its traceback) are in the job's log, none lost to the full disk.
    expect(job.jobLog()).toMatch(/\[Errno 28\] No space left on device/);
    expect(loam.child.exitCode).toBeNull();
  }, 90_000);

  it('a job whose image succeeded while the disk is full uploads its model once space is back (Completed, nothing lost)', async (ctx) => {
    if (skip !== undefined || !fs) return ctx.skip(skip);
    const job = await holdJob('df-model-full', true);
    fs.fill();
    job.release();
    await job.imageEnded();
    // A little space for reports, none for the model's archive: the runner says it waits, in Uploading,
    // instead of dying with the model (it did: 'runner ended without reporting an outcome').
    leave(256 << 10);
    await job.waitsToUpload();
    await new Promise((r) => setTimeout(r, 2500));
    expect(pidAlive(job.runnerPid())).toBe(true);
    expect((await job.describe()).TrainingJobStatus).toBe('InProgress');
    fs.free();
    const d = await job.ended(30_000);
    expect(d.TrainingJobStatus, d.FailureReason).toBe('Completed');
    await expectModel(d.ModelArtifacts?.S3ModelArtifacts);
  }, 90_000);

  it('a job stopped while it waits for space to upload its model: the runner ends it Stopped (not the backstop kill), its scratch archive removed', async (ctx) => {
    if (skip !== undefined || !fs) return ctx.skip(skip);
    const job = await holdJob('df-stop-full', true);
    fs.fill();
    job.release();
    await job.imageEnded();
    leave(256 << 10);
    await job.waitsToUpload();
    const t = Date.now();
    await sm.send(new StopTrainingJobCommand({ TrainingJobName: 'df-stop-full' }));
    // The stop ends the wait for space (a 30 min allowance): the runner itself ends the job, not the server's
    // backstop SIGKILL after the 120 s grace. Polled for less than that grace, so a job only the backstop
    // would end is still Stopping here.
    let d = await job.describe();
    while ((d.TrainingJobStatus === 'InProgress' || d.TrainingJobStatus === 'Stopping') && Date.now() - t < 90_000) {
      await new Promise((r) => setTimeout(r, 200));
      d = await job.describe();
    }
    expect(d.TrainingJobStatus, d.FailureReason).toBe('Stopped');
    // The runner reported the outcome (a runner the backstop killed reports none: the executor makes one up),
    // after its stop path made its one last attempt at the upload.
    const exits = readFileSync(join(job.hostDir, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; outcome?: string }).filter((e) => e.type === 'exit');
    expect(exits).toMatchObject([{ outcome: 'Stopped' }]);
    expect(loam.stderr()).not.toMatch(/df-stop-full.*runner ended without reporting an outcome|runner ended without reporting an outcome.*df-stop-full/);
    expect(existsSync(join(job.hostDir, 'scratch', 'model.tar.gz'))).toBe(false);
    expect(job.jobLog()).toMatch(/The model could not be uploaded after the stop: .*no space left on device/i);
    fs.free();
  }, 120_000);

  it('a server killed while the runner waits for space loses nothing: the next server records the upload', async (ctx) => {
    if (skip !== undefined || !fs) return ctx.skip(skip);
    const job = await holdJob('df-restart-full', true);
    fs.fill();
    job.release();
    await job.imageEnded();
    // The server dies (its runner is detached and lives on); space comes back before the next one starts.
    loam.child.kill('SIGKILL');
    await waitForExit(loam.child);
    fs.free();
    const runner = job.runnerPid();
    const t0 = Date.now();
    while (pidAlive(runner) && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 200));
    expect(pidAlive(runner)).toBe(false);
    await startServer();
    const d = await job.ended(30_000);
    expect(d.TrainingJobStatus, d.FailureReason).toBe('Completed');
    await expectModel(d.ModelArtifacts?.S3ModelArtifacts);
  }, 120_000);

  it('a runner killed while its half-written archive holds the last free space: the job still ends Failed, the archive removed', async (ctx) => {
    if (skip !== undefined || !fs) return ctx.skip(skip);
    const job = await holdJob('df-runner-killed-mid-archive', true);
    fs.fill();
    job.release();
    await job.imageEnded();
    leave(256 << 10);
    const before = blocksByFile();
    await job.waitsToUpload();
    // Each retry writes the archive until the disk refuses it, then removes it: kill the runner in between,
    // while the cut-short archive takes every byte the store would need to record the job's end.
    const partial = join(job.hostDir, 'scratch', 'model.tar.gz.partial');
    const size = () => (existsSync(partial) ? statSync(partial, { throwIfNoEntry: false })?.size ?? 0 : 0);
    // Stopped (SIGSTOP) once the archive is seen holding 64 KiB, and looked at again before the kill: a running
    // runner could meet the full disk and remove it between the look and the kill (1 in 8 full-file runs).
    const runner = job.runnerPid();
    const t0 = Date.now();
    for (;;) {
      while (size() < 64 << 10 && Date.now() - t0 < 30_000) await new Promise((r) => setImmediate(r));
      process.kill(runner, 'SIGSTOP');
      if (size() >= 64 << 10 || Date.now() - t0 >= 30_000) break;
      process.kill(runner, 'SIGCONT');
    }
    process.kill(runner, 'SIGKILL');
    // Not met in 4 of 15 full-file runs on 2026-11-29 (0 bytes free right after waitsToUpload) until the store's log
    // was checkpointed before the disk was filled (checkpointStore): if the space is taken again, say by what.
    expect(size(), `free space taken since leave(): ${grownSince(before)}`).toBeGreaterThanOrEqual(64 << 10);
    // What the archive had not taken yet is taken too: only the dead runner's archive holds free space now.
    fs.fill();
    const d = await job.ended(30_000);
    expect(d.TrainingJobStatus, d.FailureReason).toBe('Failed');
    expect(d.FailureReason).toMatch(/runner process ended \(signal SIGKILL\)/);
    // Nothing of the dead runner's archives is left to fill the disk again.
    expect(existsSync(join(job.hostDir, 'scratch'))).toBe(false);
    expect(readdirSync(job.hostDir).filter((f) => f.includes('.tar.gz'))).toEqual([]);
    fs.free();
  }, 90_000);

  it('a runner killed (SIGKILL) after the image succeeded fails the job naming the signal and the step', async (ctx) => {
    if (skip !== undefined || !fs) return ctx.skip(skip);
    const job = await holdJob('df-runner-killed', true);
    // The full disk holds the runner in Uploading, where it is killed.
    fs.fill();
    job.release();
    await job.imageEnded();
    leave(256 << 10);
    await job.waitsToUpload();
    process.kill(job.runnerPid(), 'SIGKILL');
    // The executor notices the runner's end on its own poll. (In CI this stayed InProgress past 60 s when the kill
    // came while a cut-short archive held the last free bytes: the case above.)
    const d = await job.ended(30_000);
    // Not met once in CI (2026-11-29), and not reproduced since: if it comes back, say what the disk and server saw.
    const free = (() => { const st = statfsSync(fs.dir); return st.bavail * st.bsize; })();
    fs.free();
    expect(d.TrainingJobStatus, `${free} bytes free at the end of the wait; server log:\n${loam.stderr().split('\n').slice(-40).join('\n')}`).toBe('Failed');
    expect(d.FailureReason).toMatch(/^InternalServerError: the job's runner process ended \(signal SIGKILL\) without reporting an outcome; the last step it reported was Uploading: the image had ended successfully/);
    expect(loam.child.exitCode).toBeNull();
  }, 90_000);
});
