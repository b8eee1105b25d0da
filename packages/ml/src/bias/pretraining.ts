import {
  type BiasInputs,
  facetCounts,
  ratio,
  requireBothFacets,
  requireGroup,
  requireLabelVariation,
} from './inputs.js';

/*
 * Clarify's pre-training (data) bias metrics, from the definitions in its developer guide. Facet a is
 * the rest of the data, facet d the sensitive group; label distributions are over the binarised
 * label {negative, positive}. An undefined value (a 0/0 ratio) is NaN, an unbounded one Infinity.
 */

/** Label distribution [P(negative), P(positive)] of both facets, after the input checks `metric` needs. */
function labelDistributions(inp: BiasInputs, metric: string): { pa: [number, number]; pd: [number, number] } {
  const c = facetCounts(inp);
  requireBothFacets(inp, c, metric);
  requireLabelVariation(inp, metric);
  const qa = c.a.pos / c.a.n;
  const qd = c.d.pos / c.d.n;
  return { pa: [1 - qa, qa], pd: [1 - qd, qd] };
}

/** CI = (n_a − n_d) / (n_a + n_d). */
export function classImbalance(inp: BiasInputs): number {
  const c = facetCounts(inp);
  requireBothFacets(inp, c, 'CI');
  return (c.a.n - c.d.n) / (c.a.n + c.d.n);
}

/** DPL = q_a − q_d, the difference in the share of positive observed labels. */
export function diffPositiveProportionsLabels(inp: BiasInputs): number {
  const { pa, pd } = labelDistributions(inp, 'DPL');
  return pa[1] - pd[1];
}

function kl(p: readonly number[], q: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = p[i] as number;
    const qi = q[i] as number;
    if (pi === 0) continue; // 0·log(0/q) = 0
    if (qi === 0) return Number.POSITIVE_INFINITY;
    s += pi * Math.log(pi / qi);
  }
  return s;
}

/** KL = Σ_y P_a(y) · ln(P_a(y) / P_d(y)); Infinity when facet d lacks an outcome facet a has. */
export function klDivergence(inp: BiasInputs): number {
  const { pa, pd } = labelDistributions(inp, 'KL');
  return kl(pa, pd);
}

/** JS = ½ [KL(P_a ‖ P) + KL(P_d ‖ P)], P = ½ (P_a + P_d). */
export function jsDivergence(inp: BiasInputs): number {
  const { pa, pd } = labelDistributions(inp, 'JS');
  const m = pa.map((v, i) => (v + (pd[i] as number)) / 2);
  return 0.5 * (kl(pa, m) + kl(pd, m));
}

/** LP = (Σ_y |P_a(y) − P_d(y)|^p)^(1/p), p = 2 by default. */
export function lpNorm(inp: BiasInputs, p = 2): number {
  const { pa, pd } = labelDistributions(inp, 'LP');
  let s = 0;
  for (let i = 0; i < pa.length; i++) s += Math.abs((pa[i] as number) - (pd[i] as number)) ** p;
  return s ** (1 / p);
}

/** TVD = ½ Σ_y |P_a(y) − P_d(y)|. */
export function totalVariationDistance(inp: BiasInputs): number {
  const { pa, pd } = labelDistributions(inp, 'TVD');
  let s = 0;
  for (let i = 0; i < pa.length; i++) s += Math.abs((pa[i] as number) - (pd[i] as number));
  return s / 2;
}

/** KS = max_y |P_a(y) − P_d(y)|. */
export function kolmogorovSmirnovLabels(inp: BiasInputs): number {
  const { pa, pd } = labelDistributions(inp, 'KS');
  let m = 0;
  for (let i = 0; i < pa.length; i++) m = Math.max(m, Math.abs((pa[i] as number) - (pd[i] as number)));
  return m;
}

/**
 * Conditional demographic disparity of an outcome `y` (observed or predicted) by group:
 * CDD = (1/n) Σ_i n_i · DD_i, DD_i = n_i,d(0)/n_i(0) − n_i,d(1)/n_i(1). A share whose denominator is
 * zero (a group with no rejections, or no acceptances) counts as 0, as Clarify does.
 */
export function conditionalDemographicDisparity(inp: BiasInputs, y: Uint8Array, metric: string): number {
  const c = facetCounts(inp);
  requireBothFacets(inp, c, metric);
  const { codes, count } = requireGroup(inp, metric);
  // Per group: rows, rejections, rejections in d, acceptances, acceptances in d.
  const g = new Float64Array(count * 5);
  let n = 0;
  for (let i = 0; i < codes.length; i++) {
    const k = codes[i] as number;
    if (k < 0) continue;
    n++;
    const o = k * 5;
    const yi = y[i] as number;
    const di = inp.facet[i] as number;
    g[o] = (g[o] as number) + 1;
    if (yi === 1) {
      g[o + 3] = (g[o + 3] as number) + 1;
      g[o + 4] = (g[o + 4] as number) + di;
    } else {
      g[o + 1] = (g[o + 1] as number) + 1;
      g[o + 2] = (g[o + 2] as number) + di;
    }
  }
  let s = 0;
  for (let k = 0; k < count; k++) {
    const o = k * 5;
    const rej = g[o + 1] as number;
    const acc = g[o + 3] as number;
    const dd = (rej === 0 ? 0 : (g[o + 2] as number) / rej) - (acc === 0 ? 0 : (g[o + 4] as number) / acc);
    s += (g[o] as number) * dd;
  }
  return ratio(s, n);
}

/** CDDL: {@link conditionalDemographicDisparity} of the observed labels. */
export function cddLabels(inp: BiasInputs): number {
  requireLabelVariation(inp, 'CDDL');
  return conditionalDemographicDisparity(inp, inp.label, 'CDDL');
}
