import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { call, deploy, invoke, openLoamAt, waitForEndpoint } from './endpoints.test-support.js';
import { putScriptModel } from './script-model.test-support.js';

// A restart starts every serving endpoint's instances again. SageMaker never moves an InService
// endpoint back to Creating: it stays InService (DescribeEndpoint and ListEndpoints), its variant says
// its instances are being started, and an invocation sent meanwhile waits for one that passed /ping
// instead of being refused as an unknown endpoint.
const sklearnImage = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3';
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

it('an InService endpoint stays InService while a restart starts its instances again, and an invocation sent meanwhile is answered', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'loam-restart-in-service-'));
  dirs.push(dataDir);
  let loam = await openLoamAt(dataDir);
  await loam.platform.artifacts.ensureBucket('models');
  // model_fn takes a while, so /ping passes only well after the restart returns.
  const uri = await putScriptModel(loam.platform.artifacts, dataDir, 'slow.tar.gz', 'import time\n\ndef model_fn(model_dir):\n    time.sleep(2)\n    return lambda rows: [float(sum(r)) for r in rows]\n');
  expect((await call(loam, 'POST', '/api/v1/models', { ModelName: 'slow', PrimaryContainer: { Image: sklearnImage, ModelDataUrl: uri, Environment: { SAGEMAKER_PROGRAM: 'inference.py' } } })).status).toBe(200);
  const before = await deploy(loam, 'ep', [{ name: 'AllTraffic', modelName: 'slow' }]);
  expect(before.EndpointStatus, before.FailureReason).toBe('InService');
  expect(await invoke(loam, 'ep', '1,2,3')).toMatchObject({ status: 200, body: '[6.0]' });
  const token = loam.adminToken;
  await loam.close();

  loam = await openLoamAt(dataDir, token);
  try {
    await loam.platform.endpoints.start();
    const during = (await call(loam, 'GET', '/api/v1/endpoints/ep')).body;
    expect(during.EndpointStatus).toBe('InService');
    expect(during.ProductionVariants[0]).toMatchObject({ CurrentInstanceCount: 0, DesiredInstanceCount: 1, VariantStatus: [{ Status: 'Creating' }] });
    expect((await call(loam, 'GET', '/api/v1/endpoints')).body.Endpoints).toEqual([expect.objectContaining({ EndpointName: 'ep', EndpointStatus: 'InService' })]);

    const t0 = Date.now();
    expect(await invoke(loam, 'ep', '1,2,3')).toMatchObject({ status: 200, body: '[6.0]' });
    // It waited for the instance's model_fn, rather than being answered by something else.
    expect(Date.now() - t0).toBeGreaterThan(500);

    const after = await waitForEndpoint(loam, 'ep', (s, d) => s !== 'InService' || d.ProductionVariants[0].VariantStatus.length === 0, 30_000);
    expect(after.EndpointStatus).toBe('InService');
    expect(after.ProductionVariants[0]).toMatchObject({ CurrentInstanceCount: 1, DesiredInstanceCount: 1, VariantStatus: [] });
    expect(after.FailureReason).toBeUndefined();
  } finally {
    await loam.close();
  }
}, 120_000);
