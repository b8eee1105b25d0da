import { NotFoundError, type EndpointStore, type RequestContext } from '@loam/core';
import type { InputOf, OutputOf, operations } from '@loam/contracts';
import type { EndpointController } from './endpoint-controller.js';
import type { MetricsRegistry } from './metrics-registry.js';

type Op = (typeof operations)['GetEndpointMetrics'];

/** GetEndpointMetrics: per-variant points for Studio's live charts (the last 5 minutes by default). */
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
          const w = m.window(t, Math.min(endSec, t + period));
          points.push({
            Timestamp: t, Invocations: w.invocations, Invocation4XXErrors: w.errors4xx, Invocation5XXErrors: w.errors5xx,
            ...(w.modelLatencyAvgUs !== undefined ? { ModelLatencyAverage: w.modelLatencyAvgUs, ModelLatencyP99: w.percentile(99) as number, OverheadLatencyAverage: w.overheadLatencyAvgUs as number } : {}),
          });
        }
        return { VariantName: name, CurrentInstanceCount: live?.blue.fleets.get(name)?.healthyCount() ?? 0, Points: points };
      }),
    };
  }
}
