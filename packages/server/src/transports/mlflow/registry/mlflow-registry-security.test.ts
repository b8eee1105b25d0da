import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { openTestLoam, type TestLoam } from '../../../compose/loam.test-support.js';
import { mlflowCaller } from '../mlflow.test-support.js';

// The MLflow registry routes must refuse what the SageMaker API refuses the same caller: each check
// is made on the ARN SageMaker's own operation is authorized on.

let loam: TestLoam;
let admin: ReturnType<typeof mlflowCaller>;
const system = { principal: { userName: 'admin', userId: 'x', arn: 'x', via: 'system' as const }, requestId: 'r' };
const denied = { status: 403, json: { error_code: 'PERMISSION_DENIED' } };

/** A user allowed sagemaker:* except what `deny` lists. */
async function userDenied(name: string, deny: { Action: string | string[]; Resource: string | string[] }[]) {
  const id = loam.platform.identity;
  await id.CreateUser({ UserName: name }, system);
  const doc = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sagemaker:*', Resource: '*' }, ...deny.map((d) => ({ Effect: 'Deny', ...d }))] };
  await id.CreatePolicy({ PolicyName: `${name}-policy`, PolicyDocument: JSON.stringify(doc) }, system);
  await id.AttachUserPolicy({ UserName: name, PolicyName: `${name}-policy` }, system);
  return mlflowCaller(loam.app, `Bearer ${(await id.CreateApiToken({ UserName: name, TokenName: 't' }, system)).ApiToken.Token}`);
}

// Tests create users and models with fixed names: a retry needs a server where they are free.
serverPerAttempt(async () => {
  loam = await openTestLoam();
  admin = mlflowCaller(loam.app, `Bearer ${loam.adminToken}`);
}, async () => loam?.close());

describe('model-versions/create is authorized as CreateModelPackage', () => {
  it('a Deny of CreateModelPackage on model-package/<group>/* refuses it, whatever the name case', async () => {
    expect((await admin('POST', 'registered-models/create', { name: 'create-grp' })).status).toBe(200);
    expect((await admin('POST', 'registered-models/create', { name: 'Create-Other' })).status).toBe(200);
    const user = await userDenied('no-create', [{ Action: 'sagemaker:CreateModelPackage', Resource: 'arn:loam:sagemaker:*:*:model-package/create-grp/*' }]);
    expect(await user('POST', 'model-versions/create', { name: 'create-grp', source: 's3://b/evil' })).toMatchObject(denied);
    expect((await admin('POST', 'model-versions/search', { filter: "name = 'create-grp'" })).json.model_versions ?? []).toHaveLength(0);
    // A Deny written in lower case covers a group whose name has capitals, as SageMaker's own check does.
    const lower = await userDenied('no-create-other', [{ Action: 'sagemaker:CreateModelPackage', Resource: 'arn:loam:sagemaker:*:*:model-package/create-other/*' }]);
    expect(await lower('POST', 'model-versions/create', { name: 'Create-Other', source: 's3://b/evil' })).toMatchObject(denied);
    // Elsewhere the same user may create versions; a Deny on the group's ARN alone does not govern it.
    expect((await lower('POST', 'model-versions/create', { name: 'create-grp', source: 's3://b/k' })).status).toBe(200);
  });
});

describe('the registry keeps mlflow. tags for itself', () => {
  it('the SageMaker API cannot set or delete mlflow. tags on groups or versions', async () => {
    expect((await admin('POST', 'registered-models/create', { name: 'tag-grp' })).status).toBe(200);
    expect((await admin('POST', 'model-versions/create', { name: 'tag-grp', source: 's3://b/k' })).status).toBe(200);
    const { groups, packages } = loam.platform.registry;
    const { tags } = loam.platform;
    const group = await groups.get('tag-grp');
    await expect(groups.CreateModelPackageGroup({ ModelPackageGroupName: 'evil-grp', Tags: [{ Key: 'mlflow.registeredModelName', Value: 'tag-grp' }] }, system)).rejects.toMatchObject({ code: 'ValidationException' });
    await expect(groups.CreateModelPackageGroup({ ModelPackageGroupName: 'evil-grp2', Tags: [{ Key: 'MLflow.alias.champion', Value: '1' }] }, system)).rejects.toMatchObject({ code: 'ValidationException' });
    await expect(tags.AddTags({ ResourceArn: group.arn, Tags: [{ Key: 'mlflow.alias.champion', Value: '1' }] }, system)).rejects.toMatchObject({ code: 'ValidationException' });
    await expect(tags.DeleteTags({ ResourceArn: group.arn, TagKeys: ['mlflow.alias.champion'] }, system)).rejects.toMatchObject({ code: 'ValidationException' });
    const v1 = await packages.get('tag-grp/1');
    await expect(tags.AddTags({ ResourceArn: v1.arn, Tags: [{ Key: 'mlflow.run_id', Value: 'x' }] }, system)).rejects.toMatchObject({ code: 'ValidationException' });
    await expect(packages.CreateModelPackage({ ModelPackageGroupName: 'tag-grp', SourceUri: 's3://b/k', Tags: [{ Key: 'mlflow.alias.x', Value: '1' }] } as never, system)).rejects.toMatchObject({ code: 'ValidationException' });
    // No group evil-grp was created.
    await expect(groups.get('evil-grp')).rejects.toMatchObject({ code: 'ResourceNotFound' });
  });

  it('the MLflow API still writes its own mlflow. tags: derived names, aliases, MLflow system tags', async () => {
    const made = await admin('POST', 'registered-models/create', { name: 'my_prompt', tags: [{ key: 'mlflow.prompt.is_prompt', value: 'true' }, { key: 'team', value: 'a' }] });
    expect(made.status, JSON.stringify(made.json)).toBe(200);
    expect(made.json.registered_model).toMatchObject({ name: 'my_prompt' });
    expect(made.json.registered_model.tags).toEqual(expect.arrayContaining([{ key: 'mlflow.prompt.is_prompt', value: 'true' }, { key: 'team', value: 'a' }]));
    const v = await admin('POST', 'model-versions/create', { name: 'my_prompt', source: 's3://b/p', tags: [{ key: 'mlflow.prompt.text', value: 'Hello' }, { key: 'k', value: 'v' }] });
    expect(v.status, JSON.stringify(v.json)).toBe(200);
    expect(v.json.model_version.tags).toEqual(expect.arrayContaining([{ key: 'mlflow.prompt.text', value: 'Hello' }, { key: 'k', value: 'v' }]));
    expect((await admin('POST', 'registered-models/alias', { name: 'my_prompt', alias: 'prod', version: '1' })).status).toBe(200);
    expect((await admin('GET', 'registered-models/alias', { name: 'my_prompt', alias: 'prod' })).json.model_version).toMatchObject({ name: 'my_prompt', version: '1' });
    expect(await admin('POST', 'model-versions/create', { name: 'my_prompt', tags: [{ key: 'aws:x', value: 'v' }] })).toMatchObject({ status: 400, json: { error_code: 'INVALID_PARAMETER_VALUE' } });
  });

  it('a name tag counts only on the group that name maps to, and aliases only name versions the group holds', async () => {
    expect((await admin('POST', 'registered-models/create', { name: 'prod-grp' })).status).toBe(200);
    expect((await admin('POST', 'model-versions/create', { name: 'prod-grp', source: 's3://b/real' })).status).toBe(200);
    // Tags as the reviewer's attacker set them before the tag rule (written straight to the store here).
    await loam.platform.registry.groups.CreateModelPackageGroup({ ModelPackageGroupName: 'attacker-grp' }, system);
    const evil = await loam.platform.registry.groups.get('attacker-grp');
    await loam.platform.registry.store.tags.put(evil.arn, [{ Key: 'mlflow.registeredModelName', Value: 'prod-grp' }, { Key: 'mlflow.alias.champion', Value: '1' }, { Key: 'mlflow.alias.ghost', Value: '9' }]);
    const found = (await admin('GET', 'registered-models/search', { filter: "name = 'prod-grp'" })).json.registered_models as { name: string; aliases?: unknown[] }[];
    expect(found.map((x) => x.name)).toEqual(['prod-grp']);
    expect(found[0]?.aliases ?? []).toEqual([]);
    // The attacker's group answers to its own name, with no alias (it holds no version).
    const own = (await admin('GET', 'registered-models/get', { name: 'attacker-grp' })).json.registered_model;
    expect(own.name).toBe('attacker-grp');
    expect(own.aliases ?? []).toEqual([]);
    expect((await admin('GET', 'registered-models/alias', { name: 'attacker-grp', alias: 'champion' })).json.error_code).toBe('INVALID_PARAMETER_VALUE');
    // On the real model: an alias naming a missing version, or a version written `01`, is not set.
    const real = await loam.platform.registry.groups.get('prod-grp');
    await loam.platform.registry.store.tags.put(real.arn, [{ Key: 'mlflow.alias.ghost', Value: '7' }, { Key: 'mlflow.alias.zero', Value: '01' }, { Key: 'mlflow.alias.ok', Value: '1' }]);
    expect((await admin('GET', 'registered-models/get', { name: 'prod-grp' })).json.registered_model.aliases).toEqual([{ alias: 'ok', version: '1' }]);
    for (const alias of ['ghost', 'zero']) expect(await admin('GET', 'registered-models/alias', { name: 'prod-grp', alias })).toMatchObject({ status: 400, json: { error_code: 'INVALID_PARAMETER_VALUE' } });
    expect((await admin('GET', 'registered-models/alias', { name: 'prod-grp', alias: 'ok' })).json.model_version).toMatchObject({ name: 'prod-grp', version: '1', source: 's3://b/real' });
  });
});

describe('version numbers are written without leading zeros', () => {
  it('01 and the like are INVALID_PARAMETER_VALUE everywhere, so a Deny on <group>/1 holds', async () => {
    expect((await admin('POST', 'registered-models/create', { name: 'zero-grp' })).status).toBe(200);
    expect((await admin('POST', 'model-versions/create', { name: 'zero-grp', source: 's3://b/k' })).status).toBe(200);
    const user = await userDenied('no-v1', [{ Action: ['sagemaker:UpdateModelPackage', 'sagemaker:DescribeModelPackage', 'sagemaker:DeleteModelPackage', 'sagemaker:AddTags'], Resource: 'arn:loam:sagemaker:*:*:model-package/zero-grp/1' }]);
    const invalid = { status: 400, json: { error_code: 'INVALID_PARAMETER_VALUE' } };
    expect(await user('POST', 'model-versions/transition-stage', { name: 'zero-grp', version: '1', stage: 'Production' })).toMatchObject(denied);
    for (const version of ['01', '001', '+1', ' 1', '1.0', '0', '1e0', '0x1']) {
      expect(await user('POST', 'model-versions/transition-stage', { name: 'zero-grp', version, stage: 'Production' }), version).toMatchObject(invalid);
      expect(await user('GET', 'model-versions/get', { name: 'zero-grp', version }), version).toMatchObject(invalid);
      expect(await user('GET', 'model-versions/get-download-uri', { name: 'zero-grp', version }), version).toMatchObject(invalid);
      expect(await user('POST', 'model-versions/set-tag', { name: 'zero-grp', version, key: 'k', value: 'v' }), version).toMatchObject(invalid);
      expect(await user('POST', 'model-versions/delete', { name: 'zero-grp', version }), version).toMatchObject(invalid);
      expect(await admin('POST', 'registered-models/alias', { name: 'zero-grp', alias: 'a', version }), version).toMatchObject(invalid);
    }
    const v1 = await loam.platform.registry.packages.get('zero-grp/1');
    expect(v1.approvalStatus).toBe('PendingManualApproval');
    expect(await loam.platform.registry.store.tags.list(v1.arn)).toEqual([]);
    expect((await admin('GET', 'registered-models/get', { name: 'zero-grp' })).json.registered_model.aliases ?? []).toEqual([]);
    expect((await admin('GET', 'model-versions/get', { name: 'zero-grp', version: '1' })).json.model_version.version).toBe('1');
  });
});

describe('reads show only the versions and models the caller may describe', () => {
  it('a Deny of DescribeModelPackage on <group>/* hides those versions from every read', async () => {
    expect((await admin('POST', 'registered-models/create', { name: 'Secret-Grp' })).status).toBe(200);
    expect((await admin('POST', 'registered-models/create', { name: 'open-grp' })).status).toBe(200);
    for (const name of ['Secret-Grp', 'open-grp']) {
      expect((await admin('POST', 'model-versions/create', { name, source: `s3://b/${name}-source`, description: `${name} notes` })).status).toBe(200);
      expect((await admin('POST', 'model-versions/transition-stage', { name, version: '1', stage: 'Production' })).status).toBe(200);
      expect((await admin('POST', 'registered-models/alias', { name, alias: 'champion', version: '1' })).status).toBe(200);
    }
    const user = await userDenied('no-describe', [{ Action: 'sagemaker:DescribeModelPackage', Resource: 'arn:loam:sagemaker:*:*:model-package/secret-grp/*' }]);
    const leaks = (x: unknown) => /Secret-Grp-source|Secret-Grp notes/.test(JSON.stringify(x));

    const alias = await user('GET', 'registered-models/alias', { name: 'Secret-Grp', alias: 'champion' });
    expect(alias).toMatchObject(denied);
    expect(leaks(alias.json)).toBe(false);
    expect((await user('GET', 'model-versions/get', { name: 'Secret-Grp', version: '1' }))).toMatchObject(denied);

    const got = await user('GET', 'registered-models/get', { name: 'Secret-Grp' });
    expect(got.status).toBe(200);
    expect(got.json.registered_model.latest_versions ?? []).toEqual([]);
    expect(got.json.registered_model.aliases).toEqual([{ alias: 'champion', version: '1' }]);
    expect(leaks(got.json)).toBe(false);

    const latest = await user('POST', 'registered-models/get-latest-versions', { name: 'Secret-Grp' });
    expect(latest.status).toBe(200);
    expect(latest.json.model_versions ?? []).toEqual([]);

    const models = await user('GET', 'registered-models/search', {});
    expect(leaks(models.json)).toBe(false);
    expect((models.json.registered_models as { name: string }[]).map((x) => x.name)).toEqual(expect.arrayContaining(['Secret-Grp', 'open-grp']));

    const versions = await user('POST', 'model-versions/search', {});
    expect(leaks(versions.json)).toBe(false);
    const names = (versions.json.model_versions as { name: string }[]).map((x) => x.name);
    expect(names).toContain('open-grp');
    expect(names).not.toContain('Secret-Grp');
    expect(await user('POST', 'model-versions/search', { filter: "source_path = 's3://b/Secret-Grp-source'" })).toMatchObject({ status: 200 });
    expect((await user('POST', 'model-versions/search', { filter: "source_path = 's3://b/Secret-Grp-source'" })).json.model_versions ?? []).toEqual([]);

    // The open model reads in full, and the admin still sees everything.
    expect((await user('GET', 'registered-models/alias', { name: 'open-grp', alias: 'champion' })).json.model_version.source).toBe('s3://b/open-grp-source');
    expect((await user('GET', 'registered-models/get', { name: 'open-grp' })).json.registered_model.latest_versions).toMatchObject([{ version: '1', source: 's3://b/open-grp-source' }]);
    expect((await admin('GET', 'registered-models/get', { name: 'Secret-Grp' })).json.registered_model.latest_versions).toMatchObject([{ version: '1', source: 's3://b/Secret-Grp-source' }]);
  });

  it('a Deny of DescribeModelPackageGroup drops the model from searches and refuses its latest versions', async () => {
    expect((await admin('POST', 'registered-models/create', { name: 'hidden-grp' })).status).toBe(200);
    expect((await admin('POST', 'model-versions/create', { name: 'hidden-grp', source: 's3://b/hidden-src' })).status).toBe(200);
    expect((await admin('POST', 'registered-models/create', { name: 'shown-grp' })).status).toBe(200);
    const user = await userDenied('no-describe-group', [{ Action: 'sagemaker:DescribeModelPackageGroup', Resource: 'arn:loam:sagemaker:*:*:model-package-group/hidden-grp' }]);
    expect(await user('GET', 'registered-models/get', { name: 'hidden-grp' })).toMatchObject(denied);
    expect(await user('POST', 'registered-models/get-latest-versions', { name: 'hidden-grp' })).toMatchObject(denied);
    const models = await user('GET', 'registered-models/search', {});
    expect(models.status).toBe(200);
    expect((models.json.registered_models as { name: string }[]).map((x) => x.name)).not.toContain('hidden-grp');
    const versions = await user('POST', 'model-versions/search', {});
    expect(JSON.stringify(versions.json)).not.toMatch(/hidden/);
    expect((models.json.registered_models as { name: string }[]).map((x) => x.name)).toContain('shown-grp');
  });
});
