import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operationList, pathParams, type Operation } from '@loam/contracts';
import { TRAVERSAL_CASES, urlPath } from '@loam/testkit/conformance/traversal-cases';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';

// Generated from the operation table, so a new operation is covered the day it is added.
const BODY_LIMIT = 4096;
let loam: TestLoam;
let nobodyToken: string;

function urlOf(op: Operation, params: Record<string, string> = {}): string {
  let url = op.rest.path;
  for (const p of pathParams(op.rest.path)) url = url.replace(`{${p}}`, params[p] ?? 'x');
  return url;
}

function inject(op: Operation, headers: Record<string, string>, url = urlOf(op), payload?: string) {
  const bodyless = op.rest.method === 'GET' || op.rest.method === 'DELETE';
  return loam.app.inject({
    method: op.rest.method,
    url,
    headers: { host: '127.0.0.1:7717', ...(bodyless ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(bodyless ? {} : { payload: payload ?? '{}' }),
  });
}

beforeAll(async () => {
  loam = await openTestLoam({ LOAM_SERVER__BODY_LIMIT_BYTES: String(BODY_LIMIT) });
  const ctx = { principal: { userName: 'admin', userId: 'a', arn: 'arn:loam:iam::000000000000:user/admin', via: 'system' as const }, requestId: 't' };
  await loam.platform.identity.CreateUser({ UserName: 'nobody' }, ctx);
  const t = await loam.platform.identity.CreateApiToken({ UserName: 'nobody', TokenName: 'sec' }, ctx);
  nobodyToken = t.ApiToken.Token;
});
afterAll(async () => loam?.close());

describe.each(operationList.map((op) => [op.name, op] as const))('%s', (_name, op) => {
  it('answers 401 problem+json without credentials', async () => {
    const res = await inject(op, {});
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.json().code).toBe('UnrecognizedClientException');
  });

  it(`answers 403 AccessDeniedException to a user without ${op.iamAction}`, async () => {
    const res = await inject(op, { authorization: `Bearer ${nobodyToken}` });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('AccessDeniedException');
    expect(res.json().detail).toContain(op.iamAction);
  });

  it('rejects a Host header that is not allowed (DNS rebinding)', async () => {
    const res = await inject(op, { authorization: `Bearer ${loam.adminToken}`, host: 'attacker.example:7717' });
    expect(res.statusCode).toBe(403);
    expect(res.json().detail).toContain("Host 'attacker.example'");
  });

  if (op.rest.method !== 'GET' && op.rest.method !== 'DELETE') {
    it(`answers 413 to a body over the limit (${BODY_LIMIT} bytes)`, async () => {
      const payload = JSON.stringify({ pad: 'x'.repeat(BODY_LIMIT + 10) });
      const res = await inject(op, { authorization: `Bearer ${loam.adminToken}` }, urlOf(op), payload);
      expect(res.statusCode).toBe(413);
      expect(res.json().code).toBe('PayloadTooLargeException');
    });
  }
});

let port = 0;

/** Sends the request line exactly as given (no client-side dot-segment normalisation, unlike fetch or inject). */
function rawRequest(method: string, path: string, token: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    let data = '';
    sock.setEncoding('latin1');
    sock.on('data', (d: string) => (data += d));
    sock.on('error', reject);
    sock.on('end', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0);
      resolve({ status, body: data.slice(data.indexOf('\r\n\r\n') + 4) });
    });
    const body = method === 'GET' || method === 'DELETE' ? '' : '{}';
    sock.write(`${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n` +
      (body ? `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n` : '') + `\r\n${body}`);
  });
}

const pathTaking = operationList.filter((op) => pathParams(op.rest.path).length > 0);

describe('path-taking routes refuse traversal encodings', () => {
  beforeAll(async () => {
    await loam.app.listen({ host: '127.0.0.1', port: 0 });
    port = (loam.app.server.address() as { port: number }).port;
  });

  it('has at least 20 encodings and path-taking routes to try them on', () => {
    expect(TRAVERSAL_CASES.length).toBeGreaterThanOrEqual(20);
    expect(pathTaking.length).toBeGreaterThan(0);
  });

  it.each(pathTaking.map((op) => [op.name, op] as const))('%s: every encoding → 400, nothing outside the data directory touched', async (_n, op) => {
    const parent = dirname(loam.dataDir);
    const outside = join(parent, `${loam.dataDir.split('/').pop()}-outside`);
    mkdirSync(outside, { recursive: true });
    writeFileSync(join(outside, 'canary'), 'canary');
    const before = readdirSync(outside).sort();
    for (const p of pathParams(op.rest.path)) {
      for (const c of TRAVERSAL_CASES) {
        // As one parameter value (a client encodes its `/`), and, for keys that climb, also with raw slashes.
        const climbs = !c.key.includes('/') || /(^|\/)\.\.|^\/|^[A-Za-z]:/.test(c.key);
        for (const encoded of new Set([encodeURIComponent(c.key), ...(climbs ? [urlPath(c.key)] : [])])) {
          const res = await rawRequest(op.rest.method, urlOf(op, { [p]: encoded }), loam.adminToken);
          expect(res.status, `${op.name} ${p}=${c.name} (${encoded}): ${res.body.slice(0, 200)}`).toBe(400);
          expect(JSON.parse(res.body).code).toBe('ValidationException');
        }
      }
    }
    expect(readdirSync(outside).sort()).toEqual(before);
    expect(readFileSync(join(outside, 'canary'), 'utf8')).toBe('canary');
  });
});

describe('DescribeServerConfig', () => {
  it('shows the configuration to an admin with secrets redacted and sources named', async () => {
    const res = await loam.app.inject({ method: 'GET', url: '/api/v1/server-config', headers: { host: '127.0.0.1', authorization: `Bearer ${loam.adminToken}` } });
    expect(res.statusCode).toBe(200);
    const body = res.json() as { Config: { server: { bodyLimitBytes: number }; metadata: { type: string } }; Sources: Record<string, string> };
    expect(body.Config.server.bodyLimitBytes).toBe(BODY_LIMIT);
    expect(body.Config.metadata.type).toBe('sqlite');
    expect(body.Sources['server.bodyLimitBytes']).toBe('env LOAM_SERVER__BODY_LIMIT_BYTES');
  });
});
