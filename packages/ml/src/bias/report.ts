import { MlInputError } from '../errors.js';
import {
  type Cell,
  type Table,
  type ValuesOrThreshold,
  describeSpec,
  distinctValues,
  encodeGroups,
  groupMask,
  isMissing,
  numericCell,
  requireColumn,
} from './columns.js';
import type { BiasInputs } from './inputs.js';
import { type BiasMetric, type MetricOptions, POST_TRAINING_METRICS, PRE_TRAINING_METRICS, selectMetrics } from './registry.js';

/** A facet to analyse; without `valueOrThreshold`, each distinct value is analysed against the rest. */
export interface FacetConfig {
  readonly name: string;
  readonly valueOrThreshold?: ValuesOrThreshold;
}

/** What Clarify's analysis config says about bias, in typed form. */
export interface BiasAnalysisConfig extends MetricOptions {
  /** Observed label column. */
  readonly label: string;
  /** Which label values (or values above a threshold) are the positive outcome. */
  readonly labelValuesOrThreshold: ValuesOrThreshold;
  readonly facets: readonly FacetConfig[];
  /** Predicted label column; required for post-training metrics. */
  readonly predictedLabel?: string;
  /** When the predicted column holds scores: a score above this is a positive prediction (Clarify's `probability_threshold`). */
  readonly probabilityThreshold?: number;
  /** Group column for CDDL / CDDPL. */
  readonly groupVariable?: string;
  /** Numeric feature columns the flip test (FT) measures distance on; default: all columns but label, prediction, facet and group. */
  readonly features?: readonly string[];
  readonly preTrainingMethods?: 'all' | readonly string[];
  readonly postTrainingMethods?: 'all' | readonly string[];
}

/** One metric in the report; `value` is `null` with an `error` when it is undefined on this data. */
export interface BiasMetricResult {
  readonly name: string;
  readonly description: string;
  readonly value: number | null;
  readonly error?: string;
}

/** The `pre_training_bias_metrics` / `post_training_bias_metrics` block of Clarify's analysis.json. */
export interface BiasReportSection {
  readonly label: string;
  readonly label_value_or_threshold: string;
  readonly facets: Record<string, { value_or_threshold: string; metrics: BiasMetricResult[] }[]>;
}

export interface BiasReport {
  readonly pre_training_bias_metrics?: BiasReportSection;
  readonly post_training_bias_metrics?: BiasReportSection;
}

/**
 * Computes Clarify's bias report for every facet (and facet value) in `config`: the pre-training
 * metrics when `preTrainingMethods` is set, the post-training ones when `postTrainingMethods` is set.
 * Rows with a missing facet, label, prediction or group value are left out.
 *
 * @throws MlInputError naming the column and the metric for a missing column, a facet value that
 *   selects no rows or every row, a constant label, or a non-numeric column where a number is needed.
 */
export function biasReport(data: Table, config: BiasAnalysisConfig): BiasReport {
  const pre = config.preTrainingMethods ? selectMetrics(PRE_TRAINING_METRICS, config.preTrainingMethods, 'pre-training') : [];
  const post = config.postTrainingMethods ? selectMetrics(POST_TRAINING_METRICS, config.postTrainingMethods, 'post-training') : [];
  const out: { pre_training_bias_metrics?: BiasReportSection; post_training_bias_metrics?: BiasReportSection } = {};
  const section = (): BiasReportSection => ({
    label: config.label,
    label_value_or_threshold: describeSpec(config.labelValuesOrThreshold),
    facets: {},
  });
  if (pre.length) out.pre_training_bias_metrics = section();
  if (post.length) out.post_training_bias_metrics = section();
  for (const facet of config.facets) {
    const first = pre[0] ?? post[0];
    if (!first) break;
    const col = requireColumn(data, facet.name, first.code);
    const specs: ValuesOrThreshold[] = facet.valueOrThreshold ? [facet.valueOrThreshold] : distinctValues(col).map((v) => ({ values: [v] }));
    for (const spec of specs) {
      for (const [metrics, sec] of [
        [pre, out.pre_training_bias_metrics],
        [post, out.post_training_bias_metrics],
      ] as const) {
        if (!sec || metrics.length === 0) continue;
        const inp = prepareBiasInputs(data, config, facet.name, spec, metrics);
        const results = metrics.map((metric) => runMetric(metric, inp, config));
        (sec.facets[facet.name] ??= []).push({ value_or_threshold: describeSpec(spec), metrics: results });
      }
    }
  }
  return out;
}

function runMetric(metric: BiasMetric, inp: BiasInputs, opts: MetricOptions): BiasMetricResult {
  const v = metric.compute(inp, opts);
  if (Number.isFinite(v)) return { name: metric.code, description: metric.description, value: v };
  const why = Number.isNaN(v) ? 'is undefined on this data (a ratio with a zero denominator)' : 'is infinite on this data';
  return { name: metric.code, description: metric.description, value: null, error: `${metric.code} ${why}.` };
}

/**
 * Turns columns into the indicators the metrics read, for one facet selection. Exported so callers
 * (and tests) can compute single metrics directly.
 */
export function prepareBiasInputs(
  data: Table,
  config: BiasAnalysisConfig,
  facetName: string,
  facetSpec: ValuesOrThreshold,
  metrics: readonly BiasMetric[],
): BiasInputs {
  const first = metrics[0]?.code ?? 'bias';
  const facetCol = requireColumn(data, facetName, first);
  const labelCol = requireColumn(data, config.label, first);
  const needsPred = metrics.some((m) => POST_TRAINING_METRICS.includes(m));
  const predMetric = metrics.find((m) => POST_TRAINING_METRICS.includes(m))?.code ?? first;
  if (needsPred && !config.predictedLabel) {
    throw new MlInputError(`Metric '${predMetric}' is a post-training metric and needs a predicted label column.`, { column: 'predicted_label', metric: predMetric });
  }
  const predCol = needsPred && config.predictedLabel ? requireColumn(data, config.predictedLabel, predMetric) : undefined;
  const groupMetric = metrics.find((m) => m.code === 'CDDL' || m.code === 'CDDPL')?.code;
  if (groupMetric && !config.groupVariable) {
    throw new MlInputError(`Metric '${groupMetric}' needs a group variable (group_variable) column.`, { column: 'group_variable', metric: groupMetric });
  }
  const groupCol = groupMetric && config.groupVariable ? requireColumn(data, config.groupVariable, groupMetric) : undefined;

  const n = facetCol.length;
  const facetM = groupMask(facetCol, facetSpec, facetName, first);
  const labelM = groupMask(labelCol, config.labelValuesOrThreshold, config.label, first);
  let predM: Uint8Array | undefined;
  if (predCol && config.predictedLabel) {
    predM =
      config.probabilityThreshold !== undefined
        ? groupMask(predCol, { threshold: config.probabilityThreshold }, config.predictedLabel, predMetric)
        : groupMask(predCol, config.labelValuesOrThreshold, config.predictedLabel, predMetric);
  }
  const groups = groupCol ? encodeGroups(groupCol) : undefined;
  const keep: number[] = [];
  for (let i = 0; i < n; i++) {
    if (facetM[i] === 255 || labelM[i] === 255 || (predM && predM[i] === 255) || (groups && (groups.codes[i] as number) < 0)) continue;
    keep.push(i);
  }
  const take = <T extends Uint8Array | Int32Array>(src: T, make: (len: number) => T): T => {
    const dst = make(keep.length);
    for (let r = 0; r < keep.length; r++) dst[r] = src[keep[r] as number] as number;
    return dst;
  };
  const names = { facet: facetName, label: config.label, ...(config.predictedLabel ? { predicted: config.predictedLabel } : {}), ...(config.groupVariable ? { group: config.groupVariable } : {}) };
  let features: Float64Array | undefined;
  let featureNames: string[] | undefined;
  if (metrics.some((m) => m.code === 'FT')) {
    const excluded = new Set([facetName, config.label, config.predictedLabel, config.groupVariable]);
    featureNames = config.features ? [...config.features] : Object.keys(data).filter((c) => !excluded.has(c));
    features = new Float64Array(keep.length * featureNames.length);
    featureNames.forEach((name, f) => {
      const col = requireColumn(data, name, 'FT');
      for (let r = 0; r < keep.length; r++) {
        const v = col[keep[r] as number] as Cell;
        if (isMissing(v)) throw new MlInputError(`Column '${name}' has a missing value at row ${(keep[r] as number) + 1}; metric 'FT' needs complete features.`, { column: name, metric: 'FT', row: (keep[r] as number) + 1 });
        features![r * featureNames!.length + f] = numericCell(v, name, 'FT', keep[r] as number);
      }
    });
  }
  return {
    facet: take(facetM, (l) => new Uint8Array(l)),
    label: take(labelM, (l) => new Uint8Array(l)),
    ...(predM ? { predicted: take(predM, (l) => new Uint8Array(l)) } : {}),
    ...(groups ? { group: take(groups.codes, (l) => new Int32Array(l)), groupCount: groups.count } : {}),
    ...(features && featureNames ? { features, featureNames } : {}),
    names,
  };
}
