/**
 * SageMaker Search at team scale: 20,000 training jobs (metadata store) and 20,000 trial components (one in 100
 * with a `momentum` parameter) in 200 trials (one job in 10 tagged team, one in 100 team=blue) of 20 experiments (experiment store), both SQLite files, searched through the Search service as the
 * server builds it (every source, an authorizer that allows all). Each search runs against two
 * implementations in the same process on the same stores: `--old <dir>` (a copy of packages/core/src/search
 * from before the change, its sibling folders linked to this tree's) and this tree's. Answers are compared
 * (the same names, in the same order, on the first page); a difference is printed.
 *
 * usage (from /work/main):
 *   nice -n 15 node_modules/.bin/tsx --conditions=loam-src bench/scale/search-bench.ts <data-dir> --old <old-search-dir> [--jobs 20000] [--components 20000]
 *     [--only <search name prefix>] [--metadata-url postgres://… --metadata-schema <schema>] (the jobs in PostgreSQL instead)
 * The stores are seeded on the first run (kept in <data-dir>). Prints one JSON line per measurement with /proc/loadavg.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openSqlExperimentStore, openSqlMetadataStore, LocalFsArtifactStore } from '@loam/adapters';
import {
  jobsCollection, silentLogger, systemClock, TrackingArtifacts, TrackingService, TrialComponentsService, TrialsService,
  SageMakerExperimentsService, TrackingAccess, type JobRecord, type RequestContext,
} from '@loam/core';
import { allCollections } from '@loam/server';

const dir = resolve(process.argv[2] ?? '/tmp/search-bench');
const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] as string) : dflt;
};
const JOBS = Number(arg('jobs', '20000'));
const COMPONENTS = Number(arg('components', '20000'));
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const partition = { region: 'us-east-1', accountId: '000000000000' };
const ctx: RequestContext = { principal: { userName: 'admin', userId: 'id-admin', arn: 'arn:loam:iam::000000000000:user/admin', via: 'token' }, requestId: 'bench' };
const allow = async () => {};
/** Epoch seconds, as the metadata store keeps times. */
const T0 = 1_700_000_000;

mkdirSync(dir, { recursive: true });
const metadataUrl = arg('metadata-url', `sqlite:${join(dir, 'loam.db')}`);
const metadataSchema = arg('metadata-schema', '');
const store = await openSqlMetadataStore({ url: metadataUrl, ...(metadataSchema ? { schema: metadataSchema } : {}), collections: allCollections, logger: silentLogger });
const experiments = await openSqlExperimentStore({ url: `sqlite:${join(dir, 'experiments.db')}` });
const tracking = new TrackingService({ store: experiments, clock: systemClock, artifacts: new TrackingArtifacts(await LocalFsArtifactStore.open({ root: join(dir, 'artifacts') })) });

/** Training job `i`: a finished xgboost job with hyperparameters and final metrics, as the job service stores one. */
function job(i: number): JobRecord {
  const name = `xgb-${i % 3 ? 'churn' : 'fraud'}-${String(i).padStart(5, '0')}`;
  const t = T0 + i * 60;
  const status = i % 10 === 0 ? 'Failed' : i % 23 === 0 ? 'Stopped' : 'Completed';
  return {
    id: `training-job/${name}`, kind: 'training-job', name, arn: `arn:loam:sagemaker:us-east-1:000000000000:training-job/${name}`,
    status, secondaryStatus: status, phase: 'done', creationTime: t, lastModifiedTime: t + ((i * 7919) % 3600), startTime: t + 1, endTime: t + 61,
    request: {
      TrainingJobName: name, RoleArn: 'arn:aws:iam::000000000000:role/bench',
      AlgorithmSpecification: { TrainingImage: 'loam/xgboost', TrainingInputMode: 'File', MetricDefinitions: [{ Name: 'validation:auc', Regex: 'auc:([0-9.]+)' }] },
      HyperParameters: { eta: String(((i * 37) % 100) / 100), max_depth: String(3 + (i % 7)), num_round: '100', objective: 'binary:logistic' },
      InputDataConfig: [{ ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://seed/data-${i % 50}/train/` } } }],
      OutputDataConfig: { S3OutputPath: 's3://seed/output/' },
      ResourceConfig: { InstanceType: 'ml.m5.xlarge', InstanceCount: 1, VolumeSizeInGB: 10 },
      StoppingCondition: { MaxRuntimeInSeconds: 3600 },
    },
    spec: { channels: [{ name: 'train', s3Uri: `s3://seed/data-${i % 50}/train/` }], outputs: [] },
    modelArtifacts: `s3://seed/output/${name}/output/model.tar.gz`,
    transitions: [], finalMetrics: { 'validation:auc': { value: ((i * 7919) % 10_000) / 10_000, time: t + 60 } }, metricSeries: {},
    attempts: 1, maxAttempts: 1, eventSeq: {}, exits: {},
  } as unknown as JobRecord;
}

const jobs = store.collection(jobsCollection);
const haveJobs = await jobs.count([{ field: 'kind', op: 'eq', value: 'training-job' }]);
for (let i = haveJobs; i < JOBS; i += 500) {
  await store.transaction(async (tx) => {
    for (let j = i; j < Math.min(JOBS, i + 500); j++) {
      await tx.collection(jobsCollection).insert(job(j));
      // One job in 100 tagged team=blue (a selective tag filter), one in 10 team=red.
      if (j % 10 === 0) await tx.tags.put(job(j).arn, [{ Key: 'team', Value: j % 100 === 0 ? 'blue' : 'red' }]);
    }
  });
}
const experimentsService = new SageMakerExperimentsService(tracking, new TrackingAccess(tracking, allow, partition), allow, partition, store.tags);
const trialsService = new TrialsService(tracking, allow, partition, store.tags);
const componentsService = new TrialComponentsService(tracking, allow, partition, store.tags);
const haveComponents = (await experiments.listTrialComponents({ sortBy: 'name', ascending: true, offset: 0, limit: COMPONENTS })).length;
if (haveComponents < COMPONENTS) {
  const t0 = performance.now();
  for (let e = 0; e < 20; e++) if (!(await experiments.getExperimentByName(`exp-${e}`))) await experimentsService.CreateExperiment({ ExperimentName: `exp-${e}` });
  for (let t = 0; t < 200; t++) if (!(await experiments.getTrial(`trial-${t}`))) await trialsService.CreateTrial({ TrialName: `trial-${t}`, ExperimentName: `exp-${t % 20}` }, ctx);
  for (let c = haveComponents; c < COMPONENTS; c++) {
    const name = `tc-${String(c).padStart(5, '0')}`;
    await componentsService.CreateTrialComponent({
      TrialComponentName: name, Status: { PrimaryStatus: c % 10 === 0 ? 'Failed' : 'Completed' },
      Parameters: { lr: { NumberValue: ((c * 37) % 1000) / 1000 }, optimizer: { StringValue: c % 2 ? 'adam' : 'sgd' }, ...(c % 100 === 0 ? { momentum: { NumberValue: 0.9 } } : {}) },
      ...(c % 5 === 0 ? { Tags: [{ Key: 'team', Value: c % 10 ? 'red' : 'blue' }] } : {}),
    }, ctx);
    await trialsService.AssociateTrialComponent({ TrialName: `trial-${c % 200}`, TrialComponentName: name }, ctx);
  }
  console.log(JSON.stringify({ what: 'seeded components', n: COMPONENTS - haveComponents, ms: Math.round(performance.now() - t0) }));
}

interface Impl {
  readonly name: string;
  search(input: Record<string, unknown>): Promise<{ Results: Record<string, Record<string, unknown>>[]; NextToken?: string; TotalHits?: unknown }>;
}
async function implFrom(name: string, folder: string): Promise<Impl> {
  const mod = (f: string) => import(pathToFileURL(join(folder, f)).href);
  const { SearchService } = await mod('search.service.ts');
  const { searchSources } = await mod('search-sources.ts');
  const { experimentSearchSources } = await mod('experiment-sources.ts');
  const service = new SearchService({
    store, authorize: allow,
    sources: [...searchSources({ describeTuningJob: () => Promise.reject(new Error('no tuning jobs here')) }), ...experimentSearchSources({ tracking, store, partition, authorize: allow })],
  });
  return { name, search: (input) => service.Search(input, ctx) };
}
const impls = [await implFrom('old', resolve(arg('old', ''))), await implFrom('new', resolve('packages/core/src/search'))];

const nameOf = (r: Record<string, Record<string, unknown>>) => {
  const rec = Object.values(r)[0] ?? {};
  return String(rec['TrainingJobName'] ?? rec['TrialComponentName'] ?? rec['TrialName'] ?? rec['ExperimentName']);
};
async function measure(what: string, input: Record<string, unknown>): Promise<void> {
  const answers: string[] = [];
  for (const impl of impls) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const { page = 1, ...rest } = input as { page?: number };
    let r = await impl.search(rest);
    // A later page: the pages before it are read first, outside the measurement.
    for (let p = 1; p < page && r.NextToken; p++) {
      const token = r.NextToken;
      const t1 = performance.now();
      r = await impl.search({ ...rest, NextToken: token });
      if (p === page - 1) console.log(JSON.stringify({ what, impl: impl.name, page: p + 1, pageMs: Math.round(performance.now() - t1) }));
    }
    const c = process.cpuUsage(c0);
    const names = r.Results.map(nameOf);
    answers.push(names.join(','));
    console.log(JSON.stringify({ what, impl: impl.name, ms: Math.round(performance.now() - t0), cpuMs: Math.round((c.user + c.system) / 1000), found: names.length, first: names[0], more: r.NextToken !== undefined, ...(r.TotalHits ? { totalHits: r.TotalHits } : {}), loadavg: load() }));
  }
  if (new Set(answers).size > 1) console.log(JSON.stringify({ what, differ: answers }));
}

const searches: [string, Record<string, unknown>][] = [
  ['TrainingJob default (LastModifiedTime Descending)', { Resource: 'TrainingJob' }],
  ['TrainingJob TrainingJobStatus Failed', { Resource: 'TrainingJob', SearchExpression: { Filters: [{ Name: 'TrainingJobStatus', Value: 'Failed' }] } }],
  ['TrainingJob SortBy Metrics.validation:auc', { Resource: 'TrainingJob', SortBy: 'Metrics.validation:auc' }],
  ['TrainingJob SortBy HyperParameters.eta Ascending', { Resource: 'TrainingJob', SortBy: 'HyperParameters.eta', SortOrder: 'Ascending' }],
  ['TrainingJob SortBy HyperParameters.eta, second page of 100', { Resource: 'TrainingJob', SortBy: 'HyperParameters.eta', MaxResults: 100, page: 2 }],
  ['TrainingJob HyperParameters.eta > 0.9, SortBy Metrics.validation:auc', { Resource: 'TrainingJob', SortBy: 'Metrics.validation:auc', SearchExpression: { Filters: [{ Name: 'HyperParameters.eta', Operator: 'GreaterThan', Value: '0.9' }] } }],
  ['TrainingJob CreationTime in the last day, SortBy TrainingJobStatus', { Resource: 'TrainingJob', SortBy: 'TrainingJobStatus', SearchExpression: { Filters: [{ Name: 'CreationTime', Operator: 'GreaterThan', Value: new Date((T0 + (JOBS - 1440) * 60) * 1000).toISOString().slice(0, 19) }] } }],
  ['TrainingJob Tags.team Equals blue (1 in 100), default sort', { Resource: 'TrainingJob', SearchExpression: { Filters: [{ Name: 'Tags.team', Value: 'blue' }] } }],
  ['TrainingJob Tags.team Equals blue, SortBy Metrics.validation:auc', { Resource: 'TrainingJob', SortBy: 'Metrics.validation:auc', SearchExpression: { Filters: [{ Name: 'Tags.team', Value: 'blue' }] } }],
  ['TrainingJob Tags.team Exists (1 in 10), SortBy Metrics.validation:auc', { Resource: 'TrainingJob', SortBy: 'Metrics.validation:auc', SearchExpression: { Filters: [{ Name: 'Tags.team', Operator: 'Exists' }] } }],
  ['TrainingJob Tags.team Contains BLU, default sort', { Resource: 'TrainingJob', SearchExpression: { Filters: [{ Name: 'Tags.team', Operator: 'Contains', Value: 'BLU' }] } }],
  ['TrainingJob Tags.team NotExists, SortBy Metrics.validation:auc (9 in 10)', { Resource: 'TrainingJob', SortBy: 'Metrics.validation:auc', SearchExpression: { Filters: [{ Name: 'Tags.team', Operator: 'NotExists' }] } }],
  ['TrainingJob Tags.team Equals blue Or TrainingJobStatus Stopped (not asked of the store), default sort', { Resource: 'TrainingJob', SearchExpression: { Operator: 'Or', Filters: [{ Name: 'Tags.team', Value: 'blue' }, { Name: 'TrainingJobStatus', Value: 'Stopped' }] } }],
  ['TrainingJob InputDataConfig S3Uri Contains data-7/ (1 in 50), default sort', { Resource: 'TrainingJob', SearchExpression: { Filters: [{ Name: 'InputDataConfig.DataSource.S3DataSource.S3Uri', Operator: 'Contains', Value: 'data-7/' }] } }],
  ['TrainingJob SortBy AlgorithmSpecification.TrainingImage', { Resource: 'TrainingJob', SortBy: 'AlgorithmSpecification.TrainingImage' }],
  ['ExperimentTrialComponent default (LastModifiedTime Descending)', { Resource: 'ExperimentTrialComponent' }],
  ['ExperimentTrialComponent SortBy CreationTime Ascending', { Resource: 'ExperimentTrialComponent', SortBy: 'CreationTime', SortOrder: 'Ascending' }],
  ['ExperimentTrialComponent SortBy TrialComponentName', { Resource: 'ExperimentTrialComponent', SortBy: 'TrialComponentName' }],
  ['ExperimentTrialComponent TrialComponentName Equals tc-12345', { Resource: 'ExperimentTrialComponent', SearchExpression: { Filters: [{ Name: 'TrialComponentName', Value: 'tc-12345' }] } }],
  ['ExperimentTrialComponent Parameters.lr > 0.99, SortBy Parameters.lr', { Resource: 'ExperimentTrialComponent', SortBy: 'Parameters.lr', SearchExpression: { Filters: [{ Name: 'Parameters.lr', Operator: 'GreaterThan', Value: '0.99' }] } }],
  ['ExperimentTrialComponent Parameters.lr Exists, SortBy TrialComponentName (every component has lr)', { Resource: 'ExperimentTrialComponent', SortBy: 'TrialComponentName', SearchExpression: { Filters: [{ Name: 'Parameters.lr', Operator: 'Exists' }] } }],
  ['ExperimentTrialComponent Parameters.momentum Exists (one component in 100 has it)', { Resource: 'ExperimentTrialComponent', SearchExpression: { Filters: [{ Name: 'Parameters.momentum', Operator: 'Exists' }] } }],
  ['ExperimentTrial default', { Resource: 'ExperimentTrial' }],
  ['Experiment default', { Resource: 'Experiment' }],
];
const only = arg('only', '');
for (const [what, input] of searches) if (!only || what.startsWith(only)) await measure(what, input);
await store.close();
await experiments.close();
