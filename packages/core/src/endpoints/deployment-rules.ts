import { ValidationError } from '../kernel/errors.js';
import type { ModelRecord } from '../models/model.collections.js';
import type { DeploymentConfigInput } from './endpoint.collections.js';

type Capacity = { readonly Type: 'INSTANCE_COUNT' | 'CAPACITY_PERCENT'; readonly Value: number };

const field = (path: string, message: string, text: string) => new ValidationError(text, [{ path, message }]);

/**
 * SageMaker's rules for a DeploymentConfig that the schema cannot express: CANARY needs CanarySize
 * (at most 50% of capacity), LINEAR needs LinearStepSize (10–50% of capacity); rolling updates are
 * not supported yet. With `greenInstances` (the new fleet's size, known at UpdateEndpoint), sizes in
 * INSTANCE_COUNT are held to the same shares of it: a canary of 3 of 4 instances, or a linear step of
 * the whole fleet, is refused rather than quietly shifted as another share.
 * @throws ValidationException naming the member.
 */
export function validateDeploymentConfig(d: DeploymentConfigInput, greenInstances?: number): void {
  if (d.RollingUpdatePolicy) {
    throw field('/DeploymentConfig/RollingUpdatePolicy', 'not supported', 'RollingUpdatePolicy is not supported yet: use BlueGreenUpdatePolicy (ALL_AT_ONCE, CANARY or LINEAR).');
  }
  const t = d.BlueGreenUpdatePolicy?.TrafficRoutingConfiguration;
  if (!t) return;
  const base = '/DeploymentConfig/BlueGreenUpdatePolicy/TrafficRoutingConfiguration';
  if (t.Type === 'CANARY') {
    if (!t.CanarySize) throw field(`${base}/CanarySize`, 'required for CANARY', 'TrafficRoutingConfiguration of Type CANARY needs CanarySize.');
    if (t.CanarySize.Type === 'CAPACITY_PERCENT' && t.CanarySize.Value > 50) {
      throw field(`${base}/CanarySize/Value`, 'at most 50', `CanarySize ${t.CanarySize.Value}% is more than 50% of the fleet's capacity.`);
    }
    if (t.CanarySize.Type === 'INSTANCE_COUNT' && greenInstances !== undefined && t.CanarySize.Value * 2 > greenInstances) {
      throw field(`${base}/CanarySize/Value`, `at most ${Math.floor(greenInstances / 2)} (50% of ${greenInstances} instances)`,
        `CanarySize ${t.CanarySize.Value} ${instances(t.CanarySize.Value)} is more than 50% of the new fleet's ${greenInstances} ${instances(greenInstances)}.`);
    }
  }
  if (t.Type === 'LINEAR') {
    if (!t.LinearStepSize) throw field(`${base}/LinearStepSize`, 'required for LINEAR', 'TrafficRoutingConfiguration of Type LINEAR needs LinearStepSize.');
    const s = t.LinearStepSize;
    if (s.Type === 'CAPACITY_PERCENT' && (s.Value < 10 || s.Value > 50)) {
      throw field(`${base}/LinearStepSize/Value`, '10 to 50', `LinearStepSize ${s.Value}% must be between 10% and 50% of the fleet's capacity.`);
    }
    if (s.Type === 'INSTANCE_COUNT' && greenInstances !== undefined && (s.Value * 10 < greenInstances || s.Value * 2 > greenInstances)) {
      throw field(`${base}/LinearStepSize/Value`, `10% to 50% of ${greenInstances} instances`,
        `LinearStepSize ${s.Value} ${instances(s.Value)} must be between 10% and 50% of the new fleet's ${greenInstances} ${instances(greenInstances)}.`);
    }
  }
}

const instances = (n: number) => (n === 1 ? 'instance' : 'instances');

function fraction(c: Capacity, instances: number, max: number): number {
  const f = c.Type === 'CAPACITY_PERCENT' ? c.Value / 100 : c.Value / Math.max(1, instances);
  return Math.min(max, Math.max(0, f));
}

/**
 * The shares of traffic the new (green) fleet takes, step after step, ending at 1. ALL_AT_ONCE is one
 * step; CANARY is the canary then everything; LINEAR is equal steps (the last may be smaller).
 * Without a deployment config SageMaker shifts all at once.
 */
export function trafficSchedule(d: DeploymentConfigInput | undefined, greenInstances: number): number[] {
  const t = d?.BlueGreenUpdatePolicy?.TrafficRoutingConfiguration;
  if (!t || t.Type === 'ALL_AT_ONCE') return [1];
  if (t.Type === 'CANARY') {
    const c = fraction(t.CanarySize as Capacity, greenInstances, 0.5);
    return c > 0 && c < 1 ? [c, 1] : [1];
  }
  const step = fraction(t.LinearStepSize as Capacity, greenInstances, 1);
  if (step <= 0 || step >= 1) return [1];
  const out: number[] = [];
  for (let k = 1; k * step < 1 - 1e-9; k++) out.push(Math.round(k * step * 1e6) / 1e6);
  out.push(1);
  return out;
}

/** Whether this machine's instance launcher can run an instance network-isolated, and why not. */
export interface InstanceIsolation {
  readonly supported: boolean;
  readonly reason?: string;
}

/** Whether the model's instances are to run network-isolated (the model or the endpoint config asks). */
export function wantsIsolation(model: ModelRecord, configIsolation: boolean): boolean {
  return model.networkIsolation || configIsolation;
}

/**
 * An instance of a model that runs its own serving code (script mode, a process image) and asks for
 * network isolation runs in a network of its own, reached through a Unix socket — where the launcher
 * can do that (a sandbox: Loam as root). Elsewhere it is refused, never served unisolated. A built-in
 * model runs no code of the user's (its serving process gets only SAGEMAKER_/SM_/LOAM_ settings and
 * DEEPAR_INFERENCE_CONFIG), so it is served either way.
 * @throws ValidationException at `path`.
 */
export function checkIsolationServable(model: ModelRecord, variant: string, configIsolation: boolean, path: string, isolation: InstanceIsolation = { supported: false }): void {
  if (!wantsIsolation(model, configIsolation) || model.containers.every((c) => c.image.type === 'builtin') || isolation.supported) return;
  throw field(
    path,
    'network isolation cannot be enforced for endpoint instances here',
    `Model '${model.name}' (variant '${variant}') runs its own serving code and asks for network isolation, which this server cannot enforce for endpoint instances (${isolation.reason ?? 'not supported'}): serve it without EnableNetworkIsolation, or score it with a batch transform job.`,
  );
}
