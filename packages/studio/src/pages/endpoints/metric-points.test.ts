import { describe, expect, it } from 'vitest';
import { chartRows } from './metric-points.js';

describe('chartRows', () => {
  it('sums invocations per variant and second, and weights average latency by invocations', () => {
    const p = (Timestamp: number, Invocations: number, lat?: [number, number]) => ({ Timestamp, Invocations, Invocation4XXErrors: 0, Invocation5XXErrors: Invocations > 2 ? 1 : 0, ...(lat ? { ModelLatencyAverage: lat[0], ModelLatencyP99: lat[1] } : {}) });
    const out = chartRows([
      { VariantName: 'blue', Points: [p(100, 0), p(101, 3, [1000, 4000])] },
      { VariantName: 'green', Points: [p(100, 0), p(101, 1, [3000, 3000])] },
    ]);
    expect(out.traffic).toEqual([
      { t: 100_000, blue: 0, green: 0, errors4xx: 0, errors5xx: 0 },
      { t: 101_000, blue: 3, green: 1, errors4xx: 0, errors5xx: 1 },
    ]);
    // (3×1000 + 1×3000) / 4 = 1500 µs = 1.5 ms; p99 is the worst variant's: 4 ms.
    expect(out.latency).toEqual([{ t: 101_000, avg: 1.5, p99: 4 }]);
  });
});
