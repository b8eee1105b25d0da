import { randomBytes } from 'node:crypto';
import { metricMinutesCollection } from '@loam/core';
import { testPostgresUrl } from '@loam/adapters/metadata/sql/postgres-test-schema';
import { afterAll, describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { sql } from '../jobs/postgres-faults.test-support.js';
import { emptyAggregate, minuteOf } from './metric-aggregate.js';

// CloudWatch lists a metric as long as it had a datapoint in the last two weeks, whether or not what it measured
// still exists: an endpoint's AWS/SageMaker metrics stay in ListMetrics (and GetMetricStatistics answers for them)
// after DeleteEndpoint, until two weeks pass without traffic. Loam listed only the endpoints that exist.
const DAY = 86_400;

// The pairs are found by queries of the store (a skip scan over endpoint names, then variant names): on each backend.
for (const backend of ['SQLite', 'PostgreSQL'] as const) {
  describe(`ListMetrics after DeleteEndpoint (${backend})`, () => {
    let loam: TestLoam;
    // A PostgreSQL schema per attempt: a retry must not meet the minutes the failed one stored.
    const schemas: string[] = [];
    afterAll(async () => {
      for (const schema of schemas) await sql(`drop schema if exists ${schema} cascade`);
    });

    async function start(): Promise<void> {
      if (backend === 'PostgreSQL') schemas.push(`loam_test_${randomBytes(6).toString('hex')}`);
      loam = await openTestLoam(backend === 'PostgreSQL' ? { LOAM_METADATA__TYPE: 'postgres', LOAM_METADATA__URL: testPostgresUrl, LOAM_METADATA__SCHEMA: schemas.at(-1)! } : {});
      const nowSec = Date.now() / 1000;
      // Stored minutes, as the metric history writes them: endpoints deleted days ago (one with two variants, one of
      // them with two minutes), and one whose last traffic is older than two weeks (still within the 15 days kept).
      const c = loam.platform.store.collection(metricMinutesCollection);
      const stored = [['deleted-13d', 'AllTraffic', 13], ['deleted-13d', 'AllTraffic', 12.9], ['deleted-13d', 'Canary', 2], ['a-deleted', 'Blue', 1], ['deleted-14d-ago', 'AllTraffic', 14.5]] as const;
      for (const [endpointName, variantName, ageDays] of stored) {
        const minute = minuteOf(nowSec - ageDays * DAY);
        await c.insert({ key: `${endpointName}/${variantName}/${minute}`, endpointName, variantName, minute, instances: 1, aggregate: { ...emptyAggregate(), invocations: 5 } });
      }
      // Traffic this minute, then the endpoint's deletion (DeleteEndpoint drops its live metrics).
      const v = loam.platform.endpoints.metrics.variant('deleted-now', 'Blue');
      for (let i = 0; i < 3; i++) v.record(200, 2000, 100);
      loam.platform.endpoints.metrics.drop('deleted-now');
    }
    serverPerAttempt(start, async () => loam?.close(), 60_000);

    const post = async (url: string, body: unknown) => {
      const r = await loam.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${loam.adminToken}`, 'content-type': 'application/json' }, payload: JSON.stringify(body) });
      expect(r.statusCode, r.body).toBe(200);
      return r.json();
    };

    it("lists a deleted endpoint's metrics while they had a datapoint in the last two weeks, and answers for them", async () => {
      const listed = await post('/api/v1/metrics/list', { Namespace: 'AWS/SageMaker', MetricName: 'Invocations' });
      const pairs = (listed.Metrics as { Dimensions: { Name: string; Value: string }[] }[]).map((m) => m.Dimensions.map((d) => `${d.Name}=${d.Value}`).join(','));
      expect(pairs).toEqual([
        'EndpointName=a-deleted,VariantName=Blue', 'EndpointName=deleted-13d,VariantName=AllTraffic', 'EndpointName=deleted-13d,VariantName=Canary', 'EndpointName=deleted-now,VariantName=Blue',
      ]);
      const all = await post('/api/v1/metrics/list', { Dimensions: [{ Name: 'EndpointName', Value: 'deleted-now' }] });
      expect(all.Metrics.length).toBeGreaterThan(1);
      const nowSec = Date.now() / 1000;
      const sum = async (endpoint: string, variant: string, fromDays: number) => {
        const r = await post('/api/v1/metrics/statistics', {
          Namespace: 'AWS/SageMaker', MetricName: 'Invocations', Dimensions: [{ Name: 'EndpointName', Value: endpoint }, { Name: 'VariantName', Value: variant }],
          StartTime: nowSec - fromDays * DAY, EndTime: nowSec + 60, Period: 86_400, Statistics: ['Sum'],
        });
        return (r.Datapoints as { Sum: number }[]).map((p) => p.Sum);
      };
      expect(await sum('deleted-13d', 'AllTraffic', 14)).toEqual([10]);
      expect(await sum('deleted-13d', 'Canary', 14)).toEqual([5]);
      expect(await sum('deleted-now', 'Blue', 1)).toEqual([3]);
    });
  });
}
