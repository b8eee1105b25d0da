import { expect, it } from 'vitest';
import { MetricsRegistry } from './metrics-registry.js';
import { periods, statistic } from './metric-statistics.js';

// Statistics over real registry aggregates, against values computed by hand from the samples recorded.
const t0 = Date.UTC(2026, 0, 20, 12, 0, 0);

function minutesOf(record: (v: ReturnType<MetricsRegistry['variant']>) => void, minutes: number[]) {
  const metrics = new MetricsRegistry();
  const v = metrics.variant('ep', 'AllTraffic');
  record(v);
  return minutes.map((m) => ({ minute: t0 / 1000 + m * 60, aggregate: v.aggregate(t0 / 1000 + m * 60, t0 / 1000 + m * 60 + 60), instances: 2 })).filter((m) => m.aggregate.invocations > 0);
}

it('groups minutes into periods from the start, and counts, rates and per-instance sums are exact', () => {
  const minutes = minutesOf((v) => {
    for (let i = 0; i < 6; i++) v.record(200, 1000, 10, t0 + i * 1000); // minute 0
    v.record(503, undefined, 10, t0 + 61_000); // minute 1: refused before the model
    v.record(500, 2000, 10, t0 + 62_000);
    v.record(400, 500, 10, t0 + 5 * 60_000 + 1000); // minute 5
  }, [0, 1, 2, 3, 4, 5]);
  const ps = periods(minutes, t0 / 1000, t0 / 1000 + 600, 300);
  expect(ps.map((p) => p.start - t0 / 1000)).toEqual([0, 300]);
  const [first, second] = ps as [(typeof ps)[number], (typeof ps)[number]];
  expect(statistic('Invocations', 'Sum', first)).toBe(8);
  expect(statistic('Invocations', 'SampleCount', first)).toBe(8);
  expect(statistic('Invocation5XXErrors', 'Sum', first)).toBe(2);
  expect(statistic('Invocation5XXErrors', 'Average', first)).toBe(0.25);
  expect(statistic('Invocation5XXErrors', 'Maximum', first)).toBe(1);
  expect(statistic('Invocation5XXErrors', 'Minimum', first)).toBe(0);
  expect(statistic('Invocation4XXErrors', 'Sum', second)).toBe(1);
  expect(statistic('InvocationsPerInstance', 'Sum', first)).toBe(4); // 8 invocations, 2 instances
  expect(statistic('ModelLatency', 'SampleCount', first)).toBe(7); // the 503 never reached the model
  expect(statistic('ModelLatency', 'Average', first)).toBeCloseTo(8000 / 7, 9);
  expect(statistic('ModelLatency', 'Maximum', first)).toBe(2000);
  expect(statistic('ModelLatency', 'Minimum', second)).toBe(500);
  // A period without traffic has no datapoint; a minute before the start is not counted.
  expect(periods(minutes, t0 / 1000 + 120, t0 / 1000 + 300, 60)).toEqual([]);
});

it('percentiles are within one histogram bucket (≤ 9%) above the nearest-rank percentile, and p100 is the maximum', () => {
  const samples = Array.from({ length: 1000 }, (_, i) => 1000 + ((i * 7919) % 1000) * 97); // 1,000 distinct latencies, 1 ms to ~98 ms
  const [p] = periods(minutesOf((v) => samples.forEach((us, i) => v.record(200, us, 5, t0 + (i % 60) * 1000)), [0]), t0 / 1000, t0 / 1000 + 60, 60);
  const sorted = [...samples].sort((a, b) => a - b);
  for (const q of [50, 90, 99, 99.9]) {
    const exact = sorted[Math.ceil((q / 100) * sorted.length) - 1] as number;
    const got = statistic('ModelLatency', `p${q}`, p!) as number;
    expect(got, `p${q}`).toBeGreaterThanOrEqual(exact);
    expect(got / exact, `p${q}`).toBeLessThanOrEqual(2 ** (1 / 8));
  }
  expect(statistic('ModelLatency', 'p100', p!)).toBe(sorted.at(-1));
  expect(statistic('OverheadLatency', 'p50', p!)).toBe(5);
});
