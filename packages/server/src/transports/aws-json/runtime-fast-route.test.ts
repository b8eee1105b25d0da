import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import type { GbdtModel } from '@loam/ml/gbdt/index';
import { openTestLoam, type TestLoam } from '../../compose/loam.test-support.js';
import { call, deploy, storeGbdtModel, xgboostImage } from '../../endpoints/endpoints.test-support.js';
import { invocationLaneOf } from '../../http/build-app.js';
import { INVOCATION_BODY_LIMIT } from './runtime.routes.js';

// InvokeEndpoint over a real socket (not `inject()`): the invocation lane and the fast route on the Node
// server, which must authenticate, authorize, limit and answer exactly as the Fastify route does.
let loam: TestLoam;
let port: number;
let model: GbdtModel;
let raw: number[][];
let readerToken: string;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP request; `body` undefined sends only the headers (and waits for an early answer). */
function send(path: string, headers: Record<string, string | number>, body?: string | Buffer | Buffer[]): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const r = request({ host: '127.0.0.1', port, method: 'POST', path, headers: { host: `127.0.0.1:${port}`, ...headers }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    r.on('error', reject);
    if (body === undefined) r.flushHeaders();
    else if (Array.isArray(body)) {
      for (const b of body) r.write(b);
      r.end();
    } else r.end(body);
  });
}

const invoke = (body: string | Buffer | Buffer[] | undefined, headers: Record<string, string | number> = {}, token = loam.adminToken) =>
  send('/endpoints/fast/invocations', { authorization: `Bearer ${token}`, 'content-type': 'text/csv', ...headers }, body);

// Both ways a plain request can be read: the invocation lane (ADR 0016) and, with it off, Node's server and the fast route.
describe.each([
  ['the invocation lane', true],
  ['Node’s server and the fast route (invocationLane: false)', false],
])('InvokeEndpoint over a socket: %s', (_name, lane) => {
  beforeAll(async () => {
    loam = await openTestLoam(lane ? {} : { LOAM_SERVER__INVOCATION_LANE: 'false' });
    await loam.app.listen({ host: '127.0.0.1', port: 0 });
    port = (loam.app.server.address() as { port: number }).port;
    ({ model, raw } = await storeGbdtModel(loam.platform.artifacts, { bucket: 'models', key: 'fast/model.tar.gz' }));
    expect((await call(loam, 'POST', '/api/v1/models', { ModelName: 'fast-gbdt', PrimaryContainer: { Image: xgboostImage, ModelDataUrl: 's3://models/fast/model.tar.gz' } })).status).toBe(200);
    expect((await deploy(loam, 'fast', [{ name: 'AllTraffic', modelName: 'fast-gbdt' }])).EndpointStatus).toBe('InService');
    const ctx = { principal: { userName: 'admin', userId: 'x', arn: 'arn:loam:iam::000000000000:user/admin', via: 'system' as const }, requestId: 't' };
    await loam.platform.identity.CreateUser({ UserName: 'nobody' }, ctx);
    readerToken = (await loam.platform.identity.CreateApiToken({ TokenName: 't', UserName: 'nobody' }, ctx)).ApiToken.Token;
  }, 60_000);
  afterAll(async () => loam?.close());

  it('answers the model’s predictions with Runtime’s headers and the caller’s request id', async () => {
    const rows = raw.slice(0, 2);
    const r = await invoke(rows.map((x) => x.join(',')).join('\n'), { 'x-request-id': 'client-req-0001' });
    expect(r.status, r.body).toBe(200);
    expect(r.body.split(',').map(Number)).toEqual(rows.map((x) => model.predictRow(x)[0]));
    expect(r.headers).toMatchObject({ 'x-amzn-invoked-production-variant': 'AllTraffic', 'x-amzn-requestid': 'client-req-0001', 'x-request-id': 'client-req-0001' });
    expect(r.headers['content-type']).toMatch(/^text\/csv/);
    // Answered where this suite says: on the lane, or (lane off) by Node's server.
    if (lane) expect(invocationLaneOf(loam.app)?.answered).toBeGreaterThan(0);
    else expect(invocationLaneOf(loam.app)).toBeUndefined();
  });

  it('refuses missing or bad credentials, and a caller without sagemaker:InvokeEndpoint', async () => {
    const none = await send('/endpoints/fast/invocations', { 'content-type': 'text/csv' }, '1,2,3,4');
    expect(none.status).toBe(401);
    expect(none.headers['x-amzn-errortype']).toBe('MissingAuthenticationTokenException');
    const bad = await invoke('1,2,3,4', {}, 'loam_not-a-token');
    expect(bad.status).toBe(401);
    expect(bad.headers['x-amzn-errortype']).not.toBe('ModelError');
    const denied = await invoke(raw[0]!.join(','), {}, readerToken);
    expect(denied.status).toBe(403);
    expect(denied.headers['x-amzn-errortype']).toBe('AccessDeniedException');
    expect(JSON.parse(denied.body).message).toMatch(/sagemaker:InvokeEndpoint/);
    const wrongSecret = new SageMakerRuntimeClient({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials: { accessKeyId: loam.adminAccessKeyId, secretAccessKey: 'wrong' }, maxAttempts: 1 });
    await expect(wrongSecret.send(new InvokeEndpointCommand({ EndpointName: 'fast', ContentType: 'text/csv', Body: new TextEncoder().encode(raw[0]!.join(',')) }))).rejects.toMatchObject({ name: 'InvalidSignatureException' });
  });

  it('keeps the Host allowlist and hands cookie-only (Studio) requests to the Fastify route, which wants the CSRF header', async () => {
    const rebound = await send('/endpoints/fast/invocations', { host: 'evil.example:80', authorization: `Bearer ${loam.adminToken}`, 'content-type': 'text/csv' }, raw[0]!.join(','));
    expect(rebound.status).toBe(403);
    expect(rebound.body).toMatch(/Host 'evil.example' is not allowed/);
    const loginToken = await loam.platform.identity.createLoginLink('admin', 60);
    const login = await loam.app.inject({ method: 'POST', url: '/auth/login', headers: { host: '127.0.0.1:7717', 'content-type': 'application/x-www-form-urlencoded' }, payload: `token=${encodeURIComponent(loginToken)}` });
    const cookies = Object.fromEntries(login.cookies.map((c) => [c.name, c.value]));
    const cookie = `loam_session=${cookies['loam_session']}; loam_csrf=${cookies['loam_csrf']}`;
    const noCsrf = await send('/endpoints/fast/invocations', { cookie, 'content-type': 'text/csv' }, raw[0]!.join(','));
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body).toMatch(/X-CSRF-Token/);
    const ok = await send('/endpoints/fast/invocations', { cookie, 'x-csrf-token': cookies['loam_csrf']!, 'content-type': 'text/csv' }, raw[0]!.join(','));
    expect(ok.status, ok.body).toBe(200);
    // An empty Authorization beside the session is no credential: still the session's request.
    const emptyAuth = await send('/endpoints/fast/invocations', { authorization: '', cookie, 'x-csrf-token': cookies['loam_csrf']!, 'content-type': 'text/csv' }, raw[0]!.join(','));
    expect(emptyAuth.status, emptyAuth.body).toBe(200);
  });

  it('answers 413 from Content-Length before reading the body, and for a chunked body past 6 MB; keeps serving', async () => {
    const early = await invoke(undefined, { 'content-length': INVOCATION_BODY_LIMIT + 1 });
    expect(early.status).toBe(413);
    expect(early.headers['x-amzn-errortype']).toBe('PayloadTooLargeException');
    const chunk = Buffer.alloc(1024 * 1024, 49);
    const chunked = await invoke([chunk, chunk, chunk, chunk, chunk, chunk, chunk], { 'transfer-encoding': 'chunked' });
    expect(chunked.status).toBe(413);
    const ok = await invoke(raw[0]!.join(','));
    expect(ok.status).toBe(200);
  });

  it('answers bad input with ModelError 424 naming the problem (the model’s 4xx in OriginalStatusCode), and keeps serving', async () => {
    const cases: [string, Record<string, string>, number, RegExp][] = [
      ['1,2,3,4', { 'content-type': 'application/x-image' }, 415, /Content type 'application\/x-image' is not supported/],
      ['1,2,3', {}, 400, /Row 1 has 3 values; the model expects 4 features/],
      ['1,x,3,4', {}, 400, /Row 1, column 2: 'x' is not a number/],
      ['', {}, 400, /empty/],
    ];
    for (const [body, headers, original, message] of cases) {
      const r = await invoke(body, headers);
      expect(r.status, body).toBe(424);
      expect(r.headers['x-amzn-errortype']).toBe('ModelError');
      const answer = JSON.parse(r.body);
      expect(answer).toMatchObject({ OriginalStatusCode: original });
      expect(answer.OriginalMessage).toMatch(message);
    }
    expect((await invoke(raw[1]!.join(','))).status).toBe(200);
  });

  it('the AWS SDK sees a model’s 4xx as ModelError with OriginalStatusCode and OriginalMessage', async () => {
    const rt = new SageMakerRuntimeClient({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials: { accessKeyId: loam.adminAccessKeyId, secretAccessKey: loam.adminSecretAccessKey }, maxAttempts: 1 });
    const e = await rt.send(new InvokeEndpointCommand({ EndpointName: 'fast', ContentType: 'text/csv', Body: new TextEncoder().encode('1,2') })).then(
      () => undefined,
      (x: unknown) => x as { name: string; OriginalStatusCode?: number; OriginalMessage?: string; $metadata: { httpStatusCode?: number } },
    );
    expect(e).toMatchObject({ name: 'ModelError', OriginalStatusCode: 400, $metadata: { httpStatusCode: 424 } });
    expect(e?.OriginalMessage).toMatch(/Row 1 has 2 values; the model expects 4 features/);
  });
});
