import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';

let loam: TestLoam;
let cookies: Record<string, string>;
const host = { host: '127.0.0.1:7717' };

beforeAll(async () => {
  loam = await openTestLoam();
  const token = await loam.platform.identity.createLoginLink('admin', 60);
  const res = await loam.app.inject({ method: 'GET', url: `/auth/login?token=${encodeURIComponent(token)}`, headers: host });
  expect(res.statusCode).toBe(303);
  cookies = Object.fromEntries(res.cookies.map((c) => [c.name, c.value]));
});
afterAll(async () => loam?.close());

describe('Studio sessions', () => {
  it('sets an HttpOnly SameSite=Strict session cookie and a readable CSRF cookie', async () => {
    const token = await loam.platform.identity.createLoginLink('admin', 60);
    const res = await loam.app.inject({ method: 'GET', url: `/auth/login?token=${encodeURIComponent(token)}`, headers: host });
    const session = res.cookies.find((c) => c.name === 'loam_session');
    const csrf = res.cookies.find((c) => c.name === 'loam_csrf');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(csrf?.httpOnly).toBeFalsy();
    expect(res.headers.location).toBe('/');
  });

  it('reads with the cookie alone', async () => {
    const res = await loam.app.inject({ method: 'GET', url: '/api/v1/caller-identity', headers: host, cookies });
    expect(res.statusCode).toBe(200);
    expect(res.json().UserName).toBe('admin');
  });

  it('refuses a change without the CSRF header (a cross-site form post)', async () => {
    const res = await loam.app.inject({ method: 'POST', url: '/api/v1/users', headers: { ...host, 'content-type': 'application/json' }, cookies, payload: { UserName: 'csrf-victim' } });
    expect(res.statusCode).toBe(403);
    expect(res.json().detail).toContain('X-CSRF-Token');
    const ctx = { principal: { userName: 'admin', userId: 'a', arn: 'arn:loam:iam::000000000000:user/admin', via: 'system' as const }, requestId: 't' };
    await expect(loam.platform.identity.GetUser({ UserName: 'csrf-victim' }, ctx)).rejects.toMatchObject({ code: 'ResourceNotFound' });
  });

  it('refuses a wrong CSRF header and accepts the right one', async () => {
    const wrong = await loam.app.inject({ method: 'POST', url: '/api/v1/users', headers: { ...host, 'content-type': 'application/json', 'x-csrf-token': 'guess' }, cookies, payload: { UserName: 'csrf-ok' } });
    expect(wrong.statusCode).toBe(403);
    const right = await loam.app.inject({ method: 'POST', url: '/api/v1/users', headers: { ...host, 'content-type': 'application/json', 'x-csrf-token': cookies.loam_csrf! }, cookies, payload: { UserName: 'csrf-ok' } });
    expect(right.statusCode).toBe(200);
  });

  it('reports the session, and signs out for good', async () => {
    const me = await loam.app.inject({ method: 'GET', url: '/auth/session', headers: host, cookies });
    expect(me.json()).toMatchObject({ signedIn: true, userName: 'admin' });
    const out = await loam.app.inject({ method: 'POST', url: '/auth/logout', headers: host, cookies });
    expect(out.statusCode).toBe(204);
    const after = await loam.app.inject({ method: 'GET', url: '/api/v1/caller-identity', headers: host, cookies });
    expect(after.statusCode).toBe(401);
  });

  it('refuses a used, unknown or missing login link with a page saying what to do', async () => {
    const res = await loam.app.inject({ method: 'GET', url: '/auth/login?token=loam_nope', headers: host });
    expect(res.statusCode).toBe(401);
    expect(res.body).toContain('loam login-link');
    const none = await loam.app.inject({ method: 'GET', url: '/auth/login', headers: host });
    expect(none.statusCode).toBe(400);
  });
});
