import { GRAD_LOGISTIC, GRAD_POISSON, GRAD_SOFTMAX, GRAD_SQUARED } from './kernel.js';
import { MlInputError } from '../errors.js';
import type { GbdtObjective } from './model.js';

/** Margin of a prediction-space `base_score` (XGBoost's `ProbToMargin`). */
export function baseMarginOf(objective: GbdtObjective, baseScore: number): number {
  if (objective === 'binary:logistic' || objective === 'reg:logistic') return -Math.log(1 / baseScore - 1);
  if (objective === 'count:poisson') return Math.log(baseScore);
  return baseScore;
}

/**
 * Checks labels against the objective, naming the first bad row (1-based, as a CSV reader counts).
 * @throws MlInputError for NaN labels, labels outside [0, 1] for logistic objectives, negative
 * counts for Poisson, and class labels that are not integers in `[0, num_class)`.
 */
export function checkLabels(objective: GbdtObjective, y: ArrayLike<number>, numClass: number, what = 'training'): void {
  for (let i = 0; i < y.length; i++) {
    const v = y[i] as number;
    const where = { row: i + 1, dataset: what };
    if (!Number.isFinite(v)) throw new MlInputError(`Label at row ${i + 1} of the ${what} data is ${v}; labels must be finite numbers.`, where);
    if ((objective === 'binary:logistic' || objective === 'reg:logistic') && (v < 0 || v > 1)) {
      throw new MlInputError(`Label at row ${i + 1} of the ${what} data is ${v}; objective '${objective}' needs labels in [0, 1].`, where);
    }
    if (objective === 'count:poisson' && v < 0) {
      throw new MlInputError(`Label at row ${i + 1} of the ${what} data is ${v}; objective 'count:poisson' needs non-negative labels.`, where);
    }
    if (objective.startsWith('multi:') && (!Number.isInteger(v) || v < 0 || v >= numClass)) {
      throw new MlInputError(
        `Label at row ${i + 1} of the ${what} data is ${v}, but num_class is ${numClass}: labels must be integers from 0 to ${numClass - 1} (check hyperparameter 'num_class').`,
        { ...where, hyperparameter: 'num_class' },
      );
    }
  }
}

/**
 * The objective as the kernels' gradient op numbers it: `kernelGradients` writes the gradient/hessian
 * pairs (float32, as XGBoost keeps them), split by rows between the training threads.
 */
export function objectiveKind(objective: GbdtObjective): number {
  if (objective.startsWith('multi:')) return GRAD_SOFTMAX;
  if (objective === 'count:poisson') return GRAD_POISSON;
  if (objective === 'reg:squarederror') return GRAD_SQUARED;
  return GRAD_LOGISTIC;
}

/**
 * Turns margins (`n × groups`, row-major) into predictions in place: probabilities for logistic and
 * softprob objectives, means for Poisson; `multi:softmax` is handled by the caller (class index).
 */
export function transformMargins(objective: GbdtObjective, margin: Float64Array, groups: number): void {
  if (objective === 'binary:logistic' || objective === 'reg:logistic') {
    for (let i = 0; i < margin.length; i++) margin[i] = 1 / (1 + Math.exp(-(margin[i] as number)));
  } else if (objective === 'count:poisson') {
    for (let i = 0; i < margin.length; i++) margin[i] = Math.exp(margin[i] as number);
  } else if (objective.startsWith('multi:')) {
    for (let r = 0; r < margin.length; r += groups) {
      let mx = -Infinity;
      for (let g = 0; g < groups; g++) mx = Math.max(mx, margin[r + g] as number);
      let sum = 0;
      for (let g = 0; g < groups; g++) sum += margin[r + g] = Math.exp((margin[r + g] as number) - mx);
      for (let g = 0; g < groups; g++) margin[r + g] = (margin[r + g] as number) / sum;
    }
  }
}
