import { randomBytes, timingSafeEqual } from 'node:crypto';

// A model server listens on 127.0.0.1 in the machine's network, where every local process — another
// user's training job included — can connect. Loam's own model servers (built-in, the Python adapter)
// therefore answer /invocations only to requests carrying the secret their launcher gave them in their
// environment; /ping stays open (it tells nothing). A user's own server (a process image) is not Loam's
// code and cannot be made to check it: network isolation is the protection there (ADR 0018).
// The Python adapter (python/loam_model_server.py) spells both names itself.

/** The variable a model server finds its secret in (removed before a script-mode user's code loads). */
export const INSTANCE_SECRET_ENV = 'LOAM_INSTANCE_SECRET';
/** The request header that carries it. */
export const INSTANCE_SECRET_HEADER = 'x-loam-instance-secret';

/** A fresh secret for one model server. */
export function newInstanceSecret(): string {
  return randomBytes(24).toString('base64url');
}

/** Whether a request's header value is the secret (constant time; no secret set: every request passes). */
export function secretMatches(secret: string | undefined, given: string | string[] | undefined): boolean {
  if (!secret) return true;
  if (typeof given !== 'string') return false;
  const a = Buffer.from(secret);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
