import type { DenseMatrix } from '../data/matrix.js';
import { Rng } from '../data/random.js';
import { MlInputError } from '../errors.js';
import { fixSigns, symmetricEigen } from './eigen.js';
import { parsePcaHyperparameters, type PcaConfig } from './hyperparameters.js';
import { PcaModel } from './model.js';

/** Options outside SageMaker's hyperparameters. */
export interface PcaTrainOptions {
  /** Seed for the random projection of `randomized` mode (default 0). */
  readonly seed?: number;
  readonly log?: (line: string) => void;
  readonly host?: string;
}

/** What PCA training returns. SageMaker's PCA publishes no tuning metrics, so `metrics` is empty. */
export interface PcaResult {
  readonly model: PcaModel;
  readonly metrics: { name: string; value: number }[];
  /** Share of the total variance each component explains (scikit-learn's `explained_variance_ratio_`). */
  readonly explainedVarianceRatio: Float64Array;
  readonly config: PcaConfig;
}

/**
 * SageMaker's PCA. `regular` forms the d × d scatter matrix in one streaming pass (row blocks of
 * `mini_batch_size`, float64) and diagonalises it exactly; `randomized` runs Halko–Martinsson–Tropp
 * randomized SVD with `extra_components` oversampling and scikit-learn's number of power iterations.
 * Explained variance is the component variance with the n − 1 denominator, as scikit-learn reports it.
 * @throws MlInputError for invalid hyperparameters, a width other than `feature_dim`, missing values, or fewer than two rows.
 */
export function trainPca(hyperparameters: Readonly<Record<string, string>>, channels: { train: DenseMatrix }, opts: PcaTrainOptions = {}): PcaResult {
  const c = parsePcaHyperparameters(hyperparameters);
  const x = channels.train;
  check(c, x);
  const n = x.rows;
  const d = x.cols;
  const k = c.numComponents;
  const mean = new Float64Array(d);
  let totalVar = 0;
  for (let j = 0; j < d; j++) {
    const off = j * n;
    let s = 0;
    for (let i = 0; i < n; i++) s += x.data[off + i] as number;
    const mu = s / n;
    let ss = 0;
    for (let i = 0; i < n; i++) ss += ((x.data[off + i] as number) - mu) ** 2;
    totalVar += ss / (n - 1);
    if (c.subtractMean) mean[j] = mu;
  }
  const t0 = performance.now();
  const { components, sq } = c.algorithmMode === 'regular' ? regular(x, mean, c) : randomized(x, mean, c, new Rng(opts.seed ?? 0));
  fixSigns(components, k, d);
  const singularValues = Float64Array.from(sq.subarray(0, k), (v) => Math.sqrt(Math.max(0, v)));
  const explainedVariance = Float64Array.from(sq.subarray(0, k), (v) => Math.max(0, v) / (n - 1));
  const seconds = (performance.now() - t0) / 1000;
  const log = opts.log ?? (() => {});
  const host = opts.host ?? 'algo-1';
  log(`#throughput_metric: host=${host}, train throughput=${Math.round(n / Math.max(seconds, 1e-9))} records/second`);
  log(`#progress_metric: host=${host}, completed 100 % of epochs`);
  const model = new PcaModel(d, k, c.subtractMean ? mean : null, components.slice(0, k * d), singularValues, explainedVariance);
  return { model, metrics: [], explainedVarianceRatio: explainedVariance.map((v) => v / totalVar), config: c };
}

/** Exact: eigenvectors of the scatter matrix Σ (x − μ)(x − μ)ᵀ. */
function regular(x: DenseMatrix, mean: Float64Array, c: PcaConfig): { components: Float64Array; sq: Float64Array } {
  const { values, vectors } = symmetricEigen(scatter(x, mean, c.miniBatchSize), x.cols);
  return { components: vectors, sq: values };
}

/** The d × d scatter matrix (row-major, float64), accumulated over row blocks of the column-major data. */
function scatter(x: DenseMatrix, mean: Float64Array, blockRows: number): Float64Array {
  const n = x.rows;
  const d = x.cols;
  const B = Math.max(1, Math.min(blockRows, 4096));
  const block = new Float64Array(B * d);
  const S = new Float64Array(d * d);
  for (let start = 0; start < n; start += B) {
    const m = Math.min(B, n - start);
    centredBlock(x, mean, start, m, block);
    // Upper triangle only: S[j][k] += Σ_r b[r][j]·b[r][k] for k ≥ j.
    for (let r = 0; r < m; r++) {
      const ro = r * d;
      for (let j = 0; j < d; j++) {
        const bj = block[ro + j] as number;
        if (bj === 0) continue;
        const so = j * d;
        for (let q = j; q < d; q++) S[so + q] = (S[so + q] as number) + bj * (block[ro + q] as number);
      }
    }
  }
  for (let j = 0; j < d; j++) for (let q = 0; q < j; q++) S[j * d + q] = S[q * d + j] as number;
  return S;
}

/** Randomized SVD (Halko et al. 2011, algorithm 4.4 with power iterations re-orthonormalised). */
function randomized(x: DenseMatrix, mean: Float64Array, c: PcaConfig, rng: Rng): { components: Float64Array; sq: Float64Array } {
  const n = x.rows;
  const d = x.cols;
  const l = Math.min(d, n, c.numComponents + c.extraComponents);
  const iters = c.numComponents < 0.1 * Math.min(n, d) ? 7 : 4;
  const omega = new Float64Array(d * l);
  for (let i = 0; i < omega.length; i++) omega[i] = rng.normal();
  // With few features, iterate on the d × d scatter matrix S = AᵀA instead of A: range((AᵀA)^(q+1)·Ω)
  // is the subspace the n-row products would find, for n·d²/2 work instead of (2q + 2)·n·d·l.
  if (d < 4 * (iters + 1) * l) return gramSubspace(scatter(x, mean, c.miniBatchSize), d, l, iters, omega);
  let Y = times(x, mean, omega, l); // n × l, column-major
  orthonormalize(Y, n, l);
  for (let it = 0; it < iters; it++) {
    const Z = timesT(x, mean, Y, l); // d × l, row-major
    orthonormalizeRows(Z, d, l);
    Y = times(x, mean, Z, l);
    orthonormalize(Y, n, l);
  }
  // B = Qᵀ A is l × d; its row space holds the top right singular vectors.
  const Bt = timesT(x, mean, Y, l); // d × l row-major = Bᵀ
  const G = new Float64Array(l * l); // B Bᵀ
  for (let a = 0; a < l; a++) {
    for (let b = a; b < l; b++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (Bt[j * l + a] as number) * (Bt[j * l + b] as number);
      G[a * l + b] = s;
      G[b * l + a] = s;
    }
  }
  const { values, vectors } = symmetricEigen(G, l);
  const components = new Float64Array(l * d);
  for (let r = 0; r < l; r++) {
    const sigma = Math.sqrt(Math.max(values[r] as number, 0)) || 1;
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let a = 0; a < l; a++) s += (vectors[r * l + a] as number) * (Bt[j * l + a] as number);
      components[r * d + j] = s / sigma;
    }
  }
  return { components, sq: values };
}

const ROWS = 256;

/** Copies rows [start, start + m) of X − μ into a row-major block: the products then run in cache. */
function centredBlock(x: DenseMatrix, mean: Float64Array, start: number, m: number, block: Float64Array): void {
  const n = x.rows;
  const d = x.cols;
  for (let j = 0; j < d; j++) {
    const off = j * n + start;
    const mu = mean[j] as number;
    for (let r = 0; r < m; r++) block[r * d + j] = (x.data[off + r] as number) - mu;
  }
}

/** Randomized subspace iteration on S = AᵀA, then Rayleigh–Ritz: eigenpairs of Zᵀ S Z lifted back by Z. */
function gramSubspace(S: Float64Array, d: number, l: number, iters: number, omega: Float64Array): { components: Float64Array; sq: Float64Array } {
  const mul = (Z: Float64Array): Float64Array => {
    const out = new Float64Array(d * l);
    for (let j = 0; j < d; j++) {
      const so = j * d;
      for (let q = 0; q < d; q++) {
        const v = S[so + q] as number;
        if (v === 0) continue;
        const zo = q * l;
        const oo = j * l;
        for (let a = 0; a < l; a++) out[oo + a] = (out[oo + a] as number) + v * (Z[zo + a] as number);
      }
    }
    return out;
  };
  let Z = mul(omega);
  orthonormalizeRows(Z, d, l);
  for (let it = 0; it < iters; it++) {
    Z = mul(Z);
    orthonormalizeRows(Z, d, l);
  }
  const SZ = mul(Z);
  const T = new Float64Array(l * l);
  for (let a = 0; a < l; a++) {
    for (let b = a; b < l; b++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (Z[j * l + a] as number) * (SZ[j * l + b] as number);
      T[a * l + b] = s;
      T[b * l + a] = s;
    }
  }
  const { values, vectors } = symmetricEigen(T, l);
  const components = new Float64Array(l * d);
  for (let r = 0; r < l; r++) {
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let a = 0; a < l; a++) s += (vectors[r * l + a] as number) * (Z[j * l + a] as number);
      components[r * d + j] = s;
    }
  }
  return { components, sq: values };
}

/** (X − μ) · W for row-major `W` (d × l): n × l, column-major. */
function times(x: DenseMatrix, mean: Float64Array, W: Float64Array, l: number): Float64Array {
  const n = x.rows;
  const d = x.cols;
  const out = new Float64Array(n * l);
  const block = new Float64Array(ROWS * d);
  const acc = new Float64Array(l);
  for (let start = 0; start < n; start += ROWS) {
    const m = Math.min(ROWS, n - start);
    centredBlock(x, mean, start, m, block);
    for (let r = 0; r < m; r++) {
      acc.fill(0);
      const ro = r * d;
      for (let j = 0; j < d; j++) {
        const v = block[ro + j] as number;
        const wo = j * l;
        for (let a = 0; a < l; a++) acc[a] = (acc[a] as number) + v * (W[wo + a] as number);
      }
      for (let a = 0; a < l; a++) out[a * n + start + r] = acc[a] as number;
    }
  }
  return out;
}

/** (X − μ)ᵀ · Y for column-major `Y` (n × l): d × l, row-major. */
function timesT(x: DenseMatrix, mean: Float64Array, Y: Float64Array, l: number): Float64Array {
  const n = x.rows;
  const d = x.cols;
  const out = new Float64Array(d * l);
  const block = new Float64Array(ROWS * d);
  const yr = new Float64Array(l);
  for (let start = 0; start < n; start += ROWS) {
    const m = Math.min(ROWS, n - start);
    centredBlock(x, mean, start, m, block);
    for (let r = 0; r < m; r++) {
      for (let a = 0; a < l; a++) yr[a] = Y[a * n + start + r] as number;
      const ro = r * d;
      for (let j = 0; j < d; j++) {
        const v = block[ro + j] as number;
        const oo = j * l;
        for (let a = 0; a < l; a++) out[oo + a] = (out[oo + a] as number) + v * (yr[a] as number);
      }
    }
  }
  return out;
}

/** Modified Gram–Schmidt, twice, on the l columns of a column-major n × l matrix. */
function orthonormalize(Y: Float64Array, n: number, l: number): void {
  for (let pass = 0; pass < 2; pass++) {
    for (let a = 0; a < l; a++) {
      const ao = a * n;
      for (let b = 0; b < a; b++) {
        const bo = b * n;
        let dot = 0;
        for (let i = 0; i < n; i++) dot += (Y[ao + i] as number) * (Y[bo + i] as number);
        for (let i = 0; i < n; i++) Y[ao + i] = (Y[ao + i] as number) - dot * (Y[bo + i] as number);
      }
      let norm = 0;
      for (let i = 0; i < n; i++) norm += (Y[ao + i] as number) ** 2;
      norm = Math.sqrt(norm) || 1;
      for (let i = 0; i < n; i++) Y[ao + i] = (Y[ao + i] as number) / norm;
    }
  }
}

/** The same for the l columns of a row-major d × l matrix. */
function orthonormalizeRows(Z: Float64Array, d: number, l: number): void {
  const t = new Float64Array(d * l);
  for (let j = 0; j < d; j++) for (let a = 0; a < l; a++) t[a * d + j] = Z[j * l + a] as number;
  orthonormalize(t, d, l);
  for (let j = 0; j < d; j++) for (let a = 0; a < l; a++) Z[j * l + a] = t[a * d + j] as number;
}

function check(c: PcaConfig, x: DenseMatrix): void {
  if (x.cols !== c.featureDim) {
    throw new MlInputError(`Hyperparameter 'feature_dim' is ${c.featureDim}, but the train channel has ${x.cols} features per row.`, { hyperparameter: 'feature_dim' });
  }
  if (x.rows < 2) throw new MlInputError(`PCA needs at least 2 rows; the train channel has ${x.rows}.`, { channel: 'train' });
  if (c.numComponents > Math.min(x.rows, x.cols)) {
    throw new MlInputError(`Hyperparameter 'num_components' is ${c.numComponents}, more than min(rows, features) = ${Math.min(x.rows, x.cols)}.`, { hyperparameter: 'num_components' });
  }
  for (let j = 0; j < x.cols; j++) {
    const off = j * x.rows;
    for (let i = 0; i < x.rows; i++) {
      if (!Number.isFinite(x.data[off + i] as number)) {
        throw new MlInputError(`The train channel has a missing or infinite value at row ${i + 1}, column ${j + 1}; PCA needs every feature.`, { channel: 'train', row: i + 1, column: j + 1 });
      }
    }
  }
}
