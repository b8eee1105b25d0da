import type { DenseMatrix, LabeledData } from '../data/matrix.js';
import { Rng } from '../data/random.js';
import { MlInputError } from '../errors.js';
import { evalMetric, evalObjective, formatMetric, maximizes } from './evaluation.js';
import { checkpointRounds, type GbdtCheckpoint } from './checkpoint.js';
import { gbdtFingerprint } from './fingerprint.js';
import { GbdtModel, type GbdtMetric } from './gbdt-model.js';
import { OP_BIN, OP_GRADIENTS, OP_SKETCH } from './kernel.js';
import { KernelRunner } from './kernel-runner.js';
import type { GbdtModelData, GbdtTree } from './model.js';
import { baseMarginOf, checkLabels, objectiveKind, transformMargins } from './objectives.js';
import { parseGbdtParams, type GbdtParams } from './params.js';
import { checkResumable } from './resume-checks.js';
import { TreeBuilder } from './tree-builder.js';
import { addTree, addTreeOnBins, splitBinsOf } from './tree-margins.js';

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
  /**
   * Continues boosting from a checkpoint of `k` rounds: its trees are kept, every row's margin starts
   * from the checkpoint's predictions, and rounds `k … num_round − 1` are added (none when `k ≥
   * num_round`, or when its early stopping had already stopped: the model then keeps all `k` rounds, as
   * SageMaker's, and `finalMetrics` are evaluated once on it). With the same data and hyperparameters the
   * result equals an uninterrupted run's model, tree by tree; a checkpoint whose fingerprint names other
   * data or hyperparameters is refused. Notices (more rounds than `num_round`, a plain model file with
   * sampling on) go to `onLog`.
   */
  readonly resumeFrom?: GbdtCheckpoint;
  /** Called after every round (after its log line and early-stopping check) with the state to resume from. */
  readonly onRound?: (checkpoint: GbdtCheckpoint) => void | Promise<void>;
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
 * @throws MlInputError for bad hyperparameters, ragged or mismatched data, bad labels,
 * `early_stopping_rounds` without validation data, or a `resumeFrom` checkpoint of another run (other
 * data, hyperparameters or model shape, or a damaged random-stream count).
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
    const resume = options.resumeFrom;
    // Only runs that save or resume a checkpoint hash their data: plain runs pay nothing.
    const fingerprint = resume || options.onRound ? gbdtFingerprint(train, runner, p) : undefined;
    if (resume) checkResumable(resume, p, n, cols, fingerprint!);
    const baseScore = resume ? resume.model.baseScore : p.baseScore;
    const baseMargin = resume ? resume.model.baseMargin : baseMarginOf(p.objective, p.baseScore);
    const margin = c.margin.fill(baseMargin);
    const valMargin = val ? new Float64Array(val.x.rows * G).fill(baseMargin) : undefined;
    const evaluate = val !== undefined || options.onLog !== undefined;
    const note = (line: string) => options.onLog?.(line);
    const builder = new TreeBuilder(runner, p);
    const trees: GbdtTree[] = [];
    const treeGroup: number[] = [];
    const sampled = new Uint32Array(p.subsample < 1 ? n : 0);
    let finalMetrics: GbdtMetric[] = [];
    let best = { round: 0, score: Number.NaN };
    // Draws taken from `rng` by the rounds, so a checkpoint can say how far to replay the stream.
    let draws = 0;
    const colRng = {
      int: (m: number): number => {
        draws++;
        return rng.int(m);
      },
    };
    const watchedScore = (vm: Float64Array): number => {
      const preds = Float64Array.from(vm);
      transformMargins(evalObjective(p.objective), preds, G);
      return evalMetric(p.earlyStoppingMetric, val!.y, preds, G, val!.weights);
    };
    /** Evaluates `train` (and `validation`) on the current margins: the metrics and XGBoost's round line. */
    const evaluateAll = (round: number): { metrics: GbdtMetric[]; line: string } => {
      const sets: [string, LabeledData, Float64Array][] = [['train', train, margin]];
      if (val && valMargin) sets.push(['validation', val, valMargin]);
      const metrics: GbdtMetric[] = [];
      let line = `[${round}]`;
      for (const [name, d, m] of sets) {
        const preds = Float64Array.from(m);
        transformMargins(evalObjective(p.objective), preds, G);
        for (const metric of p.evalMetric) {
          const v = evalMetric(metric, d.y, preds, G, d.weights);
          line += `\t${name}-${metric}:${formatMetric(v)}`;
          metrics.push({ name: `${name}:${metric}`, value: v });
        }
      }
      return { metrics, line };
    };
    let start = 0;
    let stopped = false;
    if (resume) {
      start = checkpointRounds(resume);
      if (start > p.numRound) note(`The checkpoint already has ${start} rounds, more than num_round=${p.numRound}: the model keeps ${start} (as SageMaker's XGBoost does).`);
      if (resume.rngDraws === undefined && samples(p)) {
        note('The checkpoint does not record the random stream position (a plain model file): with subsample or colsample_* below 1 the rounds added will not be those of an uninterrupted run.');
      }
      let routedOnThresholds = false;
      for (let t = 0; t < resume.model.trees.length; t++) {
        const tree = resume.model.trees[t]!;
        const g = resume.model.treeGroup[t]!;
        // Training rows are routed on their bin codes as the builder partitioned them (thresholds could
        // differ for a value below a sampled sketch's minimum), validation rows on thresholds as every round does:
        // each margin becomes the very sum of leaf values an uninterrupted run holds.
        const bins = splitBinsOf(runner, tree);
        if (bins) addTreeOnBins(runner, tree, bins, sampled, 0, margin, G, g);
        else {
          // A threshold that is no cut point of these bins: the tree was grown on other data or another max_bin.
          if (resume.fingerprint) {
            throw new MlInputError(`The checkpoint's tree ${t} splits on a value that is not a cut point of this data's bins, though its fingerprint matches: the checkpoint is damaged. Use a new CheckpointConfig S3Uri to train from scratch.`, { field: 'trees', tree: t });
          }
          if (!routedOnThresholds) note(`The checkpoint's tree ${t} was not grown on these bins (other data or another max_bin): its rows are routed on thresholds, and the model will not equal an uninterrupted run's.`);
          routedOnThresholds = true;
          addTree(tree, x, margin, G, g);
        }
        if (val && valMargin) addTree(tree, val.x, valMargin, G, g);
        trees.push(tree);
        treeGroup.push(g);
        if (p.earlyStoppingRounds !== undefined && valMargin && g === G - 1 && (t + 1) / G - 1 === resume.model.bestIteration) {
          best = { round: resume.model.bestIteration, score: watchedScore(valMargin) };
        }
      }
      stopped = p.earlyStoppingRounds !== undefined && start - 1 - best.round >= p.earlyStoppingRounds;
      const replay = resume.rngDraws ?? 0;
      for (let i = 0; i < replay; i++) {
        if ((i & 0xfffff) === 0) options.signal?.throwIfAborted();
        rng.next();
      }
      draws = replay;
    }
    const modelData = (): GbdtModelData => ({
      objective: p.objective, numGroups: G, numFeatures: cols, baseScore, baseMargin, trees: trees.slice(), treeGroup: Int32Array.from(treeGroup),
      bestIteration: p.earlyStoppingRounds !== undefined ? best.round : trees.length / G - 1, ...(x.columnNames ? { featureNames: x.columnNames } : {}),
    });
    for (let round = start; round < p.numRound && !stopped; round++) {
      options.signal?.throwIfAborted();
      c.job[0] = OP_GRADIENTS;
      runner.run();
      let used = n;
      if (p.subsample < 1) {
        used = 0;
        for (let r = 0; r < n; r++) if (rng.next() < p.subsample) sampled[used++] = r;
        draws += n;
      }
      for (let g = 0; g < G; g++) {
        // Hot loops read the context's arrays into locals: the context is a dictionary-mode object.
        const rows = c.rows;
        if (p.subsample < 1) rows.set(sampled.subarray(0, used));
        else for (let r = 0; r < n; r++) rows[r] = r;
        const treeSet = sampleFeatures(new Uint8Array(cols).fill(1), p.colsampleBytree, colRng);
        const grown = builder.grow(g * 2 * n, used, p.subsample >= 1, (_d) => sampleFeatures(treeSet, p.colsampleBylevel, colRng), (set) => sampleFeatures(set, p.colsampleBynode, colRng));
        const t = grown.tree;
        builder.addLeaves(grown, g, used);
        if (p.subsample < 1) addTreeOnBins(runner, t, grown.splitBin, sampled, used, margin, G, g);
        if (val && valMargin) addTree(t, val.x, valMargin, G, g);
        trees.push(t);
        treeGroup.push(g);
      }
      if (evaluate) {
        const { metrics, line } = evaluateAll(round);
        finalMetrics = metrics;
        options.onLog?.(line);
        if (val) {
          const watched = p.earlyStoppingMetric;
          const score = finalMetrics.find((m) => m.name === `validation:${watched}`)!.value;
          if (round === 0 || (maximizes(watched) ? score > best.score : score < best.score)) best = { round, score };
          stopped = p.earlyStoppingRounds !== undefined && round - best.round >= p.earlyStoppingRounds;
        }
      }
      if (options.onRound) await options.onRound({ model: modelData(), rngDraws: draws, ...(fingerprint ? { fingerprint } : {}) });
      if (stopped) break;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    // A resume that adds no round still reports the model's metrics (a tuning job's objective): those
    // of the rebuilt margins, which are the checkpoint's last round's. No round line is logged again.
    if (evaluate && resume && start > 0 && (start >= p.numRound || stopped) && finalMetrics.length === 0) finalMetrics = evaluateAll(start - 1).metrics;
    return new GbdtModel(modelData(), finalMetrics);
  } finally {
    await runner.close();
  }
}

/** Whether training draws from the random stream in its rounds (row or column subsampling). */
function samples(p: GbdtParams): boolean {
  return p.subsample < 1 || p.colsampleBytree < 1 || p.colsampleBylevel < 1 || p.colsampleBynode < 1;
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

function sampleFeatures(set: Uint8Array, frac: number, rng: { int(n: number): number }): Uint8Array {
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
