import { applicationAutoScalingService, cloudWatchService } from '../aws-services.js';
import { writeData } from '../data-access.js';
import { defineOperation } from '../operation.js';
import { Empty } from '../shapes/common.js';
import * as S from '../shapes/endpoints.js';
import * as A from '../shapes/endpoint-alarms.js';
import * as M from '../shapes/endpoint-metric-data.js';

const config = 'arn:loam:sagemaker:{Region}:{Account}:endpoint-config/{EndpointConfigName}';
const endpoint = 'arn:loam:sagemaker:{Region}:{Account}:endpoint/{EndpointName}';
const base = { capability: 'endpoints', aws: true } as const;

export const CreateEndpointConfig = defineOperation({
  ...base, name: 'CreateEndpointConfig', awsInUseIsValidation: true, kind: 'create', summary: 'Declares production variants (model, instance count, weight) and data capture for endpoints.',
  input: S.CreateEndpointConfigInput, output: S.CreateEndpointConfigOutput, errors: ['ResourceInUse', 'ResourceLimitExceeded', 'ValidationException'],
  iamAction: 'sagemaker:CreateEndpointConfig', resource: config, rest: { method: 'POST', path: '/api/v1/endpoint-configs' },
  dataAccess: (i) => (i.DataCaptureConfig ? writeData('/DataCaptureConfig/DestinationS3Uri', i.DataCaptureConfig.DestinationS3Uri) : []),
});
export const DescribeEndpointConfig = defineOperation({
  ...base, name: 'DescribeEndpointConfig', awsNotFoundIsValidation: true, kind: 'describe', summary: 'Describes an endpoint config.',
  input: S.DescribeEndpointConfigInput, output: S.DescribeEndpointConfigOutput, errors: ['ResourceNotFound'],
  iamAction: 'sagemaker:DescribeEndpointConfig', resource: config, rest: { method: 'GET', path: '/api/v1/endpoint-configs/{EndpointConfigName}' },
});
export const ListEndpointConfigs = defineOperation({
  ...base, name: 'ListEndpointConfigs', kind: 'list', summary: 'Lists endpoint configs, filtered by name and creation time, sorted and paged.',
  input: S.ListEndpointConfigsInput, output: S.ListEndpointConfigsOutput, errors: ['ValidationException'],
  iamAction: 'sagemaker:ListEndpointConfigs', resource: '*', rest: { method: 'GET', path: '/api/v1/endpoint-configs' },
});
export const DeleteEndpointConfig = defineOperation({
  ...base, name: 'DeleteEndpointConfig', awsNotFoundIsValidation: true, kind: 'delete', summary: 'Deletes an endpoint config; endpoints created from it keep running.',
  input: S.DeleteEndpointConfigInput, output: Empty, errors: ['ResourceNotFound'],
  iamAction: 'sagemaker:DeleteEndpointConfig', resource: config, rest: { method: 'DELETE', path: '/api/v1/endpoint-configs/{EndpointConfigName}' },
});
export const CreateEndpoint = defineOperation({
  ...base, name: 'CreateEndpoint', awsInUseIsValidation: true, kind: 'create', summary: 'Starts the instances of every variant of a config; the endpoint is InService once each instance answers /ping.',
  input: S.CreateEndpointInput, output: S.EndpointArnOutput, errors: ['ResourceInUse', 'ResourceLimitExceeded', 'ResourceNotFound', 'ValidationException'],
  // As SageMaker authorizes it: on the endpoint and on the config it is created from (which names the
  // models it serves and where their traffic is captured), so a Deny on a config holds.
  iamAction: 'sagemaker:CreateEndpoint', resource: endpoint, alsoOn: [config], rest: { method: 'POST', path: '/api/v1/endpoints' },
});
export const DescribeEndpoint = defineOperation({
  ...base, name: 'DescribeEndpoint', awsNotFoundIsValidation: true, kind: 'describe', summary: 'Describes an endpoint: status, variants with weights and instance counts, the deployment in progress.',
  input: S.DescribeEndpointInput, output: S.DescribeEndpointOutput, errors: ['ResourceNotFound'],
  iamAction: 'sagemaker:DescribeEndpoint', resource: endpoint, rest: { method: 'GET', path: '/api/v1/endpoints/{EndpointName}' },
});
export const ListEndpoints = defineOperation({
  ...base, name: 'ListEndpoints', kind: 'list', summary: 'Lists endpoints, filtered by name, status and time, sorted and paged.',
  input: S.ListEndpointsInput, output: S.ListEndpointsOutput, errors: ['ValidationException'],
  iamAction: 'sagemaker:ListEndpoints', resource: '*', rest: { method: 'GET', path: '/api/v1/endpoints' },
});
export const UpdateEndpoint = defineOperation({
  ...base, name: 'UpdateEndpoint', awsNotFoundIsValidation: true, kind: 'update',
  summary: 'Moves an endpoint to another config blue/green: new fleet, traffic shifted all at once, by canary or linearly, alarms watched, automatic rollback.',
  input: S.UpdateEndpointInput, output: S.EndpointArnOutput, errors: ['ResourceNotFound', 'ResourceLimitExceeded', 'ValidationException'],
  iamAction: 'sagemaker:UpdateEndpoint', resource: endpoint, alsoOn: [config], rest: { method: 'POST', path: '/api/v1/endpoints/{EndpointName}/update' },
});
export const UpdateEndpointWeightsAndCapacities = defineOperation({
  ...base, name: 'UpdateEndpointWeightsAndCapacities', awsNotFoundIsValidation: true, kind: 'update', summary: "Changes variants' weights and instance counts in place, without a new deployment.",
  input: S.UpdateEndpointWeightsAndCapacitiesInput, output: S.EndpointArnOutput, errors: ['ResourceNotFound', 'ResourceLimitExceeded', 'ValidationException'],
  iamAction: 'sagemaker:UpdateEndpointWeightsAndCapacities', resource: endpoint, rest: { method: 'POST', path: '/api/v1/endpoints/{EndpointName}/weights-and-capacities' },
});
export const DeleteEndpoint = defineOperation({
  ...base, name: 'DeleteEndpoint', awsNotFoundIsValidation: true, kind: 'delete', summary: 'Drains and stops every instance of an endpoint and deletes it.',
  input: S.DeleteEndpointInput, output: Empty, errors: ['ResourceNotFound'],
  iamAction: 'sagemaker:DeleteEndpoint', resource: endpoint,
  authorizationNote: 'Also `application-autoscaling:DeregisterScalableTarget` on the endpoint when it has scalable targets: deleting it deregisters them and their scaling policies.',
  rest: { method: 'DELETE', path: '/api/v1/endpoints/{EndpointName}' },
});

const alarm = 'arn:loam:cloudwatch:{Region}:{Account}:alarm:{AlarmName}';
const ext = { capability: 'endpoints', aws: false } as const;
// CloudWatch's own operations, on its query protocol (form `Action=<name>`, signing name `monitoring`) as well as REST.
const cloudwatch = { capability: 'endpoints', aws: true, awsService: cloudWatchService } as const;

export const PutMetricAlarm = defineOperation({
  ...cloudwatch, name: 'PutMetricAlarm', kind: 'create',
  summary: "Creates or replaces an alarm on an endpoint's metric (Loam's stand-in for CloudWatch); name it in AutoRollbackConfiguration.",
  input: A.PutMetricAlarmInput, output: Empty, errors: ['ValidationException', 'ResourceLimitExceeded'],
  iamAction: 'cloudwatch:PutMetricAlarm', resource: alarm, rest: { method: 'POST', path: '/api/v1/alarms' },
});
export const DescribeAlarms = defineOperation({
  ...cloudwatch, name: 'DescribeAlarms', kind: 'list', summary: 'Lists alarms with their current state.',
  input: A.DescribeAlarmsInput, output: A.DescribeAlarmsOutput, errors: ['ValidationException'],
  iamAction: 'cloudwatch:DescribeAlarms', resource: alarm, resourceNames: A.alarmsOfDescribe, answersOnlyAllowed: true,
  authorizationNote: 'The answer lists only the alarms the caller may describe, each checked on its own ARN (CloudWatch scopes the action to alarms), so the request needs the action on the one alarm it names, else on some alarm under `<AlarmNamePrefix>*`, else on some alarm (`*`), not on all of them.',
  rest: { method: 'GET', path: '/api/v1/alarms' },
});
export const DeleteAlarms = defineOperation({
  ...cloudwatch, name: 'DeleteAlarms', kind: 'delete', summary: "Deletes alarms by name (not a target-tracking policy's: DeleteScalingPolicy deletes those).",
  input: A.DeleteAlarmsInput, output: Empty, errors: ['ResourceNotFound', 'ValidationException'],
  iamAction: 'cloudwatch:DeleteAlarms', resource: alarm, resourceNames: A.alarmOfRequest,
  authorizationNote: 'Checked on each alarm of AlarmNames, every one before any is deleted.',
  rest: { method: 'POST', path: '/api/v1/alarms/delete' },
});
// Application Auto Scaling's own operations, on its AWS protocol (`AnyScaleFrontendService.<name>`, signing name
// `application-autoscaling`) as well as REST. Authorized on the endpoint whose variant the ResourceId names.
// The Describe* without one answer only the endpoints the caller may act on, each checked on its own ARN, so
// they need the action on some endpoint (`endpoint/*` with answersOnlyAllowed), not on every one: AWS grants
// these actions on `*` only, which still answers here, and a policy on `endpoint/team-*` lists the team's.
const autoscaling = { capability: 'endpoints', aws: true, awsService: applicationAutoScalingService, resource: endpoint, resourceNames: A.endpointOfResourceId } as const;
const scalingDescribe = {
  ...autoscaling, answersOnlyAllowed: true,
  authorizationNote: 'Without a single ResourceId the answer keeps only the endpoints the caller may act on, each checked on its own ARN, so the request needs the action on some endpoint (`endpoint/*`), not on all of them.',
} as const;
const scalingErrors = ['ValidationException', 'ResourceNotFound'] as const;

export const RegisterScalableTarget = defineOperation({
  ...autoscaling, name: 'RegisterScalableTarget', kind: 'action', awsNotFoundIsValidation: true,
  summary: "Registers or updates a variant's minimum and maximum instance count for autoscaling (Application Auto Scaling's shape).",
  input: A.RegisterScalableTargetInput, output: Empty, errors: ['ValidationException', 'ResourceNotFound'],
  iamAction: 'application-autoscaling:RegisterScalableTarget', rest: { method: 'POST', path: '/api/v1/scalable-targets' },
});
export const DescribeScalableTargets = defineOperation({
  ...scalingDescribe, name: 'DescribeScalableTargets', kind: 'list', summary: 'Lists the registered scalable targets (endpoint variants), optionally only the ResourceIds given.',
  input: A.DescribeScalableTargetsInput, output: A.DescribeScalableTargetsOutput, errors: ['ValidationException'],
  iamAction: 'application-autoscaling:DescribeScalableTargets', rest: { method: 'GET', path: '/api/v1/scalable-targets' },
});
export const DeregisterScalableTarget = defineOperation({
  ...autoscaling, name: 'DeregisterScalableTarget', kind: 'delete', summary: 'Stops autoscaling a variant: deletes its scalable target and scaling policies (the instance count stays as it is).',
  input: A.DeregisterScalableTargetInput, output: Empty, errors: [...scalingErrors],
  iamAction: 'application-autoscaling:DeregisterScalableTarget', rest: { method: 'POST', path: '/api/v1/scalable-targets/delete' },
});
export const PutScalingPolicy = defineOperation({
  ...autoscaling, name: 'PutScalingPolicy', kind: 'action', summary: "Adds or replaces a target-tracking policy on a registered variant's invocations per instance, with its CloudWatch alarms (AlarmHigh, AlarmLow).",
  input: A.PutScalingPolicyInput, output: A.PutScalingPolicyOutput, errors: [...scalingErrors, 'ResourceLimitExceeded'],
  iamAction: 'application-autoscaling:PutScalingPolicy', rest: { method: 'POST', path: '/api/v1/scaling-policies' },
});
export const DeleteScalingPolicy = defineOperation({
  ...autoscaling, name: 'DeleteScalingPolicy', kind: 'delete', summary: 'Removes a scaling policy and its alarms.',
  input: A.DeleteScalingPolicyInput, output: Empty, errors: [...scalingErrors],
  iamAction: 'application-autoscaling:DeleteScalingPolicy', rest: { method: 'POST', path: '/api/v1/scaling-policies/delete' },
});
export const DescribeScalingPolicies = defineOperation({
  ...scalingDescribe, name: 'DescribeScalingPolicies', kind: 'list', summary: 'Lists scaling policies (and the scalable targets they are on).',
  input: A.DescribeScalingPoliciesInput, output: A.DescribeScalingPoliciesOutput, errors: ['ValidationException'],
  iamAction: 'application-autoscaling:DescribeScalingPolicies', rest: { method: 'GET', path: '/api/v1/scaling-policies' },
});
export const DescribeScalingActivities = defineOperation({
  ...scalingDescribe, name: 'DescribeScalingActivities', kind: 'list', summary: 'Lists the scaling actions the autoscaler took (newest first): from and to how many instances, why, and whether it worked.',
  input: A.DescribeScalingActivitiesInput, output: A.DescribeScalingActivitiesOutput, errors: ['ValidationException'],
  iamAction: 'application-autoscaling:DescribeScalingActivities', rest: { method: 'GET', path: '/api/v1/scaling-activities' },
});
// CloudWatch has no resource-level permissions for its metric reads: a caller allowed them reads every
// endpoint's metrics, as on AWS (docs/aws-clients.md).
const metricsNote = 'CloudWatch grants metric reads on `*` only: a caller allowed this action reads the metrics of every endpoint, whatever its SageMaker permissions.';
export const GetMetricStatistics = defineOperation({
  ...cloudwatch, name: 'GetMetricStatistics', kind: 'action',
  summary: "Statistics of an endpoint variant's metric (AWS/SageMaker Invocations, ModelLatency, …) per period, as CloudWatch's GetMetricStatistics.",
  input: M.GetMetricStatisticsInput, output: M.GetMetricStatisticsOutput, errors: ['ValidationException'],
  iamAction: 'cloudwatch:GetMetricStatistics', resource: '*', authorizationNote: metricsNote, rest: { method: 'POST', path: '/api/v1/metrics/statistics' },
});
export const GetMetricData = defineOperation({
  ...cloudwatch, name: 'GetMetricData', kind: 'action',
  summary: "Endpoint variants' metrics as time series (MetricStat queries, paged by MaxDatapoints), as CloudWatch's GetMetricData; metric math Expressions are refused.",
  input: M.GetMetricDataInput, output: M.GetMetricDataOutput, errors: ['ValidationException'],
  iamAction: 'cloudwatch:GetMetricData', resource: '*', authorizationNote: metricsNote, rest: { method: 'POST', path: '/api/v1/metrics/data' },
});
export const ListMetrics = defineOperation({
  ...cloudwatch, name: 'ListMetrics', kind: 'list', summary: "Lists the AWS/SageMaker metrics of every endpoint variant (one per metric name, EndpointName and VariantName), as CloudWatch's ListMetrics.",
  input: M.ListMetricsInput, output: M.ListMetricsOutput, errors: ['ValidationException'],
  iamAction: 'cloudwatch:ListMetrics', resource: '*', authorizationNote: metricsNote, rest: { method: 'POST', path: '/api/v1/metrics/list' },
});
export const GetEndpointMetrics = defineOperation({
  ...ext, name: 'GetEndpointMetrics', kind: 'describe', summary: "An endpoint's per-variant invocations, errors and latency over time (for charts).",
  input: A.GetEndpointMetricsInput, output: A.GetEndpointMetricsOutput, errors: ['ResourceNotFound', 'ValidationException'],
  iamAction: 'sagemaker:DescribeEndpoint', resource: endpoint, rest: { method: 'GET', path: '/api/v1/endpoints/{EndpointName}/metrics' },
});
