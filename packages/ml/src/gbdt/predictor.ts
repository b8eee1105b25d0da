import type { DenseMatrix } from '../data/matrix.js';
import type { GbdtModelData } from './model.js';

/**
 * All trees of a model packed into one set of typed arrays (absolute child indices), so prediction
 * walks flat memory with no per-tree objects. Leaves have `feature = -1`.
 */
export class PackedForest implements ForestLayout {
  readonly feature: Int32Array;
  readonly threshold: Float32Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly defaultLeft: Uint8Array;
  readonly value: Float64Array;
  readonly roots: Int32Array;
  readonly groups: Int32Array;
  /** Every right child directly follows its left sibling (true for trees this package grows). */
  private readonly adjacent: boolean;

  constructor(readonly model: GbdtModelData) {
    const total = model.trees.reduce((s, t) => s + t.left.length, 0);
    this.feature = new Int32Array(total);
    this.threshold = new Float32Array(total);
    this.left = new Int32Array(total);
    this.right = new Int32Array(total);
    this.defaultLeft = new Uint8Array(total);
    this.value = new Float64Array(total);
    this.roots = new Int32Array(model.trees.length);
    this.groups = Int32Array.from(model.treeGroup);
    let off = 0;
    model.trees.forEach((t, i) => {
      this.roots[i] = off;
      for (let k = 0; k < t.left.length; k++) {
        const leaf = (t.left[k] as number) < 0;
        this.feature[off + k] = leaf ? -1 : (t.feature[k] as number);
        this.threshold[off + k] = t.threshold[k] as number;
        this.left[off + k] = leaf ? -1 : off + (t.left[k] as number);
        this.right[off + k] = leaf ? -1 : off + (t.right[k] as number);
        this.defaultLeft[off + k] = t.defaultLeft[k] as number;
        this.value[off + k] = t.value[k] as number;
      }
      off += t.left.length;
    });
    let adjacent = true;
    for (let k = 0; k < total && adjacent; k++) if ((this.feature[k] as number) >= 0 && this.right[k] !== (this.left[k] as number) + 1) adjacent = false;
    this.adjacent = adjacent;
  }

  /** Adds the forest's output for row-major `rows × cols` block `x` to `margin` (`rows × groups`), using trees `[t0, t1)`. */
  addBlock(x: Float32Array, rows: number, cols: number, margin: Float64Array, marginOffset: number, t0 = 0, t1 = this.roots.length): void {
    const { feature, threshold, left, right, defaultLeft, value } = this;
    const G = this.model.numGroups;
    if (this.adjacent) {
      this.addBlockAdjacent(x, rows, cols, margin, marginOffset, t0, t1);
      return;
    }
    for (let t = t0; t < t1; t++) {
      const root = this.roots[t] as number;
      const g = this.groups[t] as number;
      for (let i = 0; i < rows; i++) {
        const base = i * cols;
        let k = root;
        let f = feature[k] as number;
        while (f >= 0) {
          const v = x[base + f] as number;
          k = v !== v ? (defaultLeft[k] === 1 ? (left[k] as number) : (right[k] as number)) : v < (threshold[k] as number) ? (left[k] as number) : (right[k] as number);
          f = feature[k] as number;
        }
        const o = marginOffset + i * G + g;
        margin[o] = (margin[o] as number) + (value[k] as number);
      }
    }
  }

  /**
   * {@link addBlock} for trees whose right child is `left + 1`: the next node is
   * `left[k] + goRight`, computed without a branch on the (unpredictable) comparison. A missing
   * value goes right exactly when the node's default is right.
   */
  private addBlockAdjacent(x: Float32Array, rows: number, cols: number, margin: Float64Array, marginOffset: number, t0: number, t1: number): void {
    if (rows === 1) {
      this.addRowAdjacent(x, margin, marginOffset, t0, t1);
      return;
    }
    const { feature, threshold, left, defaultLeft, value } = this;
    const G = this.model.numGroups;
    for (let t = t0; t < t1; t++) {
      const root = this.roots[t] as number;
      const g = this.groups[t] as number;
      for (let i = 0; i < rows; i++) {
        const base = i * cols;
        let k = root;
        let f = feature[k] as number;
        while (f >= 0) {
          const v = x[base + f] as number;
          // For NaN both comparisons are false: goRight = 1 − defaultLeft.
          const goRight = v !== v ? 1 - (defaultLeft[k] as number) : +(v >= (threshold[k] as number));
          k = (left[k] as number) + goRight;
          f = feature[k] as number;
        }
        const o = marginOffset + i * G + g;
        margin[o] = (margin[o] as number) + (value[k] as number);
      }
    }
  }

  /**
   * One row (real-time inference): four trees walked side by side, so the four chains of dependent
   * loads (node → feature → value → child) overlap instead of running one after another.
   */
  private addRowAdjacent(x: Float32Array, margin: Float64Array, mo: number, t0: number, t1: number): void {
    const { feature, threshold, left, defaultLeft, value, roots, groups } = this;
    const step = (k: number, f: number): number => {
      const v = x[f] as number;
      return (left[k] as number) + (v !== v ? 1 - (defaultLeft[k] as number) : +(v >= (threshold[k] as number)));
    };
    let t = t0;
    for (; t + 4 <= t1; t += 4) {
      let k0 = roots[t] as number, k1 = roots[t + 1] as number, k2 = roots[t + 2] as number, k3 = roots[t + 3] as number;
      let f0 = feature[k0] as number, f1 = feature[k1] as number, f2 = feature[k2] as number, f3 = feature[k3] as number;
      // Leaves have feature −1: the AND of the four is negative only once all four reached a leaf.
      while ((f0 & f1 & f2 & f3) >= 0) {
        if (f0 >= 0) f0 = feature[(k0 = step(k0, f0))] as number;
        if (f1 >= 0) f1 = feature[(k1 = step(k1, f1))] as number;
        if (f2 >= 0) f2 = feature[(k2 = step(k2, f2))] as number;
        if (f3 >= 0) f3 = feature[(k3 = step(k3, f3))] as number;
      }
      margin[mo + (groups[t] as number)] = (margin[mo + (groups[t] as number)] as number) + (value[k0] as number);
      margin[mo + (groups[t + 1] as number)] = (margin[mo + (groups[t + 1] as number)] as number) + (value[k1] as number);
      margin[mo + (groups[t + 2] as number)] = (margin[mo + (groups[t + 2] as number)] as number) + (value[k2] as number);
      margin[mo + (groups[t + 3] as number)] = (margin[mo + (groups[t + 3] as number)] as number) + (value[k3] as number);
    }
    for (; t < t1; t++) {
      let k = roots[t] as number;
      let f = feature[k] as number;
      while (f >= 0) f = feature[(k = step(k, f))] as number;
      margin[mo + (groups[t] as number)] = (margin[mo + (groups[t] as number)] as number) + (value[k] as number);
    }
  }
}

/** A forest layout that adds its trees' outputs to margins ({@link PackedForest}, `CompleteForest`). */
export interface ForestLayout {
  readonly model: GbdtModelData;
  /** Adds the forest's output for row-major `rows × cols` block `x` to `margin` (`rows × groups`), using trees `[t0, t1)`. */
  addBlock(x: Float32Array, rows: number, cols: number, margin: Float64Array, marginOffset: number, t0?: number, t1?: number): void;
}

/** Margins (`rows × groups`, row-major) of a column-major matrix, in row-major blocks of 256 rows. */
export function forestMargins(forest: ForestLayout, m: DenseMatrix, t0 = 0, t1 = forest.model.trees.length): Float64Array {
  const G = forest.model.numGroups;
  const out = new Float64Array(m.rows * G).fill(forest.model.baseMargin);
  // No bigger than the matrix: a one-row request (real-time inference) must not allocate 256 rows.
  const B = Math.min(256, Math.max(1, m.rows));
  const block = new Float32Array(B * m.cols);
  for (let r0 = 0; r0 < m.rows; r0 += B) {
    const rows = Math.min(B, m.rows - r0);
    for (let j = 0; j < m.cols; j++) {
      const src = j * m.rows + r0;
      for (let i = 0; i < rows; i++) block[i * m.cols + j] = m.data[src + i] as number;
    }
    forest.addBlock(block, rows, m.cols, out, r0 * G, t0, t1);
  }
  return out;
}
