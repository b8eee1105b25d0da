import { describe, expect, it } from 'vitest';
import { operationList } from '@loam/contracts';
import { readOnlyAccess } from './builtin-policies.js';
import { evaluate } from './policy/evaluate.js';
import { parsePolicyDocument } from './policy/policy-document.js';

const readOnly = parsePolicyDocument(readOnlyAccess.document);
const stream = 'arn:loam:logs:us-east-1:000000000000:log-group:/aws/sagemaker/Endpoints/my-ep:log-stream:AllTraffic/my-ep-alltraffic-1';

describe('ReadOnlyAccess', () => {
  // As AWS's ReadOnlyAccess: a read-only user reads jobs' and endpoints' logs (aws logs tail, Estimator.fit(logs=True)).
  const logReads = operationList.filter((op) => op.iamAction.startsWith('logs:'));
  it.each(logReads.map((op) => [op.name, op.iamAction]))('allows %s (%s)', (_name, action) => {
    expect(evaluate([readOnly], action, stream)).toBe('Allow');
  });

  it('serves the four reads, and allows no logs write', () => {
    expect(logReads.map((op) => op.name).sort()).toEqual(['DescribeLogGroups', 'DescribeLogStreams', 'FilterLogEvents', 'GetLogEvents']);
    for (const action of ['logs:PutLogEvents', 'logs:CreateLogGroup', 'logs:DeleteLogGroup', 'logs:PutRetentionPolicy']) {
      expect(evaluate([readOnly], action, stream), action).toBe('ImplicitDeny');
    }
  });

  // As AWS's ReadOnlyAccess (cloudwatch:Describe*, Get*, List*): a read-only user reads alarms' states and endpoints' metrics.
  const cloudwatch = operationList.filter((op) => op.iamAction.startsWith('cloudwatch:'));
  const alarmArn = 'arn:loam:cloudwatch:us-east-1:000000000000:alarm:TargetTracking-endpoint/ep/variant/v-AlarmHigh-1';
  it('allows the CloudWatch reads, and no alarm write', () => {
    const reads = cloudwatch.filter((op) => /^cloudwatch:(Describe|Get|List)/.test(op.iamAction)).map((op) => op.iamAction).sort();
    expect(reads).toEqual(['cloudwatch:DescribeAlarms', 'cloudwatch:GetMetricData', 'cloudwatch:GetMetricStatistics', 'cloudwatch:ListMetrics']);
    for (const action of reads) expect(evaluate([readOnly], action, action === 'cloudwatch:DescribeAlarms' ? alarmArn : '*'), action).toBe('Allow');
    for (const op of cloudwatch.filter((o) => !reads.includes(o.iamAction))) expect(evaluate([readOnly], op.iamAction, alarmArn), op.iamAction).toBe('ImplicitDeny');
    expect(cloudwatch.map((op) => op.iamAction)).toEqual(expect.arrayContaining(['cloudwatch:PutMetricAlarm', 'cloudwatch:DeleteAlarms']));
  });
});
