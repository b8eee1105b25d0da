import { MlInputError } from '../errors.js';
import { sampleForecast, summarizeSamples } from './forecast.js';
import type { DeepArModel } from './model.js';
import { parseJsonLines, toSeries, type RecordSource, type Series } from './records.js';
import { Rng } from './rng.js';

/** The `configuration` object of a DeepAR inference request. */
export interface InferenceConfiguration {
  readonly num_samples?: number;
  readonly output_types?: readonly ('mean' | 'quantiles' | 'samples')[];
  readonly quantiles?: readonly string[];
}

/** One forecast in SageMaker's response shape; only the requested output types are present. */
export interface DeepArPrediction {
  mean?: number[];
  quantiles?: Record<string, number[]>;
  samples?: number[][];
}

const OUTPUT_TYPES = ['mean', 'quantiles', 'samples'];
const DEFAULT_QUANTILES = ['0.1', '0.2', '0.3', '0.4', '0.5', '0.6', '0.7', '0.8', '0.9'];

interface ResolvedConfiguration {
  readonly numSamples: number;
  readonly outputTypes: readonly string[];
  readonly quantiles: readonly string[];
}

function resolveConfiguration(raw: unknown, model: DeepArModel): ResolvedConfiguration {
  const c = (raw ?? {}) as Record<string, unknown>;
  if (typeof c !== 'object' || Array.isArray(c)) throw new MlInputError(`"configuration" must be an object.`, { field: 'configuration' });
  const numSamples = c['num_samples'] ?? model.hyperparameters.numEvalSamples;
  if (!Number.isInteger(numSamples) || (numSamples as number) < 1) {
    throw new MlInputError(`"configuration.num_samples" must be a positive integer; got ${JSON.stringify(numSamples)}.`, { field: 'configuration.num_samples' });
  }
  const outputTypes = c['output_types'] ?? ['mean', 'quantiles'];
  if (!Array.isArray(outputTypes) || outputTypes.length === 0 || !outputTypes.every((t) => OUTPUT_TYPES.includes(t as string))) {
    throw new MlInputError(`"configuration.output_types" must list some of ${OUTPUT_TYPES.join(', ')}; got ${JSON.stringify(outputTypes)}.`, {
      field: 'configuration.output_types',
    });
  }
  const quantiles = c['quantiles'] ?? DEFAULT_QUANTILES;
  if (!Array.isArray(quantiles) || !quantiles.every((q) => /^\s*0?\.\d+\s*$/.test(String(q)) && Number(q) > 0 && Number(q) < 1)) {
    throw new MlInputError(`"configuration.quantiles" must be strings of numbers in (0, 1), like "0.9"; got ${JSON.stringify(quantiles)}.`, {
      field: 'configuration.quantiles',
    });
  }
  return { numSamples: numSamples as number, outputTypes: outputTypes as string[], quantiles: quantiles.map(String) };
}

function instanceSeries(model: DeepArModel, raw: unknown, src: RecordSource): Series {
  return toSeries(raw, src, {
    freq: model.hyperparameters.timeFreq,
    minLength: 1,
    minLengthReason: 'one point',
    cardinality: model.cardinality,
    dynamicExtra: model.hyperparameters.predictionLength,
    numDynamicFeat: model.numDynamicFeat,
    ignoreCat: model.cardinality.length === 0,
    ignoreDynamic: model.numDynamicFeat === 0,
  });
}

function predictOne(model: DeepArModel, series: Series, cfg: ResolvedConfiguration, rng: Rng): DeepArPrediction {
  const P = model.hyperparameters.predictionLength;
  const samples = sampleForecast(model, series, cfg.numSamples, rng);
  const qs = cfg.quantiles.map(Number);
  const summary = summarizeSamples(samples, cfg.numSamples, P, qs);
  const out: DeepArPrediction = {};
  if (cfg.outputTypes.includes('mean')) out.mean = Array.from(summary.mean);
  if (cfg.outputTypes.includes('quantiles')) {
    out.quantiles = Object.fromEntries(cfg.quantiles.map((q, j) => [q, Array.from(summary.quantiles.get(qs[j] as number) as Float64Array)]));
  }
  if (cfg.outputTypes.includes('samples')) {
    out.samples = Array.from({ length: cfg.numSamples }, (_, s) => Array.from(samples.subarray(s * P, (s + 1) * P)));
  }
  return out;
}

/**
 * Answers a DeepAR endpoint request:
 * `{"instances":[{start, target, cat?, dynamic_feat?}…], "configuration":{num_samples, output_types, quantiles}}`
 * → `{"predictions":[{mean?, quantiles?, samples?}…]}`; each forecast starts after the instance's last target.
 * Forecasts are deterministic for `seed` (default: the model's training seed) and the instance alone: the
 * same series gets the same forecast wherever it stands in a request or a batch.
 *
 * @throws MlInputError naming the instance or configuration field at fault.
 */
export function invokeDeepAr(model: DeepArModel, request: unknown, options: { seed?: number } = {}): { predictions: DeepArPrediction[] } {
  const body = (typeof request === 'string' ? parseRequest(request) : request) as Record<string, unknown> | null;
  if (typeof body !== 'object' || body === null || !Array.isArray(body['instances'])) {
    throw new MlInputError('The request must be a JSON object with an "instances" array.', { field: 'instances' });
  }
  const cfg = resolveConfiguration(body['configuration'], model);
  const series = (body['instances'] as unknown[]).map((inst, i) => instanceSeries(model, inst, { channel: 'the request', index: i + 1, unit: 'instance' }));
  const seed = options.seed ?? model.seed;
  return { predictions: series.map((s) => predictOne(model, s, cfg, seriesRng(seed, s))) };
}

/**
 * Batch transform: one JSON Lines record in, one JSON Lines prediction out, in order. The
 * configuration comes from `DEEPAR_INFERENCE_CONFIG` in SageMaker; here it is passed in.
 */
export function batchTransformDeepAr(model: DeepArModel, jsonLines: string, configuration?: InferenceConfiguration, options: { seed?: number } = {}): string {
  const cfg = resolveConfiguration(configuration, model);
  const seed = options.seed ?? model.seed;
  return parseJsonLines(jsonLines, 'the batch input')
    .map(({ value, line }) => {
      const series = instanceSeries(model, value, { channel: 'the batch input', index: line });
      return JSON.stringify(predictOne(model, series, cfg, seriesRng(seed, series)));
    })
    .join('\n') + '\n';
}

function parseRequest(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new MlInputError(`The request body is not valid JSON (${(err as Error).message}).`, { field: 'body' });
  }
}

/** 32-bit FNV-1a step over one word. */
const fnv = (h: number, word: number): number => Math.imul((h ^ word) >>> 0, 0x01000193) >>> 0;
const words = (a: Float64Array): Uint32Array => new Uint32Array(a.buffer, a.byteOffset, a.length * 2);

/**
 * The sampling stream of one forecast: seeded by `seed` and a hash of the series (start, target bits,
 * cat, dynamic features), so it depends on nothing else in the request or batch.
 */
function seriesRng(seed: number, s: Series): Rng {
  let h = fnv(0x811c9dc5, seed >>> 0);
  h = fnv(fnv(h, s.startMs >>> 0), Math.floor(s.startMs / 0x100000000) >>> 0);
  for (const w of words(s.target)) h = fnv(h, w);
  for (const c of s.cat) h = fnv(h, c >>> 0);
  for (const f of s.dynamicFeat) for (const w of words(f)) h = fnv(h, w);
  return new Rng(h);
}
