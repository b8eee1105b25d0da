/** Latency histogram buckets: 8 per power of two of microseconds, up to ~70 s. */
const BUCKETS = 8 * 27;
const bucketOf = (us: number) => Math.min(BUCKETS - 1, us < 1 ? 0 : Math.floor(Math.log2(us) * 8));
const bucketUpper = (b: number) => 2 ** ((b + 1) / 8);

/** One second of one variant's traffic. */
export class SecondStats {
  invocations = 0;
  errors4xx = 0;
  errors5xx = 0;
  modelLatencySumUs = 0;
  overheadLatencySumUs = 0;
  latencyCount = 0;
  readonly modelHist = new Uint32Array(BUCKETS);
  constructor(readonly second: number) {}
}

export interface WindowStats {
  readonly invocations: number;
  readonly errors4xx: number;
  readonly errors5xx: number;
  readonly modelLatencyAvgUs?: number;
  readonly overheadLatencyAvgUs?: number;
  readonly modelLatencyMaxUs?: number;
  readonly modelLatencyMinUs?: number;
  /** Seconds in the window that saw any invocation. */
  readonly secondsWithData: number;
  percentile(p: number): number | undefined;
}

/**
 * Per-variant metrics in one-second buckets, kept for an hour: SageMaker's Invocations,
 * Invocation4XXErrors, Invocation5XXErrors, ModelLatency and OverheadLatency (µs). Recording is a few
 * array writes, so it sits on the invocation path; alarms, autoscaling, Studio and Prometheus read it.
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
      this.modelHistTotal[b] = (this.modelHistTotal[b] as number) + 1;
      this.total.modelLatencySumUs += modelUs;
      this.total.overheadLatencySumUs += overheadUs;
    }
  }

  /** Aggregates the seconds in `[fromSec, toSec)`. */
  window(fromSec: number, toSec: number): WindowStats {
    let inv = 0, e4 = 0, e5 = 0, ml = 0, ol = 0, n = 0, seconds = 0;
    const hist = new Uint32Array(BUCKETS);
    for (let t = Math.max(fromSec, toSec - 3599); t < toSec; t++) {
      const s = this.ring[t % 3600];
      if (!s || s.second !== t) continue;
      if (s.invocations > 0) seconds++;
      inv += s.invocations; e4 += s.errors4xx; e5 += s.errors5xx; ml += s.modelLatencySumUs; ol += s.overheadLatencySumUs; n += s.latencyCount;
      for (let b = 0; b < BUCKETS; b++) hist[b] = (hist[b] as number) + (s.modelHist[b] as number);
    }
    const percentile = (p: number): number | undefined => {
      if (n === 0) return undefined;
      let rank = Math.ceil((p / 100) * n);
      for (let b = 0; b < BUCKETS; b++) {
        rank -= hist[b] as number;
        if (rank <= 0) return bucketUpper(b);
      }
      return bucketUpper(BUCKETS - 1);
    };
    let minB = -1, maxB = -1;
    for (let b = 0; b < BUCKETS; b++) if ((hist[b] as number) > 0) { if (minB < 0) minB = b; maxB = b; }
    return {
      invocations: inv, errors4xx: e4, errors5xx: e5, secondsWithData: seconds, percentile,
      ...(n > 0 ? { modelLatencyAvgUs: ml / n, overheadLatencyAvgUs: ol / n, modelLatencyMaxUs: bucketUpper(maxB), modelLatencyMinUs: bucketUpper(minB - 1) } : {}),
    };
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

  drop(endpoint: string): void {
    this.endpoints.delete(endpoint);
  }
}
