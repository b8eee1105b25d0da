import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DescribeEndpointCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { listenOnLoopback, openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { call, deploy, xgboostImage } from './endpoints.test-support.js';
import { putScriptModel } from './script-model.test-support.js';

const sklearnImage = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3';
let loam: TestLoam;
let url: string;
const scratch = mkdtempSync(join(tmpdir(), 'loam-failed-variants-'));

beforeAll(async () => {
  loam = await openTestLoam();
  url = await listenOnLoopback(loam);
  await loam.platform.artifacts.ensureBucket('models');
  await loam.platform.artifacts.put({ bucket: 'models', key: 'broken/model.tar.gz' }, Buffer.from('not a tarball'));
  const m = await call(loam, 'POST', '/api/v1/models', { ModelName: 'broken', PrimaryContainer: { Image: xgboostImage, ModelDataUrl: 's3://models/broken/model.tar.gz' } });
  expect(m.status, JSON.stringify(m.body)).toBe(200);
  const raising = await putScriptModel(loam.platform.artifacts, scratch, 'raising.tar.gz', 'def model_fn(model_dir):\n    raise RuntimeError("model_fn cannot load")\n');
  const r = await call(loam, 'POST', '/api/v1/models', { ModelName: 'raising', PrimaryContainer: { Image: sklearnImage, ModelDataUrl: raising, Environment: { SAGEMAKER_PROGRAM: 'inference.py' } } });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
});
afterAll(async () => {
  await loam?.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe("a Failed endpoint's ProductionVariants", () => {
  // They kept the VariantStatus Creating they were planned with, so Studio's Variants table showed
  // "Creating" next to a Failed endpoint. SageMaker's variant statuses name a deployment stage in
  // progress (Creating, Updating, Deleting, ActivatingTraffic, Baking); a Failed endpoint has none.
  it('carry no VariantStatus and no running instances, the same over REST and AWS JSON', async () => {
    const d = await deploy(loam, 'fails', [{ name: 'v', modelName: 'broken', count: 2 }]);
    expect(d.EndpointStatus, JSON.stringify(d)).toBe('Failed');
    expect(d.FailureReason).toBeTruthy();
    expect(d.ProductionVariants).toEqual([expect.objectContaining({ VariantName: 'v', CurrentInstanceCount: 0, DesiredInstanceCount: 2, VariantStatus: [] })]);

    const sm = new SageMakerClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: loam.adminAccessKeyId, secretAccessKey: loam.adminSecretAccessKey }, maxAttempts: 1 });
    const aws = await sm.send(new DescribeEndpointCommand({ EndpointName: 'fails' }));
    expect(aws.EndpointStatus).toBe('Failed');
    expect(aws.ProductionVariants?.map((v) => ({ name: v.VariantName, current: v.CurrentInstanceCount, desired: v.DesiredInstanceCount, status: v.VariantStatus ?? [] })))
      .toEqual([{ name: 'v', current: 0, desired: 2, status: [] }]);
    sm.destroy();
    expect((await call(loam, 'DELETE', '/api/v1/endpoints/fails')).status).toBe(200);
  }, 90_000);

  it('carry no VariantStatus when the instances were launched but model_fn raised', async () => {
    const d = await deploy(loam, 'raises', [{ name: 'AllTraffic', modelName: 'raising' }]);
    expect(d.EndpointStatus, JSON.stringify(d)).toBe('Failed');
    expect(d.FailureReason).toMatch(/model_fn cannot load/);
    expect(d.ProductionVariants).toEqual([expect.objectContaining({ VariantName: 'AllTraffic', CurrentInstanceCount: 0, DesiredInstanceCount: 1, VariantStatus: [] })]);
    const listed = await call(loam, 'GET', '/api/v1/endpoints/raises');
    expect(listed.body.ProductionVariants[0].VariantStatus).toEqual([]);
    expect((await call(loam, 'DELETE', '/api/v1/endpoints/raises')).status).toBe(200);
  }, 90_000);
});
