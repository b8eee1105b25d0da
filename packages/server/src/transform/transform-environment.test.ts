import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { call, storeGbdtModel, xgboostImage } from '../endpoints/endpoints.test-support.js';

// A transform job may use a model another user created (ADR 0019: whoever may use a resource uses its
// locations). Its Environment reached the model server, so a variable that loads code (NODE_OPTIONS,
// PYTHONPATH, LD_PRELOAD) ran the caller's code from the job's input next to the model's files, and
// the caller read weights and source they may not read from S3. A built-in model's server now takes
// only its settings from the Environment, as on an endpoint; a model that runs its own code takes the
// job's Environment only from a caller allowed to read the model's artifacts.

let loam: TestLoam;
let token: string;
const system = { principal: { userName: 'admin', userId: 'x', arn: 'x', via: 'system' as const }, requestId: 'r' };

async function put(uri: string, body: string): Promise<void> {
  const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri) as RegExpExecArray;
  await loam.platform.artifacts.ensureBucket(m[1] as string);
  await loam.platform.artifacts.put({ bucket: m[1] as string, key: m[2] as string }, Buffer.from(body));
}
async function asUser(method: 'GET' | 'POST', url: string, payload?: unknown): Promise<{ status: number; body: any }> {
  const r = await loam.app.inject({ method, url, headers: { authorization: `Bearer ${token}`, ...(payload ? { 'content-type': 'application/json' } : {}) }, ...(payload ? { payload: JSON.stringify(payload) } : {}) });
  return { status: r.statusCode, body: r.json() };
}
async function waitForJob(name: string, timeoutMs = 150_000): Promise<any> {
  for (const t0 = Date.now(); ;) {
    const d = await call(loam, 'GET', `/api/v1/transform-jobs/${name}`);
    if (['Completed', 'Failed', 'Stopped'].includes(d.body.TransformJobStatus)) return d.body;
    if (Date.now() - t0 > timeoutMs) throw new Error(`transform job ${name} still ${d.body.TransformJobStatus}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}
const job = (name: string, model: string, over: Record<string, unknown> = {}) => ({
  TransformJobName: name, ModelName: model,
  TransformInput: { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://mine/in/' } }, ContentType: 'text/csv' },
  TransformOutput: { S3OutputPath: `s3://mine/out/${name}` }, TransformResources: { InstanceType: 'ml.m5.large', InstanceCount: 1 },
  ...over,
});

async function start(): Promise<void> {
  loam = await openTestLoam();
  await loam.platform.jobs.scheduler.start();
  // The administrator's models: a built-in one, and one that runs its own code (script mode).
  await storeGbdtModel(loam.platform.artifacts, { bucket: 'models', key: 'gbdt/model.tar.gz' });
  expect((await call(loam, 'POST', '/api/v1/models', { ModelName: 'builtin', PrimaryContainer: { Image: xgboostImage, ModelDataUrl: 's3://models/gbdt/model.tar.gz' } })).status).toBe(200);
  const script = { Image: 'sagemaker-scikit-learn:1.2-1', ModelDataUrl: 's3://models/gbdt/model.tar.gz', Environment: { SAGEMAKER_PROGRAM: 'inference.py' } };
  expect((await call(loam, 'POST', '/api/v1/models', { ModelName: 'script', PrimaryContainer: script })).status).toBe(200);
  // mallory may run transform jobs on her own bucket, and may not read the models' bucket.
  const id = loam.platform.identity;
  await id.CreateUser({ UserName: 'mallory' }, system);
  const doc = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sagemaker:*', Resource: '*' }, { Effect: 'Allow', Action: 's3:*', Resource: ['arn:loam:s3:::mine', 'arn:loam:s3:::mine/*'] }] };
  await id.CreatePolicy({ PolicyName: 'mallory-policy', PolicyDocument: JSON.stringify(doc) }, system);
  await id.AttachUserPolicy({ UserName: 'mallory', PolicyName: 'mallory-policy' }, system);
  token = (await id.CreateApiToken({ UserName: 'mallory', TokenName: 't' }, system)).ApiToken.Token;
  // Her input: a row, and a script that prints every file of the model directory it is loaded next to.
  await put('s3://mine/in/a.csv', '0.5,0.5,0.5,0.5\n');
  await put('s3://mine/in/probe.js', "for (const f of require('fs').readdirSync('/opt/ml/model')) process.stderr.write('PROBE ' + f + '\\n');\n");
}
async function stop(): Promise<void> {
  await loam?.close();
}
serverPerAttempt(start, stop);

describe("a transform job's Environment and the model it uses", () => {
  it("reaches a built-in model's server only as settings: NODE_OPTIONS loads nothing next to the model", async () => {
    const r = await asUser('POST', '/api/v1/transform-jobs', job('probe-builtin', 'builtin', { Environment: { NODE_OPTIONS: '--require /opt/ml/input/data/data/probe.js', SAGEMAKER_MODEL_SERVER_TIMEOUT: '60' } }));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const d = await waitForJob('probe-builtin');
    // The server started and answered: the job got as far as the probe's own lines, which are not numbers.
    expect(d.FailureReason).toMatch(/^probe\.js records 1-1: the model answered 400/);
    const logs = (await call(loam, 'GET', '/api/v1/transform-jobs/probe-builtin/logs')).body.Events.map((e: { Message: string }) => e.Message).join('\n');
    expect(logs).toContain('Transformed a.csv');
    expect(logs).not.toContain('PROBE');
  }, 200_000);

  it('refuses an Environment for a model that runs its own code to a caller who may not read its artifacts, naming both', async () => {
    const r = await asUser('POST', '/api/v1/transform-jobs', job('probe-script', 'script', { Environment: { PYTHONPATH: '/opt/ml/input/data/data' } }));
    expect(r.status, JSON.stringify(r.body)).toBe(403);
    expect(r.body.code).toBe('AccessDeniedException');
    expect(r.body.detail).toContain('s3:GetObject on resource: arn:loam:s3:::models/gbdt/model.tar.gz');
    expect(r.body.detail).toContain("/Environment (reaches the code of model 'script'");
    expect((await call(loam, 'GET', '/api/v1/transform-jobs/probe-script')).status).toBe(404);
  });

  it("takes the same job without an Environment, with the model server's own settings only, and with any from a caller who may read the artifacts", async () => {
    expect((await asUser('POST', '/api/v1/transform-jobs', job('plain-script', 'script'))).status).toBe(200);
    // Settings of the model server (SageMaker's inference toolkit reads them) run no code: no check.
    const settings = { SAGEMAKER_MODEL_SERVER_TIMEOUT: '120', SAGEMAKER_MODEL_SERVER_WORKERS: '1', SAGEMAKER_CONTAINER_LOG_LEVEL: '20' };
    const r = await asUser('POST', '/api/v1/transform-jobs', job('settings-script', 'script', { Environment: settings }));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect((await call(loam, 'POST', '/api/v1/transform-jobs', job('admin-script', 'script', { Environment: { PYTHONPATH: '/opt/ml/input/data/data' } }))).status).toBe(200);
    for (const n of ['plain-script', 'settings-script', 'admin-script']) await call(loam, 'POST', `/api/v1/transform-jobs/${n}/stop`);
  });
});
