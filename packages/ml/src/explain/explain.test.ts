import { describe, expect, it } from 'vitest';
import { type DenseMatrix, fromRows } from '../data/matrix.js';
import { Rng } from '../data/random.js';
import type { GbdtModelData, GbdtTree } from '../gbdt/model.js';
import { aggregateShap, gbdtMargin, kernelShap, partialDependence, treeShap } from './index.js';

const row = (m: DenseMatrix, i: number): number[] => Array.from({ length: m.cols }, (_, j) => m.data[j * m.rows + i] as number);

/** A non-additive model: interactions and curvature, so Shapley values are not just the terms. */
const model = (r: readonly number[]): number =>
  r.reduce((s, v, j) => s + (j % 3 === 0 ? v : j % 3 === 1 ? Math.sin(v) : 0.3 * v * v), 0) + 2 * (r[0] as number) * (r[1] as number) - (r[2] as number) * (r[r.length - 1] as number);
const predict = (m: DenseMatrix): Float64Array => Float64Array.from({ length: m.rows }, (_, i) => model(row(m, i)));

/** Exact Shapley values by enumerating every coalition, with v(S) = mean over the baseline (an independent formula). */
function exactShapley(x: number[], baseline: number[][]): number[] {
  const p = x.length;
  const v = (mask: number): number => baseline.reduce((s, b) => s + model(b.map((bj, j) => (mask & (1 << j) ? (x[j] as number) : bj))), 0) / baseline.length;
  const fact = (k: number): number => (k <= 1 ? 1 : k * fact(k - 1));
  const phi = new Array<number>(p).fill(0);
  for (let i = 0; i < p; i++) {
    for (let mask = 0; mask < 1 << p; mask++) {
      if (mask & (1 << i)) continue;
      const s = mask.toString(2).split('1').length - 1;
      phi[i] = (phi[i] as number) + ((fact(s) * fact(p - s - 1)) / fact(p)) * (v(mask | (1 << i)) - v(mask));
    }
  }
  return phi;
}

function randomRows(n: number, p: number, seed: number): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => Array.from({ length: p }, () => rng.normal()));
}

describe('Kernel SHAP', () => {
  it('equals exact Shapley values when every coalition fits the budget (5 features)', async () => {
    const base = randomRows(6, 5, 1);
    const xs = randomRows(4, 5, 2);
    const r = await kernelShap(predict, fromRows(xs), { baseline: fromRows(base), numSamples: 100, seed: 3 });
    xs.forEach((x, i) => {
      const want = exactShapley(x.map(Math.fround), base.map((b) => b.map(Math.fround)));
      want.forEach((w, j) => expect(r.local[i * 5 + j]!).toBeCloseTo(w, 8));
    });
  });

  it('stays within 0.05 of exact Shapley values when coalitions are sampled (8 features, 230 of 254)', async () => {
    const base = randomRows(5, 8, 4);
    const xs = randomRows(3, 8, 5);
    const r = await kernelShap(predict, fromRows(xs), { baseline: fromRows(base), numSamples: 230, seed: 6 });
    xs.forEach((x, i) => {
      const want = exactShapley(x.map(Math.fround), base.map((b) => b.map(Math.fround)));
      want.forEach((w, j) => expect(Math.abs(r.local[i * 8 + j]! - w), `row ${i} feature ${j}`).toBeLessThan(0.05));
    });
  });

  it('is additive (Σφ + E = f(x)) with a k-means-summarised baseline, and seeded', async () => {
    const data = fromRows(randomRows(200, 6, 7));
    const xs = fromRows(randomRows(5, 6, 8));
    const opts = { data, numClusters: 4, numSamples: 40, seed: 9 } as const;
    const r = await kernelShap(predict, xs, opts);
    const again = await kernelShap(predict, xs, opts);
    expect(Array.from(again.local)).toEqual(Array.from(r.local));
    const f = predict(xs);
    for (let i = 0; i < 5; i++) {
      let s = r.expectedValue;
      for (let j = 0; j < 6; j++) s += r.local[i * 6 + j]!;
      expect(s).toBeCloseTo(f[i]!, 9);
    }
  });

  it('accepts an async predict function (an endpoint)', async () => {
    const r = await kernelShap(async (m) => predict(m), fromRows(randomRows(2, 3, 10)), { baseline: fromRows(randomRows(3, 3, 11)) });
    expect(r.local).toHaveLength(6);
  });

  it('aggregates by mean_abs, median and mean_sq', () => {
    const local = Float64Array.from([1, -2, -3, 4, 5, 6]); // 3 rows × 2 features
    expect(Array.from(aggregateShap(local, 3, 2, 'mean_abs'))).toEqual([3, 4]);
    expect(Array.from(aggregateShap(local, 3, 2, 'median'))).toEqual([1, 4]);
    expect(Array.from(aggregateShap(local, 3, 2, 'mean_sq'))).toEqual([35 / 3, 56 / 3]);
  });
});

/** A random binary tree of the given depth with consistent covers; some splits reuse a feature. */
function randomTree(rng: Rng, depth: number, p: number): GbdtTree {
  const left: number[] = [];
  const right: number[] = [];
  const feature: number[] = [];
  const threshold: number[] = [];
  const defaultLeft: number[] = [];
  const value: number[] = [];
  const cover: number[] = [];
  const build = (d: number): number => {
    const k = left.length;
    left.push(-1);
    right.push(-1);
    feature.push(-1);
    threshold.push(0);
    defaultLeft.push(0);
    value.push(0);
    cover.push(0);
    if (d === depth || (d > 1 && rng.next() < 0.2)) {
      value[k] = rng.normal();
      cover[k] = 1 + rng.int(50);
      return k;
    }
    feature[k] = rng.int(p);
    threshold[k] = Math.fround(rng.normal());
    defaultLeft[k] = rng.int(2);
    const l = build(d + 1);
    const r = build(d + 1);
    left[k] = l;
    right[k] = r;
    cover[k] = (cover[l] as number) + (cover[r] as number);
    value[k] = rng.normal();
    return k;
  };
  build(0);
  return {
    left: Int32Array.from(left),
    right: Int32Array.from(right),
    feature: Int32Array.from(feature),
    threshold: Float32Array.from(threshold),
    defaultLeft: Uint8Array.from(defaultLeft),
    value: Float64Array.from(value),
    cover: Float64Array.from(cover),
    gain: new Float64Array(left.length),
  };
}

/** E[f(x) | x_S] the path-dependent way: follow x on features in S, average children by cover otherwise. */
function condExpectation(t: GbdtTree, x: number[], s: number, k = 0): number {
  if ((t.left[k] as number) < 0) return t.value[k] as number;
  const f = t.feature[k] as number;
  const l = t.left[k] as number;
  const r = t.right[k] as number;
  if (s & (1 << f)) {
    const v = x[f] as number;
    const goLeft = Number.isNaN(v) ? t.defaultLeft[k] === 1 : Math.fround(v) < (t.threshold[k] as number);
    return condExpectation(t, x, s, goLeft ? l : r);
  }
  return ((t.cover[l] as number) * condExpectation(t, x, s, l) + (t.cover[r] as number) * condExpectation(t, x, s, r)) / (t.cover[k] as number);
}

describe('TreeSHAP', () => {
  const p = 5;
  const rng = new Rng(42);
  const trees = Array.from({ length: 6 }, () => randomTree(rng, 5, p));
  const gbdt: GbdtModelData = {
    objective: 'reg:squarederror',
    numGroups: 1,
    numFeatures: p,
    baseScore: 0.5,
    baseMargin: 0.5,
    trees,
    treeGroup: new Int32Array(trees.length),
    bestIteration: trees.length - 1,
  };
  const xs = randomRows(6, p, 43);
  xs[1]![2] = Number.NaN; // a missing value follows the default direction
  const r = treeShap(gbdt, fromRows(xs));

  it('matches brute-force Shapley values of the conditional expectations to 1e-6', () => {
    const fact = (k: number): number => (k <= 1 ? 1 : k * fact(k - 1));
    xs.forEach((x, i) => {
      const xf = x.map((v) => (Number.isNaN(v) ? v : Math.fround(v)));
      const v = (s: number): number => trees.reduce((acc, t) => acc + condExpectation(t, xf, s), 0);
      for (let f = 0; f < p; f++) {
        let want = 0;
        for (let s = 0; s < 1 << p; s++) {
          if (s & (1 << f)) continue;
          const size = s.toString(2).split('1').length - 1;
          want += ((fact(size) * fact(p - size - 1)) / fact(p)) * (v(s | (1 << f)) - v(s));
        }
        expect(Math.abs(r.local[i * p + f]! - want), `row ${i} feature ${f}`).toBeLessThan(1e-6);
      }
    });
  });

  it('is additive: Σφ + expected value = the margin', () => {
    xs.forEach((x, i) => {
      let s = r.expectedValue;
      for (let f = 0; f < p; f++) s += r.local[i * p + f]!;
      expect(s).toBeCloseTo(gbdtMargin(gbdt, Float32Array.from(x)), 9);
    });
  });
});

describe('partial dependence', () => {
  it('is the mean prediction with the feature pinned to each grid value', async () => {
    const data = fromRows([
      [0, 1],
      [1, 3],
      [4, 5],
    ]);
    const [pd0] = await partialDependence((m) => Float64Array.from({ length: m.rows }, (_, i) => 2 * m.data[i]! + m.data[m.rows + i]! ** 2), data, { features: [0], gridResolution: 5 });
    expect(Array.from(pd0!.grid)).toEqual([0, 1, 2, 3, 4]);
    // mean of x1² is (1 + 9 + 25)/3
    expect(Array.from(pd0!.values).map((v) => +v.toFixed(10))).toEqual([0, 1, 2, 3, 4].map((g) => +(2 * g + 35 / 3).toFixed(10)));
  });
});
