import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline, Readable } from 'node:stream';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { resourceArn, ValidationError, type Partition, type Principal } from '@loam/core';
import { authenticateRest, CSRF_HEADER, SESSION_COOKIE, type CredentialResolver } from '../../auth/authenticator.js';
import type { AccessKeyResolver } from '../../auth/sigv4/sigv4-verify.js';
import { addFastRoute, addLaneRoute, onBadUrl, requestIdOf } from '../../http/build-app.js';
import type { LaneHeaders, LaneReply, LaneRoute } from '../../http/lane/invocation-lane.js';
import type { Authorizer } from '../../operations/dispatcher.js';
import { rawBodyParser } from './aws-json-body.js';
import { toAwsWireError } from './aws-errors.js';
import { placeholderInvokers, type EndpointInvoker, type InvocationRequest, type InvocationResult } from './endpoint-invoker.js';
import { verifySageMakerRequest } from './sigv4-request.js';

/** SageMaker Runtime's payload limit for real-time inference. */
export const INVOCATION_BODY_LIMIT = 6 * 1024 * 1024;

export interface RuntimeTransportDeps {
  readonly keys: AccessKeyResolver;
  readonly tokens: CredentialResolver;
  readonly authorize: Authorizer;
  readonly partition: Partition;
  /** Looked up per request until it returns a real invoker (not a placeholder), which is then kept. */
  readonly invoker: () => EndpointInvoker;
}

type Headers = Readonly<Record<string, string | string[] | undefined>>;

/** One InvokeEndpoint as it arrived over HTTP, through Fastify, the fast route or the invocation lane. */
interface HttpInvocation {
  readonly method: string;
  readonly rawUrl: string;
  readonly headers: Headers;
  readonly rawHeaders: readonly string[];
  /** Parsed cookies (Fastify route only: the fast route leaves cookie-only requests to it). */
  readonly cookies: Readonly<Record<string, string | undefined>> | undefined;
  readonly endpointName: string;
  readonly body: Buffer;
  readonly requestId: string;
}

interface RuntimeWireError {
  readonly status: number;
  readonly code: string;
  readonly json: string;
  readonly internal: boolean;
}

/** Runtime's REST-JSON errors: the code in `x-amzn-ErrorType`, `{"message"}` in the body. */
function runtimeWireError(e: unknown): RuntimeWireError {
  const w = toAwsWireError(e);
  // Runtime has no ResourceNotFound or ValidationException: both are its ValidationError.
  const code = w.code === 'ResourceNotFound' || w.code === 'ValidationException' ? 'ValidationError' : w.code;
  const status = code === 'ValidationError' ? 400 : w.status;
  return { status, code, json: JSON.stringify({ message: w.message, ...(w.fields ?? {}) }), internal: w.internal };
}

function sendRuntimeError(e: unknown, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const w = runtimeWireError(e);
  if (w.internal) req.log.error({ err: e }, 'request failed');
  return reply.code(w.status).header('x-amzn-errortype', w.code).header('x-amzn-requestid', req.id).type('application/json').send(w.json);
}

const BEARER = /^Bearer\s/i;
const str = (v: string | string[] | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

function invocationRequest(endpointName: string, body: Buffer, h: Headers): InvocationRequest {
  const r: { -readonly [K in keyof InvocationRequest]: InvocationRequest[K] } = { endpointName, body };
  const ct = str(h['content-type']);
  if (ct !== undefined) r.contentType = ct;
  const accept = str(h.accept);
  if (accept !== undefined) r.accept = accept;
  // The rarely sent ones, by name.
  for (const [k, name] of optionalHeaders) {
    const v = str(h[name]);
    if (v !== undefined) r[k] = v;
  }
  return r;
}

const optionalHeaders: readonly (readonly [Exclude<keyof InvocationRequest, 'endpointName' | 'body' | 'contentType' | 'accept'>, string])[] = [
  ['customAttributes', 'x-amzn-sagemaker-custom-attributes'],
  ['targetModel', 'x-amzn-sagemaker-target-model'],
  ['targetVariant', 'x-amzn-sagemaker-target-variant'],
  ['targetContainerHostname', 'x-amzn-sagemaker-target-container-hostname'],
  ['inferenceId', 'x-amzn-sagemaker-inference-id'],
  ['enableExplanations', 'x-amzn-sagemaker-enable-explanations'],
  ['inferenceComponentName', 'x-amzn-sagemaker-inference-component'],
];

/** What the transport keeps between requests: endpoint ARNs by name, and the invoker once a real one is registered. */
interface RuntimeCache {
  arnOf(name: string): string;
  invoker(): EndpointInvoker;
}

function runtimeCache(deps: RuntimeTransportDeps): RuntimeCache {
  const arns = new Map<string, string>();
  let invoker: EndpointInvoker | undefined;
  return {
    arnOf(name) {
      let arn = arns.get(name);
      if (arn === undefined) {
        if (arns.size >= 10_000) arns.clear();
        arns.set(name, (arn = resourceArn(deps.partition, 'endpoint', name)));
      }
      return arn;
    },
    invoker() {
      if (invoker !== undefined) return invoker;
      const found = deps.invoker();
      if (!placeholderInvokers.has(found)) invoker = found;
      return found;
    },
  };
}

/**
 * Authenticates (bearer token, Studio session or SigV4), authorizes `sagemaker:InvokeEndpoint` on the
 * endpoint's ARN, and asks the invoker. Both the Fastify route and the fast route come here, so they
 * refuse and answer alike.
 */
function invokeOverHttp(deps: RuntimeTransportDeps, c: RuntimeCache, r: HttpInvocation): Promise<InvocationResult> {
  const auth = r.headers.authorization;
  // A Studio session (cookie + X-CSRF-Token) may test-invoke too; SigV4 otherwise.
  const session = !auth && r.cookies?.[SESSION_COOKIE] !== undefined;
  const principal: Promise<Principal> =
    (typeof auth === 'string' && BEARER.test(auth)) || session
      ? authenticateRest({ method: r.method, authorization: auth, cookies: session ? (r.cookies as Record<string, string | undefined>) : {}, csrfHeader: str(r.headers[CSRF_HEADER]) }, deps.tokens)
      : verifySageMakerRequest({ method: r.method, url: r.rawUrl, raw: { url: r.rawUrl, rawHeaders: r.rawHeaders } }, r.body, deps.keys);
  return principal.then(async (p) => {
    await deps.authorize(p, 'sagemaker:InvokeEndpoint', c.arnOf(r.endpointName));
    return c.invoker().invokeEndpoint(invocationRequest(r.endpointName, r.body, r.headers), { principal: p, requestId: r.requestId });
  });
}

const asBuffer = (b: Uint8Array): Buffer => (Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength));

/** The headers of a successful answer (content-length aside). */
function answerHeaders(requestId: string, out: InvocationResult): Record<string, string | number> {
  const headers: Record<string, string | number> = { 'content-type': out.contentType ?? 'application/octet-stream', 'x-amzn-requestid': requestId, 'x-request-id': requestId };
  if (out.invokedProductionVariant !== undefined) headers['x-amzn-invoked-production-variant'] = out.invokedProductionVariant;
  if (out.customAttributes !== undefined) headers['x-amzn-sagemaker-custom-attributes'] = out.customAttributes;
  return headers;
}

/** A failed invocation's answer (logged when it is Loam's own fault). */
function errorAnswer(requestId: string, e: unknown, log: FastifyBaseLogger): { status: number; headers: LaneHeaders; json: string } {
  const w = runtimeWireError(e);
  if (w.internal) log.error({ err: e, reqId: requestId }, 'request failed');
  return { status: w.status, json: w.json, headers: { 'content-type': 'application/json; charset=utf-8', 'x-amzn-errortype': w.code, 'x-amzn-requestid': requestId, 'x-request-id': requestId } };
}

/** `POST /endpoints/<name>/invocations` exactly (names are `[a-zA-Z0-9-]`, up to 63): nothing for the path guard to refuse. */
const INVOKE_PATH = /^\/endpoints\/([A-Za-z0-9-]{1,63})\/invocations$/;
const TOO_LARGE = { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 };

/** No (or an empty) Authorization with a cookie: a Studio session, for the Fastify route and its CSRF check. */
const studioSession = (h: Headers): boolean => !h['authorization'] && h['cookie'] !== undefined;

/**
 * InvokeEndpoint on the Node server, before Fastify (ADR 0011): the same authentication,
 * authorization, invoker and error shapes as the Fastify route, without its per-request routing,
 * hooks, body parser and reply pipeline. A request with only a cookie (a Studio session) goes to the
 * Fastify route, which parses cookies.
 */
function runtimeFastRoute(deps: RuntimeTransportDeps, c: RuntimeCache, log: FastifyBaseLogger, handOff?: HandOff) {
  const fail = (res: ServerResponse, requestId: string, e: unknown): void => {
    const w = errorAnswer(requestId, e, log);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(w.status, { ...w.headers, 'content-length': Buffer.byteLength(w.json) });
    res.end(w.json);
  };
  const answer = (res: ServerResponse, requestId: string, out: InvocationResult): void => {
    const headers = answerHeaders(requestId, out);
    if (out.body instanceof Readable) {
      res.writeHead(200, headers);
      // pipeline destroys the model's stream when the caller goes away, and the response when the stream fails.
      pipeline(out.body, res, () => undefined);
      return;
    }
    const body = asBuffer(out.body);
    headers['content-length'] = body.length;
    res.writeHead(200, headers);
    res.end(body);
  };

  return (req: IncomingMessage, res: ServerResponse, requestId: string): boolean => {
    if (req.method !== 'POST') return false;
    const rawUrl = req.url ?? '';
    const m = INVOKE_PATH.exec(rawUrl);
    if (!m) return false;
    const headers = req.headers;
    if (studioSession(headers)) return false;
    const length = headers['content-length'];
    if (length !== undefined && Number(length) > INVOCATION_BODY_LIMIT) {
      fail(res, requestId, TOO_LARGE); // before reading a byte of it
      return true;
    }
    const endpointName = m[1] as string;
    let first: Buffer | undefined;
    let chunks: Buffer[] | undefined;
    let size = 0;
    let refused = false;
    req.on('data', (c: Buffer) => {
      if (refused) return;
      size += c.length;
      if (size > INVOCATION_BODY_LIMIT) {
        refused = true;
        first = undefined;
        chunks = undefined;
        fail(res, requestId, TOO_LARGE);
      } else if (first === undefined) first = c;
      else (chunks ??= [first]).push(c);
    });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      if (refused) return;
      const body = chunks ? Buffer.concat(chunks, size) : (first ?? Buffer.alloc(0));
      // `answer` can throw too (a header Node refuses, an unexpected body): that is a failed request, not a crash.
      invokeOverHttp(deps, c, { method: 'POST', rawUrl, headers, rawHeaders: req.rawHeaders, cookies: undefined, endpointName, body, requestId })
        .then((out) => answer(res, requestId, out))
        .catch((e: unknown) => {
          if (handOff && e instanceof HandOffError) handOff(req, res, body, e.message);
          else fail(res, requestId, e);
        });
    });
    return true;
  };
}

/**
 * InvokeEndpoint on the invocation lane (ADR 0016), for requests read without Node's HTTP server:
 * the same checks, invoker and answers as the fast route. A body over the limit is left to Node's
 * server (the fast route answers 413 without reading it), as is a Studio session's cookie-only request.
 * With `handOff`, a {@link HandOffError} gives the request back to Node's server of this process
 * (whose fast route then passes it on).
 */
function runtimeLaneRoute(deps: RuntimeTransportDeps, c: RuntimeCache, log: FastifyBaseLogger, handOff: boolean): LaneRoute {
  const fail = (reply: LaneReply, requestId: string, e: unknown): void => {
    const w = errorAnswer(requestId, e, log);
    reply.send(w.status, w.headers, w.json);
  };
  return {
    accepts: (h) => h.method === 'POST' && INVOKE_PATH.test(h.url) && !studioSession(h.headers) && h.contentLength <= INVOCATION_BODY_LIMIT,
    handle(h, body, reply) {
      const endpointName = (INVOKE_PATH.exec(h.url) as RegExpExecArray)[1] as string;
      const requestId = requestIdOf(h);
      invokeOverHttp(deps, c, { method: 'POST', rawUrl: h.url, headers: h.headers, rawHeaders: h.rawHeaders, cookies: undefined, endpointName, body, requestId })
        .then((out) => {
          const headers = answerHeaders(requestId, out);
          if (out.body instanceof Readable) reply.stream(200, headers, out.body);
          else reply.send(200, headers, asBuffer(out.body));
        })
        .catch((e: unknown) => {
          if (handOff && e instanceof HandOffError) reply.handOff();
          else fail(reply, requestId, e);
        });
    },
  };
}

/**
 * Thrown by a dependency of the fast route (a credential lookup, the invoker) when this process cannot
 * answer the request itself: a serving worker then hands it, body and all, to the main server.
 */
export class HandOffError extends Error {
  override readonly name = 'HandOffError';
}

/** Passes a request the fast route read but did not answer (its body already read) to another server. */
export type HandOff = (req: IncomingMessage, res: ServerResponse, body: Buffer, reason: string) => void;

/**
 * The Runtime's fast route outside a Fastify app (a serving worker's own HTTP server, ADR 0015): the
 * same reading, authentication, authorization, invocation and answers; a {@link HandOffError} from
 * `deps` passes the request to `handOff`. Returns false for requests it does not take.
 */
export function createRuntimeFastRoute(deps: RuntimeTransportDeps, log: FastifyBaseLogger, handOff: HandOff): (req: IncomingMessage, res: ServerResponse, requestId: string) => boolean {
  return runtimeFastRoute(deps, runtimeCache(deps), log, handOff);
}

/** The Runtime's invocation-lane route outside a Fastify app (a serving worker); a {@link HandOffError} gives the request to that server's Node side. */
export function createRuntimeLaneRoute(deps: RuntimeTransportDeps, log: FastifyBaseLogger): LaneRoute {
  return runtimeLaneRoute(deps, runtimeCache(deps), log, true);
}

/**
 * SageMaker Runtime's `InvokeEndpoint` at `POST /endpoints/{EndpointName}/invocations`, reachable with
 * SigV4 (signing name `sagemaker`, as the SDKs sign Runtime) or a Loam bearer token. The caller must be
 * allowed `sagemaker:InvokeEndpoint` on the endpoint's ARN; the model itself answers through the
 * EndpointInvoker. Served by a fast route on the app's Node server where it has one, and by a Fastify
 * route (for `inject()`, Studio sessions, and anything the fast route does not take).
 */
export function registerRuntimeTransport(app: FastifyInstance, deps: RuntimeTransportDeps): void {
  const cache = runtimeCache(deps);
  addFastRoute(app, runtimeFastRoute(deps, cache, app.log));
  addLaneRoute(app, runtimeLaneRoute(deps, cache, app.log, false));
  // Fastify's router refuses a path that does not decode before any scope sees it: answered in Runtime's shape too.
  onBadUrl(app, '/endpoints', (reply, message) => void sendRuntimeError(new ValidationError(message, [{ path: '/path', message: 'percent-escapes that do not decode to UTF-8' }]), reply.request, reply));
  void app.register(async (scope) => {
    rawBodyParser(scope);
    scope.setErrorHandler((error, req, reply) => sendRuntimeError(error, req, reply));
    scope.route({
      method: 'POST',
      url: '/endpoints/:EndpointName/invocations',
      bodyLimit: INVOCATION_BODY_LIMIT,
      handler: async (req, reply) => {
        const out = await invokeOverHttp(deps, cache, {
          method: req.method,
          rawUrl: req.raw.url ?? req.url,
          headers: req.headers,
          rawHeaders: req.raw.rawHeaders,
          cookies: req.cookies,
          endpointName: (req.params as { EndpointName: string }).EndpointName,
          body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
          requestId: req.id,
        });
        void reply.code(200).header('x-amzn-requestid', req.id).type(out.contentType ?? 'application/octet-stream');
        if (out.invokedProductionVariant !== undefined) void reply.header('x-amzn-invoked-production-variant', out.invokedProductionVariant);
        if (out.customAttributes !== undefined) void reply.header('x-amzn-sagemaker-custom-attributes', out.customAttributes);
        return reply.send(out.body instanceof Uint8Array ? asBuffer(out.body) : out.body);
      },
    });
  });
}
