import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { scopedUsers } from './scoped-users.test-support.js';
import { storeGbdtModel, xgboostImage } from '../endpoints/endpoints.test-support.js';

// CreateEndpoint and UpdateEndpoint act on two resources: the endpoint and the config it is built from
// (which names the models served and where their traffic is captured). SageMaker checks the action on
// both (its service authorization reference lists endpoint* and endpoint-config*); Loam checked the
// endpoint alone, so a user denied another team's config could serve its models behind an endpoint of
// his own, and send his traffic into its capture bucket.

let loam: TestLoam;
let region: string;
let account: string;
const sm = (kind: string, name: string) => `arn:loam:sagemaker:${region}:${account}:${kind}/${name}`;

const { userWith, as } = scopedUsers(() => loam);

beforeAll(async () => {
  loam = await openTestLoam();
  ({ region, accountId: account } = loam.platform.partition);
  // mallory may do anything in SageMaker but touch what is protected.
  await userWith('mallory', [
    { Effect: 'Allow', Action: 'sagemaker:*', Resource: '*' },
    { Effect: 'Deny', Action: 'sagemaker:*', Resource: 'arn:loam:sagemaker:*:*:*/protected*' },
  ]);
  // deployer may create and update endpoint `mine` from config `mine-ec`, nothing else.
  await userWith('deployer', [{ Effect: 'Allow', Action: ['sagemaker:CreateEndpoint', 'sagemaker:UpdateEndpoint'], Resource: [sm('endpoint', 'mine'), sm('endpoint-config', 'mine-ec')] }]);
  await loam.platform.artifacts.ensureBucket('protected-models');
  await storeGbdtModel(loam.platform.artifacts, { bucket: 'protected-models', key: 'm/model.tar.gz' });
  expect((await as('admin', 'POST', '/api/v1/models', { ModelName: 'protected-model', PrimaryContainer: { Image: xgboostImage, ModelDataUrl: 's3://protected-models/m/model.tar.gz' } })).status).toBe(200);
  const ec = await as('admin', 'POST', '/api/v1/endpoint-configs', { EndpointConfigName: 'protected-ec', ProductionVariants: [{ VariantName: 'v', ModelName: 'protected-model', InitialInstanceCount: 1, InstanceType: 'ml.m5.large' }] });
  expect(ec.status, JSON.stringify(ec.body)).toBe(200);
}, 60_000);
afterAll(async () => loam?.close());

describe('CreateEndpoint and UpdateEndpoint are authorized on the endpoint config too', () => {
  it('CreateEndpoint from a config the caller is denied is refused, naming the config, and no endpoint is stored', async () => {
    for (const config of ['protected-ec', 'PROTECTED-ec']) {
      const r = await as('mallory', 'POST', '/api/v1/endpoints', { EndpointName: 'mine', EndpointConfigName: config });
      expect(r.status, JSON.stringify(r.body)).toBe(403);
      expect(r.body.code).toBe('AccessDeniedException');
      expect(r.body.detail).toContain(`sagemaker:CreateEndpoint on resource: ${sm('endpoint-config', 'protected-ec')}`);
    }
    expect((await as('admin', 'GET', '/api/v1/endpoints/mine')).status).toBe(404);
    expect((await as('admin', 'GET', '/api/v1/endpoints')).body.Endpoints).toEqual([]);
  });

  it('UpdateEndpoint to a config the caller is denied is refused, naming the config', async () => {
    const r = await as('mallory', 'POST', '/api/v1/endpoints/mine/update', { EndpointConfigName: 'protected-ec' });
    expect(r.status, JSON.stringify(r.body)).toBe(403);
    expect(r.body.detail).toContain(`sagemaker:UpdateEndpoint on resource: ${sm('endpoint-config', 'protected-ec')}`);
  });

  it('a user allowed one endpoint and one config is refused any other config, and reaches the handler with his own', async () => {
    const other = await as('deployer', 'POST', '/api/v1/endpoints', { EndpointName: 'mine', EndpointConfigName: 'other-ec' });
    expect(other.status, JSON.stringify(other.body)).toBe(403);
    expect(other.body.detail).toContain(sm('endpoint-config', 'other-ec'));
    const update = await as('deployer', 'POST', '/api/v1/endpoints/mine/update', { EndpointConfigName: 'other-ec' });
    expect(update.status, JSON.stringify(update.body)).toBe(403);
    // Past authorization: config mine-ec does not exist (and neither does the endpoint), which only the handler can say.
    for (const [url, body] of [['/api/v1/endpoints', { EndpointName: 'mine', EndpointConfigName: 'mine-ec' }], ['/api/v1/endpoints/mine/update', { EndpointConfigName: 'mine-ec' }]] as const) {
      const r = await as('deployer', 'POST', url, body);
      expect(r.status, `${url}: ${JSON.stringify(r.body)}`).not.toBe(403);
      expect(r.body.code, `${url}: ${JSON.stringify(r.body)}`).toMatch(/ResourceNotFound|ValidationException/);
    }
  });
});
