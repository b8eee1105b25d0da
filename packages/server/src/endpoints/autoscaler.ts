import { LoopFailureLog, type AlarmRecord, type Logger, type PolicyAlarm, type ScalingAction, type ScalingRecord } from '@loam/core';
import type { AlarmEvaluator } from './alarm-evaluator.js';
import type { EndpointController } from './endpoint-controller.js';

export interface AutoscalerOptions {
  readonly controller: EndpointController;
  /** Evaluates the policies' alarms over the endpoints' metrics (the same evaluator DescribeAlarms reads). */
  readonly evaluator: AlarmEvaluator;
  /** An alarm's stored record (a policy's alarms are read fresh, so a new policy acts at once). */
  readonly alarm: (name: string) => Promise<AlarmRecord | undefined>;
  readonly policies: () => Promise<ScalingRecord[]>;
  /** Called after each scaling action, also one that failed (DescribeScalingActivities records it). */
  readonly onScaled: (endpoint: string, action: ScalingAction) => Promise<void>;
  readonly logger: Logger;
  readonly intervalMs?: number;
}

/** What one tick decided for a variant, and why. */
interface Decision {
  readonly to: number;
  readonly perInstancePerMinute: number;
  readonly alarmName?: string;
  readonly bound?: 'minimum' | 'maximum';
}

/**
 * Target tracking on SageMakerVariantInvocationsPerInstance, driven by the policy's CloudWatch alarms as
 * Application Auto Scaling is: AlarmHigh in ALARM scales out, AlarmLow in ALARM scales in, to
 * ceil(instances × metric / target) within [MinCapacity, MaxCapacity], where the metric is the alarm's
 * newest datapoint (invocations per instance per minute). Scale-out and scale-in each wait their
 * cooldown after the last scaling action; DisableScaleIn keeps instances (and the policy has no
 * AlarmLow). A variant outside its capacity bounds is brought within them whatever the alarms say. Only
 * InService endpoints are scaled.
 */
export class Autoscaler {
  private timer: NodeJS.Timeout | undefined;
  private readonly lastScale = new Map<string, { out: number; in: number }>();

  constructor(private readonly o: AutoscalerOptions) {}

  /** The instance count target tracking wants for a variant now (exported for tests). */
  static desired(current: number, perInstancePerMinute: number, target: number, min: number, max: number): number {
    const want = current === 0 ? (perInstancePerMinute > 0 ? 1 : 0) : Math.ceil((current * perInstancePerMinute) / target - 1e-9);
    return Math.min(max, Math.max(min, want));
  }

  async tick(nowMs = Date.now()): Promise<void> {
    for (const rec of await this.o.policies()) {
      const policy = rec.policies[rec.policies.length - 1];
      const live = this.o.controller.get(rec.endpointName);
      const fleet = live?.blue.fleets.get(rec.variantName);
      if (!policy || !live || !live.routable || live.starting || live.green || !fleet) continue;
      const current = fleet.desiredCount;
      const d = await this.decide(rec, policy, current, nowMs);
      if (!d || d.to === current) continue;
      const last = this.lastScale.get(rec.key) ?? { out: 0, in: 0 };
      if (d.bound === undefined) {
        if (d.to > current && nowMs - last.out < policy.scaleOutCooldown * 1000) continue;
        if (d.to < current && (policy.disableScaleIn || nowMs - last.in < policy.scaleInCooldown * 1000 || nowMs - last.out < policy.scaleInCooldown * 1000)) continue;
      }
      const want = Math.max(d.to, 0);
      this.lastScale.set(rec.key, want > current ? { ...last, out: nowMs } : { ...last, in: nowMs });
      this.o.logger.info({ endpointName: live.name, variantName: rec.variantName, from: current, to: want, alarmName: d.alarmName, perInstancePerMinute: d.perInstancePerMinute }, 'autoscaling variant');
      const startMs = Date.now();
      let failure: unknown;
      await this.o.controller.scale(live, fleet, want).catch((e: unknown) => { failure = e; });
      await this.o.onScaled(live.name, {
        endpointName: live.name, variantName: rec.variantName, from: current, to: want, policyName: policy.name, targetValue: policy.targetValue,
        perInstancePerMinute: d.perInstancePerMinute, startMs, endMs: Date.now(),
        ...(d.alarmName !== undefined ? { alarmName: d.alarmName } : {}), ...(d.bound !== undefined ? { bound: d.bound } : {}),
        ...(failure !== undefined ? { error: (failure as Error).message } : {}),
      });
      if (failure !== undefined) throw failure;
    }
  }

  /** The count the policy's alarms (or the target's bounds) call for, or undefined to leave the variant. */
  private async decide(rec: ScalingRecord, policy: ScalingRecord['policies'][number], current: number, nowMs: number): Promise<Decision | undefined> {
    if (current < rec.minCapacity) return { to: rec.minCapacity, perInstancePerMinute: 0, bound: 'minimum' };
    if (current > rec.maxCapacity) return { to: rec.maxCapacity, perInstancePerMinute: 0, bound: 'maximum' };
    const high = await this.inAlarm(policy.alarms, 'AlarmHigh', nowMs);
    const fire = high ?? (policy.disableScaleIn ? undefined : await this.inAlarm(policy.alarms, 'AlarmLow', nowMs));
    if (!fire) return undefined;
    const to = Autoscaler.desired(current, fire.perInstancePerMinute, policy.targetValue, rec.minCapacity, rec.maxCapacity);
    // AlarmHigh only adds instances and AlarmLow only removes them.
    if (fire === high ? to <= current : to >= current) return undefined;
    return { to, perInstancePerMinute: fire.perInstancePerMinute, alarmName: fire.name };
  }

  /** The policy's alarm of this kind when it is in ALARM, with its newest datapoint per minute. */
  private async inAlarm(alarms: readonly PolicyAlarm[] | undefined, kind: PolicyAlarm['kind'], nowMs: number): Promise<{ name: string; perInstancePerMinute: number } | undefined> {
    const ref = alarms?.find((a) => a.kind === kind);
    const rec = ref && (await this.o.alarm(ref.name));
    if (!rec) return undefined;
    const { state, points } = this.o.evaluator.evaluateWithPoints(rec, nowMs);
    const newest = points[0];
    if (state.value !== 'ALARM' || newest === undefined) return undefined;
    const period = Number((rec.request as { Period?: number }).Period ?? 60);
    return { name: rec.name, perInstancePerMinute: (newest * 60) / period };
  }

  start(): void {
    const failures = new LoopFailureLog(this.o.logger, 'autoscaling failed');
    const loop = () => {
      this.timer = setTimeout(() => {
        this.tick().then(() => failures.succeeded(), (e: unknown) => failures.failed(e)).finally(() => this.timer && loop());
      }, this.o.intervalMs ?? 5000);
      this.timer.unref();
    };
    loop();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
