import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';

// GET /metrics names every endpoint and its traffic: a caller sees only the endpoints it may describe,
// as GetEndpointMetrics is authorized (sagemaker:DescribeEndpoint on the endpoint).

let loam: TestLoam;
const system = { principal: { userName: 'admin', userId: 'x', arn: 'x', via: 'system' as const }, requestId: 'r' };

/** A user with the given policy statements (none: no policy at all) and its API token. */
async function tokenOf(name: string, statements: Record<string, unknown>[]): Promise<string> {
  const id = loam.platform.identity;
  await id.CreateUser({ UserName: name }, system);
  if (statements.length) {
    await id.CreatePolicy({ PolicyName: `${name}-policy`, PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: statements }) }, system);
    await id.AttachUserPolicy({ UserName: name, PolicyName: `${name}-policy` }, system);
  }
  return (await id.CreateApiToken({ UserName: name, TokenName: 't' }, system)).ApiToken.Token;
}

async function scrape(token: string | undefined): Promise<{ status: number; body: string }> {
  const res = await loam.app.inject({ method: 'GET', url: '/metrics', headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.statusCode, body: res.body };
}

async function start(): Promise<void> {
  loam = await openTestLoam();
  // Traffic as the router records it, on two endpoints.
  loam.platform.endpoints.metrics.variant('Public-Ep', 'AllTraffic').record(200, 1000, 100);
  loam.platform.endpoints.metrics.variant('secret-ep', 'AllTraffic').record(200, 1000, 100);
}
async function stop(): Promise<void> {
  await loam?.close();
}
serverPerAttempt(start, stop);

describe('GET /metrics', () => {
  it('is 401 without a valid bearer token', async () => {
    expect((await scrape(undefined)).status).toBe(401);
    expect((await scrape('not-a-token')).status).toBe(401);
  });

  it('shows the admin (and a ReadOnlyAccess scraper) every endpoint', async () => {
    const admin = await scrape(loam.adminToken);
    expect(admin.status).toBe(200);
    expect(admin.body).toContain('loam_endpoint_invocations_total{endpoint="Public-Ep",variant="AllTraffic"} 1');
    expect(admin.body).toContain('loam_endpoint_invocations_total{endpoint="secret-ep",variant="AllTraffic"} 1');
    const scraper = await tokenOf('scraper', []);
    await loam.platform.identity.AttachUserPolicy({ UserName: 'scraper', PolicyName: 'ReadOnlyAccess' }, system);
    expect((await scrape(scraper)).body).toContain('endpoint="secret-ep"');
  });

  it('shows a token without policies no endpoint, and a denied endpoint to nobody denied it', async () => {
    const nobody = await scrape(await tokenOf('no-policy', []));
    expect(nobody.status).toBe(200);
    expect(nobody.body).toContain('# TYPE loam_endpoint_invocations_total counter');
    expect(nobody.body).not.toContain('endpoint=');
    const partial = await scrape(await tokenOf('no-secret', [
      { Effect: 'Allow', Action: 'sagemaker:DescribeEndpoint', Resource: '*' },
      { Effect: 'Deny', Action: 'sagemaker:DescribeEndpoint', Resource: 'arn:loam:sagemaker:*:*:endpoint/secret-*' },
    ]));
    // The policy is checked on the endpoint's ARN, lower-cased as every SageMaker ARN.
    expect(partial.body).toContain('endpoint="Public-Ep"');
    expect(partial.body).not.toContain('secret-ep');
  });
});
