import { ks2SampPValue } from './kolmogorov.js';
import { lowerBound, quantileSorted } from './sort.js';

/** Result of a two-sample Kolmogorov–Smirnov test. */
export interface KsResult {
  /** D = sup |F₁ − F₂|. */
  readonly statistic: number;
  readonly pValue: number;
  /** `+1` when F₁ − F₂ reaches D, `−1` when F₂ − F₁ does (scipy's `statistic_sign`). */
  readonly sign: 1 | -1;
  /** The value where D is reached (scipy's `statistic_location`). */
  readonly location: number;
  readonly method: 'exact' | 'asymp';
}

/**
 * Two-sample KS test on sorted samples (no NaN), matching scipy.stats.ks_2samp(a, b) with the
 * default two-sided alternative and method 'auto'. Linear in n1 + n2 once sorted.
 */
export function ks2SampSorted(a: Float64Array, b: Float64Array): KsResult {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('ks2Samp needs two non-empty samples.');
  let i = 0;
  let j = 0;
  let maxS = -Infinity;
  let minS = Infinity;
  let locMax = Number.NaN;
  let locMin = Number.NaN;
  while (i < n1 || j < n2) {
    const ai = i < n1 ? (a[i] as number) : Infinity;
    const bj = j < n2 ? (b[j] as number) : Infinity;
    const v = ai <= bj ? ai : bj;
    while (i < n1 && (a[i] as number) === v) i++;
    while (j < n2 && (b[j] as number) === v) j++;
    const diff = i / n1 - j / n2;
    if (diff > maxS) {
      maxS = diff;
      locMax = v;
    }
    if (diff < minS) {
      minS = diff;
      locMin = v;
    }
  }
  const negMin = Math.min(1, Math.max(0, -minS));
  const useMin = negMin > maxS;
  const d = useMin ? negMin : maxS;
  const { pValue, method } = ks2SampPValue(d, n1, n2);
  return { statistic: d, pValue, sign: useMin ? -1 : 1, location: useMin ? locMin : locMax, method };
}

/**
 * Bin edges at the baseline's quantiles 0, 1/bins, …, 1 (numpy `linspace` and `quantile`), with the
 * outer edges opened to ±∞ so every current value falls in a bin — the usual PSI binning.
 */
export function quantileEdges(sortedBaseline: Float64Array, bins = 20): Float64Array {
  const edges = new Float64Array(bins + 1);
  const step = 1 / bins;
  for (let i = 0; i <= bins; i++) edges[i] = quantileSorted(sortedBaseline, i === bins ? 1 : i * step);
  edges[0] = -Infinity;
  edges[bins] = Infinity;
  return edges;
}

/** Counts of sorted values per bin `[e_i, e_{i+1})`, the last bin closed (numpy `histogram`). */
export function histogramSorted(sorted: Float64Array, edges: Float64Array): Float64Array {
  const bins = edges.length - 1;
  const counts = new Float64Array(bins);
  let prev = lowerBound(sorted, edges[0] as number);
  for (let b = 0; b < bins; b++) {
    const next = b === bins - 1 ? upperBoundCount(sorted, edges[bins] as number) : lowerBound(sorted, edges[b + 1] as number);
    counts[b] = next - prev;
    prev = next;
  }
  return counts;
}

function upperBoundCount(sorted: Float64Array, x: number): number {
  // Values <= x: the last bin includes its right edge.
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Population stability index Σ (p_c − p_b) · ln(p_c / p_b) over bins, with each share floored at
 * `floor` (1e-6) so empty bins stay finite.
 */
export function psi(baselineCounts: ArrayLike<number>, currentCounts: ArrayLike<number>, floor = 1e-6): number {
  const sb = sum(baselineCounts);
  const sc = sum(currentCounts);
  let s = 0;
  for (let i = 0; i < baselineCounts.length; i++) {
    const pb = Math.max((baselineCounts[i] as number) / sb, floor);
    const pc = Math.max((currentCounts[i] as number) / sc, floor);
    s += (pc - pb) * Math.log(pc / pb);
  }
  return s;
}

/** PSI of a current sample against a baseline sample, on `bins` baseline-quantile bins (both sorted). */
export function psiSorted(sortedBaseline: Float64Array, sortedCurrent: Float64Array, bins = 20): number {
  const edges = quantileEdges(sortedBaseline, bins);
  return psi(histogramSorted(sortedBaseline, edges), histogramSorted(sortedCurrent, edges));
}

/** Jensen–Shannon distance (√ of the divergence, natural log) between two count vectors, as scipy's `jensenshannon`. */
export function jsDistance(p: ArrayLike<number>, q: ArrayLike<number>): number {
  const sp = sum(p);
  const sq = sum(q);
  let s = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = (p[i] as number) / sp;
    const qi = (q[i] as number) / sq;
    const m = (pi + qi) / 2;
    if (pi > 0) s += pi * Math.log(pi / m);
    if (qi > 0) s += qi * Math.log(qi / m);
  }
  return Math.sqrt(Math.max(0, s / 2));
}

/** L∞ distance between two categorical distributions given as value → count. */
export function lInfinity(baseline: ReadonlyMap<string, number>, current: ReadonlyMap<string, number>): number {
  const sb = [...baseline.values()].reduce((a, b) => a + b, 0);
  const sc = [...current.values()].reduce((a, b) => a + b, 0);
  let d = 0;
  for (const k of new Set([...baseline.keys(), ...current.keys()])) {
    const pb = sb ? (baseline.get(k) ?? 0) / sb : 0;
    const pc = sc ? (current.get(k) ?? 0) / sc : 0;
    d = Math.max(d, Math.abs(pb - pc));
  }
  return d;
}

function sum(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] as number;
  return s;
}
