import { ValidationError } from '@loam/core';
import { endpointAlarmShapes } from '@loam/contracts';
import { emptyAggregate, histogramPercentile, mergeInto, type MetricAggregate } from './metric-aggregate.js';
import type { MinutePoint } from './metric-history.js';

const { endpointMetricNames, metricStatistics, percentilePattern } = endpointAlarmShapes;
const percentile = new RegExp(percentilePattern);

export type EndpointMetricName = (typeof endpointMetricNames)[number];
export const SAGEMAKER_NAMESPACE = 'AWS/SageMaker';

/** The unit SageMaker publishes each metric in. */
export function unitOf(metric: EndpointMetricName): string {
  return metric === 'ModelLatency' || metric === 'OverheadLatency' ? 'Microseconds' : 'None';
}

/** One period of a variant: its minutes merged, and Σ invocations / instances per minute. */
export interface PeriodAggregate {
  readonly start: number;
  readonly aggregate: MetricAggregate;
  readonly perInstance: number;
}

/**
 * The minutes grouped into periods of `period` seconds from `start` (a multiple of 60) before `end`,
 * each period with traffic once, oldest first.
 */
export function periods(minutes: readonly MinutePoint[], start: number, end: number, period: number): PeriodAggregate[] {
  const out = new Map<number, { aggregate: MetricAggregate; perInstance: number }>();
  for (const m of minutes) {
    if (m.minute < start || m.minute >= end) continue;
    const p = start + Math.floor((m.minute - start) / period) * period;
    const e = out.get(p) ?? { aggregate: emptyAggregate(), perInstance: 0 };
    mergeInto(e.aggregate, m.aggregate);
    e.perInstance += m.aggregate.invocations / Math.max(1, m.instances);
    out.set(p, e);
  }
  return [...out.entries()].sort(([a], [b]) => a - b).map(([s, e]) => ({ start: s, ...e }));
}

/**
 * A statistic of one period, as CloudWatch computes it over the samples SageMaker publishes: an
 * invocation is one sample of Invocations (1), of each error metric (1 when it failed so, else 0; the
 * Average is the error rate) and of InvocationsPerInstance (1 / instances); each answered invocation
 * one sample of ModelLatency and OverheadLatency (µs). Undefined when the period has no such sample.
 */
export function statistic(metric: EndpointMetricName, stat: string, p: PeriodAggregate): number | undefined {
  const a = p.aggregate;
  const n = a.invocations;
  const pct = /^p/.test(stat) ? Number(stat.slice(1)) : undefined;
  // k of the n samples are 1, the rest 0.
  const counted = (k: number) => {
    if (n === 0) return undefined;
    switch (stat) {
      case 'Sum': return k;
      case 'SampleCount': return n;
      case 'Average': return k / n;
      case 'Minimum': return k === n ? 1 : 0;
      case 'Maximum': return k > 0 ? 1 : 0;
      default: return pct === undefined ? undefined : Math.max(1, Math.ceil((pct / 100) * n)) > n - k ? 1 : 0;
    }
  };
  switch (metric) {
    case 'Invocations': return counted(n);
    case 'Invocation4XXErrors': return counted(a.errors4xx);
    case 'Invocation5XXErrors': return counted(a.errors5xx);
    case 'InvocationsPerInstance': {
      if (n === 0) return undefined;
      if (stat === 'Sum') return p.perInstance;
      if (stat === 'SampleCount') return n;
      return stat === 'Minimum' || stat === 'Maximum' || stat === 'Average' || pct !== undefined ? p.perInstance / n : undefined;
    }
    case 'ModelLatency':
    case 'OverheadLatency': {
      const c = a.latencyCount;
      if (c === 0) return undefined;
      const model = metric === 'ModelLatency';
      const sum = model ? a.modelSumUs : a.overheadSumUs;
      const min = (model ? a.modelMinUs : a.overheadMinUs) ?? 0;
      const max = (model ? a.modelMaxUs : a.overheadMaxUs) ?? 0;
      switch (stat) {
        case 'Sum': return sum;
        case 'SampleCount': return c;
        case 'Average': return sum / c;
        case 'Minimum': return min;
        case 'Maximum': return max;
        default: return pct === undefined ? undefined : histogramPercentile(model ? a.modelHist : a.overheadHist, c, pct, min, max);
      }
    }
  }
}

/** `Sum`, `p99`, … or a ValidationException naming `path` and the statistics Loam computes. */
export function checkStat(stat: string, path: string): string {
  if ((metricStatistics as readonly string[]).includes(stat) || percentile.test(stat)) return stat;
  throw new ValidationError(
    `The value '${stat}' for ${path.slice(1).replaceAll('/', '.')} is not valid: Loam computes SampleCount, Average, Sum, Minimum, Maximum and percentiles p0–p100 (e.g. p99); trimmed means and other extended statistics are not supported.`,
    [{ path, message: 'SampleCount, Average, Sum, Minimum, Maximum or pNN' }],
  );
}

/** Period a multiple of 60 and StartTime before EndTime, as CloudWatch requires of standard-resolution metrics. */
export function checkRange(start: number, end: number, period: number, periodPath: string): void {
  if (period % 60 !== 0) {
    throw new ValidationError(
      `The parameter ${periodPath.slice(1).replaceAll('/', '.')} must be a multiple of 60 (got ${period}): AWS/SageMaker endpoint metrics are standard resolution, one datapoint a minute.`,
      [{ path: periodPath, message: 'a multiple of 60' }],
    );
  }
  if (!(start < end)) {
    throw new ValidationError(`The parameter StartTime (${new Date(start * 1000).toISOString()}) must be less than the parameter EndTime (${new Date(end * 1000).toISOString()}).`, [{ path: '/StartTime', message: 'before EndTime' }]);
  }
}

/** The series a metric and dimensions name, when they name one Loam records (exactly EndpointName and VariantName). */
export function seriesOf(namespace: string, metricName: string, dimensions: readonly { Name: string; Value: string }[] | undefined): { metric: EndpointMetricName; endpoint: string; variant: string } | undefined {
  if (namespace !== SAGEMAKER_NAMESPACE || !(endpointMetricNames as readonly string[]).includes(metricName)) return undefined;
  const dims = dimensions ?? [];
  const endpoint = dims.find((d) => d.Name === 'EndpointName')?.Value;
  const variant = dims.find((d) => d.Name === 'VariantName')?.Value;
  // CloudWatch matches a metric by its full dimension set: SageMaker publishes these with both, so a query
  // naming fewer or more dimensions matches no metric (and has no datapoints), as on AWS.
  if (dims.length !== 2 || endpoint === undefined || variant === undefined) return undefined;
  return { metric: metricName as EndpointMetricName, endpoint, variant };
}
