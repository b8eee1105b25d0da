import { periodTime, timeFeatureCount, writeTimeFeatures, type TimeFreq } from './time-freq.js';

/**
 * The per-step input vector, in order: lagged targets / scale, calendar features, age
 * (log10(2 + position), GluonTS's AddAgeFeature), dynamic features, category embeddings, log(scale).
 */
export interface FeatureLayout {
  readonly lags: readonly number[];
  readonly numTimeFeatures: number;
  readonly numDynamicFeat: number;
  readonly numCat: number;
  readonly embeddingDimension: number;
  readonly inputDim: number;
  readonly embedOffset: number;
}

/** Computes the input layout. */
export function featureLayout(freq: TimeFreq, lags: readonly number[], numDynamicFeat: number, numCat: number, embeddingDimension: number): FeatureLayout {
  const numTimeFeatures = timeFeatureCount(freq);
  const embedOffset = lags.length + numTimeFeatures + 1 + numDynamicFeat;
  return {
    lags, numTimeFeatures, numDynamicFeat, numCat, embeddingDimension,
    embedOffset, inputDim: embedOffset + numCat * embeddingDimension + 1,
  };
}

/** Calendar features for positions [0, length) of a series starting at `startMs` (row-major, numTimeFeatures per row). */
export function seriesTimeFeatures(freq: TimeFreq, startMs: number, length: number): Float64Array {
  const n = timeFeatureCount(freq);
  const out = new Float64Array(length * n);
  for (let k = 0; k < length; k++) writeTimeFeatures(freq, periodTime(startMs, freq, k), out, k * n);
  return out;
}

/** A window onto a target history: value at absolute position `pos` is `values[pos - base]`. */
export interface TargetView {
  readonly values: Float64Array;
  readonly base: number;
}

/**
 * Writes the input for predicting position `pos` into `out[off…]` (embedding slots left for the
 * network). Lags enter as (y − loc) / scale; missing or out-of-range ones as 0, GluonTS's dummy
 * imputation (which under `std` scaling means "at the window's mean").
 */
export function writeStepInput(
  fl: FeatureLayout, y: TargetView, pos: number, loc: number, scale: number, timeFeat: Float64Array,
  dynamic: readonly Float64Array[], out: Float64Array, off: number,
): void {
  const lags = fl.lags;
  for (let j = 0; j < lags.length; j++) {
    const q = pos - (lags[j] as number);
    const v = q < 0 ? NaN : (y.values[q - y.base] as number);
    out[off + j] = Number.isNaN(v) || v === undefined ? 0 : (v - loc) / scale;
  }
  let o = off + lags.length;
  for (let j = 0; j < fl.numTimeFeatures; j++) out[o + j] = timeFeat[pos * fl.numTimeFeatures + j] as number;
  o += fl.numTimeFeatures;
  out[o++] = Math.log10(2 + pos);
  for (let j = 0; j < fl.numDynamicFeat; j++) out[o + j] = (dynamic[j] as Float64Array)[pos] as number;
  out[off + fl.inputDim - 1] = Math.log(scale);
}

/** How a training window or forecast context is normalised. */
export type ScalingMode = 'mean' | 'std' | 'none';

/**
 * `mean` (SageMaker's and GluonTS's DeepAR): loc 0, scale = mean |y| of the observed context.
 * `std` (a Loam extension, `_scaling=std`): loc = mean, scale = standard deviation of the observed
 * context (falling back to the mean scale when the context is flat), so small movements on a high
 * level — CO2 at 400 ppm moving by 3 — reach the network at unit size instead of as 1% wiggles.
 * `none`: loc 0, scale 1 (beta's targets already live in (0, 1)).
 */
export function windowScale(target: Float64Array, from: number, to: number, mode: ScalingMode): { loc: number; scale: number } {
  if (mode === 'none') return { loc: 0, scale: 1 };
  const abs = meanScale(target, from, to);
  if (mode === 'mean') return { loc: 0, scale: abs };
  let sum = 0;
  let sq = 0;
  let n = 0;
  for (let i = Math.max(0, from); i < to; i++) {
    const v = target[i] as number;
    if (!Number.isNaN(v)) {
      sum += v;
      sq += v * v;
      n++;
    }
  }
  if (n === 0) return { loc: 0, scale: 1 };
  const mean = sum / n;
  const sd = Math.sqrt(Math.max(0, sq / n - mean * mean));
  return { loc: mean, scale: sd > 1e-6 * abs ? sd : abs };
}

/**
 * Mean absolute value of the observed targets in [from, to), the series scale DeepAR divides by
 * (GluonTS's MeanScaler). A window with nothing observed or all zeros gets scale 1.
 */
export function meanScale(target: Float64Array, from: number, to: number): number {
  let sum = 0;
  let n = 0;
  for (let i = Math.max(0, from); i < to; i++) {
    const v = target[i] as number;
    if (!Number.isNaN(v)) {
      sum += Math.abs(v);
      n++;
    }
  }
  return n > 0 && sum > 0 ? sum / n : 1;
}
