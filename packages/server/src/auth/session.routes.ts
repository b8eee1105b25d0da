import type { FastifyInstance } from 'fastify';
import type { Principal } from '@loam/core';
import { CSRF_COOKIE, SESSION_COOKIE } from './authenticator.js';

/** What Studio sign-in needs from the identity capability. */
export interface SessionIssuer {
  consumeLoginLink(token: string): Promise<{ sessionId: string; csrfToken: string; expiresAt: number }>;
  authenticateSession(sessionId: string): Promise<{ principal: Principal; csrfTokenHash: string }>;
  deleteSession(sessionId: string): Promise<void>;
}

/**
 * Studio sign-in: `loam up` prints a one-time link `/auth/login?token=…`; opening it starts a session
 * (HttpOnly, SameSite=Strict cookie) plus a readable CSRF cookie that Studio echoes in X-CSRF-Token.
 */
export function registerSessionRoutes(app: FastifyInstance, issuer: SessionIssuer, secureCookies: boolean): void {
  app.get('/auth/login', async (req, reply) => {
    const token = (req.query as Record<string, unknown>).token;
    if (typeof token !== 'string' || token.length === 0) {
      return reply.code(400).type('text/html').send(page('This sign-in link is incomplete. Ask for a new one with `loam login-link`, or restart `loam up`.'));
    }
    try {
      const s = await issuer.consumeLoginLink(token);
      const maxAge = Math.max(1, Math.floor((s.expiresAt - Date.now()) / 1000));
      void reply.setCookie(SESSION_COOKIE, s.sessionId, { path: '/', httpOnly: true, sameSite: 'strict', secure: secureCookies, maxAge });
      void reply.setCookie(CSRF_COOKIE, s.csrfToken, { path: '/', httpOnly: false, sameSite: 'strict', secure: secureCookies, maxAge });
      return reply.redirect('/', 303);
    } catch (e) {
      return reply.code(401).type('text/html').send(page(`${e instanceof Error ? e.message : 'Sign-in failed.'} Ask for a new link with \`loam login-link\`.`));
    }
  });

  app.get('/auth/session', async (req, reply) => {
    const sid = req.cookies[SESSION_COOKIE];
    if (!sid) return reply.code(401).send({ signedIn: false });
    try {
      const { principal } = await issuer.authenticateSession(sid);
      return reply.send({ signedIn: true, userName: principal.userName, arn: principal.arn });
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

function page(message: string): string {
  const esc = message.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Loam sign-in</title></head><body><main><h1>Loam</h1><p>${esc}</p></main></body></html>`;
}
