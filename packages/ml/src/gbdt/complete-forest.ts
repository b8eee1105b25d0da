import type { GbdtModelData, GbdtTree } from './model.js';
import type { ForestLayout } from './predictor.js';

/** Deepest tree laid out complete (2^8 leaves a tree). */
const MAX_DEPTH = 8;
/** The complete layout is used only when padding at most doubles the node count … */
const MAX_PADDING = 2;
/** … and the padded arrays stay under this many bytes. */
const MAX_BYTES = 64 << 20;

/** Levels below node 0 (0 for a lone leaf), or `MAX_DEPTH + 1` once deeper than that; iterative. */
function depthOf(t: GbdtTree): number {
  let deepest = 0;
  let level = [0];
  for (let d = 0; level.length > 0 && d <= MAX_DEPTH; d++) {
    const next: number[] = [];
    for (const k of level) {
      if (isSplit(t, k)) next.push(t.left[k] as number, t.right[k] as number);
    }
    if (next.length > 0) deepest = d + 1;
    level = next;
  }
  return deepest;
}

/** A split node (the walks treat a node with no children or no feature as a leaf). */
const isSplit = (t: GbdtTree, k: number): boolean => (t.left[k] as number) >= 0 && (t.feature[k] as number) >= 0;

/**
 * A shallow forest (every tree at most {@link MAX_DEPTH} levels) stored as complete binary trees of
 * the forest's depth `D` in heap order: node `k`'s children are `2k + 1` (left) and `2k + 2`
 * (right), so a walk needs no child array and every walk is exactly `D` steps, with no branch on
 * "is this a leaf". A leaf shallower than `D` is padded with split nodes whose descendant leaves all
 * carry its value, so whichever way a padded split goes, the row lands on that value.
 *
 * For real-time inference (one row, depth-6 forests, the default) this walks in about half the time
 * of {@link PackedForest}'s child-index walk: measured on the serving bench's 100-tree model.
 */
export class CompleteForest implements ForestLayout {
  /** Internal nodes per tree (`2^D − 1`). */
  private readonly inner: number;
  /** Leaves per tree (`2^D`). */
  private readonly leaves: number;
  /** Per internal node: split feature, threshold, and 1 when a missing value goes right. */
  private readonly feature: Int32Array;
  private readonly threshold: Float32Array;
  private readonly missingRight: Uint8Array;
  /** Per leaf (tree-major): the value added to the margin. */
  private readonly value: Float64Array;
  private readonly groups: Int32Array;

  /**
   * The complete layout of `model`, or `undefined` when it would not pay: a tree deeper than
   * {@link MAX_DEPTH}, trees so sparse that padding would more than double the nodes (one deep tree
   * among stumps), or padded arrays over {@link MAX_BYTES}. `whenSparse` skips the last two rules (tests).
   */
  static of(model: GbdtModelData, whenSparse = false): CompleteForest | undefined {
    let depth = 0;
    let nodes = 0;
    for (const t of model.trees) {
      if (t.left.length === 0) return undefined;
      depth = Math.max(depth, depthOf(t));
      if (depth > MAX_DEPTH) return undefined;
      nodes += t.left.length;
    }
    const padded = model.trees.length * ((2 << depth) - 1);
    const bytes = model.trees.length * (((1 << depth) - 1) * 9 + (1 << depth) * 8);
    if (!whenSparse && (padded > MAX_PADDING * nodes || bytes > MAX_BYTES)) return undefined;
    return new CompleteForest(model, depth);
  }

  private constructor(readonly model: GbdtModelData, readonly depth: number) {
    const T = model.trees.length;
    this.inner = (1 << depth) - 1;
    this.leaves = 1 << depth;
    this.feature = new Int32Array(T * this.inner);
    this.threshold = new Float32Array(T * this.inner);
    this.missingRight = new Uint8Array(T * this.inner);
    this.value = new Float64Array(T * this.leaves);
    this.groups = Int32Array.from(model.treeGroup);
    model.trees.forEach((t, i) => this.place(t, i * this.inner, i * this.leaves, 0, 0, 0));
  }

  /** Copies tree node `k` to heap position `pos` at level `d` (padding below a shallow leaf). */
  private place(t: GbdtTree, nodeBase: number, leafBase: number, k: number, pos: number, d: number): void {
    if (d === this.depth) {
      this.value[leafBase + pos - this.inner] = t.value[k] as number;
      return;
    }
    const isLeaf = !isSplit(t, k);
    if (!isLeaf) {
      this.feature[nodeBase + pos] = t.feature[k] as number;
      this.threshold[nodeBase + pos] = t.threshold[k] as number;
      // As the child-index walk reads it: missing goes left exactly when defaultLeft is 1.
      this.missingRight[nodeBase + pos] = t.defaultLeft[k] === 1 ? 0 : 1;
    }
    this.place(t, nodeBase, leafBase, isLeaf ? k : (t.left[k] as number), 2 * pos + 1, d + 1);
    this.place(t, nodeBase, leafBase, isLeaf ? k : (t.right[k] as number), 2 * pos + 2, d + 1);
  }

  /** Adds the forest's output for row-major `rows × cols` block `x` to `margin` (`rows × groups`), using trees `[t0, t1)`. */
  addBlock(x: Float32Array, rows: number, cols: number, margin: Float64Array, marginOffset: number, t0 = 0, t1 = this.groups.length): void {
    const G = this.model.numGroups;
    for (let i = 0; i < rows; i++) this.addRow(x, i * cols, margin, marginOffset + i * G, t0, t1);
  }

  /** One row `x[base, base + cols)`: four trees walked side by side so their chains of dependent loads overlap. */
  private addRow(x: Float32Array, base: number, margin: Float64Array, mo: number, t0: number, t1: number): void {
    const { feature: f, threshold: th, missingRight: mr, value, groups, inner: NI, leaves: NL, depth: D } = this;
    // Left child 2k + 1, right 2k + 2: right when x >= threshold, or when x is missing and the node sends missing right.
    let v = 0;
    let t = t0;
    for (; t + 4 <= t1; t += 4) {
      const b0 = t * NI, b1 = b0 + NI, b2 = b1 + NI, b3 = b2 + NI;
      let k0 = 0, k1 = 0, k2 = 0, k3 = 0;
      for (let d = 0; d < D; d++) {
        v = x[base + (f[b0 + k0] as number)] as number;
        k0 = 2 * k0 + 1 + (v !== v ? (mr[b0 + k0] as number) : +(v >= (th[b0 + k0] as number)));
        v = x[base + (f[b1 + k1] as number)] as number;
        k1 = 2 * k1 + 1 + (v !== v ? (mr[b1 + k1] as number) : +(v >= (th[b1 + k1] as number)));
        v = x[base + (f[b2 + k2] as number)] as number;
        k2 = 2 * k2 + 1 + (v !== v ? (mr[b2 + k2] as number) : +(v >= (th[b2 + k2] as number)));
        v = x[base + (f[b3 + k3] as number)] as number;
        k3 = 2 * k3 + 1 + (v !== v ? (mr[b3 + k3] as number) : +(v >= (th[b3 + k3] as number)));
      }
      const l = t * NL - NI;
      margin[mo + (groups[t] as number)] = (margin[mo + (groups[t] as number)] as number) + (value[l + k0] as number);
      margin[mo + (groups[t + 1] as number)] = (margin[mo + (groups[t + 1] as number)] as number) + (value[l + NL + k1] as number);
      margin[mo + (groups[t + 2] as number)] = (margin[mo + (groups[t + 2] as number)] as number) + (value[l + 2 * NL + k2] as number);
      margin[mo + (groups[t + 3] as number)] = (margin[mo + (groups[t + 3] as number)] as number) + (value[l + 3 * NL + k3] as number);
    }
    for (; t < t1; t++) {
      const b = t * NI;
      let k = 0;
      for (let d = 0; d < D; d++) {
        v = x[base + (f[b + k] as number)] as number;
        k = 2 * k + 1 + (v !== v ? (mr[b + k] as number) : +(v >= (th[b + k] as number)));
      }
      margin[mo + (groups[t] as number)] = (margin[mo + (groups[t] as number)] as number) + (value[t * NL - NI + k] as number);
    }
  }
}
