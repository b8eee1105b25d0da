import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import type { Logger as PinoLogger } from 'pino';
import { restStatus } from '@loam/contracts';
import { echo, ValidationError } from '@loam/core';
import { AnswersInFlight } from './answers-in-flight.js';
import { hostAllowed, hostChecker } from './host-allowlist.js';
import { JsonBodyError, parseJsonBody } from './json-body.js';
import { InvocationLane, type LaneRoute } from './lane/invocation-lane.js';
import { checkRequestPath } from './path-guard.js';
import { toProblem, toWireError } from './problem.js';
import { settleUnreadBody } from './unread-body.js';

export interface AppOptions {
  readonly logger: PinoLogger | false;
  readonly allowedHosts: readonly string[];
  readonly boundHost: string;
  readonly bodyLimit: number;
  readonly trustProxy?: boolean;
  /** The invocation lane in front of Node's HTTP server (ADR 0016); default true. */
  readonly invocationLane?: boolean;
}

/**
 * A route answered on the Node server itself, before Fastify: it gets requests whose Host is allowed
 * (the same check as every route), with their request id, and returns false for a request it does
 * not take — Fastify then handles it as usual. For the few hot paths where Fastify's per-request
 * work (routing, hooks, content-type parsing, reply pipeline) costs more than the work itself: the
 * Runtime's InvokeEndpoint (ADR 0011). A fast route must run the same authentication and
 * authorization as its Fastify twin; `app.inject()` never reaches it, so it keeps that twin.
 */
export type FastRoute = (req: IncomingMessage, res: ServerResponse, requestId: string) => boolean;

const fastLanes = new WeakMap<FastifyInstance, FastRoute[]>();
const requestHandlers = new WeakMap<FastifyInstance, (req: IncomingMessage, res: ServerResponse) => void>();
const lanes = new WeakMap<FastifyInstance, InvocationLane>();
const badUrlAnswers = new WeakMap<FastifyInstance, BadUrlOwners>();

/** Answers a request whose path does not decode, in a transport's own error shape; `message` names the path. */
export type BadUrlAnswer = (reply: FastifyReply, message: string) => void;

/** The transports that answer such requests: by the request (S3's, whatever the path), else by path prefix. */
interface BadUrlOwners {
  readonly byRequest: [(req: FastifyRequest) => boolean, BadUrlAnswer][];
  readonly byPrefix: Map<string, BadUrlAnswer>;
}

const emptySegmentOwners = new WeakMap<FastifyInstance, ((req: FastifyRequest) => boolean)[]>();

/**
 * Lets the requests `owner` picks hold empty path segments (`/bucket/a//b`): S3's, whose path after the
 * bucket is an object key, and S3 keys may hold `//` (ADR 0020). Every other check of the request
 * path (checkRequestPath) still applies to them; the artifact store validates the key on its own.
 */
export function allowEmptySegments(app: FastifyInstance, owner: (req: FastifyRequest) => boolean): void {
  emptySegmentOwners.get(app)?.push(owner);
}

/**
 * Answers requests whose path does not decode (a percent-escape that is not UTF-8: `%FF`, an overlong or a
 * surrogate sequence) with `answer`: those under `owner` when it is a path prefix, those it picks when it is
 * a test of the request (checked first, as a route constraint is: S3 requests are S3's under any path). The
 * router refuses them before any route or scope, so a transport's own error handler never sees them.
 * Elsewhere they get the app's problem+json 400.
 */
export function onBadUrl(app: FastifyInstance, owner: string | ((req: FastifyRequest) => boolean), answer: BadUrlAnswer): void {
  const owners = badUrlAnswers.get(app);
  if (typeof owner === 'string') owners?.byPrefix.set(owner, answer);
  else owners?.byRequest.push([owner, answer]);
}

/** Adds a {@link FastRoute} to an app made by {@link buildHttpApp}; false when the app has no fast lane. */
export function addFastRoute(app: FastifyInstance, route: FastRoute): boolean {
  const routes = fastLanes.get(app);
  routes?.push(route);
  return routes !== undefined;
}

/**
 * Adds a route to the app's invocation lane (ADR 0016), which answers it on the connection itself,
 * before Node's HTTP server; false when the app has no lane (`invocationLane: false`). Requests the
 * lane leaves to Node still reach the app's fast routes and Fastify, so a lane route keeps a twin there.
 */
export function addLaneRoute(app: FastifyInstance, route: LaneRoute): boolean {
  const lane = lanes.get(app);
  lane?.addRoute(route);
  return lane !== undefined;
}

/** The app's invocation lane, if it has one (for stats and tests). */
export const invocationLaneOf = (app: FastifyInstance): InvocationLane | undefined => lanes.get(app);

export const requestIdOf = (req: { headers: Record<string, string | string[] | undefined> }): string => {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && /^[\w-]{8,64}$/.test(given) ? given : randomUUID();
};

/**
 * A second Node server answering exactly as the app's own (fast routes, then Fastify), for the
 * serving workers' internal socket (ADR 0015); undefined for an app not made by {@link buildHttpApp}.
 */
export function twinServer(app: FastifyInstance): Server | undefined {
  const handle = requestHandlers.get(app);
  if (!handle) return undefined;
  const server = createServer(handle);
  server.keepAliveTimeout = app.server.keepAliveTimeout;
  return server;
}

/**
 * The HTTP shell every transport is registered into: request ids, the Host allowlist, cookies, and
 * one error handler that answers problem+json (REST) — transports with another error shape (AWS JSON,
 * MLflow) set their own handler in their own scope.
 */
export function buildHttpApp(o: AppOptions): FastifyInstance {
  const fastRoutes: FastRoute[] = [];
  let requestHandler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  let lane: InvocationLane | undefined;
  const fastHost = hostAllowed(o.allowedHosts, o.boundHost);
  let closing = false;
  const answers = new AnswersInFlight();
  const badUrls: BadUrlOwners = { byRequest: [], byPrefix: new Map() };
  const app = Fastify({
    loggerInstance: o.logger === false ? undefined : o.logger,
    logger: o.logger === false ? false : undefined,
    bodyLimit: o.bodyLimit,
    trustProxy: o.trustProxy ?? false,
    genReqId: requestIdOf,
    // Fastify's own server (same defaults), with the fast routes in front; anything they do not take,
    // a refused Host and everything while closing go to Fastify.
    serverFactory: (handler: (req: IncomingMessage, res: ServerResponse) => void, opts: { keepAliveTimeout?: number; requestTimeout?: number; connectionTimeout?: number }) => {
      const handle = (req: IncomingMessage, res: ServerResponse): void => {
        answers.track(res);
        if (fastRoutes.length > 0 && !closing && fastHost(req.headers.host)) {
          const id = requestIdOf(req);
          for (const route of fastRoutes) if (route(req, res, id)) return;
        }
        handler(req, res);
      };
      requestHandler = handle;
      const server = createServer(handle);
      if (opts.keepAliveTimeout !== undefined) server.keepAliveTimeout = opts.keepAliveTimeout;
      if (opts.requestTimeout !== undefined) server.requestTimeout = opts.requestTimeout;
      if (opts.connectionTimeout !== undefined) server.setTimeout(opts.connectionTimeout);
      if (o.invocationLane !== false) lane = new InvocationLane(server, { hostAllowed: fastHost });
      return server;
    },
    requestIdHeader: false,
    return503OnClosing: true,
    // find-my-way's default (100 characters) refused a longer path parameter before validation, in
    // Fastify's own error shape (or as "No route" for GET): an ARN or a 120-character name in the path
    // never reached the message naming its member and limit. No route here has a regular-expression
    // parameter, which is what the limit guards; Node's header limit (16 KiB) bounds the URL.
    routerOptions: { maxParamLength: 16_384 },
    // Without this, a path that does not decode got Fastify's own {error, code: FST_ERR_BAD_URL} on every
    // transport: not MLflow's {error_code, message}, not problem+json.
    frameworkErrors: (error: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
      if (error.code !== 'FST_ERR_BAD_URL') return reply.code(error.statusCode ?? 400).send({ error: 'Bad Request', code: error.code, message: error.message, statusCode: error.statusCode ?? 400 });
      const path = (req.raw.url ?? '').split('?')[0] as string;
      const message = `The request path '${echo(path)}' is not valid: its percent-escapes do not decode to UTF-8.`;
      const picked = badUrls.byRequest.find(([picks]) => picks(req))?.[1];
      if (picked) return picked(reply, message);
      const owner = [...badUrls.byPrefix.keys()].filter((p) => path === p || path.startsWith(`${p}/`)).sort((a, b) => b.length - a.length)[0];
      if (owner !== undefined) return (badUrls.byPrefix.get(owner) as BadUrlAnswer)(reply, message);
      return reply.code(400).type('application/problem+json').send(toProblem(toWireError(new ValidationError(message)), req.id, path));
    },
  } as Parameters<typeof Fastify>[0]) as unknown as FastifyInstance;

  fastLanes.set(app, fastRoutes);
  badUrlAnswers.set(app, badUrls);
  emptySegmentOwners.set(app, []);
  if (requestHandler) requestHandlers.set(app, requestHandler);
  if (lane) lanes.set(app, lane);
  app.addHook('preClose', async () => {
    closing = true;
    lanes.get(app)?.close();
    // Answers still going out end their connections (Node's close ends only idle ones).
    answers.closeConnectionsAfterAnswers();
  });
  const checkHost = hostChecker(o.allowedHosts, o.boundHost);
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
    checkHost(req.headers.host);
    checkRequestPath(req.raw.url ?? req.url, { emptySegments: emptySegmentOwners.get(app)?.some((owner) => owner(req)) ?? false });
  });
  // An answer sent before the body was read to its end (an error mid-upload): the rest flows away and
  // a closing connection lingers, so the client reads the answer instead of a reset.
  app.addHook('onSend', async (req, reply, payload) => {
    settleUnreadBody(req.raw, reply.raw);
    return payload;
  });
  void app.register(cookie);
  // JSON bodies: invalid UTF-8, deep nesting and prototype keys are refused naming the offset or key
  // (Fastify's own parser answers only "not valid JSON", and deep bodies reached a stack overflow later).
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body: Buffer, done) => {
    if (body.length === 0) return done(new JsonBodyError('The request body is not valid JSON: it is empty.'), undefined);
    try {
      done(null, parseJsonBody(body));
    } catch (e) {
      done(e as Error, undefined);
    }
  });

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
