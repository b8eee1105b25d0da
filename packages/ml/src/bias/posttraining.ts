import { flipTest } from './flip-test.js';
import { type BiasInputs, type FacetCounts, facetCounts, ratio, requireBothFacets, requireLabelVariation, requirePredicted } from './inputs.js';
import { conditionalDemographicDisparity } from './pretraining.js';

/*
 * Clarify's post-training (model) bias metrics, from its developer guide's definitions. Each compares
 * facet a (the rest) with facet d (the sensitive group) using observed and predicted labels.
 */

function countsFor(inp: BiasInputs, metric: string, needsLabel = true): { a: FacetCounts; d: FacetCounts } {
  requirePredicted(inp, metric);
  const c = facetCounts(inp);
  requireBothFacets(inp, c, metric);
  if (needsLabel) requireLabelVariation(inp, metric);
  return c;
}

/** DPPL = q'_a − q'_d, the difference in the share of positive predictions. */
export function diffPositiveProportionsPredicted(inp: BiasInputs): number {
  const { a, d } = countsFor(inp, 'DPPL', false);
  return a.predPos / a.n - d.predPos / d.n;
}

/** DI = q'_d / q'_a. */
export function disparateImpact(inp: BiasInputs): number {
  const { a, d } = countsFor(inp, 'DI', false);
  return ratio(d.predPos / d.n, a.predPos / a.n);
}

/** DCA (the guide's DCAcc) = n_a(1)/n'_a(1) − n_d(1)/n'_d(1). */
export function diffConditionalAcceptance(inp: BiasInputs): number {
  const { a, d } = countsFor(inp, 'DCA');
  return ratio(a.pos, a.predPos) - ratio(d.pos, d.predPos);
}

/** DCR = n_d(0)/n'_d(0) − n_a(0)/n'_a(0). */
export function diffConditionalRejection(inp: BiasInputs): number {
  const { a, d } = countsFor(inp, 'DCR');
  return ratio(d.n - d.pos, d.n - d.predPos) - ratio(a.n - a.pos, a.n - a.predPos);
}

/** SD = TNR_d − TNR_a, TNR = TN / (TN + FP). */
export function specificityDifference(inp: BiasInputs): number {
  const { a, d } = countsFor(inp, 'SD');
  return ratio(d.tn, d.tn + d.fp) - ratio(a.tn, a.tn + a.fp);
}

/** RD = TPR_a − TPR_d, TPR = TP / (TP + FN). */
export function recallDifference(inp: BiasInputs): number {
  const { a, d } = countsFor(inp, 'RD');
  return ratio(a.tp, a.tp + a.fn) - ratio(d.tp, d.tp + d.fn);
}

/** DAR = TP_a/(TP_a + FP_a) − TP_d/(TP_d + FP_d) (difference in precision). */
export function diffAcceptanceRates(inp: BiasInputs): number {
  const { a, d } = countsFor(inp, 'DAR');
  return ratio(a.tp, a.tp + a.fp) - ratio(d.tp, d.tp + d.fp);
}

/** DRR = TN_d/(TN_d + FN_d) − TN_a/(TN_a + FN_a). */
export function diffRejectionRates(inp: BiasInputs): number {
  const { a, d } = countsFor(inp, 'DRR');
  return ratio(d.tn, d.tn + d.fn) - ratio(a.tn, a.tn + a.fn);
}

/** AD = ACC_a − ACC_d. */
export function accuracyDifference(inp: BiasInputs): number {
  const { a, d } = countsFor(inp, 'AD');
  return (a.tp + a.tn) / a.n - (d.tp + d.tn) / d.n;
}

/** TE = FN_d/FP_d − FN_a/FP_a. */
export function treatmentEquality(inp: BiasInputs): number {
  const { a, d } = countsFor(inp, 'TE');
  return ratio(d.fn, d.fp) - ratio(a.fn, a.fp);
}

/** CDDPL: conditional demographic disparity of the predicted labels. */
export function cddPredictedLabels(inp: BiasInputs): number {
  const pred = requirePredicted(inp, 'CDDPL');
  return conditionalDemographicDisparity(inp, pred, 'CDDPL');
}

/**
 * GE: generalized entropy index with α = 2 over every row, benefit b_i = ŷ_i − y_i + 1:
 * GE = 1/(n α (α−1)) Σ_i [(b_i / μ_b)^α − 1].
 */
export function generalizedEntropy(inp: BiasInputs, alpha = 2): number {
  const pred = requirePredicted(inp, 'GE');
  requireLabelVariation(inp, 'GE');
  const n = inp.label.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += (pred[i] as number) - (inp.label[i] as number) + 1;
  const mu = sum / n;
  if (mu === 0) return Number.NaN;
  let s = 0;
  for (let i = 0; i < n; i++) s += (((pred[i] as number) - (inp.label[i] as number) + 1) / mu) ** alpha - 1;
  return s / (n * alpha * (alpha - 1));
}

