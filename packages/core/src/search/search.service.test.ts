import { describe, expect, it } from 'vitest';
import { createMemoryMetadataStore } from '@loam/testkit/fakes/memory-metadata-store';
import type { ActionAuthorizer } from '../kernel/authorizer.js';
import { AccessDeniedError } from '../kernel/errors.js';
import { modelsCollection } from '../models/model.collections.js';
import { ModelPackageGroupService } from '../registry/model-package-group.service.js';
import { arnBase, ctxOf, loamError, openRegistry, partition, spec } from '../registry/registry.test-support.js';
import { queryFingerprint } from './search-order.js';
import { SearchService } from './search.service.js';
import { searchSources } from './search-sources.js';
import type { SearchSource } from './search-source.js';
import { modelPackageGroupsCollection, type ModelPackageGroupRecord } from '../registry/registry.collections.js';

const alice = ctxOf('alice');

/** Groups g0..g6 a second apart, descriptions in another order, tags team=a|b; versions 1..3 of g0. */
async function fixture(authorize?: ActionAuthorizer, scanPageSize = 2) {
  const { store } = await openFixtureStore();
  // Tuning jobs are not searched here: their Describe reads trials, which these tests do not keep.
  const sources = searchSources({ describeTuningJob: () => Promise.reject(new Error('no tuning jobs in this store')) });
  return new SearchService({ store, sources, scanPageSize, ...(authorize ? { authorize } : {}) });
}

async function openFixtureStore() {
  const { store, clock, groups, packages } = openRegistry();
  const descriptions = ['delta', 'alpha', 'golf', 'charlie', 'echo', 'bravo', 'foxtrot'];
  for (const [i, d] of descriptions.entries()) {
    clock.advance(1000);
    await groups.CreateModelPackageGroup({ ModelPackageGroupName: `g${i}`, ModelPackageGroupDescription: d, Tags: [{ Key: 'team', Value: i % 2 ? 'b' : 'a' }] }, alice);
  }
  for (const approval of ['Approved', 'Rejected', 'Approved'] as const) {
    clock.advance(1000);
    await packages.CreateModelPackage({ ModelPackageGroupName: 'g0', InferenceSpecification: spec(), ModelApprovalStatus: approval, Tags: [{ Key: 'stage', Value: approval }] }, alice);
  }
  return { store };
}

type Search = Awaited<ReturnType<typeof fixture>>;
type Input = Parameters<Search['Search']>[0];

/** Every page through NextToken: the names of each page's records. */
async function pages(search: Search, input: Input, member: 'ModelPackageGroup' | 'ModelPackage' = 'ModelPackageGroup'): Promise<string[][]> {
  const out: string[][] = [];
  let token: string | undefined;
  do {
    const r = await search.Search({ ...input, ...(token ? { NextToken: token } : {}) }, alice);
    out.push(r.Results.map((x) => {
      const rec = x[member] as Record<string, unknown>;
      return member === 'ModelPackage' ? `${rec['ModelPackageGroupName']}/${rec['ModelPackageVersion']}` : rec['ModelPackageGroupName'] as string;
    }));
    token = r.NextToken;
  } while (token);
  return out;
}

/** A SearchService over `store` that counts the records it reads from the store (`reads(0)` resets the count). */
function countingSearch(store: ReturnType<typeof openRegistry>['store'], countPastPage?: number, inPartition?: typeof partition) {
  let read = 0;
  const counting = new Proxy(store, {
    get(target, prop, receiver) {
      if (prop !== 'collection') return Reflect.get(target, prop, receiver);
      return (spec: Parameters<typeof store.collection>[0]) => {
        const col = target.collection(spec);
        return { ...col, spec: col.spec, list: async (q: Parameters<typeof col.list>[0]) => {
          const page = await col.list(q);
          read += page.items.length;
          return page;
        } };
      };
    },
  });
  const search = new SearchService({ store: counting, sources: searchSources({ describeTuningJob: () => Promise.reject(new Error('unused')), ...(inPartition ? { partition: inPartition } : {}) }), scanPageSize: 5, ...(countPastPage === undefined ? {} : { countPastPage }) });
  return { search, reads: (reset?: number) => (reset === undefined ? read : (read = reset)) };
}

describe('Search over the metadata store', () => {
  it('groups sort by CreationTime, newest first, by default, paged with NextToken; each result is the Describe answer with Tags', async () => {
    const search = await fixture();
    expect(await pages(search, { Resource: 'ModelPackageGroup', MaxResults: 3 })).toEqual([['g6', 'g5', 'g4'], ['g3', 'g2', 'g1'], ['g0']]);
    const first = (await search.Search({ Resource: 'ModelPackageGroup', MaxResults: 1, SortOrder: 'Ascending' }, alice)).Results[0];
    expect(first).toEqual({
      ModelPackageGroup: {
        ModelPackageGroupName: 'g0', ModelPackageGroupArn: `${arnBase}:model-package-group/g0`, ModelPackageGroupDescription: 'delta',
        CreationTime: 1_700_000_001, CreatedBy: { UserProfileName: 'alice', IamIdentity: { Arn: 'arn:loam:iam::123456789012:user/alice', PrincipalId: 'id-alice' } },
        ModelPackageGroupStatus: 'Completed', Tags: [{ Key: 'team', Value: 'a' }],
      },
    });
  });

  it('pages through records with equal sort values once each, in the store order (key order within a value)', async () => {
    const { store, groups } = openRegistry();
    for (const n of ['t3', 't1', 't4', 't0', 't2']) await groups.CreateModelPackageGroup({ ModelPackageGroupName: n }, alice);
    const search = new SearchService({ store, sources: searchSources({ describeTuningJob: () => Promise.reject(new Error('unused')) }), scanPageSize: 2 });
    expect(await pages(search, { Resource: 'ModelPackageGroup', MaxResults: 2 })).toEqual([['t4', 't3'], ['t2', 't1'], ['t0']]);
    expect(await pages(search, { Resource: 'ModelPackageGroup', MaxResults: 2, SortOrder: 'Ascending' })).toEqual([['t0', 't1'], ['t2', 't3'], ['t4']]);
  });

  it('a source that reads equal sort values in another order than their keys: every record once, in compareHits\' order', async () => {
    const { store, clock, groups } = openRegistry();
    await groups.CreateModelPackageGroup({ ModelPackageGroupName: 'older' }, alice);
    clock.advance(1000);
    for (const n of ['ta', 'tb', 'tc']) await groups.CreateModelPackageGroup({ ModelPackageGroupName: n }, alice);
    const sources = searchSources({ describeTuningJob: () => Promise.reject(new Error('unused')) });
    const group = sources.find((s) => s.resource === 'ModelPackageGroup') as SearchSource<ModelPackageGroupRecord>;
    const all = (await store.collection(modelPackageGroupsCollection).list({ maxResults: 100 })).items.map((i) => i.value);
    // A source's own read by CreationTime (OrderedRead: equal values in whatever order it keeps): keys ascending whatever the order.
    const read = async function* (order: 'Ascending' | 'Descending') {
      const sign = order === 'Ascending' ? 1 : -1;
      yield { records: [...all].sort((a, b) => sign * (a.creationTime - b.creationTime) || (a.name < b.name ? -1 : 1)), last: true };
    };
    const search = new SearchService({ store, sources: [{ ...group, orderedReads: { CreationTime: { value: (r) => r.creationTime, read } } }] });
    expect(await pages(search, { Resource: 'ModelPackageGroup', MaxResults: 2 })).toEqual([['tc', 'tb'], ['ta', 'older']]);
    expect(await pages(search, { Resource: 'ModelPackageGroup', MaxResults: 2, SortOrder: 'Ascending' })).toEqual([['older', 'ta'], ['tb', 'tc']]);
  });

  it('filters on tags and sorts by a property the store does not order by, every match once across pages', async () => {
    const search = await fixture();
    const byTeam = { Filters: [{ Name: 'Tags.team', Operator: 'Equals' as const, Value: 'a' }] };
    expect(await pages(search, { Resource: 'ModelPackageGroup', SearchExpression: byTeam, SortBy: 'ModelPackageGroupDescription', SortOrder: 'Ascending', MaxResults: 1 }))
      .toEqual([['g0'], ['g4'], ['g6'], ['g2']]);
    expect(await pages(search, { Resource: 'ModelPackageGroup', SortBy: 'ModelPackageGroupDescription', MaxResults: 2 }))
      .toEqual([['g2', 'g6'], ['g4', 'g0'], ['g3', 'g5'], ['g1']]);
  });

  it('model packages: ModelApprovalStatus and Tags filters, sorted by version', async () => {
    const search = await fixture();
    const approved = { Filters: [{ Name: 'ModelApprovalStatus', Operator: 'Equals' as const, Value: 'Approved' }] };
    expect(await pages(search, { Resource: 'ModelPackage', SearchExpression: approved }, 'ModelPackage')).toEqual([['g0/3', 'g0/1']]);
    expect(await pages(search, { Resource: 'ModelPackage', SortBy: 'ModelPackageVersion', SortOrder: 'Ascending', MaxResults: 2 }, 'ModelPackage')).toEqual([['g0/1', 'g0/2'], ['g0/3']]);
    const r = await search.Search({ Resource: 'ModelPackage', SearchExpression: { Filters: [{ Name: 'Tags.stage', Value: 'Rejected' }] } }, alice);
    expect(r.Results.map((x) => [x.ModelPackage?.ModelPackageVersion, x.ModelPackage?.Tags])).toEqual([[2, [{ Key: 'stage', Value: 'Rejected' }]]]);
  });

  it('finds only what the caller may describe, in either sort path; the refused never reach a page or a token', async () => {
    const denied = new Set([`${arnBase}:model-package-group/g5`, `${arnBase}:model-package-group/g2`]);
    const calls: string[] = [];
    const authorize: ActionAuthorizer = async (_p, action, arn) => {
      calls.push(action);
      if (denied.has(arn)) throw new AccessDeniedError(`not ${arn}`);
    };
    const search = await fixture(authorize);
    expect(await pages(search, { Resource: 'ModelPackageGroup', MaxResults: 2 })).toEqual([['g6', 'g4'], ['g3', 'g1'], ['g0']]);
    expect(await pages(search, { Resource: 'ModelPackageGroup', SortBy: 'ModelPackageGroupDescription', SortOrder: 'Ascending', MaxResults: 2 }))
      .toEqual([['g1', 'g3'], ['g0', 'g4'], ['g6']]);
    expect(new Set(calls)).toEqual(new Set(['sagemaker:DescribeModelPackageGroup']));
  });

  it('a page read in store order ends short once it has decided the read cap, at the next record the caller may see: paging reaches every match, no token names a hidden record', async () => {
    const hidden = new Set([`${arnBase}:model-package-group/g3`, `${arnBase}:model-package-group/g4`]);
    const authorize: ActionAuthorizer = async (_p, _action, arn) => {
      if (hidden.has(arn)) throw new AccessDeniedError(`not ${arn}`);
    };
    const { store } = await openFixtureStore();
    const sources = searchSources({ describeTuningJob: () => Promise.reject(new Error('no tuning jobs in this store')) });
    const input: Input = { Resource: 'ModelPackageGroup', SortBy: 'CreationTime', SortOrder: 'Ascending', MaxResults: 1, SearchExpression: { Filters: [{ Name: 'ModelPackageGroupDescription', Operator: 'Equals', Value: 'foxtrot' }] } };
    // Every group is decided in one call without a cap (the default's 1,000 is past these 7).
    expect(await pages(new SearchService({ store, sources, authorize }), input)).toEqual([['g6']]);
    const capped = new SearchService({ store, sources, authorize, readCap: 2 });
    // g0, g1 decided, g2 (seen, no match) ends the page; g3, g4 (hidden) are passed over to g5; g6 matches.
    expect(await pages(capped, input)).toEqual([[], [], ['g6']]);
    const named: string[] = [];
    let token: string | undefined;
    do {
      const r = await capped.Search({ ...input, ...(token ? { NextToken: token } : {}) }, alice);
      token = r.NextToken;
      if (token) named.push((JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown[])[1] as string);
      expect(r.TotalHits?.Relation).toBe(token ? 'GreaterThanOrEqualTo' : 'EqualTo');
    } while (token);
    expect(named).toEqual(['g2', 'g5']);
  });

  it('a Tags.<key> filter finds a record stored under another region or account (before the config changed) by the tags of its own ARN, as the search without it shows them', async () => {
    const { store, clock, groups } = openRegistry();
    // The same store, written by servers of an older config: another region, another account.
    const west = new ModelPackageGroupService({ store, clock, partition: { region: 'eu-west-1', accountId: '123456789012' } });
    const elsewhere = new ModelPackageGroupService({ store, clock, partition: { region: 'us-east-1', accountId: '999999999999' } });
    const made: [ModelPackageGroupService, string, string][] = [[west, 'old-west', 'a'], [elsewhere, 'old-account', 'a'], [groups, 'now-a', 'a'], [groups, 'now-b', 'b'], [west, 'old-b', 'b']];
    for (const [service, name, team] of made) {
      clock.advance(1000);
      await service.CreateModelPackageGroup({ ModelPackageGroupName: name, Tags: [{ Key: 'team', Value: team }] }, alice);
    }
    const search = new SearchService({ store, sources: searchSources({ describeTuningJob: () => Promise.reject(new Error('no tuning jobs in this store')), partition }) });
    // In the store's order (CreationTime, the name) and sorted here (a description none has).
    for (const SortBy of ['CreationTime', 'ModelPackageGroupName', 'ModelPackageGroupDescription']) {
      const team = async (Operator: 'Equals' | 'NotEquals' | 'In' | 'Exists' | 'NotExists', Value?: string) =>
        (await pages(search, { Resource: 'ModelPackageGroup', SortBy, SortOrder: 'Ascending', MaxResults: 2, SearchExpression: { Filters: [{ Name: 'Tags.team', Operator, ...(Value === undefined ? {} : { Value }) }] } })).flat().sort();
      expect(await team('Equals', 'a'), SortBy).toEqual(['now-a', 'old-account', 'old-west']);
      expect(await team('In', 'b'), SortBy).toEqual(['now-b', 'old-b']);
      expect(await team('NotEquals', 'a'), SortBy).toEqual(['now-b', 'old-b']);
      expect(await team('Exists'), SortBy).toEqual(['now-a', 'now-b', 'old-account', 'old-b', 'old-west']);
      expect(await team('NotExists'), SortBy).toEqual([]);
    }
    // Shown with those tags by a search without a tag filter.
    const all = await search.Search({ Resource: 'ModelPackageGroup', MaxResults: 10 }, alice);
    expect(all.Results.map((r) => [r.ModelPackageGroup?.ModelPackageGroupName, r.ModelPackageGroup?.Tags?.map((t) => t.Value)]).sort()).toEqual(made.map(([, name, t]) => [name, [t]]).sort());
  });

  it('one record of another region or account does not make every tag-filtered search read the collection whole: its partition is asked of the tag store too', async () => {
    const { store, clock, groups } = openRegistry();
    const west = new ModelPackageGroupService({ store, clock, partition: { region: 'eu-west-1', accountId: '123456789012' } });
    const elsewhere = new ModelPackageGroupService({ store, clock, partition: { region: 'us-east-1', accountId: '999999999999' } });
    await west.CreateModelPackageGroup({ ModelPackageGroupName: 'old-west', Tags: [{ Key: 'team', Value: 'rare' }] }, alice);
    await elsewhere.CreateModelPackageGroup({ ModelPackageGroupName: 'old-account', Tags: [{ Key: 'team', Value: 'other' }] }, alice);
    for (let i = 0; i < 60; i++) await groups.CreateModelPackageGroup({ ModelPackageGroupName: `now-${i}`, Tags: [{ Key: 'team', Value: i === 7 ? 'rare' : 'common' }] }, alice);
    const { search, reads } = countingSearch(store, undefined, partition);
    for (const SortBy of ['CreationTime', 'ModelPackageGroupDescription']) {
      reads(0);
      const found = (await pages(search, { Resource: 'ModelPackageGroup', SortBy, MaxResults: 10, SearchExpression: { Filters: [{ Name: 'Tags.team', Operator: 'Equals', Value: 'rare' }] } })).flat().sort();
      expect(found, SortBy).toEqual(['now-7', 'old-west']);
      // The two records tagged so and the probes for other partitions (one record each), not the 62 records.
      expect(reads(), SortBy).toBeLessThanOrEqual(8);
    }
    // Past 16 other partitions the collection is read whole, each record of them decided on its own tags.
    for (let i = 0; i < 17; i++) {
      await new ModelPackageGroupService({ store, clock, partition: { region: `ap-${i}`, accountId: '123456789012' } }).CreateModelPackageGroup({ ModelPackageGroupName: `ap-${i}`, Tags: [{ Key: 'team', Value: i === 16 ? 'rare' : 'common' }] }, alice);
    }
    for (const SortBy of ['CreationTime', 'ModelPackageGroupDescription']) {
      const found = (await pages(search, { Resource: 'ModelPackageGroup', SortBy, MaxResults: 10, SearchExpression: { Filters: [{ Name: 'Tags.team', Operator: 'Equals', Value: 'rare' }] } })).flat().sort();
      expect(found, SortBy).toEqual(['ap-16', 'now-7', 'old-west']);
    }
  });

  it('refuses an unsupported resource, a bad SortBy, MaxResults out of range, and tokens it did not issue for this search', async () => {
    const search = await fixture();
    const refusal = async (input: Input) => {
      const e = await loamError(search.Search(input, alice));
      return [e.code, e.fields?.[0]?.path, e.message];
    };
    expect(await refusal({ Resource: 'Experiment' })).toEqual(['ValidationException', '/Resource', expect.stringMatching(/^Search of Experiment is not supported by Loam: it searches TrainingJob, /)]);
    expect((await refusal({ Resource: 'ModelPackageGroup', SortBy: 'LastModifiedTime' })).slice(0, 2)).toEqual(['ValidationException', '/SortBy']);
    expect((await refusal({ Resource: 'ModelPackageGroup', SortBy: 'CreatedBy' })).slice(0, 2)).toEqual(['ValidationException', '/SortBy']);
    expect((await refusal({ Resource: 'ModelPackageGroup', MaxResults: 101 })).slice(0, 2)).toEqual(['ValidationException', '/MaxResults']);
    expect((await refusal({ Resource: 'ModelPackageGroup', NextToken: 'not-a-token' })).slice(0, 2)).toEqual(['ValidationException', '/NextToken']);
    const token = (await search.Search({ Resource: 'ModelPackageGroup', MaxResults: 1 }, alice)).NextToken as string;
    expect(await refusal({ Resource: 'ModelPackageGroup', MaxResults: 1, SortOrder: 'Ascending', NextToken: token })).toEqual(['ValidationException', '/NextToken', expect.stringMatching(/another search/)]);
  });

  it('VisibilityConditions: a resource holding a tag named must hold the value given, besides the expression', async () => {
    const search = await fixture();
    const found = async (input: Omit<Input, 'Resource'>) => (await search.Search({ Resource: 'ModelPackageGroup', SortOrder: 'Ascending', ...input }, alice)).Results.map((x) => x.ModelPackageGroup?.ModelPackageGroupName);
    expect(await found({ VisibilityConditions: [{ Key: 'Tags.team', Value: 'b' }] })).toEqual(['g1', 'g3', 'g5']);
    expect(await found({ VisibilityConditions: [{ Key: 'Tags.team', Value: 'b' }], SearchExpression: { Filters: [{ Name: 'ModelPackageGroupDescription', Operator: 'In', Value: 'alpha,bravo,delta' }] } })).toEqual(['g1', 'g5']);
    // A group without the tag `other` is found: a condition only excludes a resource holding its tag with another value.
    expect(await found({ VisibilityConditions: [{ Key: 'Tags.team', Value: 'b' }, { Key: 'Tags.other', Value: 'x' }] })).toEqual(['g1', 'g3', 'g5']);
    const e = await loamError(search.Search({ Resource: 'ModelPackageGroup', VisibilityConditions: [{ Key: 'team', Value: 'b' }] }, alice));
    expect([e.code, e.fields?.[0]?.path]).toEqual(['ValidationException', '/VisibilityConditions/0/Key']);
  });

  it('VisibilityConditions on models: Tags.<key> is a tag of the model (its record keeps them under Model)', async () => {
    const store = createMemoryMetadataStore({ collections: [modelsCollection] });
    for (const [name, team] of [['m-a', 'a'], ['m-b', 'b']] as const) {
      const arn = `${arnBase}:model/${name}`;
      await store.collection(modelsCollection).insert({ key: name, name, arn, creationTime: 1, request: { ExecutionRoleArn: 'arn:aws:iam::123456789012:role/r' }, containers: [], networkIsolation: false });
      await store.tags.put(arn, [{ Key: 'team', Value: team }]);
    }
    const search = new SearchService({ store, sources: searchSources({ describeTuningJob: () => Promise.reject(new Error('unused')) }) });
    const r = await search.Search({ Resource: 'Model', VisibilityConditions: [{ Key: 'Tags.team', Value: 'b' }] }, alice);
    expect(r.Results.map((x) => x.Model?.Model?.ModelName)).toEqual(['m-b']);
  });

  it('a page in an order the store keeps reads about a page from it: model packages by LastModifiedTime (the default), groups by CreationTime', async () => {
    const { store, clock, groups, packages } = openRegistry();
    await groups.CreateModelPackageGroup({ ModelPackageGroupName: 'big' }, alice);
    for (let i = 0; i < 30; i++) {
      clock.advance(1000);
      await packages.CreateModelPackage({ ModelPackageGroupName: 'big', InferenceSpecification: spec() }, alice);
    }
    // Counting TotalHits reads on past the page: 4 records past it here. One store page (the scan's are 5) holds
    // the page, its look-ahead, the 4 counted and the one that says more follow: no second page of which 3 are used.
    const { search, reads } = countingSearch(store, 4);
    const first = await search.Search({ Resource: 'ModelPackage', MaxResults: 2 }, alice);
    expect(first.Results.map((r) => r.ModelPackage?.ModelPackageVersion)).toEqual([30, 29]);
    expect(first.TotalHits).toEqual({ Value: 7, Relation: 'GreaterThanOrEqualTo' });
    expect(reads()).toBe(8);
    reads(0);
    const next = await search.Search({ Resource: 'ModelPackage', MaxResults: 2, NextToken: first.NextToken as string }, alice);
    expect(next.Results.map((r) => r.ModelPackage?.ModelPackageVersion)).toEqual([28, 27]);
    expect(next.TotalHits).toEqual({ Value: 9, Relation: 'GreaterThanOrEqualTo' });
    // From the token's record on (read again, skipped), one store page of 9.
    expect(reads()).toBe(9);
  });

  it('a top-level Equals or In on a property kept in a column is asked of the store: only packages that can match are read', async () => {
    const { store, clock, groups, packages } = openRegistry();
    await groups.CreateModelPackageGroup({ ModelPackageGroupName: 'big' }, alice);
    for (let i = 1; i <= 20; i++) {
      clock.advance(1000);
      await packages.CreateModelPackage({ ModelPackageGroupName: 'big', InferenceSpecification: spec(), ModelApprovalStatus: i % 5 === 0 ? 'Approved' : 'Rejected' }, alice);
    }
    const { search, reads } = countingSearch(store);
    const versions = async (input: Omit<Input, 'Resource'>) => (await search.Search({ Resource: 'ModelPackage', SortBy: 'ModelPackageVersion', ...input }, alice)).Results.map((r) => r.ModelPackage?.ModelPackageVersion);
    expect(await versions({ SearchExpression: { Filters: [{ Name: 'ModelApprovalStatus', Value: 'Approved' }] } })).toEqual([20, 15, 10, 5]);
    expect(reads()).toBe(4);
    reads(0);
    expect(await versions({ SearchExpression: { Filters: [{ Name: 'ModelApprovalStatus', Operator: 'In', Value: 'Approved, PendingManualApproval' }, { Name: 'ModelPackageVersion', Operator: 'LessThan', Value: '12' }] } })).toEqual([10, 5]);
    expect(reads()).toBe(4);
    reads(0);
    // Under Or the store cannot narrow: every package is read.
    expect(await versions({ SearchExpression: { Operator: 'Or', Filters: [{ Name: 'ModelApprovalStatus', Value: 'Approved' }, { Name: 'ModelPackageVersion', Value: '1' }] } })).toEqual([20, 15, 10, 5, 1]);
    expect(reads()).toBe(20);
  });

  it('a record modified while a page is read (its LastModifiedTime moves ahead of the scan) is in the page once', async () => {
    const { store, clock, groups, packages } = openRegistry();
    await groups.CreateModelPackageGroup({ ModelPackageGroupName: 'busy' }, alice);
    for (let i = 1; i <= 6; i++) {
      clock.advance(1000);
      await packages.CreateModelPackage({ ModelPackageGroupName: 'busy', InferenceSpecification: spec(), ...(i === 1 || i === 5 ? { Tags: [{ Key: 'pick', Value: 'y' }] } : {}) }, alice);
    }
    // Version 1 is approved (modified) right after the scan's first store page was read.
    let pagesRead = 0;
    const busy = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop !== 'collection') return Reflect.get(target, prop, receiver);
        return (spec: Parameters<typeof store.collection>[0]) => {
          const col = target.collection(spec);
          return { ...col, spec: col.spec, list: async (q: Parameters<typeof col.list>[0]) => {
            const page = await col.list(q);
            if (++pagesRead === 1) {
              clock.advance(1000);
              await packages.UpdateModelPackage({ ModelPackageArn: `${arnBase}:model-package/busy/1`, ModelApprovalStatus: 'Approved' }, alice);
            }
            return page;
          } };
        };
      },
    });
    const search = new SearchService({ store: busy, sources: searchSources({ describeTuningJob: () => Promise.reject(new Error('unused')) }), scanPageSize: 2 });
    const r = await search.Search({ Resource: 'ModelPackage', SortOrder: 'Ascending', SearchExpression: { Filters: [{ Name: 'Tags.pick', Value: 'y' }] } }, alice);
    expect(r.Results.map((x) => x.ModelPackage?.ModelPackageVersion)).toEqual([1, 5]);
  });

  it('a NextToken with a value this search cannot have (forged, edited) is a ValidationException naming NextToken and nothing of the store', async () => {
    const search = await fixture();
    const fingerprint = queryFingerprint(['ModelPackageGroup', null, null, 'CreationTime', 'Descending']);
    const forged = (value: unknown) => Buffer.from(JSON.stringify([value, 'g3', fingerprint])).toString('base64url');
    for (const value of ['abc', true, null, { x: 1 }]) {
      const e = await loamError(search.Search({ Resource: 'ModelPackageGroup', NextToken: forged(value) }, alice));
      expect([e.code, e.fields, e.message], JSON.stringify(value)).toEqual(['ValidationException', [{ path: '/NextToken', message: 'invalid token' }], expect.stringMatching(/^NextToken '.*' is not a token this search issued/)]);
      expect(e.message).not.toMatch(/creationTime|model_package_groups|field/);
    }
    // Sorted here, a text property's token holds text (or nothing): a number is refused the same way.
    const byDescription = queryFingerprint(['ModelPackageGroup', null, null, 'ModelPackageGroupDescription', 'Descending']);
    const e = await loamError(search.Search({ Resource: 'ModelPackageGroup', SortBy: 'ModelPackageGroupDescription', NextToken: Buffer.from(JSON.stringify([5, 'g3', byDescription])).toString('base64url') }, alice));
    expect([e.code, e.fields?.[0]?.path]).toEqual(['ValidationException', '/NextToken']);
    // A genuine token of another resource or sort is refused as another search's.
    const token = (await search.Search({ Resource: 'ModelPackageGroup', MaxResults: 1 }, alice)).NextToken as string;
    const others = [
      { Resource: 'ModelPackage' as const }, { Resource: 'ModelPackageGroup' as const, SortBy: 'ModelPackageGroupName' },
      // Another filter: its pages are other records, so the position is refused, not read in it.
      { Resource: 'ModelPackageGroup' as const, SearchExpression: { Filters: [{ Name: 'Tags.team', Value: 'b' }] } },
      { Resource: 'ModelPackageGroup' as const, VisibilityConditions: [{ Key: 'Tags.team', Value: 'b' }] },
    ];
    for (const other of others) {
      const refused = await loamError(search.Search({ ...other, NextToken: token }, alice));
      expect([refused.code, refused.fields?.[0]?.path, refused.message]).toEqual(['ValidationException', '/NextToken', expect.stringMatching(/belongs to another search/)]);
    }
  });

  it('TotalHits: every match the caller may see, exact when sorted here; in store order a lower bound until the count reaches the end', async () => {
    const denied = `${arnBase}:model-package-group/g5`;
    const authorize: ActionAuthorizer = async (_p, _action, arn) => {
      if (arn === denied) throw new AccessDeniedError(`not ${arn}`);
    };
    const search = await fixture(authorize);
    const totals = async (input: Omit<Input, 'Resource'>) => {
      const out: unknown[] = [];
      let token: string | undefined;
      do {
        const r = await search.Search({ Resource: 'ModelPackageGroup', MaxResults: 2, ...input, ...(token ? { NextToken: token } : {}) }, alice);
        out.push(r.TotalHits);
        token = r.NextToken;
      } while (token);
      return out;
    };
    const exact = (Value: number) => ({ Value, Relation: 'EqualTo' });
    // Sorted here: every page counts all matches (g5 is not one the caller sees).
    expect(await totals({ SortBy: 'ModelPackageGroupDescription' })).toEqual([exact(6), exact(6), exact(6)]);
    expect(await totals({ SortBy: 'ModelPackageGroupDescription', SearchExpression: { Filters: [{ Name: 'Tags.team', Value: 'b' }] } })).toEqual([exact(2)]);
    // In store order, counting on past a page of 2 for 2 records read: the results before a page, and those counted after it.
    const store = new SearchService({ store: (await openFixtureStore()).store, sources: searchSources({ describeTuningJob: () => Promise.reject(new Error('unused')) }), authorize, countPastPage: 2 });
    const inStore: unknown[] = [];
    let token: string | undefined;
    do {
      const r = await store.Search({ Resource: 'ModelPackageGroup', MaxResults: 2, ...(token ? { NextToken: token } : {}) }, alice);
      inStore.push([r.Results.map((x) => x.ModelPackageGroup?.ModelPackageGroupName), r.TotalHits]);
      token = r.NextToken;
    } while (token);
    expect(inStore).toEqual([
      [['g6', 'g4'], { Value: 5, Relation: 'GreaterThanOrEqualTo' }],
      [['g3', 'g2'], exact(6)],
      [['g1', 'g0'], exact(6)],
    ]);
  });

  it('TotalHits reads no tags to count past the page: with VisibilityConditions it counts the page and its look-ahead, a lower bound', async () => {
    const { store } = await openFixtureStore();
    let tagReads = 0;
    const counting = new Proxy(store, {
      get(target, prop, receiver) {
        const v: unknown = Reflect.get(target, prop, receiver);
        if (prop !== 'tags') return typeof v === 'function' ? v.bind(target) : v;
        // Each resource whose tags are read counts, alone or in a read of many.
        const t = target.tags;
        return { ...t, list: (arn: string) => (tagReads++, t.list(arn)), listMany: (arns: readonly string[]) => ((tagReads += arns.length), t.listMany(arns)), tagged: t.tagged.bind(t) };
      },
    });
    const search = new SearchService({ store: counting, sources: searchSources({ describeTuningJob: () => Promise.reject(new Error('unused')) }) });
    // g6, g4, g2, g0 hold team=a. The page (g6), its look-ahead (g4) and g5 between them are decided, one tag read
    // each, and the page's record one more; g3..g0 are not read to count them.
    const visible = await search.Search({ Resource: 'ModelPackageGroup', MaxResults: 1, VisibilityConditions: [{ Key: 'Tags.team', Value: 'a' }] }, alice);
    expect(visible.Results.map((r) => r.ModelPackageGroup?.ModelPackageGroupName)).toEqual(['g6']);
    expect(visible.TotalHits).toEqual({ Value: 2, Relation: 'GreaterThanOrEqualTo' });
    expect(tagReads).toBe(4);
    // The last page reads to the end anyway: exact.
    const last = await search.Search({ Resource: 'ModelPackageGroup', MaxResults: 1, SortOrder: 'Ascending', VisibilityConditions: [{ Key: 'Tags.team', Value: 'b' }], SearchExpression: { Filters: [{ Name: 'ModelPackageGroupName', Operator: 'In', Value: 'g3,g5' }] } }, alice);
    expect(last.TotalHits).toEqual({ Value: 2, Relation: 'EqualTo' });
    // A filter decided by the record alone (no tags) still counts on past the page.
    tagReads = 0;
    const described = await search.Search({ Resource: 'ModelPackageGroup', MaxResults: 1, SearchExpression: { Filters: [{ Name: 'ModelPackageGroupDescription', Operator: 'Contains', Value: 'o' }] } }, alice);
    expect(described.TotalHits).toEqual({ Value: 4, Relation: 'EqualTo' });
    expect(tagReads).toBe(1);
  });

  it('VisibilityConditions: a resource without the tag is found, one with another value is not; no Value is the empty value; a Key is required', async () => {
    const { store, groups } = openRegistry();
    const made: [string, { Key: string; Value: string }[]][] = [['none', []], ['red', [{ Key: 'team', Value: 'red' }]], ['blue', [{ Key: 'team', Value: 'blue' }]], ['empty', [{ Key: 'team', Value: '' }]]];
    for (const [name, Tags] of made) await groups.CreateModelPackageGroup({ ModelPackageGroupName: name, Tags }, alice);
    const search = new SearchService({ store, sources: searchSources({ describeTuningJob: () => Promise.reject(new Error('unused')) }) });
    const found = async (VisibilityConditions: { Key?: string; Value?: string }[]) =>
      (await search.Search({ Resource: 'ModelPackageGroup', SortBy: 'ModelPackageGroupName', SortOrder: 'Ascending', VisibilityConditions }, alice)).Results.map((x) => x.ModelPackageGroup?.ModelPackageGroupName);
    expect(await found([{ Key: 'Tags.team', Value: 'red' }])).toEqual(['none', 'red']);
    expect(await found([{ Key: 'Tags.team', Value: 'red' }, { Key: 'Tags.team', Value: 'blue' }])).toEqual(['blue', 'none', 'red']);
    expect(await found([{ Key: 'Tags.team' }])).toEqual(['empty', 'none']);
    expect(await found([{ Key: 'Tags.owner', Value: 'x' }])).toEqual(['blue', 'empty', 'none', 'red']);
    const e = await loamError(search.Search({ Resource: 'ModelPackageGroup', VisibilityConditions: [{ Key: 'Tags.team', Value: 'red' }, { Value: 'x' }] }, alice));
    expect([e.code, e.fields?.[0]?.path]).toEqual(['ValidationException', '/VisibilityConditions/1/Key']);
  });

  it('a time range on an indexed time is asked of the store: sorted here, only the packages in the range are read', async () => {
    const { store, clock, groups, packages } = openRegistry();
    await groups.CreateModelPackageGroup({ ModelPackageGroupName: 'big' }, alice);
    for (let i = 1; i <= 20; i++) {
      clock.advance(1000);
      await packages.CreateModelPackage({ ModelPackageGroupName: 'big', InferenceSpecification: spec() }, alice);
    }
    const { search, reads } = countingSearch(store);
    const since = (await search.Search({ Resource: 'ModelPackage', SortOrder: 'Ascending', MaxResults: 16 }, alice)).Results[15]?.ModelPackage?.CreationTime as number;
    reads(0);
    const versions = async (SearchExpression: NonNullable<Input['SearchExpression']>) =>
      (await search.Search({ Resource: 'ModelPackage', SortBy: 'ModelPackageVersion', SearchExpression }, alice)).Results.map((r) => r.ModelPackage?.ModelPackageVersion);
    expect(await versions({ Filters: [{ Name: 'CreationTime', Operator: 'GreaterThanOrEqualTo', Value: new Date(since * 1000).toISOString() }] })).toEqual([20, 19, 18, 17, 16]);
    expect(reads()).toBe(5);
    reads(0);
    expect(await versions({ Filters: [{ Name: 'CreationTime', Operator: 'GreaterThan', Value: String(since) }, { Name: 'LastModifiedTime', Operator: 'LessThan', Value: String(since + 3) }] })).toEqual([18, 17]);
    expect(reads()).toBe(2);
    // A time beyond any number (1e400 seconds) is not asked of the store, which holds finite times only: the expression decides, as it did.
    expect(await versions({ Filters: [{ Name: 'CreationTime', Operator: 'GreaterThan', Value: '1e400' }] })).toEqual([]);
    expect(await versions({ Filters: [{ Name: 'CreationTime', Operator: 'GreaterThan', Value: String(since + 3) }, { Name: 'LastModifiedTime', Operator: 'LessThan', Value: '1e400' }] })).toEqual([20]);
  });

  it('CrossAccount finds nothing: Loam is one account', async () => {
    const search = await fixture();
    expect(await search.Search({ Resource: 'ModelPackageGroup', CrossAccountFilterOption: 'CrossAccount' }, alice)).toEqual({ Results: [], TotalHits: { Value: 0, Relation: 'EqualTo' } });
  });
});
