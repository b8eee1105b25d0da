import type { LabeledData } from '../data/matrix.js';
import type { KernelRunner } from './kernel-runner.js';
import type { GbdtParams } from './params.js';

/**
 * What a checkpoint was trained on, so that a resume on other data or other hyperparameters is refused
 * instead of silently continuing a different model: the training row count, hashes of the labels and
 * weights and of the quantile cut points (which depend on every feature value, `max_bin` and the
 * sketch's row sample), and the hyperparameters that shape the trees ({@link shapingParams}).
 */
export interface GbdtFingerprint {
  readonly rows: number;
  /** Hash of the training labels and instance weights. */
  readonly labels: string;
  /** Hash of the quantile cuts, bin counts and per-feature minimums the rows were binned with. */
  readonly cuts: string;
  readonly params: Readonly<Record<string, string | number>>;
}

/**
 * The hyperparameters a resumed run must share with its checkpoint, by XGBoost's names: every one that
 * changes a tree, the random stream or where early stopping stops. Left out: `num_round` (a resume's
 * purpose is to change it), `eval_metric` except the metric early stopping watches, `nthread` (models
 * are identical on any thread count) and the accepted-but-ignored ones (`verbosity`, `silent`, …).
 */
export function shapingParams(p: GbdtParams): Record<string, string | number> {
  return {
    objective: p.objective, num_class: p.objective.startsWith('multi:') ? p.numClass : 1, eta: p.eta, max_depth: p.maxDepth, min_child_weight: p.minChildWeight,
    subsample: p.subsample, colsample_bytree: p.colsampleBytree, colsample_bylevel: p.colsampleBylevel, colsample_bynode: p.colsampleBynode,
    lambda: p.lambda, alpha: p.alpha, gamma: p.gamma, max_bin: p.maxBin, max_delta_step: p.maxDeltaStep, scale_pos_weight: p.scalePosWeight,
    seed: p.seed, base_score: p.baseScore,
    early_stopping_rounds: p.earlyStoppingRounds ?? 'none', ...(p.earlyStoppingRounds !== undefined ? { early_stopping_metric: p.earlyStoppingMetric } : {}),
  };
}

/** The fingerprint of a run on `train`, once its rows are binned (the runner's context holds the cuts). */
export function gbdtFingerprint(train: LabeledData, runner: KernelRunner, p: GbdtParams): GbdtFingerprint {
  const c = runner.ctx;
  const labels = [train.y, ...(train.weights ? [train.weights] : [])];
  return { rows: train.x.rows, labels: hashViews(labels), cuts: hashViews([c.cuts, c.nbins, c.minVals]), params: shapingParams(p) };
}

/**
 * What differs between a checkpoint's fingerprint and this run's, one phrase each (empty when nothing
 * does), e.g. `max_depth 4 in the checkpoint, 6 in this job`.
 */
export function fingerprintDifferences(theirs: GbdtFingerprint, ours: GbdtFingerprint): string[] {
  const out: string[] = [];
  if (theirs.rows !== ours.rows) out.push(`training rows ${theirs.rows} in the checkpoint, ${ours.rows} in this job`);
  else if (theirs.labels !== ours.labels) out.push('the training labels or weights differ');
  if (theirs.cuts !== ours.cuts) out.push("the features' quantile cut points differ (other feature values, or another max_bin)");
  for (const k of new Set([...Object.keys(theirs.params), ...Object.keys(ours.params)])) {
    if (theirs.params[k] !== ours.params[k]) out.push(`${k} ${String(theirs.params[k] ?? 'unset')} in the checkpoint, ${String(ours.params[k] ?? 'unset')} in this job`);
  }
  return out;
}

/**
 * A 64-bit hash (hex) of the views' bytes, in order: two multiply-xorshift lanes over 32-bit words. Not
 * cryptographic: it tells a checkpoint's data from other data, it does not guard against forgery.
 */
export function hashViews(views: readonly ArrayBufferView[]): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x9e3779b9;
  for (const v of views) {
    const aligned = v.byteOffset % 4 === 0 ? v : new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
    const words = new Uint32Array(aligned.buffer, aligned.byteOffset, aligned.byteLength >>> 2);
    for (let i = 0; i < words.length; i++) {
      const w = words[i] as number;
      h1 = Math.imul(h1 ^ w, 0x01000193);
      h1 ^= h1 >>> 15;
      h2 = Math.imul(h2 ^ w, 0x5bd1e995);
      h2 ^= h2 >>> 13;
    }
    const tail = new Uint8Array(aligned.buffer, aligned.byteOffset + words.length * 4, aligned.byteLength & 3);
    for (const b of tail) {
      h1 = Math.imul(h1 ^ b, 0x01000193);
      h2 = Math.imul(h2 ^ b, 0x5bd1e995);
    }
    h1 = Math.imul(h1 ^ v.byteLength, 0x85ebca6b);
    h2 = Math.imul(h2 ^ v.byteLength, 0xc2b2ae35);
  }
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}
