import { describe, expect, it } from 'vitest';
import { Rng } from '../data/random.js';
import { CompleteForest } from './complete-forest.js';
import type { GbdtModelData, GbdtTree } from './model.js';
import { forestMargins, PackedForest } from './predictor.js';

const COLS = 6;

/**
 * A random tree up to `maxDepth` levels: leaves at every depth, children in either order in the
 * arrays (so the child-index walk is not the "adjacent" one), thresholds drawn from the same few
 * values the rows use (ties exercise `>=`), missing values sent either way.
 */
function randomTree(rng: Rng, maxDepth: number, forceDepth: boolean, growP = 0.7): GbdtTree {
  const left: number[] = [], right: number[] = [], feature: number[] = [], threshold: number[] = [], defaultLeft: number[] = [], value: number[] = [];
  const grow = (d: number, mustGrow: boolean): number => {
    const k = left.length;
    left.push(-1); right.push(-1); feature.push(-1); threshold.push(0); defaultLeft.push(rng.next() < 0.5 ? 1 : 0); value.push(rng.next() * 2 - 1);
    if (d < maxDepth && (mustGrow || rng.next() < growP)) {
      feature[k] = Math.floor(rng.next() * COLS);
      threshold[k] = Math.floor(rng.next() * 5) - 2;
      const rightFirst = rng.next() < 0.5;
      const a = grow(d + 1, mustGrow && !rightFirst);
      const b = grow(d + 1, mustGrow && rightFirst);
      left[k] = rightFirst ? b : a;
      right[k] = rightFirst ? a : b;
    }
    return k;
  };
  grow(0, forceDepth);
  const n = left.length;
  return {
    left: Int32Array.from(left), right: Int32Array.from(right), feature: Int32Array.from(feature), threshold: Float32Array.from(threshold),
    defaultLeft: Uint8Array.from(defaultLeft), value: Float64Array.from(value), cover: new Float64Array(n), gain: new Float64Array(n),
  };
}

function randomForest(seed: number, trees: number, maxDepth: number, groups = 1): GbdtModelData {
  const rng = new Rng(seed);
  const list = Array.from({ length: trees }, (_, t) => randomTree(rng, maxDepth, t === 1));
  return {
    objective: groups > 1 ? 'multi:softprob' : 'reg:squarederror', numGroups: groups, numFeatures: COLS, baseScore: 0.5, baseMargin: 0.25, bestIteration: trees - 1,
    trees: list, treeGroup: Int32Array.from(list, (_, t) => t % groups),
  };
}

/** Column-major rows with ties, NaN and ±Infinity among ordinary values. */
function randomRows(seed: number, rows: number): { rows: number; cols: number; data: Float32Array } {
  const rng = new Rng(seed);
  const special = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
  const data = Float32Array.from({ length: rows * COLS }, () => {
    const u = rng.next();
    return u < 0.15 ? (special[Math.floor(rng.next() * 3)] as number) : u < 0.5 ? Math.floor(rng.next() * 5) - 2 : rng.next() * 6 - 3;
  });
  return { rows, cols: COLS, data };
}

describe('CompleteForest (shallow trees walked as complete binary trees)', () => {
  it.each([
    ['single output, depth ≤ 6', 1, 37, 6],
    ['three output groups, depth ≤ 8', 3, 30, 8],
    ['stumps and single-leaf trees', 1, 9, 1],
  ])('adds the same margins as the child-index walk: %s', (_, groups, trees, depth) => {
    const model = randomForest(7 + depth, trees, depth, groups);
    const complete = CompleteForest.of(model, true);
    expect(complete?.depth).toBe(depth);
    const packed = new PackedForest(model);
    const x = randomRows(11, 300);
    expect(forestMargins(complete as CompleteForest, x)).toEqual(forestMargins(packed, x));
    // A sub-range of trees (an iteration range) and one row at a time agree too.
    expect(forestMargins(complete as CompleteForest, x, 3, trees - 2)).toEqual(forestMargins(packed, x, 3, trees - 2));
    const one = { rows: 1, cols: COLS, data: x.data.filter((_, k) => k % 300 === 5) };
    expect(forestMargins(complete as CompleteForest, one)).toEqual(forestMargins(packed, one));
  });

  it('is not used for a forest with a tree deeper than 8 levels, or one that padding would more than double', () => {
    expect(CompleteForest.of(randomForest(3, 4, 9), true)).toBeUndefined();
    // Full trees pad nothing; one full depth-8 tree among stumps would pad every stump to 511 nodes.
    const full = (depth: number): GbdtTree => randomTree(new Rng(depth), depth, true, 1);
    const model = (trees: GbdtTree[]): GbdtModelData => ({ ...randomForest(1, 1, 1), trees, treeGroup: new Int32Array(trees.length) });
    expect(CompleteForest.of(model([full(6), full(6), full(5)]))?.depth).toBe(6);
    expect(CompleteForest.of(model([full(8), ...Array.from({ length: 9 }, () => full(1))]))).toBeUndefined();
  });

  it('reads a split without a feature as a leaf and any defaultLeft other than 1 as "missing goes right", as the child-index walk does', () => {
    const t = randomTree(new Rng(4), 3, true, 1);
    const model: GbdtModelData = { ...randomForest(1, 1, 1), trees: [t], treeGroup: new Int32Array(1) };
    (t.feature as Int32Array)[0] = -1;
    const x = randomRows(8, 50);
    expect(forestMargins(CompleteForest.of(model, true) as CompleteForest, x)).toEqual(forestMargins(new PackedForest(model), x));
    (t.feature as Int32Array)[0] = 2;
    (t.defaultLeft as Uint8Array).fill(2);
    expect(forestMargins(CompleteForest.of(model, true) as CompleteForest, x)).toEqual(forestMargins(new PackedForest(model), x));
  });

  it('handles a forest of single leaves (depth 0)', () => {
    const leaf = randomForest(5, 3, 0);
    const x = randomRows(2, 4);
    expect(forestMargins(CompleteForest.of(leaf, true) as CompleteForest, x)).toEqual(forestMargins(new PackedForest(leaf), x));
  });
});
