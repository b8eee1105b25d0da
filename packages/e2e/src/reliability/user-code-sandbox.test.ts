import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateEndpointCommand, CreateEndpointConfigCommand, CreateModelCommand, CreateTrainingJobCommand, CreateTransformJobCommand,
  DescribeEndpointCommand, DescribeTrainingJobCommand, DescribeTransformJobCommand, SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { startAwsLoam, type AwsLoam } from '../aws/aws-loam.test-support.js';
import { awsClients } from '../aws/aws-clients.test-support.js';
import { pollUntil } from '../poll.test-support.js';

/*
 * User code (a script-mode training job, a script-mode model behind an endpoint and in a batch transform)
 * against Loam's own secrets, through the AWS SDK on a real `loam up` run as root: it must not read the
 * data directory's admin credentials or Loam's environment, list the data directory, or signal Loam,
 * while it still reads and writes its own /opt/ml.
 */
const SKLEARN = 'sagemaker-scikit-learn:1.2-1-cpu-py3';
const ROLE = 'arn:aws:iam::000000000000:role/LoamTests';
const BUCKET = 'sandbox';
const asRoot = process.getuid?.() === 0;

// Each attempt is recorded as "allowed" or the exception's name; the report is one JSON object.
const probe = `
import json, os
def probe(extra_write):
    creds, data, pid = os.environ["PROBE_CREDENTIALS"], os.environ["PROBE_DATA_DIR"], int(os.environ["PROBE_LOAM_PID"])
    r = {"uid": os.getuid()}
    def attempt(name, f):
        try:
            f()
            r[name] = "allowed"
        except Exception as e:
            r[name] = type(e).__name__
    attempt("credentials", lambda: open(creds).read())
    attempt("credentialsViaLoamRoot", lambda: open("/proc/%d/root%s" % (pid, creds)).read())
    attempt("loamEnviron", lambda: open("/proc/%d/environ" % pid, "rb").read())
    attempt("signalLoam", lambda: os.kill(pid, 0))
    attempt("shadow", lambda: open("/etc/shadow").read())
    attempt("loamCmdline", lambda: open("/proc/%d/cmdline" % pid, "rb").read())
    attempt("listDataDir", lambda: os.listdir(data))
    attempt("ownWrite", lambda: open(extra_write, "w").write("mine"))
    return r
`;

const train = `${probe}
if __name__ == "__main__":
    r = probe(os.path.join(os.environ["SM_MODEL_DIR"], "own.txt"))
    r["modelDir"] = os.environ["SM_MODEL_DIR"]
    r["home"] = os.environ["HOME"]
    print("SANDBOX " + json.dumps(r))
`;

const inference = `${probe}
def model_fn(model_dir):
    return model_dir
def input_fn(body, content_type):
    return body
def predict_fn(data, model_dir):
    r = probe("/tmp/own.txt")
    r["modelDir"] = model_dir
    return r
def output_fn(r, accept):
    return json.dumps(r)
`;

interface Report { uid: number; credentials: string; credentialsViaLoamRoot: string; shadow: string; loamCmdline: string; loamEnviron: string; signalLoam: string; listDataDir: string; ownWrite: string; modelDir: string; home?: string }

let loam: AwsLoam;
let sm: SageMakerClient;
let s3: S3Client;
let runtime: SageMakerRuntimeClient;
let scratch: string;
let env: Record<string, string>;

async function put(key: string, body: Uint8Array | string): Promise<string> {
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  return `s3://${BUCKET}/${key}`;
}

async function putTar(key: string, files: Record<string, string>, prefix = ''): Promise<string> {
  const dir = mkdtempSync(join(scratch, 'tar-'));
  for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, name), body);
  const file = join(scratch, key.replace(/\//g, '_'));
  execFileSync('tar', ['czf', file, ...(prefix ? ['--transform', `s,^,${prefix},`] : []), '-C', dir, ...Object.keys(files)]);
  return put(key, readFileSync(file));
}

const until = <T>(read: () => Promise<T>, done: (t: T) => boolean, seconds = 120) => pollUntil(read, done, seconds);

/** What user code may not do, and may. */
function expectSandboxed(r: Report): void {
  expect(r.uid).toBeGreaterThanOrEqual(2_100_000_000);
  // A data directory under /tmp is not even there: the sandbox has its own /tmp.
  expect(['PermissionError', 'FileNotFoundError']).toContain(r.credentials);
  expect(['PermissionError', 'FileNotFoundError']).toContain(r.listDataDir);
  // Loam's process is not shown in the sandbox's /proc (its own uid's processes only).
  expect(r.credentialsViaLoamRoot).toBe('FileNotFoundError');
  expect(r.loamEnviron).toBe('FileNotFoundError');
  expect(r.loamCmdline).toBe('FileNotFoundError');
  // Not root, and not Loam's uid.
  expect(r.shadow).toBe('PermissionError');
  expect(r.signalLoam).toBe('PermissionError');
  expect(r.ownWrite).toBe('allowed');
}

async function start(): Promise<void> {
  loam = await startAwsLoam();
  ({ sm, s3, runtime } = awsClients(loam));
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  env = { PROBE_CREDENTIALS: loam.credentialsFile, PROBE_DATA_DIR: loam.dataDir, PROBE_LOAM_PID: String(loam.process.child.pid) };
  await put('data/train.csv', '1,2\n');
}
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'loam-sandbox-'));
});
afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});
serverPerAttempt(start, async () => loam?.stop(), 120_000);

describe.runIf(asRoot)('user code runs as a uid of its own and cannot reach Loam\'s secrets', () => {
  it('a script-mode training job: its own /opt/ml is writable and uploaded; credentials, Loam\'s environment and signals are refused', async () => {
    const source = await putTar('code/sourcedir.tar.gz', { 'train.py': train });
    await sm.send(new CreateTrainingJobCommand({
      TrainingJobName: 'probe-train', RoleArn: ROLE, StoppingCondition: { MaxRuntimeInSeconds: 120 },
      ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 5 },
      AlgorithmSpecification: { TrainingImage: SKLEARN, TrainingInputMode: 'File' },
      // An argument naming a file other users cannot read changes nothing: only Loam's own paths are probed.
      HyperParameters: { sagemaker_program: 'train.py', sagemaker_submit_directory: source, unreadable: '/etc/shadow' },
      InputDataConfig: [{ ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://${BUCKET}/data/` } } }],
      OutputDataConfig: { S3OutputPath: `s3://${BUCKET}/output` }, Environment: env,
    }));
    const d = await until(() => sm.send(new DescribeTrainingJobCommand({ TrainingJobName: 'probe-train' })), (t) => ['Completed', 'Failed', 'Stopped'].includes(t.TrainingJobStatus ?? ''));
    expect(d.TrainingJobStatus, d.FailureReason).toBe('Completed');
    const logs = readFileSync(join(loam.dataDir, 'jobs', 'training-job', 'probe-train', 'logs.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { line: string }).line);
    const line = logs.find((l) => l.startsWith('SANDBOX '));
    expect(line, logs.join('\n')).toBeDefined();
    const r = JSON.parse(line!.slice('SANDBOX '.length)) as Report;
    expectSandboxed(r);
    expect(r.modelDir).toBe('/opt/ml/model');
    expect(r.home).toBe('/tmp');
    expect(logs.some((l) => l.includes(`as uid ${r.uid}`))).toBe(true);
    // What it wrote is the model, uploaded by Loam.
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'output/probe-train/output/model.tar.gz' }));
    writeFileSync(join(scratch, 'model.tar.gz'), await got.Body!.transformToByteArray());
    expect(execFileSync('tar', ['tzf', join(scratch, 'model.tar.gz')], { encoding: 'utf8' })).toContain('own.txt');
  }, 180_000);

  it('links the image leaves for Loam to follow (model/ to the data directory, output/failure to the credentials) are not followed', async () => {
    const plant = (fail: boolean) => [
      'import os, shutil, sys',
      'creds, data = os.environ["PROBE_CREDENTIALS"], os.environ["PROBE_DATA_DIR"]',
      'model = os.environ["SM_MODEL_DIR"]',
      'shutil.rmtree(model)',
      'os.symlink(data, model)',
      'os.makedirs("/opt/ml/output", exist_ok=True)',
      'os.symlink(creds, "/opt/ml/output/failure")',
      'os.symlink(creds, "/opt/ml/output/message")',
      `sys.exit(${fail ? 1 : 0})`,
    ].join('\n');
    for (const fail of [false, true]) {
      const name = fail ? 'plant-fail' : 'plant-ok';
      const source = await putTar(`code/${name}.tar.gz`, { 'plant.py': plant(fail) });
      await sm.send(new CreateTrainingJobCommand({
        TrainingJobName: name, RoleArn: ROLE, StoppingCondition: { MaxRuntimeInSeconds: 120 },
        ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 5 },
        AlgorithmSpecification: { TrainingImage: SKLEARN, TrainingInputMode: 'File' },
        HyperParameters: { sagemaker_program: 'plant.py', sagemaker_submit_directory: source },
        InputDataConfig: [{ ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://${BUCKET}/data/` } } }],
        OutputDataConfig: { S3OutputPath: `s3://${BUCKET}/output` }, Environment: env,
      }));
      const d = await until(() => sm.send(new DescribeTrainingJobCommand({ TrainingJobName: name })), (t) => ['Completed', 'Failed', 'Stopped'].includes(t.TrainingJobStatus ?? ''));
      expect(JSON.stringify(d)).not.toContain(loam.secretAccessKey);
      if (fail) {
        expect(d.TrainingJobStatus).toBe('Failed');
        expect(d.FailureReason).toMatch(/^AlgorithmError: the image ended with exit code 1/);
        continue;
      }
      expect(d.TrainingJobStatus, d.FailureReason).toBe('Completed');
      const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: `output/${name}/output/model.tar.gz` }));
      const archive = Buffer.from(await got.Body!.transformToByteArray());
      writeFileSync(join(scratch, `${name}.tar.gz`), archive);
      expect(execFileSync('tar', ['tzf', join(scratch, `${name}.tar.gz`)], { encoding: 'utf8' }).trim()).toBe('');
      expect(execFileSync('tar', ['xzOf', join(scratch, `${name}.tar.gz`)], { encoding: 'utf8' })).not.toContain(loam.secretAccessKey);
    }
  }, 180_000);

  it('a script-mode model behind an endpoint, and in a batch transform, is sandboxed the same way', async () => {
    const model = await putTar('models/probe/model.tar.gz', { 'inference.py': inference }, 'code/');
    await sm.send(new CreateModelCommand({ ModelName: 'probe', ExecutionRoleArn: ROLE, PrimaryContainer: { Image: SKLEARN, ModelDataUrl: model, Environment: { SAGEMAKER_PROGRAM: 'inference.py', ...env } } }));
    await sm.send(new CreateEndpointConfigCommand({ EndpointConfigName: 'probe', ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: 'probe', InitialInstanceCount: 1, InstanceType: 'ml.m5.large' }] }));
    await sm.send(new CreateEndpointCommand({ EndpointName: 'probe', EndpointConfigName: 'probe' }));
    const e = await until(() => sm.send(new DescribeEndpointCommand({ EndpointName: 'probe' })), (d) => d.EndpointStatus !== 'Creating');
    expect(e.EndpointStatus, e.FailureReason).toBe('InService');
    const res = await runtime.send(new InvokeEndpointCommand({ EndpointName: 'probe', ContentType: 'text/csv', Body: new TextEncoder().encode('1') }));
    const served = JSON.parse(new TextDecoder().decode(res.Body)) as Report;
    expectSandboxed(served);
    expect(served.modelDir).toBe('/opt/ml/model');

    await put('batch/in.csv', '1\n');
    await sm.send(new CreateTransformJobCommand({
      TransformJobName: 'probe-batch', ModelName: 'probe',
      TransformInput: { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://${BUCKET}/batch/` } }, ContentType: 'text/csv' },
      TransformOutput: { S3OutputPath: `s3://${BUCKET}/batch-out/` }, TransformResources: { InstanceType: 'ml.m5.large', InstanceCount: 1 },
    }));
    const t = await until(() => sm.send(new DescribeTransformJobCommand({ TransformJobName: 'probe-batch' })), (d) => ['Completed', 'Failed', 'Stopped'].includes(d.TransformJobStatus ?? ''));
    expect(t.TransformJobStatus, t.FailureReason).toBe('Completed');
    const out = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'batch-out/in.csv.out' }));
    expectSandboxed(JSON.parse(await out.Body!.transformToString()) as Report);
  }, 240_000);
});
