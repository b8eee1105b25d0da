import type { Rng } from '../data/random.js';

/** Row-major points with a weight each: the streamed centres the final stage reduces to k. */
export interface WeightedPoints {
  readonly points: Float64Array;
  readonly weights: Float64Array;
  readonly n: number;
  readonly d: number;
}

/** Squared Euclidean distance between row `i` of `a` and row `j` of `b` (both row-major, width `d`). */
export function sqDist(a: ArrayLike<number>, i: number, b: ArrayLike<number>, j: number, d: number): number {
  let s = 0;
  const ao = i * d;
  const bo = j * d;
  for (let q = 0; q < d; q++) {
    const t = (a[ao + q] as number) - (b[bo + q] as number);
    s += t * t;
  }
  return s;
}

/**
 * Picks `k` initial centres among weighted points: uniformly (by weight) for `random`, or by
 * k-means++ D² sampling (Arthur & Vassilvitskii), each point's chance proportional to its weight
 * times its squared distance to the nearest centre chosen so far (greedy variant, see below).
 */
export function initCenters(p: WeightedPoints, k: number, method: 'random' | 'kmeans++', rng: Rng): Float64Array {
  const { n, d } = p;
  const centers = new Float64Array(k * d);
  const pick = (score: Float64Array, total: number): number => {
    let u = rng.next() * total;
    for (let i = 0; i < n; i++) {
      u -= score[i] as number;
      if (u < 0) return i;
    }
    for (let i = n - 1; i >= 0; i--) if ((score[i] as number) > 0) return i;
    return n - 1;
  };
  if (method === 'random') {
    // Without replacement, so no two centres start on the same point.
    const score = Float64Array.from(p.weights);
    let total = score.reduce((s, v) => s + v, 0);
    for (let c = 0; c < k; c++) {
      const i = pick(score, total);
      centers.set(p.points.subarray(i * d, i * d + d), c * d);
      total -= score[i] as number;
      score[i] = 0;
      if (total <= 0) {
        score.set(p.weights);
        total = score.reduce((s, v) => s + v, 0);
      }
    }
    return centers;
  }
  // Greedy k-means++ (as scikit-learn does): draw 2 + ⌊ln k⌋ candidates by D² weight and keep the one
  // that lowers the weighted potential most; plain D² sampling lands in worse basins more often.
  const tries = 2 + Math.floor(Math.log(k));
  const closest = new Float64Array(n).fill(Infinity);
  const score = new Float64Array(n);
  const totalWeight = p.weights.reduce((s, v) => s + v, 0);
  let i = pick(p.weights, totalWeight);
  for (let c = 0; c < k; c++) {
    centers.set(p.points.subarray(i * d, i * d + d), c * d);
    for (let r = 0; r < n; r++) closest[r] = Math.min(closest[r] as number, sqDist(p.points, r, centers, c, d));
    if (c === k - 1) break;
    let total = 0;
    for (let r = 0; r < n; r++) {
      score[r] = (closest[r] as number) * (p.weights[r] as number);
      total += score[r] as number;
    }
    // All remaining mass sits on chosen centres (fewer distinct points than k): fall back to weights.
    if (total <= 0) {
      i = pick(p.weights, totalWeight);
      continue;
    }
    let bestPot = Infinity;
    for (let t = 0; t < tries; t++) {
      const cand = pick(score, total);
      let pot = 0;
      for (let r = 0; r < n; r++) {
        const dist = Math.min(closest[r] as number, sqDist(p.points, r, p.points, cand, d));
        pot += dist * (p.weights[r] as number);
      }
      if (pot < bestPot) {
        bestPot = pot;
        i = cand;
      }
    }
  }
  return centers;
}

/**
 * Weighted Lloyd iterations from `centers` until the weighted sum of squared distances improves by
 * less than `tol` (relative) or `maxIter` passes. An empty cluster keeps its centre. Returns the
 * final weighted SSD.
 */
export function lloyd(p: WeightedPoints, centers: Float64Array, k: number, maxIter: number, tol: number): number {
  const { n, d } = p;
  const sums = new Float64Array(k * d);
  const mass = new Float64Array(k);
  let prev = Infinity;
  let ssd = Infinity;
  for (let it = 0; it < maxIter; it++) {
    sums.fill(0);
    mass.fill(0);
    ssd = 0;
    for (let r = 0; r < n; r++) {
      let best = 0;
      let bd = Infinity;
      for (let c = 0; c < k; c++) {
        const dist = sqDist(p.points, r, centers, c, d);
        if (dist < bd) {
          bd = dist;
          best = c;
        }
      }
      const w = p.weights[r] as number;
      ssd += w * bd;
      mass[best] = (mass[best] as number) + w;
      for (let q = 0; q < d; q++) sums[best * d + q] = (sums[best * d + q] as number) + w * (p.points[r * d + q] as number);
    }
    for (let c = 0; c < k; c++) {
      const m = mass[c] as number;
      if (m > 0) for (let q = 0; q < d; q++) centers[c * d + q] = (sums[c * d + q] as number) / m;
    }
    if (prev - ssd <= tol * prev) break;
    prev = ssd;
  }
  return ssd;
}
