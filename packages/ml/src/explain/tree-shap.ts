import type { DenseMatrix } from '../data/matrix.js';
import { type GbdtModelData, type GbdtTree, isLeaf, servedTrees } from '../gbdt/model.js';

interface PathElem {
  d: number;
  z: number;
  o: number;
  w: number;
}

/** The child a row goes to (XGBoost semantics: `x < threshold` in float32 goes left; NaN follows the default). */
function hotChild(tree: GbdtTree, k: number, x: ArrayLike<number>): number {
  const v = x[tree.feature[k] as number] as number;
  if (v !== v) return tree.defaultLeft[k] ? (tree.left[k] as number) : (tree.right[k] as number);
  return Math.fround(v) < (tree.threshold[k] as number) ? (tree.left[k] as number) : (tree.right[k] as number);
}

function extend(m: PathElem[], pz: number, po: number, pi: number): PathElem[] {
  const l = m.length;
  const out = m.map((e) => ({ ...e }));
  out.push({ d: pi, z: pz, o: po, w: l === 0 ? 1 : 0 });
  for (let i = l - 1; i >= 0; i--) {
    (out[i + 1] as PathElem).w += (po * (out[i] as PathElem).w * (i + 1)) / (l + 1);
    (out[i] as PathElem).w = (pz * (out[i] as PathElem).w * (l - i)) / (l + 1);
  }
  return out;
}

function unwind(m: PathElem[], i: number): PathElem[] {
  const l = m.length - 1;
  const out = m.map((e) => ({ ...e }));
  let n = (out[l] as PathElem).w;
  const { o, z } = out[i] as PathElem;
  for (let j = l - 1; j >= 0; j--) {
    const e = out[j] as PathElem;
    if (o !== 0) {
      const t = e.w;
      e.w = (n * (l + 1)) / ((j + 1) * o);
      n = t - (e.w * z * (l - j)) / (l + 1);
    } else {
      e.w = (e.w * (l + 1)) / (z * (l - j));
    }
  }
  for (let j = i; j < l; j++) {
    const e = out[j] as PathElem;
    const nx = out[j + 1] as PathElem;
    e.d = nx.d;
    e.z = nx.z;
    e.o = nx.o;
  }
  out.length = l;
  return out;
}

/** Adds one tree's exact (path-dependent) SHAP values for row `x` to `phi` (Lundberg et al. 2020, Algorithm 2). */
export function treeShapOne(tree: GbdtTree, x: ArrayLike<number>, phi: Float64Array): void {
  const recurse = (j: number, m: PathElem[], pz: number, po: number, pi: number): void => {
    const path = extend(m, pz, po, pi);
    if (isLeaf(tree, j)) {
      for (let i = 1; i < path.length; i++) {
        const w = unwind(path, i).reduce((s, e) => s + e.w, 0);
        const e = path[i] as PathElem;
        phi[e.d] = (phi[e.d] as number) + w * (e.o - e.z) * (tree.value[j] as number);
      }
      return;
    }
    const h = hotChild(tree, j, x);
    const c = h === tree.left[j] ? (tree.right[j] as number) : (tree.left[j] as number);
    const dj = tree.feature[j] as number;
    let iz = 1;
    let io = 1;
    let p = path;
    const k = p.findIndex((e, idx) => idx > 0 && e.d === dj);
    if (k > 0) {
      iz = (p[k] as PathElem).z;
      io = (p[k] as PathElem).o;
      p = unwind(p, k);
    }
    const rj = tree.cover[j] as number;
    recurse(h, p, (iz * (tree.cover[h] as number)) / rj, io, dj);
    recurse(c, p, (iz * (tree.cover[c] as number)) / rj, 0, dj);
  };
  recurse(0, [], 1, 1, -1);
}

/** The cover-weighted mean output of a tree: its contribution to the expected value. */
export function treeExpectedValue(tree: GbdtTree, k = 0): number {
  if (isLeaf(tree, k)) return tree.value[k] as number;
  const l = tree.left[k] as number;
  const r = tree.right[k] as number;
  return ((tree.cover[l] as number) * treeExpectedValue(tree, l) + (tree.cover[r] as number) * treeExpectedValue(tree, r)) / (tree.cover[k] as number);
}

export interface TreeShapResult {
  /** φ in margin space, `rows × features`, row-major. */
  readonly local: Float64Array;
  /** The expected margin: base margin plus each tree's cover-weighted mean output. */
  readonly expectedValue: number;
}

/**
 * Exact TreeSHAP for a GBDT's output group `group` (margin space, as XGBoost's `pred_contribs`), over
 * the trees the model predicts with: for every row, φ sums with `expectedValue` to the row's margin.
 */
export function treeShap(data: GbdtModelData, x: DenseMatrix, group = 0): TreeShapResult {
  const model = servedTrees(data);
  const n = x.rows;
  const p = model.numFeatures;
  const local = new Float64Array(n * p);
  const row = new Float64Array(x.cols);
  const phi = new Float64Array(p);
  const trees = model.trees.filter((_, t) => model.treeGroup[t] === group);
  let expected = model.baseMargin;
  for (const t of trees) expected += treeExpectedValue(t);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < x.cols; j++) row[j] = x.data[j * n + i] as number;
    phi.fill(0);
    for (const t of trees) treeShapOne(t, row, phi);
    local.set(phi, i * p);
  }
  return { local, expectedValue: expected };
}

/** Margin of one row for output group `group`. */
export function gbdtMargin(data: GbdtModelData, x: ArrayLike<number>, group = 0): number {
  const model = servedTrees(data);
  let s = model.baseMargin;
  model.trees.forEach((tree, t) => {
    if (model.treeGroup[t] !== group) return;
    let k = 0;
    while (!isLeaf(tree, k)) k = hotChild(tree, k, x);
    s += tree.value[k] as number;
  });
  return s;
}
