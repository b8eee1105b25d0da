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
});
