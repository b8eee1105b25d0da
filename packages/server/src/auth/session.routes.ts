import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Partition, Principal } from '@loam/core';
import { CSRF_COOKIE, SESSION_COOKIE } from './authenticator.js';

/** What Studio sign-in needs from the identity capability. */
export interface SessionIssuer {
  inspectLoginLink(token: string): Promise<{ userName: string }>;
  consumeLoginLink(token: string): Promise<{ sessionId: string; csrfToken: string; expiresAt: number }>;
  authenticateSession(sessionId: string): Promise<{ principal: Principal; csrfTokenHash: string }>;
  deleteSession(sessionId: string): Promise<void>;
}

/**
 * Whether a sign-in POST was sent by Loam's own page: a browser says so in `Sec-Fetch-Site`, or else
 * in `Origin`; a request with neither is no browser's, and no browser can be made to send it.
 */
function fromOwnPage(req: FastifyRequest): boolean {
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string') return site === 'same-origin';
  const origin = req.headers.origin;
  if (typeof origin !== 'string') return true;
  try {
    return new URL(origin).host === req.host;
  } catch {
    return false;
  }
}

/**
 * Studio sign-in: `loam up` and `loam login-link` print a one-time link `/auth/login?token=…`. Opening
 * it shows a page naming the user it signs in, whose button POSTs the token back from the same
 * origin; that POST starts a session (HttpOnly, SameSite=Strict cookie) plus a readable CSRF cookie
 * that Studio echoes in X-CSRF-Token. The GET itself sets no cookie, so a link on another site (or
 * an image, or a frame) cannot sign a visitor into someone else's account (login CSRF); a POST from
 * another site is refused. `GET /auth/session` also names this Loam's region and account, from which
 * Studio names its default bucket `sagemaker-<region>-<account>` as the SageMaker Python SDK does.
 */
export function registerSessionRoutes(app: FastifyInstance, issuer: SessionIssuer, secureCookies: boolean, partition?: Partition): void {
  const incomplete = 'This sign-in link is incomplete. Ask for a new one with `loam login-link`, or restart `loam up`.';
  const failed = (e: unknown) => `${e instanceof Error ? e.message : 'Sign-in failed.'} Ask for a new link with \`loam login-link\`.`;
  app.get('/auth/login', async (req, reply) => {
    const token = (req.query as Record<string, unknown>).token;
    // The token is in this page's URL and form: not cached, and never sent to another origin as a
    // Referer. (`same-origin`, not `no-referrer`: under `no-referrer` a browser sends the form's POST
    // with `Origin: null`, and over plain http to a host other than localhost it sends no
    // Sec-Fetch-Site either, so nobody could sign in to a Loam served at http://loam.lan:7717.)
    void reply.header('cache-control', 'no-store').header('referrer-policy', 'same-origin');
    if (typeof token !== 'string' || token.length === 0) return reply.code(400).type('text/html').send(page(incomplete));
    try {
      const { userName } = await issuer.inspectLoginLink(token);
      return reply.code(200).type('text/html').send(confirmPage(userName, token));
    } catch (e) {
      return reply.code(401).type('text/html').send(page(failed(e)));
    }
  });

  void app.register(async (scope) => {
    // The confirmation page's form, and only here: no other route takes form bodies.
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 4096 }, (_req, body: string, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body)));
    });
    scope.post('/auth/login', async (req, reply) => {
      void reply.header('cache-control', 'no-store');
      if (!fromOwnPage(req)) return reply.code(403).type('text/html').send(page('This sign-in was not sent from Loam\'s own sign-in page. Open your sign-in link again.'));
      const body = req.body;
      const token = body && typeof body === 'object' ? (body as Record<string, unknown>).token : undefined;
      if (typeof token !== 'string' || token.length === 0) return reply.code(400).type('text/html').send(page(incomplete));
      try {
        const s = await issuer.consumeLoginLink(token);
        const maxAge = Math.max(1, Math.floor((s.expiresAt - Date.now()) / 1000));
        void reply.setCookie(SESSION_COOKIE, s.sessionId, { path: '/', httpOnly: true, sameSite: 'strict', secure: secureCookies, maxAge });
        void reply.setCookie(CSRF_COOKIE, s.csrfToken, { path: '/', httpOnly: false, sameSite: 'strict', secure: secureCookies, maxAge });
        return reply.redirect('/', 303);
      } catch (e) {
        return reply.code(401).type('text/html').send(page(failed(e)));
      }
    });
  });

  app.get('/auth/session', async (req, reply) => {
    const sid = req.cookies[SESSION_COOKIE];
    if (!sid) return reply.code(401).send({ signedIn: false });
    try {
      const { principal } = await issuer.authenticateSession(sid);
      return reply.send({ signedIn: true, userName: principal.userName, arn: principal.arn, ...(partition ? { region: partition.region, accountId: partition.accountId } : {}) });
    } catch {
      return reply.code(401).send({ signedIn: false });
    }
  });

  app.post('/auth/logout', async (req, reply) => {
    const sid = req.cookies[SESSION_COOKIE];
    if (sid) await issuer.deleteSession(sid).catch(() => undefined);
    void reply.clearCookie(SESSION_COOKIE, { path: '/' });
    void reply.clearCookie(CSRF_COOKIE, { path: '/' });
    return reply.code(204).send();
  });
}

const esc = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(message: string, form = ''): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><link rel="icon" type="image/svg+xml" href="/favicon.svg"><title>Loam sign-in</title></head><body><main><h1>Loam</h1><p>${esc(message)}</p>${form}</main></body></html>`;
}

/** The page a sign-in link opens: who it signs in, and the one button that does it. */
function confirmPage(userName: string, token: string): string {
  const form = `<form method="post" action="/auth/login"><input type="hidden" name="token" value="${esc(token)}"><button type="submit" autofocus>Sign in as ${esc(userName)}</button></form>`;
  return page(`This link signs you in to Loam Studio as ${userName}. Only continue if you asked for it.`, form);
}
