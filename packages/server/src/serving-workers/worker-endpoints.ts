import type { Logger } from '@loam/core';
import { loadBuiltinPredictor } from '@loam/runtime/model-server/index';
import { LiveEndpoint } from '../endpoints/live-endpoint.js';
import { InProcessInstance } from '../endpoints/serving-instance.js';
import { Generation, VariantFleet } from '../endpoints/variant-fleet.js';
import type { EndpointView, GenerationView } from './worker-protocol.js';

/**
 * A serving worker's copy of the endpoints it may answer: rebuilt from each set of views the main
 * server sends, with every built-in model loaded once (by instance id) from the directory the main
 * server staged it in. An endpoint whose model cannot be loaded here is left to the main server.
 */
export class WorkerEndpoints {
  private readonly byName = new Map<string, LiveEndpoint>();
  private readonly captured = new Map<string, number>();
  private loaded = new Map<string, InProcessInstance>();

  constructor(private readonly log: Logger) {}

  /** The endpoint if this worker answers it; undefined sends its invocations to the main server. */
  get(name: string): LiveEndpoint | undefined {
    return this.byName.get(name.toLowerCase());
  }

  /** The endpoint's data capture sampling percentage (0: off). */
  capturePercent(name: string): number {
    return this.captured.get(name.toLowerCase()) ?? 0;
  }

  apply(views: readonly EndpointView[]): void {
    const kept = new Map<string, InProcessInstance>();
    this.byName.clear();
    this.captured.clear();
    for (const v of views) {
      if (!v.servable || !v.blue) continue;
      try {
        const live = new LiveEndpoint(v.name, v.arn, this.generation(v.blue, kept));
        if (v.green) live.green = this.generation(v.green, kept);
        live.greenShare = v.green ? v.greenShare : 0;
        live.routable = true;
        this.byName.set(v.name.toLowerCase(), live);
        if (v.capturePercent > 0) this.captured.set(v.name.toLowerCase(), v.capturePercent);
      } catch (e) {
        this.log.warn({ endpointName: v.name, err: (e as Error).message }, 'serving worker could not load the model; the main server answers this endpoint');
      }
    }
    this.loaded = kept;
  }

  private generation(g: GenerationView, kept: Map<string, InProcessInstance>): Generation {
    const gen = new Generation(g.configName);
    for (const f of g.fleets) {
      const fleet = new VariantFleet(f.variantName, f.modelName, f.container, f.weight, f.instances.length);
      for (const i of f.instances) {
        const key = `${i.id}\0${i.modelDir}`;
        let inst = kept.get(key) ?? this.loaded.get(key);
        inst ??= new InProcessInstance(i.id, loadBuiltinPredictor(i.modelDir, { env: f.container.environment }), Number.MAX_SAFE_INTEGER, i.modelDir);
        kept.set(key, inst);
        fleet.instances.push(inst);
      }
      gen.fleets.set(f.variantName, fleet);
    }
    return gen;
  }
}
