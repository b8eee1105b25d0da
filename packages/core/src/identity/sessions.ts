import type { Principal } from '../kernel/context.js';
import { UnauthenticatedError, ValidationError } from '../kernel/errors.js';
import { newOpaqueToken, sha256Hex } from './credentials.js';
import { principalOf, requireUser, type IdentityDeps } from './identity-deps.js';
import { loginLinksSpec, sessionsSpec, usersSpec, type LoginLinkRecord, type SessionRecord } from './identity.collections.js';
import { deleteWhere, isConflict, isUnavailable } from './store-helpers.js';

/** A new Studio session: the cookie value, the CSRF token Studio echoes, and when it lapses (epoch ms). */
export interface NewSession {
  readonly sessionId: string;
  readonly csrfToken: string;
  readonly expiresAt: number;
}

export interface AuthenticatedSession {
  readonly principal: Principal;
  /** sha256 hex of the session's CSRF token, for the transport's double-submit check. */
  readonly csrfTokenHash: string;
  /** When the session lapses now that it was used (epoch ms). */
  readonly expiresAt: number;
}

/** Sliding expiry is written at most once a minute, so each Studio request does not cost a write. */
const slideResolutionMs = 60_000;

export async function createSession(d: IdentityDeps, userName: string): Promise<NewSession> {
  await requireUser(d.store, userName);
  const sessionId = newOpaqueToken();
  const csrfToken = newOpaqueToken();
  const now = d.clock.now();
  const rec: SessionRecord = { sessionHash: sha256Hex(sessionId), userName, csrfTokenHash: sha256Hex(csrfToken), createdAt: now, expiresAt: now + d.sessionTtlMs };
  await d.store.collection(sessionsSpec).insert(rec);
  return { sessionId, csrfToken, expiresAt: rec.expiresAt };
}

/**
 * The user behind a session cookie; each use pushes expiry to a full TTL from now.
 * @throws UnauthenticatedError when the session is unknown, ended or expired.
 */
export async function authenticateSession(d: IdentityDeps, sessionId: string): Promise<AuthenticatedSession> {
  const sessions = d.store.collection(sessionsSpec);
  const key = sha256Hex(sessionId);
  const s = await sessions.get(key);
  if (!s) throw new UnauthenticatedError('The Studio session is not valid (signed out or never started); sign in again.');
  const now = d.clock.now();
  if (now >= s.value.expiresAt) {
    await sessions.delete(key);
    throw new UnauthenticatedError('The Studio session has expired; sign in again.');
  }
  const u = await d.store.collection(usersSpec).get(s.value.userName);
  if (!u) throw new UnauthenticatedError('The Studio session is not valid: its user no longer exists.');
  let expiresAt = s.value.expiresAt;
  const slid = now + d.sessionTtlMs;
  if (slid - expiresAt >= slideResolutionMs) {
    try {
      await sessions.update(key, s.version, { ...s.value, expiresAt: slid });
      expiresAt = slid;
    } catch (e) {
      // A concurrent request slid it already, or the store cannot write now (the next request slides it).
      if (!isConflict(e) && !isUnavailable(e)) throw e;
    }
  }
  return { principal: principalOf(u.value, 'session'), csrfTokenHash: s.value.csrfTokenHash, expiresAt };
}

/** Ends a session (sign-out). Unknown sessions are ignored. */
export async function deleteSession(d: IdentityDeps, sessionId: string): Promise<void> {
  await d.store.collection(sessionsSpec).delete(sha256Hex(sessionId));
}

/** A one-time sign-in token for `userName`, valid `ttlSeconds`. Only its hash is stored. */
export async function createLoginLink(d: IdentityDeps, userName: string, ttlSeconds: number): Promise<string> {
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1) {
    throw new ValidationError(`A login link's lifetime must be a whole number of seconds, at least 1; got ${ttlSeconds}.`, [
      { path: '/ExpiresInSeconds', message: 'must be an integer ≥ 1' },
    ]);
  }
  await requireUser(d.store, userName);
  const token = newOpaqueToken();
  const now = d.clock.now();
  const rec: LoginLinkRecord = { linkHash: sha256Hex(token), userName, createdAt: now, expiresAt: now + ttlSeconds * 1000 };
  await d.store.collection(loginLinksSpec).insert(rec);
  return token;
}

/**
 * The user a login-link token would sign in, without using it (for the page that asks the user to
 * confirm the sign-in).
 *
 * @throws UnauthenticatedError saying whether the link is unknown, already used or expired.
 */
export async function inspectLoginLink(d: IdentityDeps, token: string): Promise<{ userName: string }> {
  const l = await d.store.collection(loginLinksSpec).get(sha256Hex(token));
  if (!l) throw new UnauthenticatedError('This sign-in link is not valid.');
  if (l.value.usedAt !== undefined) throw new UnauthenticatedError('This sign-in link has already been used; each link works once.');
  if (d.clock.now() >= l.value.expiresAt) throw new UnauthenticatedError('This sign-in link has expired.');
  return { userName: l.value.userName };
}

/**
 * Exchanges a login-link token for a new session. The link is marked used under optimistic
 * concurrency, so of two simultaneous uses exactly one wins.
 *
 * @throws UnauthenticatedError saying whether the link is unknown, already used or expired.
 */
export async function consumeLoginLink(d: IdentityDeps, token: string): Promise<NewSession> {
  const links = d.store.collection(loginLinksSpec);
  const key = sha256Hex(token);
  const l = await links.get(key);
  const used = new UnauthenticatedError('This sign-in link has already been used; each link works once.');
  if (!l) throw new UnauthenticatedError('This sign-in link is not valid.');
  if (l.value.usedAt !== undefined) throw used;
  const now = d.clock.now();
  if (now >= l.value.expiresAt) throw new UnauthenticatedError('This sign-in link has expired.');
  try {
    await links.update(key, l.version, { ...l.value, usedAt: now });
  } catch (e) {
    throw isConflict(e) ? used : e;
  }
  try {
    return await createSession(d, l.value.userName);
  } catch (e) {
    if (e instanceof Error && (e as { code?: string }).code === 'ResourceNotFound') {
      throw new UnauthenticatedError('This sign-in link is not valid: its user no longer exists.');
    }
    throw e;
  }
}

/** Deletes lapsed sessions and login links; returns how many. Run now and then; correctness does not depend on it. */
export async function purgeExpired(d: IdentityDeps): Promise<number> {
  const lapsed = [{ field: 'expiresAt' as const, op: 'lte' as const, value: d.clock.now() }];
  return (await deleteWhere(d.store.collection(sessionsSpec), lapsed)) + (await deleteWhere(d.store.collection(loginLinksSpec), lapsed));
}
