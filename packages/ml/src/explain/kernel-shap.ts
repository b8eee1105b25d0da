import { type DenseMatrix, createMatrix } from '../data/matrix.js';
import { Rng } from '../data/random.js';
import { MlInputError } from '../errors.js';
import { type ShapBaseline, kmeansBaseline, uniformBaseline } from './baseline.js';
import { type PredictFn, type ShapAggregation, aggregateShap } from './predict.js';

export interface KernelShapOptions {
  /** Background rows; when absent, `data` is summarised by k-means into `numClusters` weighted centres. */
  readonly baseline?: DenseMatrix | ShapBaseline;
  /** Background data to summarise when no baseline is given, and the number of centres (default 10). */
  readonly data?: DenseMatrix;
  readonly numClusters?: number;
  /** Coalitions evaluated per explained row (default 2·p + 2048, as the shap library). */
  readonly numSamples?: number;
  readonly seed?: number;
  readonly aggMethod?: ShapAggregation;
}

export interface KernelShapResult {
  /** φ, `rows × features`, row-major. */
  readonly local: Float64Array;
  /** The baseline's mean prediction; φ of a row sums to f(row) − expectedValue. */
  readonly expectedValue: number;
  readonly global: Float64Array;
  readonly featureNames: readonly string[];
}

function binom(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}

/** Coalitions (as 0/1 masks) and their Kernel SHAP weights for `p` features and a sample budget. */
export function kernelCoalitions(p: number, numSamples: number, rng: Rng): { masks: Uint8Array[]; weights: number[] } {
  const budget = Math.min(numSamples, 2 ** p - 2);
  const masks: Uint8Array[] = [];
  const weights: number[] = [];
  const nSizes = Math.ceil((p - 1) / 2);
  const nPaired = Math.floor((p - 1) / 2);
  const wv = Array.from({ length: nSizes }, (_, i) => ((p - 1) / ((i + 1) * (p - i - 1))) * (i + 1 <= nPaired ? 2 : 1));
  const total = wv.reduce((a, b) => a + b, 0);
  for (let i = 0; i < nSizes; i++) wv[i] = (wv[i] as number) / total;
  let left = budget;
  let fullSizes = 0;
  const remaining = [...wv];
  for (let s = 1; s <= nSizes; s++) {
    const paired = s <= nPaired;
    const count = binom(p, s) * (paired ? 2 : 1);
    const rw = remaining[s - 1] as number;
    const share = remaining.slice(s - 1).reduce((a, b) => a + b, 0);
    if ((left * rw) / share / count < 1 - 1e-8) break;
    fullSizes++;
    const w = (wv[s - 1] as number) / binom(p, s) / (paired ? 2 : 1);
    forEachSubset(p, s, (m) => {
      masks.push(m);
      weights.push(w);
      if (paired) {
        masks.push(m.map((b) => 1 - b));
        weights.push(w);
      }
    });
    left -= count;
    remaining[s - 1] = 0;
  }
  const restWeight = remaining.reduce((a, b) => a + b, 0);
  // Sizes that do not fit get the rest of the budget in proportion to their kernel weight, as distinct
  // subsets (complement pairs for paired sizes) sharing their size's weight equally: stratifying by
  // size removes most of the variance plain weighted sampling has.
  for (let s = fullSizes + 1; s <= nSizes && left > 0 && restWeight > 0; s++) {
    const paired = s <= nPaired;
    const available = binom(p, s);
    const want = Math.min(available, Math.max(1, Math.round(((left * (remaining[s - 1] as number)) / restWeight) / (paired ? 2 : 1))));
    const seen = new Set<string>();
    const drawn: Uint8Array[] = [];
    let guard = 0;
    while (drawn.length < want && guard++ < want * 50) {
      const m = new Uint8Array(p);
      const perm = rng.permutation(p);
      for (let i = 0; i < s; i++) m[perm[i] as number] = 1;
      const key = m.join('');
      if (seen.has(key)) continue;
      seen.add(key);
      drawn.push(m);
    }
    const w = (wv[s - 1] as number) / drawn.length / (paired ? 2 : 1);
    for (const m of drawn) {
      masks.push(m);
      weights.push(w);
      if (paired) {
        masks.push(m.map((b) => 1 - b));
        weights.push(w);
      }
    }
  }
  return { masks, weights };
}

function forEachSubset(p: number, s: number, fn: (m: Uint8Array) => void): void {
  const idx = Array.from({ length: s }, (_, i) => i);
  for (;;) {
    const m = new Uint8Array(p);
    for (const i of idx) m[i] = 1;
    fn(m);
    let k = s - 1;
    while (k >= 0 && idx[k] === p - s + k) k--;
    if (k < 0) return;
    idx[k] = (idx[k] as number) + 1;
    for (let j = k + 1; j < s; j++) idx[j] = (idx[j - 1] as number) + 1;
  }
}

/** v(z) for every coalition: the weighted mean prediction over baseline rows with the coalition's features taken from `x`. */
async function coalitionValues(predict: PredictFn, x: Float64Array, masks: readonly Uint8Array[], base: ShapBaseline): Promise<Float64Array> {
  const p = x.length;
  const b = base.rows.rows;
  const rows = masks.length * b;
  const m = createMatrix(rows, p, base.rows.columnNames);
  for (let j = 0; j < p; j++) {
    const dst = j * rows;
    const src = j * b;
    for (let c = 0; c < masks.length; c++) {
      const inX = (masks[c] as Uint8Array)[j] === 1;
      for (let r = 0; r < b; r++) m.data[dst + c * b + r] = inX ? (x[j] as number) : (base.rows.data[src + r] as number);
    }
  }
  const out = await predict(m);
  const sw = base.weights.reduce((a, v) => a + v, 0);
  const v = new Float64Array(masks.length);
  for (let c = 0; c < masks.length; c++) {
    let s = 0;
    for (let r = 0; r < b; r++) s += (base.weights[r] as number) * (out[c * b + r] as number);
    v[c] = s / sw;
  }
  return v;
}

/** Solves the symmetric system A·x = y by Gaussian elimination with partial pivoting (small systems). */
function solve(A: Float64Array, y: Float64Array, n: number): Float64Array {
  const a = Float64Array.from(A);
  const b = Float64Array.from(y);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r * n + c] as number) > Math.abs(a[piv * n + c] as number)) piv = r;
    if (piv !== c) {
      for (let k = 0; k < n; k++) [a[c * n + k], a[piv * n + k]] = [a[piv * n + k] as number, a[c * n + k] as number];
      [b[c], b[piv]] = [b[piv] as number, b[c] as number];
    }
    const d = a[c * n + c] as number;
    if (Math.abs(d) < 1e-300) continue;
    for (let r = c + 1; r < n; r++) {
      const f = (a[r * n + c] as number) / d;
      if (f === 0) continue;
      for (let k = c; k < n; k++) a[r * n + k] = (a[r * n + k] as number) - f * (a[c * n + k] as number);
      b[r] = (b[r] as number) - f * (b[c] as number);
    }
  }
  const x = new Float64Array(n);
  for (let r = n - 1; r >= 0; r--) {
    let s = b[r] as number;
    for (let k = r + 1; k < n; k++) s -= (a[r * n + k] as number) * (x[k] as number);
    const d = a[r * n + r] as number;
    x[r] = Math.abs(d) < 1e-300 ? 0 : s / d;
  }
  return x;
}

/**
 * Kernel SHAP (Lundberg & Lee 2017) for any predict function: for each row of `x`, coalitions are
 * enumerated by subset size while the budget allows (exact Shapley values when `numSamples ≥ 2^p − 2`)
 * and sampled (seeded) beyond, then the efficiency-constrained weighted least-squares fit gives φ.
 * The value of a coalition is the (weighted) mean prediction over the baseline rows.
 *
 * @throws MlInputError when neither a baseline nor data to summarise is given, or shapes disagree.
 */
export async function kernelShap(predict: PredictFn, x: DenseMatrix, opts: KernelShapOptions = {}): Promise<KernelShapResult> {
  const p = x.cols;
  let base: ShapBaseline;
  if (opts.baseline) base = 'weights' in opts.baseline ? opts.baseline : uniformBaseline(opts.baseline);
  else if (opts.data) base = kmeansBaseline(opts.data, opts.numClusters ?? 10, opts.seed ?? 0);
  else throw new MlInputError('Kernel SHAP needs a baseline or data to summarise into one.', { parameter: 'baseline' });
  if (base.rows.cols !== p) {
    throw new MlInputError(`The SHAP baseline has ${base.rows.cols} features; the rows to explain have ${p}.`, { parameter: 'baseline' });
  }
  const names = x.columnNames ?? Array.from({ length: p }, (_, j) => `feature_${j}`);
  const baseOut = await predict(base.rows);
  const sw = base.weights.reduce((a, v) => a + v, 0);
  let expected = 0;
  for (let r = 0; r < base.rows.rows; r++) expected += (base.weights[r] as number) * (baseOut[r] as number);
  expected /= sw;
  const n = x.rows;
  const local = new Float64Array(n * p);
  const rng = new Rng(opts.seed ?? 0);
  const fxAll = await predict(x);
  const numSamples = opts.numSamples ?? 2 * p + 2048;
  for (let i = 0; i < n; i++) {
    const row = new Float64Array(p);
    for (let j = 0; j < p; j++) row[j] = x.data[j * n + i] as number;
    const fx = fxAll[i] as number;
    if (p === 1) {
      local[i] = fx - expected;
      continue;
    }
    const { masks, weights } = kernelCoalitions(p, numSamples, rng);
    const v = await coalitionValues(predict, row, masks, base);
    // Eliminate the last feature with the efficiency constraint Σφ = f(x) − E.
    const q = p - 1;
    const total = fx - expected;
    const A = new Float64Array(q * q);
    const rhs = new Float64Array(q);
    const zi = new Float64Array(q);
    masks.forEach((m, c) => {
      const w = weights[c] as number;
      const zl = m[q] as number;
      const y = (v[c] as number) - expected - zl * total;
      for (let j = 0; j < q; j++) zi[j] = (m[j] as number) - zl;
      for (let a = 0; a < q; a++) {
        const za = zi[a] as number;
        if (za === 0) continue;
        rhs[a] = (rhs[a] as number) + w * za * y;
        for (let b = 0; b < q; b++) A[a * q + b] = (A[a * q + b] as number) + w * za * (zi[b] as number);
      }
    });
    const phi = solve(A, rhs, q);
    let s = 0;
    for (let j = 0; j < q; j++) {
      local[i * p + j] = phi[j] as number;
      s += phi[j] as number;
    }
    local[i * p + q] = total - s;
  }
  return { local, expectedValue: expected, global: aggregateShap(local, n, p, opts.aggMethod ?? 'mean_abs'), featureNames: names };
}

/** Clarify's analysis.json `explanations` block for one output (label0). */
export function shapExplanationsJson(r: KernelShapResult): { kernel_shap: { label0: { global_shap_values: Record<string, number>; expected_value: number } } } {
  const global: Record<string, number> = {};
  r.featureNames.forEach((f, j) => (global[f] = r.global[j] as number));
  return { kernel_shap: { label0: { global_shap_values: global, expected_value: r.expectedValue } } };
}
