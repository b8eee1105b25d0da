import { createHash, timingSafeEqual } from 'node:crypto';
import { AccessDeniedError, UnauthenticatedError, type Principal } from '@loam/core';

/** What authentication needs from the identity capability. */
export interface CredentialResolver {
  authenticateToken(token: string): Promise<Principal>;
  authenticateSession(sessionId: string): Promise<{ principal: Principal; csrfTokenHash: string }>;
}

export const SESSION_COOKIE = 'loam_session';
export const CSRF_COOKIE = 'loam_csrf';
export const CSRF_HEADER = 'x-csrf-token';

export interface RestCredentials {
  readonly method: string;
  readonly authorization?: string | undefined;
  readonly cookies: Readonly<Record<string, string | undefined>>;
  readonly csrfHeader?: string | undefined;
}

const unsafe = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function sha256Hex(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

/**
 * REST and MLflow callers prove who they are with a bearer API token, or — Studio — a session cookie.
 * A session alone cannot change anything: unsafe methods must also echo the CSRF token (double submit:
 * readable cookie → header, checked against the hash kept with the session), which another origin's
 * page cannot read.
 */
export async function authenticateRest(c: RestCredentials, resolver: CredentialResolver): Promise<Principal> {
  const auth = c.authorization?.trim();
  if (auth) {
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    if (!m) throw new UnauthenticatedError('The Authorization header must be `Bearer <API token>` on the REST API.');
    return resolver.authenticateToken(m[1] as string);
  }
  const sid = c.cookies[SESSION_COOKIE];
  if (sid) {
    const { principal, csrfTokenHash } = await resolver.authenticateSession(sid);
    if (unsafe.has(c.method.toUpperCase())) {
      const header = c.csrfHeader;
      if (!header || !sameHash(sha256Hex(header), csrfTokenHash)) {
        throw new AccessDeniedError('This request needs the X-CSRF-Token header of your Studio session.');
      }
    }
    return principal;
  }
  throw new UnauthenticatedError('Sign in first: send `Authorization: Bearer <API token>` (see <data-dir>/credentials, key loam_api_token) or use a Studio session.');
}
