import type { InferredType } from './profile.js';
import type { StatisticsJson } from './statistics.js';

export interface FeatureConstraints {
  readonly name: string;
  readonly inferred_type: InferredType;
  readonly completeness: number;
  readonly num_constraints?: { readonly is_non_negative: boolean };
  readonly string_constraints?: { readonly domains: string[] };
  readonly monitoringConfigOverrides: Record<string, never> | Record<string, unknown>;
}

export interface MonitoringConfig {
  readonly evaluate_constraints: 'Enabled' | 'Disabled';
  readonly emit_metrics: 'Enabled' | 'Disabled';
  readonly datatype_check_threshold: number;
  readonly domain_content_threshold: number;
  readonly distribution_constraints: {
    readonly perform_comparison: 'Enabled' | 'Disabled';
    readonly comparison_threshold: number;
    readonly comparison_method: 'Simple' | 'Robust';
    readonly categorical_comparison_threshold: number;
    readonly categorical_drift_method: 'LInfinity' | 'ChiSquared';
  };
}

/** Model Monitor's constraints.json. */
export interface ConstraintsJson {
  readonly version: 0;
  readonly features: FeatureConstraints[];
  readonly monitoring_config: MonitoringConfig;
}

/** The monitoring_config a suggestion starts from (the SageMaker SDK's defaults). */
export const DEFAULT_MONITORING_CONFIG: MonitoringConfig = {
  evaluate_constraints: 'Enabled',
  emit_metrics: 'Enabled',
  datatype_check_threshold: 0.1,
  domain_content_threshold: 0.1,
  distribution_constraints: {
    perform_comparison: 'Enabled',
    comparison_threshold: 0.1,
    comparison_method: 'Robust',
    categorical_comparison_threshold: 0.1,
    categorical_drift_method: 'LInfinity',
  },
};

export interface SuggestOptions {
  /** String features with at most this many distinct values get a `domains` constraint (default 20). */
  readonly maxDomainSize?: number;
  readonly monitoringConfig?: MonitoringConfig;
}

/**
 * Suggests constraints from baseline statistics, as Model Monitor's baselining job does: the inferred
 * type, the observed completeness, `is_non_negative` for numbers whose minimum is ≥ 0, and the set of
 * observed values for low-cardinality strings.
 */
export function suggestConstraints(stats: StatisticsJson, opts: SuggestOptions = {}): ConstraintsJson {
  const maxDomain = opts.maxDomainSize ?? 20;
  const features = stats.features.map((f): FeatureConstraints => {
    const common = f.numerical_statistics?.common ?? f.string_statistics?.common;
    const total = common ? common.num_present + common.num_missing : 0;
    const completeness = total ? (common as { num_present: number }).num_present / total : 0;
    const base = { name: f.name, inferred_type: f.inferred_type, completeness, monitoringConfigOverrides: {} };
    if (f.numerical_statistics) return { ...base, num_constraints: { is_non_negative: f.numerical_statistics.min >= 0 } };
    if (f.string_statistics && f.string_statistics.distinct_count <= maxDomain) {
      const domains = f.string_statistics.distribution.categorical.buckets.map((b) => b.value);
      if (domains.length === f.string_statistics.distinct_count) return { ...base, string_constraints: { domains } };
    }
    return base;
  });
  return { version: 0, features, monitoring_config: opts.monitoringConfig ?? DEFAULT_MONITORING_CONFIG };
}
