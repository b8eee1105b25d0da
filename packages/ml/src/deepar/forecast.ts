import { seriesTimeFeatures, windowScale, writeStepInput, type TargetView } from './features.js';
import { quantileSorted } from './metrics.js';
import { scalingMode, type DeepArModel } from './model.js';
import { inferenceScratch, inferenceStep, writeEmbeddings, zeroState } from './network.js';
import type { Series } from './records.js';
import type { Rng } from './rng.js';

/**
 * Ancestral sampling: unroll the network over the last `context_length` observed steps, then draw
 * `numSamples` paths over `prediction_length` steps, each step's draw fed back as the next lag.
 *
 * @returns samples, row-major `numSamples × prediction_length`.
 */
export function sampleForecast(model: DeepArModel, series: Series, numSamples: number, rng: Rng): Float64Array {
  const hp = model.hyperparameters;
  const { spec, layout, features: fl, likelihood: lik, params: p } = model;
  const P = hp.predictionLength;
  const n = series.target.length;
  const D = fl.inputDim;
  const A = spec.numArgs;
  const start = Math.max(0, n - hp.contextLength);
  const { loc, scale } = windowScale(series.target, start, n, scalingMode(model));
  const timeFeat = seriesTimeFeatures(hp.timeFreq, series.startMs, n + P);
  const cats = Int32Array.from(series.cat);
  const history: TargetView = { values: series.target, base: 0 };

  const warm = zeroState(spec, 1);
  const scratch1 = inferenceScratch(spec, 1);
  const x1 = new Float64Array(D);
  const raw1 = new Float64Array(A);
  for (let pos = start; pos < n; pos++) {
    writeStepInput(fl, history, pos, loc, scale, timeFeat, series.dynamicFeat, x1, 0);
    writeEmbeddings(spec, layout, p, cats, 1, x1, D);
    inferenceStep(spec, layout, p, 1, x1, warm, raw1, scratch1);
  }

  const S = numSamples;
  const H = spec.numCells;
  const state = zeroState(spec, S);
  for (let l = 0; l < spec.numLayers; l++) {
    for (let s = 0; s < S; s++) {
      (state.h[l] as Float64Array).set(warm.h[l] as Float64Array, s * H);
      (state.c[l] as Float64Array).set(warm.c[l] as Float64Array, s * H);
    }
  }
  const maxLag = fl.lags[fl.lags.length - 1] as number;
  const base = n - maxLag;
  const width = maxLag + P;
  const paths = new Float64Array(S * width);
  for (let s = 0; s < S; s++) {
    for (let k = 0; k < maxLag; k++) {
      const q = base + k;
      paths[s * width + k] = q < 0 ? NaN : (series.target[q] as number);
    }
  }
  const views: TargetView[] = Array.from({ length: S }, (_, s) => ({ values: paths.subarray(s * width, (s + 1) * width), base }));
  const catsS = new Int32Array(S * cats.length);
  for (let s = 0; s < S; s++) catsS.set(cats, s * cats.length);
  const scratch = inferenceScratch(spec, S);
  const x = new Float64Array(S * D);
  const raw = new Float64Array(S * A);
  const out = new Float64Array(S * P);
  for (let k = 0; k < P; k++) {
    const pos = n + k;
    for (let s = 0; s < S; s++) writeStepInput(fl, views[s] as TargetView, pos, loc, scale, timeFeat, series.dynamicFeat, x, s * D);
    writeEmbeddings(spec, layout, p, catsS, S, x, D);
    inferenceStep(spec, layout, p, S, x, state, raw, scratch);
    for (let s = 0; s < S; s++) {
      const v = lik.sample(raw, s * A, loc, scale, rng);
      out[s * P + k] = v;
      paths[s * width + maxLag + k] = v;
    }
  }
  return out;
}

/** Per-step mean and quantiles (numpy's linear interpolation) of `S × P` samples. */
export function summarizeSamples(samples: Float64Array, S: number, P: number, quantiles: readonly number[]): { mean: Float64Array; quantiles: Map<number, Float64Array> } {
  const mean = new Float64Array(P);
  const qs = new Map(quantiles.map((q) => [q, new Float64Array(P)] as [number, Float64Array]));
  const col = new Float64Array(S);
  for (let k = 0; k < P; k++) {
    let sum = 0;
    for (let s = 0; s < S; s++) {
      const v = samples[s * P + k] as number;
      col[s] = v;
      sum += v;
    }
    mean[k] = sum / S;
    col.sort();
    for (const q of quantiles) (qs.get(q) as Float64Array)[k] = quantileSorted(col, q);
  }
  return { mean, quantiles: qs };
}
