import { afterAll, beforeAll, expect, it } from 'vitest';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';

// CloudWatch's metric reads have no resource-level permissions: they are granted on `*`, so a user allowed
// cloudwatch:GetMetricStatistics reads every endpoint's metrics, even one it may not describe (as on AWS),
// and a user without it reads none.
let loam: TestLoam;
const tokens: Record<string, string> = {};

async function userWith(name: string, statements: unknown[]): Promise<void> {
  const id = loam.platform.identity;
  const ctx = { principal: { userName: 'admin', userId: 'x', arn: 'x', via: 'system' as const }, requestId: 'r' };
  await id.CreateUser({ UserName: name }, ctx);
  if (statements.length > 0) {
    await id.CreatePolicy({ PolicyName: `${name}-policy`, PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: statements }) }, ctx);
    await id.AttachUserPolicy({ UserName: name, PolicyName: `${name}-policy` }, ctx);
  }
  tokens[name] = (await id.CreateApiToken({ UserName: name, TokenName: 't' }, ctx)).ApiToken.Token;
}

beforeAll(async () => {
  loam = await openTestLoam();
  // Traffic as the router records it.
  const v = loam.platform.endpoints.metrics.variant('secret-ep', 'AllTraffic');
  for (let i = 0; i < 4; i++) v.record(200, 2000, 100);
  await userWith('carol', [
    { Effect: 'Allow', Action: ['cloudwatch:GetMetricStatistics', 'cloudwatch:ListMetrics'], Resource: '*' },
    { Effect: 'Deny', Action: 'sagemaker:*', Resource: '*' },
  ]);
  await userWith('dave', []);
}, 60_000);
afterAll(async () => loam?.close());

const now = () => Date.now() / 1000;
const statistics = (user: string) => loam.app.inject({
  method: 'POST', url: '/api/v1/metrics/statistics', headers: { authorization: `Bearer ${tokens[user]}`, 'content-type': 'application/json' },
  payload: JSON.stringify({ Namespace: 'AWS/SageMaker', MetricName: 'Invocations', Dimensions: [{ Name: 'EndpointName', Value: 'secret-ep' }, { Name: 'VariantName', Value: 'AllTraffic' }], StartTime: now() - 600, EndTime: now() + 60, Period: 3600, Statistics: ['Sum'] }),
});

it('a user allowed cloudwatch:GetMetricStatistics reads the metrics of an endpoint it may not describe', async () => {
  const r = await statistics('carol');
  expect(r.statusCode, r.body).toBe(200);
  expect(r.json().Datapoints).toEqual([expect.objectContaining({ Sum: 4 })]);
});

it('a user without it is refused naming the action', async () => {
  const r = await statistics('dave');
  expect(r.statusCode).toBe(403);
  expect(r.body).toContain('cloudwatch:GetMetricStatistics');
});

it('refuses a Period that is not a multiple of 60 and a query with both kinds of statistics, naming them', async () => {
  const bad = async (payload: Record<string, unknown>) => {
    const r = await loam.app.inject({
      method: 'POST', url: '/api/v1/metrics/statistics', headers: { authorization: `Bearer ${loam.adminToken}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ Namespace: 'AWS/SageMaker', MetricName: 'Invocations', StartTime: now() - 600, EndTime: now(), Period: 60, Statistics: ['Sum'], ...payload }),
    });
    return { status: r.statusCode, body: r.body };
  };
  expect(await bad({ Period: 30 })).toMatchObject({ status: 400, body: expect.stringContaining('Period must be a multiple of 60') });
  expect(await bad({ ExtendedStatistics: ['p99'] })).toMatchObject({ status: 400, body: expect.stringContaining('either Statistics or ExtendedStatistics, but not both') });
  expect(await bad({ StartTime: now(), EndTime: now() - 60 })).toMatchObject({ status: 400, body: expect.stringContaining('StartTime') });
});
