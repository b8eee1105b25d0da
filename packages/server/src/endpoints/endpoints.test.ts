import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { call, deploy, invoke, storeGbdtModel, waitForEndpoint, xgboostImage } from './endpoints.test-support.js';
import type { GbdtModel } from '@loam/ml/gbdt/index';

let loam: TestLoam;
let model: GbdtModel;
let raw: number[][];

beforeAll(async () => {
  loam = await openTestLoam();
  ({ model, raw } = await storeGbdtModel(loam.platform.artifacts, { bucket: 'models', key: 'gbdt/model.tar.gz' }));
  const m = await call(loam, 'POST', '/api/v1/models', { ModelName: 'gbdt', PrimaryContainer: { Image: xgboostImage, ModelDataUrl: 's3://models/gbdt/model.tar.gz' } });
  expect(m.status).toBe(200);
});
afterAll(async () => loam?.close());

describe('models and endpoints: the vertical slice', () => {
  it('CreateModel refuses model data that does not exist and an unknown image, naming the field', async () => {
    const missing = await call(loam, 'POST', '/api/v1/models', { ModelName: 'nope', PrimaryContainer: { Image: xgboostImage, ModelDataUrl: 's3://models/none/model.tar.gz' } });
    expect(missing.status).toBe(400);
    expect(missing.body.detail).toContain("'primaryContainer.modelDataUrl'");
    const image = await call(loam, 'POST', '/api/v1/models', { ModelName: 'nope', PrimaryContainer: { Image: 'example.com/whatever:1', ModelDataUrl: 's3://models/gbdt/model.tar.gz' } });
    expect(image.status).toBe(400);
    expect(image.body.detail).toMatch(/not an image Loam can serve/);
  });

  it('deploys, answers CSV, JSON, JSON Lines and libsvm with the model’s own predictions, then deletes', async () => {
    const d = await deploy(loam, 'slice', [{ name: 'AllTraffic', modelName: 'gbdt' }]);
    expect(d.EndpointStatus).toBe('InService');
    expect(d.ProductionVariants[0]).toMatchObject({ VariantName: 'AllTraffic', CurrentInstanceCount: 1, CurrentWeight: 1 });
    const rows = raw.slice(0, 3);
    const expected = rows.map((r) => model.predictRow(r)[0] as number);

    const csv = await invoke(loam, 'slice', rows.map((r) => r.join(',')).join('\n'));
    expect(csv.status).toBe(200);
    expect(csv.headers['x-amzn-invoked-production-variant']).toBe('AllTraffic');
    expect(csv.body.split(',').map(Number)).toEqual(expected);

    const json = await invoke(loam, 'slice', JSON.stringify({ instances: rows }), { 'content-type': 'application/json', accept: 'application/json' });
    expect(JSON.parse(json.body)).toEqual({ predictions: expected.map((score) => ({ score })) });

    const jsonl = await invoke(loam, 'slice', rows.map((r) => JSON.stringify({ features: r })).join('\n'), { 'content-type': 'application/jsonlines', accept: 'application/jsonlines' });
    expect(jsonl.body.split('\n').map((l: string) => JSON.parse(l).score)).toEqual(expected);

    const libsvm = await invoke(loam, 'slice', rows.map((r) => r.map((v, j) => `${j}:${v}`).join(' ')).join('\n'), { 'content-type': 'text/libsvm' });
    expect(libsvm.body.split(',').map(Number)).toEqual(expected);

    expect((await call(loam, 'DELETE', '/api/v1/endpoints/slice')).status).toBe(200);
    await expect(waitForEndpoint(loam, 'slice', () => false, 3000)).rejects.toThrow(/does not exist|not exist/);
    expect((await invoke(loam, 'slice', '1,2,3,4')).status).toBe(400);
  });

  it('answers bad input as SageMaker does (ModelError 424 with the model’s 4xx and message), and keeps serving', async () => {
    await deploy(loam, 'bad', [{ name: 'v', modelName: 'gbdt' }]);
    const cases: [string | Buffer, Record<string, string>, number, RegExp][] = [
      ['1,2,3,4', { 'content-type': 'image/png' }, 415, /Content type 'image\/png' is not supported.*text\/csv/],
      ['1,2,3', {}, 400, /Row 1 has 3 values; the model expects 4 features/],
      ['1,abc,3,4', {}, 400, /Row 1, column 2: 'abc' is not a number/],
      ['', {}, 400, /empty/],
      ['1,2,3,4', { accept: 'application/x-npy' }, 406, /Accept 'application\/x-npy' is not supported/],
    ];
    for (const [body, headers, status, message] of cases) {
      const r = await invoke(loam, 'bad', body, headers);
      const what = `${String(body)} ${JSON.stringify(headers)}`;
      expect(r.status, what).toBe(424);
      expect(r.headers['x-amzn-errortype']).toBe('ModelError');
      const answer = JSON.parse(r.body);
      expect(answer.OriginalStatusCode, what).toBe(status);
      expect(answer.OriginalMessage).toMatch(message);
      expect(answer.message).toContain(`Received client error (${status}) from primary with message`);
    }
    const big = await invoke(loam, 'bad', Buffer.alloc(6 * 1024 * 1024 + 1, 49));
    expect(big.status).toBe(413);
    const ok = await invoke(loam, 'bad', raw[0]!.join(','));
    expect(ok.status).toBe(200);
    const m = await call(loam, 'GET', '/api/v1/endpoints/bad/metrics');
    const totals = m.body.Variants[0].Points.reduce((a: any, p: any) => ({ inv: a.inv + p.Invocations, e4: a.e4 + p.Invocation4XXErrors }), { inv: 0, e4: 0 });
    expect(totals).toEqual({ inv: 6, e4: 5 });
  });
});
