import { binaryError, logLoss, mae, multiError, multiLogLoss, rmse, rocAuc } from '../metrics/index.js';
import type { GbdtObjective } from './model.js';
import type { GbdtEvalMetric } from './params.js';

/** XGBoost clips probabilities at 1e-16 for `logloss` / `mlogloss`. */
const EPS = 1e-16;

/**
 * One evaluation metric on transformed predictions (`preds`: probabilities, values, or the
 * `n × numClass` probability matrix for multi-class objectives), as XGBoost 1.7 computes it.
 */
export function evalMetric(metric: GbdtEvalMetric, y: Float64Array, preds: Float64Array, numClass: number, weights?: Float64Array): number {
  const w = weights ? { weights } : {};
  switch (metric) {
    case 'auc':
      return rocAuc(y, preds, w);
    case 'logloss':
      return logLoss(y, preds, { ...w, eps: EPS });
    case 'error':
      return binaryError(y, preds, w);
    case 'rmse':
      return rmse(y, preds, w);
    case 'mae':
      return mae(y, preds, w);
    case 'mlogloss':
      return multiLogLoss(y, preds, numClass, { ...w, eps: EPS });
    case 'merror':
      return multiError(y, preds, numClass, w);
    case 'poisson-nloglik':
      return poissonNegLogLik(y, preds, weights);
  }
}

/** Whether a larger value is better (drives early stopping). */
export function maximizes(metric: GbdtEvalMetric): boolean {
  return metric === 'auc';
}

/** Probabilities (or values) from margins for evaluation: softmax for both multi-class objectives. */
export function evalObjective(objective: GbdtObjective): GbdtObjective {
  return objective === 'multi:softmax' ? 'multi:softprob' : objective;
}

/** XGBoost's `poisson-nloglik`: mean of `lgamma(y + 1) + μ − y log μ`, μ clipped at 1e-16. */
export function poissonNegLogLik(y: Float64Array, mu: Float64Array, weights?: Float64Array): number {
  let s = 0;
  let sw = 0;
  for (let i = 0; i < y.length; i++) {
    const m = Math.max(mu[i] as number, EPS);
    const yi = y[i] as number;
    const w = weights ? (weights[i] as number) : 1;
    s += w * (logGamma(yi + 1) + m - Math.log(m) * yi);
    sw += w;
  }
  return s / sw;
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; ~15 significant digits). */
export function logGamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let a = c[0] as number;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += (c[i] as number) / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** One metric value in XGBoost's log format: five decimals (`{score:.5f}` in its Python monitor). */
export function formatMetric(v: number): string {
  return Number.isNaN(v) ? 'nan' : v.toFixed(5);
}
