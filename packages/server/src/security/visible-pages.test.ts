import { SageMakerClient, SearchCommand, type ResourceType } from '@aws-sdk/client-sagemaker';
import { describe, expect, it } from 'vitest';
import { TrainingJobRuns } from '@loam/core';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { listenOnLoopback, openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { scopedUsers } from './scoped-users.test-support.js';

// The lists that leave out what the caller may not see (an experiment, trial, component or run whose MLflow
// experiment denies it) fill each page past those: paged one at a time, they answer the caller's whole list,
// and no page is empty while a NextToken follows. A page cut from one read and then thinned was short or empty
// and still carried a token, which told the caller something hidden was there (ListExperiments, MLflow's
// experiments/search and runs/search, ListMlflowExperiments, ListMlflowRuns).

let loam: TestLoam;
const clients: SageMakerClient[] = [];
const { userWith, as } = scopedUsers(() => loam);
const sm = '/api/v1/sagemaker-experiments';
const HIDDEN = ['a-hid', 'c-hid', 'e-hid', 'g-hid'];
const OPEN = ['b-open', 'd-open', 'f-open'];
let experimentIds: string[] = [];
let endpoint: string | undefined;

async function start(): Promise<void> {
  loam = await openTestLoam();
  const { tracking, partition } = loam.platform;
  const admin = { userName: 'admin', userId: 'x', arn: 'x', via: 'system' as const };
  // Each hidden experiment holds a training job's run, trial and component (guarded by it); each open one a
  // trial, a component and a run anyone may see. Names interleave, so hidden ones come first, between and last.
  for (const [k, name] of HIDDEN.entries()) {
    expect((await as('admin', 'POST', `${sm}/experiments`, { ExperimentName: name })).status).toBe(200);
    const job = `${name}-job${k}`;
    await new TrainingJobRuns(tracking, partition).recordTrainingJobRun({ jobName: job, jobArn: `arn:loam:sagemaker:${partition.region}:${partition.accountId}:training-job/${job}`, experimentName: name, trialName: `${name}-trial`, hyperparameters: {}, status: 'Completed', startTime: 10 + 2 * k, endTime: 20, userName: 'admin' });
  }
  for (const [k, name] of OPEN.entries()) {
    expect((await as('admin', 'POST', `${sm}/experiments`, { ExperimentName: name })).status).toBe(200);
    expect((await as('admin', 'POST', `${sm}/trials`, { TrialName: `${name}-trial`, ExperimentName: name })).status).toBe(200);
    expect((await as('admin', 'POST', `${sm}/trial-components`, { TrialComponentName: `${name}-tc` })).status).toBe(200);
    await tracking.createRun({ experimentId: (await tracking.getExperimentByName(name)).experimentId, runName: `${name}-run`, startTime: 11 + 2 * k, tags: [] }, admin);
  }
  experimentIds = await Promise.all([...HIDDEN, ...OPEN].map(async (n) => (await tracking.getExperimentByName(n)).experimentId));
  await userWith('viewer', [{ Effect: 'Allow', Action: ['sagemaker:*', 's3:*'], Resource: '*' }]);
  const hidden = await Promise.all(HIDDEN.map(async (n) => `arn:loam:sagemaker:*:*:mlflow-experiment/${(await tracking.getExperimentByName(n)).experimentId}`));
  await userWith('outsider', [
    { Effect: 'Allow', Action: ['sagemaker:*', 's3:*'], Resource: '*' },
    { Effect: 'Deny', Action: 'sagemaker:*', Resource: hidden },
  ]);
}
async function stop(): Promise<void> {
  for (const c of clients.splice(0)) c.destroy();
  endpoint = undefined;
  await loam?.close();
}
serverPerAttempt(start, stop);

/** One page: its items' names and the token to the next. */
type Page = { names: string[]; token?: string };

/**
 * Pages a list one item at a time and expects the caller's whole list (`whole`, one call of 100): the pages,
 * concatenated, are that list, each holds one item, and a token follows each page but the last.
 */
async function expectFilled(what: string, whole: () => Promise<Page>, page: (token?: string) => Promise<Page>, open: readonly string[]) {
  const all = (await whole()).names;
  expect(all.length, what).toBeGreaterThan(0);
  // The caller's list: every open one (each name begins with its experiment's), none hidden; MLflow's Default experiment aside.
  const mine = all.filter((n) => !n.startsWith('Default'));
  expect(mine.filter((n) => open.some((o) => n.startsWith(o))), what).toEqual(mine);
  for (const o of open) expect(mine.some((n) => n.startsWith(o)), `${what}: ${o}`).toBe(true);
  const pages: string[][] = [];
  let token: string | undefined;
  do {
    const p = await page(token);
    pages.push(p.names);
    token = p.token;
  } while (token !== undefined && pages.length < 20);
  expect.soft(pages, what).toEqual(all.map((n) => [n]));
}

const tokenOf = (t: unknown) => (typeof t === 'string' && t !== '' ? t : undefined);

describe('lists that leave out what the caller may not see fill their pages', () => {
  for (const user of ['viewer', 'outsider']) {
    const open = user === 'viewer' ? [...HIDDEN, ...OPEN] : OPEN;

    it(`ListExperiments, by name and by creation time, both ways (${user})`, async () => {
      for (const sortBy of ['Name', 'CreationTime']) {
        for (const sortOrder of ['Ascending', 'Descending']) {
          const url = `${sm}/experiments?SortBy=${sortBy}&SortOrder=${sortOrder}`;
          const get = async (q: string): Promise<Page> => {
            const r = await as(user, 'GET', `${url}${q}`);
            expect(r.status, url).toBe(200);
            return { names: r.body.ExperimentSummaries.map((e: { ExperimentName: string }) => e.ExperimentName), token: tokenOf(r.body.NextToken) };
          };
          await expectFilled(`${user} ${url}`, () => get('&MaxResults=100'), (t) => get(`&MaxResults=1${t ? `&NextToken=${encodeURIComponent(t)}` : ''}`), open);
        }
      }
    });

    it(`MLflow experiments/search and runs/search, both ways (${user})`, async () => {
      for (const dir of ['ASC', 'DESC']) {
        const exps = async (max: number, token?: string): Promise<Page> => {
          const r = await as(user, 'POST', '/api/2.0/mlflow/experiments/search', { max_results: max, order_by: [`name ${dir}`], filter: "name != 'Default'", ...(token ? { page_token: token } : {}) });
          expect(r.status, JSON.stringify(r.body)).toBe(200);
          return { names: (r.body.experiments ?? []).map((e: { name: string }) => e.name), token: tokenOf(r.body.next_page_token) };
        };
        await expectFilled(`${user} experiments/search ${dir}`, () => exps(100), (t) => exps(1, t), open);
        const runs = async (max: number, token?: string): Promise<Page> => {
          const r = await as(user, 'POST', '/api/2.0/mlflow/runs/search', { experiment_ids: experimentIds, max_results: max, order_by: [`attributes.start_time ${dir}`], ...(token ? { page_token: token } : {}) });
          expect(r.status, JSON.stringify(r.body)).toBe(200);
          return { names: (r.body.runs ?? []).map((x: { info: { run_name: string } }) => x.info.run_name), token: tokenOf(r.body.next_page_token) };
        };
        await expectFilled(`${user} runs/search ${dir}`, () => runs(100), (t) => runs(1, t), open);
      }
    });

    it(`ListMlflowExperiments and ListMlflowRuns, both ways (${user})`, async () => {
      for (const dir of ['ASC', 'DESC']) {
        const exps = async (max: number, token?: string): Promise<Page> => {
          const q = new URLSearchParams({ MaxResults: String(max), OrderBy: `name ${dir}`, Filter: "name != 'Default'", ...(token ? { NextToken: token } : {}) });
          const r = await as(user, 'GET', `/api/v1/mlflow/experiments?${q}`);
          expect(r.status, JSON.stringify(r.body)).toBe(200);
          return { names: r.body.Experiments.map((e: { Name: string }) => e.Name), token: tokenOf(r.body.NextToken) };
        };
        await expectFilled(`${user} ListMlflowExperiments ${dir}`, () => exps(100), (t) => exps(1, t), open);
        const runs = async (max: number, token?: string): Promise<Page> => {
          const r = await as(user, 'POST', '/api/v1/mlflow/runs/search', { ExperimentIds: experimentIds, MaxResults: max, OrderBy: [`attributes.start_time ${dir}`], ...(token ? { NextToken: token } : {}) });
          expect(r.status, JSON.stringify(r.body)).toBe(200);
          return { names: r.body.Runs.map((x: { Info: { RunName: string } }) => x.Info.RunName), token: tokenOf(r.body.NextToken) };
        };
        await expectFilled(`${user} ListMlflowRuns ${dir}`, () => runs(100), (t) => runs(1, t), open);
      }
    });

    it(`Search over experiments, trials and trial components, both ways (${user})`, async () => {
      const key = await loam.platform.identity.CreateAccessKey({ UserName: user }, { principal: { userName: 'admin', userId: 'x', arn: 'x', via: 'system' }, requestId: 'r' });
      endpoint ??= await listenOnLoopback(loam);
      const client = new SageMakerClient({ endpoint, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: key.AccessKey.AccessKeyId, secretAccessKey: key.AccessKey.SecretAccessKey } });
      clients.push(client);
      const kinds: [ResourceType, string, string][] = [['Experiment', 'Experiment', 'ExperimentName'], ['ExperimentTrial', 'Trial', 'TrialName'], ['ExperimentTrialComponent', 'TrialComponent', 'TrialComponentName']];
      for (const [resource, member, name] of kinds) {
        for (const sortOrder of ['Ascending', 'Descending'] as const) {
          const search = async (max: number, token?: string): Promise<Page> => {
            const r = await client.send(new SearchCommand({ Resource: resource, SortBy: name, SortOrder: sortOrder, MaxResults: max, ...(token ? { NextToken: token } : {}) }));
            const names = (r.Results ?? []).map((x) => String((x as Record<string, Record<string, unknown>>)[member]?.[name]));
            return { names, token: tokenOf(r.NextToken) };
          };
          await expectFilled(`${user} Search ${resource} ${sortOrder}`, () => search(100), (t) => search(1, t), open);
        }
      }
    });
  }
});
