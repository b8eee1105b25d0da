import { MlInputError } from '../errors.js';
import type { BiasInputs } from './inputs.js';
import { flipTest } from './flip-test.js';
import {
  accuracyDifference,
  cddPredictedLabels,
  diffAcceptanceRates,
  diffConditionalAcceptance,
  diffConditionalRejection,
  diffPositiveProportionsPredicted,
  diffRejectionRates,
  disparateImpact,
  generalizedEntropy,
  recallDifference,
  specificityDifference,
  treatmentEquality,
} from './posttraining.js';
import {
  cddLabels,
  classImbalance,
  diffPositiveProportionsLabels,
  jsDivergence,
  klDivergence,
  kolmogorovSmirnovLabels,
  lpNorm,
  totalVariationDistance,
} from './pretraining.js';

/** Options some metrics take. */
export interface MetricOptions {
  /** `p` of the LP metric (default 2). */
  readonly lpNorm?: number;
  /** Neighbours of the FT flip test (default 5). */
  readonly flipTestNeighbors?: number;
}

/** One metric: Clarify's code, the description its report carries, and how to compute it. */
export interface BiasMetric {
  readonly code: string;
  readonly description: string;
  readonly compute: (inp: BiasInputs, opts: MetricOptions) => number;
}

const m = (code: string, name: string, compute: BiasMetric['compute']): BiasMetric => ({ code, description: `${name} (${code})`, compute });

/** Clarify's pre-training metrics, in its report order. */
export const PRE_TRAINING_METRICS: readonly BiasMetric[] = [
  m('CI', 'Class Imbalance', classImbalance),
  m('DPL', 'Difference in Positive Proportions in Labels', diffPositiveProportionsLabels),
  m('KL', 'Kullback-Leibler Divergence', klDivergence),
  m('JS', 'Jensen-Shannon Divergence', jsDivergence),
  m('LP', 'L-p Norm', (inp, o) => lpNorm(inp, o.lpNorm ?? 2)),
  m('TVD', 'Total Variation Distance', totalVariationDistance),
  m('KS', 'Kolmogorov-Smirnov Distance', kolmogorovSmirnovLabels),
  m('CDDL', 'Conditional Demographic Disparity in Labels', cddLabels),
];

/** Clarify's post-training metrics (its code for the guide's DCAcc is DCA). */
export const POST_TRAINING_METRICS: readonly BiasMetric[] = [
  m('DPPL', 'Difference in Positive Proportions in Predicted Labels', diffPositiveProportionsPredicted),
  m('DI', 'Disparate Impact', disparateImpact),
  m('DCA', 'Difference in Conditional Acceptance', diffConditionalAcceptance),
  m('DCR', 'Difference in Conditional Rejection', diffConditionalRejection),
  m('SD', 'Specificity Difference', specificityDifference),
  m('RD', 'Recall Difference', recallDifference),
  m('DAR', 'Difference in Acceptance Rates', diffAcceptanceRates),
  m('DRR', 'Difference in Rejection Rates', diffRejectionRates),
  m('AD', 'Accuracy Difference', accuracyDifference),
  m('TE', 'Treatment Equality', treatmentEquality),
  m('CDDPL', 'Conditional Demographic Disparity in Predicted Labels', cddPredictedLabels),
  m('FT', 'Flip Test', (inp, o) => flipTest(inp, o.flipTestNeighbors ?? 5)),
  m('GE', 'Generalized Entropy', (inp) => generalizedEntropy(inp, 2)),
];

const ALIASES: Readonly<Record<string, string>> = { DCACC: 'DCA' };

/** Resolves `'all'` or a list of codes (case-insensitive; `DCAcc` = `DCA`) against a metric table. */
export function selectMetrics(table: readonly BiasMetric[], methods: 'all' | readonly string[], stage: string): BiasMetric[] {
  if (methods === 'all') return [...table];
  return methods.map((code) => {
    const up = code.toUpperCase();
    const found = table.find((t) => t.code === (ALIASES[up] ?? up));
    if (!found) {
      throw new MlInputError(`Unknown ${stage} bias metric '${code}'; valid: ${table.map((t) => t.code).join(', ')}.`, { metric: code });
    }
    return found;
  });
}
