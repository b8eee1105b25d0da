import { getOperation } from '@loam/contracts';
import type { FieldSpec, JsonSchema } from '../../schema/fields.js';
import { groupFields, leaves } from '../jobs/nested-fields.js';
import { stampedName } from './model-paths.js';

/** The fields of one operation's input, as the nested forms name them (`ProductionVariants.0.InstanceType`). */
export function leavesOf(operation: string, counts: Readonly<Record<string, number>> = {}): Map<string, FieldSpec> {
  const op = getOperation(operation);
  if (!op) throw new Error(`Unknown operation ${operation}`);
  return new Map(leaves(groupFields(op.input as JsonSchema, counts)).map((f) => [f.name, f]));
}

const config = leavesOf('CreateEndpointConfig', { ProductionVariants: 1 });
const endpoint = leavesOf('CreateEndpoint');
const modelLeaves = leavesOf('CreateModel');
const pick = (m: Map<string, FieldSpec>, name: string, over: Partial<FieldSpec> = {}): FieldSpec => ({ ...m.get(name)!, ...over });

/**
 * What the one-step deploy asks, each field taken from the contract of the operation it feeds (so the same
 * rules apply as on the full forms): when deploying a registered version, the model's name and execution
 * role; the endpoint's name, the variant's instance type and count, and, when capturing, where and how much.
 */
export const deployFields = {
  model: pick(modelLeaves, 'ModelName', { label: 'Model name' }),
  role: pick(modelLeaves, 'ExecutionRoleArn', { label: 'Execution role', required: true }),
  endpoint: pick(endpoint, 'EndpointName'),
  instanceType: pick(config, 'ProductionVariants.0.InstanceType', { required: true }),
  instanceCount: pick(config, 'ProductionVariants.0.InitialInstanceCount', { required: true }),
  destination: pick(config, 'DataCaptureConfig.DestinationS3Uri', { label: 'Capture to (S3 URI)' }),
  sampling: pick(config, 'DataCaptureConfig.InitialSamplingPercentage', { label: 'Sampling percentage' }),
} as const;

export type DeployField = keyof typeof deployFields;

/** A server field error's path (`/ProductionVariants/0/InstanceType`) as the deploy form's field. */
export function deployFieldOf(path: string): DeployField | undefined {
  const dotted = path.split('/').filter(Boolean).join('.');
  const hit = (Object.keys(deployFields) as DeployField[]).find((k) => deployFields[k].name === dotted || dotted.startsWith(`${deployFields[k].name}.`));
  if (hit) return hit;
  if (dotted === 'EndpointConfigName') return 'endpoint';
  return undefined;
}

/**
 * The names deploying a registered version suggests: `<group>-v<N>-<stamp>` for both the model and the
 * endpoint (they are different kinds of resource), as SageMaker's ModelPackage.deploy names both alike.
 */
export function packageDeployNames(group: string, version: number | undefined, now = new Date()): { model: string; endpoint: string } {
  const name = stampedName(`${group.slice(0, 40).replace(/-+$/, '')}-v${version ?? 0}`, now);
  return { model: name, endpoint: name };
}

/** The endpoint and config names a deploy suggests: `<model>-<stamp>` and that plus `-config`, within SageMaker's 63 characters. */
export function deployNames(model: string, now = new Date()): { endpoint: string; config: (endpoint: string) => string } {
  const base = model.slice(0, 40).replace(/-+$/, '');
  return { endpoint: stampedName(base, now), config: (e) => `${e.slice(0, 56).replace(/-+$/, '')}-config` };
}
