import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { call, deploy, invoke, storeGbdtModel, waitForEndpoint, xgboostImage } from './endpoints.test-support.js';

/** Where Loam's real-time endpoints follow SageMaker's documented behaviour for requests boto3 code sends. */
let loam: TestLoam;
let raw: number[][];

// A server per test and per attempt: CI's retry of a failed test must not meet the names it created.
beforeEach(async () => {
  loam = await openTestLoam();
  ({ raw } = await storeGbdtModel(loam.platform.artifacts, { bucket: 'models', key: 'gbdt/model.tar.gz' }, { rounds: 3 }));
  const m = await call(loam, 'POST', '/api/v1/models', { ModelName: 'gbdt', PrimaryContainer: { Image: xgboostImage, ModelDataUrl: 's3://models/gbdt/model.tar.gz' } });
  expect(m.status).toBe(200);
});
afterEach(async () => loam?.close());

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
    // SageMaker Runtime's limits on InferenceId (1–64 printable) and CustomAttributes (≤ 1024 ASCII).
    for (const [headers, member] of [
      [{ 'x-amzn-sagemaker-inference-id': 'x'.repeat(65) }, 'inferenceId'],
      [{ 'x-amzn-sagemaker-custom-attributes': 'a'.repeat(1025) }, 'customAttributes'],
    ] as const) {
      const r = await invoke(loam, 'targets', row, headers);
      expect([r.status, r.headers['x-amzn-errortype']], member).toEqual([400, 'ValidationError']);
      expect(JSON.parse(r.body).message).toContain(`at '${member}' failed to satisfy constraint`);
    }
    // What the endpoint does have still works: its variant by name, an inference id.
    const ok = await invoke(loam, 'targets', row, { 'x-amzn-sagemaker-target-variant': 'v', 'x-amzn-sagemaker-inference-id': 'id-1' });
    expect([ok.status, ok.headers['x-amzn-invoked-production-variant']]).toEqual([200, 'v']);
  });
});

describe('DeleteEndpoint during a blue/green update', () => {
  it('deletes at once, without waiting for the baking to finish, and never shows the endpoint InService again', async () => {
    expect((await deploy(loam, 'del-upd', [{ name: 'v', modelName: 'gbdt' }])).EndpointStatus).toBe('InService');
    const cfg = await call(loam, 'POST', '/api/v1/endpoint-configs', { EndpointConfigName: 'del-upd-2', ProductionVariants: [{ VariantName: 'v2', ModelName: 'gbdt', InitialInstanceCount: 2, InstanceType: 'ml.m5.large' }] });
    expect(cfg.status).toBe(200);
    const upd = await call(loam, 'POST', '/api/v1/endpoints/del-upd/update', {
      EndpointName: 'del-upd', EndpointConfigName: 'del-upd-2',
      DeploymentConfig: { BlueGreenUpdatePolicy: { TrafficRoutingConfiguration: { Type: 'LINEAR', WaitIntervalInSeconds: 600, LinearStepSize: { Type: 'CAPACITY_PERCENT', Value: 50 } } } },
    });
    expect(upd.status, JSON.stringify(upd.body)).toBe(200);
    const t0 = Date.now();
    for (;;) {
      const d = await call(loam, 'GET', '/api/v1/endpoints/del-upd');
      if (d.body.PendingDeploymentSummary?.ProductionVariants?.[0]?.VariantStatus?.[0]?.Status === 'Baking') break;
      if (Date.now() - t0 > 20_000) throw new Error(`green never baked: ${JSON.stringify(d.body)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await call(loam, 'DELETE', '/api/v1/endpoints/del-upd')).status).toBe(200);
    const seen = new Set<string>();
    const t1 = Date.now();
    for (;;) {
      const d = await call(loam, 'GET', '/api/v1/endpoints/del-upd');
      if (d.status === 404) break;
      seen.add(d.body.EndpointStatus);
      if (Date.now() - t1 > 10_000) throw new Error(`still there after 10 s (the update bakes 600 s): ${JSON.stringify(d.body)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect([...seen]).toEqual(['Deleting']);
    expect(loam.platform.endpoints.controller.get('del-upd')).toBeUndefined();
  }, 60_000);
});

describe('data capture encodings (CaptureContentTypeHeader)', () => {
  const capture = (header?: unknown) => ({
    DataCaptureConfig: {
      EnableCapture: true, InitialSamplingPercentage: 100, DestinationS3Uri: 's3://capture/enc', CaptureOptions: [{ CaptureMode: 'InputAndOutput' }],
      ...(header ? { CaptureContentTypeHeader: header } : {}),
    },
  });
  const records = async (endpoint: string) => {
    await loam.platform.endpoints.controller.get(endpoint)!.capture!.flush();
    const list = await loam.platform.artifacts.list({ bucket: 'capture', prefix: `enc/${endpoint}/v/` });
    const out: any[] = [];
    for (const o of list.objects) {
      expect(o.key).toMatch(new RegExp(`^enc/${endpoint}/v/\\d{4}/\\d{2}/\\d{2}/\\d{2}/\\d{2}-\\d{2}-\\d{3}-[0-9a-f-]{36}\\.jsonl$`));
      const chunks: Buffer[] = [];
      for await (const c of (await loam.platform.artifacts.get({ bucket: 'capture', key: o.key })).body) chunks.push(c as Buffer);
      out.push(...Buffer.concat(chunks).toString('utf8').trim().split('\n').map((l) => JSON.parse(l)));
    }
    return out;
  };

  it('are base64 when the config lists no content types, as SageMaker documents', async () => {
    await loam.platform.artifacts.ensureBucket('capture');
    await deploy(loam, 'enc-default', [{ name: 'v', modelName: 'gbdt' }], capture());
    const row = raw[0]!.join(',');
    const r = await invoke(loam, 'enc-default', row);
    expect(r.status).toBe(200);
    const [rec] = await records('enc-default');
    expect(rec.captureData.endpointInput).toEqual({ observedContentType: 'text/csv', mode: 'INPUT', data: Buffer.from(row).toString('base64'), encoding: 'BASE64' });
    expect(rec.captureData.endpointOutput).toEqual({ observedContentType: 'text/csv; charset=utf-8', mode: 'OUTPUT', data: Buffer.from(r.body).toString('base64'), encoding: 'BASE64' });
  });

  it('are CSV or JSON text only for the listed types (parameters aside), base64 for the others', async () => {
    await loam.platform.artifacts.ensureBucket('capture');
    await deploy(loam, 'enc-listed', [{ name: 'v', modelName: 'gbdt' }], capture({ CsvContentTypes: ['text/csv'] }));
    const row = raw[0]!.join(',');
    const r = await invoke(loam, 'enc-listed', row, { accept: 'application/json' });
    expect(r.status).toBe(200);
    const [rec] = await records('enc-listed');
    expect(rec.captureData.endpointInput).toMatchObject({ data: row, encoding: 'CSV' });
    // application/json is not listed: SageMaker's default JsonContentTypes do not apply once a header is given.
    expect(rec.captureData.endpointOutput).toMatchObject({ observedContentType: 'application/json', data: Buffer.from(r.body).toString('base64'), encoding: 'BASE64' });
  });

  it('refuses a listed content type SageMaker’s pattern refuses (parameters, spaces), naming the member', async () => {
    const r = await call(loam, 'POST', '/api/v1/endpoint-configs', {
      EndpointConfigName: 'enc-bad', ProductionVariants: [{ VariantName: 'v', ModelName: 'gbdt', InitialInstanceCount: 1, InstanceType: 'ml.m5.large' }],
      ...capture({ CsvContentTypes: ['text/csv; charset=utf-8'] }),
    });
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).toContain('/DataCaptureConfig/CaptureContentTypeHeader/CsvContentTypes/0');
  });
});

describe('UpdateEndpointWeightsAndCapacities', () => {
  it('shows the requested weight and count as DesiredWeight / DesiredInstanceCount while applying them, and refuses a variant named twice', async () => {
    const m = await call(loam, 'POST', '/api/v1/models', {
      ModelName: 'gbdt-proc', PrimaryContainer: { Image: xgboostImage, ModelDataUrl: 's3://models/gbdt/model.tar.gz', Environment: { LOAM_SERVING_MODE: 'process' } },
    });
    expect(m.status).toBe(200);
    expect((await deploy(loam, 'wc', [{ name: 'a', modelName: 'gbdt-proc' }])).EndpointStatus).toBe('InService');
    const twice = await call(loam, 'POST', '/api/v1/endpoints/wc/weights-and-capacities', {
      EndpointName: 'wc', DesiredWeightsAndCapacities: [{ VariantName: 'a', DesiredWeight: 2 }, { VariantName: 'a', DesiredWeight: 0 }],
    });
    expect(twice.status).toBe(400);
    expect(JSON.stringify(twice.body)).toContain('/DesiredWeightsAndCapacities/1/VariantName');
    // Zero instances: only endpoints with inference components scale to zero (a variant without instances kept its weight, and its share of invocations waited 60 s).
    const zero = await call(loam, 'POST', '/api/v1/endpoints/wc/weights-and-capacities', { EndpointName: 'wc', DesiredWeightsAndCapacities: [{ VariantName: 'a', DesiredInstanceCount: 0 }] });
    expect(zero.status).toBe(400);
    expect(zero.body.detail).toMatch(/cannot scale to 0 instances/);
    expect((await call(loam, 'GET', '/api/v1/endpoints/wc')).body.EndpointStatus).toBe('InService');
    // Nor may autoscaling take it there.
    const target = { ServiceNamespace: 'sagemaker', ResourceId: 'endpoint/wc/variant/a', ScalableDimension: 'sagemaker:variant:DesiredInstanceCount', MaxCapacity: 2 };
    const min0 = await call(loam, 'POST', '/api/v1/scalable-targets', { ...target, MinCapacity: 0 });
    expect(min0.status).toBe(400);
    expect(JSON.stringify(min0.body)).toContain('/MinCapacity');
    expect((await call(loam, 'POST', '/api/v1/scalable-targets', { ...target, MinCapacity: 1 })).status).toBe(200);
    const r = await call(loam, 'POST', '/api/v1/endpoints/wc/weights-and-capacities', { EndpointName: 'wc', DesiredWeightsAndCapacities: [{ VariantName: 'a', DesiredWeight: 3, DesiredInstanceCount: 2 }] });
    expect(r.status).toBe(200);
    // A second process instance takes a while to answer /ping: the endpoint is still Updating.
    const during = (await call(loam, 'GET', '/api/v1/endpoints/wc')).body;
    expect(during.EndpointStatus).toBe('Updating');
    expect(during.ProductionVariants[0]).toMatchObject({ VariantName: 'a', DesiredWeight: 3, DesiredInstanceCount: 2, CurrentInstanceCount: 1, VariantStatus: [{ Status: 'Updating' }] });
    const after = await waitForEndpoint(loam, 'wc', (s) => s === 'InService');
    expect(after.ProductionVariants[0]).toMatchObject({ CurrentWeight: 3, DesiredWeight: 3, CurrentInstanceCount: 2, DesiredInstanceCount: 2, VariantStatus: [] });
    expect((await call(loam, 'DELETE', '/api/v1/endpoints/wc')).status).toBe(200);
  }, 60_000);
});

describe('AutoRollbackConfiguration alarms', () => {
  it('must exist: an unknown alarm name is refused at CreateEndpoint and UpdateEndpoint, naming it', async () => {
    const deployment = (alarm: string) => ({
      BlueGreenUpdatePolicy: { TrafficRoutingConfiguration: { Type: 'ALL_AT_ONCE', WaitIntervalInSeconds: 0 } }, AutoRollbackConfiguration: { Alarms: [{ AlarmName: alarm }] },
    });
    expect((await call(loam, 'POST', '/api/v1/endpoint-configs', { EndpointConfigName: 'alarms-cfg', ProductionVariants: [{ VariantName: 'v', ModelName: 'gbdt', InstanceType: 'ml.m5.large' }] })).status).toBe(200);
    const create = await call(loam, 'POST', '/api/v1/endpoints', { EndpointName: 'alarms', EndpointConfigName: 'alarms-cfg', DeploymentConfig: deployment('typo-5xx') });
    expect(create.status).toBe(400);
    expect(create.body.detail).toMatch(/alarm 'typo-5xx', which does not exist/);
    expect(JSON.stringify(create.body)).toContain('/DeploymentConfig/AutoRollbackConfiguration/Alarms/0/AlarmName');
    expect((await call(loam, 'GET', '/api/v1/endpoints/alarms')).status).toBe(404);

    expect((await call(loam, 'POST', '/api/v1/endpoints', { EndpointName: 'alarms', EndpointConfigName: 'alarms-cfg' })).status).toBe(200);
    await waitForEndpoint(loam, 'alarms', (s) => s === 'InService');
    const update = await call(loam, 'POST', '/api/v1/endpoints/alarms/update', { EndpointName: 'alarms', EndpointConfigName: 'alarms-cfg', DeploymentConfig: deployment('typo-5xx') });
    expect(update.status).toBe(400);
    expect((await call(loam, 'GET', '/api/v1/endpoints/alarms')).body.EndpointStatus).toBe('InService');

    expect((await call(loam, 'POST', '/api/v1/alarms', {
      AlarmName: 'alarms-5xx', MetricName: 'Invocation5XXErrors', Dimensions: [{ Name: 'EndpointName', Value: 'alarms' }], Statistic: 'Sum',
      Period: 1, EvaluationPeriods: 1, Threshold: 0, ComparisonOperator: 'GreaterThanThreshold',
    })).status).toBe(200);
    expect((await call(loam, 'POST', '/api/v1/endpoints/alarms/update', { EndpointName: 'alarms', EndpointConfigName: 'alarms-cfg', DeploymentConfig: deployment('alarms-5xx') })).status).toBe(200);
    await waitForEndpoint(loam, 'alarms', (s) => s === 'InService');
  }, 60_000);
});
