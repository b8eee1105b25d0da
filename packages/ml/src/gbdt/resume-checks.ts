import { MlInputError } from '../errors.js';
import type { GbdtCheckpoint } from './checkpoint.js';
import { fingerprintDifferences, type GbdtFingerprint } from './fingerprint.js';
import type { GbdtTree } from './model.js';
import type { GbdtParams } from './params.js';

const NEW_URI = 'Use a new CheckpointConfig S3Uri to train from scratch.';

/**
 * A checkpoint continues only the run it came from: same objective, output groups and features, whole
 * rounds, and (when it has a fingerprint) the same training rows, labels, weights, cut points and
 * shaping hyperparameters; its `rngDraws` must be exactly the draws its rounds take.
 * @throws MlInputError naming what differs and asking for a new CheckpointConfig S3Uri.
 */
export function checkResumable(cp: GbdtCheckpoint, p: GbdtParams, rows: number, cols: number, ours: GbdtFingerprint): void {
  const m = cp.model;
  const G = p.objective.startsWith('multi:') ? p.numClass : 1;
  const differs = (what: string, theirs: string | number, mine: string | number) =>
    new MlInputError(`The checkpoint was trained with ${what} ${theirs}; this job has ${mine}. ${NEW_URI}`, { field: what });
  if (m.objective !== p.objective) throw differs('objective', m.objective, p.objective);
  if (m.numGroups !== G) throw differs('num_class', m.numGroups, G);
  if (m.numFeatures !== cols) throw differs('feature count', m.numFeatures, cols);
  if (m.trees.length % G !== 0 || m.treeGroup.some((g, t) => g !== t % G)) {
    throw new MlInputError(`The checkpoint's ${m.trees.length} trees are not whole rounds of ${G} output groups (one tree per group per round, in group order).`, { field: 'treeGroup' });
  }
  if (cp.fingerprint) {
    const diff = fingerprintDifferences(cp.fingerprint, ours);
    if (diff.length > 0) throw new MlInputError(`The checkpoint was trained on other data or hyperparameters: ${diff.join('; ')}. ${NEW_URI}`, { field: 'checkpoint.fingerprint' });
  }
  if (cp.rngDraws !== undefined) {
    const expected = drawsOf(m.trees, p, rows, cols);
    if (cp.rngDraws !== expected) {
      throw new MlInputError(`The checkpoint's rngDraws ${cp.rngDraws} is not the ${expected} random draws its ${m.trees.length / G} rounds take with these hyperparameters: it is damaged. ${NEW_URI}`, { field: 'checkpoint.rngDraws' });
    }
  }
}

/**
 * The random draws the rounds of `trees` took, exactly: `n` per round with `subsample` < 1, and for
 * each tree the draws of `colsample_bytree` (once), `colsample_bylevel` (each level grown below
 * `max_depth`) and `colsample_bynode` (each node on such a level), each picking
 * `max(1, ⌊frac · set size⌋)` features. A resume replays this many, so a checkpoint cannot make it spin
 * for longer than its own rounds took to sample.
 */
export function drawsOf(trees: readonly GbdtTree[], p: GbdtParams, rows: number, cols: number): number {
  const G = p.objective.startsWith('multi:') ? p.numClass : 1;
  const pick = (size: number, frac: number) => (frac < 1 ? Math.max(1, Math.floor(frac * size)) : 0);
  const treeSet = p.colsampleBytree < 1 ? pick(cols, p.colsampleBytree) : cols;
  const levelSet = p.colsampleBylevel < 1 ? pick(treeSet, p.colsampleBylevel) : treeSet;
  const perLevel = pick(treeSet, p.colsampleBylevel);
  const perNode = pick(levelSet, p.colsampleBynode);
  let total = p.subsample < 1 ? (trees.length / G) * rows : 0;
  for (const t of trees) {
    total += pick(cols, p.colsampleBytree);
    if (perLevel === 0 && perNode === 0) continue;
    // Nodes per depth (children always follow their parent, so one pass finds every depth).
    const depth = new Int32Array(t.left.length);
    const atDepth = new Array<number>(p.maxDepth).fill(0);
    for (let k = 0; k < t.left.length; k++) {
      const d = depth[k] as number;
      if (d < p.maxDepth) atDepth[d]!++;
      const l = t.left[k] as number;
      if (l >= 0) {
        depth[l] = d + 1;
        depth[t.right[k] as number] = d + 1;
      }
    }
    for (const nodes of atDepth) if (nodes > 0) total += perLevel + nodes * perNode;
  }
  return total;
}
