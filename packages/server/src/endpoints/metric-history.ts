import { deleteWhere, listAll, LoopFailureLog, metricMinutesCollection, type Filter, type Logger, type MetadataStore, type MetricMinuteRecord } from '@loam/core';
import { mergeInto, minuteOf, type MetricAggregate } from './metric-aggregate.js';
import type { MetricsRegistry, VariantMetrics } from './metrics-registry.js';

/** One minute of a variant: its traffic and the instances serving it. */
export interface MinutePoint {
  readonly minute: number;
  readonly aggregate: MetricAggregate;
  readonly instances: number;
}

/** Days of per-minute aggregates kept: CloudWatch keeps one-minute datapoints 15 days. */
export const METRIC_RETENTION_DAYS = 15;

export interface MetricHistoryOptions {
  readonly store: MetadataStore;
  readonly metrics: MetricsRegistry;
  readonly instancesOf: (endpoint: string, variant: string) => number;
  readonly logger: Logger;
  readonly retentionDays?: number;
  readonly now?: () => number;
}

/**
 * Endpoint variants' metrics by minute, for CloudWatch's metric reads: minutes before the watermark are
 * in the metadata store (written once each minute ends, merged into what an earlier run stored for the
 * same minute), minutes from it on are still in the in-memory registry. So nothing is counted twice and
 * a restart loses at most the minute it stopped in. Stored minutes older than the retention are deleted.
 */
export class MetricHistory {
  private watermark: number;
  private flushing: Promise<void> = Promise.resolve();
  private lastSweep = 0;
  private readonly now: () => number;
  private readonly retentionSec: number;
  /** A deleted endpoint's metrics, until the minute it was deleted in is stored. */
  private retired: { endpoint: string; variants: ReadonlyMap<string, VariantMetrics>; until: number }[] = [];
  /** Keys a flush that failed part-way already stored (merged): its retry skips them, so they are not counted twice. */
  private readonly storedAhead = new Set<string>();
  /** A database outage fails every minute's flush: warned once per kind of failure, its end logged once. */
  private readonly failures: LoopFailureLog;

  constructor(private readonly o: MetricHistoryOptions) {
    this.now = o.now ?? Date.now;
    this.watermark = minuteOf(this.now() / 1000);
    this.retentionSec = (o.retentionDays ?? METRIC_RETENTION_DAYS) * 86400;
    this.failures = new LoopFailureLog(o.logger, 'storing endpoint metrics failed');
    o.metrics.onDrop = (endpoint, variants) => this.retired.push({ endpoint, variants, until: minuteOf(this.now() / 1000) + 60 });
  }

  /** Every variant whose unstored minutes are in memory: serving endpoints' and deleted ones' not yet stored. */
  private sources(): [string, ReadonlyMap<string, VariantMetrics>][] {
    return [...this.o.metrics.all(), ...this.retired.map((r): [string, ReadonlyMap<string, VariantMetrics>] => [r.endpoint, r.variants])];
  }

  /** Stores every ended minute (and, with `all`, the current one too: at close). */
  flush(all = false): Promise<void> {
    this.flushing = this.flushing.then(() => this.flushNow(all)).then(() => this.failures.succeeded(), (e: unknown) => this.failures.failed(e));
    return this.flushing;
  }

  private async flushNow(all: boolean): Promise<void> {
    const nowSec = Math.floor(this.now() / 1000);
    const upTo = minuteOf(nowSec) + (all ? 60 : 0);
    const from = Math.max(this.watermark, upTo - 3540);
    const c = this.o.store.collection(metricMinutesCollection);
    for (let m = from; m < upTo; m += 60) {
      for (const [endpointName, variants] of this.sources()) {
        for (const [variantName, v] of variants) {
          const a = v.aggregate(m, m + 60);
          if (a.invocations === 0) continue;
          const key = `${endpointName}/${variantName}/${m}`;
          if (this.storedAhead.has(key)) continue;
          const prev = await c.get(key);
          const instances = this.o.instancesOf(endpointName, variantName);
          if (prev) await c.update(key, prev.version, { ...prev.value, aggregate: mergeInto(structuredClone(prev.value.aggregate), a) });
          else await c.insert({ key, endpointName, variantName, minute: m, instances, aggregate: a });
          this.storedAhead.add(key);
        }
      }
    }
    this.watermark = Math.max(this.watermark, upTo);
    this.storedAhead.clear();
    this.retired = this.retired.filter((r) => r.until > this.watermark);
    if (nowSec - this.lastSweep >= 3600) {
      this.lastSweep = nowSec;
      await this.sweep(nowSec - this.retentionSec);
    }
  }

  /** Deletes stored minutes before `beforeSec`. */
  sweep(beforeSec: number): Promise<number> {
    return deleteWhere(this.o.store.collection(metricMinutesCollection), [{ field: 'minute', op: 'lt', value: Math.floor(beforeSec) }]);
  }

  /** The minutes of `[fromSec, toSec)` with traffic, oldest first, stored and in memory together. */
  async minutes(endpointName: string, variantName: string, fromSec: number, toSec: number): Promise<MinutePoint[]> {
    await this.flushing;
    const nowSec = this.now() / 1000;
    const lo = Math.max(minuteOf(fromSec), minuteOf(nowSec - this.retentionSec));
    const byMinute = new Map<number, { aggregate: MetricAggregate; instances: number }>();
    const stored = await listAll(this.o.store.collection(metricMinutesCollection), {
      filters: [
        { field: 'endpointName', op: 'eq', value: endpointName }, { field: 'variantName', op: 'eq', value: variantName },
        { field: 'minute', op: 'gte', value: lo }, { field: 'minute', op: 'lt', value: Math.ceil(toSec) },
      ],
      sortBy: 'minute',
    });
    for (const { value: r } of stored) byMinute.set(r.minute, { aggregate: structuredClone(r.aggregate), instances: r.instances });
    for (const v of this.sources().filter(([e]) => e === endpointName).map(([, vs]) => vs.get(variantName))) {
      if (!v) continue;
      for (let m = Math.max(lo, this.watermark); m < toSec; m += 60) {
        // A minute a failed flush already stored is read from the store, not again from memory.
        if (this.storedAhead.has(`${endpointName}/${variantName}/${m}`)) continue;
        const a = v.aggregate(m, m + 60);
        if (a.invocations === 0) continue;
        const prev = byMinute.get(m);
        if (prev) mergeInto(prev.aggregate, a);
        else byMinute.set(m, { aggregate: a, instances: this.o.instancesOf(endpointName, variantName) });
      }
    }
    return [...byMinute.entries()].sort(([x], [y]) => x - y).map(([minute, p]) => ({ minute, ...p }));
  }

  /**
   * Endpoint/variant pairs with a minute of traffic since `sinceSec`, stored or in memory, the endpoint deleted or
   * not: what ListMetrics lists. Found a pair at a time (the next endpoint name, then its next variant name), so
   * the cost is a query per pair, not a read of every minute stored over the weeks.
   */
  async withDataSince(sinceSec: number): Promise<Set<string>> {
    await this.flushing;
    const out = new Set<string>();
    const c = this.o.store.collection(metricMinutesCollection);
    const recent = { field: 'minute', op: 'gte', value: minuteOf(sinceSec) } as const;
    const first = async (filters: Filter<MetricMinuteRecord>[], sortBy: 'endpointName' | 'variantName') => (await c.list({ filters: [recent, ...filters], sortBy, maxResults: 1 })).items[0]?.value;
    for (let e = await first([], 'endpointName'); e; e = await first([{ field: 'endpointName', op: 'gt', value: e.endpointName }], 'endpointName')) {
      const endpointName = e.endpointName;
      for (let v: MetricMinuteRecord | undefined = e; v; v = await first([{ field: 'endpointName', op: 'eq', value: endpointName }, { field: 'variantName', op: 'gt', value: v.variantName }], 'variantName')) {
        out.add(`${endpointName}/${v.variantName}`);
      }
    }
    const nowSec = Math.floor(this.now() / 1000) + 1;
    for (const [e, variants] of this.sources()) {
      for (const [name, v] of variants) if (v.aggregate(Math.max(sinceSec, this.watermark), nowSec).invocations > 0) out.add(`${e}/${name}`);
    }
    return out;
  }

  /** Endpoint/variant pairs with traffic since `sinceSec` (ListMetrics' RecentlyActive). */
  async activeSince(sinceSec: number): Promise<Set<string>> {
    await this.flushing;
    const out = new Set<string>();
    const stored = await listAll(this.o.store.collection(metricMinutesCollection), { filters: [{ field: 'minute', op: 'gte', value: minuteOf(sinceSec) }] });
    for (const { value: r } of stored) out.add(`${r.endpointName}/${r.variantName}`);
    const nowSec = Math.floor(this.now() / 1000) + 1;
    for (const [e, variants] of this.sources()) {
      for (const [name, v] of variants) if (v.aggregate(Math.max(sinceSec, this.watermark), nowSec).invocations > 0) out.add(`${e}/${name}`);
    }
    return out;
  }
}
