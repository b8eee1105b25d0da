import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { metricMinutesCollection, silentLogger, type Logger } from '@loam/core';
import type { TestLoam } from '../compose/loam.test-support.js';
import { call, deploy, invoke, openLoamAt, storeGbdtModel, xgboostImage } from './endpoints.test-support.js';
import { MetricHistory } from './metric-history.js';
import { MetricsRegistry } from './metrics-registry.js';

// CloudWatch keeps an endpoint's one-minute datapoints 15 days; Loam's registry holds an hour in memory.
// The minutes are stored as they end (and at close), so GetMetricStatistics answers the same after a
// restart, and minutes older than the retention are deleted.
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const dims = [{ Name: 'EndpointName', Value: 'ep' }, { Name: 'VariantName', Value: 'AllTraffic' }];

async function statistics(loam: TestLoam, metric: string, stats: string[], from: number, to: number): Promise<{ status: number; body: any }> {
  return call(loam, 'POST', '/api/v1/metrics/statistics', { Namespace: 'AWS/SageMaker', MetricName: metric, Dimensions: dims, StartTime: from, EndTime: to, Period: 3600, Statistics: stats });
}

it("an endpoint's metrics survive a restart: the minutes are stored and read back with the new ones", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'loam-metric-history-'));
  dirs.push(dataDir);
  let loam = await openLoamAt(dataDir);
  const t0 = Date.now() / 1000 - 120;
  let row = '';
  try {
    await loam.platform.artifacts.ensureBucket('models');
    const { raw } = await storeGbdtModel(loam.platform.artifacts, { bucket: 'models', key: 'm/model.tar.gz' });
    expect((await call(loam, 'POST', '/api/v1/models', { ModelName: 'm', PrimaryContainer: { Image: xgboostImage, ModelDataUrl: 's3://models/m/model.tar.gz' } })).status).toBe(200);
    expect((await deploy(loam, 'ep', [{ name: 'AllTraffic', modelName: 'm' }])).EndpointStatus).toBe('InService');
    row = raw[0]!.join(',');
    for (let i = 0; i < 12; i++) expect((await invoke(loam, 'ep', raw[i]!.join(','))).status).toBe(200);
    const before = await statistics(loam, 'Invocations', ['Sum'], t0, t0 + 600);
    expect(before.body.Datapoints).toEqual([expect.objectContaining({ Sum: 12, Unit: 'None' })]);
  } finally {
    await loam.close();
  }
  const token = loam.adminToken;
  loam = await openLoamAt(dataDir, token);
  try {
    await loam.platform.endpoints.start();
    const after = await statistics(loam, 'Invocations', ['Sum', 'SampleCount'], t0, t0 + 600);
    expect(after.status).toBe(200);
    expect(after.body.Datapoints).toEqual([expect.objectContaining({ Sum: 12, SampleCount: 12 })]);
    const latency = await statistics(loam, 'ModelLatency', ['SampleCount', 'Minimum', 'Maximum'], t0, t0 + 600);
    expect(latency.body.Datapoints[0]).toMatchObject({ SampleCount: 12, Unit: 'Microseconds' });
    expect(latency.body.Datapoints[0].Minimum).toBeGreaterThan(0);
    expect(latency.body.Datapoints[0].Maximum).toBeLessThan(5_000_000);
    // New traffic in the same hour adds to what the previous run stored.
    for (let i = 0; i < 3; i++) expect((await invoke(loam, 'ep', row)).status).toBe(200);
    const more = await statistics(loam, 'Invocations', ['Sum'], t0, t0 + 600);
    expect(more.body.Datapoints[0].Sum).toBe(15);
  } finally {
    await loam.close();
  }
}, 120_000);

it('keeps 15 days of minutes: older ones are deleted, a minute stored twice is merged, not doubled', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'loam-metric-retention-'));
  dirs.push(dataDir);
  const loam = await openLoamAt(dataDir);
  try {
    const store = loam.platform.store;
    const day = 86400_000;
    let now = Date.UTC(2026, 0, 20, 12, 0, 30);
    const history = (metrics = new MetricsRegistry()) => new MetricHistory({ store, metrics, instancesOf: () => 2, logger: silentLogger, now: () => now });
    // Two runs record into the same minute; each stores it at close.
    const firstRun = new MetricsRegistry();
    const first = history(firstRun);
    firstRun.variant('old', 'AllTraffic').record(200, 1000, 50, now);
    firstRun.variant('old', 'AllTraffic').record(500, 3000, 70, now + 1000);
    await first.flush(true);
    const secondRun = new MetricsRegistry();
    const second = history(secondRun);
    secondRun.variant('old', 'AllTraffic').record(200, 2000, 60, now + 2000);
    await second.flush(true);
    const minute = Math.floor(now / 60000) * 60;
    const [m] = await second.minutes('old', 'AllTraffic', minute, minute + 60);
    expect(m!.aggregate).toMatchObject({ invocations: 3, errors5xx: 1, latencyCount: 3, modelSumUs: 6000, modelMinUs: 1000, modelMaxUs: 3000, overheadMinUs: 50, overheadMaxUs: 70 });
    expect(m!.instances).toBe(2);
    // 15 days later the minute is still read; a day after, it is swept.
    now += 15 * day - 120_000;
    expect(await history().minutes('old', 'AllTraffic', minute, minute + 60)).toHaveLength(1);
    now += 2 * day;
    const later = history();
    expect(await later.minutes('old', 'AllTraffic', minute, minute + 60)).toEqual([]);
    await later.flush();
    expect(await store.collection(metricMinutesCollection).count()).toBe(0);
  } finally {
    await loam.close();
  }
});

it("a deleted endpoint's last minute is stored too: its metrics outlive the registry's copy", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'loam-metric-deleted-'));
  dirs.push(dataDir);
  const loam = await openLoamAt(dataDir);
  try {
    let now = Date.UTC(2026, 0, 20, 12, 0, 30);
    const metrics = new MetricsRegistry();
    const history = new MetricHistory({ store: loam.platform.store, metrics, instancesOf: () => 1, logger: silentLogger, now: () => now });
    for (let i = 0; i < 5; i++) metrics.variant('gone', 'AllTraffic').record(200, 1000, 10, now + i);
    metrics.drop('gone'); // as DeleteEndpoint does, before the minute ends
    const minute = Math.floor(now / 60000) * 60;
    expect((await history.minutes('gone', 'AllTraffic', minute, minute + 60))[0]?.aggregate.invocations).toBe(5);
    now += 60_000;
    await history.flush();
    expect((await loam.platform.store.collection(metricMinutesCollection).get(`gone/AllTraffic/${minute}`))?.value.aggregate.invocations).toBe(5);
    expect((await history.minutes('gone', 'AllTraffic', minute, minute + 60))[0]?.aggregate.invocations).toBe(5); // not counted twice
  } finally {
    await loam.close();
  }
});

it('a flush that fails part-way (a database error, another server inserting the same minute) does not count its stored minutes twice when retried; an outage is warned once', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'loam-metric-retry-'));
  dirs.push(dataDir);
  const loam = await openLoamAt(dataDir);
  try {
    const real = loam.platform.store;
    let failNextInsertOf: string | undefined;
    let failures = 0;
    // The real store, whose insert of one key fails once after the earlier keys of the flush were written.
    const store = new Proxy(real, {
      get(target, prop, receiver) {
        if (prop !== 'collection') { const v = Reflect.get(target, prop, receiver) as unknown; return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v; }
        return (spec: typeof metricMinutesCollection) => {
          const c = target.collection(spec);
          return new Proxy(c, {
            get(ct, p, r) {
              if (p !== 'insert') { const v = Reflect.get(ct, p, r) as unknown; return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(ct) : v; }
              return async (rec: { key: string }) => {
                if (rec.key === failNextInsertOf && failures-- > 0) throw Object.assign(new Error('connection reset'), { code: 'ServiceUnavailable' });
                return ct.insert(rec as never);
              };
            },
          });
        };
      },
    });
    let now = Date.UTC(2026, 0, 20, 12, 0, 30);
    const metrics = new MetricsRegistry();
    const logged: { level: string; message: string }[] = [];
    const logger: Logger = { ...silentLogger, warn: (_f, message) => void logged.push({ level: 'warn', message }), error: (_f, message) => void logged.push({ level: 'error', message }), info: (_f, message) => void logged.push({ level: 'info', message }), child: () => logger };
    const history = new MetricHistory({ store, metrics, instancesOf: () => 1, logger, now: () => now });
    for (let i = 0; i < 4; i++) metrics.variant('a', 'AllTraffic').record(200, 1000, 10, now + i);
    for (let i = 0; i < 3; i++) metrics.variant('b', 'AllTraffic').record(200, 1000, 10, now + i);
    const minute = Math.floor(now / 60000) * 60;
    now += 60_000;
    failNextInsertOf = `b/AllTraffic/${minute}`;
    failures = 2;
    await history.flush(); // a's minute stored, b's insert fails
    // Until the retry, a's minute is both stored and still in memory ahead of the watermark: read once, not twice.
    expect((await history.minutes('a', 'AllTraffic', minute, minute + 60))[0]?.aggregate.invocations).toBe(4);
    await history.flush(); // the retry fails again, as a minute's flush does through an outage
    await history.flush(); // the next retry
    // The outage's first failure warned, its repeat did not (it warned every minute), and its end is logged once.
    expect(logged).toEqual([{ level: 'warn', message: 'storing endpoint metrics failed' }, { level: 'info', message: 'background loop works again' }]);
    const stored = real.collection(metricMinutesCollection);
    expect((await stored.get(`a/AllTraffic/${minute}`))?.value.aggregate.invocations).toBe(4);
    expect((await stored.get(`b/AllTraffic/${minute}`))?.value.aggregate.invocations).toBe(3);
    expect((await history.minutes('a', 'AllTraffic', minute, minute + 60))[0]?.aggregate.invocations).toBe(4);
  } finally {
    await loam.close();
  }
});
