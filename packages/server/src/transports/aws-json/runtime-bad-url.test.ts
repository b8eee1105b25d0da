import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { openTestLoam, type TestLoam } from '../../compose/loam.test-support.js';

// A Runtime path whose percent-escapes do not decode (`%E0%A4%A`: a cut-short sequence; `%FF`) is refused
// by Fastify's router before any route or scope, so the Runtime's own error handler never saw it: it was
// answered in the REST API's problem+json, without the `message` member the AWS SDKs read and without
// x-amzn-ErrorType. It now gets Runtime's REST-JSON error (400 ValidationError, `{"message"}`), as every
// other refusal on these routes does.

let loam: TestLoam;
serverPerAttempt(async () => {
  loam = await openTestLoam();
}, async () => loam?.close());

describe('SageMaker Runtime: a path that does not decode', () => {
  it('is a 400 ValidationError in Runtime\'s shape, with a message naming the path', async () => {
    for (const url of ['/endpoints/%E0%A4%A/invocations', '/endpoints/ep%FF/invocations', '/endpoints/ep/invocations%C0']) {
      const r = await loam.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${loam.adminToken}`, 'content-type': 'text/csv', 'x-request-id': 'bad-url-request-1' }, payload: '1,2' });
      expect(r.statusCode, r.body).toBe(400);
      expect(r.headers['x-amzn-errortype']).toBe('ValidationError');
      expect(r.headers['x-amzn-requestid']).toBe('bad-url-request-1');
      expect(r.headers['content-type']).toMatch(/^application\/json/);
      const body = JSON.parse(r.body) as Record<string, unknown>;
      expect(Object.keys(body)).toEqual(['message']);
      expect(body['message']).toMatch(/request path '\/endpoints\/.*' is not valid: its percent-escapes do not decode to UTF-8/);
    }
  });

  it('leaves other transports their own shapes', async () => {
    const rest = await loam.app.inject({ method: 'GET', url: '/api/v1/models/%E0%A4%A', headers: { authorization: `Bearer ${loam.adminToken}` } });
    expect(rest.statusCode).toBe(400);
    expect(rest.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(rest.headers['x-amzn-errortype']).toBeUndefined();
    // A path that only starts like the Runtime's is not the Runtime's.
    const other = await loam.app.inject({ method: 'GET', url: '/endpointsx/%FF' });
    expect(other.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});
