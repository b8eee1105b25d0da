import { DescribeTrialComponentCommand } from '@aws-sdk/client-sagemaker';
import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { JOB_ARN_TAG, TrainingJobRuns, resourceArn } from '@loam/core';
import { openTestLoam, type TestLoam } from '../../compose/loam.test-support.js';
import { scopedUsers } from '../../security/scoped-users.test-support.js';
import { mlflowCaller } from './mlflow.test-support.js';
import { listeningSageMaker } from '../aws-json/aws-json.test-support.js';

// SageMaker's Experiments API and MLflow's see one store (ADR 0009): an experiment made by either is the
// other's, a trial component is a run (its metric points summarized in DescribeTrialComponent), and lists
// hold only what the caller may describe.

let loam: TestLoam;
const { userWith, tokens } = scopedUsers(() => loam);
// A new Loam for each attempt (a retried test meets none of the names the failed attempt took).
serverPerAttempt(async () => {
  loam = await openTestLoam();
}, async () => {
  (await listening)?.sm.destroy();
  listening = undefined;
  await loam?.close();
});
// One loopback listener for the tests that speak SageMaker's protocol (a Fastify app listens once).
let listening: ReturnType<typeof listeningSageMaker> | undefined;
const sageMaker = async () => (await (listening ??= listeningSageMaker(loam))).sm;

const p = '/api/v1/sagemaker-experiments';
async function call(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown, user = 'admin'): Promise<{ status: number; body: any }> {
  const token = user === 'admin' ? loam.adminToken : (tokens[user] as string);
  const r = await loam.app.inject({
    method, url, headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
  });
  return { status: r.statusCode, body: r.body ? r.json() : undefined };
}

describe("SageMaker's Experiments API over MLflow's store", () => {
  it('an experiment made by either API is the other\'s: the description is the MLflow note', async () => {
    expect((await call('POST', `${p}/experiments`, { ExperimentName: 'shared-exp', Description: 'About it' })).status).toBe(200);
    const mlflow = mlflowCaller(loam.app, `Bearer ${loam.adminToken}`);
    const got = await mlflow('GET', 'experiments/get-by-name', { experiment_name: 'shared-exp' });
    expect(got.json['experiment'].tags).toEqual([{ key: 'mlflow.note.content', value: 'About it' }]);
    await mlflow('POST', 'experiments/create', { name: 'from-mlflow' });
    const d = await call('GET', `${p}/experiments/from-mlflow`);
    expect(d.body).toMatchObject({ ExperimentName: 'from-mlflow', DisplayName: 'from-mlflow' });
    expect((await call('POST', `${p}/trials`, { TrialName: 'shared-trial', ExperimentName: 'shared-exp' })).status).toBe(200);
    // Deleted through MLflow, it is gone for SageMaker's API too, and so are its trials (until MLflow restores it).
    await mlflow('POST', 'experiments/delete', { experiment_id: got.json['experiment'].experiment_id });
    expect((await call('GET', `${p}/experiments/shared-exp`)).status).toBe(404);
    expect((await call('GET', `${p}/trials/shared-trial`)).status).toBe(404);
    expect((await call('GET', `${p}/trials?MaxResults=100`)).body.TrialSummaries.map((x: { TrialName: string }) => x.TrialName)).not.toContain('shared-trial');
    expect((await call('GET', `${p}/trial-components?TrialName=shared-trial`)).status).toBe(404);
    await mlflow('POST', 'experiments/restore', { experiment_id: got.json['experiment'].experiment_id });
    expect((await call('GET', `${p}/trials/shared-trial`)).body).toMatchObject({ ExperimentName: 'shared-exp' });
    expect((await call('DELETE', `${p}/trials/shared-trial`)).status).toBe(200);
    await mlflow('POST', 'experiments/delete', { experiment_id: got.json['experiment'].experiment_id });
  });

  it("summarizes the run's metric points in DescribeTrialComponent.Metrics", async () => {
    expect((await call('POST', `${p}/trial-components`, { TrialComponentName: 'tc-metrics', DisplayName: 'metrics-run' })).status).toBe(200);
    const mlflow = mlflowCaller(loam.app, `Bearer ${loam.adminToken}`);
    const runs = (await mlflow('POST', 'runs/search', { experiment_ids: ['0'], filter: "attributes.run_name = 'metrics-run'" })).json['runs'];
    expect(runs).toHaveLength(1);
    const runId = runs[0].info.run_id as string;
    await mlflow('POST', 'runs/log-batch', { run_id: runId, metrics: [
      { key: 'loss', value: 4, timestamp: 1000, step: 0 }, { key: 'loss', value: 3, timestamp: 2000, step: 1 }, { key: 'loss', value: 2, timestamp: 3000, step: 2 },
    ], params: [{ key: 'lr', value: '0.1' }] });
    const d = (await call('GET', `${p}/trial-components/tc-metrics`)).body;
    expect(d.Metrics).toHaveLength(1);
    expect(d.Metrics[0]).toMatchObject({ MetricName: 'loss', Min: 2, Max: 4, Avg: 3, Last: 2, Count: 3, TimeStamp: 3 });
    expect(d.Metrics[0].StdDev).toBeCloseTo(1, 12);
    expect(d.Parameters).toEqual({ lr: { StringValue: '0.1' } });
    // Deleting the run through MLflow deletes the component for SageMaker's API.
    await mlflow('POST', 'runs/delete', { run_id: runId });
    expect((await call('GET', `${p}/trial-components/tc-metrics`)).status).toBe(404);
  });

  it("exposes a training job's run recorded before as its trial component, without a second run", async () => {
    const { tracking, partition } = loam.platform;
    const jobArn = `arn:loam:sagemaker:${partition.region}:${partition.accountId}:training-job/old-job`;
    const exp = await tracking.createExperiment({ name: 'old-exp' });
    // The run an earlier Loam recorded for the job (no trial component then).
    const old = await tracking.createRun({ experimentId: exp, runName: 'old-job', tags: [{ key: JOB_ARN_TAG, value: jobArn }] }, { userName: 'admin', userId: 'admin', arn: '', via: 'system' });
    const runs = new TrainingJobRuns(tracking, partition);
    const job = { jobName: 'old-job', jobArn, experimentName: 'old-exp', trialName: 'old-trial', hyperparameters: { a: '1' }, status: 'Completed', startTime: 1000, endTime: 2000, userName: 'admin' };
    expect((await runs.recordTrainingJobRun(job)).runId).toBe(old.info.runId);
    await runs.recordTrainingJobRun(job);
    const c = await call('GET', `${p}/trial-components/old-job-aws-training-job`);
    expect(c.body).toMatchObject({ TrialComponentName: 'old-job-aws-training-job', Source: { SourceArn: jobArn, SourceType: 'SageMakerTrainingJob' }, Status: { PrimaryStatus: 'Completed' }, Parameters: { a: { StringValue: '1' } } });
    expect((await loam.platform.tracking.store.trialComponentOfRun(old.info.runId))?.name).toBe('old-job-aws-training-job');
    expect((await tracking.searchRuns({ experimentIds: [exp], viewType: 'ALL' })).runs).toHaveLength(1);
    // ExperimentConfig's trial, made in the run's experiment since it did not exist.
    expect((await call('GET', `${p}/trials/old-trial`)).body).toMatchObject({ ExperimentName: 'old-exp' });
    expect((await call('GET', `${p}/trial-components?TrialName=old-trial`)).body.TrialComponentSummaries.map((x: { TrialComponentName: string }) => x.TrialComponentName)).toEqual(['old-job-aws-training-job']);
  });

  it("ListTrialComponents(SourceArn) finds a job named with upper case by its ARN in any case, and nothing by another account's", async () => {
    const { tracking, partition } = loam.platform;
    // The ARN Loam answers for the job (CreateTrainingJob, DescribeTrainingJob): its name lower-cased.
    const jobArn = resourceArn(partition, 'training-job', 'Src-Job');
    await tracking.createExperiment({ name: 'src-exp' });
    const runs = new TrainingJobRuns(tracking, partition);
    await runs.recordTrainingJobRun({ jobName: 'Src-Job', jobArn, experimentName: 'src-exp', hyperparameters: {}, status: 'Completed', startTime: 1000, endTime: 2000, userName: 'admin' });
    const names = async (arn: string) => (await call('GET', `${p}/trial-components?SourceArn=${encodeURIComponent(arn)}`)).body.TrialComponentSummaries.map((x: { TrialComponentName: string }) => x.TrialComponentName);
    expect(await names(jobArn)).toEqual(['Src-Job-aws-training-job']);
    // The job's name as the user wrote it, and without a region, as resourceFor reads an ARN.
    expect(await names(jobArn.replace(/src-job$/, 'Src-Job'))).toEqual(['Src-Job-aws-training-job']);
    expect(await names(`arn:loam:sagemaker::${partition.accountId}:training-job/SRC-JOB`)).toEqual(['Src-Job-aws-training-job']);
    // Another account's or region's job is not this one.
    const other = partition.accountId === '111111111111' ? '222222222222' : '111111111111';
    expect(await names(jobArn.replace(`:${partition.accountId}:`, `:${other}:`))).toEqual([]);
    expect(await names(jobArn.replace(`:${partition.region}:`, ':xx-other-9:'))).toEqual([]);
  });

  it("DescribeTrialComponent by an ARN of another account or region is ResourceNotFound, as other Describe operations' foreign ARNs", async () => {
    const { partition } = loam.platform;
    const arn = (await call('POST', `${p}/trial-components`, { TrialComponentName: 'own-tc' })).body.TrialComponentArn as string;
    const other = partition.accountId === '111111111111' ? '222222222222' : '111111111111';
    const sm = await sageMaker();
    expect(await sm.send(new DescribeTrialComponentCommand({ TrialComponentName: arn }))).toMatchObject({ TrialComponentName: 'own-tc' });
    await expect(sm.send(new DescribeTrialComponentCommand({ TrialComponentName: arn.replace(`:${partition.accountId}:`, `:${other}:`) }))).rejects.toMatchObject({ name: 'ResourceNotFound' });
    await expect(sm.send(new DescribeTrialComponentCommand({ TrialComponentName: arn.replace(`:${partition.region}:`, ':xx-other-9:') }))).rejects.toMatchObject({ name: 'ResourceNotFound' });
  });

  it("takes Parameters as large as botocore's: 300 of them, names of 320 characters, StringValue of 2500", async () => {
    const params: Record<string, { StringValue?: string; NumberValue?: number }> = { ['k'.repeat(320)]: { StringValue: 'v'.repeat(2500) } };
    for (let i = 1; i < 300; i++) params[`p${i}`] = { NumberValue: i };
    expect((await call('POST', `${p}/trial-components`, { TrialComponentName: 'wide-tc', Parameters: params })).status).toBe(200);
    const d = (await call('GET', `${p}/trial-components/wide-tc`)).body;
    expect(Object.keys(d.Parameters)).toHaveLength(300);
    expect(d.Parameters['k'.repeat(320)]).toEqual({ StringValue: 'v'.repeat(2500) });
    expect(d.Parameters['p299']).toEqual({ NumberValue: 299 });
    expect((await call('POST', `${p}/trial-components/wide-tc/update`, { Parameters: { p1: { StringValue: 'x'.repeat(2500) } } })).status).toBe(200);
    expect((await call('POST', `${p}/trial-components`, { TrialComponentName: 'too-wide-tc', Parameters: { a: { StringValue: 'v'.repeat(2501) } } })).status).toBe(400);
    // Artifacts too: 60 each way, names of 128 characters.
    const artifacts = (n: number, from = 0) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`${'a'.repeat(120)}-${i + from}`.slice(-128), { Value: `s3://b/${i + from}` }]));
    expect((await call('POST', `${p}/trial-components`, { TrialComponentName: 'many-artifacts-tc', InputArtifacts: artifacts(60), OutputArtifacts: { ['o'.repeat(128)]: { Value: 's3://b/o' } } })).status).toBe(200);
    expect(Object.keys((await call('GET', `${p}/trial-components/many-artifacts-tc`)).body.InputArtifacts)).toHaveLength(60);
    expect((await call('POST', `${p}/trial-components/many-artifacts-tc/update`, { InputArtifacts: artifacts(1, 60) })).status).toBe(400);
  });

  it('a refused CreateTrialComponent leaves no component and no run behind', async () => {
    const r = await call('POST', `${p}/trial-components`, { TrialComponentName: 'nul-tc', DisplayName: 'nul-run', Parameters: { 'a\u0000b': { StringValue: 'x' } } });
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).toMatch(/U\+0000/);
    expect((await call('GET', `${p}/trial-components/nul-tc`)).status).toBe(404);
    const mlflow = mlflowCaller(loam.app, `Bearer ${loam.adminToken}`);
    // Refused before anything is written: not even a deleted run.
    expect((await mlflow('POST', 'runs/search', { experiment_ids: ['0'], run_view_type: 'ALL', filter: "attributes.run_name = 'nul-run'" })).json['runs'] ?? []).toEqual([]);
    // The name is free: the same request without the bad key succeeds.
    expect((await call('POST', `${p}/trial-components`, { TrialComponentName: 'nul-tc', Parameters: { ab: { StringValue: 'x' } } })).status).toBe(200);
  });

  it("holds a Deny on the MLflow experiment for SageMaker's API too: its experiment, trials and the components whose runs it holds", async () => {
    const { tracking, partition } = loam.platform;
    const runs = new TrainingJobRuns(tracking, partition);
    const jobArn = (n: string) => `arn:loam:sagemaker:${partition.region}:${partition.accountId}:training-job/${n}`;
    for (const n of ['secret', 'open']) {
      expect((await call('POST', `${p}/experiments`, { ExperimentName: `${n}-exp` })).status).toBe(200);
      await runs.recordTrainingJobRun({ jobName: `${n}-job`, jobArn: jobArn(`${n}-job`), experimentName: `${n}-exp`, trialName: `${n}-trial`, hyperparameters: {}, status: 'Completed', startTime: 1, endTime: 2, userName: 'admin' });
    }
    const secretId = (await tracking.getExperimentByName('secret-exp')).experimentId;
    await userWith('eve', [
      { Effect: 'Allow', Action: 'sagemaker:*', Resource: '*' },
      { Effect: 'Deny', Action: 'sagemaker:*', Resource: `arn:loam:sagemaker:*:*:mlflow-experiment/${secretId}` },
    ]);
    const as = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown) => call(method, url, body, 'eve').then((r) => r.status);
    // Hidden from her by the Deny (she may not describe them): answered as missing ones are (experiment-existence.test.ts).
    expect(await as('GET', `${p}/experiments/secret-exp`)).toBe(404);
    expect(await as('PATCH', `${p}/experiments/secret-exp`, { DisplayName: 'x' })).toBe(404);
    expect(await as('GET', `${p}/trial-components/secret-job-aws-training-job`)).toBe(404);
    expect(await as('POST', `${p}/trial-components/secret-job-aws-training-job/update`, { Parameters: { a: { StringValue: 'x' } } })).toBe(404);
    expect(await as('GET', `${p}/trials/secret-trial`)).toBe(404);
    expect(await as('POST', `${p}/trials`, { TrialName: 'eve-trial', ExperimentName: 'secret-exp' })).toBe(404);
    expect(await as('POST', `${p}/trials/secret-trial/trial-components`, { TrialComponentName: 'open-job-aws-training-job' })).toBe(404);
    expect(await as('POST', `${p}/trials/secret-trial/trial-components/delete`, { TrialComponentName: 'secret-job-aws-training-job' })).toBe(404);
    expect((await call('GET', `${p}/trials/secret-trial`)).status).toBe(200);
    expect((await call('GET', `${p}/trials?TrialComponentName=secret-job-aws-training-job`)).body.TrialSummaries.map((x: { TrialName: string }) => x.TrialName)).toEqual(['secret-trial']);
    const names = async (url: string, key: string, field: string) => (await call('GET', url, undefined, 'eve')).body[key].map((x: Record<string, string>) => x[field]);
    expect(await names(`${p}/experiments?MaxResults=100`, 'ExperimentSummaries', 'ExperimentName')).not.toContain('secret-exp');
    expect(await names(`${p}/experiments?MaxResults=100`, 'ExperimentSummaries', 'ExperimentName')).toContain('open-exp');
    expect(await names(`${p}/trial-components?MaxResults=100`, 'TrialComponentSummaries', 'TrialComponentName')).toEqual(expect.arrayContaining(['open-job-aws-training-job']));
    expect(await names(`${p}/trial-components?MaxResults=100`, 'TrialComponentSummaries', 'TrialComponentName')).not.toContain('secret-job-aws-training-job');
    expect(await names(`${p}/trials?MaxResults=100`, 'TrialSummaries', 'TrialName')).not.toContain('secret-trial');
    // The other experiment's are hers.
    expect(await as('GET', `${p}/trial-components/open-job-aws-training-job`)).toBe(200);
    expect(await as('GET', `${p}/trials/open-trial`)).toBe(200);
    expect(await as('POST', `${p}/trial-components/open-job-aws-training-job/update`, { DisplayName: 'mine' })).toBe(200);
  });

  it("holds a Deny on the MLflow experiment for UpdateTrial, DeleteTrial and the lists filtered by its experiment, trial or component", async () => {
    const { tracking, partition } = loam.platform;
    const runs = new TrainingJobRuns(tracking, partition);
    const jobArn = `arn:loam:sagemaker:${partition.region}:${partition.accountId}:training-job/hid-job`;
    expect((await call('POST', `${p}/experiments`, { ExperimentName: 'hid-exp' })).status).toBe(200);
    await runs.recordTrainingJobRun({ jobName: 'hid-job', jobArn, experimentName: 'hid-exp', trialName: 'hid-trial', hyperparameters: {}, status: 'Completed', startTime: 1, endTime: 2, userName: 'admin' });
    expect((await call('POST', `${p}/trials`, { TrialName: 'hid-empty', ExperimentName: 'hid-exp' })).status).toBe(200);
    expect((await call('POST', `${p}/experiments`, { ExperimentName: 'seen-exp' })).status).toBe(200);
    expect((await call('POST', `${p}/trials`, { TrialName: 'seen-trial', ExperimentName: 'seen-exp' })).status).toBe(200);
    // A component made through the API (a run of Default) put in the hidden experiment's trial, and the job's in a visible one.
    expect((await call('POST', `${p}/trial-components`, { TrialComponentName: 'hid-api-tc' })).status).toBe(200);
    expect((await call('POST', `${p}/trials/hid-trial/trial-components`, { TrialComponentName: 'hid-api-tc' })).status).toBe(200);
    expect((await call('POST', `${p}/trials/seen-trial/trial-components`, { TrialComponentName: 'hid-job-aws-training-job' })).status).toBe(200);
    const hidId = (await tracking.getExperimentByName('hid-exp')).experimentId;
    await userWith('mallory', [
      { Effect: 'Allow', Action: 'sagemaker:*', Resource: '*' },
      { Effect: 'Deny', Action: 'sagemaker:*', Resource: `arn:loam:sagemaker:*:*:mlflow-experiment/${hidId}` },
    ]);
    // Hidden from her: answered as missing ones are.
    expect((await call('PATCH', `${p}/trials/hid-trial`, { DisplayName: 'renamed' }, 'mallory')).status).toBe(404);
    expect((await call('DELETE', `${p}/trials/hid-empty`, undefined, 'mallory')).status).toBe(404);
    expect((await call('GET', `${p}/trials/hid-empty`)).status).toBe(200);
    // What the hidden experiment's trials hold, and where its job's component is, are the hidden experiment's:
    // a list filtered by one answers as for a missing one (ResourceNotFound), not an empty list.
    expect((await call('GET', `${p}/trial-components?ExperimentName=hid-exp`, undefined, 'mallory')).status).toBe(404);
    expect((await call('GET', `${p}/trial-components?TrialName=hid-trial`, undefined, 'mallory')).status).toBe(404);
    expect((await call('GET', `${p}/trials?TrialComponentName=hid-job-aws-training-job`, undefined, 'mallory')).status).toBe(404);
    // Their tags are as hidden as they are: ResourceNotFound, as for an unknown ARN.
    const { region, accountId } = partition;
    for (const arn of [`experiment/hid-exp`, `experiment-trial/hid-trial`, `experiment-trial-component/hid-job-aws-training-job`].map((r) => `arn:loam:sagemaker:${region}:${accountId}:${r}`)) {
      expect((await call('GET', `/api/v1/tags?ResourceArn=${encodeURIComponent(arn)}`, undefined, 'mallory')).status).toBe(404);
      expect((await call('POST', '/api/v1/tags', { ResourceArn: arn, Tags: [{ Key: 'k', Value: 'v' }] }, 'mallory')).status).toBe(404);
      expect((await call('GET', `/api/v1/tags?ResourceArn=${encodeURIComponent(arn)}`)).body).toEqual({ Tags: [] });
    }
    expect((await call('GET', `/api/v1/tags?ResourceArn=${encodeURIComponent(`arn:loam:sagemaker:${region}:${accountId}:experiment-trial/seen-trial`)}`, undefined, 'mallory')).status).toBe(200);
    // The admin still sees them.
    expect((await call('GET', `${p}/trial-components?TrialName=hid-trial`)).body.TrialComponentSummaries.map((x: { TrialComponentName: string }) => x.TrialComponentName).sort()).toEqual(['hid-api-tc', 'hid-job-aws-training-job']);
  });

  it("finds a trial component or trial by its name in any case and by the lower-cased ARN it answered, as SageMaker's case-insensitive names", async () => {
    const made = await call('POST', `${p}/trial-components`, { TrialComponentName: 'Upper-TC', Tags: [{ Key: 'k', Value: 'v' }] });
    expect(made.status).toBe(200);
    const arn = made.body.TrialComponentArn as string;
    expect(arn).toMatch(/experiment-trial-component\/upper-tc$/);
    // By ARN through SageMaker's protocol (a REST path cannot carry one).
    const sm = await sageMaker();
    expect(await sm.send(new DescribeTrialComponentCommand({ TrialComponentName: arn }))).toMatchObject({ TrialComponentName: 'Upper-TC', TrialComponentArn: arn });
    expect((await call('GET', `/api/v1/tags?ResourceArn=${encodeURIComponent(arn)}`)).body).toMatchObject({ Tags: [{ Key: 'k', Value: 'v' }] });
    // The same name in another case is the same component: taken, and its tags stay.
    expect((await call('POST', `${p}/trial-components`, { TrialComponentName: 'upper-tc' })).status).toBe(409);
    expect((await call('GET', `/api/v1/tags?ResourceArn=${encodeURIComponent(arn)}`)).body).toMatchObject({ Tags: [{ Key: 'k', Value: 'v' }] });
    // Experiments too: the ARN reaches the tags of one named with upper case, and another spelling is taken.
    const exp = await call('POST', `${p}/experiments`, { ExperimentName: 'Mixed-Exp', Tags: [{ Key: 'e', Value: '1' }] });
    expect(exp.body.ExperimentArn).toMatch(/:experiment\/mixed-exp$/);
    expect((await call('GET', `/api/v1/tags?ResourceArn=${encodeURIComponent(exp.body.ExperimentArn)}`)).body).toEqual({ Tags: [{ Key: 'e', Value: '1' }] });
    expect((await call('POST', `${p}/experiments`, { ExperimentName: 'mixed-EXP' })).status).toBe(409);
    expect((await call('GET', `/api/v1/tags?ResourceArn=${encodeURIComponent(exp.body.ExperimentArn)}`)).body).toEqual({ Tags: [{ Key: 'e', Value: '1' }] });
    expect((await call('POST', `${p}/experiments`, { ExperimentName: 'case-exp' })).status).toBe(200);
    expect((await call('POST', `${p}/trials`, { TrialName: 'Upper-Trial', ExperimentName: 'case-exp' })).status).toBe(200);
    expect((await call('POST', `${p}/trials`, { TrialName: 'UPPER-TRIAL', ExperimentName: 'case-exp' })).status).toBe(409);
    expect((await call('POST', `${p}/trials/upper-trial/trial-components`, { TrialComponentName: 'UPPER-tc' })).status).toBe(200);
    const held = (await call('GET', `${p}/trial-components?TrialName=Upper-Trial`)).body.TrialComponentSummaries.map((x: { TrialComponentName: string }) => x.TrialComponentName);
    expect(held).toEqual(['Upper-TC']);
    // Held, it cannot be deleted by any spelling; taken out by another, it can.
    expect((await call('DELETE', `${p}/trial-components/upper-tc`)).status).toBe(400);
    expect((await call('POST', `${p}/trials/Upper-Trial/trial-components/delete`, { TrialComponentName: 'upper-TC' })).status).toBe(200);
    expect((await call('DELETE', `${p}/trials/upper-trial`)).status).toBe(200);
    expect((await call('DELETE', `${p}/trial-components/upper-tc`)).status).toBe(200);
    expect((await call('GET', `${p}/trial-components/Upper-TC`)).status).toBe(404);
  });

  it("holds a Deny on MLflow's Default experiment for the training jobs' runs in it and for Default itself, not for components made through the API", async () => {
    const { tracking, partition } = loam.platform;
    const runs = new TrainingJobRuns(tracking, partition);
    const jobArn = `arn:loam:sagemaker:${partition.region}:${partition.accountId}:training-job/plain-job`;
    // No ExperimentConfig: the job's run is in Default.
    expect((await runs.recordTrainingJobRun({ jobName: 'plain-job', jobArn, hyperparameters: { lr: '0.1' }, status: 'Completed', startTime: 1, endTime: 2, userName: 'admin' })).experimentId).toBe('0');
    expect((await call('POST', `${p}/trial-components`, { TrialComponentName: 'api-made-tc' })).status).toBe(200);
    await userWith('dora', [
      { Effect: 'Allow', Action: 'sagemaker:*', Resource: '*' },
      { Effect: 'Deny', Action: 'sagemaker:*', Resource: 'arn:loam:sagemaker:*:*:mlflow-experiment/0' },
    ]);
    // Hidden from her by the Deny on Default: answered as missing ones are.
    expect((await call('GET', `${p}/trial-components/plain-job-aws-training-job`, undefined, 'dora')).status).toBe(404);
    expect((await call('POST', `${p}/trial-components/plain-job-aws-training-job/update`, { Parameters: { lr: { StringValue: '9' } } }, 'dora')).status).toBe(404);
    expect((await call('GET', `${p}/trial-components?SourceArn=${encodeURIComponent(jobArn)}`, undefined, 'dora')).body.TrialComponentSummaries).toEqual([]);
    expect((await call('PATCH', `${p}/experiments/Default`, { Description: 'mine' }, 'dora')).status).toBe(404);
    expect((await call('GET', `${p}/trial-components/plain-job-aws-training-job`)).body.Parameters).toEqual({ lr: { StringValue: '0.1' } });
    expect((await call('GET', `${p}/trial-components/api-made-tc`, undefined, 'dora')).status).toBe(200);
  });

  it("a training job's component and trial deleted in SageMaker's order stay deleted when the job's run is recorded again (a restart's sync)", async () => {
    const { tracking, partition } = loam.platform;
    const jobArn = `arn:loam:sagemaker:${partition.region}:${partition.accountId}:training-job/swept-job`;
    const job = { jobName: 'swept-job', jobArn, experimentName: 'swept-exp', trialName: 'swept-trial', hyperparameters: {}, status: 'Completed', startTime: 1, endTime: 2, userName: 'admin' };
    await new TrainingJobRuns(tracking, partition).recordTrainingJobRun(job);
    expect((await call('GET', `${p}/trials/swept-trial`)).status).toBe(200);
    expect((await call('POST', `${p}/trials/swept-trial/trial-components/delete`, { TrialComponentName: 'swept-job-aws-training-job' })).status).toBe(200);
    expect((await call('DELETE', `${p}/trials/swept-trial`)).status).toBe(200);
    expect((await call('DELETE', `${p}/trial-components/swept-job-aws-training-job`)).status).toBe(200);
    // A new server reads every training job again.
    await new TrainingJobRuns(tracking, partition).recordTrainingJobRun(job);
    expect((await call('GET', `${p}/trials/swept-trial`)).status).toBe(404);
    expect((await call('GET', `${p}/trial-components/swept-job-aws-training-job`)).status).toBe(404);
    expect((await call('GET', `${p}/trials?ExperimentName=swept-exp`)).body.TrialSummaries).toEqual([]);
    // Only taken out of its trial (the component kept), it stays out too.
    const other = { ...job, jobName: 'kept-job', jobArn: `${jobArn.replace('swept-job', 'kept-job')}`, trialName: 'kept-trial' };
    await new TrainingJobRuns(tracking, partition).recordTrainingJobRun(other);
    expect((await call('POST', `${p}/trials/kept-trial/trial-components/delete`, { TrialComponentName: 'kept-job-aws-training-job' })).status).toBe(200);
    await new TrainingJobRuns(tracking, partition).recordTrainingJobRun(other);
    expect((await call('GET', `${p}/trial-components?TrialName=kept-trial`)).body.TrialComponentSummaries).toEqual([]);
  });

  it('DeleteTrial is not held back by a component whose run MLflow deleted (gone from every view)', async () => {
    expect((await call('POST', `${p}/experiments`, { ExperimentName: 'gone-exp' })).status).toBe(200);
    expect((await call('POST', `${p}/trials`, { TrialName: 'gone-trial', ExperimentName: 'gone-exp' })).status).toBe(200);
    expect((await call('POST', `${p}/trial-components`, { TrialComponentName: 'gone-tc', DisplayName: 'gone-run' })).status).toBe(200);
    expect((await call('POST', `${p}/trials/gone-trial/trial-components`, { TrialComponentName: 'gone-tc' })).status).toBe(200);
    expect((await call('DELETE', `${p}/trials/gone-trial`)).status).toBe(400);
    const mlflow = mlflowCaller(loam.app, `Bearer ${loam.adminToken}`);
    const [run] = (await mlflow('POST', 'runs/search', { experiment_ids: ['0'], filter: "attributes.run_name = 'gone-run'" })).json['runs'];
    await mlflow('POST', 'runs/delete', { run_id: run.info.run_id });
    expect((await call('GET', `${p}/trial-components?TrialName=gone-trial`)).body.TrialComponentSummaries).toEqual([]);
    expect((await call('DELETE', `${p}/trials/gone-trial`)).status).toBe(200);
    expect((await call('DELETE', `${p}/experiments/gone-exp`)).status).toBe(200);
  });

  it('lists only the experiments and trial components the caller may describe', async () => {
    for (const n of ['bob-exp', 'alice-exp']) expect((await call('POST', `${p}/experiments`, { ExperimentName: n })).status).toBe(200);
    for (const n of ['bob-tc', 'alice-tc']) expect((await call('POST', `${p}/trial-components`, { TrialComponentName: n })).status).toBe(200);
    for (const n of ['bob-trial', 'alice-trial']) expect((await call('POST', `${p}/trials`, { TrialName: n, ExperimentName: 'bob-exp' })).status).toBe(200);
    await userWith('bob', [
      { Effect: 'Allow', Action: ['sagemaker:ListExperiments', 'sagemaker:ListTrialComponents', 'sagemaker:ListTrials'], Resource: '*' },
      { Effect: 'Allow', Action: 'sagemaker:*', Resource: 'arn:loam:sagemaker:*:*:*/bob-*' },
      // The MLflow experiments (checked with the same actions, ADR 0009) do not narrow it here.
      { Effect: 'Allow', Action: 'sagemaker:*', Resource: 'arn:loam:sagemaker:*:*:mlflow-experiment/*' },
    ]);
    const e = await call('GET', `${p}/experiments?MaxResults=100`, undefined, 'bob');
    expect(e.body.ExperimentSummaries.map((x: { ExperimentName: string }) => x.ExperimentName)).toEqual(['bob-exp']);
    const c = await call('GET', `${p}/trial-components?MaxResults=100`, undefined, 'bob');
    expect(c.body.TrialComponentSummaries.map((x: { TrialComponentName: string }) => x.TrialComponentName)).toEqual(['bob-tc']);
    expect((await call('GET', `${p}/experiments/alice-exp`, undefined, 'bob')).status).toBe(403);
    expect((await call('GET', `${p}/trial-components/alice-tc`, undefined, 'bob')).status).toBe(403);
    expect((await call('POST', `${p}/trial-components/alice-tc/update`, { DisplayName: 'x' }, 'bob')).status).toBe(403);
    const t = await call('GET', `${p}/trials?MaxResults=100`, undefined, 'bob');
    expect(t.body.TrialSummaries.map((x: { TrialName: string }) => x.TrialName)).toEqual(['bob-trial']);
    // Associating is checked on the component and on the trial.
    expect((await call('POST', `${p}/trials/alice-trial/trial-components`, { TrialComponentName: 'bob-tc' }, 'bob')).status).toBe(403);
    expect((await call('POST', `${p}/trials/bob-trial/trial-components`, { TrialComponentName: 'alice-tc' }, 'bob')).status).toBe(403);
    expect((await call('POST', `${p}/trials/bob-trial/trial-components`, { TrialComponentName: 'bob-tc' }, 'bob')).status).toBe(200);
    expect((await call('GET', `${p}/trials?TrialComponentName=bob-tc`)).body.TrialSummaries.map((x: { TrialName: string }) => x.TrialName)).toEqual(['bob-trial']);
  });
});
