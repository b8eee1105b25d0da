import { describe, expect, it } from 'vitest';
import type { MetadataStore, TagStore } from '../ports/metadata-store.js';
import { modelPackageGroupsCollection } from '../registry/registry.collections.js';
import { arnBase, ctxOf, openRegistry } from '../registry/registry.test-support.js';
import { OneByOneSearchService } from './search-tags-one-by-one.test-support.js';
import { SearchService } from './search.service.js';
import { searchSources } from './search-sources.js';

// What a search with a Tags.<key> filter reads when the key is on many resources: of its own type alone (the
// store's range of ARNs), and, past the 1,000 ARNs one read holds, a page of ARNs at a time (reads counted).

const alice = ctxOf('alice');
const partition = { region: 'us-east-1', accountId: '123456789012' };
const TAGGED = 1100;

/** 2,200 groups, every other one tagged team=x (10 of them team=y), and 1,500 endpoints tagged team=y. */
async function seeded() {
  const { store, clock, groups } = openRegistry();
  for (let i = 0; i < 2 * TAGGED; i++) {
    clock.advance(1000);
    const team = i % 2 ? [] : [{ Key: 'team', Value: i % 220 === 0 ? 'y' : 'x' }];
    await groups.CreateModelPackageGroup({ ModelPackageGroupName: `g${String(i).padStart(4, '0')}`, ModelPackageGroupDescription: `d${(i * 7919) % 2203}`, ...(team.length ? { Tags: team } : {}) }, alice);
  }
  await store.transaction(async (tx) => {
    for (let i = 0; i < 1500; i++) await tx.tags.put(`${arnBase}:endpoint/e${i}`, [{ Key: 'team', Value: 'y' }]);
  });
  return store;
}

/** The store with its reads counted: records a collection listed, and the most resources one tagged() answered. */
function counted(store: MetadataStore) {
  const n = { records: 0, taggedMost: 0 };
  const tags = new Proxy(store.tags, {
    get: (t, prop) => (prop === 'tagged'
      ? async (...a: Parameters<TagStore['tagged']>) => {
        const found = await t.tagged(...a);
        n.taggedMost = Math.max(n.taggedMost, found.length);
        return found;
      }
      : ((v) => (typeof v === 'function' ? v.bind(t) : v))(Reflect.get(t, prop, t))),
  });
  const wrapped = new Proxy(store, {
    get(t, prop) {
      if (prop === 'tags') return tags;
      if (prop === 'collection') {
        return (spec: Parameters<MetadataStore['collection']>[0]) => {
          const col = t.collection(spec);
          return new Proxy(col, {
            get: (c, m) => (m === 'list'
              ? async (q: Parameters<typeof col.list>[0]) => {
                const page = await c.list(q);
                n.records += page.items.length;
                return page;
              }
              : ((v) => (typeof v === 'function' ? v.bind(c) : v))(Reflect.get(c, m, c))),
          });
        };
      }
      return ((v) => (typeof v === 'function' ? v.bind(t) : v))(Reflect.get(t, prop, t));
    },
  }) as MetadataStore;
  return { n, store: wrapped };
}

type Input = Parameters<SearchService['Search']>[0];
const f = (Name: string, Operator?: string, Value?: string) => ({ Name, ...(Operator ? { Operator } : {}), ...(Value === undefined ? {} : { Value }) }) as never;

async function walk(search: SearchService, input: Input): Promise<unknown[]> {
  const out: unknown[] = [];
  let token: string | undefined;
  do {
    const r = await search.Search({ ...input, ...(token ? { NextToken: token } : {}) }, alice);
    out.push(r);
    token = r.NextToken;
  } while (token && out.length < 2);
  return out;
}

describe('Search by a tag on many resources', () => {
  it('reads the tagged resources of its own type alone, a page of ARNs at a time, and answers as reading every candidate', async () => {
    const plain = await seeded();
    const { n, store } = counted(plain);
    const search = new SearchService({ store, sources: searchSources({ describeTuningJob: () => Promise.reject(new Error('unused')), partition }) });
    const reference = new OneByOneSearchService({ store: plain, sources: searchSources({ describeTuningJob: () => Promise.reject(new Error('unused')) }) });
    const sorted = { Resource: 'ModelPackageGroup', MaxResults: 7, SortBy: 'ModelPackageGroupDescription' } as const;

    // 10 groups team=y among 1,510 resources: the endpoints are not asked for, so the collection is asked for the 10
    // (old: 1,510 ARNs, past one 'in' filter: every group read, 2,200).
    const y = { ...sorted, SearchExpression: { Filters: [f('Tags.team', 'Equals', 'y')] } } as Input;
    n.records = 0;
    expect((await search.Search(y, alice)).TotalHits).toEqual({ Value: 10, Relation: 'EqualTo' });
    expect(n.records).toBe(10);
    expect(n.taggedMost).toBeLessThanOrEqual(10);

    // Exists on 1,100 groups (and 1,500 endpoints): the 1,100 records alone, their ARNs read 1,000 at a time (old: every
    // group read, 2,200, after the 2,600 tagged resources of every type were read at once).
    const exists = { ...sorted, SearchExpression: { Filters: [f('Tags.team', 'Exists')] } } as Input;
    n.records = 0;
    n.taggedMost = 0;
    const found = await search.Search(exists, alice);
    expect(found.TotalHits).toEqual({ Value: TAGGED, Relation: 'EqualTo' });
    expect(n.records).toBe(TAGGED);
    expect(n.taggedMost).toBeLessThanOrEqual(1000);

    // NotExists on 1,100: the 1,100 untagged are read (they are the matches), no more than 1,000 tagged ARNs at once.
    const absent = { ...sorted, SearchExpression: { Filters: [f('Tags.team', 'NotExists')] } } as Input;
    n.records = 0;
    n.taggedMost = 0;
    expect((await search.Search(absent, alice)).TotalHits).toEqual({ Value: TAGGED, Relation: 'EqualTo' });
    expect(n.taggedMost).toBeLessThanOrEqual(1000);
    expect(n.records).toBeLessThanOrEqual(2 * TAGGED);

    // The same answers as reading each candidate's tags alone, sorted here and in the store's order.
    for (const input of [y, exists, { ...absent, SortBy: 'CreationTime' }, { ...exists, SearchExpression: { Filters: [f('Tags.team', 'Exists'), f('Tags.team', 'NotEquals', 'x')] } }] as Input[]) {
      expect(await walk(search, input), JSON.stringify(input)).toEqual(await walk(reference, input));
    }
    // ~30 s alone (2,200 groups created through the service, and the reference reading each candidate's tags), minutes on a loaded machine.
  }, 300_000);

  it('asks the tag store for the ARNs of the partitions records were stored under before the config changed too, a filter held whole up to 1,000 ARNs in all', async () => {
    const { store: plain } = openRegistry();
    // 700 groups of today's partition and 400 of eu-west-1 tagged team (x, 3 of each y), 300 untagged of each.
    const old = 'arn:loam:sagemaker:eu-west-1:123456789012';
    await plain.transaction(async (tx) => {
      for (const [base, tagged, era] of [[arnBase, 700, 'now'], [old, 400, 'old']] as const) {
        for (let i = 0; i < tagged + 300; i++) {
          const name = `${era}-${String(i).padStart(4, '0')}`;
          const arn = `${base}:model-package-group/${name}`;
          await tx.collection(modelPackageGroupsCollection).insert({ key: name, name, arn, creationTime: 1_700_000_000 + i, createdBy: {}, latestVersion: 0, description: `d${(i * 7919) % 1009}` });
          if (i < tagged) await tx.tags.put(arn, [{ Key: 'team', Value: i % 100 === 1 ? 'y' : 'x' }]);
        }
      }
    });
    const { n, store } = counted(plain);
    const search = new SearchService({ store, sources: searchSources({ describeTuningJob: () => Promise.reject(new Error('unused')), partition }) });
    const reference = new OneByOneSearchService({ store: plain, sources: searchSources({ describeTuningJob: () => Promise.reject(new Error('unused')) }) });
    const sorted = { Resource: 'ModelPackageGroup', MaxResults: 7, SortBy: 'ModelPackageGroupDescription' } as const;
    // 7 + 4 team=y: those records and the probes for other partitions (a record each), not the 1,700.
    const y = { ...sorted, SearchExpression: { Filters: [f('Tags.team', 'Equals', 'y')] } } as Input;
    n.records = 0;
    expect((await search.Search(y, alice)).TotalHits).toEqual({ Value: 11, Relation: 'EqualTo' });
    expect(n.records).toBeLessThanOrEqual(11 + 4);
    // Exists on 1,100 across the two partitions: more than one filter holds, read a page of ARNs at a time, partition by partition.
    const exists = { ...sorted, SearchExpression: { Filters: [f('Tags.team', 'Exists')] } } as Input;
    n.records = 0;
    n.taggedMost = 0;
    expect((await search.Search(exists, alice)).TotalHits).toEqual({ Value: 1100, Relation: 'EqualTo' });
    expect(n.records).toBeLessThanOrEqual(1100 + 4);
    expect(n.taggedMost).toBeLessThanOrEqual(1000);
    for (const input of [y, exists, { ...exists, SortBy: 'CreationTime', SortOrder: 'Ascending' }, { ...sorted, SearchExpression: { Filters: [f('Tags.team', 'NotExists')] } }, { ...sorted, SearchExpression: { Filters: [f('Tags.team', 'NotEquals', 'x')] } }] as Input[]) {
      expect(await walk(search, input), JSON.stringify(input)).toEqual(await walk(reference, input));
    }
  }, 120_000);
});
