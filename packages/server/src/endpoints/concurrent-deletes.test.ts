import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { call, storeGbdtModel, xgboostImage } from './endpoints.test-support.js';

let loam: TestLoam;
// A server per test and per attempt: CI's retry of a failed test must not meet the names it created.
beforeEach(async () => {
  loam = await openTestLoam();
  await loam.platform.artifacts.ensureBucket('models');
  await storeGbdtModel(loam.platform.artifacts, { bucket: 'models', key: 'dm/model.tar.gz' });
});
afterEach(() => loam?.close());

/** Sends `n` copies of one request at once; returns the statuses, sorted. */
async function race(n: number, method: 'DELETE' | 'POST', url: string, payload?: unknown): Promise<number[]> {
  return (await Promise.all(Array.from({ length: n }, () => call(loam, method, url, payload)))).map((r) => r.status).sort();
}

// A delete that finds the record and then finds it already gone (another delete won) says so: one of
// several racing deletes succeeds, as where they take turns. Seen on PostgreSQL, where they do not.
describe('racing deletes of one resource', () => {
  it('DeleteModel, DeleteEndpointConfig, DeleteModelPackage: exactly one succeeds, the others are not found', async () => {
    const model = await call(loam, 'POST', '/api/v1/models', { ModelName: 'dm', PrimaryContainer: { Image: xgboostImage, ModelDataUrl: 's3://models/dm/model.tar.gz' } });
    expect(model.status, JSON.stringify(model.body)).toBe(200);
    const config = await call(loam, 'POST', '/api/v1/endpoint-configs', { EndpointConfigName: 'dm-ec', ProductionVariants: [{ VariantName: 'v', ModelName: 'dm', InitialInstanceCount: 1, InstanceType: 'ml.m5.large' }] });
    expect(config.status, JSON.stringify(config.body)).toBe(200);
    expect(await race(6, 'DELETE', '/api/v1/endpoint-configs/dm-ec')).toEqual([200, 404, 404, 404, 404, 404]);
    expect(await race(6, 'DELETE', '/api/v1/models/dm')).toEqual([200, 404, 404, 404, 404, 404]);

    expect((await call(loam, 'POST', '/api/v1/model-package-groups', { ModelPackageGroupName: 'dm-g' })).status).toBe(200);
    const pkg = await call(loam, 'POST', '/api/v1/model-packages', {
      ModelPackageGroupName: 'dm-g',
      InferenceSpecification: { Containers: [{ Image: xgboostImage, ModelDataUrl: 's3://models/dm/model.tar.gz' }], SupportedContentTypes: ['text/csv'], SupportedResponseMIMETypes: ['text/csv'] },
    });
    expect(pkg.status, JSON.stringify(pkg.body)).toBe(200);
    expect(await race(6, 'POST', '/api/v1/model-packages/delete', { ModelPackageName: pkg.body.ModelPackageArn })).toEqual([200, 404, 404, 404, 404, 404]);
  });
});
