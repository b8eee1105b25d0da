import { minimizeLbfgs } from './lbfgs.js';
import { cholesky, inverseFromCholesky, solveLower, solveUpper } from './linalg.js';

const SQRT5 = Math.sqrt(5);
/** Noise variance floor, added to the learnt noise so the kernel matrix stays well conditioned. */
const NOISE_FLOOR = 1e-6;

/** Kernel hyperparameters in natural units. */
export interface GpHyperparameters {
  /** One length scale per input dimension (ARD). */
  readonly lengthscales: Float64Array;
  /** Signal variance σ². */
  readonly outputscale: number;
  /** Observation noise variance. */
  readonly noise: number;
}

/**
 * Matérn 5/2 with ARD: `σ² (1 + √5 r + 5r²/3) exp(−√5 r)`, `r² = Σ_j (x_j − x'_j)² / ℓ_j²`.
 * Twice differentiable, so the surrogate is smooth without the squared-exponential's
 * over-confidence (Snoek et al., 2012).
 */
export function matern52(a: Float64Array, ai: number, b: Float64Array, bi: number, d: number, invL2: Float64Array, outputscale: number): number {
  let r2 = 0;
  for (let j = 0; j < d; j++) {
    const t = (a[ai + j] as number) - (b[bi + j] as number);
    r2 += t * t * (invL2[j] as number);
  }
  const r = Math.sqrt(r2);
  return outputscale * (1 + SQRT5 * r + (5 / 3) * r2) * Math.exp(-SQRT5 * r);
}

/**
 * A zero-mean Gaussian process on standardised targets, conditioned on `n` points of dimension `d`
 * (`x` row-major). Predicts the latent function (noise excluded).
 */
export class GaussianProcess {
  private readonly invL2: Float64Array;
  private readonly chol: Float64Array;
  private readonly alpha: Float64Array;

  constructor(
    readonly x: Float64Array,
    readonly y: Float64Array,
    readonly d: number,
    readonly hp: GpHyperparameters,
    /** Points from this index on are exact (noise floor only): the Kriging believer's pending points. */
    noisyCount = y.length,
  ) {
    const n = y.length;
    this.invL2 = Float64Array.from(hp.lengthscales, (l) => 1 / (l * l));
    const k = this.kernelMatrix(hp.noise);
    for (let i = noisyCount; i < n; i++) k[i * n + i] = hp.outputscale + NOISE_FLOOR;
    let chol = cholesky(k, n);
    for (let jitter = 1e-8; !chol && jitter < 1; jitter *= 10) {
      for (let i = 0; i < n; i++) k[i * n + i] = (k[i * n + i] as number) + jitter;
      chol = cholesky(k, n);
    }
    if (!chol) throw new Error('Gaussian process: kernel matrix is not positive definite.');
    this.chol = chol;
    this.alpha = solveUpper(chol, n, solveLower(chol, n, Float64Array.from(y)));
  }

  private kernelMatrix(noise: number): Float64Array {
    const n = this.y.length;
    const k = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < i; j++) {
        const v = matern52(this.x, i * this.d, this.x, j * this.d, this.d, this.invL2, this.hp.outputscale);
        k[i * n + j] = v;
        k[j * n + i] = v;
      }
      k[i * n + i] = this.hp.outputscale + noise;
    }
    return k;
  }

  /** Posterior mean and variance of the latent function at `u` (length `d`). */
  predict(u: Float64Array): { mean: number; variance: number } {
    const n = this.y.length;
    const ks = new Float64Array(n);
    let mean = 0;
    for (let i = 0; i < n; i++) {
      const v = matern52(this.x, i * this.d, u, 0, this.d, this.invL2, this.hp.outputscale);
      ks[i] = v;
      mean += v * (this.alpha[i] as number);
    }
    solveLower(this.chol, n, ks);
    let q = 0;
    for (let i = 0; i < n; i++) q += (ks[i] as number) * (ks[i] as number);
    return { mean, variance: Math.max(this.hp.outputscale - q, 1e-12) };
  }
}

/** Packing of hyperparameters for the optimiser: `[log ℓ_1 … log ℓ_d, log σ², log(noise − floor)]`. */
function unpack(theta: Float64Array, d: number): GpHyperparameters {
  return {
    lengthscales: Float64Array.from(theta.subarray(0, d), Math.exp),
    outputscale: Math.exp(theta[d] as number),
    noise: NOISE_FLOOR + Math.exp(theta[d + 1] as number),
  };
}

function pack(hp: GpHyperparameters): Float64Array {
  const d = hp.lengthscales.length;
  const t = new Float64Array(d + 2);
  for (let j = 0; j < d; j++) t[j] = Math.log(hp.lengthscales[j] as number);
  t[d] = Math.log(hp.outputscale);
  t[d + 1] = Math.log(Math.max(hp.noise - NOISE_FLOOR, 1e-12));
  return t;
}

/**
 * Log marginal likelihood of standardised `y` under the GP, and its gradient with respect to the
 * packed log-hyperparameters (`0.5 tr((ααᵀ − K⁻¹) ∂K/∂θ)`), written into `grad`.
 */
export function logMarginalLikelihood(x: Float64Array, y: Float64Array, d: number, hp: GpHyperparameters, grad?: Float64Array): number {
  const n = y.length;
  const invL2 = Float64Array.from(hp.lengthscales, (l) => 1 / (l * l));
  const k = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const v = matern52(x, i * d, x, j * d, d, invL2, hp.outputscale);
      k[i * n + j] = v;
      k[j * n + i] = v;
    }
    k[i * n + i] = hp.outputscale + hp.noise;
  }
  const l = cholesky(k, n);
  if (!l) return Number.NEGATIVE_INFINITY;
  const alpha = solveUpper(l, n, solveLower(l, n, Float64Array.from(y)));
  let fit = 0;
  let logDet = 0;
  for (let i = 0; i < n; i++) {
    fit += (y[i] as number) * (alpha[i] as number);
    logDet += Math.log(l[i * n + i] as number);
  }
  const value = -0.5 * fit - logDet - 0.5 * n * Math.log(2 * Math.PI);
  if (!grad) return value;
  grad.fill(0);
  const kinv = inverseFromCholesky(l, n);
  let traceW = 0;
  for (let i = 0; i < n; i++) {
    const ai = alpha[i] as number;
    traceW += ai * ai - (kinv[i * n + i] as number);
    for (let j = 0; j < i; j++) {
      // Off-diagonal pairs count twice (W and ∂K are symmetric).
      const w = 2 * (ai * (alpha[j] as number) - (kinv[i * n + j] as number));
      let r2 = 0;
      for (let c = 0; c < d; c++) {
        const t = (x[i * d + c] as number) - (x[j * d + c] as number);
        r2 += t * t * (invL2[c] as number);
      }
      const r = Math.sqrt(r2);
      const e = Math.exp(-SQRT5 * r);
      const kij = hp.outputscale * (1 + SQRT5 * r + (5 / 3) * r2) * e;
      grad[d] = (grad[d] as number) + 0.5 * w * kij;
      // ∂k/∂log ℓ_c = σ² (5/3)(1 + √5 r) e^{−√5 r} Δ_c² / ℓ_c²
      const f = 0.5 * w * hp.outputscale * (5 / 3) * (1 + SQRT5 * r) * e;
      for (let c = 0; c < d; c++) {
        const t = (x[i * d + c] as number) - (x[j * d + c] as number);
        grad[c] = (grad[c] as number) + f * t * t * (invL2[c] as number);
      }
    }
  }
  // Diagonal: ∂K_ii/∂log σ² = σ², ∂K_ii/∂θ_noise = noise − floor.
  let diagW = 0;
  for (let i = 0; i < n; i++) diagW += (alpha[i] as number) ** 2 - (kinv[i * n + i] as number);
  grad[d] = (grad[d] as number) + 0.5 * diagW * hp.outputscale;
  grad[d + 1] = 0.5 * traceW * (hp.noise - NOISE_FLOOR);
  return value;
}

/** Log-normal prior `LogNormal(μ, s)` on a positive quantity `v = e^θ` (density in `v`, as BoTorch). */
function logNormalPrior(theta: number, mu: number, s: number, grad: Float64Array, i: number): number {
  const z = (theta - mu) / s;
  grad[i] = (grad[i] as number) + (-1 - z / s);
  return -theta - 0.5 * z * z;
}

/**
 * Fits the hyperparameters by maximising the log posterior (marginal likelihood plus priors) with
 * L-BFGS from `starts` and the prior's centre, keeping the best. Priors: length scales
 * `LogNormal(√2 + ½ log d − 1, √3)` (Hvarfner et al.'s dimension-scaled prior, one nat shorter:
 * measured better on Hartmann6, see docs/adr/0010-bayesian-tuning.md), signal variance
 * `LogNormal(0, 1)`, noise variance `LogNormal(−4, 1)`.
 */
export function fitGaussianProcess(x: Float64Array, y: Float64Array, d: number, starts: readonly GpHyperparameters[] = []): GpHyperparameters {
  const muL = Math.SQRT2 + 0.5 * Math.log(d) - 1;
  const sL = Math.sqrt(3);
  const objective = (theta: Float64Array, grad: Float64Array): number => {
    const hp = unpack(theta, d);
    const lml = logMarginalLikelihood(x, y, d, hp, grad);
    if (!Number.isFinite(lml)) return Number.POSITIVE_INFINITY;
    let lp = lml;
    for (let j = 0; j < d; j++) lp += logNormalPrior(theta[j] as number, muL, sL, grad, j);
    lp += logNormalPrior(theta[d] as number, 0, 1, grad, d);
    lp += logNormalPrior(theta[d + 1] as number, -4, 1, grad, d + 1);
    for (let i = 0; i < grad.length; i++) grad[i] = -(grad[i] as number);
    return -lp;
  };
  const lower = new Float64Array(d + 2).fill(Math.log(1e-3));
  const upper = new Float64Array(d + 2).fill(Math.log(1e3));
  lower[d] = Math.log(0.05);
  upper[d] = Math.log(20);
  lower[d + 1] = Math.log(1e-9);
  upper[d + 1] = Math.log(2);
  const centre = new Float64Array(d + 2);
  for (let j = 0; j < d; j++) centre[j] = Math.min(muL - sL * sL + 1, Math.log(2)); // a moderate start, inside the data's reach
  centre[d] = 0;
  centre[d + 1] = -5;
  let best: { x: Float64Array; value: number } | undefined;
  for (const start of [...starts.map(pack), centre]) {
    const r = minimizeLbfgs(objective, start, { maxIterations: 60, lower, upper });
    if (!best || r.value < best.value) best = r;
  }
  return unpack(best!.x, d);
}
