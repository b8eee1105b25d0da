import { describe, expect, it } from 'vitest';
import { forecastPlots } from './forecast-data.js';

const request = (targets: unknown[][]) => JSON.stringify({ instances: targets.map((target) => ({ start: '2020-01-01 00:00:00', target })), configuration: { output_types: ['mean', 'quantiles'] } });

describe('DeepAR forecasts for the test-invoke chart', () => {
  it('pairs each instance with its prediction: the end of the series, then mean, median and the outer quantiles', () => {
    const target = Array.from({ length: 20 }, (_, i) => i);
    const answer = JSON.stringify({ predictions: [{ mean: [20, 21], quantiles: { '0.9': [25, 27], '0.1': [15, 14], '0.5': [20.5, 21.5] } }] });
    const [plot] = forecastPlots(request([[...target.slice(0, 19), 'NaN']]), answer) ?? [];
    // Four forecast lengths of history at most; a missing value is a gap.
    expect(plot?.shown).toBe(8);
    expect(plot?.points.map((p) => p.label)).toEqual(['t−7', 't−6', 't−5', 't−4', 't−3', 't−2', 't−1', 't', 't+1', 't+2']);
    expect(plot?.points.slice(0, 8).map((p) => p.observed)).toEqual([12, 13, 14, 15, 16, 17, 18, null]);
    expect(plot?.points[7]).toEqual({ label: 't', observed: null });
    expect(plot?.points.slice(8)).toEqual([
      { label: 't+1', mean: 20, median: 20.5, band: [15, 25] },
      { label: 't+2', mean: 21, median: 21.5, band: [14, 27] },
    ]);
    expect(plot).toMatchObject({ horizon: 2, band: [0.1, 0.9], hasMean: true, hasMedian: true });
  });

  it('takes the band and median from sample paths when no quantiles are answered', () => {
    const samples = Array.from({ length: 11 }, (_, i) => [i, 10 * i]);
    const [plot] = forecastPlots(request([[1, 2, 3]]), JSON.stringify({ predictions: [{ samples }] })) ?? [];
    // The lines start from the last observed value.
    expect(plot?.points.slice(2)).toEqual([{ label: 't', observed: 3, median: 3, band: [3, 3] }, { label: 't+1', median: 5, band: [1, 9] }, { label: 't+2', median: 50, band: [10, 90] }]);
    expect(plot).toMatchObject({ band: [0.1, 0.9], hasMean: false, hasMedian: true, shown: 3 });
  });

  it('draws one plot per instance', () => {
    const answer = JSON.stringify({ predictions: [{ mean: [1] }, { mean: [2] }] });
    expect(forecastPlots(request([[0], [0]]), answer)?.map((p) => p.points.at(-1))).toEqual([{ label: 't+1', mean: 1 }, { label: 't+1', mean: 2 }]);
  });

  it('draws nothing for answers of another shape', () => {
    const ok = JSON.stringify({ predictions: [{ mean: [1, 2] }] });
    expect(forecastPlots('1,2,3', ok)).toBeUndefined();
    expect(forecastPlots(request([[1]]), '0.42')).toBeUndefined();
    expect(forecastPlots(JSON.stringify({ instances: [[1, 2]] }), JSON.stringify({ predictions: [{ score: 0.4 }] }))).toBeUndefined();
    expect(forecastPlots(request([[1], [2]]), ok)).toBeUndefined();
    expect(forecastPlots(request([[1]]), JSON.stringify({ predictions: [{ quantiles: { '0.5': 'x' } }] }))).toBeUndefined();
  });

  it('leaves out arrays of another length, draws the instances it can, and takes the band from paths when one quantile is answered', () => {
    const answer = JSON.stringify({ predictions: [
      { mean: [null] },
      { mean: [1, 2], quantiles: { '0.5': [1.5], '0.10': [0, 0], '0.1': [9], '0.9': [5, 5] } },
      { quantiles: { '0.5': [7, 8] }, samples: Array.from({ length: 11 }, (_, i) => [i, i]) },
    ] });
    const plots = forecastPlots(request([[0], [0], [0]]), answer) ?? [];
    expect(plots.map((p) => p.instance)).toEqual([2, 3]);
    // "0.5" of length 1 and "0.1" of length 1 are not this forecast's: no median, the band from "0.10" and "0.9".
    expect(plots[0]?.points.slice(1)).toEqual([{ label: 't+1', mean: 1, band: [0, 5] }, { label: 't+2', mean: 2, band: [0, 5] }]);
    expect(plots[0]).toMatchObject({ band: [0.1, 0.9], hasMedian: false });
    expect(plots[1]?.points.slice(1)).toEqual([{ label: 't+1', median: 7, band: [1, 9] }, { label: 't+2', median: 8, band: [1, 9] }]);
  });
});
