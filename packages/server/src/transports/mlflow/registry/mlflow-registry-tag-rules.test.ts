import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { testPostgresUrl, useFreshPostgresSchema } from '@loam/adapters/metadata/sql/postgres-test-schema';
import { openTestLoam, type TestLoam } from '../../../compose/loam.test-support.js';

// On MLflow's transport MLflow's rules for the registry win (mlflow/utils/validation.py and its SQL schema):
// a registered model's or version's tag key up to 250 characters, a value up to 5000 of any characters
// (commas, quotes, JSON, newlines), a description up to 5000. The registry-limits fix held set-tag to
// SageMaker's tag rules (key 128, value 256, letters, digits and `_.:/=+-@`), as create already was, so
// `MlflowClient().set_model_version_tag(name, "1", "metrics", json.dumps({...}))` and
// `create_registered_model(name, tags={"owner": "a, b"})` were refused; descriptions were held to 1024.
// Requests are sent as MLflow's Python client sends them (its REST paths, methods and JSON bodies), on
// SQLite and on PostgreSQL, which cannot store NUL: a NUL is refused naming the field, not a 500.

const backends = [
  { name: 'sqlite', env: (): Record<string, string> => ({}) },
  { name: 'postgres', env: (schema: string): Record<string, string> => ({ LOAM_METADATA__TYPE: 'postgres', LOAM_METADATA__URL: testPostgresUrl, LOAM_METADATA__SCHEMA: schema }) },
] as const;

const JSON_VALUE = JSON.stringify({ accuracy: 0.93, note: 'trained on "eu", "us"; 3 folds', classes: ['a', 'b'] });
const LONG_VALUE = `${'x, "y"; '.repeat(624)}xxxxxxxx`; // 5000 characters with commas and quotes
const DESCRIPTION = `Churn model: trained on "eu" data, see {"run": 1}. ${'d'.repeat(4960)}`.slice(0, 5000);

for (const backend of backends) {
  describe(`MLflow registry tags and descriptions follow MLflow's rules (${backend.name})`, () => {
    // A schema per server start (each server has its own server.key): the first, and one per test's retry.
    const schemas = backend.name === 'postgres' ? [useFreshPostgresSchema(), useFreshPostgresSchema(), useFreshPostgresSchema()] : [];
    let starts = 0;
    let loam: TestLoam;
    serverPerAttempt(async () => {
      loam = await openTestLoam(backend.env(schemas[starts++] ?? ''));
    }, async () => loam?.close());

    const send = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body: Record<string, unknown>) => {
      const query = method === 'GET' ? `?${new URLSearchParams(body as Record<string, string>).toString()}` : '';
      const r = await loam.app.inject({
        method, url: `/api/2.0/mlflow/${path}${query}`,
        headers: { authorization: `Bearer ${loam.adminToken}`, ...(method === 'GET' ? {} : { 'content-type': 'application/json' }) },
        ...(method === 'GET' ? {} : { payload: JSON.stringify(body) }),
      });
      return { status: r.statusCode, json: JSON.parse(r.body || '{}') as Record<string, any> };
    };
    const ok = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body: Record<string, unknown>) => {
      const a = await send(method, path, body);
      expect(a.status, `${method} ${path}: ${JSON.stringify(a.json).slice(0, 400)}`).toBe(200);
      return a.json;
    };
    const refused = async (method: 'POST' | 'PATCH', path: string, body: Record<string, unknown>, names: RegExp) => {
      const a = await send(method, path, body);
      expect(a.status, `${path}: ${JSON.stringify(a.json).slice(0, 400)}`).toBe(400);
      expect(a.json['error_code']).toBe('INVALID_PARAMETER_VALUE');
      expect(a.json['message']).toMatch(names);
    };
    const tagsOf = (x: { tags?: { key: string; value: string }[] }) => Object.fromEntries((x.tags ?? []).map((t) => [t.key, t.value]));

    it('create, set-tag and delete-tag take what MLflow takes: commas, quotes, JSON, keys of 250 and values of 5000 characters', async () => {
      const name = 'churn model (v2), eu';
      const key250 = `k${'e'.repeat(249)}`;
      await ok('POST', 'registered-models/create', { name, description: DESCRIPTION, tags: [{ key: 'owner', value: 'ana, "bo"' }, { key: 'meta', value: JSON_VALUE }] });
      await ok('POST', 'registered-models/set-tag', { name, key: key250, value: LONG_VALUE });
      await ok('POST', 'registered-models/set-tag', { name, key: 'notes', value: 'line 1\nline 2' });
      const version = (await ok('POST', 'model-versions/create', { name, source: 's3://b/model', run_id: 'r1', description: DESCRIPTION, tags: [{ key: 'metrics', value: JSON_VALUE }] }))['model_version'].version as string;
      await ok('POST', 'model-versions/set-tag', { name, version, key: key250, value: LONG_VALUE });
      await ok('PATCH', 'registered-models/update', { name, description: `${DESCRIPTION.slice(0, 4999)}!` });
      await ok('PATCH', 'model-versions/update', { name, version, description: `${DESCRIPTION.slice(0, 4999)}?` });

      const model = (await ok('GET', 'registered-models/get', { name }))['registered_model'];
      expect(model.name).toBe(name);
      expect(model.description).toBe(`${DESCRIPTION.slice(0, 4999)}!`);
      expect(tagsOf(model)).toEqual({ owner: 'ana, "bo"', meta: JSON_VALUE, [key250]: LONG_VALUE, notes: 'line 1\nline 2' });
      const mv = (await ok('GET', 'model-versions/get', { name, version }))['model_version'];
      expect(mv.description).toBe(`${DESCRIPTION.slice(0, 4999)}?`);
      expect(tagsOf(mv)).toEqual({ metrics: JSON_VALUE, [key250]: LONG_VALUE });

      // A key set through MLflow can be deleted through MLflow, at its full length.
      await ok('DELETE', 'registered-models/delete-tag', { name, key: key250 });
      await ok('DELETE', 'model-versions/delete-tag', { name, version, key: key250 });
      expect(Object.keys(tagsOf((await ok('GET', 'registered-models/get', { name }))['registered_model'])).sort()).toEqual(['meta', 'notes', 'owner']);
      expect(Object.keys(tagsOf((await ok('GET', 'model-versions/get', { name, version }))['model_version']))).toEqual(['metrics']);
    });

    it('past MLflow\'s limits, a NUL, or a deployment setting it does not know is refused naming the field; nothing stored', async () => {
      const name = 'limits';
      await ok('POST', 'registered-models/create', { name, tags: [{ key: 'keep', value: 'me' }] });
      const version = (await ok('POST', 'model-versions/create', { name, source: 's3://b/m' }))['model_version'].version as string;
      await refused('POST', 'registered-models/set-tag', { name, key: 'k'.repeat(251), value: 'v' }, /key .*length limit of 250/);
      await refused('POST', 'registered-models/set-tag', { name, key: 'k', value: 'v'.repeat(5001) }, /value .*length limit of 5000/);
      await refused('POST', 'model-versions/set-tag', { name, version, key: 'k', value: 'v'.repeat(5001) }, /Model version value .*length limit of 5000/);
      await refused('POST', 'model-versions/set-tag', { name, version, key: 'k', value: 'a\u0000b' }, /value .*NUL/);
      await refused('POST', 'registered-models/set-tag', { name, key: 'k', value: 'a\u0000b' }, /value .*NUL/);
      await refused('POST', 'registered-models/create', { name: 'nul-tag', tags: [{ key: 'k', value: 'a\u0000b' }] }, /value .*NUL/);
      await refused('POST', 'registered-models/create', { name: 'bad-setting', tags: [{ key: 'loam:deployment-approval', value: 'not, required' }] }, /loam:deployment-approval/);
      await refused('POST', 'registered-models/create', { name: 'long-description', description: 'd'.repeat(5001) }, /'description'.*at most 5000/);
      await refused('PATCH', 'model-versions/update', { name, version, description: 'd'.repeat(5001) }, /'description'.*at most 5000/);

      expect(tagsOf((await ok('GET', 'registered-models/get', { name }))['registered_model'])).toEqual({ keep: 'me' });
      expect(tagsOf((await ok('GET', 'model-versions/get', { name, version }))['model_version'])).toEqual({});
      for (const n of ['nul-tag', 'bad-setting', 'long-description']) expect((await send('GET', 'registered-models/get', { name: n })).status).toBe(404);
    });
  });
}
