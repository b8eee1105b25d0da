import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nameForAttempt } from '@loam/testkit/vitest/retry.test-support';
import { openTestLoam, type TestLoam } from '../../../compose/loam.test-support.js';
import { mlflowCaller } from '../mlflow.test-support.js';

// registered-models/search and model-versions/search take MLflow's registry filter grammar, order_by
// and paging rules (mlflow/utils/search_utils.py, mlflow/store/model_registry).

let loam: TestLoam;
let call: ReturnType<typeof mlflowCaller>;
const names = (r: { json: Record<string, any> }) => (r.json.registered_models ?? []).map((m: { name: string }) => m.name);
const versions = (r: { json: Record<string, any> }) => (r.json.model_versions ?? []).map((v: { name: string; version: string }) => `${v.name}/${v.version}`);

beforeAll(async () => {
  loam = await openTestLoam();
  call = mlflowCaller(loam.app, `Bearer ${loam.adminToken}`);
  for (const [name, team] of [['search-b', 'risk'], ['search-a', 'growth'], ['Search-c', 'risk']] as const) {
    expect((await call('POST', 'registered-models/create', { name, tags: [{ key: 'team', value: team }] })).status).toBe(200);
  }
  await call('POST', 'registered-models/set-tag', { name: 'search-b', key: 'team', value: 'risk' }); // b updated last
  for (let i = 1; i <= 3; i++) {
    await call('POST', 'model-versions/create', { name: 'search-a', source: `s3://models/a/${i}`, run_id: `run${i}`, tags: [{ key: 'i', value: String(i) }] });
  }
  await call('POST', 'model-versions/create', { name: 'search-b', source: 's3://other/b/1', run_id: 'run1' });
});
afterAll(async () => loam?.close());

describe('registered-models/search', () => {
  it('filters on name and tags with =, !=, LIKE, ILIKE, IN joined by AND', async () => {
    expect(names(await call('GET', 'registered-models/search', {}))).toEqual(['Search-c', 'search-a', 'search-b']);
    expect(names(await call('GET', 'registered-models/search', { filter: "name LIKE 'search-%'" }))).toEqual(['search-a', 'search-b']);
    expect(names(await call('GET', 'registered-models/search', { filter: "name ILIKE 'search-%'" }))).toEqual(['Search-c', 'search-a', 'search-b']);
    expect(names(await call('GET', 'registered-models/search', { filter: "name != 'search-a'" }))).toEqual(['Search-c', 'search-b']);
    expect(names(await call('GET', 'registered-models/search', { filter: "name IN ('search-a', 'Search-c')" }))).toEqual(['Search-c', 'search-a']);
    expect(names(await call('GET', 'registered-models/search', { filter: "tags.team = 'risk'" }))).toEqual(['Search-c', 'search-b']);
    expect(names(await call('GET', 'registered-models/search', { filter: "tags.team = 'risk' AND name ILIKE '%C'" }))).toEqual(['Search-c']);
    expect(names(await call('GET', 'registered-models/search', { filter: "tags.nope = 'x'" }))).toEqual([]);
    for (const filter of ["name = 'a' OR name = 'b'", 'name = 3', "run_id = 'x'", "name ~ 'x'", "name = 'a' AND"]) {
      expect(await call('GET', 'registered-models/search', { filter }), filter).toMatchObject({ status: 400, json: { error_code: 'INVALID_PARAMETER_VALUE' } });
    }
  });

  it('orders by name, creation and last update', async () => {
    expect(names(await call('POST', 'registered-models/search', { order_by: ['name DESC'] }))).toEqual(['search-b', 'search-a', 'Search-c']);
    const byCreation = (await call('POST', 'registered-models/search', { order_by: ['creation_timestamp DESC'] })).json.registered_models.map((m: { creation_timestamp: number }) => m.creation_timestamp);
    expect(byCreation).toEqual([...byCreation].sort((a, b) => b - a));
    expect(names(await call('POST', 'registered-models/search', { order_by: ['last_updated_timestamp DESC'] }))[0]).toBe('search-b');
    expect(await call('POST', 'registered-models/search', { order_by: ['nope ASC'] })).toMatchObject({ status: 400, json: { error_code: 'INVALID_PARAMETER_VALUE' } });
  });

  it('pages with MLflow tokens; refuses malformed tokens and max_results out of range', async () => {
    const p1 = await call('GET', 'registered-models/search', { max_results: 2 });
    expect(names(p1)).toEqual(['Search-c', 'search-a']);
    const p2 = await call('GET', 'registered-models/search', { max_results: 2, page_token: p1.json.next_page_token });
    expect(names(p2)).toEqual(['search-b']);
    expect(p2.json.next_page_token).toBeUndefined();
    for (const q of [{ page_token: '%%%' }, { page_token: 'bm90IGpzb24=' }, { max_results: 0 }, { max_results: -1 }, { max_results: 1001 }]) {
      expect(await call('GET', 'registered-models/search', q), JSON.stringify(q)).toMatchObject({ status: 400, json: { error_code: 'INVALID_PARAMETER_VALUE' } });
    }
    expect((await call('GET', 'registered-models/search', { max_results: 1000 })).status).toBe(200);
  });
});

describe('model-versions/search', () => {
  it('filters on name, run_id, source_path, version_number and tags', async () => {
    expect(versions(await call('GET', 'model-versions/search', {}))).toEqual(['search-a/3', 'search-a/2', 'search-a/1', 'search-b/1']);
    expect(versions(await call('GET', 'model-versions/search', { filter: "run_id = 'run1'" }))).toEqual(['search-a/1', 'search-b/1']);
    expect(versions(await call('GET', 'model-versions/search', { filter: "run_id IN ('run2', 'run3')" }))).toEqual(['search-a/3', 'search-a/2']);
    expect(versions(await call('GET', 'model-versions/search', { filter: "source_path LIKE 's3://models/%'" }))).toEqual(['search-a/3', 'search-a/2', 'search-a/1']);
    expect(versions(await call('GET', 'model-versions/search', { filter: "name = 'search-a' AND version_number >= 2" }))).toEqual(['search-a/3', 'search-a/2']);
    expect(versions(await call('GET', 'model-versions/search', { filter: "attributes.version_number = '1'" }))).toEqual(['search-a/1', 'search-b/1']);
    expect(versions(await call('GET', 'model-versions/search', { filter: "tags.i != '2'" }))).toEqual(['search-a/3', 'search-a/1']);
    expect(versions(await call('GET', 'model-versions/search', { filter: "name ILIKE 'SEARCH-B'" }))).toEqual(['search-b/1']);
    for (const filter of ["version_number LIKE '1'", "metrics.x > 1", "current_stage = 'None'"]) {
      expect(await call('GET', 'model-versions/search', { filter }), filter).toMatchObject({ status: 400, json: { error_code: 'INVALID_PARAMETER_VALUE' } });
    }
  });

  it('orders, pages and checks max_results', async () => {
    expect(versions(await call('POST', 'model-versions/search', { filter: "name = 'search-a'", order_by: ['version_number ASC'] }))).toEqual(['search-a/1', 'search-a/2', 'search-a/3']);
    expect(versions(await call('POST', 'model-versions/search', { order_by: ['name DESC'] }))).toEqual(['search-b/1', 'search-a/3', 'search-a/2', 'search-a/1']);
    const p1 = await call('POST', 'model-versions/search', { max_results: 3 });
    const p2 = await call('POST', 'model-versions/search', { max_results: 3, page_token: p1.json.next_page_token });
    expect([...versions(p1), ...versions(p2)]).toEqual(['search-a/3', 'search-a/2', 'search-a/1', 'search-b/1']);
    expect(await call('POST', 'model-versions/search', { max_results: 0 })).toMatchObject({ status: 400, json: { error_code: 'INVALID_PARAMETER_VALUE' } });
    expect(await call('POST', 'model-versions/search', { page_token: 'garbage!' })).toMatchObject({ status: 400, json: { error_code: 'INVALID_PARAMETER_VALUE' } });
  });
});

describe('paging after a delete', () => {
  // MLflow pages by an offset, so a model or version deleted from a page read moved the next page one on and a
  // live one was never listed; Loam's token is the last item's place in the order (MLflow's offsets are still served).
  it('registered-models/search: a model deleted from a page read moves none past the next page', async ({ task }) => {
    // Names of this attempt: a retry shares the server, and the failed attempt's models.
    const prefix = nameForAttempt(task, 'keyset');
    const model = (n: number) => `${prefix}-${n}`;
    for (const n of [1, 2, 3, 4, 5]) expect((await call('POST', 'registered-models/create', { name: model(n) })).status).toBe(200);
    const q = { filter: `name LIKE '${prefix}-_'`, max_results: 2 };
    const p1 = await call('POST', 'registered-models/search', q);
    expect(names(p1)).toEqual([model(1), model(2)]);
    expect((await call('POST', 'registered-models/delete', { name: model(1) })).status).toBe(200);
    const p2 = await call('POST', 'registered-models/search', { ...q, page_token: p1.json.next_page_token });
    expect(names(p2)).toEqual([model(3), model(4)]);
    const p3 = await call('POST', 'registered-models/search', { ...q, page_token: p2.json.next_page_token });
    expect([names(p3), p3.json.next_page_token]).toEqual([[model(5)], undefined]);
    // MLflow's own token, an offset, is served; a token of another order_by, or {}, is refused naming page_token.
    expect(names(await call('POST', 'registered-models/search', { ...q, page_token: Buffer.from('{"offset": 3}').toString('base64') }))).toEqual([model(5)]);
    for (const page_token of [Buffer.from('{}').toString('base64'), p1.json.next_page_token]) {
      expect(await call('POST', 'registered-models/search', { ...q, order_by: ['name DESC'], page_token }), page_token).toMatchObject({ status: 400, json: { error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringMatching(/^Invalid page token/) } });
    }
  });

  it('model-versions/search: a version deleted from a page read moves none past the next page', async ({ task }) => {
    const name = nameForAttempt(task, 'versions-keyset');
    expect((await call('POST', 'registered-models/create', { name })).status).toBe(200);
    for (let i = 1; i <= 5; i++) expect((await call('POST', 'model-versions/create', { name, source: `s3://models/v/${i}` })).status).toBe(200);
    const q = { filter: `name = '${name}'`, max_results: 2 };
    const p1 = await call('POST', 'model-versions/search', q);
    expect(versions(p1)).toEqual([`${name}/5`, `${name}/4`]);
    expect((await call('POST', 'model-versions/delete', { name, version: '5' })).status).toBe(200);
    const p2 = await call('POST', 'model-versions/search', { ...q, page_token: p1.json.next_page_token });
    expect(versions(p2)).toEqual([`${name}/3`, `${name}/2`]);
  });
});
