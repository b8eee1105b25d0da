import type { Table } from '../bias/columns.js';
import { KllSketch, type KllSketchJson } from './kll.js';
import { type ColumnProfile, type InferredType, profileTable } from './profile.js';

/** `common` block of a feature's statistics. */
export interface CommonStatistics {
  readonly num_present: number;
  readonly num_missing: number;
}

export interface NumericalStatistics {
  readonly common: CommonStatistics;
  readonly mean: number;
  readonly sum: number;
  readonly std_dev: number;
  readonly min: number;
  readonly max: number;
  readonly distribution: {
    readonly kll: {
      readonly buckets: { lower_bound: number; upper_bound: number; count: number }[];
      readonly sketch: KllSketchJson;
    };
  };
}

export interface StringStatistics {
  readonly common: CommonStatistics;
  readonly distinct_count: number;
  readonly distribution: { readonly categorical: { readonly buckets: { value: string; count: number }[] } };
}

export interface FeatureStatistics {
  readonly name: string;
  readonly inferred_type: InferredType;
  readonly numerical_statistics?: NumericalStatistics;
  readonly string_statistics?: StringStatistics;
}

/** Model Monitor's statistics.json. */
export interface StatisticsJson {
  readonly version: 0;
  readonly dataset: { readonly item_count: number };
  readonly features: FeatureStatistics[];
}

export interface StatisticsOptions {
  /** KLL sketch size (default 2048) and shrinking factor (default 0.64). */
  readonly kllK?: number;
  readonly kllC?: number;
  /** Distribution buckets per numeric feature (Model Monitor always writes 10). */
  readonly buckets?: number;
  /** Most frequent values listed per String feature (default 100). */
  readonly maxCategoricalBuckets?: number;
}

/**
 * Per-feature statistics in Model Monitor's statistics.json format. `std_dev` is the population
 * standard deviation (Deequ's `StandardDeviation`, i.e. pandas `std(ddof=0)`); the KLL sketch and its
 * 10 equal-width buckets describe the distribution.
 */
export function computeStatistics(table: Table, opts: StatisticsOptions = {}): StatisticsJson {
  return statisticsFromProfiles(profileTable(table), opts);
}

/** {@link computeStatistics} from already profiled columns (the drift code reuses the profiles). */
export function statisticsFromProfiles(profiles: readonly ColumnProfile[], opts: StatisticsOptions = {}): StatisticsJson {
  const itemCount = profiles.length ? (profiles[0] as ColumnProfile).numPresent + (profiles[0] as ColumnProfile).numMissing : 0;
  return { version: 0, dataset: { item_count: itemCount }, features: profiles.map((p) => featureStatistics(p, opts)) };
}

function featureStatistics(p: ColumnProfile, opts: StatisticsOptions): FeatureStatistics {
  const common = { num_present: p.numPresent, num_missing: p.numMissing };
  if (p.categories) {
    const buckets = [...p.categories.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, opts.maxCategoricalBuckets ?? 100)
      .map(([value, count]) => ({ value, count }));
    return {
      name: p.name,
      inferred_type: 'String',
      string_statistics: { common, distinct_count: p.categories.size, distribution: { categorical: { buckets } } },
    };
  }
  const sorted = p.sorted as Float64Array;
  const n = sorted.length;
  const sketch = KllSketch.fromSorted(sorted, opts.kllK, opts.kllC);
  const min = n ? (sorted[0] as number) : Number.NaN;
  const max = n ? (sorted[n - 1] as number) : Number.NaN;
  return {
    name: p.name,
    inferred_type: p.inferredType,
    numerical_statistics: {
      common,
      mean: n ? (p.sum as number) / n : Number.NaN,
      sum: p.sum as number,
      std_dev: n ? Math.sqrt((p.sumSquaredDeviations as number) / n) : Number.NaN,
      min,
      max,
      distribution: { kll: { buckets: n ? sketch.buckets(min, max, opts.buckets ?? 10) : [], sketch: sketch.toJSON() } },
    },
  };
}
