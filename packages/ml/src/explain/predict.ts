import type { DenseMatrix } from '../data/matrix.js';

/**
 * Anything that scores rows: a built-in model's predict or an endpoint client. One output per row
 * (a probability, a margin or a regression value); async so remote endpoints fit.
 */
export type PredictFn = (rows: DenseMatrix) => Promise<Float64Array> | Float64Array;

/** How local SHAP values are summarised per feature (Clarify's `agg_method`). */
export type ShapAggregation = 'mean_abs' | 'median' | 'mean_sq';

/**
 * Global SHAP value per feature from local values (`n × p`, row-major): mean of |φ|, median of φ,
 * or mean of φ², as Clarify defines its aggregation methods.
 */
export function aggregateShap(local: Float64Array, n: number, p: number, method: ShapAggregation = 'mean_abs'): Float64Array {
  const out = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    if (method === 'median') {
      const col = new Float64Array(n);
      for (let i = 0; i < n; i++) col[i] = local[i * p + j] as number;
      col.sort();
      out[j] = n === 0 ? Number.NaN : n % 2 ? (col[(n - 1) / 2] as number) : ((col[n / 2 - 1] as number) + (col[n / 2] as number)) / 2;
      continue;
    }
    let s = 0;
    for (let i = 0; i < n; i++) {
      const v = local[i * p + j] as number;
      s += method === 'mean_abs' ? Math.abs(v) : v * v;
    }
    out[j] = s / n;
  }
  return out;
}
