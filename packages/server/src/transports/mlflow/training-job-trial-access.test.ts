import { describe, expect, it } from 'vitest';
import { TrainingJobRuns } from '@loam/core';
import { nameForAttempt, serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { openTestLoam, type TestLoam } from '../../compose/loam.test-support.js';
import { trainingRequest } from '../../jobs/jobs.test-support.js';
import { mlflowCaller } from './mlflow.test-support.js';

// A training job's ExperimentConfig.TrialName puts the job's trial component in that trial, with Loam's own
// access. So the trial must belong to ExperimentConfig.ExperimentName (TrialName alone: an existing trial),
// and the caller be allowed to associate with it (and create it, when Loam does), when the request is taken.

let loam: TestLoam;
const system = { principal: { userName: 'admin', userId: 'x', arn: 'x', via: 'system' as const }, requestId: 'r' };
const p = '/api/v1/sagemaker-experiments';
let churnId: string;

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
const s3Own = allow('s3:*', ['arn:loam:s3:::alice-bucket', 'arn:loam:s3:::alice-bucket/*']);
const job = (name: string, ExperimentConfig: Record<string, string>) => trainingRequest(name, {
  InputDataConfig: [{ ChannelName: 'train', ContentType: 'text/csv', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://alice-bucket/train/' } } }],
  OutputDataConfig: { S3OutputPath: 's3://alice-bucket/out' }, ExperimentConfig,
});

let bob: Awaited<ReturnType<typeof user>>;
let alice: Awaited<ReturnType<typeof user>>;

// A new Loam for each attempt: a retry must not meet the users, jobs and trials the failed attempt made.
serverPerAttempt(async () => {
  loam = await openTestLoam();
  await loam.platform.artifacts.ensureBucket('alice-bucket');
  await loam.platform.artifacts.put({ bucket: 'alice-bucket', key: 'train/x.csv' }, Buffer.from('1,2\n0,1\n'));
  bob = await user('bob', [allow(['sagemaker:*', 's3:*'], '*')]);
  expect((await bob.call('POST', `${p}/experiments`, { ExperimentName: 'churn' })).status).toBe(200);
  expect((await bob.call('POST', `${p}/trials`, { TrialName: 'their-trial', ExperimentName: 'churn' })).status).toBe(200);
  churnId = (await bob.mlflow('GET', 'experiments/get-by-name', { experiment_name: 'churn' })).json['experiment']['experiment_id'];
  alice = await user('alice', [allow('sagemaker:*', '*'), deny('sagemaker:*', `arn:loam:sagemaker:*:*:mlflow-experiment/${churnId}`), s3Own]);
  expect((await alice.call('POST', `${p}/experiments`, { ExperimentName: 'mine' })).status).toBe(200);
  expect((await alice.call('POST', `${p}/trials`, { TrialName: 'mine-trial', ExperimentName: 'mine' })).status).toBe(200);
}, async () => {
  await loam?.close();
});

async function refused(who: typeof alice, name: string, config: Record<string, string>, status: number, says: string[]) {
  const r = await who.call('POST', '/api/v1/training-jobs', job(name, config));
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  expect(r.body['code'] ?? r.body['__type'] ?? r.body['type']).toMatch(status === 403 ? /AccessDenied/ : /Validation/);
  for (const s of ['/ExperimentConfig/TrialName', ...says]) expect(r.body['detail'] ?? r.body['message']).toContain(s);
  expect((await who.call('GET', `/api/v1/training-jobs/${name}`)).status).toBe(404);
}
const componentsOf = async (who: typeof alice, trial: string) => ((await who.call('GET', `${p}/trial-components?TrialName=${trial}`)).body['TrialComponentSummaries'] as { TrialComponentName: string }[]).map((c) => c.TrialComponentName);

describe('CreateTrainingJob with ExperimentConfig.TrialName', () => {
  it("refuses another experiment's trial: 403 when the caller may not associate with it, else 400 naming its experiment", async () => {
    // Hidden from alice (a Deny on its experiment): refused without its experiment's id, as a trial she may not read is.
    await refused(alice, 'into-their-trial', { ExperimentName: 'mine', TrialName: 'their-trial' }, 403, ['sagemaker:DescribeTrial', 'experiment-trial/their-trial']);
    const carol = await user('carol-reader', [allow('sagemaker:*', '*'), deny('sagemaker:AssociateTrialComponent', `arn:loam:sagemaker:*:*:mlflow-experiment/${churnId}`), s3Own]);
    await refused(carol, 'carol-into-their-trial', { ExperimentName: 'mine', TrialName: 'their-trial' }, 403, ['sagemaker:AssociateTrialComponent', `mlflow-experiment/${churnId}`]);
    await refused(bob, 'bob-cross', { ExperimentName: 'mine', TrialName: 'their-trial' }, 400, ["belongs to experiment 'churn'", "'mine'"]);
    // The trial holds nothing: its owner deletes it as before.
    expect(await componentsOf(bob, 'their-trial')).toEqual([]);
  });

  it('refuses a trial Loam would create unless the caller may CreateTrial on it', async () => {
    const carol = await user('carol', [allow('sagemaker:*', '*'), deny('sagemaker:CreateTrial', 'arn:loam:sagemaker:*:*:experiment-trial/carol-new-trial'), s3Own]);
    await refused(carol, 'carol-new', { ExperimentName: 'carol-exp', TrialName: 'carol-new-trial' }, 403, ['sagemaker:CreateTrial']);
    expect((await carol.call('POST', '/api/v1/training-jobs', job('carol-other', { ExperimentName: 'carol-exp', TrialName: 'carol-other-trial' }))).status).toBe(200);
  });

  it('joins an existing trial named alone, with the same checks; an unknown one is refused', async () => {
    await refused(alice, 'alone-unknown', { TrialName: 'no-such-trial' }, 400, ["'no-such-trial'"]);
    // One hidden from her is refused as an unknown one.
    await refused(alice, 'alone-theirs', { TrialName: 'their-trial' }, 400, ["no trial is named 'their-trial'"]);
    expect((await alice.call('POST', '/api/v1/training-jobs', job('alone-mine', { TrialName: 'mine-trial' }))).status).toBe(200);
    // The run sync puts the job's component in the trial.
    for (let i = 0; i < 200 && !(await componentsOf(alice, 'mine-trial')).includes('alone-mine-aws-training-job'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(await componentsOf(alice, 'mine-trial')).toEqual(['alone-mine-aws-training-job']);
  });
});

describe('CreateTrainingJob with ExperimentConfig.ExperimentName alone', () => {
  // Its component joins the experiment's Default-Run-Group trial, which Loam creates when missing: the same
  // checks as for a trial named, else a Deny on that trial did not stop a job from creating it or joining it.
  it('refuses unless the caller may CreateTrial on a Default-Run-Group trial Loam would create, and AssociateTrialComponent on it', async ({ task }) => {
    // Names of this attempt (each attempt has its own Loam as well).
    const n = (name: string) => nameForAttempt(task, name);
    const dave = await user(n('dave'), [allow('sagemaker:*', '*'), s3Own, deny('sagemaker:CreateTrial', `arn:loam:sagemaker:*:*:experiment-trial/default-run-group-${n('dave-new')}`)]);
    const r = await dave.call('POST', '/api/v1/training-jobs', job(n('dave-new-job'), { ExperimentName: n('dave-new') }));
    expect(r.status, JSON.stringify(r.body)).toBe(403);
    expect(r.body['detail']).toContain('sagemaker:CreateTrial');
    expect(r.body['detail']).toContain(`/ExperimentConfig/ExperimentName: '${n('dave-new')}': the training job would create trial 'Default-Run-Group-${n('dave-new')}'`);
    expect((await dave.call('GET', `/api/v1/training-jobs/${n('dave-new-job')}`)).status).toBe(404);

    // One that exists (bob's experiment's) takes AssociateTrialComponent, on it and on its experiment.
    const exp = n('bob-runs');
    expect((await bob.call('POST', `${p}/experiments`, { ExperimentName: exp })).status).toBe(200);
    expect((await bob.call('POST', `${p}/trials`, { TrialName: `Default-Run-Group-${exp}`, ExperimentName: exp })).status).toBe(200);
    const erin = await user(n('erin'), [allow('sagemaker:*', '*'), s3Own, deny('sagemaker:AssociateTrialComponent', `arn:loam:sagemaker:*:*:experiment-trial/default-run-group-${exp}`)]);
    const joined = await erin.call('POST', '/api/v1/training-jobs', job(n('erin-job'), { ExperimentName: exp }));
    expect(joined.status, JSON.stringify(joined.body)).toBe(403);
    expect(joined.body['detail']).toContain(`would join trial 'Default-Run-Group-${exp}'`);
    expect(await componentsOf(bob, `Default-Run-Group-${exp}`)).toEqual([]);
    // Allowed, the job is taken.
    expect((await bob.call('POST', '/api/v1/training-jobs', job(n('bob-default-job'), { ExperimentName: exp }))).status).toBe(200);
  });
});

describe("a training job's component, when first recorded", () => {
  it('joins no trial of another experiment than the one named (one made since the job was taken)', async () => {
    const { tracking, partition } = loam.platform;
    const runs = new TrainingJobRuns(tracking, partition);
    const jobArn = `arn:loam:sagemaker:${partition.region}:${partition.accountId}:training-job/late-cross`;
    await runs.recordTrainingJobRun({ jobName: 'late-cross', jobArn, experimentName: 'mine', trialName: 'their-trial', hyperparameters: {}, status: 'InProgress', startTime: 1000, userName: 'admin' });
    expect(await componentsOf(bob, 'their-trial')).toEqual([]);
    expect((await bob.call('GET', `${p}/trial-components/late-cross-aws-training-job`)).status).toBe(200);
  });
});
