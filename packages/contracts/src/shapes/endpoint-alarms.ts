import { Type } from '@sinclair/typebox';
import { Input, Output, Timestamp } from './common.js';
import { literals } from './jobs-common.js';
import { EndpointName, VariantName } from './endpoints.js';

const closed = { additionalProperties: false } as const;

/** The per-variant metrics Loam records for every endpoint (SageMaker's CloudWatch names). */
export const endpointMetricNames = ['Invocations', 'Invocation4XXErrors', 'Invocation5XXErrors', 'InvocationsPerInstance', 'ModelLatency', 'OverheadLatency'] as const;
export const EndpointMetricName = literals(endpointMetricNames);
/** CloudWatch's statistics Loam computes, besides percentiles. */
export const metricStatistics = ['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum'] as const;
/** A percentile statistic of a metric read: p0.0 to p100, at most 10 decimals (e.g. p99). */
export const percentilePattern = '^p(\\d{1,2}(\\.\\d{1,10})?|100)$';
const AlarmName = Type.String({ minLength: 1, maxLength: 255, pattern: '^[^\\s].*$' });
const Dimension = Type.Object({ Name: literals(['EndpointName', 'VariantName']), Value: Type.String({ minLength: 1, maxLength: 255 }) }, closed);

/** Loam's stand-in for a CloudWatch metric alarm, over an endpoint's own metrics (CloudWatch's member names). */
export const PutMetricAlarmInput = Input({
  AlarmName,
  AlarmDescription: Type.Optional(Type.String({ maxLength: 1024 })),
  ActionsEnabled: Type.Optional(Type.Boolean({ description: 'Recorded and returned; Loam alarms take no actions (AlarmActions and the like are refused).' })),
  MetricName: EndpointMetricName,
  Namespace: Type.Optional(Type.Literal('AWS/SageMaker')),
  Dimensions: Type.Optional(Type.Array(Dimension, {
    maxItems: 2,
    description: "Optional, as in CloudWatch, but Loam records these metrics only per endpoint: EndpointName, and optionally VariantName (an alarm without EndpointName is refused naming it).",
  })),
  Statistic: Type.Optional(literals([...metricStatistics])),
  ExtendedStatistic: Type.Optional(Type.String({ pattern: '^p(\\d{1,2}(\\.\\d+)?|100)$', description: 'A percentile, e.g. p99 (latency metrics).' })),
  Period: Type.Integer({ minimum: 1, maximum: 86400, description: 'Seconds per evaluated datapoint.' }),
  EvaluationPeriods: Type.Integer({ minimum: 1, maximum: 100 }),
  DatapointsToAlarm: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  Threshold: Type.Number(),
  ComparisonOperator: literals(['GreaterThanOrEqualToThreshold', 'GreaterThanThreshold', 'LessThanThreshold', 'LessThanOrEqualToThreshold']),
  TreatMissingData: Type.Optional(literals(['breaching', 'notBreaching', 'ignore', 'missing'])),
});
export const MetricAlarm = Output({
  AlarmName: Type.String(),
  AlarmArn: Type.String(),
  AlarmDescription: Type.Optional(Type.String()),
  ActionsEnabled: Type.Optional(Type.Boolean()),
  MetricName: Type.String(),
  Namespace: Type.String(),
  Dimensions: Type.Array(Output({ Name: Type.String(), Value: Type.String() })),
  AlarmActions: Type.Optional(Type.Array(Type.String(), { description: "A target-tracking policy's alarms name their policy's ARN; other alarms take no actions." })),
  OKActions: Type.Optional(Type.Array(Type.String())),
  InsufficientDataActions: Type.Optional(Type.Array(Type.String())),
  Statistic: Type.Optional(Type.String()),
  ExtendedStatistic: Type.Optional(Type.String()),
  Period: Type.Integer(),
  EvaluationPeriods: Type.Integer(),
  DatapointsToAlarm: Type.Optional(Type.Integer()),
  Threshold: Type.Number(),
  ComparisonOperator: Type.String(),
  TreatMissingData: Type.Optional(Type.String()),
  StateValue: literals(['OK', 'ALARM', 'INSUFFICIENT_DATA']),
  StateReason: Type.Optional(Type.String()),
  StateUpdatedTimestamp: Type.Optional(Timestamp),
  AlarmConfigurationUpdatedTimestamp: Timestamp,
});
export const DescribeAlarmsInput = Input({
  AlarmNames: Type.Optional(Type.Array(AlarmName, { maxItems: 100 })),
  AlarmNamePrefix: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  StateValue: Type.Optional(literals(['OK', 'ALARM', 'INSUFFICIENT_DATA'])),
});
export const DescribeAlarmsOutput = Output({ MetricAlarms: Type.Array(MetricAlarm) });
export const DeleteAlarmsInput = Input({ AlarmNames: Type.Array(AlarmName, { minItems: 1, maxItems: 100 }) });

/**
 * The alarm DescribeAlarms or DeleteAlarms is authorized on first, as CloudWatch scopes both to alarms: the
 * first of `AlarmNames`, else `<AlarmNamePrefix>*`, else every alarm (`*`). Each alarm is then checked on its
 * own ARN by the handler. Any value, since it is read before validation.
 */
export function alarmOfRequest(input: Readonly<Record<string, unknown>>): { AlarmName?: string } {
  const names = Array.isArray(input.AlarmNames) ? input.AlarmNames : [input.AlarmNames];
  if (typeof names[0] === 'string' && names[0] !== '') return { AlarmName: names[0] };
  return typeof input.AlarmNamePrefix === 'string' && input.AlarmNamePrefix !== '' ? { AlarmName: `${input.AlarmNamePrefix}*` } : {};
}

/**
 * The alarms a DescribeAlarms request can answer, for authorization (any value: read before validation): the one
 * alarm it names, `<AlarmNamePrefix>*`, else any alarm (several names: the answer keeps those the caller may describe).
 */
export function alarmsOfDescribe(input: Readonly<Record<string, unknown>>): { AlarmName?: string } {
  const names: unknown[] = input.AlarmNames === undefined ? [] : Array.isArray(input.AlarmNames) ? input.AlarmNames : [input.AlarmNames];
  if (names.length === 1 && typeof names[0] === 'string' && names[0] !== '') return { AlarmName: names[0] };
  if (names.length > 0) return {};
  return typeof input.AlarmNamePrefix === 'string' && input.AlarmNamePrefix !== '' ? { AlarmName: `${input.AlarmNamePrefix}*` } : {};
}

/**
 * The endpoint an Application Auto Scaling ResourceId names, for authorization: any value, since it is
 * read before validation (undefined when it is not `endpoint/<name>/variant/<variant>`).
 */
export function endpointOfResourceId(input: Readonly<Record<string, unknown>>): { EndpointName?: string } {
  // DescribeScalableTargets names its targets in ResourceIds: one of them is authorized like a ResourceId.
  const ids = Array.isArray(input.ResourceIds) && input.ResourceIds.length === 1 ? input.ResourceIds[0] : input.ResourceId;
  const m = typeof ids === 'string' ? /^endpoint\/([^/]+)\/variant\/[^/]+$/.exec(ids) : null;
  return m ? { EndpointName: m[1] as string } : {};
}

/** `endpoint/<EndpointName>/variant/<VariantName>`, as Application Auto Scaling names a variant. */
const ResourceId = Type.String({ pattern: '^endpoint/[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}/variant/[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$' });
const ServiceNamespace = Type.Literal('sagemaker', { description: 'Loam scales SageMaker endpoint variants only.' });
const ScalableDimension = Type.Literal('sagemaker:variant:DesiredInstanceCount');
const scalable = { ServiceNamespace, ResourceId, ScalableDimension };
/** Application Auto Scaling's paging: at most 50 per page, NextToken from the previous page. */
const paging = {
  MaxResults: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })),
  NextToken: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
};
export const RegisterScalableTargetInput = Input({
  ...scalable,
  MinCapacity: Type.Optional(Type.Integer({ minimum: 0, description: 'Required when the target is registered the first time.' })),
  MaxCapacity: Type.Optional(Type.Integer({ minimum: 1, description: 'Required when the target is registered the first time.' })),
  RoleARN: Type.Optional(Type.String({ minLength: 1, maxLength: 1600, description: 'Accepted; Loam answers with the service-linked role, as Application Auto Scaling does for SageMaker.' })),
});
export const DescribeScalableTargetsInput = Input({
  ServiceNamespace,
  ResourceIds: Type.Optional(Type.Array(ResourceId, { maxItems: 50 })),
  ScalableDimension: Type.Optional(ScalableDimension),
  ...paging,
});
export const ScalableTarget = Output({
  ServiceNamespace: Type.String(), ResourceId: Type.String(), ScalableDimension: Type.String(),
  MinCapacity: Type.Integer(), MaxCapacity: Type.Integer(), RoleARN: Type.String(), CreationTime: Timestamp,
});
export const DescribeScalableTargetsOutput = Output({ ScalableTargets: Type.Array(ScalableTarget), NextToken: Type.Optional(Type.String()) });
export const DeregisterScalableTargetInput = Input(scalable);
export const PutScalingPolicyInput = Input({
  PolicyName: Type.String({ minLength: 1, maxLength: 256 }),
  ...scalable,
  PolicyType: Type.Literal('TargetTrackingScaling'),
  TargetTrackingScalingPolicyConfiguration: Type.Object({
    TargetValue: Type.Number({ exclusiveMinimum: 0, description: 'Invocations per instance per minute to hold.' }),
    PredefinedMetricSpecification: Type.Optional(Type.Object({ PredefinedMetricType: Type.Literal('SageMakerVariantInvocationsPerInstance') }, closed)),
    ScaleOutCooldown: Type.Optional(Type.Integer({ minimum: 0, maximum: 86400 })),
    ScaleInCooldown: Type.Optional(Type.Integer({ minimum: 0, maximum: 86400 })),
    DisableScaleIn: Type.Optional(Type.Boolean()),
  }, closed),
});
export const PutScalingPolicyOutput = Output({
  PolicyARN: Type.String(),
  Alarms: Type.Optional(Type.Array(Output({ AlarmName: Type.String(), AlarmARN: Type.String() }), {
    description: "The policy's alarms, as Application Auto Scaling creates them: TargetTracking-<ResourceId>-AlarmHigh-<uuid> (scale out) and, unless DisableScaleIn, …-AlarmLow-<uuid> (scale in).",
  })),
});
export const DeleteScalingPolicyInput = Input({ PolicyName: Type.String({ minLength: 1, maxLength: 256 }), ...scalable });
export const DescribeScalingPoliciesInput = Input({
  PolicyNames: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 50 })),
  ServiceNamespace,
  ResourceId: Type.Optional(ResourceId),
  ScalableDimension: Type.Optional(ScalableDimension),
  ...paging,
});
export const DescribeScalingPoliciesOutput = Output({
  ScalableTargets: Type.Array(Output({ ResourceId: Type.String(), MinCapacity: Type.Integer(), MaxCapacity: Type.Integer(), CreationTime: Timestamp }), {
    description: "Loam's addition: the targets the listed policies' variants are registered with.",
  }),
  ScalingPolicies: Type.Array(Output({
    PolicyName: Type.String(), PolicyARN: Type.String(), ServiceNamespace: Type.String(), ResourceId: Type.String(), ScalableDimension: Type.String(), PolicyType: Type.String(),
    TargetTrackingScalingPolicyConfiguration: Type.Object({}, { additionalProperties: true }), Alarms: Type.Array(Output({ AlarmName: Type.String(), AlarmARN: Type.String() })), CreationTime: Timestamp,
  })),
  NextToken: Type.Optional(Type.String()),
});
export const DescribeScalingActivitiesInput = Input({
  ServiceNamespace,
  ResourceId: Type.Optional(ResourceId),
  ScalableDimension: Type.Optional(ScalableDimension),
  ...paging,
});
/** One scaling action the autoscaler took (newest first), as Application Auto Scaling reports it. */
export const ScalingActivity = Output({
  ActivityId: Type.String(), ServiceNamespace: Type.String(), ResourceId: Type.String(), ScalableDimension: Type.String(),
  Description: Type.String(), Cause: Type.String(), StartTime: Timestamp, EndTime: Type.Optional(Timestamp),
  StatusCode: literals(['Successful', 'Failed']), StatusMessage: Type.Optional(Type.String()),
});
export const DescribeScalingActivitiesOutput = Output({ ScalingActivities: Type.Array(ScalingActivity), NextToken: Type.Optional(Type.String()) });

/** Per-second (or coarser) metric points of an endpoint's variants, for Studio's charts. */
export const GetEndpointMetricsInput = Input({
  EndpointName,
  VariantName: Type.Optional(VariantName),
  StartTime: Type.Optional(Timestamp),
  PeriodInSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600 })),
});
export const MetricPoint = Output({
  Timestamp,
  Invocations: Type.Number(),
  Invocation4XXErrors: Type.Number(),
  Invocation5XXErrors: Type.Number(),
  ModelLatencyAverage: Type.Optional(Type.Number({ description: 'Microseconds, as SageMaker reports ModelLatency.' })),
  ModelLatencyP99: Type.Optional(Type.Number()),
  OverheadLatencyAverage: Type.Optional(Type.Number()),
});
export const GetEndpointMetricsOutput = Output({
  Variants: Type.Array(Output({ VariantName: Type.String(), CurrentInstanceCount: Type.Integer(), Points: Type.Array(MetricPoint) })),
});
