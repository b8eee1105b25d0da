import { MlInputError } from '../errors.js';
import type { DenseMatrix } from '../data/matrix.js';
import type { LossName, PredictorType } from './hyperparameters.js';
import { sigmoid } from './losses.js';

/** One prediction in the shape SageMaker's Linear Learner returns (`{"predictions": [...]}` entries). */
export type LinearLearnerPrediction =
  | { readonly score: number; readonly predicted_label: number } // binary: P(y = 1) for logistic, the margin for hinge
  | { readonly score: number[]; readonly predicted_label: number } // multiclass: class probabilities
  | { readonly score: number }; // regressor

/** The versioned JSON form of a trained model. */
export interface LinearLearnerModelJson {
  readonly format: 'loam.linear-learner';
  readonly version: 1;
  readonly predictorType: PredictorType;
  readonly loss: LossName;
  readonly featureDim: number;
  readonly outputs: number;
  /** Row-major `outputs × featureDim`, on raw (unnormalised) features. */
  readonly weights: number[];
  readonly bias: number[];
  /** Binary classifiers: the score at or above which `predicted_label` is 1. */
  readonly threshold: number;
}

/**
 * A trained linear model on raw features: normalisation learnt in training is folded into the
 * weights, so predicting needs no scaler.
 */
export class LinearLearnerModel {
  constructor(
    readonly predictorType: PredictorType,
    readonly loss: LossName,
    readonly featureDim: number,
    readonly outputs: number,
    readonly weights: Float64Array,
    readonly bias: Float64Array,
    readonly threshold: number,
  ) {}

  /** Raw scores (logits, margins or regression values), row-major `rows × outputs`. */
  rawScores(x: DenseMatrix): Float64Array {
    this.checkWidth(x.cols);
    const n = x.rows;
    const k = this.outputs;
    const d = this.featureDim;
    const out = new Float64Array(n * k);
    const col = new Float64Array(n);
    for (let c = 0; c < k; c++) {
      col.fill(this.bias[c] as number);
      for (let j = 0; j < d; j++) {
        const w = this.weights[c * d + j] as number;
        if (w === 0) continue;
        const off = j * n;
        for (let i = 0; i < n; i++) col[i] = (col[i] as number) + w * (x.data[off + i] as number);
      }
      for (let i = 0; i < n; i++) out[i * k + c] = col[i] as number;
    }
    return out;
  }

  /**
   * The score SageMaker reports: P(y = 1) (logistic), the margin (hinge), softmax probabilities
   * (row-major `rows × classes`), or the regression value.
   */
  scores(x: DenseMatrix): Float64Array {
    return this.toScores(this.rawScores(x), x.rows);
  }

  /** Converts raw scores (from {@link rawScores}) into reported scores, in place. */
  toScores(raw: Float64Array, n: number): Float64Array {
    if (this.predictorType === 'binary_classifier' && this.loss === 'logistic') {
      for (let i = 0; i < n; i++) raw[i] = sigmoid(raw[i] as number);
    } else if (this.predictorType === 'multiclass_classifier') {
      const k = this.outputs;
      for (let i = 0; i < n; i++) softmaxInPlace(raw, i * k, k);
    }
    return raw;
  }

  /** Predictions for every row, in SageMaker's response shape. */
  predict(x: DenseMatrix): LinearLearnerPrediction[] {
    const s = this.scores(x);
    const out: LinearLearnerPrediction[] = new Array(x.rows);
    const k = this.outputs;
    for (let i = 0; i < x.rows; i++) {
      if (this.predictorType === 'binary_classifier') {
        const v = s[i] as number;
        out[i] = { score: v, predicted_label: v >= this.threshold ? 1 : 0 };
      } else if (this.predictorType === 'multiclass_classifier') {
        const p = Array.from(s.subarray(i * k, i * k + k));
        out[i] = { score: p, predicted_label: argmax(p) };
      } else {
        out[i] = { score: s[i] as number };
      }
    }
    return out;
  }

  /** One row's prediction (the single-record path of a real-time endpoint), without building a matrix. */
  predictRow(row: ArrayLike<number>): LinearLearnerPrediction {
    this.checkWidth(row.length);
    const k = this.outputs;
    const d = this.featureDim;
    const raw = new Float64Array(k);
    for (let c = 0; c < k; c++) {
      let s = this.bias[c] as number;
      for (let j = 0; j < d; j++) s += (this.weights[c * d + j] as number) * (row[j] as number);
      raw[c] = s;
    }
    const s = this.toScores(raw, 1);
    if (this.predictorType === 'binary_classifier') return { score: s[0] as number, predicted_label: (s[0] as number) >= this.threshold ? 1 : 0 };
    if (this.predictorType === 'multiclass_classifier') {
      const p = Array.from(s);
      return { score: p, predicted_label: argmax(p) };
    }
    return { score: s[0] as number };
  }

  private checkWidth(cols: number): void {
    if (cols !== this.featureDim) {
      throw new MlInputError(`Linear Learner model expects ${this.featureDim} features per row; got ${cols}.`, { column: cols });
    }
  }

  toJSON(): LinearLearnerModelJson {
    return {
      format: 'loam.linear-learner',
      version: 1,
      predictorType: this.predictorType,
      loss: this.loss,
      featureDim: this.featureDim,
      outputs: this.outputs,
      weights: Array.from(this.weights),
      bias: Array.from(this.bias),
      threshold: this.threshold,
    };
  }

  /** Restores a model from {@link toJSON}'s output (or its `JSON.parse`d text). */
  static fromJSON(json: unknown): LinearLearnerModel {
    const j = json as Partial<LinearLearnerModelJson>;
    if (j?.format !== 'loam.linear-learner') throw new MlInputError(`Not a Loam Linear Learner model (format '${String(j?.format)}').`, { field: 'format' });
    if (j.version !== 1) throw new MlInputError(`Unsupported Linear Learner model version ${String(j.version)}; this build reads version 1.`, { field: 'version' });
    if (!['binary_classifier', 'multiclass_classifier', 'regressor'].includes(String(j.predictorType)) || typeof j.loss !== 'string') {
      throw new MlInputError(`Linear Learner model has predictorType '${String(j.predictorType)}' and loss '${String(j.loss)}'.`, { field: 'predictorType' });
    }
    const d = j.featureDim ?? 0;
    const k = j.outputs ?? 0;
    if (!Array.isArray(j.weights) || j.weights.length !== d * k || !Array.isArray(j.bias) || j.bias.length !== k) {
      throw new MlInputError(`Linear Learner model has ${j.weights?.length} weights and ${j.bias?.length} biases; expected ${d * k} and ${k}.`, { field: 'weights' });
    }
    return new LinearLearnerModel(j.predictorType!, j.loss!, d, k, Float64Array.from(j.weights), Float64Array.from(j.bias), j.threshold ?? 0.5);
  }
}

export function softmaxInPlace(a: Float64Array, off: number, k: number): void {
  let m = -Infinity;
  for (let c = 0; c < k; c++) m = Math.max(m, a[off + c] as number);
  let s = 0;
  for (let c = 0; c < k; c++) {
    const e = Math.exp((a[off + c] as number) - m);
    a[off + c] = e;
    s += e;
  }
  for (let c = 0; c < k; c++) a[off + c] = (a[off + c] as number) / s;
}

function argmax(p: readonly number[]): number {
  let b = 0;
  for (let c = 1; c < p.length; c++) if ((p[c] as number) > (p[b] as number)) b = c;
  return b;
}
