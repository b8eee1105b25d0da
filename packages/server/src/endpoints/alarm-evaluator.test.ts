import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger, type AlarmRecord } from '@loam/core';
import { AlarmEvaluator, storedMinutesBefore } from './alarm-evaluator.js';
import { openLoamAt } from './endpoints.test-support.js';
import { MetricHistory } from './metric-history.js';
import { statistic } from './metric-statistics.js';
import { MetricsRegistry } from './metrics-registry.js';

// The alarm evaluator over endpoint metrics: what a window without traffic means (missing data before
// the variant was deployed or before this server started, 0 invocations for a target-tracking alarm on
// a variant that served the whole window), the minutes an earlier run stored, and the statistics.
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const managedBy = { resourceId: 'endpoint/ep/variant/v', policyName: 'ipi', policyArn: 'arn' };
const alarm = (name: string, request: Record<string, unknown>, extra: Partial<AlarmRecord> = {}): AlarmRecord => ({
  key: name, name, arn: name, endpointName: 'ep', variantName: 'v', updatedTime: 0, request, ...extra,
});
// A target-tracking policy's alarms for 600 invocations per instance per minute, as Application Auto Scaling makes them.
const high = alarm('AlarmHigh', { MetricName: 'InvocationsPerInstance', Statistic: 'Sum', Period: 60, EvaluationPeriods: 3, Threshold: 600, ComparisonOperator: 'GreaterThanThreshold' }, { managedBy });
const low = alarm('AlarmLow', { MetricName: 'InvocationsPerInstance', Statistic: 'Sum', Period: 60, EvaluationPeriods: 15, Threshold: 540, ComparisonOperator: 'LessThanThreshold' }, { managedBy });

describe('AlarmEvaluator', () => {
  it("counts an idle variant's windows as 0 only once it has served them whole: a new variant's AlarmLow waits, not ALARM at once", () => {
    const deployed = Date.UTC(2026, 0, 20, 12, 0, 0);
    const started = deployed - 3600_000; // the server has run an hour; the variant is new
    const evaluator = new AlarmEvaluator(new MetricsRegistry(), () => 1, { startedAtMs: started, servingSince: () => deployed });
    const justDeployed = evaluator.evaluateWithPoints(low, deployed + 5_000);
    expect(justDeployed.points.every((p) => p === undefined)).toBe(true);
    expect(justDeployed.state.value).toBe('INSUFFICIENT_DATA');
    // Ten minutes in: ten windows are 0 (not enough of 15 to scale in), the older five unknown.
    const tenMinutes = evaluator.evaluateWithPoints(low, deployed + 600_000);
    expect(tenMinutes.points.filter((p) => p === 0)).toHaveLength(10);
    expect(tenMinutes.points.slice(10).every((p) => p === undefined)).toBe(true);
    expect(tenMinutes.state.value).toBe('OK');
    // Served idle the whole fifteen minutes: 0 invocations in each, ALARM (scale in), as ADR 0011 intends.
    const idle = evaluator.evaluateWithPoints(low, deployed + 15 * 60_000 + 1_000);
    expect(idle.points).toEqual(new Array(15).fill(0));
    expect(idle.state.value).toBe('ALARM');
  });

  it('after a restart, continues a busy endpoint\'s alarms from the stored minutes; without them, the time before the start is unknown, not 0', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'loam-alarm-restart-'));
    dirs.push(dataDir);
    const loam = await openLoamAt(dataDir);
    try {
      const t0 = Date.UTC(2026, 0, 20, 12, 0, 0);
      const restart = t0 + 15 * 60_000 + 30_000;
      let now = t0;
      // The first run: 1,000 invocations a minute on one instance (above the 600 target), stored at close.
      const firstRun = new MetricsRegistry();
      const first = new MetricHistory({ store: loam.platform.store, metrics: firstRun, instancesOf: () => 1, logger: silentLogger, now: () => now });
      for (let m = 0; m < 16; m++) for (let i = 0; i < 1000; i++) firstRun.variant('ep', 'v').record(200, 1000, 10, t0 + m * 60_000 + (i % 30) * 1000);
      now = restart;
      await first.flush(true);

      // The second run starts with an empty registry; the evaluator reads what the first stored.
      const metrics = new MetricsRegistry();
      const evaluator = new AlarmEvaluator(metrics, () => 1, { startedAtMs: restart, servingSince: () => restart });
      evaluator.loadStored(await storedMinutesBefore(loam.platform.store, restart / 1000, 3660));
      const lowNow = evaluator.evaluateWithPoints(low, restart + 500);
      expect(lowNow.points).toEqual(new Array(15).fill(1000));
      expect(lowNow.state.value).toBe('OK'); // not ALARM: the endpoint is not cut to its minimum
      expect(evaluator.evaluate(high, restart + 500).value).toBe('ALARM'); // still busy: scale-out continues

      // Another endpoint with nothing stored: its windows before the start are missing data, not 0.
      const fresh = new AlarmEvaluator(new MetricsRegistry(), () => 1, { startedAtMs: restart, servingSince: () => restart });
      fresh.loadStored(await storedMinutesBefore(loam.platform.store, restart / 1000, 3660));
      const unknown = fresh.evaluateWithPoints({ ...low, endpointName: 'other' }, restart + 500);
      expect(unknown.points.every((p) => p === undefined)).toBe(true);
      expect(unknown.state.value).toBe('INSUFFICIENT_DATA');
    } finally {
      await loam.close();
    }
  }, 60_000);

  it('after a restart, a window shorter than a minute does not take a stored minute whole: missing data, not its Sum', () => {
    const boundary = Date.UTC(2026, 0, 20, 12, 15, 0);
    const restart = boundary + 5_000;
    // The minute before the restart: one invocation a second, stored as one aggregate.
    const before = new MetricsRegistry();
    for (let s = 0; s < 60; s++) before.variant('ep', 'v').record(200, 1000, 10, boundary - 60_000 + s * 1000);
    const aggregate = before.variant('ep', 'v').aggregate((boundary - 60_000) / 1000, boundary / 1000);
    const evaluator = new AlarmEvaluator(new MetricsRegistry(), () => 1, { startedAtMs: restart, servingSince: () => restart });
    evaluator.loadStored([{ endpointName: 'ep', variantName: 'v', minute: (boundary - 60_000) / 1000, instances: 1, aggregate }]);
    const tenSeconds = alarm('Busy', { MetricName: 'Invocations', Statistic: 'Sum', Period: 10, EvaluationPeriods: 8, DatapointsToAlarm: 1, Threshold: 30, ComparisonOperator: 'GreaterThanThreshold' });
    const r = evaluator.evaluateWithPoints(tenSeconds, restart);
    // At one a second no 10-s window holds more than 10; the whole minute's 60 in one window set off the alarm.
    expect(r.points.every((p) => p === undefined)).toBe(true);
    expect(r.state.value).not.toBe('ALARM');
  });

  it('computes every latency statistic as GetMetricStatistics does: exact extremes, OverheadLatency not just its average', () => {
    const t = Date.UTC(2026, 0, 20, 12, 0, 10);
    const metrics = new MetricsRegistry();
    const v = metrics.variant('ep', 'v');
    v.record(200, 1000, 100, t);
    v.record(200, 5000, 7000, t + 1000);
    v.record(200, 1300, 333, t + 2000);
    const evaluator = new AlarmEvaluator(metrics, () => 1, { startedAtMs: t - 60_000 });
    const point = (MetricName: string, Statistic: string) =>
      evaluator.evaluateWithPoints(alarm(`${MetricName}-${Statistic}`, { MetricName, Statistic, Period: 60, EvaluationPeriods: 1, Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' }), t + 3000).points[0];
    expect(point('OverheadLatency', 'Maximum')).toBe(7000);
    expect(point('OverheadLatency', 'Minimum')).toBe(100);
    expect(point('OverheadLatency', 'Sum')).toBe(7433);
    expect(point('OverheadLatency', 'Average')).toBeCloseTo(7433 / 3);
    expect(point('ModelLatency', 'Maximum')).toBe(5000);
    expect(point('ModelLatency', 'Minimum')).toBe(1000);
    // The same function GetMetricStatistics applies to the same span.
    const endSec = Math.floor((t + 3000) / 1000) + 1;
    const span = { start: endSec - 60, aggregate: v.aggregate(endSec - 60, endSec), perInstance: 3 };
    for (const stat of ['p50', 'p99', 'SampleCount']) {
      expect(point('ModelLatency', stat)).toBe(statistic('ModelLatency', stat, span));
      expect(point('OverheadLatency', stat)).toBe(statistic('OverheadLatency', stat, span));
    }
  });
});
