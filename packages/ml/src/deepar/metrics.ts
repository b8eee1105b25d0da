/** One evaluated forecast: the actual values and the forecast's mean and quantiles over the same horizon. */
export interface ForecastEvaluation {
  readonly actual: Float64Array;
  readonly mean: Float64Array;
  /** Quantile level → forecast quantile per step. */
  readonly quantiles: ReadonlyMap<number, Float64Array>;
}

/** A named metric, as a SageMaker metric definition would capture it (e.g. `test:RMSE`). */
export interface Metric {
  readonly name: string;
  readonly value: number;
}

/**
 * SageMaker DeepAR's test metrics, aggregated over all series and steps (missing actuals skipped):
 * RMSE = sqrt(mean((mean − y)²)); QuantileLoss[τ] = 2·Σ|(y − q̂)(1{y ≤ q̂} − τ)|;
 * wQuantileLoss[τ] = QuantileLoss[τ] / Σ|y|; mean_wQuantileLoss = mean over τ of wQuantileLoss[τ];
 * mean_absolute_QuantileLoss = mean over τ of QuantileLoss[τ].
 */
export function forecastMetrics(items: readonly ForecastEvaluation[], quantiles: readonly number[]): Metric[] {
  let se = 0;
  let n = 0;
  let absSum = 0;
  const ql = quantiles.map(() => 0);
  for (const it of items) {
    for (let t = 0; t < it.actual.length; t++) {
      const y = it.actual[t] as number;
      if (Number.isNaN(y)) continue;
      const e = (it.mean[t] as number) - y;
      se += e * e;
      n++;
      absSum += Math.abs(y);
      quantiles.forEach((q, j) => {
        const qh = (it.quantiles.get(q) as Float64Array)[t] as number;
        ql[j] = (ql[j] as number) + 2 * Math.abs((y - qh) * ((y <= qh ? 1 : 0) - q));
      });
    }
  }
  const wql = ql.map((v) => v / absSum);
  return [
    { name: 'test:RMSE', value: Math.sqrt(se / n) },
    { name: 'test:mean_absolute_QuantileLoss', value: mean(ql) },
    { name: 'test:mean_wQuantileLoss', value: mean(wql) },
    ...quantiles.map((q, j) => ({ name: `test:wQuantileLoss[${q}]`, value: wql[j] as number })),
  ];
}

const mean = (a: readonly number[]): number => a.reduce((s, v) => s + v, 0) / a.length;

/**
 * The log lines SageMaker's DeepAR prints for test metrics, e.g. `#test_score (algo-1, RMSE): 12.3`,
 * then the two `#quality_metric` lines; SageMaker metric definitions regex-match these.
 */
export function formatTestScores(metrics: readonly Metric[], host = 'algo-1'): string[] {
  const lines = metrics.filter((m) => m.name.startsWith('test:')).map((m) => `#test_score (${host}, ${m.name.slice(5)}): ${m.value}`);
  for (const name of ['RMSE', 'mean_wQuantileLoss']) {
    const m = metrics.find((x) => x.name === `test:${name}`);
    if (m) lines.push(`#quality_metric: host=${host}, test ${name} <loss>=${m.value}`);
  }
  return lines;
}

/** Quantile of sorted values with linear interpolation (numpy's default), as GluonTS's SampleForecast. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = q * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return (sorted[lo] as number) + (pos - lo) * ((sorted[hi] as number) - (sorted[lo] as number));
}
