import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import type { TestLoam } from '../../compose/loam.test-support.js';
import { openBoto3LoamWithModel, type Boto3ModelLoam } from '../boto3-endpoint.test-support.js';
import { call, deploy, waitForEndpoint } from '../../endpoints/endpoints.test-support.js';

/**
 * boto3's `cloudwatch` client, unchanged (Debian's, query protocol: form requests, XML answers), against a
 * real Loam on loopback: the alarms of SageMaker's blue/green auto-rollback guide, what Loam's alarms
 * cannot evaluate refused by name, and a blue/green UpdateEndpoint rolled back by a boto3-created alarm.
 */
let loam: TestLoam;
let row: string;
let boto3: Boto3ModelLoam['boto3'];

async function start(): Promise<void> {
  ({ loam, row, boto3 } = await openBoto3LoamWithModel());
}
async function stop(): Promise<void> {
  await loam?.close();
}
serverPerAttempt(start, stop);

// The alarm of SageMaker's "Auto-Rollback Configuration and Monitoring" example.
const docsAlarm = {
  AlarmName: 'bg-5xx', AlarmDescription: 'Test SageMaker endpoint deployment auto-rollback alarm', ActionsEnabled: false, Namespace: 'AWS/SageMaker',
  MetricName: 'Invocation5XXErrors', Statistic: 'Average', Dimensions: [{ Name: 'EndpointName', Value: 'bg' }, { Name: 'VariantName', Value: 'AllTraffic' }],
  Period: 60, EvaluationPeriods: 1, Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching',
};

describe("boto3's cloudwatch client", () => {
  it('puts, describes and deletes an alarm on endpoint metrics', async () => {
    const out = await boto3<Record<string, any>>(`
cw = client('cloudwatch')
cw.put_metric_alarm(**ARGS['alarm'])
cw.put_metric_alarm(AlarmName='p99', MetricName='ModelLatency', Namespace='AWS/SageMaker', ExtendedStatistic='p99', Dimensions=[{'Name': 'EndpointName', 'Value': 'bg'}],
  Period=10, EvaluationPeriods=3, DatapointsToAlarm=2, Threshold=250000.5, ComparisonOperator='GreaterThanThreshold')
alarms = cw.describe_alarms(AlarmNames=['bg-5xx'])['MetricAlarms']
prefix = [a['AlarmName'] for a in cw.describe_alarms(AlarmNamePrefix='p')['MetricAlarms']]
cw.delete_alarms(AlarmNames=['p99'])
print(json.dumps({'alarms': alarms, 'prefix': prefix, 'left': [a['AlarmName'] for a in cw.describe_alarms()['MetricAlarms']]}, default=str))
`, { alarm: docsAlarm });
    const { ActionsEnabled, ...rest } = docsAlarm;
    expect(out['alarms']).toEqual([expect.objectContaining({ ...rest, ActionsEnabled, AlarmArn: expect.stringMatching(/:alarm:bg-5xx$/), StateValue: expect.stringMatching(/^(OK|INSUFFICIENT_DATA)$/) })]);
    expect(out['alarms'][0].AlarmConfigurationUpdatedTimestamp).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/); // boto3 parsed a timestamp
    expect(out['prefix']).toEqual(['p99']);
    expect(out['left']).toEqual(['bg-5xx']);
  }, 60_000);

  it("refuses what Loam's alarms cannot evaluate with InvalidParameterValue naming the member, and stores nothing", async () => {
    const out = await boto3<Record<string, any>>(`
cw = client('cloudwatch')
base = dict(AlarmName='bad', Namespace='AWS/SageMaker', MetricName='Invocations', Statistic='Sum', Dimensions=[{'Name': 'EndpointName', 'Value': 'bg'}],
  Period=60, EvaluationPeriods=1, Threshold=1.0, ComparisonOperator='GreaterThanThreshold')
print(json.dumps({
  'metric': error(cw.put_metric_alarm, **dict(base, MetricName='CPUUtilization')),
  'namespace': error(cw.put_metric_alarm, **dict(base, Namespace='AWS/EC2')),
  'dimension': error(cw.put_metric_alarm, **dict(base, Dimensions=[{'Name': 'InstanceId', 'Value': 'i-1'}])),
  'actions': error(cw.put_metric_alarm, **dict(base, AlarmActions=['arn:aws:sns:us-east-1:111122223333:ops'])),
  'anomaly': error(cw.put_metric_alarm, **dict(base, ComparisonOperator='LessThanLowerOrGreaterThanUpperThreshold')),
  'noEndpoint': error(cw.put_metric_alarm, **dict(base, Dimensions=[{'Name': 'VariantName', 'Value': 'AllTraffic'}])),
  'unknownAction': error(cw.describe_alarm_history),
  'left': [a['AlarmName'] for a in cw.describe_alarms()['MetricAlarms']],
}))
`);
    for (const [k, member] of [['metric', "at 'metricName'"], ['namespace', "at 'namespace'"], ['dimension', "at 'dimensions.1.member.name'"], ['actions', 'AlarmActions'], ['anomaly', "at 'comparisonOperator'"], ['noEndpoint', 'EndpointName']] as const) {
      expect(out[k][0], k).toBe('InvalidParameterValue');
      expect(out[k][1], k).toContain(member);
    }
    expect(out['unknownAction'][0]).toBe('InvalidAction');
    expect(out['left']).not.toContain('bad');
  }, 60_000);

  it('takes Dimensions as optional, as CloudWatch does, and refuses an alarm without EndpointName only because Loam has no such metric', async () => {
    const out = await boto3<Record<string, any>>(`
cw = client('cloudwatch')
base = dict(Namespace='AWS/SageMaker', MetricName='Invocations', Statistic='Sum', Period=60, EvaluationPeriods=1, Threshold=1.0, ComparisonOperator='GreaterThanThreshold')
print(json.dumps({
  'omitted': error(cw.put_metric_alarm, AlarmName='nodims', **base),
  'empty': error(cw.put_metric_alarm, AlarmName='nodims', Dimensions=[], **base),
  'left': [a['AlarmName'] for a in cw.describe_alarms(AlarmNames=['nodims'])['MetricAlarms']],
}))
`);
    // Not a missing-parameter refusal: the request is well formed, and the answer says what is missing.
    for (const k of ['omitted', 'empty']) {
      expect(out[k][0], k).toBe('InvalidParameterValue');
      expect(out[k][1], k).toBe("Alarm 'nodims': Loam records AWS/SageMaker Invocations per endpoint, and has no such metric without an EndpointName dimension (give Dimensions EndpointName, and optionally VariantName).");
    }
    expect(out['left']).toEqual([]);
  }, 60_000);

  it('refuses a request whose signature does not cover its form body (UNSIGNED-PAYLOAD), and deletes nothing', async () => {
    const out = await boto3<Record<string, any>>(`
import urllib.request, urllib.error
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
cw = client('cloudwatch')
cw.put_metric_alarm(AlarmName='keep', Namespace='AWS/SageMaker', MetricName='Invocations', Statistic='Sum', Dimensions=[{'Name': 'EndpointName', 'Value': 'x'}],
  Period=60, EvaluationPeriods=1, Threshold=1.0, ComparisonOperator='GreaterThanThreshold')
body = 'Action=DeleteAlarms&Version=2010-08-01&AlarmNames.member.1=keep'
req = AWSRequest(method='POST', url=ARGS['url'] + '/', data=body, headers={'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8', 'X-Amz-Content-SHA256': 'UNSIGNED-PAYLOAD'})
SigV4Auth(Credentials(ARGS['id'], ARGS['secret']), 'monitoring', 'us-east-1').add_auth(req)
try:
  r = urllib.request.urlopen(urllib.request.Request(req.url, data=body.encode(), headers=dict(req.headers), method='POST')); got = [r.status, r.read().decode()]
except urllib.error.HTTPError as e:
  got = [e.code, e.read().decode()]
print(json.dumps({'got': got, 'left': [a['AlarmName'] for a in cw.describe_alarms(AlarmNames=['keep'])['MetricAlarms']]}))
`);
    expect(out['got'][0]).toBe(400);
    expect(out['got'][1]).toContain('<Code>IncompleteSignature</Code>');
    expect(out['left']).toEqual(['keep']);
  }, 60_000);

  it('refuses form keys naming __proto__ / constructor before authorization, and pollutes nothing', async () => {
    const ctx = { principal: { userName: 'admin', userId: 'x', arn: 'arn:loam:iam::000000000000:user/admin', via: 'system' as const }, requestId: 't' };
    await loam.platform.identity.CreateUser({ UserName: 'eve' }, ctx); // no policies at all
    const key = await loam.platform.identity.CreateAccessKey({ UserName: 'eve' }, ctx);
    try {
      const out = await boto3<Record<string, any>>(`
import urllib.request, urllib.error
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
def post(extra):
  body = 'Action=DescribeAlarms&Version=2010-08-01&' + extra
  req = AWSRequest(method='POST', url=ARGS['url'] + '/', data=body, headers={'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8'})
  SigV4Auth(Credentials(ARGS['eve'][0], ARGS['eve'][1]), 'monitoring', 'us-east-1').add_auth(req)
  try:
    r = urllib.request.urlopen(urllib.request.Request(req.url, data=body.encode(), headers=dict(req.headers), method='POST')); return [r.status, r.read().decode()]
  except urllib.error.HTTPError as e:
    return [e.code, e.read().decode()]
got = [post('__proto__.NextToken=abc'), post('constructor.prototype.NextToken=abc'), post('AlarmNames.member.1.__proto__.MaxResults=1')]
print(json.dumps({'got': got, 'jobs': error(client('sagemaker').list_training_jobs)}))
`, { eve: [key.AccessKey.AccessKeyId, key.AccessKey.SecretAccessKey] });
      for (const [status, xml] of out['got']) {
        expect(status).toBe(400);
        expect(xml).toContain('<Code>InvalidParameterValue</Code>');
      }
      expect(out['got'][0][1]).toContain('__proto__.NextToken');
      expect(out['got'][1][1]).toContain('constructor');
      expect(({} as Record<string, unknown>)['NextToken']).toBeUndefined();
      expect(({} as Record<string, unknown>)['MaxResults']).toBeUndefined();
      expect(out['jobs']).toBe('resolved'); // every other user's listing still works
    } finally {
      for (const k of ['NextToken', 'MaxResults']) delete (Object.prototype as Record<string, unknown>)[k];
    }
  }, 60_000);

  it('an alarm created with boto3 rolls back a blue/green UpdateEndpoint that names it', async () => {
    await deploy(loam, 'rb', [{ name: 'AllTraffic', modelName: 'm', count: 1 }]);
    expect((await call(loam, 'POST', '/api/v1/endpoint-configs', { EndpointConfigName: 'rb-2', ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: 'm', InitialInstanceCount: 1, InstanceType: 'ml.m5.large' }] })).status).toBe(200);
    const out = await boto3<Record<string, any>>(`
cw, sm = client('cloudwatch'), client('sagemaker')
# No invocations at all counts as breaching: the alarm is in ALARM while the canary bakes.
cw.put_metric_alarm(AlarmName='rb-quiet', Namespace='AWS/SageMaker', MetricName='Invocations', Statistic='Sum', Dimensions=[{'Name': 'EndpointName', 'Value': 'rb'}],
  Period=1, EvaluationPeriods=1, Threshold=1.0, ComparisonOperator='GreaterThanOrEqualToThreshold', TreatMissingData='breaching')
missing = error(sm.update_endpoint, EndpointName='rb', EndpointConfigName='rb-2', DeploymentConfig={'AutoRollbackConfiguration': {'Alarms': [{'AlarmName': 'nope'}]},
  'BlueGreenUpdatePolicy': {'TrafficRoutingConfiguration': {'Type': 'ALL_AT_ONCE', 'WaitIntervalInSeconds': 0}}})
sm.update_endpoint(EndpointName='rb', EndpointConfigName='rb-2', DeploymentConfig={
  'BlueGreenUpdatePolicy': {'TrafficRoutingConfiguration': {'Type': 'CANARY', 'WaitIntervalInSeconds': 30, 'CanarySize': {'Type': 'CAPACITY_PERCENT', 'Value': 50}},
    'TerminationWaitInSeconds': 0, 'MaximumExecutionTimeoutInSeconds': 600},
  'AutoRollbackConfiguration': {'Alarms': [{'AlarmName': 'rb-quiet'}]}})
print(json.dumps({'missing': missing, 'state': cw.describe_alarms(AlarmNames=['rb-quiet'])['MetricAlarms'][0]['StateValue']}))
`);
    expect(out['missing'][0]).toBe('ValidationException');
    expect(out['missing'][1]).toContain('nope');
    const d = await waitForEndpoint(loam, 'rb', (s, b) => s === 'InService' && b.FailureReason !== undefined, 60_000);
    expect(d.EndpointConfigName).toBe('rb-cfg');
    expect(d.FailureReason).toMatch(/alarm 'rb-quiet'/);
  }, 90_000);
});
