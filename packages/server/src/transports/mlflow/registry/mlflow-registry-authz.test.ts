import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { openTestLoam, type TestLoam } from '../../../compose/loam.test-support.js';
import { mlflowCaller } from '../mlflow.test-support.js';

// The MLflow registry routes are authorized as SageMaker's own operations are: the same IAM action on
// the group's or the package's ARN, so a Deny written for the SageMaker API also refuses the MLflow path.

let loam: TestLoam;
let admin: ReturnType<typeof mlflowCaller>;
let limited: ReturnType<typeof mlflowCaller>;
let reader: ReturnType<typeof mlflowCaller>;

const denyProtected = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: 'sagemaker:*', Resource: '*' },
    {
      Effect: 'Deny',
      Action: ['sagemaker:UpdateModelPackage', 'sagemaker:CreateModelPackage', 'sagemaker:DeleteModelPackage', 'sagemaker:DeleteModelPackageGroup', 'sagemaker:AddTags', 'sagemaker:DeleteTags'],
      Resource: ['arn:loam:sagemaker:*:*:model-package-group/protected-*', 'arn:loam:sagemaker:*:*:model-package/protected-*'],
    },
  ],
};

async function send(token: string, method: 'DELETE', path: string, body: Record<string, unknown>) {
  const r = await loam.app.inject({ method, url: `/api/2.0/mlflow/${path}`, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload: JSON.stringify(body) });
  return { status: r.statusCode, json: JSON.parse(r.body) as Record<string, any> };
}

let limitedToken: string;
async function start(): Promise<void> {
  loam = await openTestLoam();
  admin = mlflowCaller(loam.app, `Bearer ${loam.adminToken}`);
  const id = loam.platform.identity;
  const ctx = { principal: { userName: 'admin', userId: 'x', arn: 'x', via: 'system' as const }, requestId: 'r' };
  await id.CreateUser({ UserName: 'limited' }, ctx);
  await id.CreatePolicy({ PolicyName: 'NotProtected', PolicyDocument: JSON.stringify(denyProtected) }, ctx);
  await id.AttachUserPolicy({ UserName: 'limited', PolicyName: 'NotProtected' }, ctx);
  limitedToken = (await id.CreateApiToken({ UserName: 'limited', TokenName: 't' }, ctx)).ApiToken.Token;
  limited = mlflowCaller(loam.app, `Bearer ${limitedToken}`);
  await id.CreateUser({ UserName: 'reader' }, ctx);
  await id.AttachUserPolicy({ UserName: 'reader', PolicyName: 'ReadOnlyAccess' }, ctx);
  reader = mlflowCaller(loam.app, `Bearer ${(await id.CreateApiToken({ UserName: 'reader', TokenName: 't' }, ctx)).ApiToken.Token}`);
}
async function stop(): Promise<void> {
  await loam?.close();
}
serverPerAttempt(start, stop);

describe('MLflow registry authorization', () => {
  it('a Deny on protected groups and packages refuses the MLflow transition, new version, deletes and aliases', async () => {
    for (const name of ['protected-a', 'open-a']) {
      expect((await admin('POST', 'registered-models/create', { name })).status).toBe(200);
      for (let i = 0; i < 2; i++) expect((await admin('POST', 'model-versions/create', { name, source: 's3://b/k' })).status).toBe(200);
    }
    const denied = { status: 403, json: { error_code: 'PERMISSION_DENIED' } };
    expect(await limited('POST', 'model-versions/transition-stage', { name: 'protected-a', version: '1', stage: 'Production' })).toMatchObject(denied);
    expect(await limited('POST', 'model-versions/create', { name: 'protected-a', source: 's3://b/evil' })).toMatchObject(denied);
    expect(await send(limitedToken, 'DELETE', 'model-versions/delete', { name: 'protected-a', version: '2' })).toMatchObject(denied);
    expect(await send(limitedToken, 'DELETE', 'registered-models/delete', { name: 'protected-a' })).toMatchObject(denied);
    expect(await limited('POST', 'registered-models/alias', { name: 'protected-a', alias: 'champ', version: '1' })).toMatchObject(denied);
    expect(await limited('POST', 'model-versions/set-tag', { name: 'protected-a', version: '1', key: 'k', value: 'v' })).toMatchObject(denied);
    // Nothing changed.
    const after = await admin('GET', 'registered-models/get', { name: 'protected-a' });
    expect(after.status).toBe(200);
    expect((await loam.platform.registry.packages.get('protected-a/1')).approvalStatus).toBe('PendingManualApproval');
    expect((await admin('POST', 'model-versions/search', { filter: "name = 'protected-a'" })).json.model_versions).toHaveLength(2);
    expect(after.json.registered_model.aliases).toEqual([]);
    // The same user may do all of it elsewhere, and still read the protected model.
    expect((await limited('POST', 'model-versions/transition-stage', { name: 'open-a', version: '1', stage: 'Production' })).status).toBe(200);
    expect((await limited('POST', 'model-versions/create', { name: 'open-a', source: 's3://b/k' })).status).toBe(200);
    expect((await limited('GET', 'model-versions/get', { name: 'protected-a', version: '1' })).status).toBe(200);
    expect((await send(limitedToken, 'DELETE', 'registered-models/delete', { name: 'open-a' })).status).toBe(200);
  });

  it('a read-only user reads models, versions and aliases but cannot write', async () => {
    await admin('POST', 'registered-models/create', { name: 'ro-model' });
    await admin('POST', 'model-versions/create', { name: 'ro-model', source: 's3://b/k' });
    expect((await admin('POST', 'registered-models/alias', { name: 'ro-model', alias: 'champ', version: '1' })).status).toBe(200);
    expect((await reader('GET', 'registered-models/get', { name: 'ro-model' })).status).toBe(200);
    expect((await reader('GET', 'model-versions/get', { name: 'ro-model', version: '1' })).status).toBe(200);
    expect((await reader('GET', 'model-versions/get-download-uri', { name: 'ro-model', version: '1' })).json.artifact_uri).toBe('s3://b/k');
    const alias = await reader('GET', 'registered-models/alias', { name: 'ro-model', alias: 'champ' });
    expect(alias.status, JSON.stringify(alias.json)).toBe(200);
    expect(alias.json.model_version.version).toBe('1');
    expect((await reader('POST', 'registered-models/search', {})).status).toBe(200);
    expect(await reader('POST', 'registered-models/alias', { name: 'ro-model', alias: 'x', version: '1' })).toMatchObject({ status: 403, json: { error_code: 'PERMISSION_DENIED' } });
    expect(await reader('POST', 'model-versions/transition-stage', { name: 'ro-model', version: '1', stage: 'Production' })).toMatchObject({ status: 403 });
  });
});
