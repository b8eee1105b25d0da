import type { CollectionSpec } from '../ports/metadata-store.js';

/** One scaling action the autoscaler took on a variant (Application Auto Scaling's ScalingActivity). */
export interface ScalingActivityRecord {
  /** A UUID: the activity's ActivityId. */
  readonly key: string;
  /** The scalable target's key (`endpoint/<ep>/variant/<v>` lower-cased). */
  readonly targetKey: string;
  readonly resourceId: string;
  readonly endpointName: string;
  readonly startTime: number;
  readonly endTime: number;
  readonly description: string;
  readonly cause: string;
  readonly statusCode: 'Successful' | 'Failed';
  readonly statusMessage: string;
}

export const scalingActivitiesCollection: CollectionSpec<ScalingActivityRecord> = {
  name: 'endpoint_scaling_activities', key: 'key', indexes: { targetKey: 'text', endpointName: 'text', startTime: 'real' },
};

/** What the autoscaler reports after it changed (or failed to change) a variant's instance count. */
export interface ScalingAction {
  readonly endpointName: string;
  readonly variantName: string;
  readonly from: number;
  readonly to: number;
  readonly policyName: string;
  readonly targetValue: number;
  /** The metric that drove it: invocations per instance per minute over the autoscaler's window. */
  readonly perInstancePerMinute: number;
  readonly startMs: number;
  readonly endMs: number;
  /** The policy's alarm in ALARM that triggered the action. */
  readonly alarmName?: string;
  /** Set when the action brought the variant within its target's MinCapacity or MaxCapacity, not an alarm. */
  readonly bound?: 'minimum' | 'maximum';
  /** Set when the controller could not apply the new count. */
  readonly error?: string;
}
