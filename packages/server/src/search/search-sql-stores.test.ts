import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalFsArtifactStore, openSqlExperimentStore, openSqlMetadataStore } from '@loam/adapters';
import { adminQuery, testPostgresUrl, useFreshPostgresSchema } from '@loam/adapters/metadata/sql/postgres-test-schema';
import {
  experimentSearchSources, ManualClock, ModelPackageGroupService, modelPackageGroupsCollection, registryCollections, SearchService, searchSources, TrackingArtifacts, TrackingService,
  SageMakerExperimentsService, TrackingAccess, TrialsService, type ExperimentStore, type MetadataStore, type RequestContext,
} from '@loam/core';
import { createMemoryMetadataStore, MemoryExperimentStore } from '@loam/testkit';
import { beforeRetry } from '@loam/testkit/vitest/retry.test-support';

// Search pages through the SQL stores themselves (SQLite file and PostgreSQL): in the store's index order from
// the token's position (CreationTime, equal times included), and sorted by Search for other properties.

const partition = { region: 'us-east-1', accountId: '000000000000' };
const ctx: RequestContext = { principal: { userName: 'admin', userId: 'id-admin', arn: 'arn:loam:iam::000000000000:user/admin', via: 'token' }, requestId: 't' };
const dir = mkdtempSync(join(tmpdir(), 'loam-search-'));
const pgSchema = useFreshPostgresSchema();
const pgExperimentSchema = useFreshPostgresSchema();
const opened: (MetadataStore | ExperimentStore)[] = [];
// A retry meets nothing the failed attempt made (its groups and components by the same names): the stores are
// closed, the SQLite files removed and the PostgreSQL schemas dropped; each test opens its stores anew.
beforeRetry(async () => {
  for (const s of opened.splice(0)) await s.close().catch(() => undefined);
  for (const f of readdirSync(dir)) rmSync(join(dir, f), { recursive: true, force: true });
  for (const schema of [pgSchema, pgExperimentSchema]) await adminQuery(`drop schema if exists ${schema} cascade`);
});
afterAll(async () => {
  for (const s of opened) await s.close().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

const experimentBackends: Record<string, () => Promise<ExperimentStore>> = {
  SQLite: () => openSqlExperimentStore({ url: `sqlite:${join(dir, 'experiments.db')}` }),
  PostgreSQL: () => openSqlExperimentStore({ url: testPostgresUrl, schema: pgExperimentSchema }),
};

const backends: Record<string, () => Promise<MetadataStore>> = {
  SQLite: () => openSqlMetadataStore({ url: `sqlite:${join(dir, 'loam.db')}`, collections: registryCollections }),
  PostgreSQL: () => openSqlMetadataStore({ url: testPostgresUrl, schema: pgSchema, collections: registryCollections }),
};

describe.each(Object.keys(backends))('Search on %s', (backend) => {
  it('pages every group once: by CreationTime with ties (store order) and by description (sorted here), with a tag filter', async () => {
    const store = await (backends[backend] as () => Promise<MetadataStore>)();
    opened.push(store);
    const clock = new ManualClock(1_700_000_000_000);
    const groups = new ModelPackageGroupService({ store, clock, partition });
    // g0–g2 share a creation time; g3, g4 come later. Descriptions run in another order.
    const made: [string, string, string][] = [['g2', 'kilo', 'a'], ['g0', 'lima', 'b'], ['g1', 'juliet', 'a'], ['g3', 'india', 'b'], ['g4', 'mike', 'a']];
    for (const [i, [name, description, team]] of made.entries()) {
      if (i >= 3) clock.advance(1000);
      await groups.CreateModelPackageGroup({ ModelPackageGroupName: name, ModelPackageGroupDescription: description, Tags: [{ Key: 'team', Value: team }] }, ctx);
    }
    const search = new SearchService({ store, sources: searchSources({ describeTuningJob: () => Promise.reject(new Error('no tuning jobs here')) }), scanPageSize: 2 });
    const pages = async (input: Omit<Parameters<SearchService['Search']>[0], 'Resource'>) => {
      const out: string[][] = [];
      let token: string | undefined;
      do {
        const r = await search.Search({ Resource: 'ModelPackageGroup', MaxResults: 2, ...input, ...(token ? { NextToken: token } : {}) }, ctx);
        out.push(r.Results.map((x) => x.ModelPackageGroup?.ModelPackageGroupName as string));
        token = r.NextToken;
      } while (token);
      return out;
    };
    expect(await pages({})).toEqual([['g4', 'g3'], ['g2', 'g1'], ['g0']]);
    expect(await pages({ SortOrder: 'Ascending' })).toEqual([['g0', 'g1'], ['g2', 'g3'], ['g4']]);
    expect(await pages({ SortBy: 'ModelPackageGroupDescription', SortOrder: 'Ascending' })).toEqual([['g3', 'g1'], ['g2', 'g0'], ['g4']]);
    expect(await pages({ SearchExpression: { Filters: [{ Name: 'Tags.team', Value: 'a' }] }, MaxResults: 1 })).toEqual([['g4'], ['g2'], ['g1']]);
  });

  it('pages trial components by CreationTime in the experiment store\'s order, equal times once each whatever order the store gives them', async () => {
    const experiments = await (experimentBackends[backend] as () => Promise<ExperimentStore>)();
    opened.push(experiments);
    const clock = new ManualClock(1_700_000_000_000);
    const tracking = new TrackingService({ store: experiments, clock, artifacts: new TrackingArtifacts(await LocalFsArtifactStore.open({ root: join(dir, `artifacts-${backend}`) })) });
    const allow = async () => {};
    // Names whose case and hyphens a collation may order otherwise than code points; three share a creation time.
    for (const [i, name] of ['b-x', 'B-y', 'a1', 'Ab', 'zz'].entries()) {
      const run = await tracking.createRun({ experimentId: '0', runName: name }, ctx.principal);
      const time = 1_700_000_000_000 + (i < 3 ? 0 : i * 1000);
      await experiments.createTrialComponent({ name: `${backend.toLowerCase()}-${name}`, runId: run.info.runId, numberParams: [], inputArtifacts: {}, outputArtifacts: {}, creationTime: time, lastModifiedTime: time });
    }
    const store = await openSqlMetadataStore({ url: `sqlite:${join(dir, `meta-${backend}.db`)}`, collections: [] });
    opened.push(store);
    const search = new SearchService({ store, sources: experimentSearchSources({ tracking, partition, authorize: allow }) });
    const pages = async (SortOrder: 'Ascending' | 'Descending') => {
      const out: string[] = [];
      let token: string | undefined;
      do {
        const r = await search.Search({ Resource: 'ExperimentTrialComponent', SortBy: 'CreationTime', SortOrder, MaxResults: 1, ...(token ? { NextToken: token } : {}) }, ctx);
        out.push(...r.Results.map((x) => (x.TrialComponent?.TrialComponentName as string).slice(backend.length + 1)));
        token = r.NextToken;
      } while (token);
      return out;
    };
    // Equal times by name in code point order (upper case first), as compareHits orders keys.
    expect(await pages('Ascending')).toEqual(['B-y', 'a1', 'b-x', 'Ab', 'zz']);
    expect(await pages('Descending')).toEqual(['zz', 'Ab', 'b-x', 'a1', 'B-y']);
    // A token edited to a time no component has (a fraction of a millisecond, or beyond any): an answer from there, not a database error.
    const first = await search.Search({ Resource: 'ExperimentTrialComponent', SortBy: 'CreationTime', SortOrder: 'Ascending', MaxResults: 1 }, ctx);
    const parts = JSON.parse(Buffer.from(first.NextToken as string, 'base64url').toString('utf8')) as unknown[];
    const from = async (value: number, SortOrder: 'Ascending' | 'Descending') => {
      const NextToken = Buffer.from(JSON.stringify([value, ...parts.slice(1)])).toString('base64url');
      // The token's search: its fingerprint names the order, so Descending gets a fresh one with the edited value.
      const token = SortOrder === 'Ascending' ? NextToken : await (async () => {
        const d = await search.Search({ Resource: 'ExperimentTrialComponent', SortBy: 'CreationTime', SortOrder, MaxResults: 1 }, ctx);
        const dp = JSON.parse(Buffer.from(d.NextToken as string, 'base64url').toString('utf8')) as unknown[];
        return Buffer.from(JSON.stringify([value, ...dp.slice(1)])).toString('base64url');
      })();
      const r = await search.Search({ Resource: 'ExperimentTrialComponent', SortBy: 'CreationTime', SortOrder, MaxResults: 1, NextToken: token }, ctx);
      return r.Results.map((x) => (x.TrialComponent?.TrialComponentName as string).slice(backend.length + 1));
    };
    expect(await from(1_700_000_000_000.5, 'Ascending')).toEqual(['Ab']);
    expect(await from(1_700_000_000_000.5, 'Descending')).toEqual(['b-x']);
    expect(await from(1e300, 'Ascending')).toEqual([]);
    expect(await from(-1e300, 'Descending')).toEqual([]);
  });

  it('an Equals or In asked of the store with a value no column can hold (NUL) still answers by the expression', async () => {
    const store = await (backends[backend] as () => Promise<MetadataStore>)();
    opened.push(store);
    const groups = new ModelPackageGroupService({ store, clock: new ManualClock(1_700_000_000_000), partition });
    await groups.CreateModelPackageGroup({ ModelPackageGroupName: 'nul-1' }, ctx);
    const search = new SearchService({ store, sources: searchSources({ describeTuningJob: () => Promise.reject(new Error('no tuning jobs here')) }) });
    const names = async (Operator: 'Equals' | 'In', Value: string) =>
      (await search.Search({ Resource: 'ModelPackageGroup', SearchExpression: { Filters: [{ Name: 'ModelPackageGroupName', Operator, Value }] } }, ctx)).Results.map((x) => x.ModelPackageGroup?.ModelPackageGroupName);
    expect(await names('Equals', 'nul-1\u0000')).toEqual([]);
    expect(await names('In', 'nul-1,\u0000')).toEqual(['nul-1']);
  });

  it('a Tags.<key> filter finds a group stored under another region or account (before the config changed) by the tags of its own ARN', async () => {
    const store = await (backends[backend] as () => Promise<MetadataStore>)();
    opened.push(store);
    const clock = new ManualClock(1_700_000_000_000);
    const made: [string, { region: string; accountId: string }, string][] = [
      ['part-west', { region: 'eu-west-1', accountId: partition.accountId }, 'old'], ['part-now', partition, 'old'], ['part-account', { region: partition.region, accountId: '999999999999' }, 'new'],
    ];
    for (const [name, p, era] of made) {
      clock.advance(1000);
      await new ModelPackageGroupService({ store, clock, partition: p }).CreateModelPackageGroup({ ModelPackageGroupName: name, Tags: [{ Key: 'era', Value: era }] }, ctx);
    }
    const search = new SearchService({ store, sources: searchSources({ describeTuningJob: () => Promise.reject(new Error('no tuning jobs here')), partition }) });
    for (const SortBy of ['CreationTime', 'ModelPackageGroupDescription']) {
      const era = async (Value: string) => (await search.Search({ Resource: 'ModelPackageGroup', SortBy, SortOrder: 'Ascending', SearchExpression: { Filters: [{ Name: 'Tags.era', Operator: 'Equals', Value }] } }, ctx))
        .Results.map((x) => x.ModelPackageGroup?.ModelPackageGroupName).sort();
      expect(await era('old'), SortBy).toEqual(['part-now', 'part-west']);
      expect(await era('new'), SortBy).toEqual(['part-account']);
    }
  });
});

// The stores the tests above wrote to (their groups are named neither d-… nor with an x), and the in-memory fake.
const textOrderBackends: Record<string, () => Promise<MetadataStore>> = { memory: async () => createMemoryMetadataStore({ collections: registryCollections }), ...backends };

describe.each(Object.keys(textOrderBackends))('Search orders text as the stores do, on %s', (backend) => {
  it('by code point, sorted here or read in the store\'s order: U+E000–U+FFFF before what lies past U+FFFF, every record once', async () => {
    const store = await (textOrderBackends[backend] as () => Promise<MetadataStore>)();
    opened.push(store);
    const groups = new ModelPackageGroupService({ store, clock: new ManualClock(1_700_000_000_000), partition });
    const search = new SearchService({ store, sources: searchSources({ describeTuningJob: () => Promise.reject(new Error('no tuning jobs here')) }) });
    const pages = async (input: Omit<Parameters<SearchService['Search']>[0], 'Resource'>, shown: (g: Record<string, unknown>) => string) => {
      const out: string[] = [];
      let token: string | undefined;
      do {
        const r = await search.Search({ Resource: 'ModelPackageGroup', MaxResults: 1, ...input, ...(token ? { NextToken: token } : {}) }, ctx);
        out.push(...r.Results.map((x) => shown(x.ModelPackageGroup as Record<string, unknown>)));
        token = r.NextToken;
      } while (token);
      return out;
    };
    // Sorted here: descriptions by code point, as a listing sorted by a text column orders them.
    const described: [string, string][] = [['d-emoji', '\u{1F600}'], ['d-ligature', '\uFB01'], ['d-fullwidth', '\uFF3A'], ['d-accent', 'é'], ['d-z', 'z']];
    for (const [name, description] of described) {
      await groups.CreateModelPackageGroup({ ModelPackageGroupName: name, ModelPackageGroupDescription: description }, ctx);
    }
    const byDescription = (SortOrder: 'Ascending' | 'Descending') => pages({ SortBy: 'ModelPackageGroupDescription', SortOrder, SearchExpression: { Filters: [{ Name: 'ModelPackageGroupName', Operator: 'Contains', Value: 'd-' }] } }, (g) => g['ModelPackageGroupName'] as string);
    expect(await byDescription('Ascending')).toEqual(['d-z', 'd-accent', 'd-ligature', 'd-fullwidth', 'd-emoji']);
    expect(await byDescription('Descending')).toEqual(['d-emoji', 'd-fullwidth', 'd-ligature', 'd-accent', 'd-z']);
    // In the store's order (a name, read from the token's value on): records the store gives after the token are
    // not skipped as before it. Names past ASCII are not ones CreateModelPackageGroup takes; written to the store.
    for (const name of ['x~', 'x\uE000', 'x\u{1F600}', 'x\uFF3A']) {
      await store.collection(modelPackageGroupsCollection).insert({ key: name.toLowerCase(), name, arn: `arn:loam:sagemaker:us-east-1:000000000000:model-package-group/${name}`, creationTime: 1_600_000_000_000, createdBy: {}, latestVersion: 0 });
    }
    const byName = (SortOrder: 'Ascending' | 'Descending') => pages({ SortBy: 'ModelPackageGroupName', SortOrder, SearchExpression: { Filters: [{ Name: 'ModelPackageGroupName', Operator: 'Contains', Value: 'x' }] } }, (g) => g['ModelPackageGroupName'] as string);
    expect(await byName('Ascending')).toEqual(['x~', 'x\uE000', 'x\uFF3A', 'x\u{1F600}']);
    expect(await byName('Descending')).toEqual(['x\u{1F600}', 'x\uFF3A', 'x\uE000', 'x~']);
  });
});

// The answer's records are built again after the search matched them (a trial's Describe reads the store anew): a
// trial renamed in between was shown with its new DisplayName though the search asked for the old one.
const changingExperimentBackends: Record<string, () => Promise<ExperimentStore>> = { memory: async () => new MemoryExperimentStore(), ...experimentBackends };

describe.each(Object.keys(changingExperimentBackends))('Search of trials changed between the match and the answer, on %s', (backend) => {
  it('shows no trial whose record no longer matches when the answer is built', async () => {
    const experiments = await (changingExperimentBackends[backend] as () => Promise<ExperimentStore>)();
    opened.push(experiments);
    const prefix = `renamed-${backend.toLowerCase()}`;
    // Building a trial's record lists its components first, then describes it: the trial is renamed in between.
    let rename: string | undefined;
    const renaming = new Proxy(experiments, {
      get(target, prop, receiver) {
        const v: unknown = Reflect.get(target, prop, receiver);
        if (typeof v !== 'function') return v;
        return async (...args: unknown[]) => {
          const q = args[0] as { trialName?: string } | undefined;
          if (prop === 'listTrialComponents' && rename !== undefined && q?.trialName === rename) {
            await target.updateTrial(rename, { displayName: 'new', lastModifiedTime: 1_700_000_500_000 });
            rename = undefined;
          }
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const clock = new ManualClock(1_700_000_000_000);
    const tracking = new TrackingService({ store: renaming, clock, artifacts: new TrackingArtifacts(await LocalFsArtifactStore.open({ root: join(dir, `artifacts-renamed-${backend}`) })) });
    const allow = async () => {};
    const meta = createMemoryMetadataStore({ collections: [] });
    await new SageMakerExperimentsService(tracking, new TrackingAccess(tracking, allow, partition), allow, partition, meta.tags).CreateExperiment({ ExperimentName: prefix });
    const trials = new TrialsService(tracking, allow, partition, meta.tags);
    for (const n of ['a', 'b', 'c']) await trials.CreateTrial({ TrialName: `${prefix}-${n}`, ExperimentName: prefix, DisplayName: 'old' }, ctx);
    const search = new SearchService({ store: meta, sources: experimentSearchSources({ tracking, partition, authorize: allow }) });
    const old = async (SortBy?: string) => {
      const r = await search.Search({ Resource: 'ExperimentTrial', ...(SortBy ? { SortBy } : {}), SearchExpression: { Filters: [{ Name: 'TrialName', Operator: 'Contains', Value: prefix }, { Name: 'DisplayName', Operator: 'Equals', Value: 'old' }] } }, ctx);
      return r.Results.map((x) => `${(x.Trial?.TrialName as string).slice(prefix.length + 1)}=${x.Trial?.DisplayName as string}`);
    };
    expect(await old()).toEqual(['c=old', 'b=old', 'a=old']);
    // Read in the store's order (LastModifiedTime) and sorted here (TrialName): b was shown as 'b=new'.
    rename = `${prefix}-b`;
    expect(await old()).toEqual(['c=old', 'a=old']);
    await renaming.updateTrial(`${prefix}-b`, { displayName: 'old', lastModifiedTime: 1_700_000_000_000 });
    rename = `${prefix}-b`;
    expect(await old('TrialName')).toEqual(['c=old', 'a=old']);
    // Sorted here by DisplayName, still matching: b was shown where 'b1' stood, as 'z1'.
    for (const n of ['a', 'b', 'c']) await renaming.updateTrial(`${prefix}-${n}`, { displayName: `${n}1`, lastModifiedTime: 1_700_000_000_000 });
    rename = `${prefix}-b`;
    const byDisplayName = await search.Search({ Resource: 'ExperimentTrial', SortBy: 'DisplayName', SortOrder: 'Ascending', SearchExpression: { Filters: [{ Name: 'TrialName', Operator: 'Contains', Value: prefix }] } }, ctx);
    expect(byDisplayName.Results.map((x) => x.Trial?.DisplayName)).toEqual(['a1', 'c1', 'new']);
  });
});
