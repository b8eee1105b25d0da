import { Rng } from '../data/random.js';
import { MlInputError } from '../errors.js';
import { accuracy, confusionMatrix, precisionRecallFScore } from '../metrics/classification.js';
import { mae, mse, r2, rmse } from '../metrics/regression.js';
import { rocAuc } from '../metrics/ranking.js';

/** A metric as Model Monitor reports it; the deviation comes from 5 resamples of 80 % (n ≥ 200). */
export interface MetricValue {
  readonly value: number;
  readonly standard_deviation?: number;
}

type Metric = (idx: Uint32Array) => number;

function withDeviation(n: number, metric: Metric, seed: number): MetricValue {
  const all = new Uint32Array(n);
  for (let i = 0; i < n; i++) all[i] = i;
  const value = metric(all);
  if (n < 200) return { value };
  const rng = new Rng(seed);
  const m = Math.floor(0.8 * n);
  const vals: number[] = [];
  for (let r = 0; r < 5; r++) vals.push(metric(rng.permutation(n).subarray(0, m)));
  const mean = vals.reduce((a, b) => a + b, 0) / vals.length;
  const sd = Math.sqrt(vals.reduce((a, b) => a + (b - mean) ** 2, 0) / (vals.length - 1));
  return { value, standard_deviation: sd };
}

const pick = (a: ArrayLike<number>, idx: Uint32Array): Float64Array => {
  const out = new Float64Array(idx.length);
  for (let i = 0; i < idx.length; i++) out[i] = a[idx[i] as number] as number;
  return out;
};

function checkLengths(metric: string, a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length || a.length === 0) {
    throw new MlInputError(`Model quality '${metric}' needs equally long, non-empty ground truth and predictions; got ${a.length} and ${b.length}.`, { column: 'groundTruth', metric });
  }
  return a.length;
}

/** Model Monitor's `regression_metrics`: mae, mse, rmse, r2. */
export function regressionQuality(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, seed = 0): { regression_metrics: Record<string, MetricValue> } {
  const n = checkLengths('regression', yTrue, yPred);
  const f = (fn: (a: ArrayLike<number>, b: ArrayLike<number>) => number): MetricValue => withDeviation(n, (idx) => fn(pick(yTrue, idx), pick(yPred, idx)), seed);
  return { regression_metrics: { mae: f(mae), mse: f(mse), rmse: f(rmse), r2: f(r2) } };
}

function confusionJson(labels: readonly number[], matrix: readonly (readonly number[])[]): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  labels.forEach((t, i) => {
    out[String(t)] = {};
    labels.forEach((p, j) => ((out[String(t)] as Record<string, number>)[String(p)] = (matrix[i] as number[])[j] as number));
  });
  return out;
}

/**
 * Model Monitor's `binary_classification_metrics` from 0/1 labels and scores (a score above
 * `threshold` predicts 1): the confusion matrix, rates, precision/recall/accuracy/F-scores (each also
 * for the best constant classifier, which always predicts the majority class), AUC, and the ROC and
 * precision–recall curves.
 */
export function binaryQuality(yTrue: ArrayLike<number>, scores: ArrayLike<number>, threshold = 0.5, seed = 0): { binary_classification_metrics: Record<string, unknown> } {
  const n = checkLengths('binary_classification', yTrue, scores);
  const pred = new Float64Array(n);
  let pos = 0;
  for (let i = 0; i < n; i++) {
    pred[i] = (scores[i] as number) > threshold ? 1 : 0;
    pos += yTrue[i] === 1 ? 1 : 0;
  }
  const constant = new Float64Array(n).fill(pos * 2 >= n ? 1 : 0);
  const prf = (p: Float64Array, idx: Uint32Array, beta: number) => precisionRecallFScore(pick(yTrue, idx), pick(p, idx), { average: 'binary', beta });
  const rate = (idx: Uint32Array, num: (t: number, p: number) => boolean, den: (t: number) => boolean): number => {
    let a = 0;
    let b = 0;
    for (const i of idx) {
      const t = yTrue[i] as number;
      if (den(t)) {
        b++;
        if (num(t, pred[i] as number)) a++;
      }
    }
    return b ? a / b : 0;
  };
  const d = (m: Metric): MetricValue => withDeviation(n, m, seed);
  const out: Record<string, unknown> = {};
  const cm = confusionMatrix(yTrue, pred, { labels: [0, 1] });
  out['confusion_matrix'] = confusionJson(cm.labels, cm.matrix);
  for (const [name, p] of [
    ['', pred],
    ['_best_constant_classifier', constant],
  ] as const) {
    out[`recall${name}`] = d((idx) => prf(p, idx, 1).recall);
    out[`precision${name}`] = d((idx) => prf(p, idx, 1).precision);
    out[`accuracy${name}`] = d((idx) => accuracy(pick(yTrue, idx), pick(p, idx)));
  }
  out['true_positive_rate'] = d((idx) => rate(idx, (_, p) => p === 1, (t) => t === 1));
  out['true_negative_rate'] = d((idx) => rate(idx, (_, p) => p === 0, (t) => t === 0));
  out['false_positive_rate'] = d((idx) => rate(idx, (_, p) => p === 1, (t) => t === 0));
  out['false_negative_rate'] = d((idx) => rate(idx, (_, p) => p === 0, (t) => t === 1));
  out['receiver_operating_characteristic_curve'] = rocCurve(yTrue, scores);
  out['precision_recall_curve'] = prCurve(yTrue, scores);
  out['auc'] = d((idx) => rocAuc(pick(yTrue, idx), pick(scores, idx)));
  for (const [name, p] of [
    ['', pred],
    ['_best_constant_classifier', constant],
  ] as const) {
    out[`f0_5${name}`] = d((idx) => prf(p, idx, 0.5).fScore);
    out[`f1${name}`] = d((idx) => prf(p, idx, 1).fScore);
    out[`f2${name}`] = d((idx) => prf(p, idx, 2).fScore);
  }
  return { binary_classification_metrics: out };
}

function sortedByScore(yTrue: ArrayLike<number>, scores: ArrayLike<number>): { tps: number[]; fps: number[] } {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (scores[b] as number) - (scores[a] as number));
  const tps: number[] = [];
  const fps: number[] = [];
  let tp = 0;
  let fp = 0;
  for (let r = 0; r < n; r++) {
    const i = order[r] as number;
    if (yTrue[i] === 1) tp++;
    else fp++;
    const next = order[r + 1];
    if (next === undefined || scores[next] !== scores[i]) {
      tps.push(tp);
      fps.push(fp);
    }
  }
  return { tps, fps };
}

/** ROC points at every distinct score threshold (scikit-learn's `roc_curve` without dropping points). */
export function rocCurve(yTrue: ArrayLike<number>, scores: ArrayLike<number>): { false_positive_rates: number[]; true_positive_rates: number[] } {
  const { tps, fps } = sortedByScore(yTrue, scores);
  const P = tps[tps.length - 1] ?? 0;
  const N = fps[fps.length - 1] ?? 0;
  return { false_positive_rates: [0, ...fps.map((f) => (N ? f / N : 0))], true_positive_rates: [0, ...tps.map((t) => (P ? t / P : 0))] };
}

/** Precision–recall points at every distinct score threshold. */
export function prCurve(yTrue: ArrayLike<number>, scores: ArrayLike<number>): { precisions: number[]; recalls: number[] } {
  const { tps, fps } = sortedByScore(yTrue, scores);
  const P = tps[tps.length - 1] ?? 0;
  return { precisions: tps.map((t, i) => t / (t + (fps[i] as number))), recalls: tps.map((t) => (P ? t / P : 0)) };
}

/** Model Monitor's `multiclass_classification_metrics`: confusion matrix, accuracy and weighted precision/recall/F (+ best constant classifier). */
export function multiclassQuality(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, seed = 0): { multiclass_classification_metrics: Record<string, unknown> } {
  const n = checkLengths('multiclass_classification', yTrue, yPred);
  const counts = new Map<number, number>();
  for (let i = 0; i < n; i++) counts.set(yTrue[i] as number, (counts.get(yTrue[i] as number) ?? 0) + 1);
  const majority = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]![0];
  const constant = new Float64Array(n).fill(majority);
  const cm = confusionMatrix(yTrue, yPred);
  const out: Record<string, unknown> = { confusion_matrix: confusionJson(cm.labels, cm.matrix) };
  const d = (m: Metric): MetricValue => withDeviation(n, m, seed);
  for (const [name, p] of [
    ['', yPred],
    ['_best_constant_classifier', constant],
  ] as const) {
    const w = (idx: Uint32Array, beta: number) => precisionRecallFScore(pick(yTrue, idx), pick(p, idx), { average: 'weighted', beta });
    out[`accuracy${name}`] = d((idx) => accuracy(pick(yTrue, idx), pick(p, idx)));
    out[`weighted_recall${name}`] = d((idx) => w(idx, 1).recall);
    out[`weighted_precision${name}`] = d((idx) => w(idx, 1).precision);
    out[`weighted_f0_5${name}`] = d((idx) => w(idx, 0.5).fScore);
    out[`weighted_f1${name}`] = d((idx) => w(idx, 1).fScore);
    out[`weighted_f2${name}`] = d((idx) => w(idx, 2).fScore);
  }
  return { multiclass_classification_metrics: out };
}
