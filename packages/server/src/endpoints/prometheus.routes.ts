import type { FastifyInstance } from 'fastify';
import type { Principal } from '@loam/core';
import type { MetricsRegistry } from './metrics-registry.js';

const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/**
 * The Prometheus text exposition of the endpoint variants' counters and model-latency histogram: of every
 * endpoint, or of those `shown` holds.
 */
export function prometheusText(metrics: MetricsRegistry, instances: (endpoint: string, variant: string) => number, shown?: ReadonlySet<string>): string {
  const lines: string[] = [];
  const head = (name: string, type: string, help: string) => lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  const each = (f: (labels: string, endpoint: string, variant: string, v: ReturnType<MetricsRegistry['variant']>) => void) => {
    for (const [e, vs] of metrics.all()) if (!shown || shown.has(e)) for (const [v, m] of vs) f(`endpoint="${esc(e)}",variant="${esc(v)}"`, e, v, m);
  };
  head('loam_endpoint_invocations_total', 'counter', 'InvokeEndpoint requests routed to the variant.');
  each((l, _e, _v, m) => lines.push(`loam_endpoint_invocations_total{${l}} ${m.total.invocations}`));
  head('loam_endpoint_invocation_errors_total', 'counter', 'Invocations answered 4xx or 5xx (by the model or the router).');
  each((l, _e, _v, m) => lines.push(`loam_endpoint_invocation_errors_total{${l},class="4xx"} ${m.total.errors4xx}`, `loam_endpoint_invocation_errors_total{${l},class="5xx"} ${m.total.errors5xx}`));
  head('loam_endpoint_overhead_latency_seconds_sum', 'counter', 'Total time Loam added around the model.');
  each((l, _e, _v, m) => lines.push(`loam_endpoint_overhead_latency_seconds_sum{${l}} ${m.total.overheadLatencySumUs / 1e6}`));
  head('loam_endpoint_model_latency_seconds', 'histogram', 'Time the model took to answer.');
  each((l, _e, _v, m) => {
    for (const b of m.histogram()) lines.push(`loam_endpoint_model_latency_seconds_bucket{${l},le="${b.le}"} ${b.count}`);
    const count = m.histogram().at(-1)?.count ?? 0;
    lines.push(`loam_endpoint_model_latency_seconds_bucket{${l},le="+Inf"} ${count}`, `loam_endpoint_model_latency_seconds_sum{${l}} ${m.total.modelLatencySumUs / 1e6}`, `loam_endpoint_model_latency_seconds_count{${l}} ${count}`);
  });
  head('loam_endpoint_instances', 'gauge', 'Instances of the variant in service (passed /ping).');
  each((l, e, v) => lines.push(`loam_endpoint_instances{${l}} ${instances(e, v)}`));
  return `${lines.join('\n')}\n`;
}

/**
 * `GET /metrics` in Prometheus' text format. It carries no payloads and no names beyond endpoint and
 * variant, and it is served only to callers with a valid bearer token (scrapers get one like any client).
 * An endpoint's series are shown only to a caller who may `sagemaker:DescribeEndpoint` it, as
 * GetEndpointMetrics is authorized: the names and traffic of the others are left out.
 */
export function registerPrometheusRoute(app: FastifyInstance, o: {
  metrics: MetricsRegistry;
  instances: (e: string, v: string) => number;
  authenticate: (authorization: string | undefined) => Promise<Principal>;
  /** Whether the caller may read the endpoint's metrics (DescribeEndpoint on its ARN). */
  mayRead: (principal: Principal, endpoint: string) => Promise<boolean>;
}): void {
  app.get('/metrics', async (req, reply) => {
    let principal: Principal;
    try {
      principal = await o.authenticate(req.headers.authorization);
    } catch {
      return reply.code(401).type('text/plain').send('Send Authorization: Bearer <API token> to read /metrics.\n');
    }
    const shown = new Set<string>();
    for (const e of o.metrics.all().keys()) if (await o.mayRead(principal, e)) shown.add(e);
    return reply.type('text/plain; version=0.0.4').send(prometheusText(o.metrics, o.instances, shown));
  });
}
