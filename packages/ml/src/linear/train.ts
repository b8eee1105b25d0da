import type { LabeledData } from '../data/matrix.js';
import { Rng } from '../data/random.js';
import { chooseThreshold, evaluateChannel, objectiveLoss, type MetricValue } from './evaluate.js';
import { parseLinearLearnerHyperparameters, type LinearLearnerConfig } from './hyperparameters.js';
import { OBJECTIVE_NAME, scalarLoss, type ScalarLoss } from './losses.js';
import { LinearLearnerModel } from './model.js';
import { Optimizer } from './optimizer.js';
import { fitScaling, type Scaling } from './scaler.js';
import { checkChannels } from './validate.js';

/** The data channels of a training job: `train` is required; `validation` drives early stopping, model selection and threshold calibration. */
export interface LinearLearnerChannels {
  readonly train: LabeledData;
  readonly validation?: LabeledData | undefined;
  readonly test?: LabeledData | undefined;
}

/** Options outside SageMaker's hyperparameters. */
export interface TrainOptions {
  /** Seed for initialisation, the scaler sample and shuffling (default 0): equal seeds give equal models. */
  readonly seed?: number;
  /** Receives each log line (SageMaker's `#quality_metric: …` format, without the timestamp prefix). */
  readonly log?: (line: string) => void;
  /** The host name printed in metric lines (default `algo-1`). */
  readonly host?: string;
}

/** What training returns. */
export interface LinearLearnerResult {
  readonly model: LinearLearnerModel;
  /** Final metrics under SageMaker's names (`validation:binary_f_beta`, `train:objective_loss`, …). */
  readonly metrics: MetricValue[];
  readonly config: LinearLearnerConfig;
  readonly epochsRun: number;
}

/**
 * Trains SageMaker's Linear Learner: a linear model fitted by mini-batch SGD / Adam / RMSProp on
 * normalised features, with L1/L2 regularisation, a learning-rate schedule, early stopping on the
 * validation channel and, for binary classifiers, a decision threshold calibrated by
 * `binary_classifier_model_selection_criteria`.
 * @throws MlInputError for invalid hyperparameters, mismatched widths, missing feature values or labels outside the predictor type's range.
 */
export function trainLinearLearner(hyperparameters: Readonly<Record<string, string>>, channels: LinearLearnerChannels, opts: TrainOptions = {}): LinearLearnerResult {
  const c = parseLinearLearnerHyperparameters(hyperparameters);
  checkChannels(c, channels);
  const log = opts.log ?? (() => {});
  const host = opts.host ?? 'algo-1';
  if (typeof c.numModels === 'number' && c.numModels > 1) {
    log(`num_models=${c.numModels}: Loam's Linear Learner trains one model with the given hyperparameters, not ${c.numModels} in parallel (to compare settings, run a tuning job).`);
  }
  const rng = new Rng(opts.seed ?? 0);
  const { train, validation } = channels;
  const n = train.x.rows;
  const d = train.x.cols;
  const k = c.predictorType === 'multiclass_classifier' ? c.numClasses : 1;
  const scaling = fitScaling(train.x, train.y, {
    unbiasData: c.unbiasData, normalizeData: c.normalizeData, unbiasLabel: c.unbiasLabel, normalizeLabel: c.normalizeLabel,
    sampleSize: c.numPointForScaler, rng,
  });

  // Row-major, normalised, shuffled once: each mini-batch is then a contiguous block of memory.
  const perm = rng.permutation(n);
  const X = new Float32Array(n * d);
  const Y = new Float64Array(n);
  const W = exampleWeights(c, train);
  const SW = new Float64Array(n);
  for (let j = 0; j < d; j++) {
    const src = j * n;
    const mu = scaling.mean[j] as number;
    const inv = 1 / (scaling.scale[j] as number);
    for (let r = 0; r < n; r++) X[r * d + j] = ((train.x.data[src + (perm[r] as number)] as number) - mu) * inv;
  }
  for (let r = 0; r < n; r++) {
    const i = perm[r] as number;
    Y[r] = c.predictorType === 'regressor' ? ((train.y[i] as number) - scaling.labelMean) / scaling.labelScale : (train.y[i] as number);
    SW[r] = W[i] as number;
  }

  const P = k * d + k; // weights (row-major k × d) then biases
  const params = new Float64Array(P);
  for (let q = 0; q < k * d; q++) params[q] = c.initMethod === 'uniform' ? (2 * rng.next() - 1) * c.initScale : rng.normal() * c.initSigma;
  for (let q = 0; q < k; q++) params[k * d + q] = c.useBias ? c.initBias : 0;
  const lrScale = new Float64Array(P).fill(1);
  for (let q = 0; q < k; q++) lrScale[k * d + q] = c.useBias ? c.biasLrMult : 0;
  const wdOf = new Float64Array(P).fill(c.wd);
  for (let q = 0; q < k; q++) wdOf[k * d + q] = c.wd * c.biasWdMult;
  const opt = new Optimizer(c.optimizer, P, c.beta1, c.beta2, c.momentum);
  // Loss parameters in label units become normalised-label units while training.
  const loss = k === 1 ? scalarLoss({ ...c, huberDelta: c.huberDelta / scaling.labelScale, lossInsensitivity: c.lossInsensitivity / scaling.labelScale }) : undefined;

  const batch = Math.min(c.miniBatchSize, n);
  const batches = Math.ceil(n / batch);
  const schedStep = c.lrSchedulerStep === 'auto' ? batches : c.lrSchedulerStep;
  let lr = c.learningRate;
  let steps = 0;
  const grad = new Float64Array(P);
  const s = new Float64Array(k);
  const objName = `${OBJECTIVE_NAME[c.loss]}_objective`;
  const tracked = validation ?? train;
  const useCriterion = c.predictorType === 'binary_classifier' && c.selectionCriterion !== 'loss_function' && c.selectionCriterion !== 'cross_entropy_loss';
  let best: { model: LinearLearnerModel; value: number } | undefined;
  let bestCounted = Number.NaN;
  let wait = 0;
  let epoch = 0;
  for (; epoch < c.epochs; epoch++) {
    const t0 = performance.now();
    const order = rng.permutation(batches);
    for (let bi = 0; bi < batches; bi++) {
      const start = (order[bi] as number) * batch;
      const end = Math.min(n, start + batch);
      grad.fill(0);
      if (loss) {
        singleOutputBatch(params, grad, X, Y, SW, d, start, end, loss);
      } else for (let r = start; r < end; r++) {
        const off = r * d;
        for (let q = 0; q < k; q++) {
          let v = params[k * d + q] as number;
          const wo = q * d;
          for (let j = 0; j < d; j++) v += (params[wo + j] as number) * (X[off + j] as number);
          s[q] = v;
        }
        softmaxGrad(s, k, Y[r] as number, SW[r] as number);
        for (let q = 0; q < k; q++) {
          const g = s[q] as number;
          if (g === 0) continue;
          const wo = q * d;
          for (let j = 0; j < d; j++) grad[wo + j] = (grad[wo + j] as number) + g * (X[off + j] as number);
          grad[k * d + q] = (grad[k * d + q] as number) + g;
        }
      }
      const inv = 1 / (end - start);
      for (let q = 0; q < P; q++) {
        const p = params[q] as number;
        grad[q] = (grad[q] as number) * inv + (wdOf[q] as number) * p + (q < k * d && c.l1 > 0 ? c.l1 * Math.sign(p) : 0);
      }
      if (c.l1 > 0) {
        const before = params.slice(0, k * d);
        opt.step(params, grad, lr, lrScale);
        // Truncate weights that the L1 pull moved across zero: L1's sparsity, without oscillation.
        for (let q = 0; q < k * d; q++) if ((before[q] as number) !== 0 && Math.sign(before[q] as number) !== Math.sign(params[q] as number)) params[q] = 0;
      } else {
        opt.step(params, grad, lr, lrScale);
      }
      steps++;
      if (c.useLrScheduler && steps % schedStep === 0) lr = Math.max(c.lrSchedulerMinimumLr, lr * c.lrSchedulerFactor);
    }
    const seconds = (performance.now() - t0) / 1000;

    let model = fold(c, params, d, k, scaling);
    const trainLoss = objectiveLoss(c, model.rawScores(train.x), train.y, W);
    log(`#quality_metric: host=${host}, epoch=${epoch}, train ${objName} <loss>=${trainLoss}`);
    let value = trainLoss;
    let criteria = objName;
    if (validation) {
      const raw = model.rawScores(validation.x);
      value = objectiveLoss(c, raw, validation.y);
      log(`#quality_metric: host=${host}, epoch=${epoch}, validation ${objName} <loss>=${value}`);
      if (useCriterion) {
        const chosen = chooseThreshold(c, model.toScores(raw, validation.x.rows), validation.y, naturalThreshold(c));
        model = fold(c, params, d, k, scaling, chosen.threshold);
        value = chosen.value;
        criteria = c.selectionCriterion;
      }
    }
    log(`#early_stopping_criteria_metric: host=${host}, epoch=${epoch}, criteria=${criteria}, value=${value}`);
    log(`#throughput_metric: host=${host}, train throughput=${Math.round(n / Math.max(seconds, 1e-9))} records/second`);
    log(`#progress_metric: host=${host}, completed ${Math.round((100 * (epoch + 1)) / c.epochs)} % of epochs`);
    const higher = useCriterion && validation !== undefined;
    if (!best || (higher ? value > best.value : value < best.value)) best = { model, value };
    const gain = Number.isNaN(bestCounted) ? Infinity : (higher ? value - bestCounted : bestCounted - value) / Math.max(Math.abs(bestCounted), 1e-12);
    if (gain > c.earlyStoppingTolerance) {
      bestCounted = value;
      wait = 0;
    } else if (++wait >= c.earlyStoppingPatience) {
      log(`Epoch ${epoch}: Loss has not improved for ${wait} epochs. Early stop condition met. Stopping training.`);
      epoch++;
      break;
    }
  }

  const model = finalModel(c, best!.model, tracked);
  const metrics = reportMetrics(c, model, channels, objName, host, log);
  return { model, metrics, config: c, epochsRun: epoch };
}

function finalModel(c: LinearLearnerConfig, m: LinearLearnerModel, calibration: LabeledData): LinearLearnerModel {
  if (c.predictorType !== 'binary_classifier') return m;
  const limit = c.numCalibrationSamples === 'auto' ? calibration.x.rows : Math.min(c.numCalibrationSamples, calibration.x.rows);
  const s = m.scores(calibration.x).subarray(0, limit);
  const { threshold } = chooseThreshold(c, s, calibration.y.subarray(0, limit), naturalThreshold(c));
  return new LinearLearnerModel(m.predictorType, m.loss, m.featureDim, m.outputs, m.weights, m.bias, threshold);
}

function reportMetrics(
  c: LinearLearnerConfig, model: LinearLearnerModel, channels: LinearLearnerChannels, objName: string, host: string, log: (l: string) => void,
): MetricValue[] {
  const out: MetricValue[] = [];
  for (const [name, data] of [['train', channels.train], ['validation', channels.validation], ['test', channels.test]] as const) {
    if (!data) continue;
    const m = evaluateChannel(c, model, data);
    log(`#quality_metric: host=${host}, ${name} ${objName} <loss>=${m.objectiveLoss}`);
    out.push({ name: `${name}:objective_loss`, value: m.objectiveLoss });
    for (const s of m.scores) {
      log(`#quality_metric: host=${host}, ${name} ${s.logName} <${s.kind}>=${s.value}`);
      out.push({ name: `${name}:${s.name}`, value: s.value });
    }
  }
  return out;
}

/** Undoes the normalisation: weights and bias on raw features and raw label units. */
function fold(c: LinearLearnerConfig, params: Float64Array, d: number, k: number, sc: Scaling, threshold = naturalThreshold(c)): LinearLearnerModel {
  const w = new Float64Array(k * d);
  const b = new Float64Array(k);
  for (let q = 0; q < k; q++) {
    let bias = params[k * d + q] as number;
    for (let j = 0; j < d; j++) {
      const wn = params[q * d + j] as number;
      w[q * d + j] = (wn / (sc.scale[j] as number)) * sc.labelScale;
      bias -= (wn * (sc.mean[j] as number)) / (sc.scale[j] as number);
    }
    b[q] = bias * sc.labelScale + sc.labelMean;
  }
  return new LinearLearnerModel(c.predictorType, c.loss, d, k, w, b, threshold);
}

/**
 * The mini-batch gradient of a single-output model (binary, regression): the hot loop, kept free of
 * the per-output indexing the softmax path needs. Rows are contiguous in `X` (row-major, width `d`).
 */
function singleOutputBatch(
  params: Float64Array, grad: Float64Array, X: Float32Array, Y: Float64Array, SW: Float64Array,
  d: number, start: number, end: number, loss: ScalarLoss,
): void {
  const b = params[d] as number;
  let gb = 0;
  for (let r = start; r < end; r++) {
    const off = r * d;
    let v0 = b;
    let v1 = 0;
    let j = 0;
    for (; j + 1 < d; j += 2) {
      v0 += (params[j] as number) * (X[off + j] as number);
      v1 += (params[j + 1] as number) * (X[off + j + 1] as number);
    }
    if (j < d) v0 += (params[j] as number) * (X[off + j] as number);
    const g = loss.grad(v0 + v1, Y[r] as number) * (SW[r] as number);
    if (g === 0) continue;
    gb += g;
    for (let q = 0; q < d; q++) grad[q] = (grad[q] as number) + g * (X[off + q] as number);
  }
  grad[d] = (grad[d] as number) + gb;
}

function naturalThreshold(c: LinearLearnerConfig): number {
  return c.loss === 'logistic' ? 0.5 : 0;
}

function softmaxGrad(s: Float64Array, k: number, y: number, w: number): void {
  let m = -Infinity;
  for (let q = 0; q < k; q++) m = Math.max(m, s[q] as number);
  let z = 0;
  for (let q = 0; q < k; q++) {
    const e = Math.exp((s[q] as number) - m);
    s[q] = e;
    z += e;
  }
  for (let q = 0; q < k; q++) s[q] = ((s[q] as number) / z - (q === y ? 1 : 0)) * w;
}

/** Per-example training weights: the data's own, times `positive_example_weight_mult` or class balancing. */
function exampleWeights(c: LinearLearnerConfig, data: LabeledData): Float64Array {
  const n = data.y.length;
  const w = data.weights ? Float64Array.from(data.weights) : new Float64Array(n).fill(1);
  if (c.predictorType === 'binary_classifier') {
    let pos = 0;
    for (let i = 0; i < n; i++) pos += data.y[i] as number;
    const p = c.positiveExampleWeightMult;
    // 'auto' would search for the best weight; one model is trained, so it balances like 'balanced'.
    const mult = typeof p === 'number' ? p : pos > 0 ? (n - pos) / pos : 1;
    if (mult !== 1) for (let i = 0; i < n; i++) if (data.y[i] === 1) w[i] = (w[i] as number) * mult;
  } else if (c.predictorType === 'multiclass_classifier' && c.balanceMulticlassWeights) {
    const counts = new Float64Array(c.numClasses);
    for (let i = 0; i < n; i++) counts[data.y[i] as number] = (counts[data.y[i] as number] as number) + 1;
    for (let i = 0; i < n; i++) w[i] = (w[i] as number) * (n / (c.numClasses * (counts[data.y[i] as number] as number)));
  }
  return w;
}
