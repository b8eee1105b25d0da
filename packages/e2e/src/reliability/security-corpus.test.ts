import { execFileSync } from 'node:child_process';
import { connect } from 'node:net';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateEndpointCommand, CreateEndpointConfigCommand, CreateModelCommand, CreateProcessingJobCommand, CreateTrainingJobCommand,
  CreateTransformJobCommand, DescribeEndpointCommand, DescribeTrainingJobCommand, DescribeTransformJobCommand, SageMakerClient,
  type CreateTrainingJobCommandInput,
} from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { readCredentialsProfile } from '@loam/cli';
import { writeTarGz, type TarEntry } from '@loam/testkit/fixtures/hostile-tar';
import { nameForAttempt } from '@loam/testkit/vitest/retry.test-support';
import { boto3, startAwsLoam, type AwsLoam } from '../aws/aws-loam.test-support.js';
import { awsClients } from '../aws/aws-clients.test-support.js';
import { pollUntil } from '../poll.test-support.js';

/*
 * reliability.md §1 against a real `loam up`, through the AWS SDK: storage URIs (S2), archives Loam
 * extracts (S3, S14), job parameters reaching a child process (S7), user content served from Loam's
 * origin (S11), file modes under the data root (S13) and pickled inference payloads (S5).
 */
const XGBOOST = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1';
const SKLEARN = 'sagemaker-scikit-learn:1.2-1-cpu-py3';
const ROLE = 'arn:aws:iam::000000000000:role/LoamTests';
const BUCKET = 'sec';
const RESOURCES = { InstanceType: 'ml.m5.large' as const, InstanceCount: 1, VolumeSizeInGB: 5 };
const marker = `escape-${randomUUID()}`;

let loam: AwsLoam;
let sm: SageMakerClient;
let s3: S3Client;
let runtime: SageMakerRuntimeClient;
let scratch: string;
let modelFiles: TarEntry[];

const errorOf = (p: Promise<unknown>): Promise<{ name: string; message: string }> =>
  p.then(() => ({ name: 'resolved', message: '' }), (e: Error) => ({ name: e.name, message: e.message }));

async function put(key: string, body: Uint8Array | string, contentType?: string): Promise<string> {
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body, ...(contentType ? { ContentType: contentType } : {}) }));
  return `s3://${BUCKET}/${key}`;
}

async function putArchive(key: string, entries: Iterable<TarEntry>): Promise<string> {
  const file = join(scratch, key.replace(/\//g, '_'));
  await writeTarGz(file, entries);
  return put(key, readFileSync(file));
}

const until = <T>(read: () => Promise<T>, done: (t: T) => boolean, seconds = 90) => pollUntil(read, done, seconds);

const trainingJob = (name: string, over: Partial<CreateTrainingJobCommandInput> = {}): CreateTrainingJobCommandInput => ({
  TrainingJobName: name, RoleArn: ROLE, ResourceConfig: RESOURCES, StoppingCondition: { MaxRuntimeInSeconds: 120 },
  AlgorithmSpecification: { TrainingImage: XGBOOST, TrainingInputMode: 'File' },
  HyperParameters: { objective: 'binary:logistic', num_round: '3' },
  InputDataConfig: [{ ChannelName: 'train', ContentType: 'text/csv', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://${BUCKET}/train/` } } }],
  OutputDataConfig: { S3OutputPath: `s3://${BUCKET}/output` },
  ...over,
});

async function finishedJob(name: string) {
  return until(() => sm.send(new DescribeTrainingJobCommand({ TrainingJobName: name })), (d) => ['Completed', 'Failed', 'Stopped'].includes(d.TrainingJobStatus ?? ''));
}

/** Creates model → config → endpoint and waits until it leaves Creating. */
async function deploy(name: string, modelDataUrl: string) {
  await sm.send(new CreateModelCommand({ ModelName: name, ExecutionRoleArn: ROLE, PrimaryContainer: { Image: XGBOOST, ModelDataUrl: modelDataUrl } }));
  await sm.send(new CreateEndpointConfigCommand({ EndpointConfigName: name, ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: name, InitialInstanceCount: 1, InstanceType: 'ml.m5.large' }] }));
  await sm.send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: name }));
  return until(() => sm.send(new DescribeEndpointCommand({ EndpointName: name })), (d) => d.EndpointStatus !== 'Creating', 120);
}

/** Every path under `dir` (files and directories) whose name contains `needle`. */
function findNamed(dir: string, needle: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true }).map(String).filter((p) => p.includes(needle));
}

function logLines(job: string): string[] {
  const file = join(loam.dataDir, 'jobs', 'training-job', job, 'logs.jsonl');
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { line: string }).line);
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'loam-sec-'));
  loam = await startAwsLoam();
  ({ sm, s3, runtime } = awsClients(loam));
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const rows = Array.from({ length: 200 }, (_, i) => {
    const x = (i * 37) % 100 / 100;
    const y = (i * 61) % 100 / 100;
    return `${x + y > 1 ? 1 : 0},${x},${y}`;
  });
  await put('train/train.csv', `${rows.join('\n')}\n`);
  await sm.send(new CreateTrainingJobCommand(trainingJob('good-model')));
  const job = await finishedJob('good-model');
  expect(job.TrainingJobStatus, job.FailureReason).toBe('Completed');
  // The trained model's own files, to put next to each hostile entry (so only that entry can fail it).
  const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'output/good-model/output/model.tar.gz' }));
  const archive = join(scratch, 'good-model.tar.gz');
  writeFileSync(archive, await got.Body!.transformToByteArray());
  const dir = join(scratch, 'good-model');
  mkdirSync(dir);
  execFileSync('tar', ['xzf', archive, '-C', dir]);
  modelFiles = readdirSync(dir).map((name) => ({ name, body: readFileSync(join(dir, name)) }));
  await sm.send(new CreateModelCommand({ ModelName: 'good-model', ExecutionRoleArn: ROLE, PrimaryContainer: { Image: XGBOOST, ModelDataUrl: `s3://${BUCKET}/output/good-model/output/model.tar.gz` } }));
}, 180_000);

afterAll(async () => {
  await loam?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('S3/S14: archives Loam extracts are checked whole; a hostile one is refused naming it', () => {
  const hostile: [string, () => Iterable<TarEntry>, RegExp][] = [
    ['a ../ entry', () => [...modelFiles, { name: `../../${marker}.txt`, body: 'x' }], new RegExp(`entry '\\.\\./\\.\\./${marker}\\.txt' has a '\\.\\.' segment`)],
    ['an absolute entry', () => [...modelFiles, { name: `/tmp/${marker}.txt`, body: 'x' }], /is an absolute path/],
    ['100,001 entries', function* () {
      yield* modelFiles;
      for (let i = 0; i <= 100_000; i++) yield { name: `many/${i}` };
    }, /it has more than 100000 entries/],
    ['a bomb: 5 MB expanding to 1.1 GiB', () => [...modelFiles, { name: 'zeros.bin', zeros: 1.1 * 1024 ** 3 }], /it expands to more than (the )?\d+ bytes/],
  ];

  it.for(hostile.map(([what, , reason], i) => [what, i, reason] as const))('model.tar.gz with %s: the endpoint fails, nothing is written', { timeout: 120_000 }, async ([, i, reason], { task }) => {
    // CI's retry shares the server: it deploys under new names (nameForAttempt), as the tests below do.
    const name = nameForAttempt(task, `hostile-${i}`);
    const uri = await putArchive(`hostile/model-${i}.tar.gz`, hostile[i]![1]());
    const d = await deploy(name, uri);
    expect(d.EndpointStatus).toBe('Failed');
    expect(d.FailureReason).toContain(`Model data '${uri}' was refused: `);
    expect(d.FailureReason).toMatch(reason);
    expect(findNamed(join(loam.dataDir, 'jobs'), marker)).toEqual([]);
    expect(findNamed(join(loam.dataDir, 'jobs', 'endpoints', name), 'many')).toEqual([]);
    expect(findNamed(join(loam.dataDir, 'jobs', 'endpoints', name), 'zeros.bin')).toEqual([]);
    expect(existsSync(`/tmp/${marker}.txt`)).toBe(false);
  });

  it('sourcedir.tar.gz with a ../ entry: the script-mode training job fails as a ClientError naming it', async ({ task }) => {
    const name = nameForAttempt(task, 'hostile-sourcedir');
    const uri = await putArchive('hostile/sourcedir.tar.gz', [{ name: 'train.py', body: 'print("ran")\n' }, { name: `../../../${marker}.py`, body: 'x' }]);
    await sm.send(new CreateTrainingJobCommand(trainingJob(name, {
      AlgorithmSpecification: { TrainingImage: SKLEARN, TrainingInputMode: 'File' },
      HyperParameters: { sagemaker_program: 'train.py', sagemaker_submit_directory: uri },
    })));
    const d = await finishedJob(name);
    expect(d.TrainingJobStatus).toBe('Failed');
    expect(d.FailureReason).toMatch(new RegExp(`^ClientError: sagemaker_submit_directory '${uri}' was refused: entry '\\.\\./\\.\\./\\.\\./${marker}\\.py'`));
    expect(findNamed(join(loam.dataDir, 'jobs'), marker)).toEqual([]);
  }, 120_000);

  it('a batch transform whose model.tar.gz has a ../ entry fails naming it', async ({ task }) => {
    const name = nameForAttempt(task, 'hostile-transform');
    const uri = await putArchive('hostile/transform-model.tar.gz', [...modelFiles, { name: `../../${marker}.txt`, body: 'x' }]);
    await sm.send(new CreateModelCommand({ ModelName: name, ExecutionRoleArn: ROLE, PrimaryContainer: { Image: XGBOOST, ModelDataUrl: uri } }));
    await put('batch/in.csv', '0.1,0.2\n');
    await sm.send(new CreateTransformJobCommand({
      TransformJobName: name, ModelName: name,
      TransformInput: { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://${BUCKET}/batch/` } }, ContentType: 'text/csv' },
      TransformOutput: { S3OutputPath: `s3://${BUCKET}/batch-out/` }, TransformResources: { InstanceType: 'ml.m5.large', InstanceCount: 1 },
    }));
    const d = await until(() => sm.send(new DescribeTransformJobCommand({ TransformJobName: name })), (t) => ['Completed', 'Failed', 'Stopped'].includes(t.TransformJobStatus ?? ''));
    expect(d.TransformJobStatus).toBe('Failed');
    expect(d.FailureReason).toMatch(new RegExp(`The model data was refused: entry '\\.\\./\\.\\./${marker}\\.txt' has a '\\.\\.' segment`));
    expect(findNamed(join(loam.dataDir, 'jobs'), marker)).toEqual([]);
  }, 120_000);
});

describe('S7: job parameters reach the child literally; Environment names follow SageMaker\'s pattern', () => {
  const nasty = { a: '$(id)', b: '`id`', c: ';id', d: 'x && id', e: 'line1\nline2', f: '--help', g: '| cat /etc/passwd' };

  it('hyperparameters, Environment values and an S3 key with shell metacharacters arrive as given', async ({ task }) => {
    const job = nameForAttempt(task, 'literal-args');
    const script = [
      'import json, os, sys',
      'ch = os.environ["SM_CHANNEL_TRAIN"]',
      'print("SEC " + json.dumps({"argv": sys.argv[1:], "env": os.environ.get("X_NASTY"), "files": sorted(os.listdir(ch))}))',
    ].join('\n');
    const source = await putArchive('code/sourcedir.tar.gz', [{ name: 'train.py', body: script }]);
    await put('nasty/$(id);x&&y `id`.csv', '1,2\n');
    await sm.send(new CreateTrainingJobCommand(trainingJob(job, {
      AlgorithmSpecification: { TrainingImage: SKLEARN, TrainingInputMode: 'File' },
      HyperParameters: { sagemaker_program: 'train.py', sagemaker_submit_directory: source, ...nasty },
      Environment: { X_NASTY: '$(touch /tmp/pwned);`id`\n&& id' },
      InputDataConfig: [{ ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://${BUCKET}/nasty/` } } }],
    })));
    const d = await finishedJob(job);
    expect(d.TrainingJobStatus, d.FailureReason).toBe('Completed');
    const line = logLines(job).find((l) => l.startsWith('SEC '));
    const seen = JSON.parse(line!.slice(4)) as { argv: string[]; env: string; files: string[] };
    expect(seen.argv).toEqual(Object.entries(nasty).flatMap(([k, v]) => [`--${k}`, v]));
    expect(seen.env).toBe('$(touch /tmp/pwned);`id`\n&& id');
    expect(seen.files).toEqual(['$(id);x&&y `id`.csv']);
  }, 120_000);

  const badNames = ['A;id', '$(id)', 'A B', 'A=B', '1A', 'A-B', 'A\nB', '--x'];
  const ops: [string, (env: Record<string, string>, i: number) => Promise<unknown>][] = [
    ['CreateTrainingJob', (Environment, i) => sm.send(new CreateTrainingJobCommand(trainingJob(`bad-env-${i}`, { Environment })))],
    ['CreateModel', (Environment, i) => sm.send(new CreateModelCommand({ ModelName: `bad-env-${i}`, ExecutionRoleArn: ROLE, PrimaryContainer: { Image: XGBOOST, ModelDataUrl: `s3://${BUCKET}/output/good-model/output/model.tar.gz`, Environment } }))],
    ['CreateProcessingJob', (Environment, i) => sm.send(new CreateProcessingJobCommand({
      ProcessingJobName: `bad-env-${i}`, RoleArn: ROLE, AppSpecification: { ImageUri: SKLEARN, ContainerEntrypoint: ['python3', '-c', 'print(1)'] }, Environment,
      ProcessingResources: { ClusterConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 5 } },
    }))],
    ['CreateTransformJob', (Environment, i) => sm.send(new CreateTransformJobCommand({
      TransformJobName: `bad-env-${i}`, ModelName: 'good-model', Environment,
      TransformInput: { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://${BUCKET}/batch/` } } },
      TransformOutput: { S3OutputPath: `s3://${BUCKET}/batch-out/` }, TransformResources: { InstanceType: 'ml.m5.large', InstanceCount: 1 },
    }))],
  ];
  let n = 0;
  it.each(ops.flatMap(([op]) => badNames.map((name) => [op, name] as const)))('%s refuses the Environment name %j with a ValidationException', async (op, name) => {
    const send = ops.find(([o]) => o === op)![1];
    const e = await errorOf(send({ [name]: 'v' }, n++));
    expect(e.name).toBe('ValidationException');
    expect(e.message).toContain('regular expression pattern: ^[a-zA-Z_][a-zA-Z0-9_]');
  });
});

describe('S2: storage URIs outside the artifact store are refused at create time', () => {
  const bad = ['file:///etc/', '/etc/', 'http:///#/../../etc/', 's3://sec/../../etc/', 's3://sec/train/?x=../../', 's3://sec/..%2f..%2fetc/', 's3://sec/%2e%2e/%2e%2e/etc/', 's3://sec/train/#/../../'];
  let n = 0;
  it.each(bad)('CreateTrainingJob with channel S3Uri and S3OutputPath %j → ValidationException', async (uri) => {
    const i = n++;
    const channel = await errorOf(sm.send(new CreateTrainingJobCommand(trainingJob(`bad-uri-in-${i}`, {
      InputDataConfig: [{ ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: uri } } }],
    }))));
    expect(channel.name).toBe('ValidationException');
    const output = await errorOf(sm.send(new CreateTrainingJobCommand(trainingJob(`bad-uri-out-${i}`, { OutputDataConfig: { S3OutputPath: uri } }))));
    expect(output.name).toBe('ValidationException');
  });

  it.each([...bad, 's3://other-bucket/model.tar.gz'])('CreateModel with ModelDataUrl %j → ValidationException', async (uri) => {
    const e = await errorOf(sm.send(new CreateModelCommand({ ModelName: `bad-uri-model-${n++}`, ExecutionRoleArn: ROLE, PrimaryContainer: { Image: XGBOOST, ModelDataUrl: uri } })));
    expect(e.name).toBe('ValidationException');
  });
});

describe('after a training job and an endpoint deploy', () => {
  let pwned: string;
  beforeAll(async () => {
    pwned = join(scratch, `PWNED-${randomUUID()}`);
    const d = await deploy('good-endpoint', `s3://${BUCKET}/output/good-model/output/model.tar.gz`);
    expect(d.EndpointStatus, d.FailureReason).toBe('InService');
  }, 180_000);

  it('S13: nothing under the data root is world-writable; the endpoint\'s model is owner-only', () => {
    const worldWritable = execFileSync('find', [loam.dataDir, '-perm', '-o+w'], { encoding: 'utf8' }).trim();
    expect(worldWritable).toBe('');
    const instanceDir = join(loam.dataDir, 'jobs', 'endpoints', 'good-endpoint');
    const open = execFileSync('find', [instanceDir, '-perm', '/077'], { encoding: 'utf8' }).trim();
    expect(open).toBe('');
    expect(statSync(instanceDir).mode & 0o777).toBe(0o700);
  });

  it('S5: pickled payloads are refused with 415 by the built-in model server, and nothing is unpickled', async () => {
    // A pickle whose __reduce__ would create the marker file: cos/system + (touch …) in protocol 0.
    const pickle = Buffer.from(`cos\nsystem\n(S'touch ${pwned}'\ntR.`, 'latin1');
    for (const ContentType of ['application/x-pickle', 'application/python-pickle', 'application/vnd.bentoml+pickle', 'application/x-npy']) {
      const e = await errorOf(runtime.send(new InvokeEndpointCommand({ EndpointName: 'good-endpoint', ContentType, Body: pickle })));
      expect(e.name, ContentType).toBe('ModelError');
      expect(e.message, ContentType).toContain('Received client error (415)');
    }
    const ok = await runtime.send(new InvokeEndpointCommand({ EndpointName: 'good-endpoint', ContentType: 'text/csv', Body: '0.9,0.9\n' }));
    expect(Number(Buffer.from(ok.Body!).toString())).toBeGreaterThan(0.5);
    expect(existsSync(pwned)).toBe(false);
  });
});

describe('S11: user content served from Loam\'s origin cannot run script there', () => {
  const html = '<html><script>fetch("/api/v1/training-jobs")</script></html>';

  it('an S3 object uploaded as text/html is served with nosniff and a sandbox CSP (presigned GET)', async () => {
    await put('xss/x.html', html, 'text/html');
    const { url } = await boto3<{ url: string }>(loam, [
      "s3 = client('s3', config=Config(signature_version='s3v4'))",
      "print(json.dumps({'url': s3.generate_presigned_url('get_object', Params={'Bucket': 'sec', 'Key': 'xss/x.html'})}))",
    ].join('\n'));
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(html);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toMatch(/\bsandbox\b/);
  });

  it('an MLflow artifact uploaded as image/svg+xml is served with nosniff and a sandbox CSP', async () => {
    const token = readCredentialsProfile(loam.credentialsFile)?.['loam_api_token'];
    const url = `${loam.url}/api/2.0/mlflow-artifacts/artifacts/0/run-x/artifacts/x.svg`;
    const svg = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>';
    const putRes = await fetch(url, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'image/svg+xml' }, body: svg });
    expect(putRes.status).toBe(200);
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    expect(await res.text()).toBe(svg);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toMatch(/\bsandbox\b/);
  });
});

describe('S12: Studio\'s static paths never serve source, config or files outside the build', () => {
  /** Sends the request line exactly as given (fetch would normalise the dot segments away). */
  const raw = (path: string): Promise<{ status: number; body: string }> => new Promise((resolve, reject) => {
    const { hostname, port } = new URL(loam.url);
    const sock = connect(Number(port), hostname);
    let data = '';
    sock.setEncoding('latin1');
    sock.on('data', (d: string) => (data += d));
    sock.on('error', reject);
    sock.on('end', () => resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(data)?.[1] ?? 0), body: data.slice(data.indexOf('\r\n\r\n') + 4) }));
    sock.write(`GET ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: close\r\n\r\n`);
  });

  it.each([
    '/static../server.js', '/static/..%2f..%2fpackage.json', '/assets/..%2f..%2fpackage.json', '/assets//etc/passwd', '/assets/%2e%2e/%2e%2e/package.json',
    '/assets/../../package.json', '/assets/..\\..\\package.json', '/..%2f..%2fpackage.json', '/assets/%252e%252e%252fpackage.json', '/package.json', '/vite.config.ts', '/src/main.tsx',
  ])('GET %s → 400 or 404, nothing of the repository or /etc', async (path) => {
    const res = await raw(path);
    expect([400, 404]).toContain(res.status);
    expect(res.body).not.toMatch(/"workspaces"|"devDependencies"|root:x:0:0|import React|defineConfig/);
  });
});
