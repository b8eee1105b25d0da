import { MlInputError } from '../errors.js';
import { checkLabel, checkLengths, weightAt, type WeightOptions } from './inputs.js';

/** A confusion matrix: `matrix[t][p]` is the (weighted) count of rows with label `labels[t]` predicted as `labels[p]`. */
export interface ConfusionMatrix {
  readonly labels: readonly number[];
  readonly matrix: readonly (readonly number[])[];
}

/** Options for {@link confusionMatrix}: `labels` fixes the order and set of classes (default: the sorted union). */
export interface ConfusionOptions extends WeightOptions {
  readonly labels?: readonly number[] | undefined;
}

/** The confusion matrix, as `sklearn.metrics.confusion_matrix` (rows: true label, columns: predicted label). */
export function confusionMatrix(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, opts: ConfusionOptions = {}): ConfusionMatrix {
  const n = checkLengths('confusion_matrix', yTrue, yPred, opts.weights);
  let labels: number[];
  if (opts.labels) {
    labels = [...opts.labels];
  } else {
    const set = new Set<number>();
    for (let i = 0; i < n; i++) {
      checkLabel('confusion_matrix', yTrue[i] as number, i);
      set.add(yTrue[i] as number);
      set.add(yPred[i] as number);
    }
    labels = [...set].sort((a, b) => a - b);
  }
  const index = new Map<number, number>();
  labels.forEach((l, k) => index.set(l, k));
  const matrix = labels.map(() => new Array<number>(labels.length).fill(0));
  for (let i = 0; i < n; i++) {
    const t = index.get(yTrue[i] as number);
    const p = index.get(yPred[i] as number);
    // Rows whose label or prediction lies outside an explicit `labels` list are ignored, as in scikit-learn.
    if (t === undefined || p === undefined) continue;
    (matrix[t] as number[])[p] = ((matrix[t] as number[])[p] as number) + weightAt(opts.weights, i);
  }
  return { labels, matrix };
}

/** Fraction of rows predicted exactly (`accuracy_score`; Linear Learner's `multiclass_accuracy`). */
export function accuracy(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, opts: WeightOptions = {}): number {
  const n = checkLengths('accuracy', yTrue, yPred, opts.weights);
  let hit = 0;
  let sw = 0;
  for (let i = 0; i < n; i++) {
    checkLabel('accuracy', yTrue[i] as number, i);
    const w = weightAt(opts.weights, i);
    if (yTrue[i] === yPred[i]) hit += w;
    sw += w;
  }
  return hit / sw;
}

/** Options for {@link binaryError}. */
export interface ThresholdOptions extends WeightOptions {
  /** A score strictly above the threshold predicts class 1 (XGBoost's `error@t`). Default 0.5. */
  readonly threshold?: number | undefined;
}

/** XGBoost's binary `error`: the (weighted) fraction of rows where `score > threshold` disagrees with a 0/1 label. */
export function binaryError(yTrue: ArrayLike<number>, scores: ArrayLike<number>, opts: ThresholdOptions = {}): number {
  const n = checkLengths('error', yTrue, scores, opts.weights);
  const t = opts.threshold ?? 0.5;
  let wrong = 0;
  let sw = 0;
  for (let i = 0; i < n; i++) {
    const y = yTrue[i] as number;
    checkLabel('error', y, i);
    const w = weightAt(opts.weights, i);
    const p = (scores[i] as number) > t ? 1 : 0;
    if (p !== (y > 0.5 ? 1 : 0)) wrong += w;
    sw += w;
  }
  return wrong / sw;
}

/** How per-class scores are combined, as scikit-learn's `average`. */
export type Average = 'binary' | 'macro' | 'weighted' | 'micro';

/** Options for {@link precisionRecallFScore}. */
export interface PrfOptions extends WeightOptions {
  readonly average?: Average | undefined;
  /** Weight of recall in the F score (F1 when 1). */
  readonly beta?: number | undefined;
  /** The positive class for `average: 'binary'`. Default 1. */
  readonly posLabel?: number | undefined;
}

/** Precision, recall and F-beta of one averaging. */
export interface PrfScores {
  readonly precision: number;
  readonly recall: number;
  readonly fScore: number;
}

const safeDiv = (a: number, b: number): number => (b === 0 ? 0 : a / b);
const fOf = (p: number, r: number, b2: number): number => safeDiv((1 + b2) * p * r, b2 * p + r);

/**
 * Precision, recall and F-beta as `precision_recall_fscore_support` computes them, with
 * `zero_division=0` (scikit-learn's default value after its warning).
 */
export function precisionRecallFScore(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, opts: PrfOptions = {}): PrfScores {
  const average = opts.average ?? 'binary';
  const beta = opts.beta ?? 1;
  if (!(beta >= 0)) throw new MlInputError(`F-beta needs beta ≥ 0; got ${beta}.`, { parameter: 'beta' });
  const b2 = beta * beta;
  const { labels, matrix } = confusionMatrix(yTrue, yPred, { weights: opts.weights });
  const k = labels.length;
  const tp = labels.map((_, c) => (matrix[c] as number[])[c] as number);
  const predicted = labels.map((_, c) => matrix.reduce((s, row) => s + (row[c] as number), 0));
  const support = matrix.map((row) => row.reduce((s, v) => s + v, 0));
  if (average === 'binary') {
    const pos = opts.posLabel ?? 1;
    if (k > 2) throw new MlInputError(`average 'binary' needs at most two classes; found ${k} (${labels.join(', ')}). Use 'macro', 'weighted' or 'micro'.`, { parameter: 'average' });
    const c = labels.indexOf(pos);
    if (c < 0) {
      if (k === 2) throw new MlInputError(`Positive label ${pos} is not among the labels ${labels.join(', ')}.`, { parameter: 'posLabel' });
      return { precision: 0, recall: 0, fScore: 0 };
    }
    const p = safeDiv(tp[c] as number, predicted[c] as number);
    const r = safeDiv(tp[c] as number, support[c] as number);
    return { precision: p, recall: r, fScore: fOf(p, r, b2) };
  }
  if (average === 'micro') {
    const sTp = tp.reduce((s, v) => s + v, 0);
    const p = safeDiv(sTp, predicted.reduce((s, v) => s + v, 0));
    const r = safeDiv(sTp, support.reduce((s, v) => s + v, 0));
    return { precision: p, recall: r, fScore: fOf(p, r, b2) };
  }
  const total = support.reduce((s, v) => s + v, 0);
  let sp = 0;
  let sr = 0;
  let sf = 0;
  for (let c = 0; c < k; c++) {
    const p = safeDiv(tp[c] as number, predicted[c] as number);
    const r = safeDiv(tp[c] as number, support[c] as number);
    const w = average === 'macro' ? 1 / k : safeDiv(support[c] as number, total);
    sp += w * p;
    sr += w * r;
    sf += w * fOf(p, r, b2);
  }
  return { precision: sp, recall: sr, fScore: sf };
}

/** `precision_score`. */
export function precision(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, opts: PrfOptions = {}): number {
  return precisionRecallFScore(yTrue, yPred, opts).precision;
}

/** `recall_score`. */
export function recall(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, opts: PrfOptions = {}): number {
  return precisionRecallFScore(yTrue, yPred, opts).recall;
}

/** `f1_score`. */
export function f1(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, opts: Omit<PrfOptions, 'beta'> = {}): number {
  return precisionRecallFScore(yTrue, yPred, { ...opts, beta: 1 }).fScore;
}

/** `fbeta_score`. */
export function fBeta(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, beta: number, opts: Omit<PrfOptions, 'beta'> = {}): number {
  return precisionRecallFScore(yTrue, yPred, { ...opts, beta }).fScore;
}
