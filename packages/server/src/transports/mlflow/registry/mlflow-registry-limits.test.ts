import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { openTestLoam, type TestLoam } from '../../../compose/loam.test-support.js';
import { mlflowCaller } from '../mlflow.test-support.js';

// Found by the registry's input fuzz (mlflow-registry-input-fuzz.test.ts): the registry's routes call the
// services directly, past the SageMaker operations' validation, so a 300,000-character description, source
// or run id was stored, set-tag stored keys and values of any length, delete-tag and alias DELETE took any
// key or alias, and a 300,000-character name was echoed whole in the not-found. Each is now a 400 naming the
// field, and nothing is stored. The limits are MLflow's (descriptions 5000, registry tag keys 250 and values
// 5000: mlflow-registry-tag-rules.test.ts), the source SageMaker's SourceUri (1024), the run id 256.

let loam: TestLoam;
let call: ReturnType<typeof mlflowCaller>;
async function send(method: 'PATCH' | 'DELETE', path: string, body: Record<string, unknown>) {
  const r = await loam.app.inject({ method, url: `/api/2.0/mlflow/${path}`, headers: { authorization: `Bearer ${loam.adminToken}`, 'content-type': 'application/json' }, payload: JSON.stringify(body) });
  return { status: r.statusCode, json: JSON.parse(r.body) as Record<string, any> };
}
serverPerAttempt(async () => {
  loam = await openTestLoam();
  call = mlflowCaller(loam.app, `Bearer ${loam.adminToken}`);
}, async () => loam?.close());

/** A refusal naming `field`, as MLflow answers one. */
function refused(a: { status: number; json: Record<string, any> }, field: RegExp): void {
  expect(a.status, JSON.stringify(a.json).slice(0, 300)).toBe(400);
  expect(a.json['error_code']).toBe('INVALID_PARAMETER_VALUE');
  expect(a.json['message']).toMatch(field);
  expect(String(a.json['message']).length).toBeLessThan(400);
}

describe('MLflow registry: values past the limits of what they are stored as', () => {
  it('descriptions, sources and run ids past their limits are refused naming the field, nothing stored', async () => {
    refused(await call('POST', 'registered-models/create', { name: 'limits-new', description: 'd'.repeat(5001) }), /'description'.*at most 5000/);
    expect((await call('GET', 'registered-models/get', { name: 'limits-new' })).status).toBe(404);

    expect((await call('POST', 'registered-models/create', { name: 'limits', description: 'kept' })).status).toBe(200);
    expect((await call('POST', 'model-versions/create', { name: 'limits', source: 's3://b/m', run_id: 'r1' })).status).toBe(200);
    refused(await call('POST', 'model-versions/create', { name: 'limits', source: 's'.repeat(1025) }), /'source'.*at most 1024/);
    refused(await call('POST', 'model-versions/create', { name: 'limits', run_id: 'r'.repeat(257) }), /'run_id'.*at most 256/);
    refused(await call('POST', 'model-versions/create', { name: 'limits', description: 'd'.repeat(5001) }), /'description'/);
    refused(await send('PATCH', 'registered-models/update', { name: 'limits', description: 'd'.repeat(5001) }), /'description'/);
    refused(await send('PATCH', 'model-versions/update', { name: 'limits', version: '1', description: 'd'.repeat(5001) }), /'description'/);

    const model = (await call('GET', 'registered-models/get', { name: 'limits' })).json['registered_model'];
    expect(model.description).toBe('kept');
    expect(model.latest_versions.map((v: { version: string }) => v.version)).toEqual(['1']);
    expect((await call('GET', 'model-versions/get', { name: 'limits', version: '1' })).json['model_version'].description).toBe('');
  });

  it('set-tag holds keys and values to MLflow\'s registry tag limits; delete-tag and alias DELETE check theirs', async () => {
    expect((await call('POST', 'registered-models/create', { name: 'tagged', tags: [{ key: 'keep', value: 'me' }] })).status).toBe(200);
    expect((await call('POST', 'model-versions/create', { name: 'tagged', source: 's3://b/m' })).status).toBe(200);
    refused(await call('POST', 'registered-models/set-tag', { name: 'tagged', key: 'k'.repeat(251), value: 'v' }), /key .*length limit of 250/);
    refused(await call('POST', 'registered-models/set-tag', { name: 'tagged', key: 'k', value: 'v'.repeat(5001) }), /value .*length limit of 5000/);
    refused(await call('POST', 'model-versions/set-tag', { name: 'tagged', version: '1', key: 'k'.repeat(251), value: 'v' }), /key/);
    refused(await call('POST', 'model-versions/set-tag', { name: 'tagged', version: '1', key: 'k', value: 'v'.repeat(300_000) }), /value/);
    refused(await send('DELETE', 'registered-models/delete-tag', { name: 'tagged', key: 'k'.repeat(300_000) }), /key/);
    refused(await send('DELETE', 'model-versions/delete-tag', { name: 'tagged', version: '1', key: 'k'.repeat(251) }), /key/);
    for (const alias of ['bad alias!', 'a'.repeat(256), 'V7', 'latest']) refused(await send('DELETE', 'registered-models/alias', { name: 'tagged', alias }), /alias/);
    // A long alias with a character MLflow refuses was echoed whole in the character refusal.
    refused(await send('DELETE', 'registered-models/alias', { name: 'tagged', alias: `${'a'.repeat(300_000)}!` }), /alias name exceeds the maximum length of 255/);

    expect((await call('GET', 'registered-models/get', { name: 'tagged' })).json['registered_model'].tags).toEqual([{ key: 'keep', value: 'me' }]);
    expect((await call('GET', 'model-versions/get', { name: 'tagged', version: '1' })).json['model_version'].tags ?? []).toEqual([]);
  });

  it('a name past MLflow\'s 256 characters is refused naming it, not echoed whole in a not-found', async () => {
    for (const [method, path] of [['GET', 'registered-models/get'], ['POST', 'registered-models/set-tag'], ['POST', 'model-versions/create']] as const) {
      refused(await call(method, path, { name: 'm'.repeat(300_000), key: 'k', value: 'v' }), /Registered model name exceeds the maximum length of 256/);
    }
  });
});
