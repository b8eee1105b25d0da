import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock, SageMakerExperimentsService, TrackingAccess, TrackingArtifacts, TrackingService, TrialComponentsService, TrialsService, type ActionAuthorizer, type ExperimentStore, type RequestContext } from '@loam/core';
import { MemoryArtifactStore } from '@loam/testkit/fakes/memory-artifact-store';
import { MemoryExperimentStore } from '@loam/testkit/fakes/memory-experiment-store';
import { adminQuery, testPostgresUrl, useFreshPostgresSchema } from '../postgres-test-schema.js';
import { openSqlExperimentStore } from './open-sql-experiment-store.js';

/*
 * ListTrials, ListExperiments and MLflow's search_experiments and search_runs paged by an offset (MLflow's own scheme): a trial or
 * experiment deleted from a page already read moved every later one a place up, so the next page began one row late
 * and a live one was never listed. Their tokens are now the last row's position (keyset-page-token.ts), as
 * ListTrialComponents' is: a keyset read of the store (experiments:0012 indexes trials by time), checked on each store.
 */
const partition = { region: 'us-east-1', accountId: '123456789012' };
const allow: ActionAuthorizer = async () => {};
const ctx: RequestContext = { principal: { kind: 'user', name: 'alice', arn: 'arn:loam:iam::123456789012:user/alice' }, requestId: 'test' } as unknown as RequestContext;

function pagingTests(backend: string, open: () => Promise<ExperimentStore>): void {
  describe(`ListTrials, ListExperiments and search_experiments paging (${backend})`, () => {
    const stores: ExperimentStore[] = [];
    afterAll(async () => {
      for (const s of stores) await s.close();
    });
    const setup = async (experiment: string) => {
      const store = await open();
      stores.push(store);
      const clock = new ManualClock(1_700_000_000_000);
      const trials = new TrialsService(new TrackingService({ store, clock, artifacts: new TrackingArtifacts(new MemoryArtifactStore(clock)) }), allow, partition);
      const exp = await store.createExperiment({ name: experiment, artifactRoot: 'r:', tags: [], time: 1 });
      // t1..t6, created in pairs of one millisecond (ties are ordered by name).
      for (let i = 1; i <= 6; i++) await store.createTrial({ name: `${experiment}-t${i}`, experimentId: exp, creationTime: 1000 + Math.floor((i - 1) / 2), lastModifiedTime: 1 });
      const list = async (q: Partial<Parameters<TrialsService['ListTrials']>[0]>) => {
        const r = await trials.ListTrials({ ExperimentName: experiment, MaxResults: 2, ...q }, ctx);
        return { names: r.TrialSummaries.map((s) => (s.TrialName as string).slice(experiment.length + 1)), next: r.NextToken };
      };
      return { trials, list, name: (t: string) => `${experiment}-${t}` };
    };

    it('a trial deleted from a page read moves no live trial past the next page, by Name and by CreationTime', async () => {
      const { trials, list, name } = await setup('paging');
      const byName = await list({ SortBy: 'Name', SortOrder: 'Ascending' });
      expect(byName.names).toEqual(['t1', 't2']);
      await trials.DeleteTrial({ TrialName: name('t1') }, ctx);
      const second = await list({ SortBy: 'Name', SortOrder: 'Ascending', NextToken: byName.next as string });
      expect(second.names).toEqual(['t3', 't4']);
      expect((await list({ SortBy: 'Name', SortOrder: 'Ascending', NextToken: second.next as string }))).toEqual({ names: ['t5', 't6'], next: undefined });

      // By CreationTime, Descending (the default): t6, t5, then t4, t3 whatever was deleted from the first page.
      const byTime = await list({});
      expect(byTime.names).toEqual(['t6', 't5']);
      await trials.DeleteTrial({ TrialName: name('t6') }, ctx);
      const next = await list({ NextToken: byTime.next as string });
      expect(next.names).toEqual(['t4', 't3']);
      expect(await list({ NextToken: next.next as string })).toEqual({ names: ['t2'], next: undefined });
    });

    it("serves an earlier version's offset token once; refuses any other token naming NextToken, {} included", async () => {
      const { list } = await setup('tokens');
      const old = await list({ SortBy: 'Name', SortOrder: 'Ascending', NextToken: Buffer.from(JSON.stringify({ offset: 2 })).toString('base64') });
      expect(old.names).toEqual(['t3', 't4']);
      expect((await list({ SortBy: 'Name', SortOrder: 'Ascending', NextToken: old.next as string })).names).toEqual(['t5', 't6']);
      const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64');
      for (const NextToken of ['not-a-token', b64({}), b64([]), b64('x'), b64({ order: 'name:asc' }), b64({ order: 'bogus', after: { name: 'x' } }), b64({ offset: -1 })]) {
        await expect(list({ SortBy: 'Name', SortOrder: 'Ascending', NextToken }), NextToken).rejects.toMatchObject({
          code: 'ValidationException', message: expect.stringMatching(/^NextToken '.*' is not a token ListTrials issued: pass the NextToken of the previous page unchanged/), fields: [{ path: '/NextToken' }],
        });
      }
      // A token of the other order is one, issued for another: said so.
      await expect(list({ NextToken: old.next as string })).rejects.toMatchObject({ code: 'ValidationException', message: expect.stringContaining('was issued for another SortBy or SortOrder'), fields: [{ path: '/NextToken' }] });
    });

    it('ListTrialComponents refuses {} as a token it did not issue (it was told it was of another SortBy)', async () => {
      const store = await open();
      stores.push(store);
      const clock = new ManualClock(1_700_000_000_000);
      const components = new TrialComponentsService(new TrackingService({ store, clock, artifacts: new TrackingArtifacts(new MemoryArtifactStore(clock)) }), allow, partition);
      await expect(components.ListTrialComponents({ NextToken: Buffer.from('{}').toString('base64') }, ctx)).rejects.toMatchObject({
        code: 'ValidationException', message: expect.stringMatching(/^NextToken 'e30=' is not a token ListTrialComponents issued: /), fields: [{ path: '/NextToken' }],
      });
    });
  });
}

function experimentPagingTests(backend: string, open: () => Promise<ExperimentStore>): void {
  describe(`ListExperiments and search_experiments paging (${backend})`, () => {
    const stores: ExperimentStore[] = [];
    afterAll(async () => {
      for (const s of stores) await s.close();
    });
    // A store per test and attempt (a schema of its own on PostgreSQL): each lists every experiment it holds.
    const setup = async () => {
      const store = await open();
      stores.push(store);
      const clock = new ManualClock(1_700_000_000_000);
      const t = new TrackingService({ store, clock, artifacts: new TrackingArtifacts(new MemoryArtifactStore(clock)) });
      const experiments = new SageMakerExperimentsService(t, new TrackingAccess(t, allow, partition), allow, partition);
      await t.init();
      // e1..e6 created in pairs of one millisecond, long before the Default experiment (left out by CreatedBefore).
      for (let i = 1; i <= 6; i++) await store.createExperiment({ name: `e${i}`, artifactRoot: 'r:', tags: [], time: 1000 + Math.floor((i - 1) / 2) });
      const list = async (q: Partial<Parameters<SageMakerExperimentsService['ListExperiments']>[0]>) => {
        const r = await experiments.ListExperiments({ CreatedBefore: 100, MaxResults: 2, ...q }, ctx);
        return { names: r.ExperimentSummaries.map((s) => s.ExperimentName), next: r.NextToken };
      };
      const search = async (orderBy: string[], pageToken?: string) => {
        const r = await t.searchExperiments({ filter: "name LIKE 'e%'", orderBy, maxResults: 2, ...(pageToken === undefined ? {} : { pageToken }) });
        return { names: r.experiments.map((e) => e.name), next: r.nextPageToken };
      };
      return { experiments, t, list, search };
    };

    it('ListExperiments: an experiment deleted from a page read moves no live one past the next page, by Name and by CreationTime', async () => {
      const { experiments, list } = await setup();
      const byName = await list({ SortBy: 'Name', SortOrder: 'Ascending' });
      expect(byName.names).toEqual(['e1', 'e2']);
      await experiments.DeleteExperiment({ ExperimentName: 'e1' }, ctx);
      const second = await list({ SortBy: 'Name', SortOrder: 'Ascending', NextToken: byName.next as string });
      expect(second.names).toEqual(['e3', 'e4']);
      expect(await list({ SortBy: 'Name', SortOrder: 'Ascending', NextToken: second.next as string })).toEqual({ names: ['e5', 'e6'], next: undefined });
      // By CreationTime, Descending (the default); ties by id: e5, e6, then e3, e4 whatever was deleted.
      const byTime = await list({});
      expect(byTime.names).toEqual(['e5', 'e6']);
      await experiments.DeleteExperiment({ ExperimentName: 'e6' }, ctx);
      const next = await list({ NextToken: byTime.next as string });
      expect(next.names).toEqual(['e3', 'e4']);
      expect(await list({ NextToken: next.next as string })).toEqual({ names: ['e2'], next: undefined });
    });

    it('search_experiments: a deleted experiment moves none past the next page, by any order_by; MLflow\'s offset tokens still served', async () => {
      const { t, search } = await setup();
      const first = await search(['creation_time DESC', 'name DESC']);
      expect(first.names).toEqual(['e6', 'e5']);
      await t.deleteExperiment((await t.getExperimentByName('e5')).experimentId);
      const second = await search(['creation_time DESC', 'name DESC'], first.next);
      expect(second.names).toEqual(['e4', 'e3']);
      expect(await search(['creation_time DESC', 'name DESC'], second.next)).toEqual({ names: ['e2', 'e1'], next: undefined });
      // MLflow's own token (an offset) is served once; the token answered is a position.
      const old = await search(['name ASC'], Buffer.from(JSON.stringify({ offset: 2 })).toString('base64'));
      expect(old.names).toEqual(['e3', 'e4']);
      expect((await search(['name ASC'], old.next)).names).toEqual(['e6']);
    });

    it('refuses tokens it did not issue, {} included: ListExperiments naming NextToken, search_experiments page_token', async () => {
      const { list, search } = await setup();
      const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64');
      const issued = (await list({ SortBy: 'Name', SortOrder: 'Ascending' })).next as string;
      for (const NextToken of ['not-a-token', b64({}), b64([1]), b64({ order: 'name:asc' }), b64({ order: 'name:asc', after: ['e1'] }), b64({ order: 'bogus', after: ['e1', 1] })]) {
        await expect(list({ SortBy: 'Name', SortOrder: 'Ascending', NextToken }), NextToken).rejects.toMatchObject({
          code: 'ValidationException', message: expect.stringMatching(/^NextToken '.*' is not a token ListExperiments issued: pass the NextToken of the previous page unchanged/), fields: [{ path: '/NextToken' }],
        });
        await expect(search(['name ASC'], NextToken), NextToken).rejects.toMatchObject({ code: 'ValidationException', message: expect.stringMatching(/^Invalid page token '.*': it is not a token this search issued/), fields: [{ path: '/page_token' }] });
      }
      await expect(list({ NextToken: issued })).rejects.toMatchObject({ code: 'ValidationException', message: expect.stringContaining('was issued for another SortBy or SortOrder'), fields: [{ path: '/NextToken' }] });
      await expect(search(['name DESC'], issued)).rejects.toMatchObject({ message: expect.stringContaining('it was issued for another order_by'), fields: [{ path: '/page_token' }] });
    });
  });
}

function runPagingTests(backend: string, open: () => Promise<ExperimentStore>): void {
  describe(`search_runs paging (${backend})`, () => {
    // A store per test (and attempt: a retry meets none of the failed attempt's names).
    const stores: ExperimentStore[] = [];
    afterAll(async () => {
      for (const s of stores) await s.close();
    });
    const fresh = async () => {
      const s = await open();
      stores.push(s);
      return s;
    };
    // Runs with a latest loss of a number, ±Infinity, NaN or none; a param and a tag on some; start times with ties.
    const made: [string, number, number | undefined, string | undefined][] = [
      ['r1', 5000, 0.5, 'b'], ['r2', 5000, 0.5, undefined], ['r3', 4000, NaN, 'a'], ['r4', 4000, Infinity, 'b'],
      ['r5', 3000, -Infinity, undefined], ['r6', 3000, undefined, 'a'], ['r7', 2000, 0.1, 'c'], ['r8', 2000, undefined, undefined],
    ];
    const orders: string[][] = [[], ['metrics.loss ASC'], ['metrics.loss DESC'], ['params.p DESC', 'attributes.run_name ASC'], ['tags.t ASC'], ['attributes.end_time ASC'], ['attributes.status DESC', 'metrics.loss ASC']];
    for (const [n, orderBy] of orders.entries()) {
      it(`order_by ${JSON.stringify(orderBy)}: every run once, page by page, a run deleted from a page read skipping none`, async () => {
        const store = await fresh();
        const clock = new ManualClock(1_700_000_000_000);
        const t = new TrackingService({ store, clock, artifacts: new TrackingArtifacts(new MemoryArtifactStore(clock)) });
        const exp = await t.createExperiment({ name: `runs-${n}`, tags: [] });
        const ids = new Map<string, string>();
        for (const [name, startTime, loss, p] of made) {
          const run = await t.createRun({ experimentId: exp, runName: name, startTime, userId: 'alice' }, ctx.principal);
          ids.set(run.info.runId, name);
          await store.logBatch(run.info.runId, {
            ...(loss === undefined ? {} : { metrics: [{ key: 'loss', value: loss, timestamp: 1, step: 0 }] }),
            ...(p === undefined ? {} : { params: [{ key: 'p', value: p }] }), ...(p === undefined ? {} : { tags: [{ key: 't', value: p }] }),
          });
          if (name === 'r4' || name === 'r7') await store.updateRunInfo(run.info.runId, { status: 'FINISHED', endTime: startTime + (name === 'r4' ? 10 : 5) });
        }
        const search = async (pageToken?: string) => {
          const r = await t.searchRuns({ experimentIds: [exp], orderBy, maxResults: 2, ...(pageToken === undefined ? {} : { pageToken }) });
          return { names: r.runs.map((x) => ids.get(x.info.runId) as string), runIds: r.runs.map((x) => x.info.runId), next: r.nextPageToken };
        };
        const all = (await t.searchRuns({ experimentIds: [exp], orderBy, maxResults: 100 })).runs.map((x) => ids.get(x.info.runId) as string);
        expect([...all].sort()).toEqual(made.map((m) => m[0]));
        const first = await search();
        await t.deleteRun(first.runIds[0]);
        const walked = [...first.names];
        for (let token = first.next; token !== undefined;) {
          const page = await search(token);
          walked.push(...page.names);
          token = page.next;
        }
        expect(walked).toEqual(all);
        // One run a page: every run (±Infinity, NaN and none among them) is once a token's position.
        const one: string[] = [];
        for (let token: string | undefined, more = true; more;) {
          const r = await t.searchRuns({ experimentIds: [exp], orderBy, maxResults: 1, ...(token === undefined ? {} : { pageToken: token }) });
          one.push(...r.runs.map((x) => ids.get(x.info.runId) as string));
          token = r.nextPageToken;
          more = token !== undefined && one.length <= made.length;
        }
        expect(one).toEqual(all.filter((name) => name !== first.names[0]));
      });
    }

    it("serves MLflow's offset tokens; refuses {} and a token of another order_by naming page_token", async () => {
      const store = await fresh();
      const clock = new ManualClock(1_700_000_000_000);
      const t = new TrackingService({ store, clock, artifacts: new TrackingArtifacts(new MemoryArtifactStore(clock)) });
      const exp = await t.createExperiment({ name: 'runs-tokens', tags: [] });
      for (const name of ['a', 'b', 'c']) await t.createRun({ experimentId: exp, runName: name, startTime: 1000, userId: 'alice' }, ctx.principal);
      const search = (orderBy: string[], pageToken: string) => t.searchRuns({ experimentIds: [exp], orderBy, maxResults: 1, pageToken });
      const old = await search(['attributes.run_name ASC'], Buffer.from('{"offset": 1}').toString('base64'));
      expect(old.runs.map((r) => r.info.runName)).toEqual(['b']);
      expect((await search(['attributes.run_name ASC'], old.nextPageToken as string)).runs.map((r) => r.info.runName)).toEqual(['c']);
      await expect(search([], Buffer.from('{}').toString('base64'))).rejects.toMatchObject({ code: 'ValidationException', message: expect.stringContaining('it is not a token this search issued'), fields: [{ path: '/page_token' }] });
      await expect(search(['attributes.run_name DESC'], old.nextPageToken as string)).rejects.toMatchObject({ message: expect.stringContaining('it was issued for another order_by'), fields: [{ path: '/page_token' }] });
      // A token edited to hold a start or end time that is no whole millisecond (the columns are integers: PostgreSQL's
      // bigint refused '1.5' and '1e+300' with a database error) is not one a search issued.
      const byTimes = ['attributes.end_time ASC', 'attributes.start_time DESC'];
      const issued = JSON.parse(Buffer.from((await t.searchRuns({ experimentIds: [exp], orderBy: byTimes, maxResults: 1 })).nextPageToken as string, 'base64').toString('utf8')) as { after: { values: unknown[] } };
      for (const v of [1.5, 1e300]) {
        const edited = Buffer.from(JSON.stringify({ ...issued, after: { ...issued.after, values: [['v', v], ['v', 1000]] } })).toString('base64');
        await expect(search(byTimes, edited), String(v)).rejects.toMatchObject({ code: 'ValidationException', message: expect.stringContaining('it is not a token this search issued'), fields: [{ path: '/page_token' }] });
      }
    });
  });
}

// Every store opened on PostgreSQL is a schema of its own (a test's retry included), dropped at the end.
useFreshPostgresSchema();
const pgSchemas: string[] = [];
afterAll(async () => {
  for (const schema of pgSchemas) await adminQuery(`drop schema if exists ${schema} cascade`);
});
const openPostgres = () => {
  const schema = `loam_test_${randomBytes(6).toString('hex')}`;
  pgSchemas.push(schema);
  return openSqlExperimentStore({ url: testPostgresUrl, schema });
};
for (const [backend, open] of [
  ['in-memory fake', async () => new MemoryExperimentStore()],
  ['SQLite', () => openSqlExperimentStore({ url: 'sqlite::memory:' })],
  ['PostgreSQL', openPostgres],
] as const) {
  pagingTests(backend, open);
  experimentPagingTests(backend, open);
  runPagingTests(backend, open);
}
