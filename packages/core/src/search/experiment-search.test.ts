import { describe, expect, it } from 'vitest';
import { MemoryArtifactStore } from '@loam/testkit/fakes/memory-artifact-store';
import { MemoryExperimentStore } from '@loam/testkit/fakes/memory-experiment-store';
import { createMemoryMetadataStore } from '@loam/testkit/fakes/memory-metadata-store';
import { SageMakerExperimentsService } from '../experiments/sagemaker/sagemaker-experiments.service.js';
import { TrialComponentsService } from '../experiments/sagemaker/trial-components.service.js';
import { TrialsService } from '../experiments/sagemaker/trials.service.js';
import { TrackingAccess } from '../experiments/tracking-access.js';
import { TrackingArtifacts } from '../experiments/tracking-artifacts.js';
import { TrackingService } from '../experiments/tracking.service.js';
import type { ActionAuthorizer } from '../kernel/authorizer.js';
import type { ExperimentStore } from '../ports/experiment-store.js';
import { ManualClock } from '../kernel/clock.js';
import { AccessDeniedError } from '../kernel/errors.js';
import { ctxOf } from '../registry/registry.test-support.js';
import { experimentSearchSources } from './experiment-sources.js';
import { SearchService } from './search.service.js';
import { seededRandom } from '@loam/testkit/random/seeded-random';

const alice = ctxOf('alice');
const partition = { region: 'us-east-1', accountId: '123456789012' };
const arn = (kind: string, name: string) => `arn:loam:sagemaker:us-east-1:123456789012:${kind}/${name}`;
const allow: ActionAuthorizer = async () => {};

/**
 * Experiments exp-a and exp-b; trials t1 (exp-a) and t2 (exp-b); components c1 (lr 0.1, optimizer adam,
 * loss 0.9 then 0.4) in t1, c2 (lr 0.01, loss 2 then 1.5) in t1 and t2, c3 (no parameters) in t2, and
 * job-run, a component whose run is in MLflow experiment exp-b.
 */
async function fixture(authorize?: ActionAuthorizer, experimentStore: ExperimentStore = new MemoryExperimentStore()) {
  const clock = new ManualClock(1_700_000_000_000);
  const tracking = new TrackingService({ store: experimentStore, clock, artifacts: new TrackingArtifacts(new MemoryArtifactStore(clock)) });
  const store = createMemoryMetadataStore({ collections: [] });
  const experiments = new SageMakerExperimentsService(tracking, new TrackingAccess(tracking, allow, partition), allow, partition, store.tags);
  const trials = new TrialsService(tracking, allow, partition, store.tags);
  const components = new TrialComponentsService(tracking, allow, partition, store.tags);
  await experiments.CreateExperiment({ ExperimentName: 'exp-a', Description: 'first', Tags: [{ Key: 'team', Value: 'red' }] });
  await experiments.CreateExperiment({ ExperimentName: 'exp-b', DisplayName: 'second' });
  await trials.CreateTrial({ TrialName: 't1', ExperimentName: 'exp-a' }, alice);
  await trials.CreateTrial({ TrialName: 't2', ExperimentName: 'exp-b', Tags: [{ Key: 'team', Value: 'blue' }] }, alice);
  await components.CreateTrialComponent({ TrialComponentName: 'c1', Parameters: { lr: { NumberValue: 0.1 }, optimizer: { StringValue: 'adam' } }, Status: { PrimaryStatus: 'Completed' }, StartTime: 1_700_000_000, EndTime: 1_700_000_100 }, alice);
  await components.CreateTrialComponent({ TrialComponentName: 'c2', Parameters: { lr: { NumberValue: 0.01 } } }, alice);
  await components.CreateTrialComponent({ TrialComponentName: 'c3' }, alice);
  const runOf = async (name: string) => (await tracking.store.getTrialComponent(name))!.runId;
  const point = (value: number, step: number) => ({ key: 'loss', value, step, timestamp: 1_700_000_000_000 + step * 1000 });
  await tracking.store.logBatch(await runOf('c1'), { metrics: [point(0.9, 0), point(0.4, 1)] });
  await tracking.store.logBatch(await runOf('c2'), { metrics: [point(2, 0), point(1.5, 1)] });
  for (const [t, c] of [['t1', 'c1'], ['t1', 'c2'], ['t2', 'c2'], ['t2', 'c3']] as const) await trials.AssociateTrialComponent({ TrialName: t, TrialComponentName: c }, alice);
  // A run of MLflow experiment exp-b as a component (as a training job's run is one).
  const expB = (await tracking.store.getExperimentByName('exp-b'))!.experimentId;
  const run = await tracking.createRun({ experimentId: expB, runName: 'job-run' }, alice.principal);
  await tracking.store.createTrialComponent({ name: 'job-run', runId: run.info.runId, numberParams: [], inputArtifacts: {}, outputArtifacts: {}, creationTime: 1, lastModifiedTime: 1 });
  const sources = experimentSearchSources({ tracking, partition, authorize: authorize ?? allow });
  return { search: new SearchService({ store, sources, ...(authorize ? { authorize } : {}) }), expB, tracking, trials, experiments, clock };
}

type Search = Awaited<ReturnType<typeof fixture>>['search'];
type Expression = NonNullable<Parameters<Search['Search']>[0]['SearchExpression']>;

/** The names found, every page through NextToken (two a page), by name. */
async function names(search: Search, resource: 'Experiment' | 'ExperimentTrial' | 'ExperimentTrialComponent', expr?: Expression): Promise<string[]> {
  const [member, nameOf] = ({ Experiment: ['Experiment', 'ExperimentName'], ExperimentTrial: ['Trial', 'TrialName'], ExperimentTrialComponent: ['TrialComponent', 'TrialComponentName'] } as const)[resource];
  const out: string[] = [];
  let token: string | undefined;
  do {
    const r = await search.Search({ Resource: resource, SortBy: nameOf, SortOrder: 'Ascending', MaxResults: 2, ...(expr ? { SearchExpression: expr } : {}), ...(token ? { NextToken: token } : {}) }, alice);
    out.push(...r.Results.map((x) => (x[member] as unknown as Record<string, string>)[nameOf] as string));
    token = r.NextToken;
  } while (token);
  return out;
}

/** The store, counting the calls of each method (`reset` forgets them). */
function counting(store: ExperimentStore) {
  const calls: Record<string, number> = {};
  const proxy = new Proxy(store, {
    get(target, prop, receiver) {
      const v: unknown = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        calls[String(prop)] = (calls[String(prop)] ?? 0) + 1;
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { proxy, calls, reset: () => Object.keys(calls).forEach((k) => delete calls[k]) };
}

const one = (Name: string, Operator: string, Value?: string): Expression => ({ Filters: [{ Name, Operator: Operator as never, ...(Value === undefined ? {} : { Value }) }] });

describe('Search of experiments, trials and trial components', () => {
  it('finds trial components by their parents, parameters and metric summaries', async () => {
    const { search } = await fixture();
    expect(await names(search, 'ExperimentTrialComponent')).toEqual(['c1', 'c2', 'c3', 'job-run']);
    expect(await names(search, 'ExperimentTrialComponent', one('Parents.ExperimentName', 'Equals', 'exp-a'))).toEqual(['c1', 'c2']);
    expect(await names(search, 'ExperimentTrialComponent', one('Parents.TrialName', 'Equals', 't2'))).toEqual(['c2', 'c3']);
    expect(await names(search, 'ExperimentTrialComponent', one('Parameters.lr', 'GreaterThan', '0.05'))).toEqual(['c1']);
    expect(await names(search, 'ExperimentTrialComponent', one('Parameters.lr', 'Equals', '0.01'))).toEqual(['c2']);
    expect(await names(search, 'ExperimentTrialComponent', one('Parameters.optimizer', 'Equals', 'adam'))).toEqual(['c1']);
    expect(await names(search, 'ExperimentTrialComponent', one('Parameters.lr', 'NotExists'))).toEqual(['c3', 'job-run']);
    expect(await names(search, 'ExperimentTrialComponent', one('Metrics.loss.Min', 'LessThan', '1'))).toEqual(['c1']);
    expect(await names(search, 'ExperimentTrialComponent', one('Metrics.loss.Max', 'GreaterThanOrEqualTo', '0.9'))).toEqual(['c1', 'c2']);
    // As SageMaker's SDK writes it (ExperimentAnalytics' sort_by 'metrics.<name>.max').
    expect(await names(search, 'ExperimentTrialComponent', one('Metrics.loss.last', 'Equals', '1.5'))).toEqual(['c2']);
    expect(await names(search, 'ExperimentTrialComponent', one('Status.PrimaryStatus', 'Equals', 'Completed'))).toEqual(['c1']);
    const byLoss = await search.Search({ Resource: 'ExperimentTrialComponent', SearchExpression: one('Metrics.loss', 'Exists'), SortBy: 'metrics.loss.max', SortOrder: 'Descending' }, alice);
    expect(byLoss.Results.map((r) => r.TrialComponent?.TrialComponentName)).toEqual(['c2', 'c1']);
  });

  it('answers each result as DescribeTrialComponent with Parents and Tags', async () => {
    const { search } = await fixture();
    const r = await search.Search({ Resource: 'ExperimentTrialComponent', SearchExpression: one('TrialComponentName', 'Equals', 'c1') }, alice);
    const c1 = r.Results[0]?.TrialComponent as Record<string, unknown>;
    expect(Object.keys(r.Results[0] ?? {})).toEqual(['TrialComponent']);
    expect({ ...c1, CreationTime: 0, LastModifiedTime: 0 }).toEqual({
      TrialComponentName: 'c1', TrialComponentArn: arn('experiment-trial-component', 'c1'), DisplayName: 'c1',
      Status: { PrimaryStatus: 'Completed' }, StartTime: 1_700_000_000, EndTime: 1_700_000_100, CreationTime: 0, LastModifiedTime: 0,
      Parameters: { lr: { NumberValue: 0.1 }, optimizer: { StringValue: 'adam' } }, InputArtifacts: {}, OutputArtifacts: {},
      Metrics: [{ MetricName: 'loss', TimeStamp: 1_700_000_001, Max: 0.9, Min: 0.4, Last: 0.4, Count: 2, Avg: 0.65, StdDev: expect.closeTo(0.3536, 4) }],
      Parents: [{ TrialName: 't1', ExperimentName: 'exp-a' }], Tags: [],
    });
  });

  it("reads a store page's run infos at once, each component with its own run's: components of two experiments, a deleted run among them", async () => {
    // The port answers run infos in no particular order: here the reverse of the order asked.
    const reversing = new Proxy(new MemoryExperimentStore(), {
      get(target, prop) {
        const v: unknown = Reflect.get(target, prop, target);
        if (prop !== 'getRunInfos') return typeof v === 'function' ? v.bind(target) : v;
        return async (runIds: readonly string[]) => (await target.getRunInfos(runIds)).reverse();
      },
    });
    const c = counting(reversing);
    const { search, tracking } = await fixture(undefined, c.proxy);
    const runOf = async (name: string) => (await tracking.store.getTrialComponent(name))!.runId;
    // Distinct statuses and start times (job-run's run is in exp-b, the others in Default), and a component first by name whose run is deleted.
    await tracking.store.updateRunInfo(await runOf('c2'), { status: 'FAILED', startTime: 1_650_000_000_000 });
    await tracking.store.updateRunInfo(await runOf('c3'), { status: 'KILLED', startTime: 1_750_000_000_000 });
    await tracking.store.updateRunInfo(await runOf('job-run'), { startTime: 1_600_000_000_000 });
    const gone = await tracking.createRun({ experimentId: '0', runName: 'a-gone' }, alice.principal);
    await tracking.store.createTrialComponent({ name: 'a-gone', runId: gone.info.runId, numberParams: [], inputArtifacts: {}, outputArtifacts: {}, creationTime: 1, lastModifiedTime: 1 });
    await tracking.store.updateRunInfo(gone.info.runId, { lifecycleStage: 'deleted', deletedTime: 2 });
    const componentNames = (r: Awaited<ReturnType<Search['Search']>>) => r.Results.map((x) => x.TrialComponent?.TrialComponentName);
    c.reset();
    const all = await search.Search({ Resource: 'ExperimentTrialComponent', SortBy: 'StartTime', SortOrder: 'Ascending', MaxResults: 100 }, alice);
    expect(componentNames(all)).toEqual(['job-run', 'c2', 'c1', 'c3']);
    expect([c.calls['getRunInfos'], c.calls['listTrialComponents']]).toEqual([1, 1]);
    const describe = new TrialComponentsService(tracking, allow, partition);
    for (const r of all.Results) {
      const d = await describe.DescribeTrialComponent({ TrialComponentName: r.TrialComponent!.TrialComponentName as string }, alice);
      expect([r.TrialComponent?.Status, r.TrialComponent?.StartTime]).toEqual([d.Status, d.StartTime]);
    }
    // Decided by each component's summary (its run's info): the statuses set above.
    for (const [status, found] of [['Completed', ['c1']], ['Failed', ['c2']], ['Stopped', ['c3']], ['InProgress', ['job-run']]] as const) {
      expect(await names(search, 'ExperimentTrialComponent', one('Status.PrimaryStatus', 'Equals', status))).toEqual(found);
    }
  });

  it('asks the store only for components whose runs have the Parameters and Metrics a filter under And reads; Or and NotExists ask nothing', async () => {
    const store = new MemoryExperimentStore();
    const asked: unknown[] = [];
    const recording = new Proxy(store, {
      get(target, prop) {
        const v: unknown = Reflect.get(target, prop, target);
        if (prop !== 'listTrialComponents') return typeof v === 'function' ? v.bind(target) : v;
        return (q: Parameters<ExperimentStore['listTrialComponents']>[0]) => {
          if (q.trialName === undefined) asked.push(q.runHas);
          return target.listTrialComponents(q);
        };
      },
    });
    const { search } = await fixture(undefined, recording);
    const found = async (expr: Expression) => {
      asked.length = 0;
      return [await names(search, 'ExperimentTrialComponent', expr), [...new Set(asked.map((x) => JSON.stringify(x ?? null)))]];
    };
    const jobs = ['SageMakerTrainingJob', 'SageMakerProcessingJob', 'SageMakerTransformJob'];
    expect(await found({ Filters: [{ Name: 'Parameters.optimizer', Operator: 'Exists' }, { Name: 'Metrics.loss.Last', Operator: 'LessThan', Value: '1' }] }))
      .toEqual([['c1'], [JSON.stringify({ params: ['optimizer'], paramsAlsoOfSourceTypes: jobs, metrics: ['loss'] })]]);
    expect(await found(one('Parameters.lr', 'NotEquals', '0.1'))).toEqual([['c2'], [JSON.stringify({ params: ['lr'], paramsAlsoOfSourceTypes: jobs })]]);
    expect(await found(one('metrics.loss.max', 'GreaterThan', '1'))).toEqual([['c2'], [JSON.stringify({ metrics: ['loss'] })]]);
    expect(await found({ Operator: 'Or', Filters: [{ Name: 'Parameters.lr', Operator: 'Exists' }, { Name: 'TrialComponentName', Value: 'c3' }] })).toEqual([['c1', 'c2', 'c3'], ['null']]);
    expect(await found({ Filters: [{ Name: 'Parameters.optimizer', Operator: 'NotExists' }, { Name: 'Metrics.loss', Operator: 'NotExists' }] })).toEqual([['c3', 'job-run'], ['null']]);
  });

  it('counts and returns a component once when its run gains the filtered metric while Search reads store pages (the store\'s filtered list shifts)', async () => {
    // Searching Metrics.<name> asks the store only for components whose runs have that metric: a run's first point of it
    // (a job that starts logging) puts its component into the list the store pages through, before the page read next.
    const store = new MemoryExperimentStore();
    let late: (() => Promise<void>) | undefined;
    const shifting = new Proxy(store, {
      get(target, prop) {
        const v: unknown = Reflect.get(target, prop, target);
        if (prop !== 'listTrialComponents') return typeof v === 'function' ? v.bind(target) : v;
        return async (q: Parameters<ExperimentStore['listTrialComponents']>[0]) => {
          const rows = await target.listTrialComponents(q);
          if (q.offset === 0 && q.trialName === undefined && late) await late();
          return rows;
        };
      },
    });
    const { search, tracking } = await fixture(undefined, shifting);
    const point = { key: 'loss', value: 0.5, step: 0, timestamp: 1 };
    const made: string[] = [];
    for (let i = 0; i < 250; i++) {
      const name = `m-${String(i).padStart(3, '0')}`;
      const run = await tracking.createRun({ experimentId: '0', runName: name }, alice.principal);
      await store.logBatch(run.info.runId, { metrics: [point] });
      await store.createTrialComponent({ name, runId: run.info.runId, numberParams: [], inputArtifacts: {}, outputArtifacts: {}, creationTime: 1, lastModifiedTime: 1 });
      made.push(name);
    }
    const first = await tracking.createRun({ experimentId: '0', runName: 'a-first' }, alice.principal);
    await store.createTrialComponent({ name: 'a-first', runId: first.info.runId, numberParams: [], inputArtifacts: {}, outputArtifacts: {}, creationTime: 1, lastModifiedTime: 1 });
    late = async () => {
      late = undefined;
      await store.logBatch(first.info.runId, { metrics: [point] });
    };
    const r = await search.Search({ Resource: 'ExperimentTrialComponent', SearchExpression: { Filters: [{ Name: 'Metrics.loss.Last', Operator: 'LessThan', Value: '1' }] }, SortBy: 'TrialComponentName', SortOrder: 'Descending', MaxResults: 100 }, alice);
    const found = r.Results.map((x) => x.TrialComponent?.TrialComponentName);
    expect(late).toBeUndefined();
    expect(found).toEqual(made.slice(150).reverse());
    // c1 (last loss 0.4) and the 250, each once; a-first's point came after the store had paged past where it sorts.
    expect(r.TotalHits).toEqual({ Value: 251, Relation: 'EqualTo' });
  });

  it('pages by the last result\'s LastModifiedTime: a component modified between pages moves ahead of the token and is not in the rest of that walk (a new search finds it first)', async () => {
    // The documented trade-off of a keyset NextToken (docs/architecture.md, Search): no record twice, no snapshot held between calls.
    const { search, tracking, clock } = await fixture();
    const page = async (token?: string) => search.Search({ Resource: 'ExperimentTrialComponent', MaxResults: 2, ...(token ? { NextToken: token } : {}) }, alice);
    const componentNames = (r: Awaited<ReturnType<Search['Search']>>) => r.Results.map((x) => x.TrialComponent?.TrialComponentName as string);
    const first = await page();
    const seen = componentNames(first);
    const moved = ['c1', 'c2', 'c3'].find((n) => !seen.includes(n)) as string;
    // UpdateTrialComponent stamps the tracking clock (since 7a5f966): the update is strictly newer than every fixture write.
    clock.advance(5);
    await new TrialComponentsService(tracking, allow, partition).UpdateTrialComponent({ TrialComponentName: moved, DisplayName: 'renamed' }, alice);
    const rest: string[] = [];
    for (let token = first.NextToken; token;) {
      const r = await page(token);
      rest.push(...componentNames(r));
      token = r.NextToken;
    }
    expect(rest).toEqual(['job-run']);
    expect(componentNames(await page())[0]).toBe(moved);
  });

  it('finds experiments and trials, a trial with its components', async () => {
    const { search } = await fixture();
    expect(await names(search, 'Experiment')).toEqual(['Default', 'exp-a', 'exp-b']);
    expect(await names(search, 'Experiment', one('Tags.team', 'Equals', 'red'))).toEqual(['exp-a']);
    expect(await names(search, 'Experiment', one('DisplayName', 'Equals', 'second'))).toEqual(['exp-b']);
    expect(await names(search, 'Experiment', one('Description', 'Contains', 'FIR'))).toEqual(['exp-a']);
    expect(await names(search, 'ExperimentTrial', one('ExperimentName', 'Equals', 'exp-b'))).toEqual(['t2']);
    expect(await names(search, 'ExperimentTrial', one('TrialComponentSummaries.TrialComponentName', 'Equals', 'c1'))).toEqual(['t1']);
    const t2 = (await search.Search({ Resource: 'ExperimentTrial', SearchExpression: one('Tags.team', 'Equals', 'blue') }, alice)).Results;
    expect(t2.map((r) => ({ ...r.Trial, CreationTime: 0, LastModifiedTime: 0, TrialComponentSummaries: r.Trial?.TrialComponentSummaries?.map((s) => s.TrialComponentName) }))).toEqual([{
      TrialName: 't2', TrialArn: arn('experiment-trial', 't2'), DisplayName: 't2', ExperimentName: 'exp-b', CreationTime: 0, LastModifiedTime: 0,
      TrialComponentSummaries: ['c2', 'c3'], Tags: [{ Key: 'team', Value: 'blue' }],
    }]);
    const e = (await search.Search({ Resource: 'Experiment', SearchExpression: one('ExperimentName', 'Equals', 'exp-a') }, alice)).Results[0]?.Experiment;
    expect({ ...e, CreationTime: 0, LastModifiedTime: 0 }).toEqual({ ExperimentName: 'exp-a', ExperimentArn: arn('experiment', 'exp-a'), DisplayName: 'exp-a', Description: 'first', CreationTime: 0, LastModifiedTime: 0, Tags: [{ Key: 'team', Value: 'red' }] });
  });

  it('refuses names a record does not have, and a metric without a statistic for a comparison', async () => {
    const { search } = await fixture();
    await expect(search.Search({ Resource: 'ExperimentTrialComponent', SearchExpression: one('Metrics.loss.Median', 'Equals', '1') }, alice)).rejects.toMatchObject({ code: 'ValidationException', message: expect.stringContaining("Operator Equals is not supported for 'Metrics.loss.Median', a structure") });
    await expect(search.Search({ Resource: 'ExperimentTrialComponent', SearchExpression: one('Parents.Nope', 'Exists') }, alice)).rejects.toMatchObject({ code: 'ValidationException' });
  });

  it('finds only what the caller may describe, on the ARN and on the MLflow experiment', async () => {
    let expB = '';
    const denied: ActionAuthorizer = async (_p, action, resource) => {
      if (resource === arn('mlflow-experiment', expB) || resource === arn('experiment-trial-component', 'c3')) throw new AccessDeniedError(`no ${action} on ${resource}`);
    };
    const f = await fixture(async (p, a, r) => denied(p, a, r));
    expB = f.expB;
    expect(await names(f.search, 'Experiment')).toEqual(['Default', 'exp-a']);
    expect(await names(f.search, 'ExperimentTrial')).toEqual(['t1']);
    expect(await names(f.search, 'ExperimentTrialComponent')).toEqual(['c1', 'c2']);
  });

  it("shows in a trial's components and a component's parents only those the caller may describe", async () => {
    const hidden = new Set([arn('experiment-trial-component', 'c2'), arn('experiment-trial', 't2')]);
    const { search } = await fixture(async (_p, action, resource) => {
      if (hidden.has(resource)) throw new AccessDeniedError(`no ${action} on ${resource}`);
    });
    const t1 = (await search.Search({ Resource: 'ExperimentTrial' }, alice)).Results.map((r) => [r.Trial?.TrialName, r.Trial?.TrialComponentSummaries?.map((c) => c.TrialComponentName)]);
    expect(t1).toEqual([['t1', ['c1']]]);
    expect(await names(search, 'ExperimentTrial', one('TrialComponentSummaries.TrialComponentName', 'Equals', 'c2'))).toEqual([]);
    expect(await names(search, 'ExperimentTrialComponent', one('Parents.TrialName', 'Equals', 't2'))).toEqual([]);
    expect(await names(search, 'ExperimentTrialComponent', one('Parents', 'NotExists'))).toEqual(['c3', 'job-run']);
  });

  it('leaves out a trial component deleted while the search reads it', async () => {
    // The run of c2 is deleted (through MLflow) right after the scan found it active (its page's run infos, read at once).
    const experimentStore = new MemoryExperimentStore();
    let c2Run: string | undefined;
    const racing = new Proxy(experimentStore, {
      get(target, prop) {
        const v: unknown = Reflect.get(target, prop, target);
        if (prop !== 'getRunInfos') return typeof v === 'function' ? v.bind(target) : v;
        return async (runIds: readonly string[]) => {
          const infos = await target.getRunInfos(runIds);
          if (c2Run !== undefined && runIds.includes(c2Run)) {
            await target.updateRunInfo(c2Run, { lifecycleStage: 'deleted', deletedTime: 1 });
            c2Run = undefined;
          }
          return infos;
        };
      },
    });
    const { search } = await fixture(undefined, racing);
    c2Run = (await experimentStore.getTrialComponent('c2'))?.runId;
    expect(await names(search, 'ExperimentTrialComponent', one('Parents.ExperimentName', 'Equals', 'exp-a'))).toEqual(['c1']);
  });

  it("checks MLflow's Default experiment as their Describe does: not for components made through the API", async () => {
    const { search } = await fixture(async (_p, action, resource) => {
      if (resource === arn('mlflow-experiment', '0')) throw new AccessDeniedError(`no ${action} on ${resource}`);
    });
    expect(await names(search, 'Experiment')).toEqual(['exp-a', 'exp-b']);
    expect(await names(search, 'ExperimentTrialComponent')).toEqual(['c1', 'c2', 'c3', 'job-run']);
  });
});

describe('Search of an experiment MLflow deleted', () => {
  it('finds neither it nor its trials, nor them as Parents, as Describe and the Lists answer, until MLflow restores it', async () => {
    const f = await fixture();
    const { search, tracking, trials, experiments } = f;
    await tracking.deleteExperiment(f.expB);
    // What the SageMaker API answers for exp-b and t2 now.
    await expect(experiments.DescribeExperiment({ ExperimentName: 'exp-b' }, alice)).rejects.toMatchObject({ code: 'ResourceNotFound' });
    await expect(trials.DescribeTrial({ TrialName: 't2' }, alice)).rejects.toMatchObject({ code: 'ResourceNotFound' });
    expect((await trials.ListTrials({ TrialComponentName: 'c2' }, alice)).TrialSummaries.map((t) => t.TrialName)).toEqual(['t1']);
    expect(await names(search, 'Experiment')).toEqual(['Default', 'exp-a']);
    expect(await names(search, 'ExperimentTrial')).toEqual(['t1']);
    expect(await names(search, 'ExperimentTrial', one('ExperimentName', 'Equals', 'exp-b'))).toEqual([]);
    // job-run's run was in exp-b: MLflow deleted it with the experiment.
    expect(await names(search, 'ExperimentTrialComponent')).toEqual(['c1', 'c2', 'c3']);
    expect(await names(search, 'ExperimentTrialComponent', one('Parents.TrialName', 'Equals', 't2'))).toEqual([]);
    expect(await names(search, 'ExperimentTrialComponent', one('Parents.ExperimentName', 'Equals', 'exp-b'))).toEqual([]);
    expect(await names(search, 'ExperimentTrialComponent', one('Parents', 'NotExists'))).toEqual(['c3']);
    const c2 = (await search.Search({ Resource: 'ExperimentTrialComponent', SearchExpression: one('TrialComponentName', 'Equals', 'c2') }, alice)).Results[0]?.TrialComponent;
    expect(c2?.Parents).toEqual([{ TrialName: 't1', ExperimentName: 'exp-a' }]);
    await tracking.restoreExperiment(f.expB);
    expect(await names(search, 'Experiment')).toEqual(['Default', 'exp-a', 'exp-b']);
    expect(await names(search, 'ExperimentTrial')).toEqual(['t1', 't2']);
    expect(await names(search, 'ExperimentTrialComponent', one('Parents.TrialName', 'Equals', 't2'))).toEqual(['c2', 'c3']);
  });

  it('reads no more than it needs: full records for the page only, a name looked up, CreationTime in the store order from the token on', async () => {
    const c = counting(new MemoryExperimentStore());
    const { search } = await fixture(undefined, c.proxy);
    const componentNames = (r: Awaited<ReturnType<Search['Search']>>) => r.Results.map((x) => x.TrialComponent?.TrialComponentName);
    c.reset();
    // LastModifiedTime (the default) is in the component's own record: metric summaries are read for the page's one result only.
    const latest = await search.Search({ Resource: 'ExperimentTrialComponent', MaxResults: 1 }, alice);
    expect([componentNames(latest), latest.TotalHits]).toEqual([['c3'], { Value: 4, Relation: 'EqualTo' }]);
    expect(c.calls['metricSummaries']).toBe(1);
    c.reset();
    // The status is in the component's own record too (its run's info): only the one result's full record is built.
    const completed = await search.Search({ Resource: 'ExperimentTrialComponent', SearchExpression: one('Status.PrimaryStatus', 'Equals', 'Completed') }, alice);
    expect(componentNames(completed)).toEqual(['c1']);
    expect(c.calls['metricSummaries']).toBe(1);
    c.reset();
    const byName = await search.Search({ Resource: 'ExperimentTrialComponent', SearchExpression: one('TrialComponentName', 'Equals', 'c2') }, alice);
    expect([componentNames(byName), byName.TotalHits]).toEqual([['c2'], { Value: 1, Relation: 'EqualTo' }]);
    expect(c.calls['listTrialComponents']).toBeUndefined();
    c.reset();
    // c1-c3 were made at the same instant (job-run earlier): pages of one through the ties, each record once.
    const pages: unknown[] = [];
    let token: string | undefined;
    do {
      const r = await search.Search({ Resource: 'ExperimentTrialComponent', SortBy: 'CreationTime', SortOrder: 'Ascending', MaxResults: 1, ...(token ? { NextToken: token } : {}) }, alice);
      pages.push(...componentNames(r));
      token = r.NextToken;
    } while (token);
    expect(pages).toEqual(['job-run', 'c1', 'c2', 'c3']);
    expect(c.calls['metricSummaries']).toBe(4);
    const trialsByCreation = await search.Search({ Resource: 'ExperimentTrial', SortBy: 'CreationTime', SortOrder: 'Descending' }, alice);
    expect(trialsByCreation.Results.map((x) => x.Trial?.TrialName)).toEqual(['t2', 't1']);
  });

  it('reads trials by LastModifiedTime (the default sort) in the store order from the token on, not every trial (experiments:0012)', async () => {
    const c = counting(new MemoryExperimentStore());
    const { search, tracking } = await fixture(undefined, c.proxy);
    const exp = (await tracking.store.getExperimentByName('exp-a'))?.experimentId as string;
    // 450 more trials, modified one millisecond apart after the fixture's: more than two store pages.
    for (let i = 0; i < 450; i++) await tracking.store.createTrial({ name: `k-${String(i).padStart(3, '0')}`, experimentId: exp, creationTime: 1, lastModifiedTime: 2_000_000_000_000 + i });
    const trialNames = (r: Awaited<ReturnType<Search['Search']>>) => r.Results.map((x) => x.Trial?.TrialName);
    c.reset();
    const first = await search.Search({ Resource: 'ExperimentTrial', MaxResults: 3 }, alice);
    expect(trialNames(first)).toEqual(['k-449', 'k-448', 'k-447']);
    // One store page (of 200) from the newest; reading every trial by name took three.
    expect(c.calls['listTrials']).toBe(1);
    // The next page from the token's position, a trial of the first page deleted meanwhile.
    await tracking.store.deleteTrial('k-449');
    const next = await search.Search({ Resource: 'ExperimentTrial', MaxResults: 3, NextToken: first.NextToken as string }, alice);
    expect(trialNames(next)).toEqual(['k-446', 'k-445', 'k-444']);
  });

  it('TotalHits builds no full record to count past the page: a Parameters filter counts the page and its look-ahead, a lower bound', async () => {
    const c = counting(new MemoryExperimentStore());
    const { search, tracking } = await fixture(undefined, c.proxy);
    // Eight more with lr 0.5, a second apart after c1-c3 (made at the time of the test).
    for (let i = 0; i < 8; i++) {
      const run = await tracking.createRun({ experimentId: '0', runName: `n${i}` }, alice.principal);
      await tracking.store.logBatch(run.info.runId, { params: [{ key: 'lr', value: '0.5' }] });
      const time = 4_000_000_000_000 + i * 1000;
      await tracking.store.createTrialComponent({ name: `n${i}`, runId: run.info.runId, numberParams: ['lr'], inputArtifacts: {}, outputArtifacts: {}, creationTime: time, lastModifiedTime: time });
    }
    const byCreation = { Resource: 'ExperimentTrialComponent', SortBy: 'CreationTime', SortOrder: 'Ascending', MaxResults: 2 } as const;
    c.reset();
    // Decided by full records: c1, c2 and n0-n2 (the page and its look-ahead; job-run and c3, whose runs have no lr param,
    // are left out by the store), then the page's two; n3.. are not built.
    const lr = await search.Search({ ...byCreation, SearchExpression: one('Parameters.lr', 'GreaterThan', '0.2') }, alice);
    expect(lr.Results.map((x) => x.TrialComponent?.TrialComponentName)).toEqual(['n0', 'n1']);
    expect(lr.TotalHits).toEqual({ Value: 3, Relation: 'GreaterThanOrEqualTo' });
    expect(c.calls['metricSummaries']).toBe(7);
    c.reset();
    // Decided by the component's summary: counted to the end, full records for the page only.
    const all = await search.Search({ ...byCreation, SearchExpression: one('DisplayName', 'Contains', 'n') }, alice);
    expect(all.TotalHits).toEqual({ Value: 9, Relation: 'EqualTo' });
    expect(c.calls['metricSummaries']).toBe(2);
  });

  it('TotalHits counts past the page within the store page read: components by CreationTime ask the store once', async () => {
    const c = counting(new MemoryExperimentStore());
    const { search, tracking } = await fixture(undefined, c.proxy);
    // 250 more, a second apart: the store's first page (200) holds job-run, c1-c3 and bulk-000..bulk-195.
    for (let i = 0; i < 250; i++) {
      const run = await tracking.createRun({ experimentId: '0', runName: `bulk-${i}` }, alice.principal);
      const time = 4_000_000_000_000 + i * 1000;
      await tracking.store.createTrialComponent({ name: `bulk-${String(i).padStart(3, '0')}`, runId: run.info.runId, numberParams: [], inputArtifacts: {}, outputArtifacts: {}, creationTime: time, lastModifiedTime: time });
    }
    c.reset();
    const r = await search.Search({ Resource: 'ExperimentTrialComponent', SortBy: 'CreationTime', SortOrder: 'Ascending' }, alice);
    expect(r.Results).toHaveLength(10);
    expect(r.TotalHits).toEqual({ Value: 200, Relation: 'GreaterThanOrEqualTo' });
    expect(c.calls['listTrialComponents']).toBe(1);
  });

  it('a component deleted while Search reads components by CreationTime, store page by store page, moves no other out of the read', async () => {
    const store = new MemoryExperimentStore();
    let lists = 0;
    let onSecondPage: (() => Promise<void>) | undefined;
    // The store, deleting bulk-000 (already read) just before Search asks for its second page of components.
    const busy = new Proxy(store, {
      get(target, prop, receiver) {
        const v: unknown = Reflect.get(target, prop, receiver);
        if (typeof v !== 'function') return v;
        if (prop !== 'listTrialComponents') return (v as (...a: unknown[]) => unknown).bind(target);
        return async (...args: Parameters<ExperimentStore['listTrialComponents']>) => {
          if (++lists === 2) await onSecondPage?.();
          return target.listTrialComponents(...args);
        };
      },
    });
    const { search, tracking } = await fixture(undefined, busy);
    // 250 more, a second apart from 2023-11-14T22:13:21Z: the store's first page (200) holds job-run and bulk-000..bulk-198.
    for (let i = 0; i < 250; i++) {
      const run = await tracking.createRun({ experimentId: '0', runName: `bulk-${i}` }, alice.principal);
      const time = 1_700_000_001_000 + i * 1000;
      const name = `bulk-${String(i).padStart(3, '0')}`;
      await store.createTrialComponent({ name, runId: run.info.runId, ...(i === 199 ? { displayName: 'target' } : {}), numberParams: [], inputArtifacts: {}, outputArtifacts: {}, creationTime: time, lastModifiedTime: time });
    }
    lists = 0;
    onSecondPage = async () => { await store.deleteTrialComponent('bulk-000'); };
    const r = await search.Search({ Resource: 'ExperimentTrialComponent', SortBy: 'CreationTime', SortOrder: 'Ascending', SearchExpression: one('DisplayName', 'Equals', 'target') }, alice);
    expect(lists).toBeGreaterThan(1);
    expect(r.Results.map((x) => x.TrialComponent?.TrialComponentName)).toEqual(['bulk-199']);
  });

  it('a component leaving the filtered list while Search reads store pages by name moves no other out of the read (pages by keyset, not offset)', async () => {
    const store = new MemoryExperimentStore();
    let lists = 0;
    let onSecondPage: (() => Promise<void>) | undefined;
    // The store, taking lr from m-000's run and deleting m-001 (both already read) just before Search asks for its second page.
    const busy = new Proxy(store, {
      get(target, prop, receiver) {
        const v: unknown = Reflect.get(target, prop, receiver);
        if (typeof v !== 'function') return v;
        if (prop !== 'listTrialComponents') return (v as (...a: unknown[]) => unknown).bind(target);
        return async (...args: Parameters<ExperimentStore['listTrialComponents']>) => {
          if (args[0].trialName === undefined && ++lists === 2) await onSecondPage?.();
          return target.listTrialComponents(...args);
        };
      },
    });
    const { search, tracking } = await fixture(undefined, busy);
    // 250 more with an lr param: the store's first page (200) of components whose run has lr holds c1, c2 and m-000..m-197.
    for (let i = 0; i < 250; i++) {
      const name = `m-${String(i).padStart(3, '0')}`;
      const run = await tracking.createRun({ experimentId: '0', runName: name }, alice.principal);
      await store.logBatch(run.info.runId, { params: [{ key: 'lr', value: '0.5' }] });
      await store.createTrialComponent({ name, runId: run.info.runId, numberParams: ['lr'], inputArtifacts: {}, outputArtifacts: {}, creationTime: 1, lastModifiedTime: 1 });
    }
    lists = 0;
    onSecondPage = async () => {
      await store.updateTrialComponent('m-000', { removeParams: ['lr'], lastModifiedTime: 2 });
      await store.deleteTrialComponent('m-001');
    };
    const r = await search.Search({ Resource: 'ExperimentTrialComponent', SearchExpression: one('Parameters.lr', 'Exists'), SortBy: 'TrialComponentName', SortOrder: 'Descending', MaxResults: 100 }, alice);
    expect(lists).toBe(2);
    // m-198 and m-199 (the first two of the second store page) are found: an offset of 200 skipped them.
    expect(r.Results.map((x) => x.TrialComponent?.TrialComponentName)).toEqual(Array.from({ length: 100 }, (_, i) => `m-${String(249 - i).padStart(3, '0')}`));
    // c1, c2 and the 250, m-000 and m-001 counted as read before they left.
    expect(r.TotalHits).toEqual({ Value: 252, Relation: 'EqualTo' });
  });

  it('reads components by LastModifiedTime (the default sort) in the store\'s order: one store page for the first page of results', async () => {
    const c = counting(new MemoryExperimentStore());
    const { search, tracking } = await fixture(undefined, c.proxy);
    // 250 more, modified a second apart in the reverse order of their names.
    for (let i = 0; i < 250; i++) {
      const run = await tracking.createRun({ experimentId: '0', runName: `bulk-${i}` }, alice.principal);
      const time = 4_000_000_000_000 - i * 1000;
      await tracking.store.createTrialComponent({ name: `bulk-${String(i).padStart(3, '0')}`, runId: run.info.runId, numberParams: [], inputArtifacts: {}, outputArtifacts: {}, creationTime: 1, lastModifiedTime: time });
    }
    c.reset();
    const first = await search.Search({ Resource: 'ExperimentTrialComponent', MaxResults: 3 }, alice);
    expect(first.Results.map((x) => x.TrialComponent?.TrialComponentName)).toEqual(['bulk-000', 'bulk-001', 'bulk-002']);
    expect(first.TotalHits).toEqual({ Value: 200, Relation: 'GreaterThanOrEqualTo' });
    expect(c.calls['listTrialComponents']).toBe(1);
    // The token holds the last result's LastModifiedTime as its record has it (seconds), as the tokens of the version that
    // read every component for this sort did: those are still served, from the same place.
    const [value, key] = JSON.parse(Buffer.from(first.NextToken as string, 'base64url').toString('utf8')) as [unknown, unknown];
    expect([value, key]).toEqual([first.Results[2]?.TrialComponent?.LastModifiedTime, 'bulk-002']);
    expect(value).toBe((4_000_000_000_000 - 2000) / 1000);
    const second = await search.Search({ Resource: 'ExperimentTrialComponent', MaxResults: 3, NextToken: first.NextToken as string }, alice);
    expect(second.Results.map((x) => x.TrialComponent?.TrialComponentName)).toEqual(['bulk-003', 'bulk-004', 'bulk-005']);
    // Ascending, from a token: the oldest first (job-run, then the fixture's), one store page again.
    c.reset();
    const up = await search.Search({ Resource: 'ExperimentTrialComponent', SortOrder: 'Ascending', MaxResults: 1 }, alice);
    const next = await search.Search({ Resource: 'ExperimentTrialComponent', SortOrder: 'Ascending', MaxResults: 1, NextToken: up.NextToken as string }, alice);
    expect([...up.Results, ...next.Results].map((x) => x.TrialComponent?.TrialComponentName)).toEqual(['job-run', 'c1']);
    expect(c.calls['listTrialComponents']).toBe(2);
  });

  it('finds names with upper case as stored, Equals exact as for any text', async () => {
    const f = await fixture();
    await f.trials.CreateTrial({ TrialName: 'Mixed-T', ExperimentName: 'exp-a' }, alice);
    await f.trials.AssociateTrialComponent({ TrialName: 'mixed-t', TrialComponentName: 'C1' }, alice);
    expect(await names(f.search, 'ExperimentTrial', one('TrialName', 'Equals', 'Mixed-T'))).toEqual(['Mixed-T']);
    expect(await names(f.search, 'ExperimentTrial', one('TrialName', 'Equals', 'mixed-t'))).toEqual([]);
    expect(await names(f.search, 'ExperimentTrialComponent', one('Parents.TrialName', 'Equals', 'Mixed-T'))).toEqual(['c1']);
  });

  it("lists every one of a trial's components and a component's trials, store page by store page (SageMaker's TrialComponentSummaries and Parents have no limit; they stopped at 10,000)", async () => {
    // The largest listing asked of the store: the old code asked for 10,000 rows at once and listed no more.
    const asked = { rows: 0, runInfos: 0 };
    const store = new MemoryExperimentStore();
    const watching = new Proxy(store, {
      get(target, prop, receiver) {
        const v: unknown = Reflect.get(target, prop, receiver);
        if (typeof v !== 'function') return v;
        return (...args: unknown[]) => {
          if (prop === 'listTrialComponents' || prop === 'listTrials') asked.rows = Math.max(asked.rows, (args[0] as { limit: number }).limit);
          if (prop === 'getRunInfos') asked.runInfos = Math.max(asked.runInfos, (args[0] as unknown[]).length);
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const f = await fixture(undefined, watching);
    const expA = (await store.getExperimentByName('exp-a'))!.experimentId;
    // More than two store pages of each.
    const n = 450;
    const name = (prefix: string, i: number) => `${prefix}-${String(i).padStart(3, '0')}`;
    await store.createTrial({ name: 'many', experimentId: expA, creationTime: 1, lastModifiedTime: 1 });
    for (let i = 0; i < n; i++) {
      const run = await f.tracking.createRun({ experimentId: expA, runName: name('many', i) }, alice.principal);
      await store.createTrialComponent({ name: name('many', i), runId: run.info.runId, numberParams: [], inputArtifacts: {}, outputArtifacts: {}, creationTime: 10 + i, lastModifiedTime: 10 + i });
      await store.associateTrialComponent('many', name('many', i), 10 + i);
      // many-000 is also in n trials besides.
      await store.createTrial({ name: name('in', i), experimentId: expA, creationTime: 1, lastModifiedTime: 1 });
      await store.associateTrialComponent(name('in', i), name('many', 0), 10 + i);
    }
    asked.rows = asked.runInfos = 0;
    const trial = (await f.search.Search({ Resource: 'ExperimentTrial', SearchExpression: one('TrialName', 'Equals', 'many') }, alice)).Results[0]?.Trial;
    expect((trial?.TrialComponentSummaries ?? []).map((x) => x.TrialComponentName)).toEqual(Array.from({ length: n }, (_, i) => name('many', i)));
    const component = (await f.search.Search({ Resource: 'ExperimentTrialComponent', SearchExpression: one('TrialComponentName', 'Equals', name('many', 0)) }, alice)).Results[0]?.TrialComponent;
    expect((component?.Parents ?? []).map((x) => x.TrialName)).toEqual([...Array.from({ length: n }, (_, i) => name('in', i)), 'many']);
    // Store page by store page, with each page's run infos: no read is bounded by how many a trial holds.
    expect(asked).toEqual({ rows: 200, runInfos: 200 });
  });
});

describe("Search's page budget of trial component summaries", () => {
  it('ends a page of trials once those in it list the budget (at least one a page): every component listed, the next trial on the next page, no trial past the page read', async () => {
    const store = new MemoryExperimentStore();
    // Component rows each Search call reads, by trial.
    const read = new Map<string, number>();
    const listing = store.listTrialComponents.bind(store);
    store.listTrialComponents = async (q) => {
      const rows = await listing(q);
      if (q.trialName) read.set(q.trialName, (read.get(q.trialName) ?? 0) + rows.length);
      return rows;
    };
    const f = await fixture(undefined, store);
    const expA = (await store.getExperimentByName('exp-a'))!.experimentId;
    // 3 trials of 250 components (more than a store page each); the budget lowered from 10,000 to 400 (and 100), as
    // 3 trials of 6,000 would be with the default.
    const n = 250;
    const big = ['big-a', 'big-b', 'big-c'];
    const name = (trial: string, i: number) => `${trial}-${String(i).padStart(3, '0')}`;
    for (const [k, trial] of big.entries()) {
      await store.createTrial({ name: trial, experimentId: expA, creationTime: 10 + k, lastModifiedTime: 10 + k });
      for (let i = 0; i < n; i++) {
        const run = await f.tracking.createRun({ experimentId: expA, runName: name(trial, i) }, alice.principal);
        await store.createTrialComponent({ name: name(trial, i), runId: run.info.runId, numberParams: [], inputArtifacts: {}, outputArtifacts: {}, creationTime: 100 + i, lastModifiedTime: 100 + i });
        await store.associateTrialComponent(trial, name(trial, i), 100 + i);
      }
    }
    const sources = experimentSearchSources({ tracking: f.tracking, partition, authorize: allow });
    const metadata = createMemoryMetadataStore({ collections: [] });
    const pages = async (pageBudget: number, expr: Expression) => {
      const search = new SearchService({ store: metadata, sources, pageBudget });
      const out: { trials: string[]; summaries: string[][]; rows: number }[] = [];
      let token: string | undefined;
      do {
        read.clear();
        const r = await search.Search({ Resource: 'ExperimentTrial', SortBy: 'CreationTime', SortOrder: 'Ascending', MaxResults: 10, SearchExpression: expr, ...(token ? { NextToken: token } : {}) }, alice);
        const trials = r.Results.map((x) => x.Trial!);
        out.push({ trials: trials.map((t) => t.TrialName!), summaries: trials.map((t) => (t.TrialComponentSummaries ?? []).map((c) => c.TrialComponentName!)), rows: [...read.values()].reduce((a, b) => a + b, 0) });
        token = r.NextToken;
      } while (token);
      return out;
    };
    const all = (trial: string) => Array.from({ length: n }, (_, i) => name(trial, i));
    const bigOnes = one('TrialName', 'Contains', 'big-');
    // 400: big-a (250) leaves room, big-b (500) reaches it; big-c on the next page. Nothing cut.
    const four = await pages(400, bigOnes);
    expect(four.map((p) => p.trials)).toEqual([['big-a', 'big-b'], ['big-c']]);
    expect(four.flatMap((p) => p.summaries)).toEqual(big.map(all));
    // The answer's trials alone are read (the filter reads no summaries): the budget and one trial at most, never big-c on the first page.
    expect(four.map((p) => p.rows)).toEqual([2 * n, n]);
    // A budget below one trial: one trial a page, all of it.
    const hundred = await pages(100, bigOnes);
    expect(hundred.map((p) => p.trials)).toEqual([['big-a'], ['big-b'], ['big-c']]);
    expect(hundred.flatMap((p) => p.summaries)).toEqual(big.map(all));
    // A filter on a member of TrialComponentSummaries sees every component (the last of big-b's 250).
    expect((await pages(400, one('TrialComponentSummaries.TrialComponentName', 'Equals', name('big-b', n - 1)))).flatMap((p) => p.trials)).toEqual(['big-b']);
  }, 120_000);

  it("counts a trial component's Parents too: a page of components ends once their Parents reach the budget, the next component on the next page, every parent listed", async () => {
    const store = new MemoryExperimentStore();
    const f = await fixture(undefined, store);
    const expA = (await store.getExperimentByName('exp-a'))!.experimentId;
    // 3 components in 150 trials each; the budget lowered from 10,000 to 200 (and 100).
    const n = 150;
    const held = ['held-a', 'held-b', 'held-c'];
    const trialName = (c: string, i: number) => `${c}-in-${String(i).padStart(3, '0')}`;
    for (const [k, c] of held.entries()) {
      const run = await f.tracking.createRun({ experimentId: expA, runName: c }, alice.principal);
      await store.createTrialComponent({ name: c, runId: run.info.runId, numberParams: [], inputArtifacts: {}, outputArtifacts: {}, creationTime: 10 + k, lastModifiedTime: 10 + k });
      for (let i = 0; i < n; i++) {
        await store.createTrial({ name: trialName(c, i), experimentId: expA, creationTime: 100 + i, lastModifiedTime: 100 + i });
        await store.associateTrialComponent(trialName(c, i), c, 100 + i);
      }
    }
    const sources = experimentSearchSources({ tracking: f.tracking, partition, authorize: allow });
    const metadata = createMemoryMetadataStore({ collections: [] });
    const pages = async (pageBudget: number) => {
      const search = new SearchService({ store: metadata, sources, pageBudget });
      const out: { components: string[]; parents: string[][] }[] = [];
      let token: string | undefined;
      do {
        const r = await search.Search({ Resource: 'ExperimentTrialComponent', SortBy: 'CreationTime', SortOrder: 'Ascending', MaxResults: 10, SearchExpression: one('TrialComponentName', 'Contains', 'held-'), ...(token ? { NextToken: token } : {}) }, alice);
        const found = r.Results.map((x) => x.TrialComponent!);
        out.push({ components: found.map((c) => c.TrialComponentName!), parents: found.map((c) => (c.Parents ?? []).map((p) => p.TrialName!)) });
        token = r.NextToken;
      } while (token);
      return out;
    };
    const all = (c: string) => Array.from({ length: n }, (_, i) => trialName(c, i));
    // 200: held-a (150) leaves room, held-b (300) reaches it; held-c on the next page. Nothing cut.
    const two = await pages(200);
    expect(two.map((p) => p.components)).toEqual([['held-a', 'held-b'], ['held-c']]);
    expect(two.flatMap((p) => p.parents)).toEqual(held.map(all));
    // A budget below one component's Parents: one component a page, all its parents.
    const hundred = await pages(100);
    expect(hundred.map((p) => p.components)).toEqual([['held-a'], ['held-b'], ['held-c']]);
    expect(hundred.flatMap((p) => p.parents)).toEqual(held.map(all));
  }, 120_000);
});

describe("Search's read cap", () => {
  it('ends a page short once it has decided the cap, its NextToken after the last record the caller may see: every match reached once, no hidden one named, each call bounded', async () => {
    const store = new MemoryExperimentStore();
    // Full records built by each Search call: one ListTrials of a component's Parents each.
    let built = 0;
    const listing = store.listTrials.bind(store);
    store.listTrials = async (q) => {
      if (q.componentName) built++;
      return listing(q);
    };
    // cap-010 to cap-019 are hidden from alice, cap-015 among them in the wanted trial.
    const hidden = (i: number) => i >= 10 && i < 20;
    const name = (i: number) => `cap-${String(i).padStart(3, '0')}`;
    const authorize: ActionAuthorizer = async (_p, action, resource) => {
      for (let i = 10; i < 20; i++) if (resource === arn('experiment-trial-component', name(i))) throw new AccessDeniedError(`no ${action} on ${resource}`);
    };
    const f = await fixture(authorize, store);
    const expA = (await store.getExperimentByName('exp-a'))!.experimentId;
    await store.createTrial({ name: 'wanted', experimentId: expA, creationTime: 1, lastModifiedTime: 1 });
    const n = 40;
    for (let i = 0; i < n; i++) {
      const run = await f.tracking.createRun({ experimentId: expA, runName: name(i) }, alice.principal);
      await store.createTrialComponent({ name: name(i), runId: run.info.runId, numberParams: [], inputArtifacts: {}, outputArtifacts: {}, creationTime: 10 + i, lastModifiedTime: 10 + i });
      if (i === 5 || i === 15 || i === 33) await store.associateTrialComponent('wanted', name(i), 10 + i);
    }
    const sources = experimentSearchSources({ tracking: f.tracking, partition, authorize });
    const search = new SearchService({ store: createMemoryMetadataStore({ collections: [] }), sources, authorize, readCap: 8 });
    const pages: { found: string[]; relation: string; builds: number; after?: string }[] = [];
    let token: string | undefined;
    do {
      built = 0;
      const r = await search.Search({ Resource: 'ExperimentTrialComponent', SortBy: 'CreationTime', SortOrder: 'Ascending', MaxResults: 5, SearchExpression: one('Parents.TrialName', 'Equals', 'wanted'), ...(token ? { NextToken: token } : {}) }, alice);
      token = r.NextToken;
      // The record a token names (its sort value and key).
      const after = token === undefined ? undefined : (JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as [number, string])[1];
      pages.push({ found: r.Results.map((x) => x.TrialComponent!.TrialComponentName!), relation: r.TotalHits!.Relation!, builds: built, ...(after ? { after } : {}) });
    } while (token && pages.length < 50);
    expect(pages.flatMap((p) => p.found)).toEqual([name(5), name(33)]);
    // Short pages (one empty) with a NextToken, a lower bound each; the last exact.
    expect(pages.length).toBeGreaterThan(3);
    expect(pages.slice(0, -1).every((p) => p.relation === 'GreaterThanOrEqualTo' && p.after !== undefined)).toBe(true);
    expect(pages.some((p) => p.found.length === 0 && p.after !== undefined)).toBe(true);
    // A token names a record alice may see, never a hidden one; past the cap hidden ones are passed over unbuilt.
    for (const p of pages) if (p.after) expect(hidden(Number(p.after.slice(4))) || !p.after.startsWith('cap-')).toBe(false);
    // The cap's 8 and the visible record past it, and each result's record built again for the answer.
    for (const p of pages) expect(p.builds - p.found.length).toBeLessThanOrEqual(9);
    // Without a cap every candidate is decided in one call: one page, the same matches.
    const whole = await new SearchService({ store: createMemoryMetadataStore({ collections: [] }), sources, authorize }).Search({ Resource: 'ExperimentTrialComponent', SortBy: 'CreationTime', SortOrder: 'Ascending', MaxResults: 5, SearchExpression: one('Parents.TrialName', 'Equals', 'wanted') }, alice);
    expect([whole.Results.map((x) => x.TrialComponent!.TrialComponentName), whole.NextToken]).toEqual([[name(5), name(33)], undefined]);
  });
});

describe("Search's read cap over trials and components, random", () => {
  it('walks components and trials in their times\' order (ties of one millisecond) with a random cap and hidden records as an uncapped walk does', async () => {
    const store = new MemoryExperimentStore();
    const f = await fixture(undefined, store);
    const expA = (await store.getExperimentByName('exp-a'))!.experimentId;
    const name = (i: number) => `rc-${String(i).padStart(3, '0')}`;
    await store.createTrial({ name: 'wanted', experimentId: expA, creationTime: 1, lastModifiedTime: 1 });
    for (let i = 0; i < 80; i++) {
      const run = await f.tracking.createRun({ experimentId: expA, runName: name(i) }, alice.principal);
      // 9 creation and 7 modification times: runs of ties longer than a cap, in another order than the names.
      await store.createTrialComponent({ name: name(i), runId: run.info.runId, numberParams: [], inputArtifacts: {}, outputArtifacts: {}, creationTime: 10 + ((i * 5) % 9), lastModifiedTime: 20 + ((i * 3) % 7) });
      await store.createTrial({ name: `tr-${name(i)}`, experimentId: expA, creationTime: 10 + ((i * 5) % 9), lastModifiedTime: 20 + ((i * 3) % 7) });
      if (i % 3 === 0) await store.associateTrialComponent('wanted', name(i), 30);
    }
    const r = seededRandom(Number(process.env['LOAM_TEST_SEED'] ?? 20261129));
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
    for (let k = 0; k < 16; k++) {
      const hidden = new Set(Array.from({ length: 80 }, (_, i) => i).filter(() => r() < 0.4).flatMap((i) => [arn('experiment-trial-component', name(i)), arn('experiment-trial', `tr-${name(i)}`)]));
      const authorize: ActionAuthorizer = async (_p, action, resource) => {
        if (hidden.has(resource)) throw new AccessDeniedError(`no ${action} on ${resource}`);
      };
      const sources = experimentSearchSources({ tracking: f.tracking, partition, authorize });
      const components = r() < 0.6;
      const input = {
        Resource: components ? 'ExperimentTrialComponent' : 'ExperimentTrial', MaxResults: pick([1, 3, 10]),
        SortBy: pick(['CreationTime', 'LastModifiedTime']), SortOrder: pick(['Ascending', 'Descending']),
        SearchExpression: components ? pick([one('Parents.TrialName', 'Equals', 'wanted'), one('TrialComponentName', 'Contains', '7')]) : one('TrialName', 'Contains', pick(['7', '1'])),
      } as Parameters<SearchService['Search']>[0];
      const cap = 1 + Math.floor(r() * 8);
      const walk = async (search: SearchService) => {
        const out: string[] = [];
        let token: string | undefined;
        let calls = 0;
        do {
          const p = await search.Search({ ...input, ...(token ? { NextToken: token } : {}) }, alice);
          out.push(...p.Results.map((x) => x.TrialComponent?.TrialComponentName ?? x.Trial!.TrialName!));
          token = p.NextToken;
          if (token) expect(hidden.has(arn(components ? 'experiment-trial-component' : 'experiment-trial', (JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as string[])[1] as string))).toBe(false);
        } while (token && ++calls < 500);
        return out;
      };
      const why = `case ${k} cap ${cap}: ${JSON.stringify(input)}`;
      const whole = await walk(new SearchService({ store: createMemoryMetadataStore({ collections: [] }), sources, authorize, readCap: Number.POSITIVE_INFINITY }));
      expect(await walk(new SearchService({ store: createMemoryMetadataStore({ collections: [] }), sources, authorize, readCap: cap })), why).toEqual(whole);
      expect(whole.length, why).toBeGreaterThan(0);
    }
  }, 60_000);
});
