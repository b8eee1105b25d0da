import { describe, expect, it } from 'vitest';
import { forecastMetrics, formatTestScores, quantileSorted } from './metrics.js';

describe('DeepAR test metrics', () => {
  // Two series, horizon 2, one missing actual (skipped). Worked by hand:
  //   points (y, mean, q0.1, q0.9): (10, 12, 8, 13), (20, 18, 15, 22), (5, 5, 4, 7); (NaN ignored)
  //   RMSE = sqrt((4 + 4 + 0) / 3) = 1.632993…
  //   QL[0.1] = 2·[0.1·(10−8) + 0.1·(20−15) + 0.1·(5−4)] = 2·0.8 = 1.6
  //   QL[0.9] = 2·[0.1·(13−10) + 0.1·(22−20) + 0.1·(7−5)] = 2·0.7 = 1.4
  //   Σ|y| = 35 → wQL[0.1] = 1.6/35, wQL[0.9] = 1.4/35, mean = 1.5/35
  const items = [
    { actual: Float64Array.of(10, 20), mean: Float64Array.of(12, 18), quantiles: new Map([[0.1, Float64Array.of(8, 15)], [0.9, Float64Array.of(13, 22)]]) },
    { actual: Float64Array.of(5, NaN), mean: Float64Array.of(5, 100), quantiles: new Map([[0.1, Float64Array.of(4, 0)], [0.9, Float64Array.of(7, 0)]]) },
  ];
  const m = Object.fromEntries(forecastMetrics(items, [0.1, 0.9]).map((x) => [x.name, x.value]));

  it('computes RMSE and weighted quantile losses as SageMaker defines them', () => {
    expect(m['test:RMSE']).toBeCloseTo(Math.sqrt(8 / 3), 12);
    expect(m['test:wQuantileLoss[0.1]']).toBeCloseTo(1.6 / 35, 12);
    expect(m['test:wQuantileLoss[0.9]']).toBeCloseTo(1.4 / 35, 12);
    expect(m['test:mean_wQuantileLoss']).toBeCloseTo(1.5 / 35, 12);
    expect(m['test:mean_absolute_QuantileLoss']).toBeCloseTo(1.5, 12);
  });

  it('prints them the way SageMaker DeepAR logs them', () => {
    const lines = formatTestScores([{ name: 'test:RMSE', value: 12.3 }, { name: 'test:mean_wQuantileLoss', value: 0.05 }, { name: 'test:wQuantileLoss[0.9]', value: 0.04 }]);
    expect(lines).toEqual([
      '#test_score (algo-1, RMSE): 12.3',
      '#test_score (algo-1, mean_wQuantileLoss): 0.05',
      '#test_score (algo-1, wQuantileLoss[0.9]): 0.04',
      '#quality_metric: host=algo-1, test RMSE <loss>=12.3',
      '#quality_metric: host=algo-1, test mean_wQuantileLoss <loss>=0.05',
    ]);
  });

  it("interpolates quantiles like numpy.quantile's default", () => {
    // numpy.quantile([1, 2, 4, 8], [0.1, 0.5, 0.9]) = [1.3, 3.0, 6.8]
    expect(quantileSorted([1, 2, 4, 8], 0.1)).toBeCloseTo(1.3, 12);
    expect(quantileSorted([1, 2, 4, 8], 0.5)).toBeCloseTo(3.0, 12);
    expect(quantileSorted([1, 2, 4, 8], 0.9)).toBeCloseTo(6.8, 12);
  });
});
