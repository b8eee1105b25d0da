import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';

let loam: TestLoam;
let cookies: Record<string, string>;
const host = { host: '127.0.0.1:7717' };

/** What the sign-in page's button sends: the token, as a form, from the page's own origin. */
const signIn = (token: string, headers: Record<string, string> = { origin: 'http://127.0.0.1:7717', 'sec-fetch-site': 'same-origin' }) =>
  loam.app.inject({ method: 'POST', url: '/auth/login', headers: { ...host, 'content-type': 'application/x-www-form-urlencoded', ...headers }, payload: `token=${encodeURIComponent(token)}` });

async function start(): Promise<void> {
  loam = await openTestLoam();
  const token = await loam.platform.identity.createLoginLink('admin', 60);
  const res = await signIn(token);
  expect(res.statusCode).toBe(303);
  cookies = Object.fromEntries(res.cookies.map((c) => [c.name, c.value]));
}
async function stop(): Promise<void> {
  await loam?.close();
}
serverPerAttempt(start, stop);

describe('Studio sessions', () => {
  it('sets an HttpOnly SameSite=Strict session cookie and a readable CSRF cookie', async () => {
    const token = await loam.platform.identity.createLoginLink('admin', 60);
    const res = await signIn(token);
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
    expect((await signIn('loam_nope')).statusCode).toBe(401);
    const used = await loam.platform.identity.createLoginLink('admin', 60);
    expect((await signIn(used)).statusCode).toBe(303);
    const again = await signIn(used);
    expect(again.statusCode).toBe(401);
    expect(again.body).toContain('already been used');
    expect((await loam.app.inject({ method: 'GET', url: `/auth/login?token=${used}`, headers: host })).statusCode).toBe(401);
  });
});

describe('login CSRF: a link on another site cannot sign a visitor in', () => {
  it('the link opens a page naming the user, with one button; it sets no cookie and leaves the link unused', async () => {
    const token = await loam.platform.identity.createLoginLink('admin', 60);
    const res = await loam.app.inject({ method: 'GET', url: `/auth/login?token=${encodeURIComponent(token)}`, headers: { ...host, 'sec-fetch-site': 'cross-site' } });
    expect(res.statusCode).toBe(200);
    expect(res.cookies).toEqual([]);
    expect(res.headers['cache-control']).toBe('no-store');
    // Not `no-referrer`: the page's own POST must carry its real Origin (below).
    expect(res.headers['referrer-policy']).toBe('same-origin');
    expect(res.body).toContain('Sign in as admin');
    expect(res.body).toContain('<form method="post" action="/auth/login">');
    expect(res.body).toContain(`name="token" value="${token}"`);
    // The button's POST, from the page's origin, signs in: the link was still unused.
    expect((await signIn(token)).statusCode).toBe(303);
  });

  it('the page\'s POST as a browser sends it to Loam served over plain http at a LAN name (Origin only, no Sec-Fetch-Site) signs in', async () => {
    const token = await loam.platform.identity.createLoginLink('admin', 60);
    const lan = { host: 'localhost:7717' };
    const page = await loam.app.inject({ method: 'GET', url: `/auth/login?token=${encodeURIComponent(token)}`, headers: lan });
    expect(page.headers['referrer-policy']).not.toBe('no-referrer');
    expect((await signIn(token, { ...lan, origin: 'http://localhost:7717' })).statusCode).toBe(303);
  });

  it('a POST from another site (or another port of the same host) is refused and leaves the link unused', async () => {
    const token = await loam.platform.identity.createLoginLink('admin', 60);
    const attempts: Record<string, string>[] = [
      { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      { origin: 'http://127.0.0.1:8080', 'sec-fetch-site': 'same-site' },
      { origin: 'https://evil.example' },
      { origin: 'null' },
    ];
    for (const headers of attempts) {
      const res = await signIn(token, headers);
      expect(res.statusCode, JSON.stringify(headers)).toBe(403);
      expect(res.cookies).toEqual([]);
    }
    expect((await signIn(token)).statusCode).toBe(303);
  });
});
