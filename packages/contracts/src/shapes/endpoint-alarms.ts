import { Type } from '@sinclair/typebox';
import { Input, Output, Timestamp } from './common.js';
import { literals } from './jobs-common.js';
import { EndpointName, VariantName } from './endpoints.js';

const closed = { additionalProperties: false } as const;

/** The per-variant metrics Loam records for every endpoint (SageMaker's CloudWatch names). */
export const endpointMetricNames = ['Invocations', 'Invocation4XXErrors', 'Invocation5XXErrors', 'InvocationsPerInstance', 'ModelLatency', 'OverheadLatency'] as const;
export const EndpointMetricName = literals(endpointMetricNames);
const AlarmName = Type.String({ minLength: 1, maxLength: 255, pattern: '^[^\\s].*$' });
const Dimension = Type.Object({ Name: literals(['EndpointName', 'VariantName']), Value: Type.String({ minLength: 1, maxLength: 255 }) }, closed);

/** Loam's stand-in for a CloudWatch metric alarm, over an endpoint's own metrics (CloudWatch's member names). */
export const PutMetricAlarmInput = Input({
  AlarmName,
  AlarmDescription: Type.Optional(Type.String({ maxLength: 1024 })),
  MetricName: EndpointMetricName,
  Namespace: Type.Optional(Type.Literal('AWS/SageMaker')),
  Dimensions: Type.Array(Dimension, { minItems: 1, maxItems: 2, description: 'EndpointName (required) and optionally VariantName.' }),
  Statistic: Type.Optional(literals(['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum'])),
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
  MetricName: Type.String(),
  Namespace: Type.String(),
  Dimensions: Type.Array(Output({ Name: Type.String(), Value: Type.String() })),
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
 * The endpoint an Application Auto Scaling ResourceId names, for authorization: any value, since it is
 * read before validation (undefined when it is not `endpoint/<name>/variant/<variant>`).
 */
export function endpointOfResourceId(input: Readonly<Record<string, unknown>>): { EndpointName?: string } {
  const m = typeof input.ResourceId === 'string' ? /^endpoint\/([^/]+)\/variant\/[^/]+$/.exec(input.ResourceId) : null;
  return m ? { EndpointName: m[1] as string } : {};
}

/** `endpoint/<EndpointName>/variant/<VariantName>`, as Application Auto Scaling names a variant. */
const ResourceId = Type.String({ pattern: '^endpoint/[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}/variant/[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$' });
const scalable = {
  ServiceNamespace: Type.Literal('sagemaker'),
  ResourceId,
  ScalableDimension: Type.Literal('sagemaker:variant:DesiredInstanceCount'),
};
export const RegisterScalableTargetInput = Input({
  ...scalable,
  MinCapacity: Type.Integer({ minimum: 0 }),
  MaxCapacity: Type.Integer({ minimum: 1 }),
});
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
export const PutScalingPolicyOutput = Output({ PolicyARN: Type.String() });
export const DeleteScalingPolicyInput = Input({ PolicyName: Type.String({ minLength: 1, maxLength: 256 }), ...scalable });
export const DescribeScalingPoliciesInput = Input({ ServiceNamespace: Type.Literal('sagemaker'), ResourceId: Type.Optional(ResourceId) });
export const DescribeScalingPoliciesOutput = Output({
  ScalableTargets: Type.Array(Output({ ResourceId: Type.String(), MinCapacity: Type.Integer(), MaxCapacity: Type.Integer(), CreationTime: Timestamp })),
  ScalingPolicies: Type.Array(Output({
    PolicyName: Type.String(), PolicyARN: Type.String(), ResourceId: Type.String(), PolicyType: Type.String(),
    TargetTrackingScalingPolicyConfiguration: Type.Object({}, { additionalProperties: true }), CreationTime: Timestamp,
  })),
});

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
