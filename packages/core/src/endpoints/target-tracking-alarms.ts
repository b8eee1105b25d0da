import { randomUUID } from 'node:crypto';
import type { Partition } from '../kernel/names.js';
import type { MetadataStore } from '../ports/metadata-store.js';
import { alarmsCollection, type AlarmRecord, type PolicyAlarm, type ScalingRecord } from './endpoint.collections.js';

/** Seconds per datapoint of a target-tracking policy's alarms, as Application Auto Scaling creates them. */
export const TARGET_TRACKING_PERIOD_SECONDS = 60;
/** AlarmLow's threshold, as a share of the target: scale-in waits until the metric is well below it. */
export const SCALE_IN_SHARE = 0.9;

export function alarmArn(partition: Partition, name: string): string {
  return `arn:loam:cloudwatch:${partition.region}:${partition.accountId}:alarm:${name}`;
}

export interface PolicyAlarmsInput {
  readonly partition: Partition;
  readonly target: Pick<ScalingRecord, 'resourceId' | 'variantName'>;
  /** The endpoint's own spelling of its name: the alarms' EndpointName dimension. */
  readonly endpointName: string;
  readonly policy: { readonly name: string; readonly arn: string; readonly targetValue: number; readonly disableScaleIn: boolean };
  /** Seconds per datapoint: 60 unless the server was started with a shorter one (tests). */
  readonly periodSeconds?: number;
  readonly now: number;
}

/**
 * The CloudWatch alarms Application Auto Scaling creates for a target-tracking policy on
 * SageMakerVariantInvocationsPerInstance: InvocationsPerInstance (Sum per minute) of the variant above the
 * target for 3 datapoints (AlarmHigh, scale out), and below 90% of it for 15 (AlarmLow, scale in; none
 * when the policy disables scale-in). Names and description are AWS's. With a period other than 60 s
 * the thresholds are the target's share of that period, so a datapoint is still compared with the
 * target's invocations per instance per minute.
 */
export function policyAlarmRecords(o: PolicyAlarmsInput): { alarms: PolicyAlarm[]; records: AlarmRecord[] } {
  const period = o.periodSeconds ?? TARGET_TRACKING_PERIOD_SECONDS;
  const perPeriod = (perMinute: number) => Number(((perMinute * period) / 60).toPrecision(12));
  const kinds: { kind: PolicyAlarm['kind']; periods: number; threshold: number; op: string }[] = [
    { kind: 'AlarmHigh', periods: 3, threshold: perPeriod(o.policy.targetValue), op: 'GreaterThanThreshold' },
    ...(o.policy.disableScaleIn ? [] : [{ kind: 'AlarmLow' as const, periods: 15, threshold: perPeriod(o.policy.targetValue * SCALE_IN_SHARE), op: 'LessThanThreshold' }]),
  ];
  const alarms: PolicyAlarm[] = [];
  const records: AlarmRecord[] = [];
  for (const k of kinds) {
    const name = `TargetTracking-${o.target.resourceId}-${k.kind}-${randomUUID()}`;
    const arn = alarmArn(o.partition, name);
    alarms.push({ kind: k.kind, name, arn });
    records.push({
      key: name, name, arn, endpointName: o.endpointName, variantName: o.target.variantName, updatedTime: o.now,
      managedBy: { resourceId: o.target.resourceId, policyName: o.policy.name, policyArn: o.policy.arn },
      request: {
        AlarmName: name, AlarmDescription: `DO NOT EDIT OR DELETE. For TargetTrackingScaling policy ${o.policy.arn}.`,
        ActionsEnabled: true, OKActions: [], AlarmActions: [o.policy.arn], InsufficientDataActions: [],
        MetricName: 'InvocationsPerInstance', Namespace: 'AWS/SageMaker', Statistic: 'Sum',
        Dimensions: [{ Name: 'EndpointName', Value: o.endpointName }, { Name: 'VariantName', Value: o.target.variantName }],
        Period: period, EvaluationPeriods: k.periods, DatapointsToAlarm: k.periods, Threshold: k.threshold, ComparisonOperator: k.op,
      },
    });
  }
  return { alarms, records };
}

/** Deletes a policy's alarms (whichever still exist). */
export async function deletePolicyAlarms(store: MetadataStore, alarms: readonly PolicyAlarm[] | undefined): Promise<void> {
  for (const a of alarms ?? []) await store.collection(alarmsCollection).delete(a.name);
}

/** Deletes the alarms of every policy of the targets given (the targets themselves are deleted by the caller). */
export async function deleteTargetAlarms(store: MetadataStore, targets: readonly ScalingRecord[]): Promise<void> {
  for (const t of targets) for (const p of t.policies) await deletePolicyAlarms(store, p.alarms);
}
