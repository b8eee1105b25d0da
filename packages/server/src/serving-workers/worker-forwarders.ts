import type { CaptureEvent } from '../endpoints/data-capture.js';
import type { CaptureSink, MetricsSink } from '../endpoints/endpoint-router.js';
import type { CaptureOffer, MetricsBatch } from './worker-protocol.js';

/** Longest capture queue a worker keeps between flushes; beyond it offers are dropped (capture never slows an invocation). */
const MAX_OFFERS = 10_000;

/**
 * A serving worker's metrics and data capture: recorded as on the main server (a few array writes per
 * invocation) and sent to it in batches, where they join the endpoint's own metrics and capture writer.
 */
export class WorkerForwarders implements MetricsSink {
  private rows = new Map<string, number[]>();
  private offers: CaptureOffer[] = [];
  private dropped: Record<string, number> = {};

  constructor(private readonly random: () => number = Math.random) {}

  variant(endpoint: string, variant: string): { record(status: number, modelUs: number | undefined, overheadUs: number): void } {
    const key = `${endpoint}\0${variant}`;
    return {
      record: (status, modelUs, overheadUs) => {
        let r = this.rows.get(key);
        if (!r) this.rows.set(key, (r = []));
        r.push(status, modelUs ?? Number.NaN, overheadUs, Date.now());
      },
    };
  }

  /** The data capture sink for one endpoint: samples by InitialSamplingPercentage here, so only sampled payloads cross to the main server. */
  capture(endpoint: string, percent: number): CaptureSink {
    return {
      enabled: percent > 0,
      offer: (e: CaptureEvent) => {
        if (this.random() * 100 >= percent) return;
        if (this.offers.length >= MAX_OFFERS) this.dropped[endpoint] = (this.dropped[endpoint] ?? 0) + 1;
        else this.offers.push({ endpoint, ...e });
      },
    };
  }

  /** What was recorded since the last call. */
  take(): { batches: MetricsBatch[]; offers: CaptureOffer[]; dropped: Record<string, number> } {
    const batches: MetricsBatch[] = [];
    for (const [key, r] of this.rows) {
      const [endpoint, variant] = key.split('\0') as [string, string];
      batches.push({ endpoint, variant, rows: Float64Array.from(r) });
    }
    const out = { batches, offers: this.offers, dropped: this.dropped };
    this.rows = new Map();
    this.offers = [];
    this.dropped = {};
    return out;
  }
}
