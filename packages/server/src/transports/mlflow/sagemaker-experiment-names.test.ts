import {
  AddTagsCommand, AssociateTrialComponentCommand, CreateExperimentCommand, CreateTrialCommand, CreateTrialComponentCommand, DeleteExperimentCommand, DeleteTrialCommand,
  DescribeExperimentCommand, DescribeTrialCommand, DescribeTrialComponentCommand, DisassociateTrialComponentCommand, ListExperimentsCommand, ListTagsCommand,
  ListTrialComponentsCommand, ListTrialsCommand, SageMakerClient, UpdateExperimentCommand,
} from '@aws-sdk/client-sagemaker';
import { describe, expect, it } from 'vitest';
import { TrainingJobRuns } from '@loam/core';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { listenOnLoopback, openTestLoam, type TestLoam } from '../../compose/loam.test-support.js';
import { trainingRequest } from '../../jobs/jobs.test-support.js';
import { mlflowCaller } from './mlflow.test-support.js';

// A SageMaker experiment is the MLflow experiment of its name, and its ARN holds the name lower-cased
// (ADR 0009): its tags live under that ARN. So the ARN Loam gave is the only one that reaches them, an
// MLflow rename takes them along, and no two MLflow experiments may hold names that differ only in case.

let loam: TestLoam | undefined;
let mlflow: ReturnType<typeof mlflowCaller>;
// A new Loam for each attempt: a retry must not meet the names the failed attempt took.
serverPerAttempt(async () => {
  loam = await openTestLoam();
  mlflow = mlflowCaller(loam.app, `Bearer ${loam.adminToken}`);
}, async () => {
  await loam?.close();
  loam = undefined;
});

const p = '/api/v1/sagemaker-experiments';
// A SageMaker client on this attempt's Loam, listening from its first use on (an app listens once).
let listening: { loam: TestLoam; url: string } | undefined;
async function sageMaker(): Promise<SageMakerClient> {
  let at = listening;
  if (at === undefined || at.loam !== loam) listening = at = { loam: loam!, url: await listenOnLoopback(loam!) };
  return new SageMakerClient({ endpoint: at.url, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: loam!.adminAccessKeyId, secretAccessKey: loam!.adminSecretAccessKey } });
}
async function call(method: 'GET' | 'POST', url: string, body?: unknown): Promise<{ status: number; body: any }> {
  const r = await loam!.app.inject({
    method, url, headers: { authorization: `Bearer ${loam!.adminToken}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
  });
  return { status: r.statusCode, body: r.body ? r.json() : undefined };
}
const listTags = (arn: string) => call('GET', `/api/v1/tags?ResourceArn=${encodeURIComponent(arn)}`);
const arnOf = (kind: string, name: string, region = loam!.platform.partition.region) => `arn:loam:sagemaker:${region}:${loam!.platform.partition.accountId}:${kind}/${name}`;
const experimentId = async (name: string) => (await mlflow('GET', 'experiments/get-by-name', { experiment_name: name })).json.experiment.experiment_id as string;

describe('tags of SageMaker experiments, trials and trial components', () => {
  it('are reached only by the ARN Loam gave: another region or another spelling of the name is ResourceNotFound, as an unknown ARN', async () => {
    expect((await call('POST', `${p}/experiments`, { ExperimentName: 'Arn-Exp', Tags: [{ Key: 'k', Value: 'v' }] })).status).toBe(200);
    expect((await call('POST', `${p}/trials`, { TrialName: 'Arn-Trial', ExperimentName: 'Arn-Exp', Tags: [{ Key: 'k', Value: 'v' }] })).status).toBe(200);
    expect((await call('POST', `${p}/trial-components`, { TrialComponentName: 'Arn-TC', Tags: [{ Key: 'k', Value: 'v' }] })).status).toBe(200);
    for (const [kind, name] of [['experiment', 'Arn-Exp'], ['experiment-trial', 'Arn-Trial'], ['experiment-trial-component', 'Arn-TC']] as const) {
      const given = arnOf(kind, name.toLowerCase());
      expect((await listTags(given)).body).toEqual({ Tags: [{ Key: 'k', Value: 'v' }] });
      for (const other of [arnOf(kind, name.toLowerCase(), 'eu-west-3'), arnOf(kind, name), arnOf(kind, name.toUpperCase())]) {
        expect((await listTags(other)).status, other).toBe(404);
        expect((await call('POST', '/api/v1/tags', { ResourceArn: other, Tags: [{ Key: 'k', Value: 'other' }] })).status, other).toBe(404);
        expect((await call('POST', '/api/v1/tags/delete', { ResourceArn: other, TagKeys: ['k'] })).status, other).toBe(404);
      }
      expect((await listTags(given)).body, given).toEqual({ Tags: [{ Key: 'k', Value: 'v' }] });
    }
    // The same through SageMaker's protocol, as boto3 asks.
    const sm = await sageMaker();
    try {
      expect((await sm.send(new ListTagsCommand({ ResourceArn: arnOf('experiment', 'arn-exp') }))).Tags).toEqual([{ Key: 'k', Value: 'v' }]);
      await expect(sm.send(new ListTagsCommand({ ResourceArn: arnOf('experiment', 'Arn-Exp') }))).rejects.toMatchObject({ name: 'ResourceNotFound' });
    } finally {
      sm.destroy();
    }
  });

  it("follow an experiment MLflow renames; the old name's ARN is gone, and an experiment given that name later starts with none", async () => {
    const made = await call('POST', `${p}/experiments`, { ExperimentName: 'before-rename', Tags: [{ Key: 'team', Value: 'ml' }] });
    const id = await experimentId('before-rename');
    expect((await mlflow('POST', 'experiments/update', { experiment_id: id, new_name: 'after-rename' })).status).toBe(200);
    expect((await listTags(arnOf('experiment', 'after-rename'))).body).toEqual({ Tags: [{ Key: 'team', Value: 'ml' }] });
    expect((await listTags(made.body.ExperimentArn)).status).toBe(404);
    // A new experiment of the old name, made through MLflow, has no tags of the one renamed.
    expect((await mlflow('POST', 'experiments/create', { name: 'before-rename' })).status).toBe(200);
    expect((await listTags(made.body.ExperimentArn)).body).toEqual({ Tags: [] });
    // A rename in case only keeps the ARN and its tags.
    expect((await mlflow('POST', 'experiments/update', { experiment_id: id, new_name: 'After-Rename' })).status).toBe(200);
    expect((await listTags(arnOf('experiment', 'after-rename'))).body).toEqual({ Tags: [{ Key: 'team', Value: 'ml' }] });
    expect((await call('GET', `${p}/experiments/After-Rename`)).body).toMatchObject({ ExperimentName: 'After-Rename', ExperimentArn: arnOf('experiment', 'after-rename') });
  });
});

describe('MLflow names that differ in the case of a letter beyond ASCII', () => {
  // 'Été-tags' and 'été-tags' are two MLflow names (names are unique in ASCII letter case only, as SQL's
  // lower() folds), and the ARN lower-cases ASCII letters only: each has its own ARN and its own tags.
  it('have each their own ARN, which resolves: the ARN ListExperiments gives takes and shows tags', async () => {
    // The ARN lower-cased every letter: 'Été-alone' got ARN '…/été-alone', which named no experiment (tags were ResourceNotFound).
    expect((await mlflow('POST', 'experiments/create', { name: 'Été-alone' })).status).toBe(200);
    expect((await mlflow('POST', 'experiments/create', { name: 'été-alone' })).status).toBe(200);
    const sm = await sageMaker();
    try {
      const listed = (await sm.send(new ListExperimentsCommand({ SortBy: 'Name', SortOrder: 'Ascending', MaxResults: 100 }))).ExperimentSummaries ?? [];
      const arnOfListed = (name: string) => listed.find((e) => e.ExperimentName === name)?.ExperimentArn as string;
      expect(arnOfListed('Été-alone')).toBe(arnOf('experiment', 'Été-alone'));
      expect(arnOfListed('été-alone')).toBe(arnOf('experiment', 'été-alone'));
      await sm.send(new AddTagsCommand({ ResourceArn: arnOfListed('Été-alone'), Tags: [{ Key: 'owner', Value: 'upper' }] }));
      await sm.send(new AddTagsCommand({ ResourceArn: arnOfListed('été-alone'), Tags: [{ Key: 'owner', Value: 'lower' }] }));
      expect((await sm.send(new ListTagsCommand({ ResourceArn: arnOfListed('Été-alone') }))).Tags).toEqual([{ Key: 'owner', Value: 'upper' }]);
      expect((await sm.send(new ListTagsCommand({ ResourceArn: arnOfListed('été-alone') }))).Tags).toEqual([{ Key: 'owner', Value: 'lower' }]);
    } finally {
      sm.destroy();
    }
  });

  it("neither clears nor takes nor overwrites the tags of the experiment their ARN names", async () => {
    expect((await mlflow('POST', 'experiments/create', { name: 'été-tags' })).status).toBe(200);
    const arn = arnOf('experiment', 'été-tags');
    expect((await call('POST', '/api/v1/tags', { ResourceArn: arn, Tags: [{ Key: 'owner', Value: 'ana' }] })).status).toBe(200);
    const kept = { Tags: [{ Key: 'owner', Value: 'ana' }] };
    expect((await mlflow('POST', 'experiments/create', { name: 'Été-tags' })).status).toBe(200);
    expect((await listTags(arn)).body).toEqual(kept);
    expect((await call('POST', `${p}/experiments`, { ExperimentName: 'ete-other', Tags: [{ Key: 'owner', Value: 'bob' }] })).status).toBe(200);
    expect((await mlflow('POST', 'experiments/update', { experiment_id: await experimentId('ete-other'), new_name: 'ÉTÉ-tags' })).status).toBe(200);
    expect((await listTags(arn)).body).toEqual(kept);
    expect((await mlflow('POST', 'experiments/update', { experiment_id: await experimentId('Été-tags'), new_name: 'ete-renamed' })).status).toBe(200);
    expect((await listTags(arn)).body).toEqual(kept);
    // The one renamed away did not take them along.
    expect((await listTags(arnOf('experiment', 'ete-renamed'))).body).toEqual({ Tags: [] });
  });
});

describe('MLflow experiment names', () => {
  it("are unique in any letter case: create and rename are RESOURCE_ALREADY_EXISTS naming the holder, whose tags stay", async () => {
    expect((await call('POST', `${p}/experiments`, { ExperimentName: 'Case-Held', Tags: [{ Key: 'owner', Value: 'ana' }] })).status).toBe(200);
    for (const name of ['case-held', 'CASE-HELD']) {
      const r = await mlflow('POST', 'experiments/create', { name });
      expect(r.status).toBe(400);
      expect(r.json).toEqual({ error_code: 'RESOURCE_ALREADY_EXISTS', message: expect.stringContaining(`Experiment(name=${name}) already exists: experiment 'Case-Held'`) });
    }
    expect((await mlflow('POST', 'experiments/create', { name: 'case-other' })).status).toBe(200);
    const other = await experimentId('case-other');
    const rename = await mlflow('POST', 'experiments/update', { experiment_id: other, new_name: 'case-HELD' });
    expect(rename.status).toBe(400);
    expect(rename.json.error_code).toBe('RESOURCE_ALREADY_EXISTS');
    expect((await mlflow('GET', 'experiments/get', { experiment_id: other })).json.experiment.name).toBe('case-other');
    expect((await listTags(arnOf('experiment', 'case-held'))).body).toEqual({ Tags: [{ Key: 'owner', Value: 'ana' }] });
    expect((await call('GET', `${p}/experiments/Case-Held`)).body).toMatchObject({ ExperimentName: 'Case-Held' });
  });
});

describe("a training job's ExperimentConfig.ExperimentName in another letter case than the experiment's", () => {
  // SageMaker's names are case-insensitive, and no other experiment may hold the name in another case: the
  // job names that experiment. Its run was not recorded (creating an experiment of that spelling is refused),
  // and the request was checked as if it named no experiment (CreateMlflowExperiment, not the experiment's actions).
  it('is that experiment: checked as it when the request is taken, and its run logged in it', async () => {
    expect((await call('POST', `${p}/experiments`, { ExperimentName: 'Job-Case' })).status).toBe(200);
    const id = await experimentId('Job-Case');
    const system = { principal: { userName: 'admin', userId: 'x', arn: 'x', via: 'system' as const }, requestId: 'r' };
    const identity = loam!.platform.identity;
    await identity.CreateUser({ UserName: 'case-alice' }, system);
    const Statement = [
      { Effect: 'Allow', Action: ['sagemaker:*', 's3:*'], Resource: '*' },
      // She may read it (else she is refused without its id, as for any name she may not read) but not log runs in it.
      { Effect: 'Deny', Action: 'sagemaker:CreateMlflowRun', Resource: `arn:loam:sagemaker:*:*:mlflow-experiment/${id}` },
    ];
    await identity.CreatePolicy({ PolicyName: 'case-alice-policy', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement }) }, system);
    await identity.AttachUserPolicy({ UserName: 'case-alice', PolicyName: 'case-alice-policy' }, system);
    const token = (await identity.CreateApiToken({ UserName: 'case-alice', TokenName: 't' }, system)).ApiToken.Token;
    await loam!.platform.artifacts.ensureBucket('case-bucket');
    await loam!.platform.artifacts.put({ bucket: 'case-bucket', key: 'train/x.csv' }, Buffer.from('1,2\n0,1\n'));
    const r = await loam!.app.inject({
      method: 'POST', url: '/api/v1/training-jobs', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: JSON.stringify(trainingRequest('case-job', {
        InputDataConfig: [{ ChannelName: 'train', ContentType: 'text/csv', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://case-bucket/train/' } } }],
        OutputDataConfig: { S3OutputPath: 's3://case-bucket/out' }, ExperimentConfig: { ExperimentName: 'JOB-CASE' },
      })),
    });
    expect(r.statusCode, r.body).toBe(403);
    expect(r.json().detail).toContain(`mlflow-experiment/${id}`);

    const { tracking, partition } = loam!.platform;
    const jobArn = `arn:loam:sagemaker:${partition.region}:${partition.accountId}:training-job/case-run`;
    const recorded = await new TrainingJobRuns(tracking, partition).recordTrainingJobRun({
      jobName: 'case-run', jobArn, experimentName: 'job-case', hyperparameters: {}, status: 'InProgress', startTime: 1000, userName: 'admin',
    });
    expect(recorded.experimentId).toBe(id);
    expect((await call('GET', `${p}/trial-components/case-run-aws-training-job`)).status).toBe(200);
  });
});

describe("SageMaker's experiment, trial and component names in another letter case", () => {
  // SageMaker holds these names unique in any case ("The name must be unique in your Amazon Web Services account
  // and is not case-sensitive": CreateExperiment, CreateTrial, CreateTrialComponent), as Loam does: a name in
  // another case names the same entity. Experiment names were matched exactly: DescribeExperiment('CASE-WALK')
  // was ResourceNotFound, and so were CreateTrial, ListTrials and ListTrialComponents naming it so.
  it('name the same entity in every Experiments operation, which answers with the name as created', async () => {
    const sm = await sageMaker();
    try {
      await sm.send(new CreateExperimentCommand({ ExperimentName: 'Case-Walk' }));
      expect((await sm.send(new DescribeExperimentCommand({ ExperimentName: 'CASE-WALK' }))).ExperimentName).toBe('Case-Walk');
      await sm.send(new UpdateExperimentCommand({ ExperimentName: 'case-walk', Description: 'any case' }));
      expect((await sm.send(new DescribeExperimentCommand({ ExperimentName: 'Case-Walk' }))).Description).toBe('any case');
      await sm.send(new CreateTrialCommand({ TrialName: 'Case-Walk-Trial', ExperimentName: 'CASE-walk' }));
      expect((await sm.send(new DescribeTrialCommand({ TrialName: 'case-walk-TRIAL' })))).toMatchObject({ TrialName: 'Case-Walk-Trial', ExperimentName: 'Case-Walk' });
      await sm.send(new CreateTrialComponentCommand({ TrialComponentName: 'Case-Walk-Run' }));
      const joined = await sm.send(new AssociateTrialComponentCommand({ TrialComponentName: 'CASE-WALK-RUN', TrialName: 'case-walk-trial' }));
      expect(joined.TrialArn).toBe(arnOf('experiment-trial', 'case-walk-trial'));
      expect((await sm.send(new DescribeTrialComponentCommand({ TrialComponentName: 'case-walk-run' }))).TrialComponentName).toBe('Case-Walk-Run');
      expect((await sm.send(new ListTrialsCommand({ ExperimentName: 'CASE-WALK' }))).TrialSummaries?.map((t) => t.TrialName)).toEqual(['Case-Walk-Trial']);
      expect((await sm.send(new ListTrialsCommand({ TrialComponentName: 'case-walk-run' }))).TrialSummaries?.map((t) => t.TrialName)).toEqual(['Case-Walk-Trial']);
      expect((await sm.send(new ListTrialComponentsCommand({ ExperimentName: 'case-WALK' }))).TrialComponentSummaries?.map((c) => c.TrialComponentName)).toEqual(['Case-Walk-Run']);
      expect((await sm.send(new ListTrialComponentsCommand({ TrialName: 'CASE-WALK-TRIAL' }))).TrialComponentSummaries?.map((c) => c.TrialComponentName)).toEqual(['Case-Walk-Run']);
      await sm.send(new DisassociateTrialComponentCommand({ TrialComponentName: 'case-walk-run', TrialName: 'CASE-WALK-TRIAL' }));
      await sm.send(new DeleteTrialCommand({ TrialName: 'CASE-WALK-TRIAL' }));
      expect((await sm.send(new DeleteExperimentCommand({ ExperimentName: 'CASE-WALK' }))).ExperimentArn).toBe(arnOf('experiment', 'case-walk'));
      await expect(sm.send(new DescribeExperimentCommand({ ExperimentName: 'Case-Walk' }))).rejects.toMatchObject({ name: 'ResourceNotFound' });
    } finally {
      sm.destroy();
    }
  });
});

describe("a training job's Default-Run-Group trial (ExperimentConfig.ExperimentName alone)", () => {
  // SageMaker's trial names hold at most 120 characters: 'Default-Run-Group-<experiment>' was cut there, so every
  // experiment of the same first 102 characters shared one trial, and a job of the second never joined one.
  const stem = `long-${'x'.repeat(100)}`;
  const [first, second, third] = [`${stem}-one`, `${stem}-two`, `${stem}-three`];
  const record = async (jobName: string, experimentName: string) => {
    const { tracking, partition } = loam!.platform;
    const jobArn = `arn:loam:sagemaker:${partition.region}:${partition.accountId}:training-job/${jobName}`;
    await new TrainingJobRuns(tracking, partition).recordTrainingJobRun({ jobName, jobArn, experimentName, hyperparameters: {}, status: 'InProgress', startTime: 1000, userName: 'admin' });
  };
  it("is one per experiment of a long name, while a trial an earlier Loam made for one is still joined; a short name's is unchanged", async () => {
    const sm = await sageMaker();
    try {
      for (const name of [first, second, third, 'short-exp']) await sm.send(new CreateExperimentCommand({ ExperimentName: name }));
      // The trial an earlier Loam made for the first experiment (its name cut at 120 characters).
      const legacy = `Default-Run-Group-${first}`.slice(0, 120);
      await sm.send(new CreateTrialCommand({ TrialName: legacy, ExperimentName: first }));
      await record('long-a', first);
      await record('long-b', second);
      await record('long-c', third);
      await record('long-b2', second);
      await record('short-a', 'short-exp');
      const trialsOf = async (job: string) => (await sm.send(new ListTrialsCommand({ TrialComponentName: `${job}-aws-training-job` }))).TrialSummaries?.map((t) => t.TrialName) ?? [];
      expect(await trialsOf('long-a')).toEqual([legacy]);
      const [b] = await trialsOf('long-b');
      const [c] = await trialsOf('long-c');
      for (const [name, experiment] of [[b, second], [c, third]] as const) {
        expect(name, experiment).toMatch(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,119}$/);
        // It still starts with the experiment's name, as far as a trial name holds it.
        expect(name?.startsWith(`Default-Run-Group-${stem.slice(0, 80)}`), name).toBe(true);
        expect((await sm.send(new DescribeTrialCommand({ TrialName: name }))).ExperimentName).toBe(experiment);
      }
      expect(new Set([legacy, b, c]).size).toBe(3);
      // The experiment's next job joins the same trial.
      expect(await trialsOf('long-b2')).toEqual([b]);
      expect(await trialsOf('short-a')).toEqual(['Default-Run-Group-short-exp']);
    } finally {
      sm.destroy();
    }
  });

  it("is the SageMaker Python SDK's run group of an experiment of 101 or 102 characters, or the trial an earlier Loam made under the whole name", async () => {
    // The SDK's Run names its group 'Default-Run-Group-<experiment cut at 100>' (118 characters at most); Loam
    // cut only past 102, so a job with ExperimentName alone made a second group beside the SDK's.
    const sdk = `sdk-${'z'.repeat(97)}`;
    const twin = `sdk-${'z'.repeat(96)}q`; // the same first 100 characters: the SDK's cut name is the other's
    const earlier = `old-${'w'.repeat(98)}`;
    const sdkGroup = `Default-Run-Group-${sdk.slice(0, 100)}`;
    const sm = await sageMaker();
    try {
      for (const name of [sdk, twin, earlier]) await sm.send(new CreateExperimentCommand({ ExperimentName: name }));
      await sm.send(new CreateTrialCommand({ TrialName: sdkGroup, ExperimentName: sdk }));
      // What an earlier Loam made for a 102-character name: the whole name, 120 characters.
      await sm.send(new CreateTrialCommand({ TrialName: `Default-Run-Group-${earlier}`, ExperimentName: earlier }));
      await record('sdk-job', sdk);
      await record('twin-job', twin);
      await record('earlier-job', earlier);
      const trialsOf = async (job: string) => (await sm.send(new ListTrialsCommand({ TrialComponentName: `${job}-aws-training-job` }))).TrialSummaries?.map((t) => t.TrialName) ?? [];
      expect(await trialsOf('sdk-job')).toEqual([sdkGroup]);
      expect(await trialsOf('earlier-job')).toEqual([`Default-Run-Group-${earlier}`]);
      // The twin's jobs do not join the other experiment's group: they get one of their own.
      const [own] = await trialsOf('twin-job');
      expect(own).toMatch(/^Default-Run-Group-sdk-z+-[0-9a-f]{12}$/);
      expect((await sm.send(new DescribeTrialCommand({ TrialName: own }))).ExperimentName).toBe(twin);
    } finally {
      sm.destroy();
    }
  });

  it("keeps joining the trial an earlier Loam made for a long name after upgrade, though the SDK's run group of the experiment exists too", async () => {
    // Both of the experiment's own: its ExperimentName-alone jobs went to the earlier Loam's (whole name, 119
    // characters), its SDK runs to the SDK's (cut at 100). An upgrade must not move the next such job to the
    // SDK's group and split the series over two trials.
    const both = `two-${'v'.repeat(97)}`;
    const earlierGroup = `Default-Run-Group-${both}`;
    const sm = await sageMaker();
    try {
      await sm.send(new CreateExperimentCommand({ ExperimentName: both }));
      await sm.send(new CreateTrialCommand({ TrialName: `Default-Run-Group-${both.slice(0, 100)}`, ExperimentName: both }));
      await sm.send(new CreateTrialCommand({ TrialName: earlierGroup, ExperimentName: both }));
      await record('after-upgrade-job', both);
      const joined = (await sm.send(new ListTrialsCommand({ TrialComponentName: 'after-upgrade-job-aws-training-job' }))).TrialSummaries?.map((t) => t.TrialName);
      expect(joined).toEqual([earlierGroup]);
    } finally {
      sm.destroy();
    }
  });

  it('is the one checked when a CreateTrainingJob request is taken: a long-named experiment whose cut name another holds gets its own', async () => {
    // The check looked up the cut name, found the other experiment's trial and checked nothing: a Deny on
    // CreateTrial did not stop the job from creating its trial.
    // A stem of its own: the test above made the trial of its stem's cut name.
    const other = `long-${'y'.repeat(100)}`;
    const [four, five] = [`${other}-four`, `${other}-five`];
    const sm = await sageMaker();
    try {
      for (const name of [four, five]) await sm.send(new CreateExperimentCommand({ ExperimentName: name }));
      await sm.send(new CreateTrialCommand({ TrialName: `Default-Run-Group-${four}`.slice(0, 120), ExperimentName: four }));
    } finally {
      sm.destroy();
    }
    const system = { principal: { userName: 'admin', userId: 'x', arn: 'x', via: 'system' as const }, requestId: 'r' };
    const identity = loam!.platform.identity;
    await identity.CreateUser({ UserName: 'long-carol' }, system);
    const Statement = [
      { Effect: 'Allow', Action: ['sagemaker:*', 's3:*'], Resource: '*' },
      { Effect: 'Deny', Action: 'sagemaker:CreateTrial', Resource: 'arn:loam:sagemaker:*:*:experiment-trial/default-run-group-long-*' },
    ];
    await identity.CreatePolicy({ PolicyName: 'long-carol-policy', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement }) }, system);
    await identity.AttachUserPolicy({ UserName: 'long-carol', PolicyName: 'long-carol-policy' }, system);
    const token = (await identity.CreateApiToken({ UserName: 'long-carol', TokenName: 't' }, system)).ApiToken.Token;
    await loam!.platform.artifacts.ensureBucket('long-bucket');
    await loam!.platform.artifacts.put({ bucket: 'long-bucket', key: 'train/x.csv' }, Buffer.from('1,2\n0,1\n'));
    const create = (jobName: string, ExperimentName: string) => loam!.app.inject({
      method: 'POST', url: '/api/v1/training-jobs', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: JSON.stringify(trainingRequest(jobName, {
        InputDataConfig: [{ ChannelName: 'train', ContentType: 'text/csv', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://long-bucket/train/' } } }],
        OutputDataConfig: { S3OutputPath: 's3://long-bucket/out' }, ExperimentConfig: { ExperimentName },
      })),
    });
    // The fifth's jobs would create a trial of their own, which the Deny refuses.
    const refused = await create('long-five-job', five);
    expect(refused.statusCode, refused.body).toBe(403);
    expect(refused.json().detail).toContain('sagemaker:CreateTrial');
    expect(refused.json().detail).toContain(`would create trial 'Default-Run-Group-${other.slice(0, 80)}`);
    // The fourth's join the trial an earlier Loam made for it: nothing to create.
    const taken = await create('long-four-job', four);
    expect(taken.statusCode, taken.body).toBe(200);
  });
});
