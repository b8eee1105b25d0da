import { type DenseMatrix, createMatrix } from '../data/matrix.js';
import { Rng } from '../data/random.js';

/** A SHAP baseline: rows of background data with a weight each (cluster sizes for a k-means summary). */
export interface ShapBaseline {
  readonly rows: DenseMatrix;
  readonly weights: Float64Array;
}

/** Wraps given baseline rows with equal weights. */
export function uniformBaseline(rows: DenseMatrix): ShapBaseline {
  return { rows, weights: new Float64Array(rows.rows).fill(1) };
}

/**
 * Summarises data into `k` weighted centres with k-means (k-means++ seeding, Lloyd iterations), as
 * Clarify does when no baseline is given (`num_clusters`). A small private implementation: the shared
 * `ml/kmeans` module was not available when this was written. Missing values are ignored per feature.
 */
export function kmeansBaseline(data: DenseMatrix, k: number, seed = 0, iterations = 50): ShapBaseline {
  const n = data.rows;
  const p = data.cols;
  const kk = Math.max(1, Math.min(k, n));
  const rng = new Rng(seed);
  const x = (i: number, j: number): number => {
    const v = data.data[j * n + i] as number;
    return v === v ? v : 0;
  };
  const centres = new Float64Array(kk * p);
  const d2 = new Float64Array(n).fill(Infinity);
  let first = rng.int(n);
  for (let c = 0; c < kk; c++) {
    for (let j = 0; j < p; j++) centres[c * p + j] = x(first, j);
    let total = 0;
    for (let i = 0; i < n; i++) {
      let d = 0;
      for (let j = 0; j < p; j++) d += (x(i, j) - (centres[c * p + j] as number)) ** 2;
      if (d < (d2[i] as number)) d2[i] = d;
      total += d2[i] as number;
    }
    let r = rng.next() * total;
    first = n - 1;
    for (let i = 0; i < n; i++) {
      r -= d2[i] as number;
      if (r <= 0) {
        first = i;
        break;
      }
    }
  }
  const assign = new Int32Array(n).fill(-1);
  const counts = new Float64Array(kk);
  for (let it = 0; it < iterations; it++) {
    let changed = false;
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestD = Infinity;
      for (let c = 0; c < kk; c++) {
        let d = 0;
        for (let j = 0; j < p; j++) d += (x(i, j) - (centres[c * p + j] as number)) ** 2;
        if (d < bestD) {
          bestD = d;
          best = c;
        }
      }
      if (assign[i] !== best) {
        assign[i] = best;
        changed = true;
      }
    }
    centres.fill(0);
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const c = assign[i] as number;
      counts[c] = (counts[c] as number) + 1;
      for (let j = 0; j < p; j++) centres[c * p + j] = (centres[c * p + j] as number) + x(i, j);
    }
    for (let c = 0; c < kk; c++) for (let j = 0; j < p; j++) centres[c * p + j] = (centres[c * p + j] as number) / Math.max(1, counts[c] as number);
    if (!changed) break;
  }
  const used = [...counts.keys()].filter((c) => (counts[c] as number) > 0);
  const rows = createMatrix(used.length, p, data.columnNames);
  used.forEach((c, r) => {
    for (let j = 0; j < p; j++) rows.data[j * used.length + r] = centres[c * p + j] as number;
  });
  return { rows, weights: Float64Array.from(used.map((c) => counts[c] as number)) };
}
