import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

beforeAll(async () => {
  loam = await openTestLoam();
  admin = mlflowCaller(loam.app, `Bearer ${loam.adminToken}`);
});
afterAll(async () => loam?.close());

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
