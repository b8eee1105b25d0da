import { type DenseMatrix, createMatrix } from '../data/matrix.js';
import type { PredictFn } from './predict.js';

export interface PartialDependence {
  readonly feature: string;
  readonly grid: Float64Array;
  /** Mean prediction over the data with the feature set to each grid value. */
  readonly values: Float64Array;
}

/**
 * Partial dependence of the prediction on each feature in `features` (all by default): a grid of
 * `gridResolution` equally spaced values from the feature's minimum to its maximum (Clarify's
 * `grid_resolution`), and for each value the mean prediction over `data` with the feature set to it.
 * One predict call per feature.
 */
export async function partialDependence(predict: PredictFn, data: DenseMatrix, opts: { features?: readonly number[]; gridResolution?: number } = {}): Promise<PartialDependence[]> {
  const n = data.rows;
  const p = data.cols;
  const res = Math.max(2, opts.gridResolution ?? 15);
  const out: PartialDependence[] = [];
  for (const f of opts.features ?? Array.from({ length: p }, (_, j) => j)) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < n; i++) {
      const v = data.data[f * n + i] as number;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const grid = new Float64Array(res);
    for (let g = 0; g < res; g++) grid[g] = lo + ((hi - lo) * g) / (res - 1);
    const m = createMatrix(n * res, p, data.columnNames);
    for (let j = 0; j < p; j++) {
      for (let g = 0; g < res; g++) {
        const dst = j * n * res + g * n;
        if (j === f) m.data.fill(grid[g] as number, dst, dst + n);
        else m.data.set(data.data.subarray(j * n, (j + 1) * n), dst);
      }
    }
    const pred = await predict(m);
    const values = new Float64Array(res);
    for (let g = 0; g < res; g++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += pred[g * n + i] as number;
      values[g] = s / n;
    }
    out.push({ feature: data.columnNames?.[f] ?? `feature_${f}`, grid, values });
  }
  return out;
}
