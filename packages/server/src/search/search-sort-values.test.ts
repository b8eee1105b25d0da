import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqlMetadataStore } from '@loam/adapters';
import { adminQuery, testPostgresUrl, useFreshPostgresSchema } from '@loam/adapters/metadata/sql/postgres-test-schema';
import { AccessDeniedError, jobsCollection, SearchService, searchSources, type ActionAuthorizer, type JobRecord, type MetadataStore, type RequestContext, type SearchSource } from '@loam/core';
import { createMemoryMetadataStore } from '@loam/testkit';
import { beforeRetry } from '@loam/testkit/vitest/retry.test-support';

// Search sorted by a training job's hyperparameter or final metric reads each job's sort entry from the store
// (`Collection.values`) and only the page's records; the same search without that path reads every record. Both
// must answer the same pages in the same order, on SQLite and PostgreSQL, whatever the values: numbers (compared as
// numbers), text (by code point, as the stores order text), values that only look numeric, and jobs without the hyperparameter or metric.

const ctx: RequestContext = { principal: { userName: 'admin', userId: 'id-admin', arn: 'arn:loam:iam::000000000000:user/admin', via: 'token' }, requestId: 't' };
const dir = mkdtempSync(join(tmpdir(), 'loam-search-values-'));
const pgSchema = useFreshPostgresSchema();
const racePgSchema = useFreshPostgresSchema();
const opened: MetadataStore[] = [];
beforeRetry(async () => {
  for (const s of opened.splice(0)) await s.close().catch(() => undefined);
  for (const f of readdirSync(dir)) rmSync(join(dir, f), { recursive: true, force: true });
  for (const schema of [pgSchema, racePgSchema]) await adminQuery(`drop schema if exists ${schema} cascade`);
});
afterAll(async () => {
  for (const s of opened) await s.close().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

const backends: Record<string, () => Promise<MetadataStore>> = {
  SQLite: () => openSqlMetadataStore({ url: `sqlite:${join(dir, 'loam.db')}`, collections: [jobsCollection] }),
  PostgreSQL: () => openSqlMetadataStore({ url: testPostgresUrl, schema: pgSchema, collections: [jobsCollection] }),
};

/** Values of `eta`: numbers in several spellings, text, text that only looks numeric, code points either side of the surrogates. */
const etas: (string | undefined)[] = [
  '10', '9', '1e1', '10.0', ' 2 ', '-3', '.5', '+7', '0', '-0', '1e999', '0x10', '1,5', 'abc', 'Abc', '', ' ', 'NaN', 'Infinity',
  '\u{1F600}', '\uE000', 'ü', '9', undefined, undefined, '10', 'abc',
];

function job(i: number): JobRecord {
  const name = `job-${String(i).padStart(3, '0')}`;
  const eta = etas[i % etas.length];
  const hyper = i % 13 === 12 ? undefined : { ...(eta === undefined ? {} : { eta }), depth: String(i % 4) };
  const metrics = i % 5 === 4 ? {} : { 'validation:auc': { value: (i * 7) % 11 / 10, time: 1_700_000_000 + i } };
  return {
    id: `training-job/${name}`, kind: 'training-job', name, arn: `arn:loam:sagemaker:us-east-1:000000000000:training-job/${name}`,
    status: ['Completed', 'Failed', 'Stopped'][i % 3], secondaryStatus: 'Completed', phase: 'done', creationTime: 1_700_000_000 + i, lastModifiedTime: 1_700_000_100 + (i % 3),
    request: {
      TrainingJobName: name, RoleArn: 'arn:aws:iam::000000000000:role/t', AlgorithmSpecification: { TrainingImage: `img-${i % 4}`, TrainingInputMode: 'File' }, ...(hyper ? { HyperParameters: hyper } : {}), OutputDataConfig: { S3OutputPath: `s3://b/o${i % 6}/` },
      ...(i % 7 === 6 ? {} : { InputDataConfig: [{ ChannelName: i % 2 ? 'train' : 'test', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://b/data-${i % 11}/` } } }] }), ResourceConfig: { InstanceType: 'ml.m5.xlarge', InstanceCount: 1, VolumeSizeInGB: 10 }, StoppingCondition: { MaxRuntimeInSeconds: 60 } },
    spec: { channels: [], outputs: [] }, transitions: [], finalMetrics: metrics, metricSeries: {}, attempts: 1, maxAttempts: 1, eventSeq: {}, exits: {},
    // An image's failure file may hold NUL, and cutting it to 1024 code units may leave half an emoji.
    ...(i === 7 ? { failureReason: 'AlgorithmError: \u0000 then cut \ud83d' } : {}),
  } as unknown as JobRecord;
}

/**
 * The store, counting the values reads and listings Search asks of it (every call goes to the store), and the
 * longest row a values read returned (its values as JSON) and the most rows one returned.
 */
function counting(store: MetadataStore): { store: MetadataStore; calls: { values: number; list: number }; widest: { row: number; rows: number } } {
  const calls = { values: 0, list: 0 };
  const widest = { row: 0, rows: 0 };
  const bound = (t: object, k: string | symbol) => {
    const v = Reflect.get(t, k, t) as unknown;
    return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
  };
  const wrapped = new Proxy(store, {
    get: (t, k) => (k !== 'collection' ? bound(t, k) : (spec: Parameters<MetadataStore['collection']>[0]) => new Proxy(t.collection(spec), {
      get: (c, m) => {
        if (m === 'values' || m === 'list') calls[m]++;
        if (m !== 'values') return bound(c, m);
        return async (query: Parameters<typeof c.values>[0]) => {
          const rows = await c.values(query);
          for (const r of rows) widest.row = Math.max(widest.row, JSON.stringify(r.values).length);
          widest.rows = Math.max(widest.rows, rows.length);
          return rows;
        };
      },
    })),
  });
  return { store: wrapped, calls, widest };
}

/** A job with 100 hyperparameters of 2,500 characters (SageMaker's limits): eta, keys with a dot, a quote, U+0000, a lone surrogate, and 95 fillers; some jobs lack some. */
function bigJob(i: number): JobRecord {
  const base = job(i) as unknown as { request: Record<string, unknown> };
  const name = `big-${String(i).padStart(3, '0')}`;
  const wide = (k: string) => `${k}:${String(i).padStart(3, '0')}`.padEnd(2_500, 'x');
  const entries: [string, string][] = [
    ...(i % 6 === 5 ? [] : [['eta', String((i * 37) % 17 / 4)] as [string, string]]),
    ...(i % 4 === 3 ? [] : [['a.b', String(i % 5)] as [string, string]]),
    ...(i % 3 === 2 ? [] : [['q"uote ü😀', String(i % 7)] as [string, string]]),
    ['\ud800lone', String(i % 2)],
    ['nul\u0000', String(i % 3)],
    ...Array.from({ length: 95 }, (_, k) => [`p${k}`, wide(`p${k}`)] as [string, string]),
  ];
  return {
    ...base, id: `training-job/${name}`, name, arn: `arn:loam:sagemaker:us-east-1:000000000000:training-job/${name}`,
    request: { ...base.request, TrainingJobName: name, HyperParameters: Object.fromEntries(entries) },
  } as unknown as JobRecord;
}

describe.each(Object.keys(backends))('Search of training jobs sorted by a hyperparameter or metric on %s', (backend) => {
  it('reads the members it sorts and filters on alone and answers the same pages, in the same order, as reading every job', async () => {
    const store = await (backends[backend] as () => Promise<MetadataStore>)();
    opened.push(store);
    for (let i = 0; i < 60; i++) await store.collection(jobsCollection).insert(job(i));
    const sources = searchSources({ describeTuningJob: () => Promise.reject(new Error('no tuning jobs here')) });
    const seen = counting(store);
    // bob may not describe every fourth job from job-001: 15 of the 60.
    const authorize: ActionAuthorizer = async (p, _action, arn) => {
      if (p.userName === 'bob' && Number(arn.slice(-3)) % 4 === 1) throw new AccessDeniedError(`bob may not describe ${arn}`);
    };
    const withValues = new SearchService({ store: seen.store, sources, authorize });
    // The same sources without the values read: Search reads and sorts every job's full record (the old path).
    const everyRecord = new SearchService({ store, sources: sources.map(({ storedMembers: _, ...s }) => s as SearchSource), scanPageSize: 7, authorize });
    const pages = async (search: SearchService, input: Record<string, unknown>, as = ctx) => {
      const out: string[][] = [];
      const totals: unknown[] = [];
      let token: string | undefined;
      do {
        const r = await search.Search({ Resource: 'TrainingJob', MaxResults: 7, ...input, ...(token ? { NextToken: token } : {}) }, as);
        out.push(r.Results.map((x) => x.TrainingJob?.TrainingJobName as string));
        totals.push(r.TotalHits);
        token = r.NextToken;
      } while (token);
      return { out, totals };
    };
    for (const SortBy of ['HyperParameters.eta', 'HyperParameters.depth', 'HyperParameters.missing', 'Metrics.validation:auc']) {
      for (const SortOrder of ['Ascending', 'Descending']) {
        seen.calls.values = seen.calls.list = 0;
        const fast = await pages(withValues, { SortBy, SortOrder });
        // The values path was taken: no job listed whole.
        expect(seen.calls, `${SortBy} ${SortOrder}`).toEqual({ values: fast.out.length, list: 0 });
        expect(fast, `${SortBy} ${SortOrder}`).toEqual(await pages(everyRecord, { SortBy, SortOrder }));
        expect(fast.out.flat().sort()).toEqual(Array.from({ length: 60 }, (_, i) => job(i).name));
      }
    }
    const expressions: [string, Record<string, unknown>][] = [
      ['HyperParameters.eta', { Filters: [{ Name: 'HyperParameters.eta', Operator: 'GreaterThan', Value: '0.4' }] }],
      ['Metrics.validation:auc', { Filters: [{ Name: 'HyperParameters.eta', Operator: 'Contains', Value: 'b' }, { Name: 'TrainingJobStatus', Value: 'Failed' }] }],
      ['TrainingJobStatus', { Filters: [{ Name: 'Metrics.validation:auc', Operator: 'LessThan', Value: '0.5' }] }],
      ['HyperParameters.depth', { Operator: 'Or', Filters: [{ Name: 'HyperParameters.eta', Operator: 'NotExists' }, { Name: 'TrainingJobName', Operator: 'Contains', Value: '-01' }] }],
      // Members of the request, as the job's Describe copies them.
      ['AlgorithmSpecification.TrainingImage', { Filters: [{ Name: 'InputDataConfig.ChannelName', Operator: 'Equals', Value: 'train' }, { Name: 'RoleArn', Operator: 'Contains', Value: 'role/t' }] }],
      ['OutputDataConfig.S3OutputPath', { Filters: [{ Name: 'InputDataConfig.DataSource.S3DataSource.S3Uri', Operator: 'Contains', Value: 'data-1' }] }],
    ];
    for (const [SortBy, SearchExpression] of expressions) {
      seen.calls.values = seen.calls.list = 0;
      const fast = await pages(withValues, { SortBy, SearchExpression, SortOrder: 'Ascending' });
      expect(seen.calls.list).toBe(0);
      expect(seen.calls.values).toBe(fast.out.length);
      expect(fast, `${SortBy} ${JSON.stringify(SearchExpression)}`).toEqual(await pages(everyRecord, { SortBy, SearchExpression, SortOrder: 'Ascending' }));
      expect(fast.out.flat().length).toBeGreaterThan(1);
    }
    // A caller finds only the jobs it may describe, and TotalHits counts only those.
    const bob: RequestContext = { ...ctx, principal: { ...ctx.principal, userName: 'bob', userId: 'id-bob', arn: 'arn:loam:iam::000000000000:user/bob' } };
    for (const SortBy of ['HyperParameters.eta', 'Metrics.validation:auc']) {
      seen.calls.values = seen.calls.list = 0;
      const fast = await pages(withValues, { SortBy }, bob);
      expect(seen.calls.list).toBe(0);
      expect(fast, `bob ${SortBy}`).toEqual(await pages(everyRecord, { SortBy }, bob));
      expect(fast.totals.every((t) => JSON.stringify(t) === JSON.stringify({ Value: 45, Relation: 'EqualTo' }))).toBe(true);
      expect(fast.out.flat().sort()).toEqual(Array.from({ length: 60 }, (_, i) => job(i).name).filter((_, i) => i % 4 !== 1));
    }
    // Hand-computed: numbers by value ('0' and '-0' equal, so by name; '1e1' and '10.0' among the 10s), then text
    // by code point ('1e999' and '0x10' are text), then jobs without eta.
    const eta = async (SortOrder: 'Ascending' | 'Descending', MaxResults: number) => (await withValues.Search({ Resource: 'TrainingJob', SortBy: 'HyperParameters.eta', SortOrder, MaxResults }, ctx)).Results.map((x) => `${x.TrainingJob?.TrainingJobName}=${(x.TrainingJob?.HyperParameters as Record<string, string> | undefined)?.['eta']}`);
    expect(await eta('Ascending', 9)).toEqual(['job-005=-3', 'job-032=-3', 'job-059=-3', 'job-008=0', 'job-009=-0', 'job-035=0', 'job-036=-0', 'job-006=.5', 'job-033=.5']);
    // By code point, as SQL orders text, U+1F600 comes after U+E000 (by UTF-16 code unit its surrogates came before).
    expect(await eta('Descending', 4)).toEqual(['job-046=\u{1F600}', 'job-019=\u{1F600}', 'job-047=\uE000', 'job-020=\uE000']);
  });

  it('reads only the hyperparameters it sorts and filters on, not every job\'s whole map, and answers as reading every job', async () => {
    const store = await (backends[backend] as () => Promise<MetadataStore>)();
    opened.push(store);
    for (let i = 0; i < 40; i++) await store.collection(jobsCollection).insert(bigJob(i));
    // Small jobs besides, so that a values read of every job would take more than 200.
    for (let i = 0; i < 170; i++) {
      const j = job(i) as unknown as { request: Record<string, unknown> };
      const name = `small-${String(i).padStart(3, '0')}`;
      await store.collection(jobsCollection).insert({ ...j, id: `training-job/${name}`, name, arn: `arn:loam:sagemaker:us-east-1:000000000000:training-job/${name}`, request: { ...j.request, TrainingJobName: name } } as unknown as JobRecord);
    }
    const sources = searchSources({ describeTuningJob: () => Promise.reject(new Error('no tuning jobs here')) });
    const seen = counting(store);
    const withValues = new SearchService({ store: seen.store, sources });
    const everyRecord = new SearchService({ store, sources: sources.map(({ storedMembers: _, ...s }) => s as SearchSource), scanPageSize: 7 });
    // Only these jobs (the store may hold the other test's).
    const pages = async (search: SearchService, { SearchExpression, ...input }: Record<string, unknown>) => {
      const out: string[][] = [];
      let token: string | undefined;
      const big = { Filters: [{ Name: 'TrainingJobName', Operator: 'Contains' as const, Value: 'big-' }], ...(SearchExpression ? { SubExpressions: [SearchExpression] } : {}) };
      do {
        const r = await search.Search({ Resource: 'TrainingJob', MaxResults: 6, ...input, SearchExpression: big, ...(token ? { NextToken: token } : {}) }, ctx);
        out.push(r.Results.map((x) => `${x.TrainingJob?.TrainingJobName as string} ${JSON.stringify(r.TotalHits)}`));
        token = r.NextToken;
      } while (token);
      return out;
    };
    const searches: Record<string, unknown>[] = [
      { SortBy: 'HyperParameters.eta', SortOrder: 'Ascending' },
      { SortBy: 'HyperParameters.eta', SortOrder: 'Descending', SearchExpression: { Filters: [{ Name: 'HyperParameters.a.b', Operator: 'In', Value: '1,3' }] } },
      { SortBy: 'HyperParameters.q"uote ü😀', SearchExpression: { Operator: 'Or', Filters: [{ Name: 'HyperParameters.eta', Operator: 'NotExists' }, { Name: 'HyperParameters.a.b', Operator: 'GreaterThan', Value: '2' }] } },
      { SortBy: 'Metrics.validation:auc', SearchExpression: { Filters: [{ Name: 'HyperParameters.q"uote ü😀', Operator: 'Exists' }, { Name: 'HyperParameters.missing', Operator: 'NotExists' }] } },
    ];
    for (const input of searches) {
      seen.calls.values = seen.calls.list = seen.widest.row = 0;
      const fast = await pages(withValues, input);
      expect(seen.calls.list, JSON.stringify(input)).toBe(0);
      // An ARN and at most four short values per job; the whole map would be ~245,000 characters.
      expect(seen.widest.row, JSON.stringify(input)).toBeLessThan(500);
      expect(fast, JSON.stringify(input)).toEqual(await pages(everyRecord, input));
      expect(fast.flat().length).toBeGreaterThan(3);
    }
    // A filter on the whole map, or on a key PostgreSQL cannot be given as a path, reads the whole map, 200 jobs
    // a read: the same answer still.
    for (const Name of ['HyperParameters', 'HyperParameters.\ud800lone', 'HyperParameters.nul\u0000']) {
      const input = { SortBy: 'HyperParameters.eta', SearchExpression: { Filters: [{ Name, Operator: 'Exists' }] } };
      seen.calls.values = seen.calls.list = seen.widest.row = seen.widest.rows = 0;
      const fast = await pages(withValues, input);
      expect(seen.calls.list).toBe(0);
      expect(seen.widest.row, Name).toBeGreaterThan(95 * 2_500);
      // No more jobs at once than the 200 records a page of the scan reading every job holds.
      expect(seen.widest.rows, Name).toBe(200);
      expect(fast, Name).toEqual(await pages(everyRecord, input));
      expect(fast.flat()).toHaveLength(40);
    }
  });
});

// The values path reads the jobs' values, then its page's records: a job changed or deleted in between must not be
// shown with values the search did not match, out of its order, or leave the page short without a NextToken.
const raceBackends: Record<string, () => Promise<MetadataStore>> = {
  memory: async () => createMemoryMetadataStore({ collections: [jobsCollection] }),
  SQLite: () => openSqlMetadataStore({ url: `sqlite:${join(dir, 'race.db')}`, collections: [jobsCollection] }),
  PostgreSQL: () => openSqlMetadataStore({ url: testPostgresUrl, schema: racePgSchema, collections: [jobsCollection] }),
};

/** The store, running `change` (on the store itself) before the first `times` of its collections' `get`s. */
function changingBeforeGet(store: MetadataStore, change: (s: MetadataStore) => Promise<void>, times = 1): MetadataStore {
  let left = times;
  const bound = (t: object, k: string | symbol) => {
    const v = Reflect.get(t, k, t) as unknown;
    return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
  };
  return new Proxy(store, {
    get: (t, k) => (k !== 'collection' ? bound(t, k) : (spec: Parameters<MetadataStore['collection']>[0]) => new Proxy(t.collection(spec), {
      get: (c, m) => (m !== 'get' ? bound(c, m) : async (key: string) => {
        if (left-- > 0) await change(store);
        return c.get(key);
      }),
    })),
  });
}

describe.each(Object.keys(raceBackends))('Search by stored values while jobs change, on %s', (backend) => {
  it('shows only jobs matching as shown, in their order, and a full page with NextToken, when a page job changes or goes between the values read and the records read', async () => {
    const store = await (raceBackends[backend] as () => Promise<MetadataStore>)();
    opened.push(store);
    const jobs = store.collection(jobsCollection);
    const sources = searchSources({ describeTuningJob: () => Promise.reject(new Error('no tuning jobs here')) });
    const setEta = (name: string, eta: string | (() => string)) => async (s: MetadataStore) => {
      const r = (await s.collection(jobsCollection).get(`training-job/${name}`)) as NonNullable<Awaited<ReturnType<typeof jobs.get>>>;
      const request = r.value.request as unknown as Record<string, unknown>;
      await s.collection(jobsCollection).update(r.value.id, r.version, { ...r.value, request: { ...request, HyperParameters: { eta: typeof eta === 'string' ? eta : eta() } } } as unknown as JobRecord);
    };
    const scenarios: [string, (prefix: string) => (s: MetadataStore) => Promise<void>, string[][], number][] = [
      // job 9 no longer matches eta > 2: it was shown with eta 0.
      ['unmatched', (x) => setEta(`${x}-9`, '0'), [['8=8', '7=7', '6=6'], ['5=5', '4=4', '3=3']], 1],
      // job 8 moves after job 7: it was shown before it with 6.5.
      ['moved', (x) => setEta(`${x}-8`, '6.5'), [['9=9', '7=7', '8=6.5'], ['6=6', '5=5', '4=4'], ['3=3']], 1],
      // job 7 deleted: the page held two, with no NextToken.
      ['deleted', (x) => async (s) => void (await s.collection(jobsCollection).delete(`training-job/${x}-7`)), [['9=9', '8=8', '6=6'], ['5=5', '4=4', '3=3']], 1],
      // job 9 changes before every record read: after three reads of the values, every record is read and matched as read.
      ['churning', (x) => {
        let n = 0;
        return setEta(`${x}-9`, () => `9.${++n}`);
      }, [['9=9.3', '8=8', '7=7'], ['6=6', '5=5', '4=4'], ['3=3']], Infinity],
    ];
    for (const [scenario, change, expected, times] of scenarios) {
      const prefix = `${scenario}-${backend.toLowerCase()}`;
      for (let i = 0; i < 10; i++) {
        const j = job(i) as unknown as { request: Record<string, unknown> };
        const name = `${prefix}-${i}`;
        await jobs.insert({ ...j, id: `training-job/${name}`, name, arn: `arn:loam:sagemaker:us-east-1:000000000000:training-job/${name}`, request: { ...j.request, TrainingJobName: name, HyperParameters: { eta: String(i) } } } as unknown as JobRecord);
      }
      const search = new SearchService({ store: changingBeforeGet(store, change(prefix), times), sources });
      const SearchExpression = { Filters: [{ Name: 'TrainingJobName', Operator: 'Contains' as const, Value: `${prefix}-` }, { Name: 'HyperParameters.eta', Operator: 'GreaterThan' as const, Value: '2' }] };
      const out: string[][] = [];
      let token: string | undefined;
      do {
        const r = await search.Search({ Resource: 'TrainingJob', SortBy: 'HyperParameters.eta', MaxResults: 3, SearchExpression, ...(token ? { NextToken: token } : {}) }, ctx);
        out.push(r.Results.map((x) => `${(x.TrainingJob?.TrainingJobName as string).slice(prefix.length + 1)}=${(x.TrainingJob?.HyperParameters as Record<string, string>)['eta']}`));
        token = r.NextToken;
      } while (token);
      expect(out, scenario).toEqual(expected);
    }
  });
});
