import { MlInputError } from '../errors.js';

/**
 * The rows a bias metric reads, already reduced to indicators (rows with a missing facet, label,
 * prediction or group are dropped before this point). Facet `d` is the sensitive (disfavoured) group
 * the facet's values or threshold select; facet `a` is every other row.
 */
export interface BiasInputs {
  /** `1` when the row is in facet d. */
  readonly facet: Uint8Array;
  /** `1` when the observed label is the positive (favourable) outcome. */
  readonly label: Uint8Array;
  /** `1` when the predicted label is positive; needed by post-training metrics. */
  readonly predicted?: Uint8Array;
  /** Group codes `0 … groupCount−1` for CDDL / CDDPL. */
  readonly group?: Int32Array;
  readonly groupCount?: number;
  /** Row-major numeric features (`rows × featureNames.length`) for the flip test. */
  readonly features?: Float64Array;
  readonly featureNames?: readonly string[];
  /** Column names, so errors can say where the problem is. */
  readonly names: { readonly facet: string; readonly label: string; readonly predicted?: string; readonly group?: string };
}

/** Counts per facet: observed/predicted positives and the confusion matrix. */
export interface FacetCounts {
  readonly n: number;
  /** Observed positives, n(1). */
  readonly pos: number;
  /** Predicted positives, n'(1). */
  readonly predPos: number;
  readonly tp: number;
  readonly fp: number;
  readonly tn: number;
  readonly fn: number;
}

/** Facet a's and facet d's counts in one pass. */
export function facetCounts(inp: BiasInputs): { a: FacetCounts; d: FacetCounts } {
  const c = new Float64Array(12);
  const { facet, label, predicted } = inp;
  for (let i = 0; i < facet.length; i++) {
    const o = facet[i] === 1 ? 6 : 0;
    const y = label[i] as number;
    const p = predicted ? (predicted[i] as number) : 0;
    c[o] = (c[o] as number) + 1;
    c[o + 1] = (c[o + 1] as number) + y;
    c[o + 2] = (c[o + 2] as number) + p;
    // Slots o+3, o+4, o+5 count tp, fp, tn; fn is what remains.
    const k = y === 1 ? (p === 1 ? o + 3 : -1) : p === 1 ? o + 4 : o + 5;
    if (k >= 0) c[k] = (c[k] as number) + 1;
  }
  // fn is n - tp - fp - tn
  const mk = (o: number): FacetCounts => {
    const n = c[o] as number;
    const tp = c[o + 3] as number;
    const fp = c[o + 4] as number;
    const tn = c[o + 5] as number;
    return { n, pos: c[o + 1] as number, predPos: c[o + 2] as number, tp, fp, tn, fn: n - tp - fp - tn };
  };
  return { a: mk(0), d: mk(6) };
}

/** Throws unless both facets have rows: every bias metric compares the two. */
export function requireBothFacets(inp: BiasInputs, counts: { a: FacetCounts; d: FacetCounts }, metric: string): void {
  if (counts.d.n === 0 || counts.a.n === 0) {
    const which = counts.d.n === 0 ? 'the sensitive facet (d)' : 'the rest of the data (facet a)';
    throw new MlInputError(
      `Metric '${metric}' needs rows in both facets of column '${inp.names.facet}', but ${which} is empty.`,
      { column: inp.names.facet, metric },
    );
  }
}

/** Throws when the observed label takes a single value: label-based metrics are then meaningless. */
export function requireLabelVariation(inp: BiasInputs, metric: string): void {
  let pos = 0;
  for (let i = 0; i < inp.label.length; i++) pos += inp.label[i] as number;
  if (pos === 0 || pos === inp.label.length) {
    throw new MlInputError(
      `Metric '${metric}' needs both outcomes in label column '${inp.names.label}', but every row is ${pos === 0 ? 'negative' : 'positive'}.`,
      { column: inp.names.label, metric },
    );
  }
}

/** The predicted labels, or an error naming the metric that needs them. */
export function requirePredicted(inp: BiasInputs, metric: string): Uint8Array {
  if (!inp.predicted) {
    throw new MlInputError(`Metric '${metric}' is a post-training metric and needs a predicted label column.`, {
      column: inp.names.predicted ?? 'predicted_label',
      metric,
    });
  }
  return inp.predicted;
}

/** The group codes, or an error naming the metric that needs a group variable. */
export function requireGroup(inp: BiasInputs, metric: string): { codes: Int32Array; count: number } {
  if (!inp.group || inp.groupCount === undefined) {
    throw new MlInputError(`Metric '${metric}' needs a group variable (group_variable) column.`, {
      column: inp.names.group ?? 'group_variable',
      metric,
    });
  }
  return { codes: inp.group, count: inp.groupCount };
}

/** `a / b`, or `NaN` when the ratio is undefined (`b = 0`). */
export function ratio(a: number, b: number): number {
  return b === 0 ? Number.NaN : a / b;
}
