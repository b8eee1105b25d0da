import type { Logger, ScalingAction, ScalingRecord } from '@loam/core';
import type { EndpointController } from './endpoint-controller.js';
import type { MetricsRegistry } from './metrics-registry.js';

export interface AutoscalerOptions {
  readonly controller: EndpointController;
  readonly metrics: MetricsRegistry;
  readonly policies: () => Promise<ScalingRecord[]>;
  /** Called after each scaling action, also one that failed (DescribeScalingActivities records it). */
  readonly onScaled: (endpoint: string, action: ScalingAction) => Promise<void>;
  readonly logger: Logger;
  /** Seconds of traffic averaged into InvocationsPerInstance (per minute); CloudWatch's is 60. */
  readonly windowSeconds?: number;
  readonly intervalMs?: number;
}

/**
 * Target tracking on SageMakerVariantInvocationsPerInstance: desired = ceil(instances × metric /
 * target), within [MinCapacity, MaxCapacity]; scale-out and scale-in each wait their cooldown after
 * the last scaling action; DisableScaleIn keeps instances. Only InService endpoints are scaled.
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
    const window = this.o.windowSeconds ?? 60;
    for (const rec of await this.o.policies()) {
      const policy = rec.policies[rec.policies.length - 1];
      const live = this.o.controller.get(rec.endpointName);
      const fleet = live?.blue.fleets.get(rec.variantName);
      if (!policy || !live || !live.routable || live.starting || live.green || !fleet) continue;
      const current = fleet.desiredCount;
      const endSec = Math.floor(nowMs / 1000) + 1;
      const w = this.o.metrics.variant(live.name, rec.variantName).window(endSec - window, endSec);
      const perInstancePerMinute = (w.invocations / Math.max(1, fleet.healthyCount())) * (60 / window);
      let want = Autoscaler.desired(current, perInstancePerMinute, policy.targetValue, rec.minCapacity, rec.maxCapacity);
      const last = this.lastScale.get(rec.key) ?? { out: 0, in: 0 };
      if (want > current && nowMs - last.out < policy.scaleOutCooldown * 1000) continue;
      if (want < current && (policy.disableScaleIn || nowMs - last.in < policy.scaleInCooldown * 1000 || nowMs - last.out < policy.scaleInCooldown * 1000)) continue;
      if (want === current) continue;
      want = Math.max(want, 0);
      this.lastScale.set(rec.key, want > current ? { ...last, out: nowMs } : { ...last, in: nowMs });
      this.o.logger.info({ endpointName: live.name, variantName: rec.variantName, from: current, to: want, perInstancePerMinute }, 'autoscaling variant');
      const startMs = Date.now();
      let failure: unknown;
      await this.o.controller.scale(live, fleet, want).catch((e: unknown) => { failure = e; });
      await this.o.onScaled(live.name, {
        endpointName: live.name, variantName: rec.variantName, from: current, to: want, policyName: policy.name, targetValue: policy.targetValue,
        perInstancePerMinute, startMs, endMs: Date.now(), ...(failure !== undefined ? { error: (failure as Error).message } : {}),
      });
      if (failure !== undefined) throw failure;
    }
  }

  start(): void {
    const loop = () => {
      this.timer = setTimeout(() => {
        this.tick().catch((e: unknown) => this.o.logger.error({ err: (e as Error).message }, 'autoscaling failed')).finally(() => this.timer && loop());
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
