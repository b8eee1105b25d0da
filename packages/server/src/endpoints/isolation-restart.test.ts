import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tar from 'tar';
import { afterAll, expect, it } from 'vitest';
import { EndpointStore } from '@loam/core';
import { call, deploy, openLoamAt as open, storeGbdtModel, waitForEndpoint, xgboostImage } from './endpoints.test-support.js';

// A restart rebuilds every endpoint from the models that now have its models' names: the network
// isolation rule is checked there too, not only at CreateEndpoint. The server restarts where isolation
// cannot be enforced for instances (executor.sandbox: off); with the sandbox, such a model is served in
// a network of its own (model-errors.test.ts).
const sklearnImage = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3';
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

it('after a restart where isolation cannot be enforced, an endpoint whose model was re-created isolated, running its own serving code, fails instead of serving it unisolated', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'loam-iso-restart-'));
  const src = mkdtempSync(join(tmpdir(), 'loam-iso-src-'));
  dirs.push(dataDir, src);
  let loam = await open(dataDir);
  await loam.platform.artifacts.ensureBucket('models');
  await storeGbdtModel(loam.platform.artifacts, { bucket: 'models', key: 'g/model.tar.gz' });
  writeFileSync(join(src, 'inference.py'), 'def model_fn(model_dir):\n    return lambda rows: [float(sum(r)) for r in rows]\n');
  await tar.c({ gzip: true, cwd: src, file: join(src, 'model.tar.gz'), prefix: 'code/' }, ['inference.py']);
  await loam.platform.artifacts.put({ bucket: 'models', key: 'sum/model.tar.gz' }, readFileSync(join(src, 'model.tar.gz')));
  expect((await call(loam, 'POST', '/api/v1/models', { ModelName: 'm', PrimaryContainer: { Image: xgboostImage, ModelDataUrl: 's3://models/g/model.tar.gz' } })).status).toBe(200);
  const d = await deploy(loam, 'ep', [{ name: 'v', modelName: 'm' }]);
  expect(d.EndpointStatus, d.FailureReason).toBe('InService');
  expect((await call(loam, 'DELETE', '/api/v1/models/m')).status).toBe(200);
  const again = { ModelName: 'm', EnableNetworkIsolation: true, PrimaryContainer: { Image: sklearnImage, ModelDataUrl: 's3://models/sum/model.tar.gz', Environment: { SAGEMAKER_PROGRAM: 'inference.py' } } };
  expect((await call(loam, 'POST', '/api/v1/models', again)).status).toBe(200);
  const token = loam.adminToken;
  await loam.close();

  loam = await open(dataDir, token, { LOAM_EXECUTOR__SANDBOX: 'off' });
  try {
    await loam.platform.endpoints.start();
    const after = await waitForEndpoint(loam, 'ep', (s) => s !== 'Creating', 60_000);
    expect([after.EndpointStatus, after.FailureReason]).toEqual(['Failed', expect.stringMatching(/runs its own serving code and asks for network isolation/)]);
    const r = await loam.app.inject({ method: 'POST', url: '/endpoints/ep/invocations', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' }, payload: '1,2,3,4' });
    expect(r.statusCode).not.toBe(200);
  } finally {
    await loam.close();
  }
}, 120_000);

it('after a restart, a variant recorded with 0 instances (UpdateEndpointWeightsAndCapacities or autoscaling allowed 0 before they refused it) comes back with one and answers', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'loam-zero-restart-'));
  dirs.push(dataDir);
  let loam = await open(dataDir);
  await loam.platform.artifacts.ensureBucket('models');
  const { raw } = await storeGbdtModel(loam.platform.artifacts, { bucket: 'models', key: 'g/model.tar.gz' });
  expect((await call(loam, 'POST', '/api/v1/models', { ModelName: 'm', PrimaryContainer: { Image: xgboostImage, ModelDataUrl: 's3://models/g/model.tar.gz' } })).status).toBe(200);
  expect((await deploy(loam, 'zero', [{ name: 'v', modelName: 'm' }])).EndpointStatus).toBe('InService');
  await new EndpointStore(loam.platform.store).patch('zero', (r) => ({ ...r, variants: r.variants.map((v) => ({ ...v, CurrentInstanceCount: 0, DesiredInstanceCount: 0 })) }));
  const token = loam.adminToken;
  await loam.close();

  loam = await open(dataDir, token);
  try {
    await loam.platform.endpoints.start();
    // Serving before the restart: InService throughout, its variant says when its instance is back.
    const after = await waitForEndpoint(loam, 'zero', (s, d) => s !== 'InService' || d.ProductionVariants?.[0]?.VariantStatus?.length === 0, 60_000);
    expect(after.EndpointStatus, after.FailureReason).toBe('InService');
    expect(after.ProductionVariants?.[0]?.CurrentInstanceCount).toBe(1);
    const r = await loam.app.inject({ method: 'POST', url: '/endpoints/zero/invocations', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' }, payload: raw[0]!.join(',') });
    expect(r.statusCode, r.body).toBe(200);
  } finally {
    await loam.close();
  }
}, 120_000);
