import type { Cell, Table } from '../bias/columns.js';
import { isMissing } from '../bias/columns.js';
import type { ConstraintsJson } from './constraints.js';
import { ks2SampPValue } from './kolmogorov.js';
import { KllSketch, kllLInfinity } from './kll.js';
import { lInfinity } from './drift.js';
import { parseNumber, profileTable } from './profile.js';
import { type StatisticsJson, statisticsFromProfiles } from './statistics.js';

export type ConstraintCheckType =
  | 'data_type_check'
  | 'completeness_check'
  | 'baseline_drift_check'
  | 'missing_column_check'
  | 'extra_column_check'
  | 'categorical_values_check';

export interface Violation {
  readonly feature_name: string;
  readonly constraint_check_type: ConstraintCheckType;
  readonly description: string;
}

/** Model Monitor's constraint_violations.json. */
export interface ViolationsJson {
  readonly violations: Violation[];
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

function conforms(v: Cell, type: string): boolean {
  if (type === 'String' || type === 'Unknown') return true;
  const x = parseNumber(v);
  if (x === undefined || Number.isNaN(x)) return false;
  return type === 'Fractional' || Number.isInteger(x);
}

/**
 * Checks a current dataset against a baseline's constraints (and statistics, for drift), returning
 * the current statistics and the violations in Model Monitor's format:
 * - `missing_column_check` / `extra_column_check`: a baseline feature absent now / a new column;
 * - `data_type_check`: the share of present values not of the baseline type exceeds
 *   `datatype_check_threshold`;
 * - `completeness_check`: the present share fell below the baseline completeness;
 * - `categorical_values_check`: the share of values outside `domains` exceeds `domain_content_threshold`;
 * - `baseline_drift_check`: numeric features — the L∞ distance between the baseline and current KLL
 *   CDFs exceeds `comparison_threshold` ('Robust' also requires the KS test on that distance and the
 *   two counts to reject at 5 %); String features — the L∞ distance between category frequencies
 *   exceeds `categorical_comparison_threshold`.
 */
export function checkConstraints(
  current: Table,
  constraints: ConstraintsJson,
  baselineStatistics?: StatisticsJson,
): { statistics: StatisticsJson; violations: ViolationsJson } {
  const profiles = profileTable(current);
  const statistics = statisticsFromProfiles(profiles);
  const cfg = constraints.monitoring_config;
  const out: Violation[] = [];
  const known = new Set(constraints.features.map((f) => f.name));
  for (const f of constraints.features) {
    const col = current[f.name];
    if (!col) {
      out.push({ feature_name: f.name, constraint_check_type: 'missing_column_check', description: `There are missing columns in current dataset. Baseline column '${f.name}' is not present.` });
      continue;
    }
    let present = 0;
    let conforming = 0;
    let outside = 0;
    const domain = f.string_constraints ? new Set(f.string_constraints.domains) : undefined;
    for (let i = 0; i < col.length; i++) {
      const v = col[i] as Cell;
      if (isMissing(v)) continue;
      present++;
      if (conforms(v, f.inferred_type)) conforming++;
      if (domain && !domain.has(String(v))) outside++;
    }
    const match = present ? conforming / present : 1;
    if (1 - match > cfg.datatype_check_threshold) {
      out.push({
        feature_name: f.name,
        constraint_check_type: 'data_type_check',
        description: `Data type match requirement is not met. Expected data type: ${f.inferred_type}, Expected match: ${pct(1 - cfg.datatype_check_threshold)}. Observed: Only ${pct(match)} of data is ${f.inferred_type}.`,
      });
    }
    const completeness = col.length ? present / col.length : 0;
    if (completeness < f.completeness) {
      out.push({
        feature_name: f.name,
        constraint_check_type: 'completeness_check',
        description: `Data completeness requirement is not met. Expected: ${pct(f.completeness)}. Observed: Only ${pct(completeness)} of data is present.`,
      });
    }
    if (domain && present && outside / present > cfg.domain_content_threshold) {
      out.push({
        feature_name: f.name,
        constraint_check_type: 'categorical_values_check',
        description: `Data content requirement is not met. Expected at most ${pct(cfg.domain_content_threshold)} of values outside the baseline domain. Observed: ${pct(outside / present)}.`,
      });
    }
    const drift = baselineStatistics && cfg.distribution_constraints.perform_comparison === 'Enabled' ? driftViolation(f.name, baselineStatistics, statistics, constraints) : undefined;
    if (drift) out.push(drift);
  }
  for (const name of Object.keys(current)) {
    if (!known.has(name)) {
      out.push({ feature_name: name, constraint_check_type: 'extra_column_check', description: `There are extra columns in current dataset. Column '${name}' is not in the baseline.` });
    }
  }
  return { statistics, violations: { violations: out } };
}

function driftViolation(name: string, base: StatisticsJson, cur: StatisticsJson, constraints: ConstraintsJson): Violation | undefined {
  const dc = constraints.monitoring_config.distribution_constraints;
  const b = base.features.find((f) => f.name === name);
  const c = cur.features.find((f) => f.name === name);
  if (!b || !c) return undefined;
  if (b.numerical_statistics && c.numerical_statistics) {
    const sb = KllSketch.fromJSON(b.numerical_statistics.distribution.kll.sketch);
    const sc = KllSketch.fromJSON(c.numerical_statistics.distribution.kll.sketch);
    if (sb.n === 0 || sc.n === 0) return undefined;
    const d = kllLInfinity(sb, sc);
    if (d <= dc.comparison_threshold) return undefined;
    if (dc.comparison_method === 'Robust' && ks2SampPValue(d, sb.n, sc.n).pValue >= 0.05) return undefined;
    return {
      feature_name: name,
      constraint_check_type: 'baseline_drift_check',
      description: `Baseline drift distance: ${d} exceeds threshold: ${dc.comparison_threshold}`,
    };
  }
  if (b.string_statistics && c.string_statistics) {
    const toMap = (s: typeof b.string_statistics) => new Map(s!.distribution.categorical.buckets.map((x) => [x.value, x.count] as const));
    const d = lInfinity(toMap(b.string_statistics), toMap(c.string_statistics));
    if (d <= dc.categorical_comparison_threshold) return undefined;
    return {
      feature_name: name,
      constraint_check_type: 'baseline_drift_check',
      description: `Baseline drift distance: ${d} exceeds threshold: ${dc.categorical_comparison_threshold}`,
    };
  }
  return undefined;
}
