import type { LabeledData } from '../data/matrix.js';
import { accuracy, precisionRecallFScore, rocAuc } from '../metrics/index.js';
import type { LinearLearnerConfig, SelectionCriterion } from './hyperparameters.js';
import { scalarLoss } from './losses.js';
import type { LinearLearnerModel } from './model.js';

/** A metric as SageMaker names it in `FinalMetricDataList` and tuning objectives. */
export interface MetricValue {
  readonly name: string;
  readonly value: number;
}

/** One channel's metrics, with the log line SageMaker's metric regex reads for each. */
export interface ChannelMetrics {
  readonly objectiveLoss: number;
  /** Metric name without the channel (`binary_f_beta`) → value, and the name printed in the log (`binary_f_1.000`). */
  readonly scores: { readonly name: string; readonly logName: string; readonly value: number; readonly kind: 'score' | 'loss' }[];
}

/**
 * The mean objective loss of the model's raw scores against the labels, in the labels' units;
 * with `weights` (the training weights), the mean of weighted losses, which is what training minimises.
 */
export function objectiveLoss(c: LinearLearnerConfig, raw: Float64Array, y: ArrayLike<number>, weights?: ArrayLike<number>): number {
  const n = y.length;
  let s = 0;
  if (c.predictorType === 'multiclass_classifier') {
    const k = c.numClasses;
    for (let i = 0; i < n; i++) {
      let m = -Infinity;
      for (let q = 0; q < k; q++) m = Math.max(m, raw[i * k + q] as number);
      let z = 0;
      for (let q = 0; q < k; q++) z += Math.exp((raw[i * k + q] as number) - m);
      s += (Math.log(z) + m - (raw[i * k + (y[i] as number)] as number)) * (weights ? (weights[i] as number) : 1);
    }
  } else {
    const loss = scalarLoss(c);
    for (let i = 0; i < n; i++) s += loss.value(raw[i] as number, y[i] as number) * (weights ? (weights[i] as number) : 1);
  }
  return s / n;
}

/** Evaluates the model on one channel: objective loss and the metrics SageMaker reports for the predictor type. */
export function evaluateChannel(c: LinearLearnerConfig, model: LinearLearnerModel, data: LabeledData): ChannelMetrics {
  const raw = model.rawScores(data.x);
  const objective = objectiveLoss(c, raw, data.y);
  const n = data.x.rows;
  const y = data.y;
  const scores: ChannelMetrics['scores'] = [];
  if (c.predictorType === 'binary_classifier') {
    const s = model.toScores(raw, n);
    const pred = new Float64Array(n);
    for (let i = 0; i < n; i++) pred[i] = (s[i] as number) >= model.threshold ? 1 : 0;
    const prf = precisionRecallFScore(y, pred, { beta: c.fBeta });
    scores.push(
      { name: 'binary_classification_accuracy', logName: 'binary_classification_accuracy', value: accuracy(y, pred), kind: 'score' },
      { name: 'binary_f_beta', logName: `binary_f_${c.fBeta.toFixed(3)}`, value: prf.fScore, kind: 'score' },
      { name: 'precision', logName: 'precision', value: prf.precision, kind: 'score' },
      { name: 'recall', logName: 'recall', value: prf.recall, kind: 'score' },
      { name: 'roc_auc_score', logName: 'roc_auc_score', value: rocAuc(y, s), kind: 'score' },
    );
  } else if (c.predictorType === 'multiclass_classifier') {
    const k = c.numClasses;
    const pred = new Float64Array(n);
    let topK = 0;
    let dcg = 0;
    for (let i = 0; i < n; i++) {
      const t = raw[i * k + (y[i] as number)] as number;
      // Rank of the true class: 1 + classes scoring strictly higher (ties favour the true class).
      let rank = 1;
      let best = 0;
      for (let q = 0; q < k; q++) {
        const v = raw[i * k + q] as number;
        if (v > t) rank++;
        if (v > (raw[i * k + best] as number)) best = q;
      }
      pred[i] = best;
      if (rank <= c.accuracyTopK) topK++;
      dcg += 1 / Math.log2(1 + rank);
    }
    const prf = precisionRecallFScore(y, pred, { beta: c.fBeta, average: 'macro' });
    scores.push(
      { name: 'multiclass_accuracy', logName: 'multiclass_accuracy', value: accuracy(y, pred), kind: 'score' },
      { name: 'multiclass_top_k_accuracy', logName: `multiclass_top_k_accuracy_${c.accuracyTopK}`, value: topK / n, kind: 'score' },
      { name: 'dcg', logName: 'dcg', value: dcg / n, kind: 'score' },
      { name: 'macro_f_beta', logName: `macro_f_${c.fBeta.toFixed(3)}`, value: prf.fScore, kind: 'score' },
      { name: 'macro_precision', logName: 'macro_precision', value: prf.precision, kind: 'score' },
      { name: 'macro_recall', logName: 'macro_recall', value: prf.recall, kind: 'score' },
    );
  } else {
    let se = 0;
    let ae = 0;
    for (let i = 0; i < n; i++) {
      const e = (raw[i] as number) - (y[i] as number);
      se += e * e;
      ae += Math.abs(e);
    }
    scores.push(
      { name: 'mse', logName: 'mse', value: se / n, kind: 'loss' },
      { name: 'rmse', logName: 'rmse', value: Math.sqrt(se / n), kind: 'loss' },
      { name: 'absolute_loss', logName: 'absolute_loss', value: ae / n, kind: 'loss' },
    );
  }
  return { objectiveLoss: objective, scores };
}

/**
 * Picks the binary decision threshold on calibration scores as SageMaker's
 * `binary_classifier_model_selection_criteria` asks: the threshold maximising accuracy or F-beta,
 * the best precision with recall ≥ `target_recall`, or the best recall with precision ≥
 * `target_precision`. `loss_function` and `cross_entropy_loss` keep the natural threshold (0.5 for
 * probabilities, 0 for hinge margins). Returns the chosen threshold and the criterion's value there.
 */
export function chooseThreshold(c: LinearLearnerConfig, scores: Float64Array, y: ArrayLike<number>, natural: number): { threshold: number; value: number } {
  const crit: SelectionCriterion = c.selectionCriterion;
  const n = y.length;
  let pos = 0;
  for (let i = 0; i < n; i++) pos += y[i] as number;
  if (crit === 'loss_function' || crit === 'cross_entropy_loss' || pos === 0 || pos === n) {
    return { threshold: natural, value: Number.NaN };
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (scores[b] as number) - (scores[a] as number));
  const b2 = c.fBeta * c.fBeta;
  let tp = 0;
  let fp = 0;
  let best = -Infinity;
  let bestT = natural;
  for (let k = 0; k < n; ) {
    const t = scores[order[k] as number] as number;
    while (k < n && scores[order[k] as number] === t) {
      if (y[order[k] as number] === 1) tp++;
      else fp++;
      k++;
    }
    const precision = tp / (tp + fp);
    const recall = tp / pos;
    let v: number;
    switch (crit) {
      case 'accuracy': v = (tp + (n - pos - fp)) / n; break;
      case 'f_beta': v = precision + recall === 0 ? 0 : ((1 + b2) * precision * recall) / (b2 * precision + recall); break;
      case 'precision_at_target_recall': v = recall >= c.targetRecall ? precision : -Infinity; break;
      default: v = precision >= c.targetPrecision ? recall : -Infinity; break;
    }
    if (v > best) {
      best = v;
      bestT = t;
    }
  }
  return best === -Infinity ? { threshold: natural, value: 0 } : { threshold: bestT, value: best };
}
