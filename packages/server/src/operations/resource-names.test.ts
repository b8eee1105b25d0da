import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';

// A policy names SageMaker resources by their ARNs, which Loam answers lower-cased. Whichever way a
// request names the resource — other letter case, an ARN instead of a name, an ARN of another
// partition — the policy must see the resource the handler acts on.
const policy = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: ['sagemaker:*', 's3:*'], Resource: '*' },
    { Effect: 'Deny', Action: ['sagemaker:Delete*', 'sagemaker:UpdateModelPackage', 'sagemaker:CreateModelPackage'], Resource: [
      'arn:loam:sagemaker:*:*:model-package-group/protected-*',
      'arn:loam:sagemaker:*:*:model-package/protected-*',
      'arn:loam:sagemaker:*:*:endpoint-config/protected-*',
    ] },
  ],
};

let loam: TestLoam;
let malloryToken: string;
let region: string;
let account: string;

beforeAll(async () => {
  loam = await openTestLoam();
  const id = loam.platform.identity;
  const ctx = { principal: { userName: 'admin', userId: 'x', arn: 'x', via: 'system' as const }, requestId: 'r' };
  await id.CreateUser({ UserName: 'mallory' }, ctx);
  await id.CreatePolicy({ PolicyName: 'NotProtected', PolicyDocument: JSON.stringify(policy) }, ctx);
  await id.AttachUserPolicy({ UserName: 'mallory', PolicyName: 'NotProtected' }, ctx);
  malloryToken = (await id.CreateApiToken({ UserName: 'mallory', TokenName: 't' }, ctx)).ApiToken.Token;
  await loam.platform.artifacts.ensureBucket('models');
  await loam.platform.artifacts.put({ bucket: 'models', key: 'model.tar.gz' }, Buffer.from('not really a model'));
  expect((await as(loam.adminToken, 'POST', '/api/v1/model-package-groups', { ModelPackageGroupName: 'protected-1' })).status).toBe(200);
  const pkg = await as(loam.adminToken, 'POST', '/api/v1/model-packages', {
    ModelPackageGroupName: 'protected-1',
    InferenceSpecification: { Containers: [{ Image: 'sagemaker-xgboost:1.7-1', ModelDataUrl: 's3://models/model.tar.gz' }], SupportedContentTypes: ['text/csv'], SupportedResponseMIMETypes: ['text/csv'] },
  });
  expect(pkg.status, JSON.stringify(pkg.body)).toBe(200);
  const arn = String(pkg.body.ModelPackageArn);
  [, , , region, account] = arn.split(':') as [string, string, string, string, string];
});
afterAll(async () => {
  await loam?.close();
});

async function as(token: string, method: 'POST' | 'GET' | 'DELETE', url: string, payload?: unknown): Promise<{ status: number; body: any }> {
  const r = await loam.app.inject({ method, url, headers: { authorization: `Bearer ${token}`, ...(payload ? { 'content-type': 'application/json' } : {}) }, ...(payload ? { payload: JSON.stringify(payload) } : {}) });
  return { status: r.statusCode, body: r.body ? r.json() : undefined };
}
const mallory = (method: 'POST' | 'GET' | 'DELETE', url: string, payload?: unknown) => as(malloryToken, method, url, payload);

describe('a Deny on a SageMaker resource holds however the request names it', () => {
  it('in other letter case (names are case-insensitive)', async () => {
    for (const name of ['PROTECTED-1', 'Protected-1']) {
      const r = await mallory('DELETE', `/api/v1/model-package-groups/${name}`);
      expect(r.status, JSON.stringify(r.body)).toBe(403);
      expect(r.body.detail).toContain('model-package-group/protected-1');
    }
  });

  it('as an ARN where a name may be, of Loam\'s partition or AWS\'s', async () => {
    for (const arn of [`arn:loam:sagemaker:${region}:${account}:model-package/protected-1/1`, `arn:aws:sagemaker:${region}:${account}:model-package/PROTECTED-1/1`]) {
      const r = await mallory('POST', '/api/v1/model-packages/delete', { ModelPackageName: arn });
      expect(r.status, `${arn}: ${JSON.stringify(r.body)}`).toBe(403);
      expect(r.body.detail).toContain(`arn:loam:sagemaker:${region}:${account}:model-package/protected-1/1`);
    }
  });

  it('as a whole-resource ARN field of another partition or case', async () => {
    const arn = `arn:aws:sagemaker:${region}:${account}:model-package/Protected-1/1`;
    const r = await mallory('POST', '/api/v1/model-packages/update', { ModelPackageArn: arn, ModelApprovalStatus: 'Approved' });
    expect(r.status, JSON.stringify(r.body)).toBe(403);
  });

  it('for a new version of a group (CreateModelPackage is checked on model-package/<group>/*)', async () => {
    for (const group of ['protected-1', 'PROTECTED-1', `arn:aws:sagemaker:${region}:${account}:model-package-group/Protected-1`]) {
      const r = await mallory('POST', '/api/v1/model-packages', {
        ModelPackageGroupName: group,
        InferenceSpecification: { Containers: [{ Image: 'sagemaker-xgboost:1.7-1', ModelDataUrl: 's3://models/model.tar.gz' }], SupportedContentTypes: ['text/csv'], SupportedResponseMIMETypes: ['text/csv'] },
      });
      expect(r.status, `${group}: ${JSON.stringify(r.body)}`).toBe(403);
      expect(r.body.detail).toContain('model-package/protected-1/*');
    }
  });

  it('and nothing was changed; the administrator still sees the package as it was', async () => {
    const d = await as(loam.adminToken, 'POST', '/api/v1/model-packages/describe', { ModelPackageName: 'protected-1/1' });
    expect(d.status).toBe(200);
    expect(d.body.ModelApprovalStatus).not.toBe('Approved');
  });

  it('while resources outside the Deny stay usable under any spelling', async () => {
    expect((await mallory('POST', '/api/v1/model-package-groups', { ModelPackageGroupName: 'Open-1' })).status).toBe(200);
    expect((await mallory('DELETE', '/api/v1/model-package-groups/OPEN-1')).status).toBe(200);
  });
});

describe('a Deny naming one resource exactly', () => {
  let carolToken: string;
  beforeAll(async () => {
    const id = loam.platform.identity;
    const ctx = { principal: { userName: 'admin', userId: 'x', arn: 'x', via: 'system' as const }, requestId: 'r' };
    const exact = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: '*', Resource: '*' },
        { Effect: 'Deny', Action: '*', Resource: [
          `arn:loam:sagemaker:${region}:${account}:model-package/protected-1/1`,
          `arn:loam:sagemaker:${region}:${account}:dataset/secretdata`,
        ] },
      ],
    };
    await id.CreateUser({ UserName: 'carol' }, ctx);
    await id.CreatePolicy({ PolicyName: 'Exact', PolicyDocument: JSON.stringify(exact) }, ctx);
    await id.AttachUserPolicy({ UserName: 'carol', PolicyName: 'Exact' }, ctx);
    carolToken = (await id.CreateApiToken({ UserName: 'carol', TokenName: 't' }, ctx)).ApiToken.Token;
    expect((await as(loam.adminToken, 'POST', '/api/v1/datasets', { DatasetName: 'SecretData' })).status).toBe(200);
  });
  const carol = (method: 'POST' | 'GET', url: string, payload?: unknown) => as(carolToken, method, url, payload);

  it('holds for an ARN field without a region, or of another partition', async () => {
    for (const arn of [`arn:loam:sagemaker::${account}:model-package/protected-1/1`, `arn:aws:sagemaker:eu-west-1:${account}:model-package/protected-1/1`]) {
      const r = await carol('POST', '/api/v1/model-packages/update', { ModelPackageArn: arn, ModelApprovalStatus: 'Approved' });
      expect(r.status, `${arn}: ${JSON.stringify(r.body)}`).not.toBe(200);
    }
    const d = await as(loam.adminToken, 'POST', '/api/v1/model-packages/describe', { ModelPackageName: 'protected-1/1' });
    expect(d.body.ModelApprovalStatus).not.toBe('Approved');
  });

  it('holds for a version written with leading zeros (refused: versions have none)', async () => {
    const r = await carol('POST', '/api/v1/model-packages/describe', { ModelPackageName: 'protected-1/01' });
    expect(r.status, JSON.stringify(r.body)).toBe(400);
  });

  it('holds for a resource whose name is stored with capitals (the ARN Loam answers is lower-cased)', async () => {
    const r = await carol('GET', '/api/v1/datasets/SecretData');
    expect(r.status, JSON.stringify(r.body)).toBe(403);
  });
});

