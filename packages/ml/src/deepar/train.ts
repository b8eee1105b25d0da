import { MlInputError } from '../errors.js';
import { WeightAverage, emaDecay } from './averaging.js';
import { readChannel, resolveShape, type ChannelInput } from './channels.js';
import { seriesTimeFeatures, windowScale, writeStepInput, type FeatureLayout, type ScalingMode } from './features.js';
import { summarizeSamples, sampleForecast } from './forecast.js';
import { parseHyperparameters, type DeepArHyperparameters } from './hyperparameters.js';
import type { Likelihood } from './likelihood.js';
import { forecastMetrics, formatTestScores, type ForecastEvaluation, type Metric } from './metrics.js';
import { modelShape, scalingMode, type DeepArModel } from './model.js';
import { initParams, type NetworkSpec, type ParamLayout } from './network.js';
import { Adam } from './optimizer.js';
import type { Series } from './records.js';
import { Rng } from './rng.js';
import { sequenceLoss, type SequenceBatch } from './sequence-loss.js';

/** Options of a training run that are not SageMaker hyperparameters. */
export interface TrainOptions {
  /** Fixes weight initialisation, window sampling, zoneout and evaluation draws (default 0). */
  readonly seed?: number;
  /** The optional `test` channel; when given, test metrics are computed on its last prediction_length points. */
  readonly test?: ChannelInput;
  /** Receives SageMaker-style log lines (`#quality_metric: …`, `#test_score (algo-1, RMSE): …`). */
  readonly log?: (line: string) => void;
  /** The host named in those lines (the training job's `current_host`; default `algo-1`). */
  readonly host?: string;
  /**
   * Batches per epoch. Default: one pass over the training windows (⌈windows / mini_batch_size⌉, SageMaker's
   * `epochs` is the number of passes), capped at 50 batches as GluonTS's `num_batches_per_epoch`.
   */
  readonly numBatchesPerEpoch?: number;
  readonly signal?: AbortSignal;
  /**
   * Called after every epoch with its weights (live: copy them to keep; the moving average with `_averaging=ema`)
   * and its watched loss; for diagnostics.
   * With `_validation=tail-refit` it is called for both runs, epochs counted from 0 in each.
   */
  readonly onEpoch?: (epoch: number, params: Float64Array, watched: number) => void;
}

/** What a training run produces. */
export interface TrainResult {
  readonly model: DeepArModel;
  /** `train:final_loss`, and the `test:*` metrics when a test channel was given. */
  readonly metrics: Metric[];
  readonly epochsRun: number;
}

const CLIP_NORM = 10;
const LR_PATIENCE = 10;
const LR_FACTOR = 0.5;
const MIN_LR = 5e-5;

/**
 * Trains DeepAR on the `train` channel with SageMaker's hyperparameters, keeping the weights of the
 * epoch with the lowest loss (early stopping after `early_stopping_patience` epochs without
 * improvement; the learning rate halves after 10 such epochs, as GluonTS does). The loss watched is the
 * training loss (SageMaker's behaviour), or with the Loam extension `_validation=tail` the loss on each
 * train series' last prediction_length points, held out of training (`tail-forecast` keeps instead the
 * epoch whose forecast of those points scores best; `tail-refit` trains again on the whole series for
 * the number of epochs `tail` chose). With `_averaging=ema` the epochs are scored on, and the model keeps, an
 * exponential moving average of the weights instead of the weights of the last step.
 *
 * @throws MlInputError naming a hyperparameter or a record.
 */
export function trainDeepAr(hyperparameters: Readonly<Record<string, string>>, train: ChannelInput, options: TrainOptions = {}): TrainResult {
  const hp = parseHyperparameters(hyperparameters);
  const shape = resolveShape(hp, train, options.test);
  const trainSeries = readChannel(train, 'train', hp, shape);
  const testSeries = options.test ? readChannel(options.test, 'test', hp, shape) : undefined;
  const seed = options.seed ?? 0;
  const log = options.log ?? (() => undefined);
  const host = options.host ?? 'algo-1';
  const { features, spec, layout, likelihood } = modelShape(hp, shape.cardinality, shape.numDynamicFeat);
  const modelOf = (params: Float64Array): DeepArModel => ({
    rawHyperparameters: { ...hyperparameters }, hyperparameters: hp, cardinality: shape.cardinality,
    numDynamicFeat: shape.numDynamicFeat, features, spec, layout, likelihood, params, seed,
  });
  const run = { hp, spec, layout, features, likelihood, mode: scalingMode({ hyperparameters: hp, likelihood }), seed, log, host, options, modelOf };

  let fit: Fit;
  if (hp.validation === 'none') {
    fit = fitEpochs(run, trainSeries, hp.epochs, undefined, 'best');
  } else {
    const P = hp.predictionLength;
    const k = hp.validationWindows;
    const held = trainSeries.map((s) => ({ ...s, target: s.target.subarray(0, Math.max(0, s.target.length - k * P)) }));
    const valSeries = validationOrigins(trainSeries, k, P, hp.contextLength);
    log(k === 1
      ? `Validation: the last ${P} points of each of ${trainSeries.length} train series are held out to choose the epoch.`
      : `Validation: the last ${k} × ${P} points of each of ${trainSeries.length} train series are held out to choose the epoch (${valSeries.length} forecast origins).`);
    let keepBy: Validation['keepBy'] = hp.validation === 'tail-forecast' ? 'forecast' : 'loss';
    if (keepBy === 'forecast' && !valSeries.some((s) => s.target.subarray(s.target.length - P).some((y) => !Number.isNaN(y) && y !== 0))) {
      // The weighted quantile loss divides by Σ|y| over the tails: with nothing there, the loss decides.
      log('Validation: the held-out points are all missing or zero, so the validation loss chooses the epoch instead of the forecast.');
      keepBy = 'loss';
    }
    fit = fitEpochs(run, held, hp.epochs, { series: valSeries, keepBy }, 'best');
    if (keepBy === 'forecast') log(`Kept epoch ${fit.bestEpoch}: validation mean_wQuantileLoss ${fit.bestScore}`);
    if (hp.validation === 'tail-refit') {
      const epochs = fit.bestEpoch + 1;
      log(`Refitting on the whole train series for ${epochs} epochs (the best validation epoch).`);
      const refit = fitEpochs(run, trainSeries, epochs, undefined, 'last');
      fit = { ...refit, epochsRun: fit.epochsRun + refit.epochsRun };
    }
  }
  log(`Final loss: ${fit.best} (occurred at epoch ${fit.bestEpoch})`);
  log(`#quality_metric: host=${host}, train final_loss <loss>=${fit.best}`);

  const model = modelOf(fit.params);
  const metrics: Metric[] = [{ name: 'train:final_loss', value: fit.best }];
  if (testSeries) {
    log(`Evaluating model accuracy on testset using ${hp.numEvalSamples} samples`);
    const test = evaluateOnTest(model, testSeries, new Rng(seed + 1));
    for (const line of formatTestScores(test, host)) log(line);
    metrics.push(...test);
  }
  return { model, metrics, epochsRun: fit.epochsRun };
}

/**
 * The validation series of `_validation_windows = k`: each train series cut after each of its last k
 * prediction_length windows (oldest first), so each cut's last P points are one held-out window and the
 * points before them its context. Cuts shorter than context_length + prediction_length are left out, as a
 * teacher-forced window cannot start before the series; with k = 1 every train series is its own cut.
 */
function validationOrigins(series: readonly Series[], k: number, P: number, C: number): Series[] {
  if (k === 1) return [...series];
  const out: Series[] = [];
  for (const s of series) {
    for (let j = k - 1; j >= 0; j--) {
      const end = s.target.length - j * P;
      if (end >= C + P) out.push({ ...s, target: s.target.subarray(0, end) });
    }
  }
  return out;
}

interface RunContext {
  readonly hp: DeepArHyperparameters;
  readonly spec: NetworkSpec;
  readonly layout: ParamLayout;
  readonly features: FeatureLayout;
  readonly likelihood: Likelihood;
  readonly mode: ScalingMode;
  readonly seed: number;
  readonly log: (line: string) => void;
  /** The host named in the metric lines. */
  readonly host: string;
  readonly options: TrainOptions;
  /** The model these weights make, for forecasting during training. */
  readonly modelOf: (params: Float64Array) => DeepArModel;
}

/**
 * Validation series (each one's last prediction_length points held out of training) and what decides
 * the kept epoch: their teacher-forced loss, or the mean weighted quantile loss of their forecast.
 */
interface Validation {
  readonly series: readonly Series[];
  readonly keepBy: 'loss' | 'forecast';
}

interface Fit {
  readonly params: Float64Array;
  /** The watched loss of the kept epoch (the training loss, or the validation loss with a validation set); with `keep: 'last'`, the last epoch's. */
  readonly best: number;
  /** What chose the kept epoch: `best`, or the forecast's mean weighted quantile loss with `keepBy: 'forecast'`. */
  readonly bestScore: number;
  readonly bestEpoch: number;
  readonly epochsRun: number;
}

/**
 * One training run from freshly initialised weights (seeded by the run's seed): up to `epochs` epochs
 * over windows of `series`. With `validation`, each epoch ends with the loss on the last
 * prediction_length points of each validation series (teacher-forced, as training; no zoneout), and
 * that loss drives the learning-rate schedule; it also drives early stopping and the kept epoch, unless
 * `keepBy: 'forecast'`, where the forecast of those points (num_eval_samples sample paths from a stream
 * seeded the same every epoch — the very same draws for gaussian and deterministic-L1; the other
 * likelihoods' rejection samplers may use more or fewer numbers as the weights change) and its mean
 * weighted quantile loss over test_quantiles do; an epoch whose forecast scores no finite number is not kept. With
 * `_averaging=ema` the validation loss, the forecast and the kept weights are those of the weights' moving average
 * (updated after every step); the training loss stays that of the weights being trained. `keep: 'last'` runs all `epochs` (no early stopping) and returns the final
 * weights and loss instead of the best epoch's.
 */
function fitEpochs(run: RunContext, series: readonly Series[], epochs: number, validation: Validation | undefined, keep: 'best' | 'last'): Fit {
  const { hp, spec, layout, features: fl, likelihood: lik, mode, log, host, options } = run;
  const rng = new Rng(run.seed);
  const params = initParams(spec, layout, rng);
  const C = hp.contextLength;
  const T = C + hp.predictionLength;
  const B = hp.miniBatchSize;
  const timeFeats = series.map((s) => seriesTimeFeatures(hp.timeFreq, s.startMs, s.target.length));
  const counts = series.map((s) => Math.max(0, s.target.length - T + 1));
  const cumulative: number[] = [];
  counts.reduce((acc, c) => (cumulative.push(acc + c), acc + c), 0);
  const totalWindows = cumulative[cumulative.length - 1] as number;
  if (totalWindows === 0) {
    throw new MlInputError(
      hp.validationWindows === 1
        ? `Hyperparameter '_validation': holding out the last ${hp.predictionLength} points leaves no train series with context_length + prediction_length (${T}) points.`
        : `Hyperparameters '_validation' and '_validation_windows': holding out the last ${hp.validationWindows} × ${hp.predictionLength} points leaves no train series with context_length + prediction_length (${T}) points.`,
      { hyperparameter: hp.validationWindows === 1 ? '_validation' : '_validation_windows' },
    );
  }
  const batchesPerEpoch = options.numBatchesPerEpoch ?? Math.max(1, Math.min(50, Math.ceil(totalWindows / B)));
  log(`Training set: ${series.length} time series, ${totalWindows} windows of ${T} steps; ${batchesPerEpoch} batches per epoch.`);

  const D = fl.inputDim;
  const nCat = spec.cardinality.length;
  const batch: SequenceBatch = {
    B, T,
    x: new Float64Array(T * B * D), cats: new Int32Array(B * nCat), y: new Float64Array(T * B),
    lossMask: new Uint8Array(T * B), loc: new Float64Array(B), scale: new Float64Array(B),
  };
  /** Writes window [s, s + T) of `ser` into slot b; the loss counts steps from `countFrom` on. */
  const writeWindow = (b: number, ser: Series, timeFeat: Float64Array, s: number, countFrom: number): void => {
    const { loc, scale } = windowScale(ser.target, s, s + C, mode);
    batch.loc[b] = loc;
    batch.scale[b] = scale;
    for (let j = 0; j < nCat; j++) batch.cats[b * nCat + j] = ser.cat[j] as number;
    for (let t = 0; t < T; t++) {
      const pos = s + t;
      writeStepInput(fl, { values: ser.target, base: 0 }, pos, loc, scale, timeFeat, ser.dynamicFeat, batch.x, (t * B + b) * D);
      const y = ser.target[pos] as number;
      batch.y[t * B + b] = y;
      batch.lossMask[t * B + b] = t < countFrom || Number.isNaN(y) ? 0 : 1;
    }
  };
  const fillBatch = (): void => {
    for (let b = 0; b < B; b++) {
      const r = rng.int(totalWindows);
      let i = 0;
      while ((cumulative[i] as number) <= r) i++;
      const s = r - (i > 0 ? (cumulative[i - 1] as number) : 0);
      writeWindow(b, series[i] as Series, timeFeats[i] as Float64Array, s, 0);
    }
  };
  const valFeats = validation?.series.map((s) => seriesTimeFeatures(hp.timeFreq, s.startMs, s.target.length));
  /** Mean negative log-likelihood of the validation tails under weights `w`, in batches of the training shape. */
  const validationLoss = (w: Float64Array, v: readonly Series[], feats: readonly Float64Array[]): number => {
    let total = 0;
    let count = 0;
    for (let from = 0; from < v.length; from += B) {
      for (let b = 0; b < B; b++) {
        const ser = v[from + b];
        if (ser) {
          writeWindow(b, ser, feats[from + b] as Float64Array, ser.target.length - T, C);
        } else {
          batch.loc[b] = 0;
          batch.scale[b] = 1;
          for (let t = 0; t < T; t++) batch.lossMask[t * B + b] = 0;
        }
      }
      let n = 0;
      for (let i = 0; i < T * B; i++) n += batch.lossMask[i] as number;
      if (n === 0) continue;
      total += sequenceLoss(spec, layout, lik, w, batch, null, null) * n;
      count += n;
    }
    return count > 0 ? total / count : NaN;
  };

  const grad = new Float64Array(layout.size);
  const adam = new Adam(layout.size, hp.learningRate);
  // With `_averaging=ema`, each epoch is scored on (and the kept model holds) the moving average of the weights.
  const average = hp.averaging === 'ema' ? new WeightAverage(layout.size, emaDecay(batchesPerEpoch)) : undefined;
  const scored = average ? average.params : params;
  let best = Infinity;
  let bestScore = Infinity;
  let bestWatched = Infinity;
  let bestEpoch = -1;
  let lastWatched = NaN;
  let bestParams = params.slice();
  let sinceBest = 0;
  let sinceLrChange = 0;
  let epoch = 0;
  for (; epoch < epochs; epoch++) {
    if (options.signal?.aborted) throw options.signal.reason ?? new Error('Training aborted.');
    let sum = 0;
    for (let k = 0; k < batchesPerEpoch; k++) {
      fillBatch();
      grad.fill(0);
      const loss = sequenceLoss(spec, layout, lik, params, batch, grad, { rng, rate: hp.dropoutRate });
      adam.step(params, grad, CLIP_NORM);
      average?.update(params);
      sum += loss;
      if (k % 5 === 0) log(`Epoch[${epoch}] Batch[${k}] avg_epoch_loss=${(sum / (k + 1)).toFixed(6)}`);
    }
    const epochLoss = sum / batchesPerEpoch;
    log(`#quality_metric: host=${host}, epoch=${epoch}, train loss <loss>=${epochLoss}`);
    let watched = epochLoss;
    if (validation && valFeats) {
      watched = validationLoss(scored, validation.series, valFeats);
      log(`#validation_score (${host}, epoch=${epoch}): validation loss <loss>=${watched}`);
    }
    let score = watched;
    if (validation?.keepBy === 'forecast') {
      score = forecastScore(run.modelOf(scored), validation.series, new Rng(run.seed + 2));
      if (!Number.isFinite(score)) score = Infinity;
      log(`#validation_score (${host}, epoch=${epoch}): validation mean_wQuantileLoss <score>=${score}`);
    }
    options.onEpoch?.(epoch, scored, watched);
    lastWatched = watched;
    // The learning rate halves after LR_PATIENCE epochs without a better watched loss.
    const lossImproved = watched < bestWatched;
    if (lossImproved) {
      bestWatched = watched;
      sinceLrChange = 0;
    } else {
      sinceLrChange++;
    }
    if (score < bestScore) {
      best = watched;
      bestScore = score;
      bestEpoch = epoch;
      if (keep === 'best') bestParams = scored.slice();
      sinceBest = 0;
      log(`best epoch loss so far`);
    } else {
      sinceBest++;
      log(`loss did not improve`);
    }
    if (!lossImproved && sinceLrChange >= LR_PATIENCE && adam.learningRate > MIN_LR) {
      adam.learningRate = Math.max(MIN_LR, adam.learningRate * LR_FACTOR);
      sinceLrChange = 0;
      log(`learning rate reduced to ${adam.learningRate}`);
    }
    // A refit (`keep: 'last'`) runs exactly the epochs it was given.
    if (keep === 'best' && sinceBest > 0 && hp.earlyStoppingPatience !== undefined && sinceBest >= hp.earlyStoppingPatience) {
      log(`Loss has not improved in ${sinceBest} epochs; stopping early.`);
      epoch++;
      break;
    }
  }
  if (keep === 'last') return { params: scored, best: lastWatched, bestScore: lastWatched, bestEpoch: epoch - 1, epochsRun: epoch };
  return { params: bestParams, best, bestScore, bestEpoch, epochsRun: epoch };
}

/** Mean weighted quantile loss of the forecast of each series' last prediction_length points from what precedes them. */
function forecastScore(model: DeepArModel, series: readonly Series[], rng: Rng): number {
  const m = evaluateOnTest(model, series, rng).find((x) => x.name === 'test:mean_wQuantileLoss');
  return m?.value ?? NaN;
}

/** Forecasts each series' last prediction_length points from what precedes them and scores the forecasts. */
export function evaluateOnTest(model: DeepArModel, series: readonly Series[], rng: Rng): Metric[] {
  const hp = model.hyperparameters;
  const P = hp.predictionLength;
  const evals: ForecastEvaluation[] = series.map((s) => {
    const n = s.target.length;
    const history: Series = { ...s, target: s.target.subarray(0, n - P) };
    const samples = sampleForecast(model, history, hp.numEvalSamples, rng);
    const summary = summarizeSamples(samples, hp.numEvalSamples, P, hp.testQuantiles);
    return { actual: s.target.subarray(n - P), ...summary };
  });
  return forecastMetrics(evals, hp.testQuantiles);
}
