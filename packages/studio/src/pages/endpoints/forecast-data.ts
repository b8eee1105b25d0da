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
  /** The instance's place in the request, from 1. */
  readonly instance: number;
  readonly points: readonly ForecastPoint[];
  readonly horizon: number;
  /** Points of history shown before the forecast (the last ones of `target`, missing ones included). */
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

/** Per step: the band (its quantile levels, low and high values) and the median. */
interface Spread {
  readonly levels?: readonly [number, number];
  readonly lo?: readonly number[];
  readonly hi?: readonly number[];
  readonly median?: readonly number[];
}

/**
 * The band between the lowest and highest quantile answered for every step (else the 10–90 % of the
 * sample paths), and the median (the 0.5 quantile, else the paths' median). Arrays of another length
 * than the forecast are left out.
 */
function spread(p: Json, horizon: number): Spread {
  const byLevel = new Map<number, number[]>();
  for (const [k, v] of Object.entries(isObject(p['quantiles']) ? p['quantiles'] : {})) {
    const q = Number(k);
    if (Number.isFinite(q) && isNumbers(v) && v.length === horizon && !byLevel.has(q)) byLevel.set(q, v);
  }
  const paths = Array.isArray(p['samples']) ? p['samples'].filter((x): x is number[] => isNumbers(x) && x.length === horizon) : [];
  const steps = paths.length >= 2 ? Array.from({ length: horizon }, (_, h) => paths.map((x) => x[h] as number).sort((a, b) => a - b)) : undefined;
  const fromPaths = (q: number) => steps?.map((xs) => quantileOf(xs, q));
  const levels = [...byLevel.keys()].sort((a, b) => a - b);
  const lo = levels[0] as number;
  const hi = levels[levels.length - 1] as number;
  const band: Spread = levels.length >= 2
    ? { levels: [lo, hi], lo: byLevel.get(lo) as number[], hi: byLevel.get(hi) as number[] }
    : steps ? { levels: [0.1, 0.9], lo: fromPaths(0.1) as number[], hi: fromPaths(0.9) as number[] } : {};
  const median = byLevel.get(0.5) ?? fromPaths(0.5);
  return { ...band, ...(median ? { median } : {}) };
}

function plotOne(instance: unknown, prediction: unknown, n: number): ForecastPlot | undefined {
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
      ...(s.lo && s.hi ? { band: [s.lo[h] as number, s.hi[h] as number] as const } : {}),
    });
  }
  return { instance: n, points, horizon, shown, ...(s.levels ? { band: s.levels } : {}), hasMean: mean !== undefined, hasMedian: s.median !== undefined };
}

/**
 * The forecasts of a DeepAR-shaped request and answer, one per instance that has something to draw
 * (a mean, a median or a band), or `undefined` when none has or the two are not that shape (another
 * model's JSON, CSV, an error answer).
 */
export function forecastPlots(requestBody: string, answerBody: string): ForecastPlot[] | undefined {
  const req = parse(requestBody);
  const ans = parse(answerBody);
  if (!isObject(req) || !isObject(ans) || !Array.isArray(req['instances']) || !Array.isArray(ans['predictions'])) return undefined;
  const instances = req['instances'];
  const predictions = ans['predictions'];
  if (instances.length === 0 || instances.length !== predictions.length) return undefined;
  const plots = instances.map((inst, i) => plotOne(inst, predictions[i], i + 1)).filter((p): p is ForecastPlot => p !== undefined);
  return plots.length > 0 ? plots : undefined;
}
