import { gzipSync } from 'node:zlib';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCredentialsProfile } from '@loam/cli';
import { removeDataDir, startLoamProcess, stopLoamProcess, tempDataDir, type LoamProcess } from '../loam-process.test-support.js';
import { descendants, openFds, rssBytes, send, sendAwsJson, type Answer } from './bad-input.test-support.js';

// Research §3 (B1–B10, B14, B15) against a real `loam up`, then recipe R6: after the sweep the server
// answers /healthz, its RSS grew < 50 MB, its descriptors are back to the baseline and it has started
// no process. Every case asserts the 4xx AND that the message names what was wrong.

const XGBOOST = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1';
const LINEAR = '382416733822.dkr.ecr.us-east-1.amazonaws.com/linear-learner:1';
const ROLE = 'arn:aws:iam::000000000000:role/LoamTests';

let loam: LoamProcess;
let token = '';
let keys = { accessKeyId: '', secretAccessKey: '' };
let runId = '';
const dataDir = tempDataDir('loam-bad-input-');
const baseline = { rss: 0, fds: new Map<string, string>(), children: new Map<number, string>() };

const rest = (method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<Answer> =>
  send(loam.url, method, path, body, { authorization: `Bearer ${token}`, ...(body !== undefined && !headers['content-type'] ? { 'content-type': 'application/json' } : {}), ...headers });
const json = (method: string, path: string, body: unknown) => rest(method, path, JSON.stringify(body));
const upload = (dataset: string, body: string | Buffer, query = '') =>
  rest('POST', `/api/v1/datasets/${dataset}/upload?FileName=f.csv${query}`, body, { 'content-type': 'application/octet-stream' });
const invoke = (endpoint: string, body: string | Buffer, contentType = 'text/csv') => rest('POST', `/endpoints/${endpoint}/invocations`, body, { 'content-type': contentType });
const mlflow = (path: string, body: string | Buffer) => rest('POST', `/api/2.0/mlflow/${path}`, body);
const aws = (target: string, body: string | Buffer) => sendAwsJson(loam.url, keys, target, body);

const nested = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
const nestedObject = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
const wideObject = (n: number) => `{${Array.from({ length: n }, (_, i) => `"${i.toString(36)}":0`).join(',')}}`;
const invalidUtf8 = (before: string, after: string) => Buffer.concat([Buffer.from(before), Buffer.from([0xff]), Buffer.from(after)]);

async function poll<T>(what: string, f: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await f();
    if (done(v)) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`${what}: still ${JSON.stringify(v)} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Trains a built-in model on s3://bad-input-data/train/ and returns its model.tar.gz. */
async function train(name: string, image: string, hyperParameters: Record<string, string>): Promise<string> {
  const r = await json('POST', '/api/v1/training-jobs', {
    TrainingJobName: name, AlgorithmSpecification: { TrainingImage: image, TrainingInputMode: 'File' }, RoleArn: ROLE, HyperParameters: hyperParameters,
    InputDataConfig: [{ ChannelName: 'train', ContentType: 'text/csv', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://bad-input-data/train/' } } }],
    OutputDataConfig: { S3OutputPath: 's3://bad-input-data/out' }, ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 1 }, StoppingCondition: { MaxRuntimeInSeconds: 600 },
  });
  expect(r.status, r.text).toBe(200);
  const d = await poll(`training job ${name}`, async () => (await rest('GET', `/api/v1/training-jobs/${name}`)).json, (j) => j['TrainingJobStatus'] !== 'InProgress');
  expect(d['TrainingJobStatus'], d['FailureReason']).toBe('Completed');
  return d['ModelArtifacts'].S3ModelArtifacts as string;
}

async function deploy(name: string, image: string, modelDataUrl: string): Promise<void> {
  expect((await json('POST', '/api/v1/models', { ModelName: name, PrimaryContainer: { Image: image, ModelDataUrl: modelDataUrl }, ExecutionRoleArn: ROLE })).status).toBe(200);
  const variants = (n: number) => [{ VariantName: 'AllTraffic', ModelName: name, InitialInstanceCount: n, InstanceType: 'ml.m5.large' }];
  expect((await json('POST', '/api/v1/endpoint-configs', { EndpointConfigName: name, ProductionVariants: variants(1) })).status).toBe(200);
  expect((await json('POST', '/api/v1/endpoint-configs', { EndpointConfigName: `${name}-4`, ProductionVariants: variants(4) })).status).toBe(200);
  expect((await json('POST', '/api/v1/endpoints', { EndpointName: name, EndpointConfigName: name })).status).toBe(200);
  await poll(`endpoint ${name}`, async () => (await rest('GET', `/api/v1/endpoints/${name}`)).json['EndpointStatus'], (s) => s !== 'Creating');
  expect((await rest('GET', `/api/v1/endpoints/${name}`)).json['EndpointStatus']).toBe('InService');
}

beforeAll(async () => {
  loam = await startLoamProcess(dataDir);
  const creds = readCredentialsProfile(loam.info.credentialsFile)!;
  token = creds['loam_api_token']!;
  keys = { accessKeyId: creds['aws_access_key_id']!, secretAccessKey: creds['aws_secret_access_key']! };

  // Three features; y = 1 when x0 + x1 > 1.
  const rows = Array.from({ length: 300 }, (_, i) => {
    const [a, b, c] = [((i * 37) % 100) / 100, ((i * 61) % 100) / 100, (i % 7) / 7];
    return `${a + b > 1 ? 1 : 0},${a},${b},${c}`;
  });
  const s3 = new S3Client({ endpoint: loam.url, region: 'us-east-1', forcePathStyle: true, credentials: keys });
  await s3.send(new CreateBucketCommand({ Bucket: 'bad-input-data' }));
  await s3.send(new PutObjectCommand({ Bucket: 'bad-input-data', Key: 'train/train.csv', Body: `${rows.join('\n')}\n` }));
  s3.destroy();
  const [xgb, ll] = await Promise.all([
    train('xgb', XGBOOST, { num_round: '5', objective: 'binary:logistic' }),
    train('ll', LINEAR, { predictor_type: 'binary_classifier', feature_dim: '3', epochs: '2' }),
  ]);
  await Promise.all([deploy('e-xgb', XGBOOST, xgb), deploy('e-ll', LINEAR, ll)]);

  expect((await json('POST', '/api/v1/datasets', { DatasetName: 'ds-a', Description: 'the original' })).status).toBe(200);
  expect((await upload('ds-a', 'a,b,c\n1,x,2\n3,y,4\n')).status).toBe(200);
  expect((await json('POST', '/api/v1/users', { UserName: 'user-a' })).status).toBe(200);
  runId = (await mlflow('runs/create', JSON.stringify({ experiment_id: '0' }))).json['run'].info.run_id;
  expect((await mlflow('experiments/create', JSON.stringify({ name: 'cafe\u0301' }))).status).toBe(200);

  // Warm every path once, the largest bodies included, then take the baseline: R6 looks for memory
  // kept after the sweep, not for the heap's first growth to hold a 9 MB body.
  for (const e of ['e-xgb', 'e-ll']) expect((await invoke(e, '0.5,0.7,0.1')).status).toBe(200);
  expect((await rest('POST', '/api/v1/users', wideObject(1_000_000))).status).toBe(400);
  expect((await upload('ds-a', Buffer.concat([Buffer.from('a,b\n1,'), Buffer.alloc(20 * 1024 * 1024, 0x61)]))).status).toBe(400);
  expect((await invoke('e-xgb', 'x,y,z')).status).toBe(424);
  expect((await json('POST', '/api/v1/users', { UserName: 'x', Tags: 1 })).status).toBe(400);
  expect((await upload('ds-a', 'a,b\n1\n')).status).toBe(400);
  expect((await mlflow('runs/log-metric', JSON.stringify({ run_id: runId, key: 'warm', value: 1, timestamp: 1 }))).status).toBe(200);
  await new Promise((r) => setTimeout(r, 500));
  baseline.rss = rssBytes(loam.child.pid!);
  baseline.fds = openFds(loam.child.pid!);
  baseline.children = descendants(loam.child.pid!);
}, 180_000);

afterAll(async () => {
  await stopLoamProcess(loam, 20_000);
  await removeDataDir(dataDir);
});

interface Outcome {
  readonly status: number;
  readonly message: string;
  readonly code?: string;
}
const fromRest = async (p: Promise<Answer>): Promise<Outcome> => {
  const a = await p;
  return { status: a.status, message: String(a.json['detail'] ?? a.json['message'] ?? a.text), code: a.json['code'] ?? a.json['error_code'] ?? a.errorType };
};
const fromAws = async (target: string, body: string | Buffer): Promise<Outcome> => {
  const a = await aws(target, body);
  return { status: a.status, message: a.message, code: a.type };
};

type Case = readonly [id: string, run: () => Promise<Outcome>, status: number, names: RegExp, code?: string];

const updateWith = (routing: object, extra: object = {}) => fromRest(json('POST', '/api/v1/endpoints/e-xgb/update', {
  EndpointName: 'e-xgb', EndpointConfigName: 'e-xgb-4', DeploymentConfig: { BlueGreenUpdatePolicy: { TrafficRoutingConfiguration: routing }, ...extra },
}));

const cases: Case[] = [
  // B6/B8: REST bodies.
  ['B6 REST bare NaN', () => fromRest(rest('POST', '/api/v1/users', '{"UserName":"n","Tags":NaN}')), 400, /not valid JSON: Unexpected token 'N'/, 'ValidationException'],
  ['B6 REST bare Infinity', () => fromRest(rest('POST', '/api/v1/users', '{"UserName":"n","Tags":[{"Key":"k","Value":Infinity}]}')), 400, /not valid JSON: Unexpected token 'I'/],
  ['B6 REST 1e999 where a string belongs', () => fromRest(rest('POST', '/api/v1/users', '{"UserName":1e999}')), 400, /Value 'null' at 'userName' failed to satisfy constraint: Member must be string/],
  ['B8 REST 150 nested arrays', () => fromRest(rest('POST', '/api/v1/users', `{"UserName":"n","Tags":${nested(150)}}`)), 400, /nests deeper than 100 levels \(at 'Tags\.0\.0/],
  ['B8 REST 1e5 nested arrays', () => fromRest(rest('POST', '/api/v1/users', `{"UserName":"n","Tags":${nested(100_000)}}`)), 400, /nests deeper than 100 levels \(at character \d+\)/],
  ['B8 REST 1e5 nested objects in an unknown member', () => fromRest(rest('POST', '/api/v1/training-jobs', `{"TrainingJobName":"n","Extra":${nestedObject(100_000)}}`)), 400, /nests deeper than 100 levels \(at character \d+\)/],
  ['B8 REST 1e6-key object', () => fromRest(rest('POST', '/api/v1/users', wideObject(1_000_000))), 400, /an object with more than 10000 members \(the one opened at character 0\)/, 'ValidationException'],
  ['B8 REST 5,000 unknown members', () => fromRest(rest('POST', '/api/v1/users', wideObject(5_000))), 400, /^At least 1000 validation errors detected: Value null at 'userName' failed to satisfy constraint: Member must not be null; .*; and at least 980 more\.$/],
  ['B8 REST __proto__', () => fromRest(rest('POST', '/api/v1/users', '{"UserName":"p","__proto__":{"polluted":1}}')), 400, /'__proto__' key at '__proto__'/],
  ['B8 REST constructor.prototype', () => fromRest(rest('POST', '/api/v1/users', '{"UserName":"p","constructor":{"prototype":{"polluted":1}}}')), 400, /'constructor\.prototype' key at 'constructor'/],
  ['B8 REST __proto__ inside Tags', () => fromRest(rest('POST', '/api/v1/users', '{"UserName":"p","Tags":[{"Key":"k","Value":"v","__proto__":{"polluted":1}}]}')), 400, /'__proto__' key at 'Tags\.0\.__proto__'/],
  ['B3 REST invalid UTF-8', () => fromRest(rest('POST', '/api/v1/users', invalidUtf8('{"UserName":"p', '"}'))), 400, /not valid UTF-8: byte offset 14 \(0xff\)/],
  ['B6 REST empty JSON body', () => fromRest(rest('POST', '/api/v1/users', '')), 400, /not valid JSON: it is empty/],
  ['B5 REST wrong content type', () => fromRest(rest('POST', '/api/v1/users', 'UserName=x', { 'content-type': 'application/x-www-form-urlencoded' })), 400, /application\/json/],
  ['B5 REST array body', () => fromRest(rest('POST', '/api/v1/users', '[1]')), 400, /at 'input' failed to satisfy constraint: Member must be object/],
  ['B5 REST unknown member', () => fromRest(json('POST', '/api/v1/users', { UserName: 'p', Surprise: true })), 400, /at 'Surprise' failed to satisfy constraint: Member is not a member of CreateUser's input/],

  // B6/B8: the AWS JSON protocol (SigV4 by the AWS SDK's signer).
  ['B6 AWS bare NaN', () => fromAws('CreateModel', '{"ModelName":NaN}'), 400, /not valid JSON: Unexpected token 'N'/, 'SerializationException'],
  ['B8 AWS 1e5 nested arrays', () => fromAws('CreateModel', `{"ModelName":"n","Tags":${nested(100_000)}}`), 400, /nests deeper than 100 levels \(at character \d+\)/, 'SerializationException'],
  ['B8 AWS __proto__', () => fromAws('CreateModel', '{"ModelName":"p","__proto__":{"polluted":1}}'), 400, /'__proto__' key at '__proto__'/, 'SerializationException'],
  ['B8 AWS constructor.prototype in Environment', () => fromAws('CreateModel', `{"ModelName":"p","PrimaryContainer":{"Image":"${XGBOOST}","Environment":{"constructor":{"prototype":{"polluted":"1"}}}}}`), 400, /'constructor\.prototype' key at 'PrimaryContainer\.Environment\.constructor'/, 'SerializationException'],
  ['B8 AWS 1e6-key object', () => fromAws('CreateModel', wideObject(1_000_000)), 400, /an object with more than 10000 members \(the one opened at character 0\)/, 'SerializationException'],
  ['B8 AWS 1e6-key Environment', () => fromAws('CreateModel', `{"ModelName":"w","PrimaryContainer":{"Image":"${XGBOOST}","Environment":${wideObject(1_000_000)}}}`), 400, /more than 10000 members \(the one opened at character 130\)/, 'SerializationException'],
  ['B3 AWS invalid UTF-8', () => fromAws('CreateModel', invalidUtf8('{"ModelName":"p', '"}')), 400, /not valid UTF-8: byte offset 15 \(0xff\)/, 'SerializationException'],
  ['B5 AWS body that is not an object', () => fromAws('CreateModel', '[1]'), 400, /must be a JSON object/, 'SerializationException'],

  // B6: MLflow (its error codes).
  ['B6 MLflow metric "abc"', () => fromRest(mlflow('runs/log-metric', `{"run_id":"${runId}","key":"m","value":"abc","timestamp":1}`)), 400, /Got invalid value "abc" for metric 'm'/, 'INVALID_PARAMETER_VALUE'],
  ['B6 MLflow metric value {}', () => fromRest(mlflow('runs/log-metric', `{"run_id":"${runId}","key":"m","value":{},"timestamp":1}`)), 400, /Got invalid value \{\} for metric 'm'/, 'INVALID_PARAMETER_VALUE'],
  ['B6 MLflow timestamp "NaN"', () => fromRest(mlflow('runs/log-metric', `{"run_id":"${runId}","key":"m","value":1,"timestamp":"NaN"}`)), 400, /Got invalid timestamp "NaN" for metric 'm'/],
  ['B6 MLflow step 1.5', () => fromRest(mlflow('runs/log-metric', `{"run_id":"${runId}","key":"m","value":1,"timestamp":1,"step":1.5}`)), 400, /Got invalid step 1\.5 for metric 'm'/],
  ['B6 MLflow metric without key', () => fromRest(mlflow('runs/log-metric', `{"run_id":"${runId}","value":1,"timestamp":1}`)), 400, /Missing value for required parameter 'key'/],
  ['B6 MLflow batch with one bad metric', () => fromRest(mlflow('runs/log-batch', `{"run_id":"${runId}","metrics":[{"key":"b","value":1,"timestamp":1},{"key":"b","value":"foo","timestamp":2}]}`)), 400, /Got invalid value "foo" for metric 'b' \(timestamp=2\)/],
  ['B8 MLflow 1e5 nested arrays', () => fromRest(mlflow('runs/log-metric', `{"run_id":"${runId}","key":"m","value":1,"timestamp":1,"x":${nested(100_000)}}`)), 400, /nests deeper than 100 levels \(at character \d+\)/, 'MALFORMED_REQUEST'],
  ['B3 MLflow invalid UTF-8 tag', () => fromRest(mlflow('runs/set-tag', invalidUtf8(`{"run_id":"${runId}","key":"k","value":"`, '"}'))), 400, /not valid UTF-8: byte offset \d+ \(0xff\)/, 'MALFORMED_REQUEST'],
  ['B10 MLflow experiment with U+202E', () => fromRest(mlflow('experiments/create', '{"name":"ab\\u202ecd"}')), 400, /it holds U\+202E at position 2/, 'INVALID_PARAMETER_VALUE'],
  ['B10 MLflow experiment NFC of an NFD name', () => fromRest(mlflow('experiments/create', '{"name":"caf\\u00e9"}')), 400, /Experiment\(name=café\) already exists/, 'RESOURCE_ALREADY_EXISTS'],

  // B10: resource names against SageMaker's patterns.
  ...([['NFD', 'cafe\u0301'], ['U+202E', 'ab\u202ecd'], ['zero-width', 'ab\u200bcd'], ['slash', 'a/b'], ['backslash', 'a\\b'], ['dot-dot', '..'], ['NUL', 'a\u0000b'],
    ['1 KB', 'a'.repeat(1024)], ['emoji', 'ab\u{1F600}'], ['underscore', 'a_b']] as const).map(([what, name]): Case =>
    [`B10 DatasetName ${what}`, () => fromRest(json('POST', '/api/v1/datasets', { DatasetName: name })), 400, /at 'datasetName' failed to satisfy constraint: Member must (satisfy regular expression pattern|have length less than or equal to)/]),
  ['B10 ModelName with U+202E', () => fromRest(json('POST', '/api/v1/models', { ModelName: 'm\u202ex', PrimaryContainer: { Image: XGBOOST } })), 400, /at 'modelName' failed to satisfy constraint/],
  ['B10 UserName 1 KB', () => fromRest(json('POST', '/api/v1/users', { UserName: 'u'.repeat(1024) })), 400, /at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64/],

  // B14: duplicate names (case-only differences included); the first resource stays as it was.
  ['B14 dataset case-only duplicate', () => fromRest(json('POST', '/api/v1/datasets', { DatasetName: 'DS-A', Description: 'changed' })), 409, /Dataset 'DS-A' already exists/, 'ResourceInUse'],
  ['B14 model duplicate', () => fromRest(json('POST', '/api/v1/models', { ModelName: 'E-XGB', PrimaryContainer: { Image: LINEAR, ModelDataUrl: 's3://bad-input-data/out/ll/output/model.tar.gz' }, ExecutionRoleArn: ROLE })), 409, /Cannot create already existing model .*model\/e-xgb/, 'ResourceInUse'],
  ['B14 endpoint config duplicate', () => fromRest(json('POST', '/api/v1/endpoint-configs', { EndpointConfigName: 'e-xgb', ProductionVariants: [{ VariantName: 'V', ModelName: 'e-ll', InitialInstanceCount: 1, InstanceType: 'ml.m5.large' }] })), 409, /Cannot create already existing endpoint configuration .*endpoint-config\/e-xgb/, 'ResourceInUse'],
  ['B14 endpoint duplicate', () => fromRest(json('POST', '/api/v1/endpoints', { EndpointName: 'E-XGB', EndpointConfigName: 'e-ll' })), 409, /already existing endpoint .*endpoint\/e-xgb/, 'ResourceInUse'],
  ['B14 training job duplicate', () => fromRest(json('POST', '/api/v1/training-jobs', { TrainingJobName: 'XGB', AlgorithmSpecification: { TrainingImage: XGBOOST, TrainingInputMode: 'File' }, RoleArn: ROLE,
    InputDataConfig: [{ ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://bad-input-data/train/' } } }], OutputDataConfig: { S3OutputPath: 's3://bad-input-data/out' },
    ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 1 }, StoppingCondition: { MaxRuntimeInSeconds: 600 } })), 409, /XGB/, 'ResourceInUse'],
  ['B14 user duplicate', () => fromRest(json('POST', '/api/v1/users', { UserName: 'USER-A' })), 409, /User 'USER-A' already exists as 'user-a'/, 'ResourceInUse'],
  ['B14 AWS CreateEndpoint duplicate', () => fromAws('CreateEndpoint', '{"EndpointName":"e-ll","EndpointConfigName":"e-xgb"}'), 400, /already existing endpoint .*endpoint\/e-ll/, 'ValidationException'],

  // B15: deployment-config ranges, refused before anything is provisioned.
  ['B15 canary 80 %', () => updateWith({ Type: 'CANARY', WaitIntervalInSeconds: 1, CanarySize: { Type: 'CAPACITY_PERCENT', Value: 80 } }), 400, /CanarySize 80% is more than 50%/],
  ['B15 linear step 5 %', () => updateWith({ Type: 'LINEAR', WaitIntervalInSeconds: 1, LinearStepSize: { Type: 'CAPACITY_PERCENT', Value: 5 } }), 400, /LinearStepSize 5% must be between 10% and 50%/],
  ['B15 negative wait', () => updateWith({ Type: 'ALL_AT_ONCE', WaitIntervalInSeconds: -5 }), 400, /Value '-5' at 'deploymentConfig\.blueGreenUpdatePolicy\.trafficRoutingConfiguration\.waitIntervalInSeconds'/],
  ['B15 negative termination wait', () => fromRest(json('POST', '/api/v1/endpoints/e-xgb/update', { EndpointName: 'e-xgb', EndpointConfigName: 'e-xgb-4', DeploymentConfig: { BlueGreenUpdatePolicy: { TrafficRoutingConfiguration: { Type: 'ALL_AT_ONCE', WaitIntervalInSeconds: 0 }, TerminationWaitInSeconds: -1 } } })), 400, /at 'deploymentConfig\.blueGreenUpdatePolicy\.terminationWaitInSeconds'/],
  ['B15 canary of 3 of 4 instances', () => updateWith({ Type: 'CANARY', WaitIntervalInSeconds: 1, CanarySize: { Type: 'INSTANCE_COUNT', Value: 3 } }), 400, /CanarySize 3 instances is more than 50% of the new fleet's 4 instances/],
  ['B15 canary without a size', () => updateWith({ Type: 'CANARY', WaitIntervalInSeconds: 1 }), 400, /CANARY needs CanarySize/],
  ['B15 unknown routing type', () => updateWith({ Type: 'BLUE', WaitIntervalInSeconds: 1 }), 400, /at 'deploymentConfig\.blueGreenUpdatePolicy\.trafficRoutingConfiguration\.type'/],

  // B1–B4: dataset upload and import.
  ['B1 ragged row (fewer fields)', () => fromRest(upload('ds-a', 'a,b,c\n1,2,3\n4,5\n6,7,8\n')), 400, /Line 3 \(byte offset 12\): expected 3 fields, found 2/],
  ['B1 ragged row (more fields)', () => fromRest(upload('ds-a', 'a,b\n1,2\n3,4,5\n')), 400, /Line 3 \(byte offset 8\): expected 2 fields, found 3/],
  ['B3 invalid UTF-8 in a cell', () => fromRest(upload('ds-a', invalidUtf8('a,b\n1,ok\n2,', 'x\n'))), 400, /Line 3 \(byte offset 11\): invalid UTF-8/],
  ['B3 Latin-1 without Encoding', () => fromRest(upload('ds-a', Buffer.from('a,b\n1,caf\xe9\n', 'latin1'))), 400, /Line 2 \(byte offset 10\): invalid UTF-8.*Encoding 'latin-1'/],
  ['B3 UTF-16 without a byte-order mark', () => fromRest(upload('ds-a', Buffer.from('a,b\n1,2\n', 'utf16le'))), 400, /Line 1 \(byte offset 1\): a NUL byte.*Encoding 'utf-16'/],
  ['B4 100 MB in one cell and no newline at all', () => fromRest(upload('ds-a', Buffer.concat([Buffer.from('a,b\n1,'), Buffer.alloc(100 * 1024 * 1024, 0x61)]))), 400, /Line 2 \(byte offset 16777222\): a field is larger than 16777216 bytes/],
  ['B4 one line of 100,000 fields and no newline', () => fromRest(upload('ds-a', Array.from({ length: 100_000 }, (_, i) => `c${i}`).join(','))), 400, /Line 1 \(byte offset 0\): \d+ fields; at most 1000 columns can be imported/],
  ['B1 unclosed quote', () => fromRest(upload('ds-a', 'a,b\n1,"open\n')), 400, /Line 2 .*never closed/],
  ['B1 empty file', () => fromRest(upload('ds-a', '')), 400, /empty \(0 bytes\)/],
  ['B1 Format=parquet that is not', () => fromRest(upload('ds-a', 'a,b\n1,2\n', '&Format=parquet')), 400, /not Parquet.*byte offset 0/],
  ['B1 truncated gzip', () => fromRest(upload('ds-a', gzipSync('a,b\n1,2\n3,4\n').subarray(0, 15), '&Compression=gzip')), 400, /not valid gzip: unexpected end of file/],
  ['B1 unknown Compression', () => fromRest(upload('ds-a', 'a,b\n1,2\n', '&Compression=zip')), 400, /Compression 'zip' is not one of gzip, none/],
  ['B1 ColumnTypes of a missing column', () => fromRest(upload('ds-a', 'a,b\n1,2\n', `&ColumnTypes=${encodeURIComponent('{"zz":"BIGINT"}')}`)), 400, /ColumnTypes names a column the file does not have: 'zz'/],
  ['B1 ColumnTypes carrying SQL', () => fromRest(upload('ds-a', '{"a":"x"}\n', `&Format=jsonl&ColumnTypes=${encodeURIComponent(JSON.stringify({ a: 'VARCHAR) || (SELECT 1) AS "a") FROM (SELECT 1 AS a) --' }))}`)), 400, /of column 'a' is not one of BOOLEAN, BIGINT/],
  ['B8 JSON Lines record nested 1e5 deep (DuckDB crashed the server)', () => fromRest(upload('ds-a', `{"a":${nested(100_000)}}\n`, '&Format=jsonl')), 400, /Line 1 \(byte offset 0\): the record nests 100001 levels deep; at most 100 can be read/],
  ['B1 JSON Lines line that is not JSON', () => fromRest(upload('ds-a', '{"a":1}\n{"a":\n', '&Format=jsonl')), 400, /Line 2 \(byte offset 8\): not valid JSON/],
  ['B1 profile of a missing target column', () => fromRest(rest('GET', '/api/v1/datasets/ds-a/profile?TargetColumn=zz')), 400, /has no column 'zz'/],
  ['B1 import from a missing object', () => fromRest(json('POST', '/api/v1/datasets/ds-a/versions', { SourceUri: 's3://bad-input-data/nope.csv' })), 404, /Object 's3:\/\/bad-input-data\/nope\.csv' does not exist/],

  // B5: InvokeEndpoint on built-in GBDT and linear-learner endpoints: ModelError (424) with the
  // model server's 4xx and a message naming row, column or content type.
  ...(['e-xgb', 'e-ll'] as const).flatMap((e): Case[] => [
    [`B5 ${e} missing column`, () => fromRest(invoke(e, '0.5,0.7')), 424, /Row 1 has 2 values; the model expects 3 features/, 'ModelError'],
    [`B5 ${e} extra column`, () => fromRest(invoke(e, '0.5,0.7,0.1,9')), 424, /Row 1 has 4 values; the model expects 3 features/],
    [`B5 ${e} "abc" cell`, () => fromRest(invoke(e, '0.5,0.7,0.1\n0.5,abc,0.1')), 424, /Row 2, column 2: 'abc' is not a number/],
    [`B5 ${e} hexadecimal cell`, () => fromRest(invoke(e, '0.5,0x10,0.1')), 424, /Row 1, column 2: '0x10' is not a number/],
    [`B5 ${e} empty body`, () => fromRest(invoke(e, '')), 424, /The request body is empty/],
    [`B5 ${e} wrong content type`, () => fromRest(invoke(e, '<x/>', 'application/xml')), 424, /Content type 'application\/xml' is not supported.*text\/csv/],
    [`B6 ${e} bare NaN in JSON`, () => fromRest(invoke(e, '{"instances":[[0.5,NaN,0.1]]}', 'application/json')), 424, /not valid JSON/],
    [`B5 ${e} "abc" in JSON`, () => fromRest(invoke(e, '{"instances":[[0.5,"abc",0.1]]}', 'application/json')), 424, /Row 1, column 2: '"abc"' is not a number/],
    [`B5 ${e} empty batch`, () => fromRest(invoke(e, '{"instances":[]}', 'application/json')), 424, /no rows: "instances" is empty/],
  ]),
  ['B5 e-xgb libsvm index past the features', () => fromRest(invoke('e-xgb', '0:0.5 7:0.7', 'text/libsvm')), 424, /feature index 7 is beyond the model's 3 features/],
];

describe('bad-input corpus against a real loam up', () => {
  it('has at least 60 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
  });

  it.each(cases.map((c) => [c[0], c] as const))('%s', async (_id, [, run, status, names, code]) => {
    const r = await run();
    expect(r.status, r.message).toBe(status);
    expect(r.message).toMatch(names);
    if (code) expect(r.code).toBe(code);
  }, 60_000);

  it('changed nothing that was stored, and polluted no prototype', async () => {
    const ds = (await rest('GET', '/api/v1/datasets/ds-a')).json;
    expect([ds['DatasetName'], ds['LatestVersion']]).toEqual(['ds-a', 1]);
    expect((await rest('GET', '/api/v1/datasets')).json['DatasetSummaries'].map((d: { DatasetName: string }) => d.DatasetName)).toEqual(['ds-a']);
    const ep = (await rest('GET', '/api/v1/endpoints/e-xgb')).json;
    expect([ep['EndpointStatus'], ep['EndpointConfigName'], ep['ProductionVariants'][0].CurrentInstanceCount]).toEqual(['InService', 'e-xgb', 1]);
    expect((await rest('GET', '/api/v1/endpoints/e-ll')).json['EndpointConfigName']).toBe('e-ll');
    expect((await rest('GET', '/api/v1/models/e-xgb')).json['PrimaryContainer'].Image).toBe(XGBOOST);
    const run = (await rest('GET', `/api/2.0/mlflow/runs/get?run_id=${runId}`)).json['run'];
    expect(run.data.metrics.map((m: { key: string }) => m.key)).toEqual(['warm']);
    expect((run.data.tags ?? []).map((t: { key: string }) => t.key)).not.toContain('k');
    const users = (await rest('GET', '/api/v1/users')).json['Users'].map((u: { UserName: string }) => u.UserName).sort();
    expect(users).toEqual(['admin', 'user-a']);
    // The models still answer: no failed request took their process down.
    expect((await invoke('e-xgb', '0.5,0.7,0.1')).status).toBe(200);
    expect((await invoke('e-ll', '0.5,0.7,0.1')).json['predictions']).toHaveLength(1);
  });

  it('R6: afterwards /healthz is 200, RSS grew < 50 MB, descriptors are back to the baseline, no process was started', async () => {
    const pid = loam.child.pid!;
    expect((await send(loam.url, 'GET', '/healthz')).status).toBe(200);
    const fds = await poll('open descriptors', async () => openFds(pid), (now) => now.size <= baseline.fds.size, 15_000).catch(() => openFds(pid));
    const added = [...fds].filter(([fd, target]) => baseline.fds.get(fd) !== target).map(([fd, target]) => `${fd} → ${target}`);
    expect(fds.size, `descriptors opened since the baseline: ${added.join(', ')}`).toBeLessThanOrEqual(baseline.fds.size);
    const children = descendants(pid);
    const started = [...children].filter(([p]) => !baseline.children.has(p)).map(([p, cmd]) => `${p} ${cmd}`);
    expect(started).toEqual([]);
    expect([...baseline.children.keys()].filter((p) => !children.has(p))).toEqual([]);
    const growth = rssBytes(pid) - baseline.rss;
    expect(growth, `RSS grew ${(growth / 2 ** 20).toFixed(1)} MB`).toBeLessThan(50 * 2 ** 20);
  }, 30_000);

  it('B2/B6: a BOM is stripped from the header, and MLflow keeps NaN and ±Infinity exactly', async () => {
    expect((await json('POST', '/api/v1/datasets', { DatasetName: 'ds-bom' })).status).toBe(200);
    const bom = await upload('ds-bom', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('id,x\n1,2\n')]));
    expect(bom.status, bom.text).toBe(200);
    expect(bom.json['Columns'].map((c: { Name: string }) => c.Name)).toEqual(['id', 'x']);
    const run = (await mlflow('runs/create', JSON.stringify({ experiment_id: '0' }))).json['run'].info.run_id as string;
    for (const [i, v] of ['"NaN"', '"Infinity"', '"-Infinity"', 'NaN', '-Infinity'].entries()) {
      expect((await mlflow('runs/log-metric', `{"run_id":"${run}","key":"m","value":${v},"timestamp":${i},"step":${i}}`)).status).toBe(200);
    }
    const history = (await rest('GET', `/api/2.0/mlflow/metrics/get-history?run_id=${run}&metric_key=m`)).json['metrics'];
    expect(history.map((m: { value: unknown }) => m.value)).toEqual(['NaN', 'Infinity', '-Infinity', 'NaN', '-Infinity']);
  });
});
