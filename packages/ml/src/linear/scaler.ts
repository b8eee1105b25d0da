import type { DenseMatrix } from '../data/matrix.js';
import { Rng } from '../data/random.js';

/** Per-feature shift and scale learnt from a sample, and the same for a regression label. */
export interface Scaling {
  readonly mean: Float64Array;
  readonly scale: Float64Array;
  readonly labelMean: number;
  readonly labelScale: number;
}

/**
 * Mean and population standard deviation of each feature (and of the label) over up to
 * `num_point_for_scaler` rows drawn without replacement, as Linear Learner's normaliser does. A
 * constant feature keeps scale 1. Disabled parts give mean 0 / scale 1.
 */
export function fitScaling(
  x: DenseMatrix,
  y: ArrayLike<number>,
  opts: { unbiasData: boolean; normalizeData: boolean; unbiasLabel: boolean; normalizeLabel: boolean; sampleSize: number; rng: Rng },
): Scaling {
  const n = x.rows;
  const m = Math.min(n, opts.sampleSize);
  const rows = m === n ? null : opts.rng.permutation(n).subarray(0, m);
  const at = (k: number): number => (rows ? (rows[k] as number) : k);
  const mean = new Float64Array(x.cols);
  const scale = new Float64Array(x.cols).fill(1);
  for (let j = 0; j < x.cols; j++) {
    const off = j * n;
    let s = 0;
    for (let k = 0; k < m; k++) s += x.data[off + at(k)] as number;
    const mu = s / m;
    let ss = 0;
    for (let k = 0; k < m; k++) {
      const d = (x.data[off + at(k)] as number) - mu;
      ss += d * d;
    }
    const sd = Math.sqrt(ss / m);
    if (opts.unbiasData) mean[j] = mu;
    if (opts.normalizeData && sd > 0) scale[j] = opts.unbiasData ? sd : Math.sqrt(ss / m + mu * mu);
  }
  let ly = 0;
  for (let k = 0; k < m; k++) ly += y[at(k)] as number;
  ly /= m;
  let lss = 0;
  for (let k = 0; k < m; k++) lss += ((y[at(k)] as number) - ly) ** 2;
  const lsd = Math.sqrt(lss / m);
  return {
    mean,
    scale,
    labelMean: opts.unbiasLabel ? ly : 0,
    labelScale: opts.normalizeLabel && lsd > 0 ? (opts.unbiasLabel ? lsd : Math.sqrt(lss / m + ly * ly)) : 1,
  };
}
