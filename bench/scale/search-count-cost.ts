/**
 * What TotalHits' count past the page costs: the same SearchService with countPastPage 200 (the default) and 0,
 * interleaved on the stores search-bench.ts seeds; prints the median wall and CPU of N runs of each search.
 * With a `before` folder (a copy of packages/core/src/search from an older commit, its siblings linked to this
 * tree's, e.g. `<dir>/src/search` beside `<dir>/src/kernel -> packages/core/src/kernel`), that code's default
 * runs in the same loop as `before200`.
 *
 * usage (from /work/main):
 *   nice -n 15 node_modules/.bin/tsx --conditions=loam-src bench/scale/search-count-cost.ts <data-dir> [N] [only-prefix] [before-search-folder]
 */
import { join, resolve } from 'node:path';
import { openSqlExperimentStore, openSqlMetadataStore, LocalFsArtifactStore } from '@loam/adapters';
import { silentLogger, systemClock, TrackingArtifacts, TrackingService, SearchService, searchSources, experimentSearchSources, type RequestContext } from '@loam/core';
import { allCollections } from '@loam/server';

const dir = process.argv[2] as string;
const N = Number(process.argv[3] ?? '7');
const partition = { region: 'us-east-1', accountId: '000000000000' };
const ctx: RequestContext = { principal: { userName: 'admin', userId: 'id-admin', arn: 'arn:loam:iam::000000000000:user/admin', via: 'token' }, requestId: 'bench' };
const allow = async () => {};
const store = await openSqlMetadataStore({ url: `sqlite:${join(dir, 'loam.db')}`, collections: allCollections, logger: silentLogger });
const experiments = await openSqlExperimentStore({ url: `sqlite:${join(dir, 'experiments.db')}` });
const tracking = new TrackingService({ store: experiments, clock: systemClock, artifacts: new TrackingArtifacts(await LocalFsArtifactStore.open({ root: join(dir, 'artifacts') })) });
const make = (countPastPage?: number) => new SearchService({
  store, authorize: allow, ...(countPastPage === undefined ? {} : { countPastPage }),
  sources: [...searchSources({ describeTuningJob: () => Promise.reject(new Error('x')) }), ...experimentSearchSources({ tracking, store, partition, authorize: allow })],
});
type Searcher = Pick<SearchService, 'Search'>;
const impls: [string, Searcher][] = [['count200', make()], ['count0', make(0)]];
const beforeDir = process.argv[5];
if (beforeDir) {
  const old = await import(resolve(beforeDir, 'index.ts')) as { SearchService: typeof SearchService; searchSources: typeof searchSources; experimentSearchSources: typeof experimentSearchSources };
  impls.unshift(['before200', new old.SearchService({
    store, authorize: allow,
    sources: [...old.searchSources({ describeTuningJob: () => Promise.reject(new Error('x')) }), ...old.experimentSearchSources({ tracking, store, partition, authorize: allow })],
  })]);
}
const searches: [string, Record<string, unknown>][] = [
  ['TrainingJob default', { Resource: 'TrainingJob' }],
  ['TrainingJob Status Failed', { Resource: 'TrainingJob', SearchExpression: { Filters: [{ Name: 'TrainingJobStatus', Value: 'Failed' }] } }],
  ['TrainingJob default + VisibilityConditions', { Resource: 'TrainingJob', VisibilityConditions: [{ Key: 'Tags.sagemaker:domain-arn', Value: 'd' }] }],
  ['Component CreationTime Asc', { Resource: 'ExperimentTrialComponent', SortBy: 'CreationTime', SortOrder: 'Ascending' }],
  ['Component CreationTime Asc + VisibilityConditions', { Resource: 'ExperimentTrialComponent', SortBy: 'CreationTime', SortOrder: 'Ascending', VisibilityConditions: [{ Key: 'Tags.team', Value: 'red' }] }],
  ['Component CreationTime Asc + Parameters.lr > 0.5', { Resource: 'ExperimentTrialComponent', SortBy: 'CreationTime', SortOrder: 'Ascending', SearchExpression: { Filters: [{ Name: 'Parameters.lr', Operator: 'GreaterThan', Value: '0.5' }] } }],
];
const only = process.argv[4];
for (const [what, input] of searches) {
  if (only && !what.startsWith(only)) continue;
  const t: Record<string, number[]> = {};
  const cpu: Record<string, number[]> = {};
  let hits: Record<string, unknown> = {};
  for (let i = 0; i < N; i++) for (const [name, s] of impls) {
    const t0 = performance.now(); const c0 = process.cpuUsage();
    const r = await s.Search(input as never, ctx);
    const c = process.cpuUsage(c0);
    (t[name] ??= []).push(performance.now() - t0); (cpu[name] ??= []).push((c.user + c.system) / 1000);
    hits[name] = r.TotalHits;
  }
  const med = (a: number[]) => Math.round([...a].sort((x, y) => x - y)[Math.floor(a.length / 2)] as number);
  console.log(JSON.stringify({ what, ...Object.fromEntries(impls.map(([n]) => [n, { ms: med(t[n]!), cpuMs: med(cpu[n]!), hits: hits[n] }])) }));
}
await store.close(); await experiments.close();
