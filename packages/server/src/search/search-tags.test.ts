import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqlMetadataStore } from '@loam/adapters';
import { adminQuery, testPostgresUrl, useFreshPostgresSchema } from '@loam/adapters/metadata/sql/postgres-test-schema';
import { ManualClock, ModelPackageGroupService, registryCollections, SearchService, searchSources, type MetadataStore, type RequestContext, type TagStore } from '@loam/core';
import { OneByOneSearchService } from '@loam/core/search/search-tags-one-by-one.test-support';
import { createMemoryMetadataStore } from '@loam/testkit';
import { beforeRetry } from '@loam/testkit/vitest/retry.test-support';

// Search's Tags.<key> filters asked of the store (TagStore.tagged) and the other candidates' tags read many at a
// time (TagStore.listMany) answer as reading each candidate's tags alone did: the same pages, tokens and TotalHits.

const partition = { region: 'us-east-1', accountId: '000000000000' };
const ctx: RequestContext = { principal: { userName: 'admin', userId: 'id-admin', arn: 'arn:loam:iam::000000000000:user/admin', via: 'token' }, requestId: 't' };
const dir = mkdtempSync(join(tmpdir(), 'loam-search-tags-'));
// Each test its own store: counting reads needs none of another test's groups.
const pgSchemas: Record<string, string> = { same: useFreshPostgresSchema(), few: useFreshPostgresSchema(), many: useFreshPostgresSchema(), race: useFreshPostgresSchema() };
const opened: MetadataStore[] = [];
beforeRetry(async () => {
  for (const s of opened.splice(0)) await s.close().catch(() => undefined);
  for (const f of readdirSync(dir)) rmSync(join(dir, f), { recursive: true, force: true });
  for (const schema of Object.values(pgSchemas)) await adminQuery(`drop schema if exists ${schema} cascade`);
});
afterAll(async () => {
  for (const s of opened) await s.close().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

const backends: Record<string, (test: string) => Promise<MetadataStore>> = {
  'in-memory fake': async () => createMemoryMetadataStore({ collections: registryCollections }),
  SQLite: (test) => openSqlMetadataStore({ url: `sqlite:${join(dir, `${test}.db`)}`, collections: registryCollections }),
  PostgreSQL: (test) => openSqlMetadataStore({ url: testPostgresUrl, schema: pgSchemas[test] as string, collections: registryCollections }),
};

const GROUPS = 48;

/** Groups <p>00..<p>47 (`p` a test's own prefix: the stores are shared), a second apart, with mixed tags: team a|b|A|''|none, env on some, a dotted key, other resources' tags alike. */
async function seeded(backend: string, p: string): Promise<MetadataStore> {
  const store = await (backends[backend] as (test: string) => Promise<MetadataStore>)(p);
  opened.push(store);
  const clock = new ManualClock(1_700_000_000_000);
  const groups = new ModelPackageGroupService({ store, clock, partition });
  const teams = ['a', 'b', 'A', '', undefined, 'a b', 'ä'];
  for (let i = 0; i < GROUPS; i++) {
    clock.advance(i % 5 === 0 ? 0 : 1000);
    const team = teams[i % teams.length];
    const Tags = [
      ...(team === undefined ? [] : [{ Key: 'team', Value: team }]),
      ...(i % 3 === 0 ? [{ Key: 'env', Value: i % 2 ? 'prod' : 'dev' }] : []),
      ...(i % 4 === 0 ? [{ Key: 'a.b', Value: 'dotted' }] : []),
    ];
    await groups.CreateModelPackageGroup({ ModelPackageGroupName: `${p}${String(i).padStart(2, '0')}`, ModelPackageGroupDescription: `d${(i * 7) % GROUPS}`, ...(Tags.length ? { Tags } : {}) }, ctx);
  }
  // Other resources with the same keys: never candidates of a group search.
  for (let i = 0; i < 5; i++) await store.tags.put(`arn:aws:sagemaker:us-east-1:000000000000:training-job/${p}${String(i).padStart(2, '0')}`, [{ Key: 'team', Value: 'a' }]);
  return store;
}

/** `typed`: the sources know the partition, so the store is asked for their type's tagged resources alone. */
const searchOver = (store: MetadataStore, tagsOneByOne: boolean, typed = true) => {
  const o = { store, sources: searchSources({ describeTuningJob: () => Promise.reject(new Error('no tuning jobs here')), ...(typed ? { partition } : {}) }), scanPageSize: 5 };
  return tagsOneByOne ? new OneByOneSearchService(o) : new SearchService(o);
};

type Input = Parameters<SearchService['Search']>[0];

/** Every answer of a search through NextToken, as given. */
async function walk(search: SearchService, input: Input): Promise<unknown[]> {
  const out: unknown[] = [];
  let token: string | undefined;
  do {
    const r = await search.Search({ ...input, ...(token ? { NextToken: token } : {}) }, ctx);
    out.push(r);
    token = r.NextToken;
  } while (token && out.length < 100);
  return out;
}

const f = (Name: string, Operator?: string, Value?: string) => ({ Name, ...(Operator ? { Operator } : {}), ...(Value === undefined ? {} : { Value }) }) as never;
const expressions: Input['SearchExpression'][] = [
  { Filters: [f('Tags.team', 'Equals', 'a')] },
  { Filters: [f('Tags.team', 'NotEquals', 'a')] },
  { Filters: [f('Tags.team', 'Exists')] },
  { Filters: [f('Tags.team')] },
  { Filters: [f('Tags.team', 'NotExists')] },
  { Filters: [f('Tags.team', 'Contains', 'A')] },
  { Filters: [f('Tags.team', 'In', 'a, b,ä')] },
  { Filters: [f('Tags.team', 'Equals', '')] },
  { Filters: [f('Tags.team', 'Equals', 'a b')] },
  { Filters: [f('Tags.a.b', 'Equals', 'dotted'), f('Tags.env', 'NotExists')] },
  { Filters: [f('Tags.team', 'In', 'a,A'), f('Tags.env', 'Equals', 'prod'), f('ModelPackageGroupDescription', 'Contains', '1')] },
  { Operator: 'Or', Filters: [f('Tags.team', 'Equals', 'b'), f('Tags.env', 'Equals', 'dev')] },
  { Filters: [f('Tags.absent', 'Exists')] },
  { Filters: [f('Tags.team', 'Equals', 'nul\u0000')] },
  { SubExpressions: [{ Filters: [f('Tags.team', 'Equals', 'a')] }], Filters: [f('Tags.env', 'Exists')] },
];

describe.each(Object.keys(backends))('Search by tags on %s', (backend) => {
  it('answers as reading each candidate\'s tags alone: every page, token and TotalHits, in store order and sorted here', async () => {
    const store = await seeded(backend, 'same');
    const targeted = searchOver(store, false);
    const oneByOne = searchOver(store, true);
    for (const SearchExpression of expressions) {
      for (const sort of [{}, { SortBy: 'ModelPackageGroupName', SortOrder: 'Ascending' }, { SortBy: 'ModelPackageGroupDescription' }, { SortBy: 'Tags.team', SortOrder: 'Ascending' }] as const) {
        const input = { Resource: 'ModelPackageGroup', MaxResults: 4, SearchExpression, ...sort } as Input;
        const want = await walk(oneByOne, input);
        expect(await walk(targeted, input), JSON.stringify(input)).toEqual(want);
      }
    }
    // Visibility conditions read tags too (not asked of the store: a group without the tag is found).
    const visible = { Resource: 'ModelPackageGroup', MaxResults: 5, VisibilityConditions: [{ Key: 'Tags.team', Value: 'a' }, { Key: 'Tags.env', Value: 'prod' }] } as Input;
    expect(await walk(targeted, visible)).toEqual(await walk(oneByOne, visible));
    // A check of the reference itself: same00, same07, ... have team a.
    const a = (await walk(targeted, { Resource: 'ModelPackageGroup', MaxResults: 100, SortBy: 'ModelPackageGroupName', SortOrder: 'Ascending', SearchExpression: expressions[0] } as Input))[0] as { Results: { ModelPackageGroup: { ModelPackageGroupName: string } }[] };
    expect(a.Results.map((r) => r.ModelPackageGroup.ModelPackageGroupName)).toEqual(['same00', 'same07', 'same14', 'same21', 'same28', 'same35', 'same42']);
  }, 120_000);

  it('reads tags by a few queries, not one a candidate', async () => {
    const store = await seeded(backend, 'few');
    const calls: Record<string, number> = {};
    const tags = new Proxy(store.tags, {
      get(target, prop) {
        const v = Reflect.get(target, prop, target) as unknown;
        if (typeof v !== 'function') return v;
        return (...args: unknown[]) => {
          calls[String(prop)] = (calls[String(prop)] ?? 0) + 1;
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    }) as TagStore;
    let recordsRead = 0;
    const counted = new Proxy(store, {
      get(target, prop) {
        if (prop === 'tags') return tags;
        if (prop === 'collection') {
          return (spec: Parameters<MetadataStore['collection']>[0]) => {
            const col = target.collection(spec);
            return new Proxy(col, {
              get(c, member) {
                if (member !== 'list') return (Reflect.get(c, member, c) as (...a: unknown[]) => unknown).bind?.(c) ?? Reflect.get(c, member, c);
                return async (q: Parameters<typeof col.list>[0]) => {
                  const page = await c.list(q);
                  recordsRead += page.items.length;
                  return page;
                };
              },
            });
          };
        }
        const v = Reflect.get(target, prop, target) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    }) as MetadataStore;
    const search = searchOver(counted, false);
    for (const sort of [{}, { SortBy: 'ModelPackageGroupDescription' }] as const) {
      for (const k of Object.keys(calls)) delete calls[k];
      recordsRead = 0;
      const r = await search.Search({ Resource: 'ModelPackageGroup', MaxResults: 3, SearchExpression: { Filters: [f('Tags.team', 'Equals', 'b')] }, ...sort } as Input, ctx);
      expect(r.Results).toHaveLength(3);
      // Old: one list a candidate read (48, or as many as the store-order walk reached) plus one a result.
      const queries = Object.values(calls).reduce((s, n) => s + n, 0);
      expect(calls['list'] ?? 0, JSON.stringify(calls)).toBeLessThanOrEqual(3);
      expect(queries, JSON.stringify(calls)).toBeLessThanOrEqual(3 + 1 + Math.ceil(GROUPS / 5) + 1);
      // The collection is asked for the 7 groups tagged team=b alone (arnField), not all 48.
      expect(recordsRead).toBeLessThanOrEqual(7);
    }
    // Sorted here, with no filter the store decides: the candidates' tags a chunk at a time.
    for (const k of Object.keys(calls)) delete calls[k];
    await search.Search({ Resource: 'ModelPackageGroup', MaxResults: 3, SortBy: 'ModelPackageGroupDescription', SearchExpression: { Operator: 'Or', Filters: [f('Tags.team', 'Equals', 'b'), f('Tags.env', 'Equals', 'dev')] } } as Input, ctx);
    expect(calls['list'] ?? 0, JSON.stringify(calls)).toBeLessThanOrEqual(3);
    expect(calls['listMany'] ?? 0, JSON.stringify(calls)).toBeLessThanOrEqual(1);
  }, 120_000);

  it('a group untagged after the store found it tagged, or after its tags were read for the match, is not shown', async () => {
    const store = await seeded(backend, 'race');
    const arnOf = async (name: string) => (await searchOver(store, true).Search({ Resource: 'ModelPackageGroup', SearchExpression: { Filters: [f('ModelPackageGroupName', 'Equals', name)] } } as Input, ctx)).Results[0]?.ModelPackageGroup?.ModelPackageGroupArn as string;
    // race00 and race07 have team=a; each loses it at one point of the search.
    const [afterTagged, afterListMany] = [await arnOf('race00'), await arnOf('race07')];
    let after: { tagged?: string; listMany?: string } = {};
    const tags = new Proxy(store.tags, {
      get(target, prop) {
        const v = Reflect.get(target, prop, target) as unknown;
        if (typeof v !== 'function') return v;
        return async (...args: unknown[]) => {
          const out = await (v as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          const arn = after[prop as 'tagged' | 'listMany'];
          if (arn) {
            delete after[prop as 'tagged' | 'listMany'];
            await target.remove(arn, ['team']);
          }
          return out;
        };
      },
    }) as TagStore;
    const search = searchOver(new Proxy(store, { get: (t, prop) => (prop === 'tags' ? tags : ((v) => (typeof v === 'function' ? v.bind(t) : v))(Reflect.get(t, prop, t))) }) as MetadataStore, false);
    const names = (r: Awaited<ReturnType<SearchService['Search']>>) => (r.Results as { ModelPackageGroup: { ModelPackageGroupName: string } }[]).map((x) => x.ModelPackageGroup.ModelPackageGroupName);
    for (const sort of [{ SortBy: 'ModelPackageGroupName', SortOrder: 'Ascending' }, { SortBy: 'ModelPackageGroupDescription', SortOrder: 'Ascending' }] as const) {
      after = { tagged: afterTagged, listMany: afterListMany };
      const r = await search.Search({ Resource: 'ModelPackageGroup', MaxResults: 100, SearchExpression: { Filters: [f('Tags.team', 'Equals', 'a')] }, ...sort } as Input, ctx);
      expect(after, 'both removals made').toEqual({});
      expect(names(r).sort()).toEqual(['race14', 'race21', 'race28', 'race35', 'race42']);
      for (const arn of [afterTagged, afterListMany]) await store.tags.put(arn, [{ Key: 'team', Value: 'a' }]);
    }
  }, 120_000);

  it('answers the same when the key is on more resources than the collection is asked for, of other types and other cases of the key', async () => {
    const store = await seeded(backend, 'many');
    // 1,001 training jobs tagged team=a (past the 1,000 ARNs an 'in' filter holds: the groups are read and decided
    // one by one), and keys differing from 'team' in case alone on some groups (tag keys are case-sensitive).
    await store.transaction(async (tx) => {
      for (let i = 0; i < 1001; i++) await tx.tags.put(`arn:aws:sagemaker:us-east-1:000000000000:training-job/many-${i}`, [{ Key: 'team', Value: 'a' }]);
    });
    const groups = await searchOver(store, true).Search({ Resource: 'ModelPackageGroup', MaxResults: 100, SortBy: 'ModelPackageGroupName', SortOrder: 'Ascending' } as Input, ctx);
    const arns = (groups.Results as { ModelPackageGroup: { ModelPackageGroupArn: string } }[]).map((r) => r.ModelPackageGroup.ModelPackageGroupArn);
    for (const [i, arn] of arns.entries()) if (i % 6 === 0) await store.tags.put(arn, [{ Key: 'Team', Value: i % 4 ? 'a' : 'B' }]);
    // Untyped, the store finds 1,001 resources more than the groups: the filter is decided group by group on the tags
    // read for a chunk of them, and a scan reads the groups of its resources a page of ARNs at a time.
    const targeted = searchOver(store, false, false);
    const oneByOne = searchOver(store, true);
    for (const SearchExpression of [
      ...expressions,
      { Filters: [f('Tags.Team', 'Equals', 'a')] },
      { Filters: [f('Tags.Team', 'NotExists'), f('Tags.team', 'Contains', 'a')] },
      { Filters: [f('Tags.TEAM', 'Exists')] },
      { Operator: 'Or', Filters: [f('Tags.team', 'Contains', 'B'), f('Tags.Team', 'NotEquals', 'a')] },
    ] as Input['SearchExpression'][]) {
      for (const sort of [{}, { SortBy: 'ModelPackageGroupDescription' }] as const) {
        const input = { Resource: 'ModelPackageGroup', MaxResults: 4, SearchExpression, ...sort } as Input;
        expect(await walk(targeted, input), JSON.stringify(input)).toEqual(await walk(oneByOne, input));
      }
    }
  }, 120_000);
});
