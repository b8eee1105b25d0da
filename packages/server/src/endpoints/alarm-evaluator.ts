import type { AlarmRecord, AlarmStateSource, AlarmStateValue } from '@loam/core';
import type { MetricsRegistry, WindowStats } from './metrics-registry.js';

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

/** One datapoint of an alarm's metric over a window, as CloudWatch's statistics define them (latency in µs). */
export function datapoint(spec: AlarmSpec, w: WindowStats, instances: number): number | undefined {
  const n = w.invocations;
  if (n === 0) return undefined;
  const stat = spec.ExtendedStatistic ?? spec.Statistic ?? 'Average';
  const count = (k: number) => {
    switch (stat) {
      case 'Sum': return k;
      case 'SampleCount': return n;
      case 'Average': return k / n;
      case 'Maximum': return k > 0 ? 1 : 0;
      case 'Minimum': return k === n ? 1 : 0;
      default: return undefined;
    }
  };
  switch (spec.MetricName) {
    case 'Invocations': return stat === 'Sum' || stat === 'SampleCount' ? n : 1;
    case 'InvocationsPerInstance': return stat === 'Sum' ? n / Math.max(1, instances) : 1;
    case 'Invocation4XXErrors': return count(w.errors4xx);
    case 'Invocation5XXErrors': return count(w.errors5xx);
    case 'ModelLatency':
    case 'OverheadLatency': {
      if (w.modelLatencyAvgUs === undefined) return undefined;
      if (spec.MetricName === 'OverheadLatency') return w.overheadLatencyAvgUs;
      if (/^p/.test(stat)) return w.percentile(Number(stat.slice(1)));
      if (stat === 'Maximum') return w.modelLatencyMaxUs;
      if (stat === 'Minimum') return w.modelLatencyMinUs;
      if (stat === 'Sum') return (w.modelLatencyAvgUs ?? 0) * n;
      if (stat === 'SampleCount') return n;
      return w.modelLatencyAvgUs;
    }
    default: return undefined;
  }
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
 */
export class AlarmEvaluator implements AlarmStateSource {
  private readonly states = new Map<string, AlarmState>();
  private alarms: AlarmRecord[] = [];

  constructor(
    private readonly metrics: MetricsRegistry,
    private readonly instancesOf: (endpoint: string, variant?: string) => number,
  ) {}

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
    const variants = this.metrics.variantsOf(a.endpointName);
    const endSec = Math.floor(nowMs / 1000) + 1;
    const instances = this.instancesOf(a.endpointName, a.variantName);
    const points: (number | undefined)[] = [];
    for (let i = 0; i < spec.EvaluationPeriods; i++) {
      const to = endSec - i * spec.Period;
      const from = to - spec.Period;
      const windows = a.variantName ? [variants.get(a.variantName)?.window(from, to)] : [...variants.values()].map((v) => v.window(from, to));
      const p = datapoint(spec, merge(windows.filter((w): w is WindowStats => w !== undefined)), instances);
      // A serving variant without traffic reports zero invocations (SageMaker does, and scales such a
      // variant in to its minimum): a target-tracking policy's alarms see 0, not missing data.
      points.push(p === undefined && a.managedBy !== undefined && instances > 0 ? 0 : p);
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

/** Sums variants' windows for an endpoint-wide alarm. */
function merge(ws: WindowStats[]): WindowStats {
  if (ws.length === 1) return ws[0] as WindowStats;
  let inv = 0, e4 = 0, e5 = 0, ml = 0, ol = 0, seconds = 0;
  for (const w of ws) {
    inv += w.invocations; e4 += w.errors4xx; e5 += w.errors5xx; seconds = Math.max(seconds, w.secondsWithData);
    ml += (w.modelLatencyAvgUs ?? 0) * w.invocations; ol += (w.overheadLatencyAvgUs ?? 0) * w.invocations;
  }
  return {
    invocations: inv, errors4xx: e4, errors5xx: e5, secondsWithData: seconds,
    percentile: (p) => Math.max(...ws.map((w) => w.percentile(p) ?? 0)),
    ...(inv > 0 ? { modelLatencyAvgUs: ml / inv, overheadLatencyAvgUs: ol / inv } : {}),
  };
}
