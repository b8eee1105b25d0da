import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { scopedUsers } from './scoped-users.test-support.js';
import { xgboostImage } from '../endpoints/endpoints.test-support.js';

// CreateModelPackage is authorized on the package it creates: model-package/<group>/* for a version of a
// group, model-package/<ModelPackageName> for an unversioned package. The unversioned case was checked on
// model-package/*/*, which no Deny on a name matches and no Allow of a name covers: a user denied
// */protected* created an unversioned package 'protected-pkg' (which then deploys, unapproved, to whoever
// trusts the name, and takes the name from its team), while a user allowed model-package/mine* could
// not create 'mine-pkg'.

let loam: TestLoam;
let region: string;
let account: string;
const sm = (kind: string, name: string) => `arn:loam:sagemaker:${region}:${account}:${kind}/${name}`;
const spec = { Containers: [{ Image: xgboostImage, ModelDataUrl: 's3://models/m/model.tar.gz' }], SupportedContentTypes: ['text/csv'], SupportedResponseMIMETypes: ['text/csv'] };

const { userWith, as } = scopedUsers(() => loam);

async function start(): Promise<void> {
  loam = await openTestLoam();
  ({ region, accountId: account } = loam.platform.partition);
  await userWith('mallory', [
    { Effect: 'Allow', Action: ['sagemaker:*', 's3:*'], Resource: '*' },
    { Effect: 'Deny', Action: 'sagemaker:*', Resource: 'arn:loam:sagemaker:*:*:*/protected*' },
  ]);
  await userWith('scoped', [
    { Effect: 'Allow', Action: 'sagemaker:CreateModelPackage', Resource: 'arn:loam:sagemaker:*:*:model-package/mine*' },
    { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' },
  ]);
  await loam.platform.artifacts.ensureBucket('models');
  await loam.platform.artifacts.put({ bucket: 'models', key: 'm/model.tar.gz' }, Buffer.from('not read here'));
  expect((await as('admin', 'POST', '/api/v1/model-package-groups', { ModelPackageGroupName: 'protected-g' })).status).toBe(200);
  expect((await as('admin', 'POST', '/api/v1/model-package-groups', { ModelPackageGroupName: 'mine-g' })).status).toBe(200);
}
async function stop(): Promise<void> {
  await loam?.close();
}
serverPerAttempt(start, stop);

describe('CreateModelPackage is authorized on the package it creates', () => {
  it('an unversioned package under a denied name is refused, naming it, and nothing is stored', async () => {
    for (const name of ['protected-pkg', 'PROTECTED-pkg']) {
      const r = await as('mallory', 'POST', '/api/v1/model-packages', { ModelPackageName: name, InferenceSpecification: spec });
      expect(r.status, JSON.stringify(r.body)).toBe(403);
      expect(r.body.detail).toContain(`sagemaker:CreateModelPackage on resource: ${sm('model-package', 'protected-pkg')}`);
    }
    expect((await as('admin', 'POST', '/api/v1/model-packages/describe', { ModelPackageName: 'protected-pkg' })).status).toBe(404);
  });

  it('a version in a denied group is still refused, the group given by name or by ARN', async () => {
    for (const group of ['protected-g', `arn:aws:sagemaker:${region}:${account}:model-package-group/Protected-G`]) {
      const r = await as('mallory', 'POST', '/api/v1/model-packages', { ModelPackageGroupName: group, InferenceSpecification: spec });
      expect(r.status, JSON.stringify(r.body)).toBe(403);
      expect(r.body.detail).toContain(sm('model-package', 'protected-g/*'));
    }
  });

  it('a user allowed model-package/mine* creates an unversioned mine-pkg and versions of mine-g, and nothing else', async () => {
    const unversioned = await as('scoped', 'POST', '/api/v1/model-packages', { ModelPackageName: 'mine-pkg', InferenceSpecification: spec });
    expect(unversioned.status, JSON.stringify(unversioned.body)).toBe(200);
    expect(unversioned.body.ModelPackageArn).toBe(sm('model-package', 'mine-pkg'));
    const version = await as('scoped', 'POST', '/api/v1/model-packages', { ModelPackageGroupName: 'mine-g', InferenceSpecification: spec });
    expect(version.status, JSON.stringify(version.body)).toBe(200);
    expect((await as('scoped', 'POST', '/api/v1/model-packages', { ModelPackageName: 'other-pkg', InferenceSpecification: spec })).status).toBe(403);
    expect((await as('scoped', 'POST', '/api/v1/model-packages', { ModelPackageGroupName: 'protected-g', InferenceSpecification: spec })).status).toBe(403);
  });
});
