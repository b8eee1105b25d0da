import type { LiveEndpoint } from '../endpoints/live-endpoint.js';
import { InProcessInstance } from '../endpoints/serving-instance.js';
import type { Generation } from '../endpoints/variant-fleet.js';
import type { EndpointView, GenerationView } from './worker-protocol.js';

/** A generation's view, or undefined when a worker cannot serve it (a process instance, or a variant with no instance in service). */
function generationView(g: Generation): GenerationView | undefined {
  const fleets: GenerationView['fleets'][number][] = [];
  for (const f of g.fleets.values()) {
    const instances: { id: string; modelDir: string }[] = [];
    for (const i of f.instances) {
      if (!(i instanceof InProcessInstance) || i.modelDir === undefined) {
        if (i.state !== 'stopped') return undefined;
        continue;
      }
      if (i.state === 'healthy') instances.push({ id: i.id, modelDir: i.modelDir });
    }
    if (instances.length === 0) return undefined;
    fleets.push({ variantName: f.variantName, modelName: f.modelName, container: f.container, weight: f.weight, instances });
  }
  return fleets.length > 0 ? { configName: g.configName, fleets } : undefined;
}

/**
 * What serving workers need to route an endpoint the way the main server does: blue, green and its
 * share, weights, the in-process instances in service and whether data capture is on.
 */
export function endpointView(ep: LiveEndpoint): EndpointView {
  const blue = generationView(ep.blue);
  const green = ep.green ? generationView(ep.green) : undefined;
  // While green is being built (an instance not yet in service) the main server answers: a
  // TargetVariant naming a green-only variant waits there for it, as without workers.
  const servable = ep.routable && blue !== undefined && (ep.green === undefined || green !== undefined);
  const capture = ep.capture?.enabled === true ? ep.capture.config.InitialSamplingPercentage : 0;
  return {
    name: ep.name, arn: ep.arn, servable, greenShare: ep.greenShare, capturePercent: capture,
    ...(blue ? { blue } : {}), ...(green ? { green } : {}),
  };
}
