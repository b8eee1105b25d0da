import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli, boto3, requireDebianAwsTools, startAwsLoam, type AwsLoam } from './aws-loam.test-support.js';

/**
 * A target-tracking policy's CloudWatch alarms, through Debian's boto3 and aws CLI against `loam up`, as
 * SageMaker's autoscaling guide sets a policy up: Application Auto Scaling's two alarms named in the
 * policy, described by CloudWatch with their state, the variant scaled in by the policy once AlarmLow is in
 * ALARM (an idle endpoint), the activity naming that alarm, and the alarms gone with the policy.
 */
let loam: AwsLoam;

beforeAll(async () => {
  requireDebianAwsTools();
  loam = await startAwsLoam();
}, 60_000);
afterAll(async () => loam?.stop());

const program = `
import time
sm, aas, cw = client('sagemaker'), client('application-autoscaling'), client('cloudwatch')
INFERENCE = b'import json\\ndef model_fn(model_dir):\\n    return 1\\ndef predict_fn(data, model):\\n    return {"ok": model}\\ndef output_fn(p, accept):\\n    return json.dumps(p), "application/json"\\n'
deploy_script_model('tt', INFERENCE, 'tt-models', instances=2)
T = dict(ServiceNamespace='sagemaker', ResourceId='endpoint/tt/variant/AllTraffic', ScalableDimension='sagemaker:variant:DesiredInstanceCount')
aas.register_scalable_target(**T, MinCapacity=1, MaxCapacity=2)
put = aas.put_scaling_policy(PolicyName='SageMakerEndpointInvocationScalingPolicy', **T, PolicyType='TargetTrackingScaling',
  TargetTrackingScalingPolicyConfiguration={'TargetValue': 70.0, 'PredefinedMetricSpecification': {'PredefinedMetricType': 'SageMakerVariantInvocationsPerInstance'},
    'ScaleInCooldown': 0, 'ScaleOutCooldown': 60})
policy = aas.describe_scaling_policies(ServiceNamespace='sagemaker', ResourceId=T['ResourceId'])['ScalingPolicies'][0]
count = None
for _ in range(120):
    count = sm.describe_endpoint(EndpointName='tt')['ProductionVariants'][0]['CurrentInstanceCount']
    if count == 1: break
    time.sleep(0.5)
alarms = cw.describe_alarms(AlarmNamePrefix='TargetTracking-endpoint/tt/')['MetricAlarms']
activity = aas.describe_scaling_activities(ServiceNamespace='sagemaker', ResourceId=T['ResourceId'])['ScalingActivities'][0]
print(json.dumps({'put': put['Alarms'], 'policy': policy['Alarms'], 'count': count, 'activity': activity,
  'alarms': [{k: a.get(k) for k in ('AlarmName', 'MetricName', 'Statistic', 'Period', 'EvaluationPeriods', 'Threshold', 'ComparisonOperator', 'StateValue', 'Dimensions')} for a in alarms]}, default=str))
`;

describe("boto3 and the aws CLI: a target-tracking policy's CloudWatch alarms on loam up", () => {
  it('are named in the policy, described with their state, scale the idle variant in on AlarmLow, and go with the policy', async () => {
    const out = await boto3<Record<string, any>>(loam, program);
    const [high, low] = out['put'] as { AlarmName: string; AlarmARN: string }[];
    expect(high!.AlarmName).toMatch(/^TargetTracking-endpoint\/tt\/variant\/AllTraffic-AlarmHigh-[0-9a-f-]{36}$/);
    expect(low!.AlarmName).toMatch(/^TargetTracking-endpoint\/tt\/variant\/AllTraffic-AlarmLow-[0-9a-f-]{36}$/);
    expect(out['policy']).toEqual(out['put']);
    const dims = [{ Name: 'EndpointName', Value: 'tt' }, { Name: 'VariantName', Value: 'AllTraffic' }];
    const metric = { MetricName: 'InvocationsPerInstance', Statistic: 'Sum', Period: 60, Dimensions: dims };
    expect(out['alarms']).toEqual(expect.arrayContaining([
      { ...metric, AlarmName: high!.AlarmName, EvaluationPeriods: 3, Threshold: 70, ComparisonOperator: 'GreaterThanThreshold', StateValue: 'OK' },
      { ...metric, AlarmName: low!.AlarmName, EvaluationPeriods: 15, Threshold: 63, ComparisonOperator: 'LessThanThreshold', StateValue: 'ALARM' },
    ]));
    expect(out['alarms']).toHaveLength(2);
    expect(out['count']).toBe(1);
    expect(out['activity']).toEqual(expect.objectContaining({
      StatusCode: 'Successful', Description: 'Setting desired instance count to 1.',
      Cause: expect.stringMatching(new RegExp(`^monitor alarm ${low!.AlarmName} in state ALARM triggered policy SageMakerEndpointInvocationScalingPolicy: 0 invocations`)),
    }));

    // The aws CLI sees the same alarms, refuses to delete one, and the policy's deletion removes both.
    const listed = await awsCli(loam, ['cloudwatch', 'describe-alarms', '--alarm-name-prefix', 'TargetTracking-', '--query', 'MetricAlarms[].AlarmName']);
    expect(listed.code, listed.stderr).toBe(0);
    expect((JSON.parse(listed.stdout) as string[]).sort()).toEqual([high!.AlarmName, low!.AlarmName].sort());
    const refused = await awsCli(loam, ['cloudwatch', 'delete-alarms', '--alarm-names', low!.AlarmName]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("(InvalidParameterValue) when calling the DeleteAlarms operation: Alarm '" + low!.AlarmName + "' belongs to the target-tracking scaling policy 'SageMakerEndpointInvocationScalingPolicy'");
    const target = ['--service-namespace', 'sagemaker', '--resource-id', 'endpoint/tt/variant/AllTraffic', '--scalable-dimension', 'sagemaker:variant:DesiredInstanceCount'];
    const deleted = await awsCli(loam, ['application-autoscaling', 'delete-scaling-policy', '--policy-name', 'SageMakerEndpointInvocationScalingPolicy', ...target]);
    expect(deleted.code, deleted.stderr).toBe(0);
    const after = await awsCli(loam, ['cloudwatch', 'describe-alarms', '--alarm-name-prefix', 'TargetTracking-', '--query', 'MetricAlarms[].AlarmName']);
    expect(JSON.parse(after.stdout)).toEqual([]);
  }, 300_000);
});
