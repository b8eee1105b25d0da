import type { DenseMatrix } from '../data/matrix.js';
import { Rng } from '../data/random.js';
import { MlInputError } from '../errors.js';
import { parseKMeansHyperparameters, type KMeansConfig } from './hyperparameters.js';
import { initCenters, lloyd, type WeightedPoints } from './lloyd.js';
import { KMeansModel } from './model.js';

/** Options outside SageMaker's hyperparameters. */
export interface KMeansTrainOptions {
  /** Seed for shuffling and initialisation (default 0). */
  readonly seed?: number;
  /** Receives each log line (`#quality_metric: host=algo-1, train msd <loss>=…`). */
  readonly log?: (line: string) => void;
  readonly host?: string;
}

/** What k-means training returns. */
export interface KMeansResult {
  readonly model: KMeansModel;
  /** `train:msd`, `test:msd`, `test:ssd`, … as requested by `eval_metrics`. */
  readonly metrics: { name: string; value: number }[];
  readonly config: KMeansConfig;
}

/**
 * SageMaker's k-means: initial centres (random or k-means++) from the first mini-batch, mini-batch
 * updates over `epochs` passes (Sculley's web-scale k-means: each centre moves towards the mean of
 * its new points by their share of all points it has seen, optionally with a half-life), keeping
 * `k · extra_center_factor` centres, then a weighted Lloyd's reduction to `k` centres with the best of
 * `local_lloyd_num_trials` k-means++ starts.
 * @throws MlInputError for invalid hyperparameters, a width other than `feature_dim`, missing values, or fewer rows than `k`.
 */
export function trainKMeans(hyperparameters: Readonly<Record<string, string>>, channels: { train: DenseMatrix; test?: DenseMatrix | undefined }, opts: KMeansTrainOptions = {}): KMeansResult {
  const parsed = parseKMeansHyperparameters(hyperparameters);
  const { train } = channels;
  check(parsed, 'train', train);
  if (channels.test) check(parsed, 'test', channels.test);
  const n = train.rows;
  const d = train.cols;
  const { k } = parsed;
  if (k > n) throw new MlInputError(`Hyperparameter 'k' is ${k}, but the train channel has only ${n} rows.`, { hyperparameter: 'k' });
  const log = opts.log ?? (() => {});
  const host = opts.host ?? 'algo-1';
  const rng = new Rng(opts.seed ?? 0);
  const factor = parsed.extraCenterFactorAuto && k * parsed.extraCenterFactor > n ? 1 : parsed.extraCenterFactor;
  const K = Math.min(n, k * factor);

  // Row-major copy in a random order: mini-batches are contiguous, and "a randomly chosen subset".
  const perm = rng.permutation(n);
  const X = new Float64Array(n * d);
  for (let j = 0; j < d; j++) {
    const off = j * n;
    for (let r = 0; r < n; r++) X[r * d + j] = train.data[off + (perm[r] as number)] as number;
  }
  const batch = Math.min(parsed.miniBatchSize, n);
  const first = Math.max(batch, K);
  const centers = initCenters({ points: X.subarray(0, first * d), weights: new Float64Array(first).fill(1), n: first, d }, K, parsed.initMethod, rng);

  const counts = new Float64Array(K);
  const sums = new Float64Array(K * d);
  const fresh = new Float64Array(K);
  const batches = Math.ceil(n / batch);
  const decay = parsed.halfLifeTimeSize > 0 ? 0.5 ** (batch / parsed.halfLifeTimeSize) : 1;
  for (let epoch = 0; epoch < parsed.epochs; epoch++) {
    const t0 = performance.now();
    const order = epoch === 0 ? Uint32Array.from({ length: batches }, (_, i) => i) : rng.permutation(batches);
    for (let b = 0; b < batches; b++) {
      const start = (order[b] as number) * batch;
      const end = Math.min(n, start + batch);
      sums.fill(0);
      fresh.fill(0);
      for (let r = start; r < end; r++) {
        const c = nearest(X, r, centers, K, d);
        fresh[c] = (fresh[c] as number) + 1;
        for (let q = 0; q < d; q++) sums[c * d + q] = (sums[c * d + q] as number) + (X[r * d + q] as number);
      }
      for (let c = 0; c < K; c++) {
        const m = fresh[c] as number;
        const old = (counts[c] as number) * decay;
        counts[c] = old + m;
        if (m === 0) continue;
        const p = m / (old + m);
        for (let q = 0; q < d; q++) centers[c * d + q] = (1 - p) * (centers[c * d + q] as number) + (p * (sums[c * d + q] as number)) / m;
      }
    }
    const seconds = (performance.now() - t0) / 1000;
    log(`#throughput_metric: host=${host}, train throughput=${Math.round(n / Math.max(seconds, 1e-9))} records/second`);
    log(`#progress_metric: host=${host}, completed ${Math.round((100 * (epoch + 1)) / parsed.epochs)} % of epochs`);
  }

  // One assignment pass over all the data replaces the streamed counts (which remember where points
  // were assigned epochs ago) by each centre's current share and mean: exact weights for the reduction.
  sums.fill(0);
  counts.fill(0);
  for (let r = 0; r < n; r++) {
    const c = nearest(X, r, centers, K, d);
    counts[c] = (counts[c] as number) + 1;
    for (let q = 0; q < d; q++) sums[c * d + q] = (sums[c * d + q] as number) + (X[r * d + q] as number);
  }
  for (let c = 0; c < K; c++) {
    const m = counts[c] as number;
    if (m > 0) for (let q = 0; q < d; q++) centers[c * d + q] = (sums[c * d + q] as number) / m;
  }
  const final = K > k ? reduce(parsed, { points: centers, weights: counts, n: K, d }, rng) : centers;
  const model = new KMeansModel(k, d, final);
  const metrics: { name: string; value: number }[] = [];
  for (const [name, data] of [['train', train], ['test', channels.test]] as const) {
    if (!data) continue;
    const { sqDistance } = model.assign(data);
    let ssd = 0;
    for (let i = 0; i < data.rows; i++) ssd += sqDistance[i] as number;
    for (const m of parsed.evalMetrics) {
      const value = m === 'msd' ? ssd / data.rows : ssd;
      log(`#quality_metric: host=${host}, ${name} ${m} <loss>=${value}`);
      metrics.push({ name: `${name}:${m}`, value });
    }
  }
  return { model, metrics, config: parsed };
}

/** Reduces the streamed centres (weighted by how many points each absorbed) to k with weighted Lloyd's. */
function reduce(c: KMeansConfig, p: WeightedPoints, rng: Rng): Float64Array {
  // Centres that never received a point carry no information about the data.
  const keep: number[] = [];
  for (let i = 0; i < p.n; i++) if ((p.weights[i] as number) > 0) keep.push(i);
  if (keep.length <= c.k) {
    const out = new Float64Array(c.k * p.d);
    keep.forEach((i, s) => out.set(p.points.subarray(i * p.d, i * p.d + p.d), s * p.d));
    return out;
  }
  const pts: WeightedPoints = {
    points: Float64Array.from(keep.flatMap((i) => Array.from(p.points.subarray(i * p.d, i * p.d + p.d)))),
    weights: Float64Array.from(keep, (i) => p.weights[i] as number),
    n: keep.length,
    d: p.d,
  };
  let best: Float64Array | undefined;
  let bestSsd = Infinity;
  for (let t = 0; t < c.localLloydNumTrials; t++) {
    const centers = initCenters(pts, c.k, c.localLloydInitMethod, rng);
    const ssd = lloyd(pts, centers, c.k, c.localLloydMaxIter, c.localLloydTol);
    if (ssd < bestSsd) {
      bestSsd = ssd;
      best = centers;
    }
  }
  return best!;
}

function nearest(X: Float64Array, r: number, centers: Float64Array, K: number, d: number): number {
  let best = 0;
  let bd = Infinity;
  const ro = r * d;
  for (let c = 0; c < K; c++) {
    let s = 0;
    const co = c * d;
    for (let q = 0; q < d; q++) {
      const t = (X[ro + q] as number) - (centers[co + q] as number);
      s += t * t;
    }
    if (s < bd) {
      bd = s;
      best = c;
    }
  }
  return best;
}

function check(c: KMeansConfig, name: string, x: DenseMatrix): void {
  if (x.cols !== c.featureDim) {
    throw new MlInputError(`Hyperparameter 'feature_dim' is ${c.featureDim}, but the ${name} channel has ${x.cols} features per row.`, { hyperparameter: 'feature_dim', channel: name });
  }
  if (x.rows === 0) throw new MlInputError(`The ${name} channel has no rows.`, { channel: name });
  for (let j = 0; j < x.cols; j++) {
    const off = j * x.rows;
    for (let i = 0; i < x.rows; i++) {
      if (!Number.isFinite(x.data[off + i] as number)) {
        throw new MlInputError(`The ${name} channel has a missing or infinite value at row ${i + 1}, column ${j + 1}; k-means needs every feature.`, { channel: name, row: i + 1, column: j + 1 });
      }
    }
  }
}
