import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ArtifactProxyAccess, echoEscaped, isLoamError, resourceArn, TrackingAccess, validateFilePath, validateKeyPrefix, validateObjectKey, ValidationError, type Partition, type Principal, type TrackingService } from '@loam/core';
import { onBadUrl } from '../../http/build-app.js';
import { JsonBodyError, parseJsonBody } from '../../http/json-body.js';
import { sendStoreBody } from '../../http/store-body.js';
import { USER_CONTENT_HEADERS } from '../../http/user-content-headers.js';
import type { DataAccessAuthorizer } from '../../operations/data-access-check.js';
import type { Authorizer } from '../../operations/dispatcher.js';
import { authenticateMlflow, type MlflowCredentials } from './mlflow-auth.js';
import { toMlflowError } from './mlflow-errors.js';
import { parseMlflowJson, stringifyMlflowJson } from './mlflow-json.js';
import { trackingRoutes, type MlflowRoute } from './mlflow-tracking.routes.js';
import { fileJson, Message } from './mlflow-wire.js';

export interface MlflowTransportDeps {
  readonly tracking: TrackingService;
  readonly credentials: MlflowCredentials;
  readonly authorize: Authorizer;
  /** The caller's S3 permissions on a location a request names (an experiment's `s3://` artifact location). */
  readonly authorizeData: DataAccessAuthorizer;
  readonly partition: Partition;
  readonly defaultBodyLimit: number;
  /** Largest artifact upload through the proxy, in bytes. Default 5 GiB. */
  readonly artifactBodyLimit?: number;
  /** How long a download client may take no byte of an artifact before its answer is cut off (http/store-body.ts); never when absent. */
  readonly stalledClientMs?: number;
  /** More MLflow endpoints served the same way (the model registry's, from the registry capability). */
  readonly extraRoutes?: readonly MlflowRoute[];
}

/** MLflow's two prefixes: the REST API and the one its web UI calls. */
export const MLFLOW_PREFIXES = ['/api/2.0/mlflow', '/ajax-api/2.0/mlflow'] as const;
export const MLFLOW_ARTIFACT_PREFIXES = ['/api/2.0/mlflow-artifacts', '/ajax-api/2.0/mlflow-artifacts'] as const;

/**
 * A POST's fields, read as MLflow's handlers read a request (_get_request_message): no body or `null` is an
 * empty message, a JSON string is a message its client encoded twice (older clients), and anything else
 * that is not an object — an array, a number — is refused rather than served as an empty message.
 */
function messageOf(body: unknown): Record<string, unknown> {
  const value = typeof body === 'string' ? parseJsonBody(body, parseMlflowJson) : body;
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new JsonBodyError(`The request body is a JSON ${Array.isArray(value) ? 'array' : typeof value}, not an object: an MLflow request is a JSON object of the endpoint's fields.`);
  }
  return value as Record<string, unknown>;
}

function send(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).type('application/json').send(stringifyMlflowJson(body));
}

/** MLflow-shaped errors and JSON for every route of a scope. */
function mlflowScope(scope: FastifyInstance, jsonBodies: boolean): void {
  scope.setErrorHandler((error, req, reply) => {
    const e = toMlflowError(error);
    if (e.internal) req.log.error({ err: error }, 'mlflow request failed');
    if (e.status === 401) void reply.header('www-authenticate', 'Basic realm="mlflow"');
    void send(reply, e.status, e.body);
  });
  const notFound = (req: FastifyRequest, reply: FastifyReply) => send(reply, 404, { error_code: 'ENDPOINT_NOT_FOUND', message: `No MLflow endpoint ${req.method} ${req.url.split('?')[0]}.` });
  scope.setNotFoundHandler((req, reply) => void notFound(req, reply));
  // A route of its own, not only the not-found handler: Studio's catch-all GET /* would otherwise take
  // unknown GETs (its HTML, or the app's problem+json 404), where MLflow answers ENDPOINT_NOT_FOUND.
  scope.all('/*', async (req, reply) => notFound(req, reply));
  if (jsonBodies) {
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body: Buffer, done) => {
      try {
        done(null, parseJsonBody(body, parseMlflowJson));
      } catch (e) {
        done(e as Error, undefined);
      }
    });
  }
}

/**
 * MLflow's REST API 2.0 and its artifact proxy, so stock MLflow clients log to Loam with a tracking
 * URI and credentials. Each request authenticates itself, is authorized as `sagemaker:<Action>` on an
 * `mlflow-experiment/<id>` or `mlflow-run/<id>` resource, and answers MLflow's JSON and error codes.
 */
export function registerMlflowTransport(app: FastifyInstance, deps: MlflowTransportDeps): void {
  const arn = (r: { kind: string; id: string | undefined } | '*') => (r === '*' || !r.id ? '*' : resourceArn(deps.partition, r.kind, r.id));
  // Authenticated in the route's onRequest hook, before its body is parsed: a request without credentials
  // is answered 401 whatever its body, not 400 for a body that is not JSON.
  const principals = new WeakMap<FastifyRequest, Principal>();
  const authenticate = async (req: FastifyRequest): Promise<void> => {
    principals.set(req, await authenticateMlflow(req, deps.credentials));
  };
  const guard = async (req: FastifyRequest, action: string, resource: string): Promise<Principal> => {
    const principal = principals.get(req) ?? await authenticateMlflow(req, deps.credentials);
    await deps.authorize(principal, `sagemaker:${action}`, resource);
    return principal;
  };
  const routes = [...trackingRoutes(deps.tracking, new TrackingAccess(deps.tracking, deps.authorize, deps.partition)), ...(deps.extraRoutes ?? [])];
  for (const prefix of MLFLOW_PREFIXES) {
    void app.register(async (scope) => {
      mlflowScope(scope, true);
      for (const r of routes) {
        scope.route({
          method: [...r.methods],
          url: `/${r.path}`,
          bodyLimit: Math.min(r.bodyLimit ?? deps.defaultBodyLimit, deps.defaultBodyLimit),
          onRequest: authenticate,
          handler: async (req, reply) => {
            const m = new Message(req.method === 'GET' ? (req.query as Record<string, unknown>) : messageOf(req.body));
            const principal = await guard(req, r.action, arn(r.resource(m)));
            for (const access of r.dataAccess?.(m) ?? []) await deps.authorizeData(principal, access);
            return send(reply, 200, await r.handle(m, principal));
          },
        });
      }
    }, { prefix });
  }
  for (const prefix of MLFLOW_ARTIFACT_PREFIXES) void app.register((scope) => artifactProxy(scope, deps), { prefix });
  // A path whose percent-escapes do not decode (%FF, an overlong or surrogate sequence) never reaches a route.
  for (const prefix of [...MLFLOW_PREFIXES, ...MLFLOW_ARTIFACT_PREFIXES]) onBadUrl(app, prefix, (reply, message) => void send(reply, 400, { error_code: 'INVALID_PARAMETER_VALUE', message }));
}

/**
 * Checks a proxy path as the caller wrote it, as an object key (or, for a listing, a folder), so that a
 * refusal names the artifact path (`..`, NUL, a backslash, an empty segment…) rather than the store's key.
 */
function checkProxyPath(path: string, folder: boolean): void {
  try {
    if (folder) validateKeyPrefix(path === '' ? '' : `${path}/`, '/path');
    else validateObjectKey(path, '/path');
    validateFilePath(path, '/path', folder);
  } catch (e) {
    if (!isLoamError(e) || e.code !== 'ValidationException') throw e;
    const reason = e.fields[0]?.message ?? e.message;
    throw new ValidationError(`Invalid artifact path '${echoEscaped(path)}': ${reason}.`, [{ path: '/path', message: reason }]);
  }
}

/**
 * `mlflow-artifacts`: upload (PUT), download (GET), list (GET without a path) and delete. A proxy path
 * belongs to the run whose folder holds it (`<experiment's location>/<run>/…`), else to the experiments
 * whose artifact location holds it — not to its first segment, since a location may be any
 * `mlflow-artifacts:/<path>` — and the action is checked on each owner (ArtifactProxyAccess); listings
 * of folders no run holds answer only what the caller may list.
 */
async function artifactProxy(scope: FastifyInstance, deps: MlflowTransportDeps): Promise<void> {
  mlflowScope(scope, false);
  const art = deps.tracking.artifacts;
  // Uploads are streamed to the artifact store whatever their type (a .json artifact included).
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
  /** Authenticates the caller; owners are checked by the ArtifactProxyAccess returned. */
  const accessFor = async (req: FastifyRequest): Promise<ArtifactProxyAccess> => {
    const principal = await authenticateMlflow(req, deps.credentials);
    return new ArtifactProxyAccess(deps.tracking, deps.authorize, deps.partition, principal);
  };
  const authorized = async (req: FastifyRequest, action: string, path: string) => {
    const access = await accessFor(req);
    checkProxyPath(path, false);
    const ref = art.proxyRef(path);
    await access.check(`sagemaker:${action}`, path, ref);
    return ref;
  };
  const pathOf = (req: FastifyRequest) => ((req.params as Record<string, string>)['*'] ?? '').replace(/^\/+/, '');

  scope.get('/artifacts', async (req, reply) => {
    const path = (new Message((req.query ?? {}) as Record<string, unknown>).str('path') ?? '').replace(/^\/+|\/+$/g, '');
    const access = await accessFor(req);
    checkProxyPath(path, true);
    const files = await access.listing('sagemaker:ListMlflowArtifacts', path, (folder) => art.list(folder, ''));
    return send(reply, 200, { files: files.map(fileJson) });
  });
  scope.get('/artifacts/*', async (req, reply) => {
    const ref = await authorized(req, 'GetMlflowArtifact', pathOf(req));
    const { info, body } = await art.get(ref);
    return sendStoreBody(reply.code(200).type(info.contentType ?? 'application/octet-stream').header('content-length', info.size).headers(USER_CONTENT_HEADERS), body, deps.stalledClientMs);
  });
  scope.put('/artifacts/*', { bodyLimit: deps.artifactBodyLimit ?? 5 * 1024 ** 3 }, async (req, reply) => {
    const ref = await authorized(req, 'PutMlflowArtifact', pathOf(req));
    const body = (req.body ?? Buffer.alloc(0)) as Readable | Buffer;
    await art.put(ref, body, req.headers['content-type']);
    return send(reply, 200, {});
  });
  scope.delete('/artifacts/*', async (req, reply) => {
    const ref = await authorized(req, 'DeleteMlflowArtifact', pathOf(req));
    await art.delete(ref);
    return send(reply, 200, {});
  });
}
