import type { InputOf, OutputOf, operations } from '@loam/contracts';
import type { CollectionSpec } from '../ports/metadata-store.js';

type Ops = typeof operations;
export type EndpointStatusName = OutputOf<Ops['DescribeEndpoint']>['EndpointStatus'];
export type ProductionVariantInput = InputOf<Ops['CreateEndpointConfig']>['ProductionVariants'][number];
export type DataCaptureConfigInput = NonNullable<InputOf<Ops['CreateEndpointConfig']>['DataCaptureConfig']>;
export type DeploymentConfigInput = NonNullable<InputOf<Ops['CreateEndpoint']>['DeploymentConfig']>;
export type VariantSummary = NonNullable<OutputOf<Ops['DescribeEndpoint']>['ProductionVariants']>[number];

export interface EndpointConfigRecord {
  readonly key: string;
  readonly name: string;
  readonly arn: string;
  readonly creationTime: number;
  /** The Create request minus Tags, with defaults filled (weights, instance counts). */
  readonly request: {
    readonly ProductionVariants: readonly ProductionVariantInput[];
    readonly DataCaptureConfig?: DataCaptureConfigInput;
    readonly [k: string]: unknown;
  };
}

/** A deployment in progress: the config being rolled out and how. */
export interface PendingDeployment {
  readonly configName: string;
  readonly startTime: number;
  readonly deploymentConfig?: DeploymentConfigInput;
  readonly variants: readonly VariantSummary[];
}

/**
 * One endpoint. The status and variant summaries are written by the endpoint controller (server) as
 * instances start, traffic shifts and deployments end; Describe reads them back.
 */
export interface EndpointRecord {
  readonly key: string;
  readonly name: string;
  readonly arn: string;
  readonly status: EndpointStatusName;
  readonly configName: string;
  readonly creationTime: number;
  readonly lastModifiedTime: number;
  readonly failureReason?: string;
  readonly variants: readonly VariantSummary[];
  readonly pending?: PendingDeployment;
  readonly lastDeploymentConfig?: DeploymentConfigInput;
  /** Captured from the config in force (sampling may differ per deployment). */
  readonly dataCapture?: DataCaptureConfigInput;
  /**
   * Why the last data capture write failed (a missing bucket, a full disk …), while capture is failing;
   * DescribeEndpoint then says CaptureStatus Stopped. Cleared by the next write that succeeds.
   */
  readonly captureFailure?: string;
  /** Weights/capacities requested by UpdateEndpointWeightsAndCapacities, applied by the controller. */
  readonly desired?: readonly { readonly VariantName: string; readonly DesiredWeight?: number; readonly DesiredInstanceCount?: number }[];
}

/** An alarm over an endpoint metric (Loam's stand-in for a CloudWatch metric alarm). */
export interface AlarmRecord {
  readonly key: string;
  readonly name: string;
  readonly arn: string;
  readonly endpointName: string;
  readonly variantName?: string;
  readonly request: Readonly<Record<string, unknown>>;
  readonly updatedTime: number;
  /**
   * Set on the alarms a target-tracking policy owns (Application Auto Scaling creates and deletes them):
   * users cannot replace or delete them, and the autoscaler acts on their state.
   */
  readonly managedBy?: { readonly resourceId: string; readonly policyName: string; readonly policyArn: string };
}

/** One of the alarms of a target-tracking policy: AlarmHigh scales out, AlarmLow scales in. */
export interface PolicyAlarm {
  readonly kind: 'AlarmHigh' | 'AlarmLow';
  readonly name: string;
  readonly arn: string;
}

/** A variant's scalable target and its target-tracking policies (Application Auto Scaling's model). */
export interface ScalingRecord {
  /** `endpoint/<ep>/variant/<v>` lower-cased. */
  readonly key: string;
  readonly resourceId: string;
  readonly endpointName: string;
  readonly variantName: string;
  readonly minCapacity: number;
  readonly maxCapacity: number;
  readonly creationTime: number;
  readonly policies: readonly {
    readonly name: string;
    readonly arn: string;
    readonly targetValue: number;
    readonly scaleOutCooldown: number;
    readonly scaleInCooldown: number;
    readonly disableScaleIn: boolean;
    readonly creationTime: number;
    /** Absent on policies stored before Loam created them; the server creates them at start. */
    readonly alarms?: readonly PolicyAlarm[];
  }[];
}

export const endpointConfigsCollection: CollectionSpec<EndpointConfigRecord> = { name: 'endpoint_configs', key: 'key', indexes: { name: 'text', creationTime: 'real' }, unique: ['arn'] };
export const endpointsCollection: CollectionSpec<EndpointRecord> = {
  name: 'endpoints', key: 'key', indexes: { name: 'text', status: 'text', creationTime: 'real', lastModifiedTime: 'real' }, unique: ['arn'],
};
export const alarmsCollection: CollectionSpec<AlarmRecord> = { name: 'endpoint_alarms', key: 'key', indexes: { name: 'text', endpointName: 'text' } };
export const scalingCollection: CollectionSpec<ScalingRecord> = { name: 'endpoint_scaling', key: 'key', indexes: { endpointName: 'text' } };
