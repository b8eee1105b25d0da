import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { openTestLoam, type TestLoam } from '../../compose/loam.test-support.js';

// A path whose percent-escapes do not decode (%FF, an overlong or surrogate sequence) is refused by the
// router before any route, so the S3 transport's error handler never saw it: an S3 client got the REST API's
// problem+json (or, for a bucket named `api`, MLflow's JSON), which the SDKs cannot read as an S3 error.
// S3 answers such a URI with 400 InvalidURI in its XML; so does Loam, to any request that speaks S3.

let loam: TestLoam;
serverPerAttempt(async () => {
  loam = await openTestLoam();
}, async () => loam?.close());

/** SigV4 for service s3 as a client sends it; the router refuses the path before the signature is checked. */
const s3Auth = 'AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20261129/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=00';

describe('S3: a path that does not decode', () => {
  it('is InvalidURI in S3\'s XML, path-style and virtual-hosted, whatever the path looks like', async () => {
    const cases: { url: string; headers: Record<string, string> }[] = [
      { url: '/bucket/key%FF', headers: { authorization: s3Auth } },
      { url: '/api/2.0/mlflow/runs%C0%AE', headers: { authorization: s3Auth } }, // a bucket named `api`, not MLflow
      { url: '/key%ED%A0%80', headers: { host: 'bucket.localhost' } },
      { url: '/bucket/k%FF?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAEXAMPLE%2F20261129%2Fus-east-1%2Fs3%2Faws4_request', headers: {} },
    ];
    for (const c of cases) {
      const r = await loam.app.inject({ method: 'GET', url: c.url, headers: c.headers });
      expect(r.statusCode, c.url).toBe(400);
      expect(r.headers['content-type'], c.url).toMatch(/^application\/xml/);
      expect(r.body, c.url).toMatch(/<Error><Code>InvalidURI<\/Code><Message>Couldn&apos;t parse the specified URI\. The request path &apos;[^<]*&apos; is not valid: its percent-escapes do not decode to UTF-8\.<\/Message>/);
      expect(r.headers['x-amz-request-id'], c.url).toBeTruthy();
    }
    const head = await loam.app.inject({ method: 'HEAD', url: '/bucket/key%FF', headers: { authorization: s3Auth } });
    expect(head.statusCode).toBe(400);
    expect(head.body).toBe('');
  });

  it('a request that does not speak S3 keeps its own transport\'s answer', async () => {
    const rest = await loam.app.inject({ method: 'GET', url: '/api/v1/models/%FF', headers: { authorization: `Bearer ${loam.adminToken}` } });
    expect(rest.statusCode).toBe(400);
    expect(rest.headers['content-type']).toMatch(/^application\/problem\+json/);
    const mlflow = await loam.app.inject({ method: 'GET', url: '/api/2.0/mlflow/runs%C0%AE', headers: { authorization: `Bearer ${loam.adminToken}` } });
    expect(mlflow.statusCode).toBe(400);
    expect(JSON.parse(mlflow.body)).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE' });
  });
});
