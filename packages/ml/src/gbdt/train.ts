import type { DenseMatrix, LabeledData } from '../data/matrix.js';
import { Rng } from '../data/random.js';
import { MlInputError } from '../errors.js';
import { evalMetric, evalObjective, formatMetric, maximizes } from './evaluation.js';
import { GbdtModel, type GbdtMetric } from './gbdt-model.js';
import { OP_BIN, OP_GRADIENTS, OP_SKETCH } from './kernel.js';
import { KernelRunner } from './kernel-runner.js';
import type { GbdtTree } from './model.js';
import { baseMarginOf, checkLabels, objectiveKind, transformMargins } from './objectives.js';
import { parseGbdtParams, type GbdtParams } from './params.js';
import { TreeBuilder } from './tree-builder.js';

/** Rows sampled for the quantile sketch when there are more (the cuts' rank error stays ~0.1 %). */
const SKETCH_ROWS = 1 << 18;
/** Below this many cells one thread is faster than handing work to a worker. */
const MIN_CELLS_FOR_THREADS = 1 << 19;

/** Options of {@link trainGbdt}. */
export interface TrainGbdtOptions {
  /** Evaluated every round as `validation`; early stopping watches its last metric. */
  readonly validation?: LabeledData;
  /** Receives each round's log line in XGBoost's format: `[12]\ttrain-auc:0.91000\tvalidation-auc:0.89000`. */
  readonly onLog?: (line: string) => void;
  /** Threads for histogram building: default `nthread` (≤ 2) on large data, 1 on small data. */
  readonly threads?: number;
  /** Histogram kernel: `wasm` (default, where the runtime has shared WebAssembly memory) or `js`; both give identical models. */
  readonly kernels?: 'wasm' | 'js';
  readonly signal?: AbortSignal;
}

/**
 * Trains an XGBoost-compatible histogram GBDT (`tree_method=hist`, depth-wise growth).
 *
 * `params` is SageMaker's hyperparameter map (strings, XGBoost's names) or already-parsed
 * {@link GbdtParams}. When `validation` or `onLog` is given, every round evaluates `train` and
 * `validation` with `eval_metric` and logs the line SageMaker's metric regexes read: XGBoost prints a
 * real tab between fields, which CloudWatch renders as `#011`, so a definition such as
 * `.*\[[0-9]+\].*#011validation-auc:([-+]?[0-9]*\.?[0-9]+)` matches the CloudWatch form of these lines.
 * The model's `finalMetrics` name them as SageMaker does (`train:auc`, `validation:auc`, …).
 * With early stopping all trees are kept (as XGBoost 1.7's `Booster`) and `bestIteration` is recorded;
 * the model predicts with the rounds up to it, as SageMaker's XGBoost hosting serves the best model.
 *
 * @throws MlInputError for bad hyperparameters, ragged or mismatched data, bad labels, or
 * `early_stopping_rounds` without validation data.
 */
export async function trainGbdt(train: LabeledData, params: Readonly<Record<string, string | number>> | GbdtParams, options: TrainGbdtOptions = {}): Promise<GbdtModel> {
  const p = isParsed(params) ? params : parseGbdtParams(params);
  checkData(train, 'training');
  const { x, y } = train;
  const n = x.rows;
  const cols = x.cols;
  checkLabels(p.objective, y, p.numClass, 'training');
  const val = options.validation;
  if (val) {
    checkData(val, 'validation');
    if (val.x.cols !== cols) throw new MlInputError(`Validation data has ${val.x.cols} feature columns; training data has ${cols}.`, { dataset: 'validation', column: val.x.cols });
    checkLabels(p.objective, val.y, p.numClass, 'validation');
  }
  if (p.earlyStoppingRounds !== undefined && !val) {
    throw new MlInputError(`Hyperparameter 'early_stopping_rounds' needs a validation data set.`, { hyperparameter: 'early_stopping_rounds' });
  }
  const G = p.objective.startsWith('multi:') ? p.numClass : 1;
  const threads = options.threads ?? (p.nthread >= 2 && n * cols >= MIN_CELLS_FOR_THREADS ? 2 : 1);
  const runner = await KernelRunner.create(Math.min(2, Math.max(1, threads)), { wasm: options.kernels !== 'js' });
  try {
    const rng = new Rng(p.seed);
    binData(runner, x, p, rng);
    const c = runner.ctx;
    runner.set({
      gh: runner.allocHot(G * 2 * n * 4), rows: runner.allocHot(n * 4), tmp: runner.alloc(n * 4),
      lambda: p.lambda, alpha: p.alpha, maxDeltaStep: p.maxDeltaStep, minChildWeight: p.minChildWeight,
      margin: runner.alloc(n * G * 8), y: runner.alloc(n * 8), weights: runner.alloc(train.weights ? n * 8 : 0),
      objective: objectiveKind(p.objective), groups: G, scalePosWeight: p.scalePosWeight,
    });
    c.y.set(y);
    if (train.weights) c.weights.set(train.weights);
    const baseMargin = baseMarginOf(p.objective, p.baseScore);
    const margin = c.margin.fill(baseMargin);
    const valMargin = val ? new Float64Array(val.x.rows * G).fill(baseMargin) : undefined;
    const evaluate = val !== undefined || options.onLog !== undefined;
    const builder = new TreeBuilder(runner, p);
    const trees: GbdtTree[] = [];
    const treeGroup: number[] = [];
    const sampled = new Uint32Array(p.subsample < 1 ? n : 0);
    let finalMetrics: GbdtMetric[] = [];
    let best = { round: 0, score: Number.NaN };
    for (let round = 0; round < p.numRound; round++) {
      options.signal?.throwIfAborted();
      c.job[0] = OP_GRADIENTS;
      runner.run();
      let used = n;
      if (p.subsample < 1) {
        used = 0;
        for (let r = 0; r < n; r++) if (rng.next() < p.subsample) sampled[used++] = r;
      }
      for (let g = 0; g < G; g++) {
        // Hot loops read the context's arrays into locals: the context is a dictionary-mode object.
        const rows = c.rows;
        if (p.subsample < 1) rows.set(sampled.subarray(0, used));
        else for (let r = 0; r < n; r++) rows[r] = r;
        const treeSet = sampleFeatures(new Uint8Array(cols).fill(1), p.colsampleBytree, rng);
        const grown = builder.grow(g * 2 * n, used, p.subsample >= 1, (_d) => sampleFeatures(treeSet, p.colsampleBylevel, rng), (set) => sampleFeatures(set, p.colsampleBynode, rng));
        const t = grown.tree;
        builder.addLeaves(grown, g, used);
        if (p.subsample < 1) addUnsampled(runner, t, grown.splitBin, sampled, used, margin, G, g);
        if (val && valMargin) addTree(t, val.x, valMargin, G, g);
        trees.push(t);
        treeGroup.push(g);
      }
      if (evaluate) {
        const sets: [string, LabeledData, Float64Array][] = [['train', train, margin]];
        if (val && valMargin) sets.push(['validation', val, valMargin]);
        finalMetrics = [];
        let line = `[${round}]`;
        for (const [name, d, m] of sets) {
          const preds = Float64Array.from(m);
          transformMargins(evalObjective(p.objective), preds, G);
          for (const metric of p.evalMetric) {
            const v = evalMetric(metric, d.y, preds, G, d.weights);
            line += `\t${name}-${metric}:${formatMetric(v)}`;
            finalMetrics.push({ name: `${name}:${metric}`, value: v });
          }
        }
        options.onLog?.(line);
        if (val) {
          const watched = p.earlyStoppingMetric;
          const score = finalMetrics.find((m) => m.name === `validation:${watched}`)!.value;
          if (round === 0 || (maximizes(watched) ? score > best.score : score < best.score)) best = { round, score };
          if (p.earlyStoppingRounds !== undefined && round - best.round >= p.earlyStoppingRounds) break;
        }
      }
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return new GbdtModel(
      {
        objective: p.objective, numGroups: G, numFeatures: cols, baseScore: p.baseScore, baseMargin, trees, treeGroup: Int32Array.from(treeGroup),
        bestIteration: p.earlyStoppingRounds !== undefined ? best.round : trees.length / G - 1, ...(x.columnNames ? { featureNames: x.columnNames } : {}),
      },
      finalMetrics,
    );
  } finally {
    await runner.close();
  }
}

function isParsed(p: object): p is GbdtParams {
  return typeof (p as GbdtParams).numRound === 'number' && Array.isArray((p as GbdtParams).evalMetric);
}

function checkData(d: LabeledData, what: string): void {
  const { x, y } = d;
  if (x.rows === 0 || x.cols === 0) throw new MlInputError(`The ${what} data is empty (${x.rows} rows × ${x.cols} columns).`, { dataset: what });
  if (x.data.length !== x.rows * x.cols) {
    throw new MlInputError(`The ${what} matrix holds ${x.data.length} values for ${x.rows} rows × ${x.cols} columns: rows are ragged.`, { dataset: what });
  }
  if (y.length !== x.rows) throw new MlInputError(`The ${what} data has ${x.rows} rows but ${y.length} labels.`, { dataset: what });
  if (d.weights) {
    if (d.weights.length !== x.rows) throw new MlInputError(`The ${what} data has ${x.rows} rows but ${d.weights.length} weights.`, { dataset: what });
    const bad = d.weights.findIndex((w) => !(w >= 0) || !Number.isFinite(w));
    if (bad >= 0) throw new MlInputError(`Weight at row ${bad + 1} of the ${what} data is ${d.weights[bad]}; weights must be finite and non-negative.`, { dataset: what, row: bad + 1 });
  }
}

/** Quantile cuts and bin codes, split by feature between the threads. */
function binData(runner: KernelRunner, x: DenseMatrix, p: GbdtParams, rng: Rng): void {
  const n = x.rows;
  const cols = x.cols;
  let xbuf: ArrayBufferLike = x.data.buffer;
  const whole = x.data.byteOffset === 0 && x.data.byteLength === x.data.buffer.byteLength;
  if (!whole || (runner.threads > 1 && !(xbuf instanceof SharedArrayBuffer))) {
    xbuf = runner.alloc(x.data.byteLength);
    new Float32Array(xbuf).set(x.data);
  }
  let sample = new Uint32Array(0);
  if (n > SKETCH_ROWS) {
    const perm = new Uint32Array(n);
    for (let i = 0; i < n; i++) perm[i] = i;
    for (let i = 0; i < SKETCH_ROWS; i++) {
      const j = i + rng.int(n - i);
      const t = perm[i] as number;
      perm[i] = perm[j] as number;
      perm[j] = t;
    }
    sample = perm.slice(0, SKETCH_ROWS).sort();
  }
  const sampleBuf = runner.alloc(sample.byteLength);
  new Uint32Array(sampleBuf).set(sample);
  const S0 = p.maxBin + 1;
  runner.set({
    n, cols, S: S0, x: xbuf, sample: sampleBuf, cuts: runner.alloc(cols * S0 * 4), nbins: runner.alloc(cols * 4),
    minVals: runner.alloc(cols * 4), job: runner.alloc(64), mask: runner.alloc(cols),
  });
  const c = runner.ctx;
  c.job[0] = OP_SKETCH;
  c.job[3] = p.maxBin;
  runner.run();
  let maxNb = 1;
  for (let f = 0; f < cols; f++) maxNb = Math.max(maxNb, c.nbins[f] as number);
  const S = maxNb + 1;
  const cutsBuf = runner.alloc(cols * S * 4);
  const cuts = new Float32Array(cutsBuf);
  for (let f = 0; f < cols; f++) cuts.set(c.cuts.subarray(f * S0, f * S0 + (c.nbins[f] as number)), f * S);
  // Codes are 0 … nbins[f] − 1, and nbins[f] for a missing value: one byte holds them unless a feature
  // with 256 bins also has a missing value (XGBoost keeps missing values out of its bin matrix).
  const binBytes = codesNeedTwoBytes(c, x) ? 2 : 1;
  runner.set({ S, cuts: cutsBuf, binBytes, bins: runner.allocHot(n * cols * binBytes), binsCol: runner.alloc(n * cols * binBytes) });
  c.job[0] = OP_BIN;
  runner.run();
  runner.set({ x: runner.alloc(0), sample: runner.alloc(0) });
}

/** Whether a bin code past 255 will be written: more than 256 bins, or 256 and a missing value (code `nbins[f]`). */
function codesNeedTwoBytes(c: KernelRunner['ctx'], x: DenseMatrix): boolean {
  const bits = new Uint32Array(x.data.buffer, x.data.byteOffset, x.data.length);
  for (let f = 0; f < x.cols; f++) {
    const nb = c.nbins[f] as number;
    if (nb > 256) return true;
    if (nb < 256) continue;
    for (let i = f * x.rows, end = i + x.rows; i < end; i++) if (((bits[i] as number) & 0x7fffffff) > 0x7f800000) return true;
  }
  return false;
}

function sampleFeatures(set: Uint8Array, frac: number, rng: Rng): Uint8Array {
  if (frac >= 1) return set;
  const idx: number[] = [];
  set.forEach((v, f) => {
    if (v) idx.push(f);
  });
  const k = Math.max(1, Math.floor(frac * idx.length));
  const out = new Uint8Array(set.length);
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(idx.length - i);
    const t = idx[i]!;
    idx[i] = idx[j]!;
    idx[j] = t;
    out[idx[i]!] = 1;
  }
  return out;
}

/** Rows left out by `subsample` still need the new tree's output: route them on their bin codes. */
function addUnsampled(runner: KernelRunner, t: GbdtTree, splitBin: Int32Array, sampled: Uint32Array, used: number, margin: Float64Array, G: number, g: number): void {
  const { n, cols, bins, nbins } = runner.ctx;
  let s = 0;
  for (let r = 0; r < n; r++) {
    if (s < used && sampled[s] === r) {
      s++;
      continue;
    }
    let k = 0;
    while ((t.left[k] as number) >= 0) {
      const f = t.feature[k] as number;
      const code = bins[r * cols + f] as number;
      const left = code === nbins[f] ? t.defaultLeft[k] === 1 : code <= (splitBin[k] as number);
      k = left ? (t.left[k] as number) : (t.right[k] as number);
    }
    margin[r * G + g] = (margin[r * G + g] as number) + (t.value[k] as number);
  }
}

/** Adds one tree's output for every row of a column-major matrix (validation margins). */
function addTree(t: GbdtTree, x: DenseMatrix, margin: Float64Array, G: number, g: number): void {
  for (let i = 0; i < x.rows; i++) {
    let k = 0;
    while ((t.left[k] as number) >= 0) {
      const v = x.data[(t.feature[k] as number) * x.rows + i] as number;
      k = v !== v ? (t.defaultLeft[k] === 1 ? (t.left[k] as number) : (t.right[k] as number)) : v < (t.threshold[k] as number) ? (t.left[k] as number) : (t.right[k] as number);
    }
    margin[i * G + g] = (margin[i * G + g] as number) + (t.value[k] as number);
  }
}
