import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { openTestLoam, type TestLoam } from '../../../compose/loam.test-support.js';
import { mlflowCaller } from '../mlflow.test-support.js';
import { groupNameFor, MLFLOW_NAME_TAG } from './mlflow-registry-names.js';

// MLflow's usual names (`iris_classifier`, `My Model`, `sk.model`, unicode) live in model package
// groups whose names are derived from them; every MLflow route answers with the MLflow name.

let loam: TestLoam;
let call: ReturnType<typeof mlflowCaller>;
const admin = { principal: { userName: 'admin', userId: 'x', arn: 'x', via: 'system' as const }, requestId: 'r' };
async function send(method: 'PATCH' | 'DELETE', path: string, body: Record<string, unknown>) {
  const r = await loam.app.inject({ method, url: `/api/2.0/mlflow/${path}`, headers: { authorization: `Bearer ${loam.adminToken}`, 'content-type': 'application/json' }, payload: JSON.stringify(body) });
  return { status: r.statusCode, json: JSON.parse(r.body) as Record<string, any> };
}

async function start(): Promise<void> {
  loam = await openTestLoam();
  call = mlflowCaller(loam.app, `Bearer ${loam.adminToken}`);
}
async function stop(): Promise<void> {
  await loam?.close();
}
serverPerAttempt(start, stop);

describe('MLflow registered-model names', () => {
  it('maps names SageMaker cannot hold to a stable valid group name, and valid names to themselves', () => {
    const valid = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
    expect(groupNameFor('churn')).toBe('churn');
    expect(groupNameFor('my-model-2')).toBe('my-model-2');
    for (const name of ['iris_classifier', 'My Model', 'sk.model', 'модель', '_', 'a'.repeat(64), `${'x_'.repeat(100)}`, '-lead', 'trail-']) {
      const g = groupNameFor(name);
      expect(g, name).toMatch(valid);
      expect(groupNameFor(name)).toBe(g);
    }
    expect(groupNameFor('iris_classifier')).toMatch(/^iris-classifier-[0-9a-f]{7}$/);
    expect(groupNameFor('модель')).toMatch(/^mlflow-model-[0-9a-f]{7}$/);
    expect(groupNameFor('my_model')).not.toBe(groupNameFor('my.model'));
  });

  it.each(['iris_classifier', 'My Model', 'sk.model', 'модель v2', 'naïve_bayes'])('%s: create, get, versions, aliases, stages, search, delete', async (name) => {
    const created = await call('POST', 'registered-models/create', { name, tags: [{ key: 'team', value: 'risk' }] });
    expect(created.status, JSON.stringify(created.json)).toBe(200);
    expect(created.json.registered_model).toMatchObject({ name, tags: [{ key: 'team', value: 'risk' }] });
    const group = await loam.platform.registry.groups.get(groupNameFor(name));
    expect((await loam.platform.registry.store.tags.list(group.arn)).find((t) => t.Key === MLFLOW_NAME_TAG)?.Value).toBe(name);

    const v1 = await call('POST', 'model-versions/create', { name, source: 's3://b/m1' });
    expect(v1.json.model_version).toMatchObject({ name, version: '1' });
    expect((await call('GET', 'model-versions/get', { name, version: '1' })).json.model_version.name).toBe(name);
    expect((await call('GET', 'model-versions/get-download-uri', { name, version: '1' })).json.artifact_uri).toBe('s3://b/m1');
    expect((await call('POST', 'registered-models/alias', { name, alias: 'champion', version: '1' })).status).toBe(200);
    expect((await call('GET', 'registered-models/alias', { name, alias: 'champion' })).json.model_version).toMatchObject({ name, version: '1', aliases: ['champion'] });
    expect((await call('POST', 'model-versions/transition-stage', { name, version: '1', stage: 'Production' })).json.model_version).toMatchObject({ name, current_stage: 'Production' });
    const latest = await call('POST', 'registered-models/get-latest-versions', { name, stages: ['Production'] });
    expect(latest.json.model_versions).toMatchObject([{ name, version: '1' }]);
    const got = (await call('GET', 'registered-models/get', { name })).json.registered_model;
    expect(got).toMatchObject({ name, aliases: [{ alias: 'champion', version: '1' }], latest_versions: [{ name }] });
    expect(got.tags).toEqual([{ key: 'team', value: 'risk' }]);
    expect((await send('PATCH', 'registered-models/update', { name, description: 'd' })).json.registered_model).toMatchObject({ name, description: 'd' });

    const quoted = name.replace(/'/g, "''");
    expect((await call('GET', 'registered-models/search', { filter: `name = '${quoted}'` })).json.registered_models.map((m: { name: string }) => m.name)).toEqual([name]);
    expect((await call('GET', 'registered-models/search', { filter: `name ILIKE '${quoted.slice(0, 3).toUpperCase()}%'` })).json.registered_models.map((m: { name: string }) => m.name)).toContain(name);
    expect((await call('GET', 'model-versions/search', { filter: `name = '${quoted}'` })).json.model_versions.map((v: { name: string }) => v.name)).toEqual([name]);

    expect(await call('POST', 'registered-models/create', { name })).toMatchObject({ status: 400, json: { error_code: 'RESOURCE_ALREADY_EXISTS' } });
    expect((await send('DELETE', 'registered-models/delete', { name })).status).toBe(200);
    expect((await call('GET', 'registered-models/get', { name })).json.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
  });

  it('a derived group name typed as is is not the MLflow model, and cannot be created over it', async () => {
    const name = 'fraud_model';
    const group = groupNameFor(name);
    await call('POST', 'registered-models/create', { name });
    expect((await call('GET', 'registered-models/get', { name: group })).json.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(await call('POST', 'registered-models/create', { name: group })).toMatchObject({ status: 400, json: { error_code: 'RESOURCE_ALREADY_EXISTS' } });
    // The SageMaker API sees the group under its own name.
    expect((await loam.platform.registry.groups.ListModelPackageGroups({}, admin)).ModelPackageGroupSummaryList.map((g) => g.ModelPackageGroupName)).toContain(group);
    // A group made through SageMaker is the registered model of its own name.
    await loam.platform.registry.groups.CreateModelPackageGroup({ ModelPackageGroupName: 'native-group' }, admin);
    expect((await call('GET', 'registered-models/get', { name: 'native-group' })).json.registered_model.name).toBe('native-group');
    expect(await call('POST', 'registered-models/set-tag', { name, key: MLFLOW_NAME_TAG, value: 'other' })).toMatchObject({ status: 400, json: { error_code: 'INVALID_PARAMETER_VALUE' } });
    expect(await call('POST', 'registered-models/create', { name: 'x'.repeat(257) })).toMatchObject({ status: 400, json: { error_code: 'INVALID_PARAMETER_VALUE' } });
  });
});
