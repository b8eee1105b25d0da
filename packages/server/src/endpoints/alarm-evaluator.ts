import { listAll, metricMinutesCollection, type AlarmRecord, type AlarmStateSource, type AlarmStateValue, type MetadataStore } from '@loam/core';
import { emptyAggregate, mergeInto, minuteOf, type MetricAggregate } from './metric-aggregate.js';
import type { MinutePoint } from './metric-history.js';
import { statistic, type EndpointMetricName, type PeriodAggregate } from './metric-statistics.js';
import type { MetricsRegistry } from './metrics-registry.js';

/** A stored minute of one endpoint variant. */
export type StoredMinute = MinutePoint & { readonly endpointName: string; readonly variantName: string };

export interface AlarmEvaluatorOptions {
  /**
   * Since when (epoch ms) the endpoint's variant (or, without one, any of its variants) has been
   * serving on this server; undefined when it is not deployed here.
   */
  readonly servingSince?: (endpoint: string, variant?: string) => number | undefined;
  /** When this server began observing traffic (epoch ms); defaults to the evaluator's construction. */
  readonly startedAtMs?: number;
}

interface AlarmSpec {
  MetricName: string;
  Statistic?: string;
  ExtendedStatistic?: string;
  Period: number;
  EvaluationPeriods: number;
  DatapointsToAlarm?: number;
  Threshold: number;
  ComparisonOperator: string;
  TreatMissingData?: string;
}

export interface AlarmState {
  readonly value: AlarmStateValue;
  readonly reason: string;
  readonly time: number;
}

/**
 * One datapoint of an alarm's metric over one window: CloudWatch's statistic of the window's aggregate,
 * computed by the same function GetMetricStatistics uses (exact latency extremes, every statistic of
 * OverheadLatency), so an alarm and a metric read of the same span agree.
 */
export function datapoint(spec: AlarmSpec, p: PeriodAggregate): number | undefined {
  return statistic(spec.MetricName as EndpointMetricName, spec.ExtendedStatistic ?? spec.Statistic ?? 'Average', p);
}

/** Every variant's minutes stored in the `spanSec` seconds before `beforeSec` (what alarms read after a restart). */
export async function storedMinutesBefore(store: MetadataStore, beforeSec: number, spanSec: number): Promise<StoredMinute[]> {
  const stored = await listAll(store.collection(metricMinutesCollection), {
    filters: [{ field: 'minute', op: 'gte', value: minuteOf(beforeSec - spanSec) }, { field: 'minute', op: 'lt', value: Math.ceil(beforeSec) }],
  });
  return stored.map(({ value: r }) => ({ endpointName: r.endpointName, variantName: r.variantName, minute: r.minute, instances: r.instances, aggregate: r.aggregate }));
}

function breaches(op: string, v: number, t: number): boolean {
  switch (op) {
    case 'GreaterThanThreshold': return v > t;
    case 'GreaterThanOrEqualToThreshold': return v >= t;
    case 'LessThanThreshold': return v < t;
    default: return v <= t;
  }
}

/**
 * Evaluates Loam's metric alarms over the endpoints' own metrics. Windows slide with the clock (the
 * newest ends now, not at a period boundary), so an alarm can fire within a second of the first bad
 * answer; `DatapointsToAlarm` of the last `EvaluationPeriods` windows must breach.
 *
 * A window's data is the in-memory registry's seconds (this server's, since it started) plus the minutes
 * an earlier run stored before this one started (`loadStored`), so a restart continues a busy endpoint's
 * alarms instead of starting them over. A window without traffic is missing data (TreatMissingData
 * decides), except for a target-tracking policy's alarms on a variant that served the whole window on
 * this server: that is 0 invocations, as SageMaker reports (ADR 0011). A window reaching back before the
 * variant was deployed, or before this server began observing with no stored minute, is not 0.
 */
export class AlarmEvaluator implements AlarmStateSource {
  private readonly states = new Map<string, AlarmState>();
  private alarms: AlarmRecord[] = [];
  private readonly startedAtSec: number;
  /** Minutes stored before this server started, by endpoint. */
  private readonly stored = new Map<string, StoredMinute[]>();

  constructor(
    private readonly metrics: MetricsRegistry,
    private readonly instancesOf: (endpoint: string, variant?: string) => number,
    private readonly o: AlarmEvaluatorOptions = {},
  ) {
    this.startedAtSec = (o.startedAtMs ?? Date.now()) / 1000;
  }

  /**
   * Takes the minutes an earlier run stored for the hour before this server started (what the in-memory
   * registry cannot hold): windows reaching back before the start read them.
   */
  loadStored(records: readonly StoredMinute[]): void {
    this.stored.clear();
    for (const r of records) {
      if (r.minute >= this.startedAtSec || r.minute < this.startedAtSec - 3660) continue;
      const list = this.stored.get(r.endpointName) ?? [];
      list.push(r);
      this.stored.set(r.endpointName, list);
    }
  }

  /** Since when (epoch s) the alarm's variant has been served and observed here: zeros count from then. */
  private observedSince(a: AlarmRecord): number | undefined {
    const since = this.o.servingSince ? this.o.servingSince(a.endpointName, a.variantName) : this.startedAtSec * 1000;
    return since === undefined ? undefined : Math.max(this.startedAtSec, since / 1000);
  }

  /** The window `[from, to)` of the alarm's variant (or all its endpoint's variants), memory and stored minutes. */
  private window(a: AlarmRecord, from: number, to: number, instances: number): PeriodAggregate {
    const aggregate: MetricAggregate = emptyAggregate();
    let perInstance = 0;
    for (const [name, v] of this.metrics.variantsOf(a.endpointName)) {
      if (a.variantName && name !== a.variantName) continue;
      const w = v.aggregate(from, to);
      mergeInto(aggregate, w);
      perInstance += w.invocations / Math.max(1, instances);
    }
    // A stored minute is one aggregate: a window shorter than a minute (a high-resolution Period) cannot hold it
    // whole, and counting all of it in the window its start falls in multiplied its Sum. Such windows before the
    // start are missing data, as without a stored minute.
    if (from < this.startedAtSec && to - from >= 60) {
      for (const m of this.stored.get(a.endpointName) ?? []) {
        if ((a.variantName && m.variantName !== a.variantName) || m.minute < from || m.minute >= to) continue;
        mergeInto(aggregate, m.aggregate);
        perInstance += m.aggregate.invocations / Math.max(1, a.variantName ? m.instances : instances);
      }
    }
    return { start: from, aggregate, perInstance };
  }

  setAlarms(alarms: AlarmRecord[]): void {
    this.alarms = alarms;
    const names = new Set(alarms.map((a) => a.name));
    for (const k of this.states.keys()) if (!names.has(k)) this.states.delete(k);
  }

  stateOf(name: string): AlarmState | undefined {
    return this.states.get(name);
  }

  /** Evaluates one alarm now; returns its state. */
  evaluate(a: AlarmRecord, nowMs = Date.now()): AlarmState {
    return this.evaluateWithPoints(a, nowMs).state;
  }

  /** Evaluates one alarm now: its state and its datapoints, newest first (what the autoscaler acts on). */
  evaluateWithPoints(a: AlarmRecord, nowMs = Date.now()): { state: AlarmState; points: (number | undefined)[] } {
    const spec = a.request as unknown as AlarmSpec;
    const endSec = Math.floor(nowMs / 1000) + 1;
    const instances = this.instancesOf(a.endpointName, a.variantName);
    const since = this.observedSince(a);
    const points: (number | undefined)[] = [];
    for (let i = 0; i < spec.EvaluationPeriods; i++) {
      const to = endSec - i * spec.Period;
      const from = to - spec.Period;
      const p = datapoint(spec, this.window(a, from, to, instances));
      // A serving variant without traffic reports zero invocations (SageMaker does, and scales such a
      // variant in to its minimum): a target-tracking policy's alarms see 0, not missing data, but only
      // for a window the variant served whole while this server watched. Before it was deployed, or
      // before this server started (with no stored minute), nothing is known: missing data, not 0.
      const idle = a.managedBy !== undefined && instances > 0 && since !== undefined && from >= since;
      points.push(p === undefined && idle ? 0 : p);
    }
    const missing = spec.TreatMissingData ?? 'missing';
    let breaching = 0;
    let present = 0;
    for (const p of points) {
      if (p === undefined) {
        if (missing === 'breaching') { breaching++; present++; } else if (missing === 'notBreaching') present++;
        continue;
      }
      present++;
      if (breaches(spec.ComparisonOperator, p, spec.Threshold)) breaching++;
    }
    const need = spec.DatapointsToAlarm ?? spec.EvaluationPeriods;
    const value: AlarmStateValue = breaching >= need ? 'ALARM' : present === 0 ? 'INSUFFICIENT_DATA' : 'OK';
    const prev = this.states.get(a.name);
    if (prev?.value === value) return { state: prev, points };
    const shown = points.map((p) => (p === undefined ? '-' : Number(p.toPrecision(6)))).join(', ');
    const s: AlarmState = {
      value, time: nowMs / 1000,
      reason: `Threshold ${value === 'ALARM' ? 'Crossed' : 'not crossed'}: ${breaching} of the last ${spec.EvaluationPeriods} datapoints [${shown}] ${spec.ComparisonOperator} ${spec.Threshold} (needs ${need}).`,
    };
    this.states.set(a.name, s);
    return { state: s, points };
  }

  evaluateAll(nowMs = Date.now()): void {
    for (const a of this.alarms) this.evaluate(a, nowMs);
  }

  byName(name: string): AlarmRecord | undefined {
    return this.alarms.find((a) => a.name === name);
  }
}
