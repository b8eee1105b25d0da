import type { LikelihoodName } from './hyperparameters.js';
import { digamma, lgamma, type Rng } from './rng.js';

/**
 * A likelihood maps the network's raw outputs (`numArgs` per step) to a distribution over the target.
 * Continuous likelihoods work on the scaled target z = (y − loc) / scale, as GluonTS's affine
 * transform does; their negative log-likelihood therefore includes log(scale). Count and (0, 1)
 * likelihoods always get loc = 0.
 */
export interface Likelihood {
  readonly name: LikelihoodName;
  readonly numArgs: number;
  /** `false` for beta: targets already live in (0, 1), so the series scale is fixed at 1. */
  readonly scaled: boolean;
  /** Whether a location shift is meaningful (real-valued targets); counts keep loc = 0. */
  readonly shiftable: boolean;
  /** Negative log-likelihood of `y`; adds `weight · ∂nll/∂raw` into `dRaw[off…]`. */
  nll(raw: Float64Array, off: number, y: number, loc: number, scale: number, dRaw: Float64Array | null, weight: number): number;
  /** One draw, in the target's units. */
  sample(raw: Float64Array, off: number, loc: number, scale: number, rng: Rng): number;
}

const MIN_POSITIVE = 1e-6;
const LOG_2PI = Math.log(2 * Math.PI);
const softplus = (x: number): number => (x > 30 ? x : Math.log1p(Math.exp(x)));
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

const gaussian: Likelihood = {
  name: 'gaussian',
  numArgs: 2,
  scaled: true,
  shiftable: true,
  nll(raw, off, y, loc, scale, dRaw, w) {
    const mu = raw[off] as number;
    const s = softplus(raw[off + 1] as number) + MIN_POSITIVE;
    const u = ((y - loc) / scale - mu) / s;
    if (dRaw) {
      dRaw[off] = (dRaw[off] as number) - (w * u) / s;
      dRaw[off + 1] = (dRaw[off + 1] as number) + w * ((1 - u * u) / s) * sigmoid(raw[off + 1] as number);
    }
    return 0.5 * LOG_2PI + Math.log(s) + 0.5 * u * u + Math.log(scale);
  },
  sample(raw, off, loc, scale, rng) {
    return loc + ((raw[off] as number) + (softplus(raw[off + 1] as number) + MIN_POSITIVE) * rng.normal()) * scale;
  },
};

const studentT: Likelihood = {
  name: 'student-T',
  numArgs: 3,
  scaled: true,
  shiftable: true,
  nll(raw, off, y, loc, scale, dRaw, w) {
    const mu = raw[off] as number;
    const s = softplus(raw[off + 1] as number) + MIN_POSITIVE;
    const nu = 2 + softplus(raw[off + 2] as number);
    const u = ((y - loc) / scale - mu) / s;
    const q = 1 + (u * u) / nu;
    if (dRaw) {
      const dU = ((nu + 1) * u) / (nu * q);
      dRaw[off] = (dRaw[off] as number) - (w * dU) / s;
      dRaw[off + 1] = (dRaw[off + 1] as number) + w * ((1 - dU * u) / s) * sigmoid(raw[off + 1] as number);
      const dNu = -(0.5 * digamma((nu + 1) / 2) - 0.5 * digamma(nu / 2) - 0.5 / nu - 0.5 * Math.log(q) + ((nu + 1) / 2) * ((u * u) / (nu * nu)) / q);
      dRaw[off + 2] = (dRaw[off + 2] as number) + w * dNu * sigmoid(raw[off + 2] as number);
    }
    return -(lgamma((nu + 1) / 2) - lgamma(nu / 2) - 0.5 * Math.log(nu * Math.PI) - Math.log(s) - ((nu + 1) / 2) * Math.log(q)) + Math.log(scale);
  },
  sample(raw, off, loc, scale, rng) {
    const s = softplus(raw[off + 1] as number) + MIN_POSITIVE;
    const nu = 2 + softplus(raw[off + 2] as number);
    const chi2 = 2 * rng.gamma(nu / 2);
    return loc + ((raw[off] as number) + (s * rng.normal()) / Math.sqrt(chi2 / nu)) * scale;
  },
};

/** Mean mu·scale and shape alpha (variance mu + alpha·mu²), as GluonTS's NegativeBinomialOutput. */
const negativeBinomial: Likelihood = {
  name: 'negative-binomial',
  numArgs: 2,
  scaled: true,
  shiftable: false,
  nll(raw, off, y, _loc, scale, dRaw, w) {
    const mu = (softplus(raw[off] as number) + MIN_POSITIVE) * scale;
    const alpha = softplus(raw[off + 1] as number) + MIN_POSITIVE;
    const r = 1 / alpha;
    const logp = lgamma(y + r) - lgamma(y + 1) - lgamma(r) + r * Math.log(r / (r + mu)) + y * Math.log(mu / (r + mu));
    if (dRaw) {
      const dMu = y / mu - (r + y) / (r + mu);
      const dR = digamma(y + r) - digamma(r) + Math.log(r / (r + mu)) + (mu - y) / (r + mu);
      dRaw[off] = (dRaw[off] as number) - w * dMu * scale * sigmoid(raw[off] as number);
      dRaw[off + 1] = (dRaw[off + 1] as number) - w * dR * (-1 / (alpha * alpha)) * sigmoid(raw[off + 1] as number);
    }
    return -logp;
  },
  sample(raw, off, _loc, scale, rng) {
    const mu = (softplus(raw[off] as number) + MIN_POSITIVE) * scale;
    const r = 1 / (softplus(raw[off + 1] as number) + MIN_POSITIVE);
    return rng.poisson(rng.gamma(r) * (mu / r));
  },
};

const BETA_EPS = 1e-6;
const beta: Likelihood = {
  name: 'beta',
  numArgs: 2,
  scaled: false,
  shiftable: false,
  nll(raw, off, y, _loc, _scale, dRaw, w) {
    const a = softplus(raw[off] as number) + MIN_POSITIVE;
    const b = softplus(raw[off + 1] as number) + MIN_POSITIVE;
    const x = Math.min(1 - BETA_EPS, Math.max(BETA_EPS, y));
    if (dRaw) {
      const psiAB = digamma(a + b);
      dRaw[off] = (dRaw[off] as number) - w * (psiAB - digamma(a) + Math.log(x)) * sigmoid(raw[off] as number);
      dRaw[off + 1] = (dRaw[off + 1] as number) - w * (psiAB - digamma(b) + Math.log1p(-x)) * sigmoid(raw[off + 1] as number);
    }
    return -(lgamma(a + b) - lgamma(a) - lgamma(b) + (a - 1) * Math.log(x) + (b - 1) * Math.log1p(-x));
  },
  sample(raw, off, _loc, _scale, rng) {
    const ga = rng.gamma(softplus(raw[off] as number) + MIN_POSITIVE);
    const gb = rng.gamma(softplus(raw[off + 1] as number) + MIN_POSITIVE);
    return ga + gb > 0 ? ga / (ga + gb) : 0.5;
  },
};

/** A point forecaster trained on absolute error of the scaled target; every "sample" is the point. */
const deterministicL1: Likelihood = {
  name: 'deterministic-L1',
  numArgs: 1,
  scaled: true,
  shiftable: true,
  nll(raw, off, y, loc, scale, dRaw, w) {
    const e = (y - loc) / scale - (raw[off] as number);
    if (dRaw) dRaw[off] = (dRaw[off] as number) - w * Math.sign(e);
    return Math.abs(e);
  },
  sample(raw, off, loc, scale) {
    return loc + (raw[off] as number) * scale;
  },
};

const ALL: Record<LikelihoodName, Likelihood> = {
  gaussian,
  'student-T': studentT,
  'negative-binomial': negativeBinomial,
  beta,
  'deterministic-L1': deterministicL1,
};

/** The likelihood named by SageMaker's `likelihood` hyperparameter. */
export function likelihoodFor(name: LikelihoodName): Likelihood {
  return ALL[name];
}
