import type { DenseMatrix } from '../data/matrix.js';
import type { KernelRunner } from './kernel-runner.js';
import type { GbdtTree } from './model.js';

/**
 * Adds one tree's output for the training rows that are not among `sampled[0, used)` (sorted), routing
 * them on their bin codes as the tree builder partitioned the sampled ones: `splitBin[k]` is node `k`'s
 * last bin going left, and code `nbins[f]` (missing) follows `defaultLeft`. With `used` 0 it adds the
 * tree for every row (a checkpoint's trees when training resumes).
 */
export function addTreeOnBins(runner: KernelRunner, t: GbdtTree, splitBin: Int32Array, sampled: Uint32Array, used: number, margin: Float64Array, G: number, g: number): void {
  const { n, cols, bins, nbins } = runner.ctx;
  let s = 0;
  for (let r = 0; r < n; r++) {
    if (s < used && sampled[s] === r) {
      s++;
      continue;
    }
    let k = 0;
    while ((t.left[k] as number) >= 0) {
      const f = t.feature[k] as number;
      const code = bins[r * cols + f] as number;
      const left = code === nbins[f] ? t.defaultLeft[k] === 1 : code <= (splitBin[k] as number);
      k = left ? (t.left[k] as number) : (t.right[k] as number);
    }
    margin[r * G + g] = (margin[r * G + g] as number) + (t.value[k] as number);
  }
}

/** Adds one tree's output for every row of a column-major matrix, routing on thresholds (validation margins). */
export function addTree(t: GbdtTree, x: DenseMatrix, margin: Float64Array, G: number, g: number): void {
  for (let i = 0; i < x.rows; i++) {
    let k = 0;
    while ((t.left[k] as number) >= 0) {
      const v = x.data[(t.feature[k] as number) * x.rows + i] as number;
      k = v !== v ? (t.defaultLeft[k] === 1 ? (t.left[k] as number) : (t.right[k] as number)) : v < (t.threshold[k] as number) ? (t.left[k] as number) : (t.right[k] as number);
    }
    margin[i * G + g] = (margin[i * G + g] as number) + (t.value[k] as number);
  }
}

/**
 * The bin split of each node of a tree trained on these bins (`-1` for leaves and for a split that
 * sends every present value right), recovered from its thresholds: the tree builder set each threshold
 * to the cut `cuts[f][splitBin]`, or to `minVals[f]` for `splitBin` −1. Undefined when some threshold
 * is neither (the tree was trained on other data or another `max_bin`): route on thresholds instead.
 */
export function splitBinsOf(runner: KernelRunner, t: GbdtTree): Int32Array | undefined {
  const { cuts, nbins, minVals, S } = runner.ctx;
  const out = new Int32Array(t.left.length).fill(-1);
  for (let k = 0; k < t.left.length; k++) {
    if ((t.left[k] as number) < 0) continue;
    const f = t.feature[k] as number;
    const thr = t.threshold[k] as number;
    const nb = nbins[f] as number;
    let b = 0;
    while (b < nb && (cuts[f * S + b] as number) !== thr) b++;
    if (b < nb) out[k] = b;
    else if (thr !== minVals[f]) return undefined;
  }
  return out;
}
