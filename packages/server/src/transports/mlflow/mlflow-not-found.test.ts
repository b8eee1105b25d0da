import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestLoam, type TestLoam } from '../../compose/loam.test-support.js';

// Unknown paths under MLflow's prefixes answer MLflow's 404, whatever the method, and are never
// taken by Studio's single-page-app catch-all.

let loam: TestLoam;
beforeAll(async () => {
  loam = await openTestLoam();
});
afterAll(async () => loam?.close());

describe('unknown MLflow endpoints', () => {
  it.each(['/api/2.0/mlflow', '/ajax-api/2.0/mlflow'])('%s/… answers 404 ENDPOINT_NOT_FOUND for any method', async (prefix) => {
    for (const method of ['GET', 'POST', 'PATCH', 'DELETE', 'PUT'] as const) {
      const r = await loam.app.inject({ method, url: `${prefix}/nope/deeper?x=1`, headers: { authorization: `Bearer ${loam.adminToken}`, ...(method === 'GET' ? {} : { 'content-type': 'application/json' }) }, ...(method === 'GET' ? {} : { payload: '{}' }) });
      expect(r.statusCode, `${method} ${prefix}`).toBe(404);
      expect(r.headers['content-type']).toMatch(/^application\/json/);
      expect(JSON.parse(r.body)).toEqual({ error_code: 'ENDPOINT_NOT_FOUND', message: `No MLflow endpoint ${method} ${prefix}/nope/deeper.` });
    }
    // Known endpoints are still served.
    expect((await loam.app.inject({ method: 'GET', url: `${prefix}/experiments/get?experiment_id=0`, headers: { authorization: `Bearer ${loam.adminToken}` } })).statusCode).toBe(200);
  });

  it('other /ajax-api paths are the server\'s 404, not Studio\'s page', async () => {
    const r = await loam.app.inject({ method: 'GET', url: '/ajax-api/3.0/whatever' });
    expect(r.statusCode).toBe(404);
    expect(r.headers['content-type']).toMatch(/problem\+json/);
  });
});
