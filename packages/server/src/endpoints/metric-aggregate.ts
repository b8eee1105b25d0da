import type { MetricAggregate } from '@loam/core';

/** Latency histogram buckets: 8 per power of two of microseconds, up to ~70 s. */
export const BUCKETS = 8 * 27;
export const bucketOf = (us: number): number => Math.min(BUCKETS - 1, us < 1 ? 0 : Math.floor(Math.log2(us) * 8));
export const bucketUpper = (b: number): number => 2 ** ((b + 1) / 8);

export type { MetricAggregate };

/** The start (epoch s) of the minute `sec` falls in: the unit every stored aggregate and period is aligned to. */
export const minuteOf = (sec: number): number => Math.floor(sec / 60) * 60;

export function emptyAggregate(): MetricAggregate {
  return { invocations: 0, errors4xx: 0, errors5xx: 0, latencyCount: 0, modelSumUs: 0, overheadSumUs: 0, modelHist: {}, overheadHist: {} };
}

const minOf = (a: number | undefined, b: number | undefined) => (a === undefined ? b : b === undefined ? a : Math.min(a, b));
const maxOf = (a: number | undefined, b: number | undefined) => (a === undefined ? b : b === undefined ? a : Math.max(a, b));

/** Adds `b` into `a`. */
export function mergeInto(a: MetricAggregate, b: MetricAggregate): MetricAggregate {
  a.invocations += b.invocations; a.errors4xx += b.errors4xx; a.errors5xx += b.errors5xx;
  a.latencyCount += b.latencyCount; a.modelSumUs += b.modelSumUs; a.overheadSumUs += b.overheadSumUs;
  const mm = minOf(a.modelMinUs, b.modelMinUs), mx = maxOf(a.modelMaxUs, b.modelMaxUs);
  const om = minOf(a.overheadMinUs, b.overheadMinUs), ox = maxOf(a.overheadMaxUs, b.overheadMaxUs);
  if (mm !== undefined) a.modelMinUs = mm;
  if (mx !== undefined) a.modelMaxUs = mx;
  if (om !== undefined) a.overheadMinUs = om;
  if (ox !== undefined) a.overheadMaxUs = ox;
  for (const [k, v] of Object.entries(b.modelHist)) a.modelHist[Number(k)] = (a.modelHist[Number(k)] ?? 0) + v;
  for (const [k, v] of Object.entries(b.overheadHist)) a.overheadHist[Number(k)] = (a.overheadHist[Number(k)] ?? 0) + v;
  return a;
}

/**
 * The p-th percentile of a histogram: the upper bound of the bucket holding the rank, clamped to the
 * exact extremes (so p100 is the maximum and a single sample's every percentile is that sample).
 */
export function histogramPercentile(hist: Record<number, number>, n: number, p: number, min: number, max: number): number {
  let rank = Math.max(1, Math.ceil((p / 100) * n));
  const buckets = Object.keys(hist).map(Number).sort((x, y) => x - y);
  for (const b of buckets) {
    rank -= hist[b] as number;
    if (rank <= 0) return Math.min(max, Math.max(min, bucketUpper(b)));
  }
  return max;
}
