import { BUCKETS, bucketOf, bucketUpper, emptyAggregate, type MetricAggregate } from './metric-aggregate.js';

/** One second of one variant's traffic. */
export class SecondStats {
  invocations = 0;
  errors4xx = 0;
  errors5xx = 0;
  modelLatencySumUs = 0;
  overheadLatencySumUs = 0;
  latencyCount = 0;
  modelMinUs = Infinity;
  modelMaxUs = -Infinity;
  overheadMinUs = Infinity;
  overheadMaxUs = -Infinity;
  readonly modelHist = new Uint32Array(BUCKETS);
  readonly overheadHist = new Uint32Array(BUCKETS);
  constructor(readonly second: number) {}
}

/**
 * Per-variant metrics in one-second buckets, kept for an hour: SageMaker's Invocations,
 * Invocation4XXErrors, Invocation5XXErrors, ModelLatency and OverheadLatency (µs). Recording is a few
 * array writes, so it sits on the invocation path; alarms, the metric history and Studio's charts read it
 * through {@link VariantMetrics.aggregate}, Prometheus through the totals.
 */
export class VariantMetrics {
  private readonly ring: (SecondStats | undefined)[] = new Array(3600);
  /** Totals since start, for Prometheus counters. */
  total = { invocations: 0, errors4xx: 0, errors5xx: 0, modelLatencySumUs: 0, overheadLatencySumUs: 0 };
  readonly modelHistTotal = new Uint32Array(BUCKETS);

  private at(second: number): SecondStats {
    const k = second % 3600;
    let s = this.ring[k];
    if (!s || s.second !== second) this.ring[k] = s = new SecondStats(second);
    return s;
  }

  record(status: number, modelUs: number | undefined, overheadUs: number, nowMs = Date.now()): void {
    const s = this.at(Math.floor(nowMs / 1000));
    s.invocations++;
    this.total.invocations++;
    if (status >= 400 && status < 500) {
      s.errors4xx++;
      this.total.errors4xx++;
    } else if (status >= 500) {
      s.errors5xx++;
      this.total.errors5xx++;
    }
    if (modelUs !== undefined) {
      s.modelLatencySumUs += modelUs;
      s.overheadLatencySumUs += overheadUs;
      s.latencyCount++;
      const b = bucketOf(modelUs);
      s.modelHist[b] = (s.modelHist[b] as number) + 1;
      const o = bucketOf(overheadUs);
      s.overheadHist[o] = (s.overheadHist[o] as number) + 1;
      s.modelMinUs = Math.min(s.modelMinUs, modelUs); s.modelMaxUs = Math.max(s.modelMaxUs, modelUs);
      s.overheadMinUs = Math.min(s.overheadMinUs, overheadUs); s.overheadMaxUs = Math.max(s.overheadMaxUs, overheadUs);
      this.modelHistTotal[b] = (this.modelHistTotal[b] as number) + 1;
      this.total.modelLatencySumUs += modelUs;
      this.total.overheadLatencySumUs += overheadUs;
    }
  }

  /**
   * The seconds in `[fromSec, toSec)` as one aggregate with exact extremes and sparse histograms (what
   * CloudWatch's statistics and the persisted per-minute aggregates are computed from).
   */
  aggregate(fromSec: number, toSec: number): MetricAggregate {
    const a = emptyAggregate();
    for (let t = Math.max(fromSec, toSec - 3599); t < toSec; t++) {
      const s = this.ring[t % 3600];
      if (!s || s.second !== t || s.invocations === 0) continue;
      a.invocations += s.invocations; a.errors4xx += s.errors4xx; a.errors5xx += s.errors5xx;
      a.modelSumUs += s.modelLatencySumUs; a.overheadSumUs += s.overheadLatencySumUs; a.latencyCount += s.latencyCount;
      if (s.latencyCount === 0) continue;
      a.modelMinUs = Math.min(a.modelMinUs ?? Infinity, s.modelMinUs); a.modelMaxUs = Math.max(a.modelMaxUs ?? -Infinity, s.modelMaxUs);
      a.overheadMinUs = Math.min(a.overheadMinUs ?? Infinity, s.overheadMinUs); a.overheadMaxUs = Math.max(a.overheadMaxUs ?? -Infinity, s.overheadMaxUs);
      for (let b = 0; b < BUCKETS; b++) {
        if (s.modelHist[b]) a.modelHist[b] = (a.modelHist[b] ?? 0) + (s.modelHist[b] as number);
        if (s.overheadHist[b]) a.overheadHist[b] = (a.overheadHist[b] ?? 0) + (s.overheadHist[b] as number);
      }
    }
    return a;
  }

  /** Cumulative histogram for Prometheus (`le` in seconds). */
  histogram(): { le: number; count: number }[] {
    const out: { le: number; count: number }[] = [];
    let c = 0;
    for (let b = 0; b < BUCKETS; b += 8) {
      for (let k = b; k < b + 8; k++) c += this.modelHistTotal[k] as number;
      out.push({ le: bucketUpper(b + 7) / 1e6, count: c });
    }
    return out;
  }
}

/** Every endpoint's variant metrics, by endpoint then variant name. */
export class MetricsRegistry {
  private readonly endpoints = new Map<string, Map<string, VariantMetrics>>();

  variant(endpoint: string, variant: string): VariantMetrics {
    let e = this.endpoints.get(endpoint);
    if (!e) this.endpoints.set(endpoint, (e = new Map()));
    let v = e.get(variant);
    if (!v) e.set(variant, (v = new VariantMetrics()));
    return v;
  }

  variantsOf(endpoint: string): ReadonlyMap<string, VariantMetrics> {
    return this.endpoints.get(endpoint) ?? new Map();
  }

  all(): ReadonlyMap<string, ReadonlyMap<string, VariantMetrics>> {
    return this.endpoints;
  }

  /** Told of an endpoint's metrics as they are dropped (the metric history stores their last minutes). */
  onDrop: ((endpoint: string, variants: ReadonlyMap<string, VariantMetrics>) => void) | undefined;

  drop(endpoint: string): void {
    const e = this.endpoints.get(endpoint);
    if (e) this.onDrop?.(endpoint, e);
    this.endpoints.delete(endpoint);
  }
}
