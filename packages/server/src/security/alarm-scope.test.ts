import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';

// DescribeAlarms and DeleteAlarms name no alarm or several; CloudWatch authorizes both per alarm (resource
// type `alarm`). A user denied another team's alarms deleted them anyway (an AutoRollbackConfiguration's
// guard among them) and listed them: each alarm is now checked on its own ARN. And the request itself is
// authorized on an alarm, not on `*`, so a user allowed only a team's alarms can list and delete them:
// DeleteAlarms on each named alarm; DescribeAlarms, whose answer keeps only the alarms the caller may
// describe, on the one alarm it names, else on some alarm under its prefix, else on some alarm — as
// CloudWatch answers a DescribeAlarms permission narrower than `*` (which only composite alarms need).

let loam: TestLoam;
const tokens: Record<string, string> = {};
const system = { principal: { userName: 'admin', userId: 'x', arn: 'x', via: 'system' as const }, requestId: 'r' };

async function as(user: string, method: 'GET' | 'POST', url: string, payload?: unknown): Promise<{ status: number; body: any }> {
  const token = user === 'admin' ? loam.adminToken : tokens[user] as string;
  const r = await loam.app.inject({ method, url, headers: { authorization: `Bearer ${token}`, ...(payload ? { 'content-type': 'application/json' } : {}) }, ...(payload ? { payload: JSON.stringify(payload) } : {}) });
  return { status: r.statusCode, body: r.body ? r.json() : undefined };
}
const alarm = (name: string) => ({
  AlarmName: name, MetricName: 'Invocation5XXErrors', Namespace: 'AWS/SageMaker', Statistic: 'Sum', Period: 60, EvaluationPeriods: 1, Threshold: 1,
  ComparisonOperator: 'GreaterThanOrEqualToThreshold', Dimensions: [{ Name: 'EndpointName', Value: 'prod' }, { Name: 'VariantName', Value: 'AllTraffic' }],
});
const names = async (user: string, query = '') => ((await as(user, 'GET', `/api/v1/alarms${query}`)).body.MetricAlarms as { AlarmName: string }[]).map((a) => a.AlarmName).sort();

beforeAll(async () => {
  loam = await openTestLoam();
  const id = loam.platform.identity;
  await id.CreateUser({ UserName: 'mallory' }, system);
  const doc = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'cloudwatch:*', Resource: '*' }, { Effect: 'Deny', Action: 'cloudwatch:*', Resource: 'arn:loam:cloudwatch:*:*:alarm:alice-*' }] };
  await id.CreatePolicy({ PolicyName: 'mallory-policy', PolicyDocument: JSON.stringify(doc) }, system);
  await id.AttachUserPolicy({ UserName: 'mallory', PolicyName: 'mallory-policy' }, system);
  tokens['mallory'] = (await id.CreateApiToken({ UserName: 'mallory', TokenName: 't' }, system)).ApiToken.Token;
  await id.CreateUser({ UserName: 'tess' }, system);
  const team = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'cloudwatch:*', Resource: 'arn:loam:cloudwatch:*:*:alarm:team-*' }] };
  await id.CreatePolicy({ PolicyName: 'team-alarms', PolicyDocument: JSON.stringify(team) }, system);
  await id.AttachUserPolicy({ UserName: 'tess', PolicyName: 'team-alarms' }, system);
  tokens['tess'] = (await id.CreateApiToken({ UserName: 'tess', TokenName: 't' }, system)).ApiToken.Token;
  // uma may describe endpoints, no alarm; dan may do anything but describe alarms.
  const others = {
    uma: [{ Effect: 'Allow', Action: 'sagemaker:Describe*', Resource: '*' }],
    dan: [{ Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', Action: 'cloudwatch:DescribeAlarms', Resource: 'arn:loam:cloudwatch:*:*:alarm:*' }],
  };
  for (const [user, statements] of Object.entries(others)) {
    await id.CreateUser({ UserName: user }, system);
    await id.CreatePolicy({ PolicyName: `${user}-policy`, PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: statements }) }, system);
    await id.AttachUserPolicy({ UserName: user, PolicyName: `${user}-policy` }, system);
    tokens[user] = (await id.CreateApiToken({ UserName: user, TokenName: 't' }, system)).ApiToken.Token;
  }
  for (const n of ['alice-rollback-guard', 'team-latency']) expect((await as('admin', 'POST', '/api/v1/alarms', alarm(n))).status).toBe(200);
}, 60_000);
afterAll(async () => loam?.close());

describe('alarms are authorized one by one', () => {
  it("DeleteAlarms refuses an alarm the caller is denied, naming it, and deletes none of the request's", async () => {
    const r = await as('mallory', 'POST', '/api/v1/alarms/delete', { AlarmNames: ['team-latency', 'alice-rollback-guard'] });
    expect(r.status, JSON.stringify(r.body)).toBe(403);
    expect(r.body.code).toBe('AccessDeniedException');
    expect(r.body.detail).toContain('cloudwatch:DeleteAlarms on resource: arn:loam:cloudwatch:us-east-1:000000000000:alarm:alice-rollback-guard');
    expect(await names('admin')).toEqual(['alice-rollback-guard', 'team-latency']);
  });

  it('DescribeAlarms lists only the alarms the caller may describe, by name or prefix too', async () => {
    expect(await names('mallory')).toEqual(['team-latency']);
    expect((await as('mallory', 'GET', '/api/v1/alarms?AlarmNames=alice-rollback-guard')).status).toBe(403);
    expect(await names('mallory', '?AlarmNamePrefix=alice')).toEqual([]);
    expect(await names('admin', '?AlarmNamePrefix=alice')).toEqual(['alice-rollback-guard']);
  });

  it("a user allowed only the team's alarms creates, lists (by name, prefix or none) and deletes them, and sees no other alarm", async () => {
    expect((await as('tess', 'POST', '/api/v1/alarms', alarm('team-errors'))).status).toBe(200);
    expect(await names('tess', '?AlarmNames=team-errors')).toEqual(['team-errors']);
    expect(await names('tess', '?AlarmNamePrefix=team-')).toEqual(['team-errors', 'team-latency']);
    // A shorter prefix, or none at all: the team's alarms, not a refusal for not covering every alarm.
    expect(await names('tess', '?AlarmNamePrefix=te')).toEqual(['team-errors', 'team-latency']);
    expect(await names('tess')).toEqual(['team-errors', 'team-latency']);
    // Several names: those the caller may describe.
    expect(await names('tess', '?AlarmNames=team-errors&AlarmNames=alice-rollback-guard')).toEqual(['team-errors']);
    // A prefix no alarm of theirs can have is refused, as a name they may not describe is.
    const other = await as('tess', 'GET', '/api/v1/alarms?AlarmNamePrefix=alice');
    expect(other.status).toBe(403);
    expect(other.body.detail).toContain('cloudwatch:DescribeAlarms on resource: arn:loam:cloudwatch:us-east-1:000000000000:alarm:alice*');
    expect((await as('tess', 'POST', '/api/v1/alarms/delete', { AlarmNames: ['alice-rollback-guard'] })).status).toBe(403);
    expect((await as('tess', 'POST', '/api/v1/alarms/delete', { AlarmNames: ['team-errors'] })).status).toBe(200);
    expect(await names('admin')).toEqual(['alice-rollback-guard', 'team-latency']);
  });

  it('DescribeAlarms is refused to a caller who may describe no alarm, or is denied every one', async () => {
    for (const user of ['uma', 'dan']) {
      const r = await as(user, 'GET', '/api/v1/alarms');
      expect(r.status, user).toBe(403);
      expect(r.body.detail).toContain(`cloudwatch:DescribeAlarms on resource: arn:loam:cloudwatch:us-east-1:000000000000:alarm:*${user === 'dan' ? ' with an explicit deny' : ''}`);
    }
  });

  it('DeleteAlarms deletes the alarms the caller may delete', async () => {
    expect((await as('mallory', 'POST', '/api/v1/alarms/delete', { AlarmNames: ['team-latency'] })).status).toBe(200);
    expect(await names('admin')).toEqual(['alice-rollback-guard']);
  });
});
