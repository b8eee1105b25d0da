import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestLoam } from '../../compose/loam.test-support.js';
import { openBoto3LoamWithModel, type Boto3ModelLoam } from '../boto3-endpoint.test-support.js';
import { deploy } from '../../endpoints/endpoints.test-support.js';

/**
 * boto3's `application-autoscaling` client, unchanged (Debian's), against a real Loam on loopback: the
 * flow of SageMaker's "Configure autoscaling" guide on a real endpoint, the autoscaler scaling it under
 * load and recording what it did, and Application Auto Scaling's error codes.
 */
let loam: TestLoam;
let boto3: Boto3ModelLoam['boto3'];

beforeAll(async () => {
  ({ loam, boto3 } = await openBoto3LoamWithModel());
  const d = await deploy(loam, 'auto', [{ name: 'AllTraffic', modelName: 'm', count: 1 }]);
  expect(d.EndpointStatus, d.FailureReason).toBe('InService');
}, 60_000);
afterAll(async () => loam?.close());

const scalable = { ServiceNamespace: 'sagemaker', ResourceId: 'endpoint/auto/variant/AllTraffic', ScalableDimension: 'sagemaker:variant:DesiredInstanceCount' };

describe("boto3's application-autoscaling client", () => {
  it('registers a variant, puts a target-tracking policy with its two CloudWatch alarms, scales on them, records the activity, deletes and deregisters', async () => {
    const out = await boto3<Record<string, any>>(`
aas, sm, cw = client('application-autoscaling'), client('sagemaker'), client('cloudwatch')
T = ARGS['t']
def count():
  return sm.describe_endpoint(EndpointName='auto')['ProductionVariants'][0]['CurrentInstanceCount']
def wait(pred):
  for _ in range(120):
    if pred(): return True
    time.sleep(0.5)
  return False
# MinCapacity 2 first: the variant is brought up to it whatever the alarms say.
aas.register_scalable_target(**T, MinCapacity=2, MaxCapacity=2)
put = aas.put_scaling_policy(PolicyName='ipi', **T, PolicyType='TargetTrackingScaling', TargetTrackingScalingPolicyConfiguration={
  'TargetValue': 2.0, 'PredefinedMetricSpecification': {'PredefinedMetricType': 'SageMakerVariantInvocationsPerInstance'},
  'ScaleInCooldown': 0, 'ScaleOutCooldown': 0})
names = [a['AlarmName'] for a in put['Alarms']]
policies = aas.describe_scaling_policies(ServiceNamespace='sagemaker', ResourceId=T['ResourceId'])['ScalingPolicies']
alarms = cw.describe_alarms(AlarmNames=names)['MetricAlarms']
at_min = wait(lambda: count() == 2)
# MinCapacity 1 scales nothing in yet: the endpoint has served for seconds, not the 15 minutes AlarmLow
# evaluates, and the minutes before it was deployed are missing data, not 0 invocations, so both alarms
# are INSUFFICIENT_DATA, as a new CloudWatch alarm is (ADR 0011; target-tracking-alarms.test.ts scales in
# with two-second periods).
aas.register_scalable_target(**T, MinCapacity=1)
time.sleep(3)
scaled_in = count() == 1
states = {a['AlarmName']: a['StateValue'] for a in cw.describe_alarms(AlarmNamePrefix='TargetTracking-endpoint/auto/')['MetricAlarms']}
activities = aas.describe_scaling_activities(ServiceNamespace='sagemaker', ResourceId=T['ResourceId'])['ScalingActivities']
# The alarms are the policy's: neither replaced nor deleted by hand.
refused = [error(cw.put_metric_alarm, AlarmName=names[0], Namespace='AWS/SageMaker', MetricName='Invocations', Statistic='Sum',
  Dimensions=[{'Name': 'EndpointName', 'Value': 'auto'}], Period=60, EvaluationPeriods=1, Threshold=1.0, ComparisonOperator='GreaterThanThreshold'),
  error(cw.delete_alarms, AlarmNames=names)]
kept = [a['AlarmName'] for a in cw.describe_alarms(AlarmNames=names)['MetricAlarms']]
# Putting the policy again replaces its alarms; DisableScaleIn leaves it only AlarmHigh.
again = aas.put_scaling_policy(PolicyName='ipi', **T, PolicyType='TargetTrackingScaling', TargetTrackingScalingPolicyConfiguration={
  'TargetValue': 2.0, 'PredefinedMetricSpecification': {'PredefinedMetricType': 'SageMakerVariantInvocationsPerInstance'}, 'DisableScaleIn': True})
listed = [a['AlarmName'] for a in cw.describe_alarms(AlarmNamePrefix='TargetTracking-')['MetricAlarms']]
aas.delete_scaling_policy(PolicyName='ipi', **T)
after_delete = [a['AlarmName'] for a in cw.describe_alarms(AlarmNamePrefix='TargetTracking-')['MetricAlarms']]
third = aas.put_scaling_policy(PolicyName='ipi', **T, PolicyType='TargetTrackingScaling', TargetTrackingScalingPolicyConfiguration={'TargetValue': 2.0})
aas.deregister_scalable_target(**T)
print(json.dumps({
  'put': put, 'policies': policies, 'alarms': alarms, 'atMin': at_min, 'scaledIn': scaled_in, 'states': states, 'activities': activities,
  'refused': refused, 'kept': kept, 'again': again['Alarms'], 'listed': listed, 'afterDelete': after_delete, 'third': len(third['Alarms']),
  'after': [aas.describe_scalable_targets(ServiceNamespace='sagemaker')['ScalableTargets'], aas.describe_scaling_policies(ServiceNamespace='sagemaker')['ScalingPolicies'],
    [a['AlarmName'] for a in cw.describe_alarms(AlarmNamePrefix='TargetTracking-')['MetricAlarms']]],
  'history': len(aas.describe_scaling_activities(ServiceNamespace='sagemaker')['ScalingActivities']),
}, default=str))
`, { t: scalable });
    const arn = out['put'].PolicyARN;
    expect(arn).toMatch(/:scalingPolicy:endpoint\/auto\/variant\/AllTraffic:policyName\/ipi$/);
    // Application Auto Scaling's names: TargetTracking-<ResourceId>-AlarmHigh-<uuid>, …-AlarmLow-<uuid>.
    const [high, low] = out['put'].Alarms as { AlarmName: string; AlarmARN: string }[];
    expect(high!.AlarmName).toMatch(/^TargetTracking-endpoint\/auto\/variant\/AllTraffic-AlarmHigh-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(low!.AlarmName).toMatch(/^TargetTracking-endpoint\/auto\/variant\/AllTraffic-AlarmLow-[0-9a-f-]{36}$/);
    expect(high!.AlarmARN).toBe(`arn:loam:cloudwatch:us-east-1:000000000000:alarm:${high!.AlarmName}`);
    expect(out['policies']).toEqual([expect.objectContaining({
      PolicyName: 'ipi', PolicyARN: arn, ...scalable, PolicyType: 'TargetTrackingScaling', Alarms: [high, low],
      TargetTrackingScalingPolicyConfiguration: expect.objectContaining({ TargetValue: 2, ScaleInCooldown: 0, ScaleOutCooldown: 0, PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' } }),
    })]);
    // The alarms as CloudWatch describes them: InvocationsPerInstance summed per minute, above the target
    // for 3 datapoints, below 90% of it for 15, acting on the policy.
    const common = {
      Namespace: 'AWS/SageMaker', MetricName: 'InvocationsPerInstance', Statistic: 'Sum', Period: 60, ActionsEnabled: true, AlarmActions: [arn], OKActions: [], InsufficientDataActions: [],
      Dimensions: [{ Name: 'EndpointName', Value: 'auto' }, { Name: 'VariantName', Value: 'AllTraffic' }], AlarmDescription: `DO NOT EDIT OR DELETE. For TargetTrackingScaling policy ${arn}.`,
    };
    const byName = Object.fromEntries((out['alarms'] as { AlarmName: string }[]).map((a) => [a.AlarmName, a]));
    expect(byName[high!.AlarmName]).toEqual(expect.objectContaining({ ...common, AlarmArn: high!.AlarmARN, EvaluationPeriods: 3, DatapointsToAlarm: 3, Threshold: 2, ComparisonOperator: 'GreaterThanThreshold' }));
    expect(byName[low!.AlarmName]).toEqual(expect.objectContaining({ ...common, AlarmArn: low!.AlarmARN, EvaluationPeriods: 15, DatapointsToAlarm: 15, Threshold: 1.8, ComparisonOperator: 'LessThanThreshold' }));
    expect(out['atMin']).toBe(true);
    expect(out['scaledIn']).toBe(false);
    expect(out['states']).toEqual({ [high!.AlarmName]: 'INSUFFICIENT_DATA', [low!.AlarmName]: 'INSUFFICIENT_DATA' });
    expect(out['activities']).toEqual([
      expect.objectContaining({ ...scalable, StatusCode: 'Successful', Description: 'Setting desired instance count to 2.', Cause: 'minimum capacity was set to 2' }),
    ]);
    for (const [code, message] of out['refused']) {
      expect(code).toBe('InvalidParameterValue');
      expect(message).toContain("belongs to the target-tracking scaling policy 'ipi' of endpoint/auto/variant/AllTraffic");
    }
    expect(out['kept'].sort()).toEqual([high!.AlarmName, low!.AlarmName].sort());
    const again = out['again'] as { AlarmName: string }[];
    expect(again).toHaveLength(1);
    expect(again[0]!.AlarmName).toMatch(/-AlarmHigh-/);
    expect(again[0]!.AlarmName).not.toBe(high!.AlarmName);
    expect(out['listed']).toEqual([again[0]!.AlarmName]);
    expect(out['afterDelete']).toEqual([]);
    expect(out['third']).toBe(2);
    expect(out['after']).toEqual([[], [], []]); // deregistering deletes the policy and its alarms
    expect(out['history']).toBe(1); // kept after the target is deregistered
    // Deregistering stops autoscaling; the variant keeps the instances it has.
    expect(loam.platform.endpoints.controller.get('auto')!.blue.fleets.get('AllTraffic')!.desiredCount).toBe(2);
  }, 120_000);

  it("answers Application Auto Scaling's error codes, as boto3 raises them, and changes nothing", async () => {
    const out = await boto3<Record<string, any>>(`
aas = client('application-autoscaling')
T = ARGS['t']
other = dict(T, ResourceId='endpoint/auto/variant/Other')
policy = {'PolicyType': 'TargetTrackingScaling', 'TargetTrackingScalingPolicyConfiguration': {'TargetValue': 5.0, 'PredefinedMetricSpecification': {'PredefinedMetricType': 'SageMakerVariantInvocationsPerInstance'}}}
print(json.dumps({
  'policyOnUnregistered': error(aas.put_scaling_policy, PolicyName='p', **T, **policy),
  'deleteMissingPolicy': error(aas.delete_scaling_policy, PolicyName='p', **T),
  'deregisterMissing': error(aas.deregister_scalable_target, **T),
  'missingEndpoint': error(aas.register_scalable_target, **dict(T, ResourceId='endpoint/nope/variant/AllTraffic'), MinCapacity=1, MaxCapacity=2),
  'missingVariant': error(aas.register_scalable_target, **other, MinCapacity=1, MaxCapacity=2),
  'firstWithoutMax': error(aas.register_scalable_target, **T, MinCapacity=1),
  'minAboveMax': error(aas.register_scalable_target, **T, MinCapacity=3, MaxCapacity=2),
  'ecs': error(aas.register_scalable_target, ServiceNamespace='ecs', ResourceId='service/default/web', ScalableDimension='ecs:service:DesiredCount', MinCapacity=1, MaxCapacity=2),
  'badToken': error(aas.describe_scalable_targets, ServiceNamespace='sagemaker', NextToken='x'),
  'suspended': error(aas.register_scalable_target, **T, MinCapacity=1, MaxCapacity=2, SuspendedState={'DynamicScalingInSuspended': True}),
  'stepScaling': error(aas.put_scaling_policy, PolicyName='p', **T, PolicyType='StepScaling', StepScalingPolicyConfiguration={'AdjustmentType': 'ChangeInCapacity', 'StepAdjustments': [{'ScalingAdjustment': 1}]}),
  'customMetric': error(aas.put_scaling_policy, PolicyName='p', **T, PolicyType='TargetTrackingScaling', TargetTrackingScalingPolicyConfiguration={'TargetValue': 1.0,
    'CustomizedMetricSpecification': {'MetricName': 'CPUUtilization', 'Namespace': '/aws/sagemaker/Endpoints', 'Statistic': 'Average'}}),
  'targets': aas.describe_scalable_targets(ServiceNamespace='sagemaker')['ScalableTargets'],
}))
`, { t: scalable });
    expect(out['policyOnUnregistered']).toEqual(['ObjectNotFoundException', "Scalable target 'endpoint/auto/variant/AllTraffic' does not exist.", 'ObjectNotFoundException']);
    expect(out['deleteMissingPolicy'][0]).toBe('ObjectNotFoundException');
    expect(out['deregisterMissing'][0]).toBe('ObjectNotFoundException');
    expect(out['missingEndpoint']).toEqual(['ValidationException', "Could not find endpoint 'nope'.", 'ValidationException']);
    expect(out['missingVariant']).toEqual(['ValidationException', "Could not find variant 'auto/Other'.", 'ValidationException']);
    expect(out['firstWithoutMax']).toEqual(['ValidationException', "MaxCapacity is required to register the new scalable target 'endpoint/auto/variant/AllTraffic'.", 'ValidationException']);
    expect(out['minAboveMax'][0]).toBe('ValidationException');
    expect(out['ecs'][0]).toBe('ValidationException');
    expect(out['ecs'][1]).toMatch(/at 'serviceNamespace'/);
    expect(out['badToken'][0]).toBe('ValidationException');
    // What Loam cannot do is refused by name, not ignored.
    for (const [k, member] of [['suspended', "'SuspendedState'"], ['stepScaling', "'policyType'"], ['customMetric', "at 'targetTrackingScalingPolicyConfiguration.CustomizedMetricSpecification'"]] as const) {
      expect(out[k][0], k).toBe('ValidationException');
      expect(out[k][1], k).toContain(member);
    }
    expect(out['targets']).toEqual([]);
  }, 60_000);

  it('needs the signature of its own service: a request signed for sagemaker with its target is refused, and the other way round', async () => {
    const out = await boto3<Record<string, any>>(`
aas, sm = client('application-autoscaling'), client('sagemaker')
def target(name):
  def rename(request, **kw): request.headers.replace_header('X-Amz-Target', name)
  return rename
sm.meta.events.register('before-sign.sagemaker.ListEndpoints', target('AnyScaleFrontendService.DescribeScalableTargets'))
aas.meta.events.register('before-sign.application-autoscaling.DescribeScalableTargets', target('SageMaker.ListEndpoints'))
print(json.dumps({'sagemakerSigned': error(sm.list_endpoints), 'autoscalingSigned': error(aas.describe_scalable_targets, ServiceNamespace='sagemaker'),
  'unknown': error(client('application-autoscaling').describe_scheduled_actions, ServiceNamespace='sagemaker')}))
`);
    expect(out['sagemakerSigned'][0]).toBe('IncompleteSignatureException');
    expect(out['sagemakerSigned'][1]).toMatch(/names service 'sagemaker'; this endpoint is 'application-autoscaling'/);
    expect(out['autoscalingSigned'][0]).toBe('IncompleteSignatureException');
    expect(out['unknown'][0]).toBe('UnknownOperationException');
    expect(out['unknown'][1]).toMatch(/AnyScaleFrontendService\.DescribeScheduledActions.*Supported: DeleteScalingPolicy, DeregisterScalableTarget/);
  }, 60_000);
});
