import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { call, deploy, xgboostImage } from './endpoints.test-support.js';

let loam: TestLoam;

beforeAll(async () => {
  loam = await openTestLoam();
  await loam.platform.artifacts.ensureBucket('models');
  await loam.platform.artifacts.put({ bucket: 'models', key: 'broken/model.tar.gz' }, Buffer.from('not a tarball'));
  const m = await call(loam, 'POST', '/api/v1/models', { ModelName: 'broken', PrimaryContainer: { Image: xgboostImage, ModelDataUrl: 's3://models/broken/model.tar.gz' } });
  expect(m.status, JSON.stringify(m.body)).toBe(200);
});
afterAll(async () => loam?.close());

describe('a Failed endpoint', () => {
  // It was told to "wait until it is InService", which a Failed endpoint never becomes.
  it('refuses UpdateEndpoint and UpdateEndpointWeightsAndCapacities saying to delete it and create it again, as SageMaker allows only DeleteEndpoint', async () => {
    const d = await deploy(loam, 'fails', [{ name: 'v', modelName: 'broken' }]);
    expect(d.EndpointStatus, JSON.stringify(d)).toBe('Failed');
    const u = await call(loam, 'POST', '/api/v1/endpoints/fails/update', { EndpointConfigName: 'fails-cfg' });
    expect(u.status, JSON.stringify(u.body)).toBe(400);
    expect(u.body.detail).toBe("Cannot update endpoint 'fails' while it is Failed; a Failed endpoint takes only DeleteEndpoint: delete it and create it again (DescribeEndpoint gives the FailureReason).");
    expect(u.body.detail).not.toMatch(/wait until/);
    const w = await call(loam, 'POST', '/api/v1/endpoints/fails/weights-and-capacities', { DesiredWeightsAndCapacities: [{ VariantName: 'v', DesiredWeight: 2 }] });
    expect(w.status, JSON.stringify(w.body)).toBe(400);
    expect(w.body.detail).toMatch(/while it is Failed; a Failed endpoint takes only DeleteEndpoint: delete it and create it again/);
    expect((await call(loam, 'DELETE', '/api/v1/endpoints/fails')).status).toBe(200);
  }, 90_000);
});
