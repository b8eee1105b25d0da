import type { FastifyInstance } from 'fastify';

/**
 * Makes the routes of this scope receive the raw body as a Buffer whatever its content type: a
 * signature covers the exact bytes, so nothing may parse them first. Fastify still enforces the body
 * limit.
 */
export function rawBodyParser(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
}
