import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import type { Logger as PinoLogger } from 'pino';
import { restStatus } from '@loam/contracts';
import { hostChecker } from './host-allowlist.js';
import { checkRequestPath } from './path-guard.js';
import { toProblem, toWireError } from './problem.js';

export interface AppOptions {
  readonly logger: PinoLogger | false;
  readonly allowedHosts: readonly string[];
  readonly boundHost: string;
  readonly bodyLimit: number;
  readonly trustProxy?: boolean;
}

/**
 * The HTTP shell every transport is registered into: request ids, the Host allowlist, cookies, and
 * one error handler that answers problem+json (REST) — transports with another error shape (AWS JSON,
 * MLflow) set their own handler in their own scope.
 */
export function buildHttpApp(o: AppOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: o.logger === false ? undefined : o.logger,
    logger: o.logger === false ? false : undefined,
    bodyLimit: o.bodyLimit,
    trustProxy: o.trustProxy ?? false,
    genReqId: (req: { headers: Record<string, string | string[] | undefined> }) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w-]{8,64}$/.test(given) ? given : randomUUID();
    },
    requestIdHeader: false,
    return503OnClosing: true,
  } as Parameters<typeof Fastify>[0]) as unknown as FastifyInstance;

  const checkHost = hostChecker(o.allowedHosts, o.boundHost);
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
    checkHost(req.headers.host);
    checkRequestPath(req.raw.url ?? req.url);
  });
  void app.register(cookie);

  app.setErrorHandler((error, req, reply) => {
    const w = toWireError(error);
    if (w.internal) req.log.error({ err: error }, 'request failed');
    const problem = toProblem(w, req.id, req.url.split('?')[0]);
    void reply.code(restStatus[w.code]).type('application/problem+json').send(problem);
  });
  app.setNotFoundHandler((req, reply) => {
    void reply
      .code(404)
      .type('application/problem+json')
      .send({ type: 'https://loam.dev/errors/NotFound', title: 'Not found', status: 404, code: 'ResourceNotFound', detail: `No route ${req.method} ${req.url.split('?')[0]}.`, requestId: req.id });
  });
  return app;
}
