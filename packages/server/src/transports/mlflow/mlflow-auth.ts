import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { UnauthenticatedError, type Principal, type ResolvedAccessKey } from '@loam/core';
import { authenticateRest, CSRF_HEADER, type CredentialResolver } from '../../auth/authenticator.js';

/** What MLflow authentication needs from the identity capability. */
export interface MlflowCredentials extends CredentialResolver {
  resolveAccessKey(accessKeyId: string): Promise<ResolvedAccessKey | undefined>;
  recordAccessKeyUse(accessKeyId: string): Promise<void>;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

const refused = () => new UnauthenticatedError('Sign in with MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD (a Loam access key id and its secret) or MLFLOW_TRACKING_TOKEN (a Loam API token).');

/**
 * MLflow clients send `Basic base64(user:password)` when MLFLOW_TRACKING_USERNAME/PASSWORD are set
 * (here an access key id and its secret) or `Bearer <token>` with MLFLOW_TRACKING_TOKEN (a Loam API
 * token); Studio's session cookie (with its CSRF header) works too.
 */
export async function authenticateMlflow(req: FastifyRequest, creds: MlflowCredentials): Promise<Principal> {
  const auth = req.headers.authorization?.trim();
  const basic = auth ? /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(auth) : null;
  if (basic) {
    const text = Buffer.from(basic[1] as string, 'base64').toString('utf8');
    const colon = text.indexOf(':');
    if (colon < 1) throw refused();
    const id = text.slice(0, colon);
    const secret = text.slice(colon + 1);
    const key = await creds.resolveAccessKey(id);
    if (!key || key.status !== 'Active' || !sameText(key.secretAccessKey, secret)) throw refused();
    await creds.recordAccessKeyUse(id);
    return key.principal;
  }
  try {
    return await authenticateRest(
      { method: req.method, authorization: auth, cookies: req.cookies ?? {}, csrfHeader: req.headers[CSRF_HEADER] as string | undefined },
      creds,
    );
  } catch (e) {
    if ((e as { code?: string }).code === 'UnrecognizedClientException') throw refused();
    throw e;
  }
}
