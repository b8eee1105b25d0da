import { searchShapes } from '@loam/contracts';
import { isAllowed, type ActionAuthorizer } from '../kernel/authorizer.js';
import { systemPrincipal, type Principal, type RequestContext } from '../kernel/context.js';
import { resourceArn, type Partition } from '../kernel/names.js';
import type { ComponentRunKeys, EntityPosition, ExperimentRecord, RunInfoRecord, TrialComponentRecord, TrialRecord } from '../ports/experiment-store.js';
import type { MetadataStore } from '../ports/metadata-store.js';
import { jobsCollection } from '../jobs/job.collections.js';
import { describeTrainingJob } from '../jobs/training-job.service.js';
import { SageMakerExperimentsService } from '../experiments/sagemaker/sagemaker-experiments.service.js';
import { allowedOnMlflowExperiment, guardedExperimentOf, millis, PRIMARY_STATUS, seconds } from '../experiments/sagemaker/sagemaker-rules.js';
import { TrialComponentsService } from '../experiments/sagemaker/trial-components.service.js';
import { JOB_COMPONENTS, trainingJobLookup } from '../experiments/sagemaker/training-job-components.js';
import { TrialsService } from '../experiments/sagemaker/trials.service.js';
import { TrackingAccess } from '../experiments/tracking-access.js';
import type { TrackingService } from '../experiments/tracking.service.js';
import type { SchemaNode } from './search-properties.js';
import type { SortValue } from './search-order.js';
import { asSearchRecord, type OrderedRead, type RequiredEntries, type SearchSource } from './search-source.js';

const shape = (member: keyof typeof searchShapes.searchRecordShapes): SchemaNode => searchShapes.searchRecordShapes[member] as unknown as SchemaNode;
const PAGE = 200;
/** The Source.SourceType of jobs' components. */
const JOB_SOURCE_TYPES = Object.values(JOB_COMPONENTS).map((j) => j.sourceType);

export interface ExperimentSearchSourcesOptions {
  readonly tracking: TrackingService;
  /** Where training jobs are: a training job's component has its job's record as SourceDetail.TrainingJob. */
  readonly store?: MetadataStore;
  readonly partition: Partition;
  /** The caller's policies, for the `mlflow-experiment/<id>` each Describe also checks. */
  readonly authorize: ActionAuthorizer;
}

/** A trial component with its run's info and the MLflow experiment guarding its run (guardedExperimentOf: what its visibility is checked on). */
interface ComponentCandidate {
  readonly c: TrialComponentRecord;
  readonly info: RunInfoRecord;
  readonly guarded: string | undefined;
}

/**
 * SageMaker's Experiment, ExperimentTrial and ExperimentTrialComponent searches over the experiment store
 * (ADR 0009). Each record is the resource's Describe answer, built by the experiments services themselves;
 * visibility is Search's (the Describe action on the ARN and on the MLflow experiment, as each Describe
 * checks), so the services here build answers without checking. A trial's record adds its components, a
 * component's its Parents (the trials holding it, with their experiments): those the caller may describe, as
 * ListTrialComponents and ListTrials show them. A trial of an experiment MLflow deleted is found nowhere,
 * neither as a result nor among Parents, as TrialsService.exists answers (until MLflow restores it).
 */
export function experimentSearchSources(o: ExperimentSearchSourcesOptions): SearchSource[] {
  const { tracking: t, partition } = o;
  // Builders only: whether the caller may see a record is decided by `readAction` and `alsoVisible` below.
  const build: ActionAuthorizer = async () => {};
  const experiments = new SageMakerExperimentsService(t, new TrackingAccess(t, build, partition), build, partition);
  const trials = new TrialsService(t, build, partition);
  const components = new TrialComponentsService(t, build, partition, undefined, o.store && trainingJobLookup(o.store));
  const ctx: RequestContext = { principal: systemPrincipal, requestId: 'search' };
  const onMlflow = (action: string) => (experimentId: string | undefined, principal: Principal) => allowedOnMlflowExperiment(o.authorize, partition, principal, action, experimentId);
  const componentVisible = async (r: Pick<ComponentCandidate, 'c' | 'guarded'>, principal: Principal) =>
    (await isAllowed(o.authorize, principal, 'sagemaker:DescribeTrialComponent', components.arn(r.c.name))) && onMlflow('sagemaker:DescribeTrialComponent')(r.guarded, principal);
  // A trial of an experiment MLflow deleted is gone with it (until MLflow restores it), as DescribeTrial and ListTrials answer.
  const trialExists = (r: TrialRecord) => trials.exists(trials.arn(r.name));
  const trialVisible = async (r: TrialRecord, principal: Principal) =>
    (await trialExists(r)) && (await isAllowed(o.authorize, principal, 'sagemaker:DescribeTrial', trials.arn(r.name))) && onMlflow('sagemaker:DescribeTrial')(r.experimentId, principal);
  /** SageMaker's SourceDetail of a training job's component: the job's search record, when the caller may describe the job. */
  const sourceDetail = async (c: TrialComponentRecord, principal: Principal) => {
    if (!o.store || !c.sourceArn || c.sourceType !== 'SageMakerTrainingJob') return {};
    const job = (await o.store.collection(jobsCollection).findOne('arn', c.sourceArn))?.value;
    if (!job || job.kind !== 'training-job' || !(await isAllowed(o.authorize, principal, 'sagemaker:DescribeTrainingJob', job.arn))) return { SourceDetail: { SourceArn: c.sourceArn } };
    return { SourceDetail: { SourceArn: c.sourceArn, TrainingJob: asSearchRecord(describeTrainingJob(job), shape('TrainingJob'), await o.store.tags.list(job.arn)) } };
  };
  // A component whose run was deleted (through MLflow) is gone, as DescribeTrialComponent answers.
  const candidate = async (c: TrialComponentRecord | undefined): Promise<ComponentCandidate | undefined> => (c ? (await candidates([c]))[0] : undefined);
  /** The components of a store page whose runs are active, with their runs' infos, read at once. */
  const candidates = async (rows: readonly TrialComponentRecord[]): Promise<ComponentCandidate[]> => {
    const infos = new Map((await t.store.getRunInfos(rows.map((c) => c.runId))).map((i) => [i.runId, i]));
    return rows.flatMap((c) => {
      const info = infos.get(c.runId);
      return info?.lifecycleStage === 'active' ? [{ c, info, guarded: guardedExperimentOf(c, info.experimentId) }] : [];
    });
  };
  /** What a search requires of a component's run (its Parameters and Metrics filters), asked of the store. */
  const runHas = (need: RequiredEntries | undefined): { runHas?: ComponentRunKeys } => {
    const params = need?.get('Parameters');
    const metrics = need?.get('Metrics');
    if (!params && !metrics) return {};
    // A job's component shows its job's parameters too (jobComponentDetails), which its run may not hold.
    return { runHas: { ...(params ? { params, paramsAlsoOfSourceTypes: JOB_SOURCE_TYPES } : {}), ...(metrics ? { metrics } : {}) } };
  };
  /**
   * Components in the order of one of their times, from a token's position on, store page by store page. A token's
   * LastModifiedTime is in seconds, the record's value: tokens issued when that sort read every component hold it so,
   * and are still served. CreationTime's has been in milliseconds since it was first read in the store's order.
   */
  const componentsBy = (sort: TimeSort): OrderedRead<ComponentCandidate> => ({
    value: (r) => (sort === 'lastModifiedTime' ? seconds(r.c[sort]) : r.c[sort]),
    read: async function* (order, from, need) {
      const time = typeof from?.value === 'number' && sort === 'lastModifiedTime' ? millis(from.value) : from?.value;
      for await (const { rows, last } of keysetPages(sort, fromTime(order, time), (q) => t.store.listTrialComponents({ sortBy: sort, ascending: order === 'Ascending', ...q, ...runHas(need) }))) {
        // The page's run infos (one read) only once the search reads that far.
        const records = (async function* () {
          yield* await candidates(rows);
        })();
        yield { records, last };
      }
    },
  });
  /** Trials in the order of one of their times, from a token's position on (a token's LastModifiedTime in seconds, as componentsBy's). */
  const trialsBy = (sort: TimeSort): OrderedRead<TrialRecord> => ({
    value: (r) => (sort === 'lastModifiedTime' ? seconds(r[sort]) : r[sort]),
    read: async function* (order, from) {
      const time = typeof from?.value === 'number' && sort === 'lastModifiedTime' ? millis(from.value) : from?.value;
      for await (const { rows, last } of keysetPages(sort, fromTime(order, time), (q) => t.store.listTrials({ sortBy: sort, ascending: order === 'Ascending', ...q }))) {
        const records = (async function* () {
          for (const r of rows) if (await trialExists(r)) yield r;
        })();
        yield { records, last };
      }
    },
  });
  const experimentNames = async (ids: readonly string[]) => new Map(await Promise.all([...new Set(ids)].map(async (id) => [id, (await t.store.getExperiment(id))?.name ?? ''] as const)));

  const experiment: SearchSource<ExperimentRecord> = {
    resource: 'Experiment', props: { schema: shape('Experiment') }, readAction: 'sagemaker:DescribeExperiment', defaultSortBy: 'LastModifiedTime', storeOrder: {},
    records: async function* () {
      let pageToken: string | undefined;
      do {
        const page = await t.searchExperiments({ viewType: 'ACTIVE_ONLY', orderBy: ['creation_time ASC'], maxResults: PAGE, ...(pageToken ? { pageToken } : {}) });
        yield* page.experiments;
        pageToken = page.nextPageToken;
      } while (pageToken);
    },
    keyOf: (e) => e.experimentId,
    arnOf: (e) => resourceArn(partition, 'experiment', e.name), arnPrefix: resourceArn(partition, 'experiment', ''),
    alsoVisible: (e, principal) => onMlflow('sagemaker:DescribeExperiment')(e.experimentId, principal),
    record: async (e, tags) => asSearchRecord(await experiments.DescribeExperiment({ ExperimentName: e.name }, ctx), shape('Experiment'), tags),
  };

  const trial: SearchSource<TrialRecord> = {
    resource: 'ExperimentTrial', props: { schema: shape('Trial') }, readAction: 'sagemaker:DescribeTrial', defaultSortBy: 'LastModifiedTime', storeOrder: {},
    records: async function* () {
      for await (const { rows } of keysetPages('name', undefined, (q) => t.store.listTrials({ sortBy: 'name', ascending: true, ...q }))) {
        for (const r of rows) if (await trialExists(r)) yield r;
      }
    },
    // LastModifiedTime (the default sort) and CreationTime are read from the store's (time, name) indexes (experiments:0012).
    orderedReads: { CreationTime: trialsBy('creationTime'), LastModifiedTime: trialsBy('lastModifiedTime') },
    lookups: {
      TrialName: async (name) => {
        const r = await t.store.getTrial(name);
        return r && (await trialExists(r)) ? r : undefined;
      },
    },
    summaryMembers: ['TrialName', 'TrialArn', 'DisplayName', 'Source', 'CreationTime', 'LastModifiedTime'],
    summary: (r) => ({
      TrialName: r.name, TrialArn: trials.arn(r.name), DisplayName: r.displayName ?? r.name, ...sourceOf(r),
      CreationTime: seconds(r.creationTime), LastModifiedTime: seconds(r.lastModifiedTime),
    }),
    keyOf: (r) => r.name,
    arnOf: (r) => trials.arn(r.name), arnPrefix: trials.arn(''),
    alsoVisible: (r, principal) => onMlflow('sagemaker:DescribeTrial')(r.experimentId, principal),
    record: async (r, tags, principal) => {
      // Every component the caller may describe, as ListTrialComponents for the trial lists them (SageMaker's
      // TrialComponentSummaries has no limit), read store page by store page with their run infos. A Search page
      // holds no more trials once those in it list PAGE_BUDGET summaries (`weight`), so nothing is cut.
      const seen: TrialComponentRecord[] = [];
      for await (const { rows } of keysetPages('creationTime', undefined, (q) => t.store.listTrialComponents({ trialName: r.name, sortBy: 'creationTime', ascending: true, ...q }))) {
        for (const x of await candidates(rows)) if (await componentVisible(x, principal)) seen.push(x.c);
      }
      const summaries = seen.map((c) => ({
        TrialComponentName: c.name, TrialComponentArn: components.arn(c.name),
        ...(c.sourceArn ? { TrialComponentSource: { SourceArn: c.sourceArn, ...(c.sourceType ? { SourceType: c.sourceType } : {}) } } : {}),
        CreationTime: c.creationTime / 1000,
      }));
      return asSearchRecord({ ...(await trials.DescribeTrial({ TrialName: r.name }, ctx)), TrialComponentSummaries: summaries }, shape('Trial'), tags);
    },
    weight: (rec) => listed(rec, 'TrialComponentSummaries'),
  };

  const component: SearchSource<ComponentCandidate> = {
    resource: 'ExperimentTrialComponent', props: { schema: shape('TrialComponent'), aliases: { Metrics: { list: 'Metrics', keyField: 'MetricName' } } },
    readAction: 'sagemaker:DescribeTrialComponent', defaultSortBy: 'LastModifiedTime', storeOrder: {}, entryMembers: ['Parameters', 'Metrics'],
    records: async function* (need) {
      for await (const { rows } of keysetPages('name', undefined, (q) => t.store.listTrialComponents({ sortBy: 'name', ascending: true, ...q, ...runHas(need) }))) yield* await candidates(rows);
    },
    // LastModifiedTime (the default sort) and CreationTime are read from the store's (time, name) indexes (experiments:0011).
    orderedReads: { CreationTime: componentsBy('creationTime'), LastModifiedTime: componentsBy('lastModifiedTime') },
    lookups: { TrialComponentName: async (name) => candidate(await t.store.getTrialComponent(name)) },
    // What DescribeTrialComponent answers from the component and its run's info, without its params, metrics or parents.
    summaryMembers: ['TrialComponentName', 'TrialComponentArn', 'DisplayName', 'Source', 'Status', 'StartTime', 'EndTime', 'CreationTime', 'LastModifiedTime'],
    summary: ({ c, info }) => ({
      TrialComponentName: c.name, TrialComponentArn: components.arn(c.name), DisplayName: c.displayName ?? c.name, ...sourceOf(c),
      Status: { PrimaryStatus: PRIMARY_STATUS[info.status], ...(c.statusMessage === undefined ? {} : { Message: c.statusMessage }) },
      StartTime: seconds(info.startTime), ...(info.endTime === undefined ? {} : { EndTime: seconds(info.endTime) }),
      CreationTime: seconds(c.creationTime), LastModifiedTime: seconds(c.lastModifiedTime),
    }),
    keyOf: (r) => r.c.name,
    arnOf: (r) => components.arn(r.c.name), arnPrefix: components.arn(''),
    alsoVisible: (r, principal) => onMlflow('sagemaker:DescribeTrialComponent')(r.guarded, principal),
    record: async (r, tags, principal) => {
      // Every trial the caller may describe, as ListTrials for the component lists them (Parents has no limit).
      const held: TrialRecord[] = [];
      for await (const { rows } of keysetPages('name', undefined, (q) => t.store.listTrials({ componentName: r.c.name, sortBy: 'name', ascending: true, ...q }))) {
        for (const x of rows) if (await trialVisible(x, principal)) held.push(x);
      }
      const names = await experimentNames(held.map((x) => x.experimentId));
      const parents = held.map((x) => ({ TrialName: x.name, ExperimentName: names.get(x.experimentId) ?? '' }));
      const described = await components.DescribeTrialComponent({ TrialComponentName: r.c.name }, ctx);
      return asSearchRecord({ ...described, ...(await sourceDetail(r.c, principal)), Parents: parents }, shape('TrialComponent'), tags);
    },
    // A component in 100,000 trials lists them all as Parents: a page of components weighs them as a trial's summaries.
    weight: (rec) => listed(rec, 'Parents'),
  };
  return [experiment, trial, component];
}

/** How many items a search record's list member holds (a page's weight: `SearchSource.weight`). */
function listed(rec: Record<string, unknown>, member: string): number {
  const v = rec[member];
  return Array.isArray(v) ? v.length : 0;
}

/** The Source member of a trial's or component's Describe answer. */
function sourceOf(r: { readonly sourceArn?: string; readonly sourceType?: string }): object {
  return r.sourceArn ? { Source: { SourceArn: r.sourceArn, ...(r.sourceType ? { SourceType: r.sourceType } : {}) } } : {};
}

type TimeSort = 'creationTime' | 'lastModifiedTime';

/**
 * Where a read by a time starts from a token's value: before every row of that millisecond (any name sorts after
 * ''), so rows of the token's own time are read again and Search skips those it returned. Times are whole
 * milliseconds and the columns integers (PostgreSQL's bigint refuses '1.5'): a time from an edited token (a
 * fraction, or beyond any) is bounded by the whole milliseconds around it.
 */
function fromTime(order: 'Ascending' | 'Descending', value: SortValue | undefined): EntityPosition | undefined {
  if (typeof value !== 'number') return undefined;
  const whole = (t: number) => Math.min(Number.MAX_SAFE_INTEGER, Math.max(Number.MIN_SAFE_INTEGER, t));
  // Ascending, the rows after (t, '') are those of t on; Descending, the rows before (t + 1, '') are those of t and before.
  return order === 'Ascending' ? { time: whole(Math.ceil(value)), name: '' } : { time: whole(Math.floor(value) + 1), name: '' };
}

/**
 * Every row of a listing in its order, store page by store page, each page asked from the last row's position (its
 * sort time and name: a keyset). A row deleted, or leaving a filtered list (a component whose run lost a filtered
 * param), between two pages moves no surviving row past the read, as an offset did; and a page is a range of the
 * store's index, where an offset read (and, with `runHas`, checked) every row before it again.
 */
async function* keysetPages<T extends { readonly name: string; readonly creationTime: number; readonly lastModifiedTime: number }>(
  sort: 'name' | TimeSort, from: EntityPosition | undefined, list: (q: { after?: EntityPosition; offset: number; limit: number }) => Promise<T[]>,
): AsyncGenerator<{ rows: T[]; last: boolean }> {
  let after = from;
  for (;;) {
    const rows = await list({ ...(after ? { after } : {}), offset: 0, limit: PAGE });
    // A short page is the last: a full one may be followed by an empty one.
    yield { rows, last: rows.length < PAGE };
    const last = rows[rows.length - 1];
    if (rows.length < PAGE || !last) return;
    after = sort === 'name' ? { name: last.name } : { time: last[sort], name: last.name };
  }
}
