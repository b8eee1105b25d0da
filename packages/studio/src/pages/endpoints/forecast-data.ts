/**
 * Forecasts a DeepAR endpoint answered, ready to plot: SageMaker's request
 * `{"instances": [{"target": […]}, …]}` and answer `{"predictions": [{"mean", "quantiles", "samples"}, …]}`
 * paired up, the end of each observed series followed by its forecast.
 */

/** One step of a plot: `label` is `t−k` for observed points (t = the last one), `t+k` for the forecast. */
export interface ForecastPoint {
  readonly label: string;
  readonly observed?: number | null;
  readonly mean?: number;
  readonly median?: number;
  /** The lowest and highest quantile asked for (or the 10 % and 90 % of the sample paths). */
  readonly band?: readonly [number, number];
}

export interface ForecastPlot {
  readonly points: readonly ForecastPoint[];
  readonly horizon: number;
  /** Observed points shown before the forecast (the last ones of `target`). */
  readonly shown: number;
  /** The band's quantiles, e.g. `[0.1, 0.9]`. */
  readonly band?: readonly [number, number];
  readonly hasMean: boolean;
  readonly hasMedian: boolean;
}

/** At most this many forecast lengths of history are shown before the forecast. */
const HISTORY_HORIZONS = 4;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNumbers = (v: unknown): v is number[] => Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number');

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The q-quantile of `xs` (sorted ascending), linearly interpolated between order statistics. */
function quantileOf(xs: readonly number[], q: number): number {
  const pos = q * (xs.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, xs.length - 1);
  return (xs[lo] as number) + (pos - lo) * ((xs[hi] as number) - (xs[lo] as number));
}

/** The band's quantile levels and the median per step: from the quantiles answered, else from the sample paths. */
function spread(p: Json, horizon: number): { levels?: [number, number]; median?: number[] } {
  const raw = isObject(p['quantiles']) ? p['quantiles'] : undefined;
  const answered = raw ? Object.keys(raw).filter((k) => Number.isFinite(Number(k)) && isNumbers(raw[k]) && (raw[k] as number[]).length === horizon).map(Number).sort((a, b) => a - b) : [];
  if (raw && answered.length > 0) {
    const medianKey = Object.keys(raw).find((k) => Number(k) === 0.5 && isNumbers(raw[k]));
    return {
      ...(answered.length > 1 ? { levels: [answered[0] as number, answered[answered.length - 1] as number] as [number, number] } : {}),
      ...(medianKey ? { median: raw[medianKey] as number[] } : {}),
    };
  }
  const samples = Array.isArray(p['samples']) ? p['samples'].filter((x): x is number[] => isNumbers(x) && x.length === horizon) : [];
  if (samples.length < 2) return {};
  return { levels: [0.1, 0.9], median: Array.from({ length: horizon }, (_, h) => quantileOf(samples.map((x) => x[h] as number).sort((a, b) => a - b), 0.5)) };
}

function bandAt(p: Json, levels: readonly [number, number], h: number): [number, number] {
  const raw = p['quantiles'];
  const key = (q: number) => (isObject(raw) ? Object.keys(raw).find((k) => Number(k) === q && isNumbers(raw[k])) : undefined);
  const lo = key(levels[0]);
  const hi = key(levels[1]);
  if (isObject(raw) && lo !== undefined && hi !== undefined) return [(raw[lo] as number[])[h] as number, (raw[hi] as number[])[h] as number];
  const at = (p['samples'] as unknown[]).filter((x): x is number[] => isNumbers(x) && x.length > h).map((x) => x[h] as number).sort((a, b) => a - b);
  return [quantileOf(at, levels[0]), quantileOf(at, levels[1])];
}

function plotOne(instance: unknown, prediction: unknown): ForecastPlot | undefined {
  if (!isObject(instance) || !Array.isArray(instance['target']) || !isObject(prediction)) return undefined;
  const target = instance['target'].map((v) => (typeof v === 'number' && Number.isFinite(v) ? v : null));
  const mean = isNumbers(prediction['mean']) ? prediction['mean'] : undefined;
  const firstQuantile = isObject(prediction['quantiles']) ? Object.values(prediction['quantiles']).find(isNumbers) : undefined;
  const firstSample = Array.isArray(prediction['samples']) ? prediction['samples'].find(isNumbers) : undefined;
  const horizon = (mean ?? firstQuantile ?? firstSample)?.length ?? 0;
  if (horizon === 0) return undefined;
  const s = spread(prediction, horizon);
  if (!mean && !s.median && !s.levels) return undefined;
  const shown = Math.min(target.length, HISTORY_HORIZONS * horizon);
  const points: ForecastPoint[] = [];
  for (let i = target.length - shown; i < target.length; i++) {
    const back = target.length - 1 - i;
    points.push({ label: back === 0 ? 't' : `t−${back}`, observed: target[i] as number | null });
  }
  // The forecast's lines and band start from the last observed value, so they continue the series.
  const last = target[target.length - 1];
  if (typeof last === 'number') {
    points[points.length - 1] = { label: 't', observed: last, ...(mean ? { mean: last } : {}), ...(s.median ? { median: last } : {}), ...(s.levels ? { band: [last, last] as const } : {}) };
  }
  for (let h = 0; h < horizon; h++) {
    points.push({
      label: `t+${h + 1}`,
      ...(mean ? { mean: mean[h] as number } : {}),
      ...(s.median ? { median: s.median[h] as number } : {}),
      ...(s.levels ? { band: bandAt(prediction, s.levels, h) } : {}),
    });
  }
  return { points, horizon, shown, ...(s.levels ? { band: s.levels } : {}), hasMean: mean !== undefined, hasMedian: s.median !== undefined };
}

/**
 * The forecasts of a DeepAR-shaped request and answer, one per instance, or `undefined` when the two
 * are not that shape (another model's JSON, CSV, an error answer).
 */
export function forecastPlots(requestBody: string, answerBody: string): ForecastPlot[] | undefined {
  const req = parse(requestBody);
  const ans = parse(answerBody);
  if (!isObject(req) || !isObject(ans) || !Array.isArray(req['instances']) || !Array.isArray(ans['predictions'])) return undefined;
  const instances = req['instances'];
  const predictions = ans['predictions'];
  if (instances.length === 0 || instances.length !== predictions.length) return undefined;
  const plots = instances.map((inst, i) => plotOne(inst, predictions[i]));
  return plots.every((p): p is ForecastPlot => p !== undefined) ? plots : undefined;
}
