import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { authorize, experimentAccessAuthorizer, trainingJobRunCheck, TrainingJobRuns } from '@loam/core';
import { openTestLoam, type TestLoam } from '../../compose/loam.test-support.js';
import { trainingRequest } from '../../jobs/jobs.test-support.js';
import { mlflowCaller } from './mlflow.test-support.js';

// A training job logs itself as a run in the experiment its ExperimentConfig names, with Loam's own
// access: its params, metrics and model land in that experiment and under its artifact location. So the
// caller must be allowed there what the run does, when the request is taken (403 naming the field,
// nothing stored), as if they logged the run themselves.

let loam: TestLoam;
const system = { principal: { userName: 'admin', userId: 'x', arn: 'x', via: 'system' as const }, requestId: 'r' };
let bobPrivate: string;

async function user(name: string, statements: object[]) {
  const id = loam.platform.identity;
  await id.CreateUser({ UserName: name }, system);
  await id.CreatePolicy({ PolicyName: `${name}-policy`, PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: statements }) }, system);
  await id.AttachUserPolicy({ UserName: name, PolicyName: `${name}-policy` }, system);
  const token = (await id.CreateApiToken({ UserName: name, TokenName: 't' }, system)).ApiToken.Token;
  const call = async (method: 'GET' | 'POST', url: string, payload?: unknown) => {
    const r = await loam.app.inject({ method, url, headers: { authorization: `Bearer ${token}`, ...(payload ? { 'content-type': 'application/json' } : {}) }, ...(payload ? { payload: JSON.stringify(payload) } : {}) });
    return { status: r.statusCode, body: r.body ? (JSON.parse(r.body) as Record<string, any>) : {} };
  };
  return { call, mlflow: mlflowCaller(loam.app, `Bearer ${token}`) };
}
const allow = (Action: string | string[], Resource: string | string[]) => ({ Effect: 'Allow', Action, Resource });
const deny = (Action: string | string[], Resource: string | string[]) => ({ Effect: 'Deny', Action, Resource });
const s3Own = (bucket: string) => allow('s3:*', [`arn:loam:s3:::${bucket}`, `arn:loam:s3:::${bucket}/*`]);
const job = (name: string, experimentName: string) => trainingRequest(name, {
  InputDataConfig: [{ ChannelName: 'train', ContentType: 'text/csv', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://alice-bucket/train/' } } }],
  OutputDataConfig: { S3OutputPath: 's3://alice-bucket/out' },
  ExperimentConfig: { ExperimentName: experimentName, RunName: 'planted' },
});

let bob: Awaited<ReturnType<typeof user>>;
let alice: Awaited<ReturnType<typeof user>>;

async function start(): Promise<void> {
  loam = await openTestLoam();
  for (const b of ['alice-bucket', 'bob-bucket']) await loam.platform.artifacts.ensureBucket(b);
  await loam.platform.artifacts.put({ bucket: 'alice-bucket', key: 'train/x.csv' }, Buffer.from('1,2\n0,1\n'));
  bob = await user('bob', [allow('sagemaker:*', '*'), s3Own('bob-bucket')]);
  const created = await bob.mlflow('POST', 'experiments/create', { name: 'bob-private' });
  expect(created.status).toBe(200);
  bobPrivate = created.json['experiment_id'];
  expect((await bob.mlflow('POST', 'experiments/create', { name: 'bob-s3', artifact_location: 's3://bob-bucket/mlruns' })).status).toBe(200);
  alice = await user('alice', [allow('sagemaker:*', '*'), deny('sagemaker:*', `arn:loam:sagemaker:*:*:mlflow-experiment/${bobPrivate}`), s3Own('alice-bucket')]);
}
async function stop(): Promise<void> {
  await loam?.close();
}
serverPerAttempt(start, stop);

async function refused(who: typeof alice, name: string, experimentName: string, says: string[]) {
  const r = await who.call('POST', '/api/v1/training-jobs', job(name, experimentName));
  expect(r.status, JSON.stringify(r.body)).toBe(403);
  expect(r.body['code'] ?? r.body['__type'] ?? r.body['type']).toMatch(/AccessDenied/);
  for (const s of ['/ExperimentConfig/ExperimentName', ...says]) expect(r.body['detail'] ?? r.body['message']).toContain(s);
  // Nothing stored: no job, and no experiment created.
  expect((await who.call('GET', `/api/v1/training-jobs/${name}`)).status).toBe(404);
}

describe('CreateTrainingJob with ExperimentConfig', () => {
  it('refuses an experiment the caller may not log runs in', async () => {
    // One she may read: the refusal names the action and the experiment's id.
    const reader = await user('reader', [allow('sagemaker:*', '*'), deny('sagemaker:CreateMlflowRun', `arn:loam:sagemaker:*:*:mlflow-experiment/${bobPrivate}`), s3Own('alice-bucket')]);
    await refused(reader, 'reader-into-bob-private', 'bob-private', ['sagemaker:CreateMlflowRun', `mlflow-experiment/${bobPrivate}`]);
    // One hidden from her (she may not describe it): refused without its id, as a name she may not read is.
    await refused(alice, 'into-bob-private', 'bob-private', ['sagemaker:DescribeExperiment', 'experiment/bob-private']);
  });

  it("refuses an experiment whose s3:// artifact location the caller may not write (the run's model is copied there)", async () => {
    await refused(alice, 'into-bob-s3', 'bob-s3', ['s3:PutObject', 'arn:loam:s3:::bob-bucket/mlruns/']);
  });

  it('refuses a name no experiment has unless the caller may create experiments, and creates none', async () => {
    const carol = await user('carol', [allow('sagemaker:*', '*'), deny('sagemaker:CreateMlflowExperiment', '*'), s3Own('alice-bucket')]);
    await refused(carol, 'carol-new', 'carol-new-exp', ['sagemaker:CreateMlflowExperiment']);
    expect((await bob.mlflow('GET', 'experiments/get-by-name', { experiment_name: 'carol-new-exp' })).status).toBe(404);
  });

  it("takes the caller's own experiment, and a new name from a caller who may create experiments", async () => {
    expect((await alice.mlflow('POST', 'experiments/create', { name: 'alice-exp' })).status).toBe(200);
    expect((await alice.call('POST', '/api/v1/training-jobs', job('into-alice-exp', 'alice-exp'))).status).toBe(200);
    expect((await alice.call('POST', '/api/v1/training-jobs', job('into-new-exp', 'alice-new-exp'))).status).toBe(200);
    // Without ExperimentConfig the run goes to the Default experiment, as before.
    expect((await alice.call('POST', '/api/v1/training-jobs', { ...job('untracked', 'x'), ExperimentConfig: undefined })).status).toBe(200);
  });
});

describe("a training job's run, when first recorded", () => {
  it("is refused in an experiment its creator may not log in, whatever the name resolved to when the job was created", async () => {
    const { tracking, identity, partition, authorizeData } = loam.platform;
    const authorizeExperiment = experimentAccessAuthorizer({ tracking, authorizeData, partition, authorize: async (p, a, r) => authorize(p, await identity.policiesOf(p.userName), a, r) });
    const runs = new TrainingJobRuns(tracking, partition, undefined, trainingJobRunCheck(authorizeExperiment, partition));
    const job = (name: string, experimentName: string) => ({
      jobName: name, jobArn: `arn:loam:sagemaker:us-east-1:000000000000:training-job/${name}`, experimentName, hyperparameters: { lr: '0.1' }, status: 'InProgress', startTime: 1000, userName: 'alice',
    });
    // E.g. a name that no experiment had when the job was taken, created by Bob since.
    await expect(runs.recordTrainingJobRun(job('late-bob', 'bob-private'))).rejects.toMatchObject({ code: 'AccessDeniedException' });
    expect((await bob.mlflow('POST', 'runs/search', { experiment_ids: [bobPrivate] })).json['runs'] ?? []).toEqual([]);
    const own = await runs.recordTrainingJobRun(job('late-alice', 'alice-late-exp'));
    expect((await alice.mlflow('GET', 'runs/get', { run_id: own.runId })).json['run'].data.params).toEqual([{ key: 'lr', value: '0.1' }]);
  });
});
