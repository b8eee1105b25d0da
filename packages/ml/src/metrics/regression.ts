import { checkLabel, checkLengths, weightAt, type WeightOptions } from './inputs.js';

/** Mean squared error (`sklearn.metrics.mean_squared_error`). */
export function mse(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, opts: WeightOptions = {}): number {
  const n = checkLengths('mse', yTrue, yPred, opts.weights);
  let s = 0;
  let sw = 0;
  for (let i = 0; i < n; i++) {
    const y = yTrue[i] as number;
    checkLabel('mse', y, i);
    const w = weightAt(opts.weights, i);
    const d = y - (yPred[i] as number);
    s += w * d * d;
    sw += w;
  }
  return s / sw;
}

/** Root mean squared error: XGBoost's `rmse`, Linear Learner's `rmse`. */
export function rmse(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, opts: WeightOptions = {}): number {
  return Math.sqrt(mse(yTrue, yPred, opts));
}

/** Mean absolute error (`mean_absolute_error`; XGBoost's `mae`, Linear Learner's `absolute_loss`). */
export function mae(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, opts: WeightOptions = {}): number {
  const n = checkLengths('mae', yTrue, yPred, opts.weights);
  let s = 0;
  let sw = 0;
  for (let i = 0; i < n; i++) {
    const y = yTrue[i] as number;
    checkLabel('mae', y, i);
    const w = weightAt(opts.weights, i);
    s += w * Math.abs(y - (yPred[i] as number));
    sw += w;
  }
  return s / sw;
}

/**
 * Coefficient of determination (`r2_score`). As scikit-learn does (force_finite), a constant `yTrue`
 * gives 1 when predicted exactly and 0 otherwise, rather than ±∞ or NaN.
 */
export function r2(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, opts: WeightOptions = {}): number {
  const n = checkLengths('r2', yTrue, yPred, opts.weights);
  let sw = 0;
  let mean = 0;
  for (let i = 0; i < n; i++) {
    const y = yTrue[i] as number;
    checkLabel('r2', y, i);
    const w = weightAt(opts.weights, i);
    sw += w;
    mean += w * y;
  }
  mean /= sw;
  let ssRes = 0;
  let ssTot = 0;
  for (let i = 0; i < n; i++) {
    const w = weightAt(opts.weights, i);
    const y = yTrue[i] as number;
    const d = y - (yPred[i] as number);
    ssRes += w * d * d;
    ssTot += w * (y - mean) * (y - mean);
  }
  if (ssTot === 0) return ssRes === 0 ? 1 : 0;
  return 1 - ssRes / ssTot;
}
