import { expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { endpointsCollection, type EndpointRecord } from '@loam/core';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';

// Studio's charts (GetEndpointMetrics) read the in-memory hour through the same aggregate and statistic()
// as GetMetricStatistics, so a chart's p99 of a few invocations is within their exact extremes, not a
// histogram bucket's upper bound above the slowest one.
let loam: TestLoam;

async function start(): Promise<void> {
  loam = await openTestLoam();
  await loam.platform.store.collection(endpointsCollection).insert({
    key: 'chart-ep', name: 'Chart-Ep', arn: 'arn:loam:sagemaker:us-east-1:000000000000:endpoint/chart-ep', status: 'InService', configName: 'Chart-Ep',
    creationTime: 1_700_000_000, lastModifiedTime: 1_700_000_000, variants: [{ VariantName: 'AllTraffic' }],
  } as unknown as EndpointRecord);
}
async function stop(): Promise<void> {
  await loam?.close();
}
serverPerAttempt(start, stop);

it("a chart point's latencies are the exact ones of its invocations: averages, and p99 no higher than the slowest", async () => {
  const v = loam.platform.endpoints.metrics.variant('Chart-Ep', 'AllTraffic');
  const nowMs = Date.now();
  v.record(200, 1000, 100, nowMs);
  v.record(200, 3000, 300, nowMs); // the old chart's p99 was its histogram bucket's upper bound, 3,158 µs
  v.record(500, undefined, 50, nowMs); // refused before the model: counted, no latency
  const r = await loam.app.inject({
    method: 'GET', url: `/api/v1/endpoints/Chart-Ep/metrics?StartTime=${Math.floor(nowMs / 1000) - 1}&PeriodInSeconds=60`,
    headers: { authorization: `Bearer ${loam.adminToken}` },
  });
  expect(r.statusCode, r.body).toBe(200);
  const [point] = (r.json() as { Variants: { Points: Record<string, number>[] }[] }).Variants[0]!.Points;
  expect(point).toMatchObject({ Invocations: 3, Invocation5XXErrors: 1, ModelLatencyAverage: 2000, OverheadLatencyAverage: 200, ModelLatencyP99: 3000 });
});

it('a chart point without answered invocations has counts and no latency', async () => {
  const v = loam.platform.endpoints.metrics.variant('Chart-Ep', 'AllTraffic');
  const past = Date.now() - 120_000;
  v.record(400, undefined, 10, past);
  const r = await loam.app.inject({
    method: 'GET', url: `/api/v1/endpoints/Chart-Ep/metrics?StartTime=${Math.floor(past / 1000)}&PeriodInSeconds=1`,
    headers: { authorization: `Bearer ${loam.adminToken}` },
  });
  const [point] = (r.json() as { Variants: { Points: Record<string, number>[] }[] }).Variants[0]!.Points;
  expect(point).toEqual({ Timestamp: Math.floor(past / 1000), Invocations: 1, Invocation4XXErrors: 1, Invocation5XXErrors: 0 });
});
