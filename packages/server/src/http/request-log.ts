import type { FastifyRequest } from 'fastify';
import type { Logger as PinoLogger } from 'pino';

/**
 * Query parameters that are credentials: a presigned URL's signature, credential and session token
 * (valid for up to 7 days), and a Studio login link's one-time token (`/auth/login?token=`). Compared
 * case-insensitively (S3 accepts `x-amz-signature` as well).
 */
const SECRET_PARAMS = new Set(['x-amz-signature', 'x-amz-credential', 'x-amz-security-token', 'token']);
const REDACTED = '[REDACTED]';

function paramName(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' ')).toLowerCase();
  } catch {
    return raw.toLowerCase();
  }
}

/**
 * A request URL fit for a log: the value of every credential parameter is replaced by `[REDACTED]`;
 * the path and the other parameters are kept as sent.
 */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const [query, fragment] = splitOnce(url.slice(q + 1), '#');
  const parts = query.split('&').map((part) => {
    const [name] = splitOnce(part, '=');
    return SECRET_PARAMS.has(paramName(name)) ? `${name}=${REDACTED}` : part;
  });
  return `${url.slice(0, q)}?${parts.join('&')}${fragment === undefined ? '' : `#${fragment}`}`;
}

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}

/** Fastify's request log fields (as its default `req` serializer), with the URL's credentials redacted. */
export function requestLogValue(req: FastifyRequest): Record<string, unknown> {
  return {
    method: req.method,
    url: redactUrl(req.url),
    version: req.headers?.['accept-version'],
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}

/**
 * The logger the HTTP app logs requests with: the given one, with a `req` serializer that redacts
 * credentials from URLs (Fastify logs every request's URL at info level as `incoming request`).
 */
export function withRedactedRequests(logger: PinoLogger): PinoLogger {
  return logger.child({}, { serializers: { req: requestLogValue } });
}
