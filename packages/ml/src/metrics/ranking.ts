import { MlInputError } from '../errors.js';
import { checkLabel, checkLengths, weightAt, type WeightOptions } from './inputs.js';

/**
 * Area under the ROC curve for 0/1 labels (`roc_auc_score`; XGBoost's `auc`, Linear Learner's
 * `roc_auc_score`). Rows with equal scores form one ROC point, so ties count one half, exactly as
 * scikit-learn's trapezoidal rule over distinct thresholds. Returns NaN when only one class is
 * present (scikit-learn raises; an evaluation loop should keep going and report it).
 */
export function rocAuc(yTrue: ArrayLike<number>, scores: ArrayLike<number>, opts: WeightOptions = {}): number {
  const n = checkLengths('auc', yTrue, scores, opts.weights);
  const order = sortDescending(scores, n);
  let tp = 0;
  let fp = 0;
  let prevTp = 0;
  let prevFp = 0;
  let area = 0;
  for (let k = 0; k < n; ) {
    const s = scores[order[k] as number] as number;
    // One ROC point per distinct score: accumulate the whole tie group before adding a trapezoid.
    while (k < n && (scores[order[k] as number] as number) === s) {
      const i = order[k] as number;
      const y = yTrue[i] as number;
      checkLabel('auc', y, i);
      if (y !== 0 && y !== 1) throw new MlInputError(`Metric 'auc' needs 0/1 labels; row ${i + 1} has ${y}.`, { metric: 'auc', row: i + 1 });
      const w = weightAt(opts.weights, i);
      if (y === 1) tp += w;
      else fp += w;
      k++;
    }
    area += (fp - prevFp) * (tp + prevTp) * 0.5;
    prevTp = tp;
    prevFp = fp;
  }
  if (tp === 0 || fp === 0) return Number.NaN;
  return area / (tp * fp);
}

/**
 * One-vs-rest multiclass AUC averaged over classes: `roc_auc_score(multi_class='ovr', average=...)`.
 * `probs` is row-major `n × numClass`. `'weighted'` weighs each class by its prevalence (XGBoost's
 * multiclass `auc` does the same).
 */
export function multiclassRocAuc(
  yTrue: ArrayLike<number>,
  probs: ArrayLike<number>,
  numClass: number,
  opts: WeightOptions & { readonly average?: 'macro' | 'weighted' } = {},
): number {
  const n = checkLengths('auc', yTrue, probs, opts.weights, numClass);
  const bin = new Float64Array(n);
  const col = new Float64Array(n);
  let total = 0;
  let sum = 0;
  for (let c = 0; c < numClass; c++) {
    let prevalence = 0;
    for (let i = 0; i < n; i++) {
      const y = yTrue[i] as number;
      bin[i] = y === c ? 1 : 0;
      if (y === c) prevalence += weightAt(opts.weights, i);
      col[i] = probs[i * numClass + c] as number;
    }
    const w = opts.average === 'weighted' ? prevalence : 1;
    sum += w * rocAuc(bin, col, opts);
    total += w;
  }
  return sum / total;
}

/** Row indexes ordered by score, highest first (NaN scores last). */
function sortDescending(scores: ArrayLike<number>, n: number): Uint32Array {
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = scores[i] as number;
    keys[i] = Number.isNaN(s) ? Infinity : -s;
  }
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => (keys[a] as number) - (keys[b] as number));
  return order;
}
