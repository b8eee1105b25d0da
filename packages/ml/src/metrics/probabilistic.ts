import { MlInputError } from '../errors.js';
import { checkLabel, checkLengths, weightAt, type WeightOptions } from './inputs.js';

/** Options for the log losses: probabilities are clipped to `[eps, 1 − eps]` (default 1e-15, as scikit-learn 1.2's float64 path). */
export interface LogLossOptions extends WeightOptions {
  readonly eps?: number | undefined;
}

/** Binary cross-entropy of P(y = 1) against 0/1 labels (`log_loss`; XGBoost's `logloss`). */
export function logLoss(yTrue: ArrayLike<number>, probs: ArrayLike<number>, opts: LogLossOptions = {}): number {
  const n = checkLengths('logloss', yTrue, probs, opts.weights);
  const eps = opts.eps ?? 1e-15;
  let s = 0;
  let sw = 0;
  for (let i = 0; i < n; i++) {
    const y = yTrue[i] as number;
    checkLabel('logloss', y, i);
    const p = Math.min(Math.max(probs[i] as number, eps), 1 - eps);
    const w = weightAt(opts.weights, i);
    s -= w * (y * Math.log(p) + (1 - y) * Math.log(1 - p));
    sw += w;
  }
  return s / sw;
}

/**
 * Multiclass cross-entropy (`log_loss` on an `n × numClass` row-major probability matrix; XGBoost's
 * `mlogloss`). Labels are class indexes `0 … numClass − 1`. Rows are renormalised to sum to 1, as
 * scikit-learn does.
 */
export function multiLogLoss(yTrue: ArrayLike<number>, probs: ArrayLike<number>, numClass: number, opts: LogLossOptions = {}): number {
  const n = checkLengths('mlogloss', yTrue, probs, opts.weights, numClass);
  const eps = opts.eps ?? 1e-15;
  let s = 0;
  let sw = 0;
  for (let i = 0; i < n; i++) {
    const y = classIndex('mlogloss', yTrue[i] as number, i, numClass);
    let rowSum = 0;
    for (let c = 0; c < numClass; c++) rowSum += Math.min(Math.max(probs[i * numClass + c] as number, eps), 1 - eps);
    const p = Math.min(Math.max(probs[i * numClass + y] as number, eps), 1 - eps) / rowSum;
    const w = weightAt(opts.weights, i);
    s -= w * Math.log(p);
    sw += w;
  }
  return s / sw;
}

/** Multiclass error rate: the (weighted) fraction of rows whose highest-probability class is not the label (XGBoost's `merror`). */
export function multiError(yTrue: ArrayLike<number>, probs: ArrayLike<number>, numClass: number, opts: WeightOptions = {}): number {
  const n = checkLengths('merror', yTrue, probs, opts.weights, numClass);
  let wrong = 0;
  let sw = 0;
  for (let i = 0; i < n; i++) {
    const y = classIndex('merror', yTrue[i] as number, i, numClass);
    const w = weightAt(opts.weights, i);
    if (argmaxRow(probs, i, numClass) !== y) wrong += w;
    sw += w;
  }
  return wrong / sw;
}

/** The index of the largest entry of row `i` of a row-major `n × numClass` matrix (first on ties). */
export function argmaxRow(probs: ArrayLike<number>, i: number, numClass: number): number {
  let best = 0;
  let bestV = probs[i * numClass] as number;
  for (let c = 1; c < numClass; c++) {
    const v = probs[i * numClass + c] as number;
    if (v > bestV) {
      bestV = v;
      best = c;
    }
  }
  return best;
}

function classIndex(metric: string, y: number, i: number, numClass: number): number {
  checkLabel(metric, y, i);
  if (!Number.isInteger(y) || y < 0 || y >= numClass) {
    throw new MlInputError(`Metric '${metric}': label at row ${i + 1} is ${y}; expected a class index 0 to ${numClass - 1}.`, { metric, row: i + 1 });
  }
  return y;
}
