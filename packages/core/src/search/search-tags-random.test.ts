import { describe, expect, it } from 'vitest';
import { modelPackageGroupsCollection, type ModelPackageGroupRecord } from '../registry/registry.collections.js';
import { arnBase, ctxOf, openRegistry, partition } from '../registry/registry.test-support.js';
import { OneByOneSearchService } from './search-tags-one-by-one.test-support.js';
import { SearchService } from './search.service.js';
import { searchSources } from './search-sources.js';
import { seededRandom } from '@loam/testkit/random/seeded-random';

// Random mixes of Tags.<key> filters (a key on more resources than one store read holds, one on few, one mostly on
// another type), with other filters, Or sub-expressions, sorts and page sizes: the targeted reads (typed and not)
// answer every page as reading each candidate's tags alone does. A failing case prints its seed.

const alice = ctxOf('alice');
const GROUPS = 1200;

async function seeded() {
  const { store } = openRegistry();
  const name = (i: number) => `g${String(i).padStart(4, '0')}`;
  await store.transaction(async (tx) => {
    for (let i = 0; i < GROUPS; i++) {
      const arn = `${arnBase}:model-package-group/${name(i)}`;
      const record: ModelPackageGroupRecord = { key: name(i), name: name(i), arn, creationTime: 1_700_000_000 + (i % 97), createdBy: {}, latestVersion: 0, description: `d${(i * 7919) % 1201}` };
      await tx.collection(modelPackageGroupsCollection).insert(record);
      const tags = [
        // a: 1,080 groups, more than one read of 1,000 (decided a chunk of candidates at a time).
        ...(i % 10 ? [{ Key: 'a', Value: ['x', 'y', 'z', '10', '9'][i % 5] as string }] : []),
        // b: 60 groups (decided by the store).
        ...(i % 20 === 3 ? [{ Key: 'b', Value: i % 40 === 3 ? 'x' : 'w' }] : []),
        // c: 5 groups here, 1,050 endpoints below (decided when typed, not when every type is read).
        ...(i % 240 === 7 ? [{ Key: 'c', Value: 'x' }] : []),
      ];
      if (tags.length) await tx.tags.put(arn, tags);
    }
    for (let i = 0; i < 1050; i++) await tx.tags.put(`${arnBase}:endpoint/e${i}`, [{ Key: 'c', Value: i % 2 ? 'x' : 'y' }]);
  });
  return store;
}

/** A seeded generator, so a failing case can be run again. */
const random = seededRandom;

type Input = Parameters<SearchService['Search']>[0];
type Filter = { Name: string; Operator: string; Value?: string };

function randomInput(r: () => number): Input {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const filter = (): Filter => {
    if (r() < 0.15) return { Name: 'ModelPackageGroupName', Operator: pick(['Contains', 'NotEquals']), Value: pick(['1', 'g05', '7']) };
    // Text properties: these operators (GreaterThan and the like are refused for text).
    const Operator = pick(['Equals', 'NotEquals', 'Exists', 'NotExists', 'In', 'Contains']);
    const Name = `Tags.${pick(['a', 'a', 'b', 'c'])}`;
    if (Operator === 'Exists' || Operator === 'NotExists') return { Name, Operator };
    return { Name, Operator, Value: Operator === 'In' ? pick(['x,y', 'x', 'w,10']) : pick(['x', 'y', 'z', '10', '9', 'w']) };
  };
  const filters = Array.from({ length: 1 + Math.floor(r() * 3) }, filter);
  const or = r() < 0.25 ? { SubExpressions: [{ Filters: [filter()] }, { Filters: [filter()] }], Operator: 'Or' } : {};
  return {
    Resource: 'ModelPackageGroup', MaxResults: pick([1, 7, 50, 100]),
    SortBy: pick(['CreationTime', 'ModelPackageGroupName', 'ModelPackageGroupDescription']), SortOrder: pick(['Ascending', 'Descending']),
    SearchExpression: { Filters: filters, ...or },
  } as Input;
}

/** Up to 3 pages, each answer whole (results, NextToken, TotalHits), or the error's code and message. */
async function walk(search: SearchService, input: Input): Promise<unknown[]> {
  const out: unknown[] = [];
  let token: string | undefined;
  do {
    try {
      const r = await search.Search({ ...input, ...(token ? { NextToken: token } : {}) }, alice);
      out.push(r);
      token = r.NextToken;
    } catch (e) {
      out.push({ error: (e as { code?: string }).code, message: (e as Error).message });
      token = undefined;
    }
  } while (token && out.length < 3);
  return out;
}

describe('Search by random mixes of tag filters', () => {
  it('answers as reading each candidate\'s tags alone, typed and untyped', async () => {
    const store = await seeded();
    const sources = (typed: boolean) => searchSources({ describeTuningJob: () => Promise.reject(new Error('unused')), ...(typed ? { partition } : {}) });
    // Uncapped: the read cap counts the records a page decides, fewer where the store's tag answers narrow the read, so
    // capped pages end at other places than the reference's (search.service.test.ts tests the cap).
    const o = { store, scanPageSize: 97, readCap: Number.POSITIVE_INFINITY };
    const typed = new SearchService({ ...o, sources: sources(true) });
    const untyped = new SearchService({ ...o, sources: sources(false) });
    const reference = new OneByOneSearchService({ ...o, sources: sources(false) });
    const base = Number(process.env['LOAM_TEST_SEED'] ?? 20261129);
    for (let k = 0; k < 60; k++) {
      const seed = base + k;
      const input = randomInput(random(seed));
      const expected = await walk(reference, input);
      const why = `seed ${seed}: ${JSON.stringify(input)}`;
      expect(await walk(typed, input), why).toEqual(expected);
      expect(await walk(untyped, input), why).toEqual(expected);
    }
  }, 300_000);
});
