import { MlInputError } from '../errors.js';

/** Options shared by every metric: optional per-row weights (`sample_weight` in scikit-learn). */
export interface WeightOptions {
  readonly weights?: ArrayLike<number> | undefined;
}

/** Checks that the arrays a metric compares have one entry per row, and the weights too. */
export function checkLengths(metric: string, a: ArrayLike<number>, b: ArrayLike<number>, weights?: ArrayLike<number>, bStride = 1): number {
  const n = a.length;
  if (b.length !== n * bStride) {
    const what = bStride === 1 ? `${n}` : `${n} × ${bStride}`;
    throw new MlInputError(`Metric '${metric}': expected ${what} predictions for ${n} labels; got ${b.length}.`, { metric });
  }
  if (weights && weights.length !== n) {
    throw new MlInputError(`Metric '${metric}': expected ${n} weights; got ${weights.length}.`, { metric });
  }
  if (n === 0) throw new MlInputError(`Metric '${metric}' needs at least one row.`, { metric });
  return n;
}

/** The weight of row `i` (1 when unweighted). */
export function weightAt(weights: ArrayLike<number> | undefined, i: number): number {
  return weights ? (weights[i] as number) : 1;
}

/** Throws naming the row when a label is NaN or infinite. */
export function checkLabel(metric: string, y: number, i: number): void {
  if (!Number.isFinite(y)) throw new MlInputError(`Metric '${metric}': label at row ${i + 1} is ${y}.`, { metric, row: i + 1 });
}
