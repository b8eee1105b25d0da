import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { openTestLoam, type TestLoam } from '../../../compose/loam.test-support.js';
import { mlflowCaller } from '../mlflow.test-support.js';

// MLflow's registry REST API mapped onto model package groups and versions: what an MLflow client
// registers is a SageMaker model package, and a promotion to Production is its approval.

let loam: TestLoam;
let call: ReturnType<typeof mlflowCaller>;
const arn = (kind: string, name: string) => `arn:loam:sagemaker:us-east-1:000000000000:${kind}/${name}`;
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

describe('MLflow model registry over the Model Registry', () => {
  it('registers models and versions as groups and packages, and maps stages to approval', async () => {
    const created = await call('POST', 'registered-models/create', { name: 'churn', description: 'churn model', tags: [{ key: 'team', value: 'risk' }] });
    expect(created.status, JSON.stringify(created.json)).toBe(200);
    expect(created.json.registered_model).toMatchObject({ name: 'churn', description: 'churn model', tags: [{ key: 'team', value: 'risk' }], latest_versions: [] });
    const g = await loam.app.inject({ method: 'GET', url: '/api/v1/model-package-groups/churn', headers: { authorization: `Bearer ${loam.adminToken}` } });
    expect(JSON.parse(g.body)).toMatchObject({ ModelPackageGroupName: 'churn', ModelPackageGroupDescription: 'churn model' });

    const run = (await call('POST', 'runs/create', { experiment_id: '0' })).json.run.info.run_id as string;
    const v1 = await call('POST', 'model-versions/create', { name: 'churn', source: `runs:/${run}/model`, run_id: run, description: 'first' });
    expect(v1.json.model_version).toMatchObject({ name: 'churn', version: '1', current_stage: 'None', source: `runs:/${run}/model`, run_id: run, status: 'READY', description: 'first', user_id: 'admin' });
    await call('POST', 'model-versions/create', { name: 'churn', source: 's3://models/v2' });
    const pkg = await loam.platform.registry.packages.get('churn/1');
    expect(pkg).toMatchObject({ arn: arn('model-package', 'churn/1'), approvalStatus: 'PendingManualApproval' });

    // Production approves (deployable), archiving the other Production versions; Archived rejects.
    await call('POST', 'model-versions/transition-stage', { name: 'churn', version: '2', stage: 'Production' });
    const t = await call('POST', 'model-versions/transition-stage', { name: 'churn', version: '1', stage: 'production', archive_existing_versions: true });
    expect(t.json.model_version.current_stage).toBe('Production');
    expect((await loam.platform.registry.packages.get('churn/1')).approvalStatus).toBe('Approved');
    expect((await loam.platform.registry.packages.get('churn/2')).approvalStatus).toBe('Rejected');
    expect((await call('GET', 'model-versions/get', { name: 'churn', version: '2' })).json.model_version.current_stage).toBe('Archived');
    const latest = await call('POST', 'registered-models/get-latest-versions', { name: 'churn', stages: ['Production'] });
    expect(latest.json.model_versions.map((v: { version: string }) => v.version)).toEqual(['1']);
    const events = await loam.platform.registry.packages.ListModelPackageEvents({ ModelPackageGroupName: 'churn' }, { principal: { userName: 'x', userId: 'x', arn: 'x', via: 'token' }, requestId: 'r' });
    expect(events.Events.map((e) => [e.ModelPackageVersion, e.ModelApprovalStatus])).toEqual([[1, 'PendingManualApproval'], [2, 'PendingManualApproval'], [2, 'Approved'], [2, 'Rejected'], [1, 'Approved']]);

    // Staging only sets the lifecycle stage; None clears it.
    await call('POST', 'model-versions/create', { name: 'churn', source: 's3://models/v3' });
    expect((await call('POST', 'model-versions/transition-stage', { name: 'churn', version: '3', stage: 'Staging' })).json.model_version.current_stage).toBe('Staging');
    expect((await call('POST', 'model-versions/transition-stage', { name: 'churn', version: '3', stage: 'None' })).json.model_version.current_stage).toBe('None');
    expect((await call('POST', 'model-versions/transition-stage', { name: 'churn', version: '3', stage: 'Shipping' })).json.error_code).toBe('INVALID_PARAMETER_VALUE');

    // Search, update, aliases, download URI, lineage from the run.
    expect((await call('GET', 'model-versions/search', { filter: `run_id = '${run}'` })).json.model_versions.map((v: { version: string }) => v.version)).toEqual(['1']);
    expect((await call('GET', 'model-versions/search', { filter: "name = 'churn'" })).json.model_versions).toHaveLength(3);
    expect((await call('GET', 'registered-models/search', { filter: "name LIKE 'ch%'" })).json.registered_models.map((m: { name: string }) => m.name)).toEqual(['churn']);
    expect((await send('PATCH', 'model-versions/update', { name: 'churn', version: '1', description: 'the first' })).json.model_version.description).toBe('the first');
    expect((await send('PATCH', 'registered-models/update', { name: 'churn', description: 'churn, v2' })).json.registered_model.description).toBe('churn, v2');
    await call('POST', 'registered-models/alias', { name: 'churn', alias: 'champion', version: '1' });
    expect((await call('GET', 'registered-models/alias', { name: 'churn', alias: 'champion' })).json.model_version.version).toBe('1');
    expect((await call('GET', 'model-versions/get-download-uri', { name: 'churn', version: '2' })).json.artifact_uri).toBe('s3://models/v2');
    const up = await loam.app.inject({ method: 'POST', url: '/api/v1/lineage/query', headers: { authorization: `Bearer ${loam.adminToken}`, 'content-type': 'application/json' }, payload: JSON.stringify({ StartArns: [arn('model-package', 'churn/1')], Direction: 'Ascendants', MaxDepth: 1 }) });
    expect(JSON.parse(up.body).Vertices.map((v: { Arn: string }) => v.Arn)).toContain(arn('mlflow-run', run));

    // Delete takes the versions with it.
    expect((await call('POST', 'registered-models/create', { name: 'churn' })).json.error_code).toBe('RESOURCE_ALREADY_EXISTS');
    expect((await send('DELETE', 'registered-models/delete', { name: 'churn' })).status).toBe(200);
    expect((await call('GET', 'registered-models/get', { name: 'churn' })).json.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
  });
});

describe('MLflow aliases', () => {
  it('sets, resolves and deletes an alias per HTTP method', async () => {
    await call('POST', 'registered-models/create', { name: 'aliased' });
    await call('POST', 'model-versions/create', { name: 'aliased', source: 's3://b/1' });
    expect((await call('POST', 'registered-models/alias', { name: 'aliased', alias: 'champion', version: '1' })).status).toBe(200);
    expect((await call('GET', 'registered-models/alias', { name: 'aliased', alias: 'champion' })).json.model_version.version).toBe('1');
    const del = await send('DELETE', 'registered-models/alias', { name: 'aliased', alias: 'champion' });
    expect(del).toEqual({ status: 200, json: {} });
    expect((await call('GET', 'registered-models/alias', { name: 'aliased', alias: 'champion' })).json.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect((await call('GET', 'registered-models/get', { name: 'aliased' })).json.registered_model.aliases).toEqual([]);
    // Deleting again is not an error; an unknown model is.
    expect((await send('DELETE', 'registered-models/alias', { name: 'aliased', alias: 'champion' })).status).toBe(200);
    expect((await send('DELETE', 'registered-models/alias', { name: 'nope', alias: 'champion' })).json.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
  });
});

describe('MLflow stage None', () => {
  it('sticks after Production and after Archived: an approval is withdrawn (rejected), never returned to pending', async () => {
    await call('POST', 'registered-models/create', { name: 'staged' });
    for (let i = 0; i < 2; i++) await call('POST', 'model-versions/create', { name: 'staged', source: 's3://b/k' });
    const stageOf = async (v: string) => (await call('GET', 'model-versions/get', { name: 'staged', version: v })).json.model_version.current_stage as string;
    await call('POST', 'model-versions/transition-stage', { name: 'staged', version: '1', stage: 'Production' });
    expect((await call('POST', 'model-versions/transition-stage', { name: 'staged', version: '1', stage: 'None' })).json.model_version.current_stage).toBe('None');
    expect(await stageOf('1')).toBe('None');
    expect((await loam.platform.registry.packages.get('staged/1')).approvalStatus).toBe('Rejected');
    await call('POST', 'model-versions/transition-stage', { name: 'staged', version: '2', stage: 'Archived' });
    expect((await call('POST', 'model-versions/transition-stage', { name: 'staged', version: '2', stage: 'None' })).json.model_version.current_stage).toBe('None');
    expect(await stageOf('2')).toBe('None');
    const latest = await call('POST', 'registered-models/get-latest-versions', { name: 'staged' });
    expect(latest.json.model_versions.map((v: { version: string; current_stage: string }) => [v.version, v.current_stage])).toEqual([['2', 'None']]);
    // Approved again through SageMaker's API, it reads Production.
    const ctx = { principal: { userName: 'admin', userId: 'x', arn: 'x', via: 'system' as const }, requestId: 'r' };
    await loam.platform.registry.packages.UpdateModelPackage({ ModelPackageArn: arn('model-package', 'staged/1'), ModelApprovalStatus: 'Approved' }, ctx);
    expect(await stageOf('1')).toBe('Production');
  });
});

describe('MLflow version aliases', () => {
  it('model-versions/get, the alias lookup, search and latest versions name the version\'s aliases', async () => {
    await call('POST', 'registered-models/create', { name: 'withaliases' });
    for (let i = 0; i < 2; i++) await call('POST', 'model-versions/create', { name: 'withaliases', source: 's3://b/k' });
    await call('POST', 'registered-models/alias', { name: 'withaliases', alias: 'champion', version: '2' });
    await call('POST', 'registered-models/alias', { name: 'withaliases', alias: 'blue', version: '2' });
    await call('POST', 'registered-models/alias', { name: 'withaliases', alias: 'challenger', version: '1' });
    const v2 = (await call('GET', 'model-versions/get', { name: 'withaliases', version: '2' })).json.model_version;
    expect([...v2.aliases].sort()).toEqual(['blue', 'champion']);
    expect((await call('GET', 'registered-models/alias', { name: 'withaliases', alias: 'challenger' })).json.model_version.aliases).toEqual(['challenger']);
    const found = (await call('GET', 'model-versions/search', { filter: "name = 'withaliases'" })).json.model_versions;
    expect(found.map((v: { version: string; aliases: string[] }) => [v.version, v.aliases.length])).toEqual([['2', 2], ['1', 1]]);
    expect((await call('GET', 'registered-models/get', { name: 'withaliases' })).json.registered_model.latest_versions[0].aliases.sort()).toEqual(['blue', 'champion']);
  });
});

describe('MLflow alias rules', () => {
  it('refuses reserved and malformed alias names, and drops a deleted version\'s aliases', async () => {
    await call('POST', 'registered-models/create', { name: 'aliasrules' });
    for (let i = 0; i < 2; i++) await call('POST', 'model-versions/create', { name: 'aliasrules', source: 's3://b/k' });
    for (const alias of ['latest', 'LATEST', 'v1', 'V12', 'has space', 'a.b']) {
      const r = await call('POST', 'registered-models/alias', { name: 'aliasrules', alias, version: '1' });
      expect(r, alias).toMatchObject({ status: 400, json: { error_code: 'INVALID_PARAMETER_VALUE' } });
    }
    for (const alias of ['v1x', 'champion-2', 'prod_ready', 'größe']) expect((await call('POST', 'registered-models/alias', { name: 'aliasrules', alias, version: '2' })).status, alias).toBe(200);
    await call('POST', 'registered-models/alias', { name: 'aliasrules', alias: 'keep', version: '1' });
    expect((await send('DELETE', 'model-versions/delete', { name: 'aliasrules', version: '2' })).status).toBe(200);
    expect((await call('GET', 'registered-models/get', { name: 'aliasrules' })).json.registered_model.aliases).toEqual([{ alias: 'keep', version: '1' }]);
    expect((await call('GET', 'registered-models/alias', { name: 'aliasrules', alias: 'champion-2' })).json.error_code).toBe('INVALID_PARAMETER_VALUE');
  });
});

describe('MLflow rename', () => {
  it('is refused, saying why', async () => {
    await call('POST', 'registered-models/create', { name: 'fixedname' });
    const r = await call('POST', 'registered-models/rename', { name: 'fixedname', new_name: 'other' });
    expect(r).toMatchObject({ status: 400, json: { error_code: 'INVALID_PARAMETER_VALUE' } });
    expect(r.json.message).toMatch(/cannot be renamed.*model package group.*SageMaker has no rename/);
    expect((await call('GET', 'registered-models/get', { name: 'fixedname' })).status).toBe(200);
  });
});
