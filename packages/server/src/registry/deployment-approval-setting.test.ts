import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { scopedUsers } from '../security/scoped-users.test-support.js';
import { mlflowCaller } from '../transports/mlflow/mlflow.test-support.js';
import { xgboostImage } from '../endpoints/endpoints.test-support.js';

// A model group tagged `loam:deployment-approval = not-required` lets its pending versions become
// models, which is what approving them does. The tag was written by anyone allowed sagemaker:AddTags
// on the group (or CreateModelPackageGroup, or MLflow's set-tag), so a user denied
// sagemaker:UpdateModelPackage — the approval — deployed an unapproved version by tagging its group.
// Setting it to not-required now also needs UpdateModelPackage on model-package/<group>/*.

let loam: TestLoam;
let region: string;
let account: string;
const sm = (kind: string, name: string) => `arn:loam:sagemaker:${region}:${account}:${kind}/${name}`;
const APPROVAL = 'loam:deployment-approval';

const { userWith, as, tokens } = scopedUsers(() => loam);

const tagsOf = async (arn: string) => (await as('admin', 'GET', `/api/v1/tags?ResourceArn=${encodeURIComponent(arn)}`)).body.Tags as { Key: string; Value: string }[];

async function start(): Promise<void> {
  loam = await openTestLoam();
  ({ region, accountId: account } = loam.platform.partition);
  // dev registers and deploys models but may not approve them (a separate approver role does).
  await userWith('dev', [
    { Effect: 'Allow', Action: ['sagemaker:*', 's3:*'], Resource: '*' },
    { Effect: 'Deny', Action: 'sagemaker:UpdateModelPackage', Resource: '*' },
  ]);
  // sandboxer may approve in sandbox-* groups only.
  await userWith('sandboxer', [
    { Effect: 'Allow', Action: ['sagemaker:*', 's3:*'], Resource: '*' },
    { Effect: 'Deny', Action: 'sagemaker:UpdateModelPackage', Resource: 'arn:loam:sagemaker:*:*:model-package/prod*' },
  ]);
  await loam.platform.artifacts.ensureBucket('models');
  await loam.platform.artifacts.put({ bucket: 'models', key: 'm/model.tar.gz' }, Buffer.from('not read here'));
  expect((await as('admin', 'POST', '/api/v1/model-package-groups', { ModelPackageGroupName: 'prod' })).status).toBe(200);
}
async function stop(): Promise<void> {
  await loam?.close();
}
serverPerAttempt(start, stop);

async function pendingVersion(user: string, group: string): Promise<string> {
  const pkg = await as(user, 'POST', '/api/v1/model-packages', {
    ModelPackageGroupName: group,
    InferenceSpecification: { Containers: [{ Image: xgboostImage, ModelDataUrl: 's3://models/m/model.tar.gz' }], SupportedContentTypes: ['text/csv'], SupportedResponseMIMETypes: ['text/csv'] },
  });
  expect(pkg.status, JSON.stringify(pkg.body)).toBe(200);
  return pkg.body.ModelPackageArn as string;
}

describe("a group's deployment-approval setting is authorized as approving its versions", () => {
  it('AddTags not-required on a group is refused to a user who may not approve, and the pending version still cannot deploy', async () => {
    const arn = await pendingVersion('dev', 'prod');
    for (const value of ['not-required', 'NOT-REQUIRED']) {
      const r = await as('dev', 'POST', '/api/v1/tags', { ResourceArn: sm('model-package-group', 'prod'), Tags: [{ Key: APPROVAL, Value: value }] });
      expect(r.status, JSON.stringify(r.body)).toBe(403);
      expect(r.body.detail).toContain(`sagemaker:UpdateModelPackage on resource: ${sm('model-package', 'prod/*')}`);
    }
    expect(await tagsOf(sm('model-package-group', 'prod'))).toEqual([]);
    const model = await as('dev', 'POST', '/api/v1/models', { ModelName: 'unapproved', PrimaryContainer: { ModelPackageName: arn } });
    expect(model.status, JSON.stringify(model.body)).toBe(400);
    expect(model.body.detail).toContain('PendingManualApproval');
  });

  it('MLflow set-tag and a group created with the tag (natively or through MLflow) are refused the same way; nothing is stored', async () => {
    const mlflow = mlflowCaller(loam.app, `Bearer ${tokens['dev']}`);
    const set = await mlflow('POST', 'registered-models/set-tag', { name: 'prod', key: APPROVAL, value: 'not-required' });
    expect(set.status, JSON.stringify(set.json)).toBe(403);
    expect(await tagsOf(sm('model-package-group', 'prod'))).toEqual([]);
    const created = await as('dev', 'POST', '/api/v1/model-package-groups', { ModelPackageGroupName: 'lax', Tags: [{ Key: APPROVAL, Value: 'not-required' }] });
    expect(created.status, JSON.stringify(created.body)).toBe(403);
    expect(created.body.detail).toContain(sm('model-package', 'lax/*'));
    const viaMlflow = await mlflow('POST', 'registered-models/create', { name: 'lax', tags: [{ key: APPROVAL, value: 'not-required' }] });
    expect(viaMlflow.status, JSON.stringify(viaMlflow.json)).toBe(403);
    expect((await as('admin', 'GET', '/api/v1/model-package-groups/lax')).status).toBe(404);
  });

  it('tightening needs nothing more, an unknown value is a 400, and a user who may approve in a group may set it there', async () => {
    expect((await as('dev', 'POST', '/api/v1/tags', { ResourceArn: sm('model-package-group', 'prod'), Tags: [{ Key: APPROVAL, Value: 'required' }] })).status).toBe(200);
    expect((await as('dev', 'POST', '/api/v1/tags/delete', { ResourceArn: sm('model-package-group', 'prod'), TagKeys: [APPROVAL] })).status).toBe(200);
    const bad = await as('dev', 'POST', '/api/v1/tags', { ResourceArn: sm('model-package-group', 'prod'), Tags: [{ Key: APPROVAL, Value: 'sometimes' }] });
    expect(bad.status, JSON.stringify(bad.body)).toBe(400);
    expect(bad.body.detail).toContain("must be 'required' or 'not-required'");

    expect((await as('sandboxer', 'POST', '/api/v1/tags', { ResourceArn: sm('model-package-group', 'prod'), Tags: [{ Key: APPROVAL, Value: 'not-required' }] })).status).toBe(403);
    expect((await as('sandboxer', 'POST', '/api/v1/model-package-groups', { ModelPackageGroupName: 'sandbox-1', Tags: [{ Key: APPROVAL, Value: 'not-required' }] })).status).toBe(200);
    const arn = await pendingVersion('sandboxer', 'sandbox-1');
    const model = await as('sandboxer', 'POST', '/api/v1/models', { ModelName: 'sandboxed', PrimaryContainer: { ModelPackageName: arn } });
    expect(model.status, JSON.stringify(model.body)).toBe(200);
  });
});
