import type { CollectionSpec } from '../ports/metadata-store.js';

/**
 * One variant's traffic over some span: counts, latency sums (µs), exact extremes and sparse latency
 * histograms (bucket → count; 8 buckets per power of two of µs), so spans merge without loss.
 */
export interface MetricAggregate {
  invocations: number;
  errors4xx: number;
  errors5xx: number;
  /** Invocations answered by the model (4XX refusals before it have no latency). */
  latencyCount: number;
  modelSumUs: number;
  overheadSumUs: number;
  modelMinUs?: number;
  modelMaxUs?: number;
  overheadMinUs?: number;
  overheadMaxUs?: number;
  modelHist: Record<number, number>;
  overheadHist: Record<number, number>;
}

/**
 * One minute of one endpoint variant's metrics, kept for CloudWatch's metric reads (GetMetricStatistics,
 * GetMetricData) past the server's in-memory hour and across restarts, for a retention (15 days, as
 * CloudWatch keeps one-minute datapoints; ADR 0011). Only minutes with traffic are stored.
 */
export interface MetricMinuteRecord {
  /** `<endpoint>/<variant>/<minute>`. */
  readonly key: string;
  readonly endpointName: string;
  readonly variantName: string;
  /** The minute's start, epoch seconds (a multiple of 60). */
  readonly minute: number;
  /** Serving instances when the minute was stored (InvocationsPerInstance divides by it). */
  readonly instances: number;
  readonly aggregate: MetricAggregate;
}

export const metricMinutesCollection: CollectionSpec<MetricMinuteRecord> = {
  name: 'endpoint_metric_minutes',
  key: 'key',
  indexes: { endpointName: 'text', variantName: 'text', minute: 'integer' },
  // A metric read is one variant's minutes over a time window: without this index it read every
  // variant's minutes of the endpoint (21,600 a variant over the 15 days kept).
  orderIndexes: [{ within: ['endpointName', 'variantName'], sortBy: 'minute' }],
};
