import { DescribeExperimentCommand, DescribeTrialCommand, DescribeTrialComponentCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { describe, expect, it } from 'vitest';
import { TrainingJobRuns } from '@loam/core';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { listenOnLoopback, openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { scopedUsers } from './scoped-users.test-support.js';

// An experiment, trial or trial component hidden from a caller by its MLflow experiment (a Deny there: they
// may not describe it) answers as a missing one does — same status, code and message, the name aside — so
// the answer does not tell them it exists. Describe* answered 403 where a missing one answered 404, lists
// filtered by a hidden one answered [] where a missing one answered 404, and AddAssociation/DeleteAssociation
// answered 200 for a hidden end where a missing one answered 404.

let loam: TestLoam;
let sm: SageMakerClient | undefined;
const p = '/api/v1/sagemaker-experiments';
const { userWith, as } = scopedUsers(() => loam);

async function start(): Promise<void> {
  loam = await openTestLoam();
  const { tracking, partition } = loam.platform;
  expect((await as('admin', 'POST', `${p}/experiments`, { ExperimentName: 'hid-exp' })).status).toBe(200);
  expect((await as('admin', 'POST', `${p}/experiments`, { ExperimentName: 'open-exp' })).status).toBe(200);
  expect((await as('admin', 'POST', `${p}/trials`, { TrialName: 'open-trial', ExperimentName: 'open-exp' })).status).toBe(200);
  expect((await as('admin', 'POST', `${p}/trial-components`, { TrialComponentName: 'open-tc' })).status).toBe(200);
  // A training job's run in hid-exp: its component (hid-job-aws-training-job) and trial (hid-trial) are guarded by hid-exp.
  const jobArn = `arn:loam:sagemaker:${partition.region}:${partition.accountId}:training-job/hid-job`;
  await new TrainingJobRuns(tracking, partition).recordTrainingJobRun({ jobName: 'hid-job', jobArn, experimentName: 'hid-exp', trialName: 'hid-trial', hyperparameters: {}, status: 'Completed', startTime: 1, endTime: 2, userName: 'admin' });
  const hidId = (await tracking.getExperimentByName('hid-exp')).experimentId;
  // viewer sees everything; outsider everything but hid-exp's MLflow experiment.
  await userWith('viewer', [{ Effect: 'Allow', Action: ['sagemaker:*', 's3:*'], Resource: '*' }]);
  await userWith('outsider', [
    { Effect: 'Allow', Action: ['sagemaker:*', 's3:*'], Resource: '*' },
    { Effect: 'Deny', Action: 'sagemaker:*', Resource: `arn:loam:sagemaker:*:*:mlflow-experiment/${hidId}` },
  ]);
}
async function stop(): Promise<void> {
  sm?.destroy();
  sm = undefined;
  await loam?.close();
}
serverPerAttempt(start, stop);

/** The answer as a caller sees it, with `name` written `<name>` wherever it appears (names are lower case here, as in ARNs). */
async function answer(user: string, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body: unknown, name: string) {
  const r = await as(user, method, url, body);
  return { status: r.status, code: r.body?.code, detail: String(r.body?.detail ?? '').split(name).join('<name>') };
}

/** Each call, made for the hidden name and for a missing one: the outsider's answers must be the same, ResourceNotFound. */
type Call = readonly [method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: (name: string) => string, body: (name: string) => unknown];

async function expectAlike(calls: readonly Call[], hidden: string, missing: string, user = 'outsider'): Promise<void> {
  for (const [method, url, body] of calls) {
    const h = await answer(user, method, url(hidden), body(hidden), hidden);
    const m = await answer(user, method, url(missing), body(missing), missing);
    expect(h, `${method} ${url(hidden)}`).toEqual(m);
    expect(h, `${method} ${url(hidden)}`).toMatchObject({ status: 404, code: 'ResourceNotFound', detail: expect.stringContaining('<name>') });
  }
}

const none = () => undefined;

describe('an experiment, trial or trial component hidden by its MLflow experiment answers as a missing one', () => {
  it('over REST: Describe, Update, Delete, CreateTrial in it, and the lists filtered by it', async () => {
    // The viewer reads them: they exist.
    for (const url of [`${p}/experiments/hid-exp`, `${p}/trials/hid-trial`, `${p}/trial-components/hid-job-aws-training-job`]) expect((await as('viewer', 'GET', url)).status, url).toBe(200);
    await expectAlike([
      ['GET', (n) => `${p}/experiments/${n}`, none],
      ['PATCH', (n) => `${p}/experiments/${n}`, () => ({ DisplayName: 'x' })],
      ['DELETE', (n) => `${p}/experiments/${n}`, none],
      ['POST', () => `${p}/trials`, (n) => ({ TrialName: 'outsider-trial', ExperimentName: n })],
      ['GET', (n) => `${p}/trials?ExperimentName=${n}`, none],
      ['GET', (n) => `${p}/trial-components?ExperimentName=${n}`, none],
    ], 'hid-exp', 'nul-exp');
    await expectAlike([
      ['GET', (n) => `${p}/trials/${n}`, none],
      ['PATCH', (n) => `${p}/trials/${n}`, () => ({ DisplayName: 'x' })],
      ['DELETE', (n) => `${p}/trials/${n}`, none],
      ['GET', (n) => `${p}/trial-components?TrialName=${n}`, none],
      ['POST', (n) => `${p}/trials/${n}/trial-components`, () => ({ TrialComponentName: 'open-tc' })],
      ['POST', (n) => `${p}/trials/${n}/trial-components/delete`, () => ({ TrialComponentName: 'open-tc' })],
    ], 'hid-trial', 'nul-trial');
    await expectAlike([
      ['GET', (n) => `${p}/trial-components/${n}`, none],
      ['POST', (n) => `${p}/trial-components/${n}/update`, () => ({ DisplayName: 'x' })],
      ['DELETE', (n) => `${p}/trial-components/${n}`, none],
      ['GET', (n) => `${p}/trials?TrialComponentName=${n}`, none],
      ['POST', () => `${p}/trials/open-trial/trial-components`, (n) => ({ TrialComponentName: n })],
      ['POST', () => `${p}/trials/open-trial/trial-components/delete`, (n) => ({ TrialComponentName: n })],
      // A hidden component and a missing trial: the component is judged first, as a missing component is.
      ['POST', () => `${p}/trials/nul-trial/trial-components`, (n) => ({ TrialComponentName: n })],
    ], 'hid-job-aws-training-job', 'nul-job-aws-training-job');
    // Nothing changed: the viewer still reads them as they were, and the outsider's lists do not show them.
    expect((await as('viewer', 'GET', `${p}/trials/hid-trial`)).body).toMatchObject({ TrialName: 'hid-trial', DisplayName: 'hid-trial' });
    expect((await as('viewer', 'GET', `${p}/trial-components?TrialName=hid-trial`)).body.TrialComponentSummaries.map((c: { TrialComponentName: string }) => c.TrialComponentName)).toEqual(['hid-job-aws-training-job']);
    expect((await as('viewer', 'GET', `${p}/trials?TrialComponentName=open-tc`)).body.TrialSummaries).toEqual([]);
    const listed = JSON.stringify([
      (await as('outsider', 'GET', `${p}/experiments?MaxResults=100`)).body, (await as('outsider', 'GET', `${p}/trials?MaxResults=100`)).body,
      (await as('outsider', 'GET', `${p}/trial-components?MaxResults=100`)).body,
    ]);
    expect(listed).toContain('open-trial');
    expect(listed).not.toMatch(/hid-/);
    // One the outsider may read but not change is refused (403): they know it exists.
    await userWith('reader', [
      { Effect: 'Allow', Action: 'sagemaker:*', Resource: '*' },
      { Effect: 'Deny', Action: 'sagemaker:UpdateTrial', Resource: 'arn:loam:sagemaker:*:*:mlflow-experiment/*' },
    ]);
    expect((await as('reader', 'GET', `${p}/trials/hid-trial`)).status).toBe(200);
    expect((await as('reader', 'PATCH', `${p}/trials/hid-trial`, { DisplayName: 'x' }))).toMatchObject({ status: 403, body: { code: 'AccessDeniedException' } });
  });

  it('a list filtered by an experiment, trial or component the caller may not describe by its ARN answers as for a missing one', async () => {
    // Describe* on the name's ARN is refused before Loam looks (403 whether or not it exists); a list filtered
    // by it answered the hidden one's trials or components (200) where a missing one answered 404.
    await userWith('arn-outsider', [
      { Effect: 'Allow', Action: 'sagemaker:*', Resource: '*' },
      { Effect: 'Deny', Action: ['sagemaker:DescribeExperiment', 'sagemaker:DescribeTrial', 'sagemaker:DescribeTrialComponent'], Resource: ['arn:loam:sagemaker:*:*:experiment/hid-exp', 'arn:loam:sagemaker:*:*:experiment-trial/hid-trial', 'arn:loam:sagemaker:*:*:experiment-trial-component/hid-job-aws-training-job'] },
    ]);
    await expectAlike([
      ['GET', (n) => `${p}/trials?ExperimentName=${n}`, none],
      ['GET', (n) => `${p}/trial-components?ExperimentName=${n}`, none],
    ], 'hid-exp', 'nul-exp', 'arn-outsider');
    await expectAlike([['GET', (n) => `${p}/trial-components?TrialName=${n}`, none]], 'hid-trial', 'nul-trial', 'arn-outsider');
    await expectAlike([['GET', (n) => `${p}/trials?TrialComponentName=${n}`, none]], 'hid-job-aws-training-job', 'nul-job-aws-training-job', 'arn-outsider');
  });

  it('a caller who may change but not describe them (a Deny on the reads) changes nothing and answers as for a missing one', async () => {
    await userWith('blind-writer', [
      { Effect: 'Allow', Action: 'sagemaker:*', Resource: '*' },
      { Effect: 'Deny', Action: ['sagemaker:Describe*', 'sagemaker:List*'], Resource: 'arn:loam:sagemaker:*:*:mlflow-experiment/*' },
    ]);
    const writes: [Call[], string, string][] = [
      [[['PATCH', (n) => `${p}/experiments/${n}`, () => ({ DisplayName: 'blind' })], ['POST', () => `${p}/trials`, (n) => ({ TrialName: 'blind-trial', ExperimentName: n })]], 'hid-exp', 'nul-exp'],
      [[['PATCH', (n) => `${p}/trials/${n}`, () => ({ DisplayName: 'blind' })], ['DELETE', (n) => `${p}/trials/${n}`, none]], 'hid-trial', 'nul-trial'],
      [[['POST', (n) => `${p}/trial-components/${n}/update`, () => ({ DisplayName: 'blind' })], ['POST', () => `${p}/trials/open-trial/trial-components`, (n) => ({ TrialComponentName: n })]], 'hid-job-aws-training-job', 'nul-job-aws-training-job'],
    ];
    for (const [calls, hidden, missing] of writes) await expectAlike(calls, hidden, missing, 'blind-writer');
    expect((await as('viewer', 'GET', `${p}/experiments/hid-exp`)).body.DisplayName).toBe('hid-exp');
    expect((await as('viewer', 'GET', `${p}/trials/hid-trial`)).body.DisplayName).toBe('hid-trial');
    expect((await as('viewer', 'GET', `${p}/trial-components/hid-job-aws-training-job`)).body.DisplayName).not.toBe('blind');
    expect((await as('viewer', 'GET', `${p}/trials/blind-trial`)).status).toBe(404);
    expect((await as('viewer', 'GET', `${p}/trial-components?TrialName=open-trial`)).body.TrialComponentSummaries).toEqual([]);
    // A caller who may describe and change them still changes them.
    expect((await as('viewer', 'PATCH', `${p}/trials/hid-trial`, { DisplayName: 'seen' })).status).toBe(200);
  });

  it('pages of ListTrials and ListTrialComponents fill past hidden ones: no short page carries a NextToken', async () => {
    // Pages were cut from one read of MaxResults rows and then thinned: a hidden trial left an empty page with a
    // NextToken (ascending by name, hid-trial comes first), which told the caller something hidden was there.
    const pages = async (url: string, key: string, field: string) => {
      const seen: string[][] = [];
      let token: string | undefined;
      do {
        const r = await as('outsider', 'GET', `${url}&MaxResults=1${token ? `&NextToken=${encodeURIComponent(token)}` : ''}`);
        expect(r.status).toBe(200);
        seen.push(r.body[key].map((x: Record<string, string>) => x[field]));
        token = r.body.NextToken;
      } while (token !== undefined && seen.length < 10);
      return seen;
    };
    for (const sortOrder of ['Ascending', 'Descending']) {
      for (const [list, key, field] of [['trials', 'TrialSummaries', 'TrialName'], ['trial-components', 'TrialComponentSummaries', 'TrialComponentName']] as const) {
        const url = `${p}/${list}?SortBy=Name&SortOrder=${sortOrder}`;
        const all = (await as('outsider', 'GET', `${url}&MaxResults=100`)).body[key].map((x: Record<string, string>) => x[field]);
        expect(all.length, url).toBeGreaterThan(0);
        expect(await pages(url, key, field), url).toEqual(all.map((n: string) => [n]));
      }
    }
  });

  it("over SageMaker's AWS JSON protocol: DescribeExperiment, DescribeTrial and DescribeTrialComponent answer ResourceNotFound alike", async () => {
    const key = await loam.platform.identity.CreateAccessKey({ UserName: 'outsider' }, { principal: { userName: 'admin', userId: 'x', arn: 'x', via: 'system' }, requestId: 'r' });
    sm = new SageMakerClient({ endpoint: await listenOnLoopback(loam), region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: key.AccessKey.AccessKeyId, secretAccessKey: key.AccessKey.SecretAccessKey } });
    const client = sm;
    const failure = async (send: () => Promise<unknown>, name: string) => {
      const e = (await send().then(() => undefined, (x: unknown) => x)) as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } } | undefined;
      return { name: e?.name, status: e?.$metadata?.httpStatusCode, message: e?.message?.split(name).join('<name>') };
    };
    const pairs: [(n: string) => Promise<unknown>, string, string][] = [
      [(n) => client.send(new DescribeExperimentCommand({ ExperimentName: n })), 'hid-exp', 'nul-exp'],
      [(n) => client.send(new DescribeTrialCommand({ TrialName: n })), 'hid-trial', 'nul-trial'],
      [(n) => client.send(new DescribeTrialComponentCommand({ TrialComponentName: n })), 'hid-job-aws-training-job', 'nul-job-aws-training-job'],
    ];
    for (const [send, hidden, missing] of pairs) {
      const h = await failure(() => send(hidden), hidden);
      expect(h, hidden).toEqual(await failure(() => send(missing), missing));
      expect(h, hidden).toMatchObject({ name: 'ResourceNotFound', status: 400 });
    }
  });

  it('AddAssociation and DeleteAssociation with a hidden end answer as with a missing one, and change nothing', async () => {
    const { region, accountId } = loam.platform.partition;
    const trialArn = (n: string) => `arn:loam:sagemaker:${region}:${accountId}:experiment-trial/${n}`;
    expect((await as('admin', 'POST', '/api/v1/lineage/associations', { SourceArn: trialArn('hid-trial'), DestinationArn: 's3://shared/kept' })).status).toBe(200);
    await expectAlike([
      ['POST', () => '/api/v1/lineage/associations', (n) => ({ SourceArn: trialArn(n), DestinationArn: 's3://shared/new' })],
      ['POST', () => '/api/v1/lineage/associations', (n) => ({ SourceArn: 's3://shared/new', DestinationArn: trialArn(n) })],
      ['POST', () => '/api/v1/lineage/associations/delete', (n) => ({ SourceArn: trialArn(n), DestinationArn: 's3://shared/kept' })],
    ], 'hid-trial', 'nul-trial');
    // The association is still there, and no new one was made.
    const listed = await as('viewer', 'GET', `/api/v1/lineage/associations?SourceArn=${encodeURIComponent(trialArn('hid-trial'))}`);
    expect(listed.status).toBe(200);
    expect(listed.body.AssociationSummaries.map((a: { DestinationArn: string }) => a.DestinationArn)).toHaveLength(1);
    // The viewer may add one: the trial exists.
    expect((await as('viewer', 'POST', '/api/v1/lineage/associations', { SourceArn: trialArn('hid-trial'), DestinationArn: 's3://shared/new' })).status).toBe(200);
  });
});
