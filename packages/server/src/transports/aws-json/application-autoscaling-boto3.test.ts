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
let row: string;
let boto3: Boto3ModelLoam['boto3'];

beforeAll(async () => {
  ({ loam, row, boto3 } = await openBoto3LoamWithModel());
  const d = await deploy(loam, 'auto', [{ name: 'AllTraffic', modelName: 'm', count: 1 }]);
  expect(d.EndpointStatus, d.FailureReason).toBe('InService');
}, 60_000);
afterAll(async () => loam?.close());

const scalable = { ServiceNamespace: 'sagemaker', ResourceId: 'endpoint/auto/variant/AllTraffic', ScalableDimension: 'sagemaker:variant:DesiredInstanceCount' };

describe("boto3's application-autoscaling client", () => {
  it('registers a variant, puts a target-tracking policy, scales out under load, records the activity, deletes and deregisters', async () => {
    const out = await boto3<Record<string, any>>(`
aas, sm, rt = client('application-autoscaling'), client('sagemaker'), client('sagemaker-runtime')
T = ARGS['t']
aas.register_scalable_target(**T, MinCapacity=1, MaxCapacity=2)
put = aas.put_scaling_policy(PolicyName='ipi', **T, PolicyType='TargetTrackingScaling', TargetTrackingScalingPolicyConfiguration={
  'TargetValue': 2.0, 'PredefinedMetricSpecification': {'PredefinedMetricType': 'SageMakerVariantInvocationsPerInstance'},
  'ScaleInCooldown': 600, 'ScaleOutCooldown': 0})
targets = aas.describe_scalable_targets(ServiceNamespace='sagemaker', ResourceIds=[T['ResourceId']])['ScalableTargets']
policies = aas.describe_scaling_policies(ServiceNamespace='sagemaker', ResourceId=T['ResourceId'])['ScalingPolicies']
# 10 invocations in the autoscaler's minute on 1 instance, target 2 per instance: it wants 5, capped at MaxCapacity 2.
for _ in range(10): rt.invoke_endpoint(EndpointName='auto', ContentType='text/csv', Body=ARGS['row'].encode())
counts = []
for _ in range(120):
  v = sm.describe_endpoint(EndpointName='auto')['ProductionVariants'][0]
  counts.append(v['CurrentInstanceCount'])
  if v['CurrentInstanceCount'] == 2: break
  time.sleep(0.5)
activities = aas.describe_scaling_activities(ServiceNamespace='sagemaker', ResourceId=T['ResourceId'])['ScalingActivities']
aas.delete_scaling_policy(PolicyName='ipi', **T)
aas.deregister_scalable_target(**T)
print(json.dumps({
  'arn': put['PolicyARN'], 'targets': targets, 'policies': policies, 'count': counts[-1], 'activities': activities,
  'after': [aas.describe_scalable_targets(ServiceNamespace='sagemaker')['ScalableTargets'], aas.describe_scaling_policies(ServiceNamespace='sagemaker')['ScalingPolicies']],
  'history': len(aas.describe_scaling_activities(ServiceNamespace='sagemaker')['ScalingActivities']),
}, default=str))
`, { t: scalable, row });
    expect(out['arn']).toMatch(/:scalingPolicy:endpoint\/auto\/variant\/AllTraffic:policyName\/ipi$/);
    expect(out['targets']).toEqual([expect.objectContaining({ ...scalable, MinCapacity: 1, MaxCapacity: 2, RoleARN: expect.stringContaining('AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint') })]);
    expect(out['targets'][0].CreationTime).toMatch(/^\d{4}-\d{2}-\d{2} /); // boto3 parsed a timestamp
    expect(out['policies']).toEqual([expect.objectContaining({
      PolicyName: 'ipi', PolicyARN: out['arn'], ...scalable, PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: expect.objectContaining({ TargetValue: 2, ScaleInCooldown: 600, ScaleOutCooldown: 0, PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' } }),
    })]);
    expect(out['count']).toBe(2);
    expect(out['activities']).toEqual([expect.objectContaining({
      ...scalable, StatusCode: 'Successful', Description: 'Setting desired instance count to 2.', Cause: expect.stringMatching(/^target-tracking policy ipi: [\d.]+ invocations per instance per minute against a target of 2, on 1 instance$/),
    })]);
    expect(out['after']).toEqual([[], []]);
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
    expect(out['ecs'][1]).toMatch(/ServiceNamespace/);
    expect(out['badToken'][0]).toBe('ValidationException');
    // What Loam cannot do is refused by name, not ignored.
    for (const [k, member] of [['suspended', 'SuspendedState'], ['stepScaling', 'PolicyType'], ['customMetric', 'CustomizedMetricSpecification']] as const) {
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
