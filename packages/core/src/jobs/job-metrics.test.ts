import { describe, expect, it } from 'vitest';
import type { ExecutorEvent } from '../ports/job-executor.js';
import { applyEvents, maxSeriesPoints } from './job-events.js';
import { metricPage } from './job-metrics.js';
import type { JobRecord } from './job.collections.js';

const empty = { id: 'training-job/m', kind: 'training-job', name: 'm', metricSeries: {}, finalMetrics: {}, eventSeq: {}, lastModifiedTime: 0 } as unknown as JobRecord;

function withMetrics(points: { name: string; value: number }[]): JobRecord {
  const events: ExecutorEvent[] = points.map((p, i) => ({ type: 'metric', seq: i + 1, time: 1_000_000 + i * 1000, host: 'algo-1', name: p.name, value: p.value }));
  return applyEvents(empty, events);
}

describe('GetTrainingJobMetrics pages', () => {
  it('returns every point by name then step, with the times reported, and pages without loss or repeats', () => {
    const r = withMetrics([{ name: 'loss', value: 0.9 }, { name: 'acc', value: 0.5 }, { name: 'loss', value: 0.7 }, { name: 'loss', value: 0.4 }, { name: 'acc', value: 0.8 }]);
    const all = metricPage(r, {});
    expect(all).toEqual({
      Metrics: [
        { MetricName: 'acc', Value: 0.5, Timestamp: 1001, Step: 0 },
        { MetricName: 'acc', Value: 0.8, Timestamp: 1004, Step: 1 },
        { MetricName: 'loss', Value: 0.9, Timestamp: 1000, Step: 0 },
        { MetricName: 'loss', Value: 0.7, Timestamp: 1002, Step: 1 },
        { MetricName: 'loss', Value: 0.4, Timestamp: 1003, Step: 2 },
      ],
    });
    const pages: unknown[] = [];
    let token: string | undefined;
    do {
      const p = metricPage(r, { MaxResults: 2, ...(token ? { NextToken: token } : {}) });
      expect(p.Metrics.length).toBeLessThanOrEqual(2);
      pages.push(...p.Metrics);
      token = p.NextToken;
    } while (token);
    expect(pages).toEqual(all.Metrics);
    expect(metricPage(r, { MetricName: 'loss' }).Metrics.map((m) => m.Value)).toEqual([0.9, 0.7, 0.4]);
    expect(metricPage(r, { MetricName: 'nope' })).toEqual({ Metrics: [] });
  });

  it('keeps step numbers after older points are thinned', () => {
    const n = maxSeriesPoints + 1;
    const r = withMetrics(Array.from({ length: n }, (_, i) => ({ name: 'loss', value: i })));
    const pts = metricPage(r, { MaxResults: 10000 }).Metrics;
    expect(pts.length).toBeLessThan(n);
    // Values were the step numbers: each point still carries its own.
    for (const p of pts) expect(p.Step).toBe(p.Value);
    expect(pts[pts.length - 1]?.Step).toBe(n - 1);
  });

  it('rejects a token it did not issue', () => {
    expect(() => metricPage(withMetrics([]), { NextToken: 'garbage!' })).toThrow(/NextToken/);
  });
});
