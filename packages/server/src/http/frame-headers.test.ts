import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';

// Clickjacking: no other site may frame Studio's pages, the sign-in button or anything else Loam serves.

let loam: TestLoam;
const host = { host: '127.0.0.1:7717' };
beforeAll(async () => {
  loam = await openTestLoam();
});
afterAll(async () => loam?.close());

describe('frame headers', () => {
  it('Studio pages, the sign-in page, API answers and errors may not be framed', async () => {
    const token = await loam.platform.identity.createLoginLink('admin', 60);
    for (const url of ['/', '/users/ana', `/auth/login?token=${token}`, '/healthz', '/api/v1/caller-identity', '/api/v1/no-such-route']) {
      const res = await loam.app.inject({ method: 'GET', url, headers: { ...host, authorization: `Bearer ${loam.adminToken}` } });
      expect(res.headers['x-frame-options'], url).toBe('DENY');
      // Studio's page and the sign-in page carry Studio's whole policy, which ends with the same directive.
      expect(res.headers['content-security-policy'], url).toMatch(/(^|; )frame-ancestors 'none'$/);
    }
  });

  it("keeps user content's sandbox and adds frame-ancestors to it", async () => {
    const auth = { ...host, authorization: `Bearer ${loam.adminToken}` };
    const put = await loam.app.inject({ method: 'PUT', url: '/api/2.0/mlflow-artifacts/artifacts/0/r/artifacts/page.html', headers: { ...auth, 'content-type': 'text/html' }, payload: '<h1>hi</h1>' });
    expect(put.statusCode).toBe(200);
    const got = await loam.app.inject({ method: 'GET', url: '/api/2.0/mlflow-artifacts/artifacts/0/r/artifacts/page.html', headers: auth });
    expect(got.statusCode).toBe(200);
    expect(got.headers['content-security-policy']).toBe("sandbox; frame-ancestors 'none'");
    expect(got.headers['x-frame-options']).toBe('DENY');
  });
});
