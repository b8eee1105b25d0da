import { describe, expect, it } from 'vitest';
import { awsCli, type AwsLoam, boto3, useAwsLoam } from './aws-loam.test-support.js';

/**
 * A target-tracking policy's CloudWatch alarms, through Debian's boto3 and aws CLI against `loam up`, as
 * SageMaker's autoscaling guide sets a policy up: Application Auto Scaling's two alarms named in the
 * policy, described by CloudWatch with their state (INSUFFICIENT_DATA on an endpoint that has served for seconds,
 * as a new CloudWatch alarm is: the minutes before it was deployed are missing data, not 0 invocations, so the
 * variant is not scaled in), refused to a user who would delete one, and gone with the policy. Scaling on the
 * alarms, in and out, is in server/src/endpoints/target-tracking-alarms.test.ts, with two-second periods.
 */
let loam: AwsLoam;
useAwsLoam((started) => (loam = started));

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
time.sleep(3)
count = sm.describe_endpoint(EndpointName='tt')['ProductionVariants'][0]['CurrentInstanceCount']
alarms = cw.describe_alarms(AlarmNamePrefix='TargetTracking-endpoint/tt/')['MetricAlarms']
activities = aas.describe_scaling_activities(ServiceNamespace='sagemaker', ResourceId=T['ResourceId'])['ScalingActivities']
print(json.dumps({'put': put['Alarms'], 'policy': policy['Alarms'], 'count': count, 'activities': activities,
  'alarms': [{k: a.get(k) for k in ('AlarmName', 'MetricName', 'Statistic', 'Period', 'EvaluationPeriods', 'Threshold', 'ComparisonOperator', 'StateValue', 'Dimensions')} for a in alarms]}, default=str))
`;

describe("boto3 and the aws CLI: a target-tracking policy's CloudWatch alarms on loam up", () => {
  it('are named in the policy, described with their state, leave a just-deployed variant as it is, and go with the policy', async () => {
    const out = await boto3<Record<string, any>>(loam, program);
    const [high, low] = out['put'] as { AlarmName: string; AlarmARN: string }[];
    expect(high!.AlarmName).toMatch(/^TargetTracking-endpoint\/tt\/variant\/AllTraffic-AlarmHigh-[0-9a-f-]{36}$/);
    expect(low!.AlarmName).toMatch(/^TargetTracking-endpoint\/tt\/variant\/AllTraffic-AlarmLow-[0-9a-f-]{36}$/);
    expect(out['policy']).toEqual(out['put']);
    const dims = [{ Name: 'EndpointName', Value: 'tt' }, { Name: 'VariantName', Value: 'AllTraffic' }];
    const metric = { MetricName: 'InvocationsPerInstance', Statistic: 'Sum', Period: 60, Dimensions: dims };
    expect(out['alarms']).toEqual(expect.arrayContaining([
      { ...metric, AlarmName: high!.AlarmName, EvaluationPeriods: 3, Threshold: 70, ComparisonOperator: 'GreaterThanThreshold', StateValue: 'INSUFFICIENT_DATA' },
      { ...metric, AlarmName: low!.AlarmName, EvaluationPeriods: 15, Threshold: 63, ComparisonOperator: 'LessThanThreshold', StateValue: 'INSUFFICIENT_DATA' },
    ]));
    expect(out['alarms']).toHaveLength(2);
    expect(out['count']).toBe(2);
    expect(out['activities']).toEqual([]);

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
