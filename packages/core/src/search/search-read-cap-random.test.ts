import { describe, expect, it } from 'vitest';
import type { ActionAuthorizer } from '../kernel/authorizer.js';
import { AccessDeniedError } from '../kernel/errors.js';
import { modelPackageGroupsCollection, type ModelPackageGroupRecord } from '../registry/registry.collections.js';
import { arnBase, ctxOf, openRegistry, partition } from '../registry/registry.test-support.js';
import { SearchService } from './search.service.js';
import { searchSources } from './search-sources.js';
import { seededRandom } from '@loam/testkit/random/seeded-random';

// Random searches read in store order with a small read cap (pages ended short, empty pages with a NextToken),
// random hidden records, many ties of CreationTime, tag filters the store decides: walked page by page, they return
// exactly the matches an uncapped walk returns, in its order, none twice; no token names a hidden record; TotalHits
// is a lower bound until the last page, which counts them all. Then records created and deleted between the capped
// pages: every match present throughout is returned once, no record twice. A failing case prints its seed.

const alice = ctxOf('alice');
const GROUPS = 200;
const name = (i: number) => `g${String(i).padStart(4, '0')}`;

async function seeded() {
  const { store } = openRegistry();
  await store.transaction(async (tx) => {
    for (let i = 0; i < GROUPS; i++) await insert(tx, i);
  });
  return store;
}

type Store = ReturnType<typeof openRegistry>['store'];
type Tx = Parameters<Parameters<Store['transaction']>[0]>[0];

async function insert(tx: Tx | Store, i: number): Promise<void> {
  const arn = `${arnBase}:model-package-group/${name(i)}`;
  // 13 creation times: runs of ties longer than a cap.
  const record: ModelPackageGroupRecord = { key: name(i), name: name(i), arn, creationTime: 1_700_000_000 + ((i * 7) % 13), createdBy: {}, latestVersion: 0, description: `d${i % 5}` };
  await tx.collection(modelPackageGroupsCollection).insert(record);
  await tx.tags.put(arn, [{ Key: 'k', Value: i % 3 ? 'x' : 'y' }, ...(i % 11 === 0 ? [{ Key: 'rare', Value: 'r' }] : [])]);
}

/** A seeded generator, so a failing case can be run again. */
const random = seededRandom;

type Input = Parameters<SearchService['Search']>[0];

function randomInput(r: () => number): Input {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const filters = pick([
    [{ Name: 'ModelPackageGroupDescription', Operator: 'Equals', Value: pick(['d0', 'd3']) }],
    [{ Name: 'ModelPackageGroupName', Operator: 'Contains', Value: pick(['7', '01', '99']) }],
    [{ Name: 'Tags.k', Operator: 'Equals', Value: pick(['x', 'y']) }],
    [{ Name: 'Tags.rare', Operator: 'Exists' }],
    [{ Name: 'Tags.k', Operator: 'Equals', Value: 'y' }, { Name: 'ModelPackageGroupDescription', Operator: 'NotEquals', Value: 'd1' }],
  ]);
  return {
    Resource: 'ModelPackageGroup', MaxResults: pick([1, 2, 5, 20]),
    SortBy: pick(['CreationTime', 'ModelPackageGroupName']), SortOrder: pick(['Ascending', 'Descending']),
    SearchExpression: { Filters: filters },
  } as Input;
}

interface Page {
  readonly names: string[];
  readonly token?: string;
  readonly total: { Value?: number; Relation?: string };
}

async function walk(search: SearchService, input: Input, between?: (page: number) => Promise<void>): Promise<Page[]> {
  const out: Page[] = [];
  let token: string | undefined;
  do {
    if (out.length > 0) await between?.(out.length);
    const r = await search.Search({ ...input, ...(token ? { NextToken: token } : {}) }, alice);
    token = r.NextToken;
    out.push({ names: r.Results.map((x) => x.ModelPackageGroup!.ModelPackageGroupName!), ...(token ? { token } : {}), total: r.TotalHits ?? {} });
  } while (token && out.length < 2000);
  return out;
}

const tokenKey = (token: string) => (JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown[])[1] as string;

describe('Search read in store order under a read cap, random', () => {
  it('returns every match once in the uncapped order, names no hidden record, counts exactly at the end', async () => {
    const store = await seeded();
    const sources = searchSources({ describeTuningJob: () => Promise.reject(new Error('unused')), partition });
    const base = Number(process.env['LOAM_TEST_SEED'] ?? 20261129);
    // The walks these seeds make do end pages short: empty pages with a NextToken, more pages than uncapped.
    let emptyWithToken = 0;
    for (let k = 0; k < 25; k++) {
      const seed = base + k;
      const r = random(seed);
      const input = randomInput(r);
      const hiddenShare = [0, 0.3, 0.9][Math.floor(r() * 3)] as number;
      const hidden = new Set(Array.from({ length: GROUPS }, (_, i) => i).filter(() => r() < hiddenShare).map((i) => `${arnBase}:model-package-group/${name(i)}`));
      const authorize: ActionAuthorizer = async (_p, _a, arn) => {
        if (hidden.has(arn)) throw new AccessDeniedError(`not ${arn}`);
      };
      const cap = 1 + Math.floor(r() * 12);
      const why = `seed ${seed} cap ${cap} hidden ${hiddenShare}: ${JSON.stringify(input)}`;
      const whole = await walk(new SearchService({ store, sources, authorize, scanPageSize: 7, readCap: Number.POSITIVE_INFINITY }), input);
      const capped = await walk(new SearchService({ store, sources, authorize, scanPageSize: 7, readCap: cap }), input);
      const expected = whole.flatMap((p) => p.names);
      expect(capped.flatMap((p) => p.names), why).toEqual(expected);
      for (const p of capped) {
        expect(p.names.length, why).toBeLessThanOrEqual(input.MaxResults as number);
        if (p.token) expect(hidden.has(`${arnBase}:model-package-group/${tokenKey(p.token)}`), why).toBe(false);
      }
      const last = capped[capped.length - 1] as Page;
      expect(last.total, why).toEqual({ Value: expected.length, Relation: 'EqualTo' });
      for (const p of capped.slice(0, -1)) expect(p.total.Value!, why).toBeLessThanOrEqual(expected.length);
      emptyWithToken += capped.filter((p) => p.names.length === 0 && p.token).length;
    }
    expect(emptyWithToken).toBeGreaterThan(10);
  }, 120_000);

  it('with records created and deleted between pages: every match present throughout returned once, none twice', async () => {
    const sources = searchSources({ describeTuningJob: () => Promise.reject(new Error('unused')), partition });
    const base = Number(process.env['LOAM_TEST_SEED'] ?? 20261129);
    for (let k = 0; k < 10; k++) {
      const seed = base + 1000 + k;
      const r = random(seed);
      const store = await seeded();
      const input = randomInput(r);
      const cap = 1 + Math.floor(r() * 12);
      const why = `seed ${seed} cap ${cap}: ${JSON.stringify(input)}`;
      const before = new Set((await walk(new SearchService({ store, sources, readCap: Number.POSITIVE_INFINITY }), input)).flatMap((p) => p.names));
      const touched = new Set<string>();
      let next = GROUPS;
      const between = async () => {
        for (let j = 0; j < 3; j++) {
          if (r() < 0.5) {
            touched.add(name(next));
            await insert(store, next++);
          } else {
            const i = Math.floor(r() * GROUPS);
            touched.add(name(i));
            await store.collection(modelPackageGroupsCollection).delete(name(i));
          }
        }
      };
      const got = (await walk(new SearchService({ store, sources, scanPageSize: 7, readCap: cap }), input, between)).flatMap((p) => p.names);
      expect(new Set(got).size, why).toBe(got.length);
      for (const n of before) if (!touched.has(n)) expect(got, why).toContain(n);
    }
  }, 120_000);
});
