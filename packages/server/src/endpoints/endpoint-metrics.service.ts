import { NotFoundError, type EndpointStore, type RequestContext } from '@loam/core';
import type { InputOf, OutputOf, operations } from '@loam/contracts';
import type { EndpointController } from './endpoint-controller.js';
import type { MetricsRegistry } from './metrics-registry.js';
import { statistic } from './metric-statistics.js';

type Op = (typeof operations)['GetEndpointMetrics'];

/**
 * GetEndpointMetrics: per-variant points for Studio's live charts (the last 5 minutes by default), from
 * the in-memory hour. Each point is the same aggregate and statistic() GetMetricStatistics and alarms use,
 * so a chart and a CloudWatch read of the same span agree.
 */
export class EndpointMetricsService {
  constructor(
    private readonly o: { metrics: MetricsRegistry; endpoints: EndpointStore; controller: EndpointController },
  ) {}

  async GetEndpointMetrics(input: InputOf<Op>, _ctx: RequestContext): Promise<OutputOf<Op>> {
    const r = await this.o.endpoints.get(input.EndpointName);
    if (!r) throw new NotFoundError('Endpoint', input.EndpointName);
    const period = input.PeriodInSeconds ?? 1;
    const endSec = Math.floor(Date.now() / 1000) + 1;
    const startSec = Math.max(Math.floor(input.StartTime ?? endSec - 300), endSec - 3600);
    const live = this.o.controller.get(r.name);
    const names = r.variants.map((v) => v.VariantName).filter((n) => !input.VariantName || n === input.VariantName);
    return {
      Variants: names.map((name) => {
        const m = this.o.metrics.variant(r.name, name);
        const points = [];
        for (let t = startSec; t < endSec; t += period) {
          const p = { start: t, aggregate: m.aggregate(t, Math.min(endSec, t + period)), perInstance: 0 };
          const a = p.aggregate;
          points.push({
            Timestamp: t, Invocations: a.invocations, Invocation4XXErrors: a.errors4xx, Invocation5XXErrors: a.errors5xx,
            ...(a.latencyCount > 0 ? {
              ModelLatencyAverage: statistic('ModelLatency', 'Average', p) as number, ModelLatencyP99: statistic('ModelLatency', 'p99', p) as number,
              OverheadLatencyAverage: statistic('OverheadLatency', 'Average', p) as number,
            } : {}),
          });
        }
        return { VariantName: name, CurrentInstanceCount: live?.blue.fleets.get(name)?.healthyCount() ?? 0, Points: points };
      }),
    };
  }
}
