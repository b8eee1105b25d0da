import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { call, deploy, invoke, storeGbdtModel, xgboostImage } from './endpoints.test-support.js';

/** Where Loam's real-time endpoints follow SageMaker's documented behaviour for requests boto3 code sends. */
let loam: TestLoam;
let raw: number[][];

beforeAll(async () => {
  loam = await openTestLoam();
  ({ raw } = await storeGbdtModel(loam.platform.artifacts, { bucket: 'models', key: 'gbdt/model.tar.gz' }, { rounds: 3 }));
  const m = await call(loam, 'POST', '/api/v1/models', { ModelName: 'gbdt', PrimaryContainer: { Image: xgboostImage, ModelDataUrl: 's3://models/gbdt/model.tar.gz' } });
  expect(m.status).toBe(200);
});
afterAll(async () => loam?.close());

describe('InvokeEndpoint members for what Loam endpoints never have', () => {
  it('are refused with 400 ValidationError naming the member, not answered by the one model', async () => {
    expect((await deploy(loam, 'targets', [{ name: 'v', modelName: 'gbdt' }])).EndpointStatus).toBe('InService');
    const row = raw[0]!.join(',');
    const cases: [Record<string, string>, RegExp][] = [
      [{ 'x-amzn-sagemaker-target-model': 'other.tar.gz' }, /TargetModel 'other\.tar\.gz' applies only to multi-model endpoints/],
      [{ 'x-amzn-sagemaker-target-container-hostname': 'c2' }, /TargetContainerHostname 'c2' applies only to .*Mode Direct/],
      [{ 'x-amzn-sagemaker-enable-explanations': '`true`' }, /EnableExplanations applies only to endpoints with a SageMaker Clarify ExplainerConfig/],
      [{ 'x-amzn-sagemaker-inference-component': 'ic' }, /InferenceComponentName 'ic' applies only to endpoints with inference components/],
    ];
    for (const [headers, message] of cases) {
      const r = await invoke(loam, 'targets', row, headers);
      expect([r.status, r.headers['x-amzn-errortype']], JSON.stringify(headers)).toEqual([400, 'ValidationError']);
      expect(JSON.parse(r.body).message).toMatch(message);
    }
    // What the endpoint does have still works: its variant by name, an inference id.
    const ok = await invoke(loam, 'targets', row, { 'x-amzn-sagemaker-target-variant': 'v', 'x-amzn-sagemaker-inference-id': 'id-1' });
    expect([ok.status, ok.headers['x-amzn-invoked-production-variant']]).toEqual([200, 'v']);
  });
});
