import { getOperation } from '@loam/contracts';
import { literalChoices, type JsonSchema } from '../../schema/fields.js';

/** The schema at a dotted path of UpdateEndpoint's input (`DeploymentConfig.BlueGreenUpdatePolicy`). */
export function updateSchemaAt(path: string): JsonSchema {
  let s = getOperation('UpdateEndpoint')!.input as JsonSchema;
  for (const k of path.split('.')) {
    const next = s.properties?.[k];
    if (!next) throw new Error(`UpdateEndpoint's input has no ${path}`);
    s = next;
  }
  return s;
}

const routing = 'DeploymentConfig.BlueGreenUpdatePolicy.TrafficRoutingConfiguration';
/** Choices and limits the form offers, read from the contract rather than repeated here. */
export const deploymentSchema = {
  routingTypes: literalChoices(updateSchemaAt(`${routing}.Type`)) ?? [],
  sizeTypes: literalChoices(updateSchemaAt(`${routing}.CanarySize.Type`)) ?? [],
  wait: updateSchemaAt(`${routing}.WaitIntervalInSeconds`),
  termination: updateSchemaAt('DeploymentConfig.BlueGreenUpdatePolicy.TerminationWaitInSeconds'),
  maxTimeout: updateSchemaAt('DeploymentConfig.BlueGreenUpdatePolicy.MaximumExecutionTimeoutInSeconds'),
  maxAlarms: updateSchemaAt('DeploymentConfig.AutoRollbackConfiguration.Alarms').maxItems ?? 10,
};

/** What the update form holds. Numbers are as typed; empty means "the API's default". */
export interface DeploymentForm {
  readonly type: string;
  readonly sizeType: string;
  readonly sizeValue: number | '';
  readonly waitSeconds: number | '';
  readonly terminationSeconds: number | '';
  readonly maxTimeoutSeconds: number | '';
  readonly alarms: readonly string[];
}

type NumberField = 'sizeValue' | 'waitSeconds' | 'terminationSeconds' | 'maxTimeoutSeconds';

function outOfRange(v: number | '', min: number | undefined, max: number | undefined, what: string): string | undefined {
  if (v === '') return undefined;
  if (!Number.isInteger(v)) return `Enter a whole number of ${what}.`;
  if (min !== undefined && v < min) return max !== undefined ? `Enter ${min} to ${max} ${what}; ${v} is too small.` : `Enter at least ${min} ${what}; ${v} is too small.`;
  if (max !== undefined && v > max) return `Enter ${min ?? 0} to ${max} ${what}; ${v} is too large.`;
  return undefined;
}

/**
 * What is wrong with the numbers as typed, by field. Nothing is clamped or replaced: a canary of −5 is
 * an error to fix, not a silent 1.
 */
export function deploymentProblems(f: DeploymentForm): Partial<Record<NumberField, string>> {
  const out: Partial<Record<NumberField, string>> = {};
  const put = (k: NumberField, m: string | undefined) => {
    if (m) out[k] = m;
  };
  if (f.type !== 'ALL_AT_ONCE') {
    const percent = f.sizeType === 'CAPACITY_PERCENT';
    put('sizeValue', f.sizeValue === '' ? `Enter the ${f.type === 'CANARY' ? 'canary' : 'step'} size.` : outOfRange(f.sizeValue, 1, percent ? 100 : undefined, percent ? 'percent' : 'instances'));
  }
  put('waitSeconds', outOfRange(f.waitSeconds, deploymentSchema.wait.minimum, deploymentSchema.wait.maximum, 'seconds'));
  put('terminationSeconds', outOfRange(f.terminationSeconds, deploymentSchema.termination.minimum, deploymentSchema.termination.maximum, 'seconds'));
  put('maxTimeoutSeconds', outOfRange(f.maxTimeoutSeconds, deploymentSchema.maxTimeout.minimum, deploymentSchema.maxTimeout.maximum, 'seconds'));
  return out;
}

/** UpdateEndpoint's DeploymentConfig for the form: the step size only where the type uses one, alarms only if chosen. */
export function toDeploymentConfig(f: DeploymentForm): Record<string, unknown> {
  const size = f.sizeValue === '' ? undefined : { Type: f.sizeType, Value: f.sizeValue };
  const traffic = {
    Type: f.type,
    WaitIntervalInSeconds: f.waitSeconds === '' ? 0 : f.waitSeconds,
    ...(f.type === 'CANARY' && size ? { CanarySize: size } : {}),
    ...(f.type === 'LINEAR' && size ? { LinearStepSize: size } : {}),
  };
  return {
    BlueGreenUpdatePolicy: {
      TrafficRoutingConfiguration: traffic,
      ...(f.terminationSeconds === '' ? {} : { TerminationWaitInSeconds: f.terminationSeconds }),
      ...(f.maxTimeoutSeconds === '' ? {} : { MaximumExecutionTimeoutInSeconds: f.maxTimeoutSeconds }),
    },
    ...(f.alarms.length > 0 ? { AutoRollbackConfiguration: { Alarms: f.alarms.map((AlarmName) => ({ AlarmName })) } } : {}),
  };
}
