import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sageMakerService, type AwsService, type Operation } from '@loam/contracts';
import type { AccessKeyResolver } from '../../auth/sigv4/sigv4-verify.js';
import { JsonBodyError, parseJsonBody } from '../../http/json-body.js';
import type { Dispatch } from '../../operations/dispatcher.js';
import { rawBodyParser } from './aws-json-body.js';
import { AwsProtocolError, asSageMakerNotFound, asServiceError, toAwsWireError } from './aws-errors.js';
import { verifySignedBodyRequest } from '../../auth/sigv4/sigv4-signed-body.js';
import { isQueryRequest, queryErrorCode } from '../aws-query/aws-query.routes.js';
import { servedServices, unservedService, unservedServiceMessage } from './unserved-service.js';

export const AWS_JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';

export interface AwsJsonTransportDeps {
  readonly operations: readonly Operation[];
  readonly dispatch: Dispatch;
  readonly keys: AccessKeyResolver;
  readonly defaultBodyLimit: number;
  /** Answers AWS query-protocol requests (a form body, no X-Amz-Target), which share `POST /`. */
  readonly query?: (req: FastifyRequest, reply: FastifyReply, body: Buffer) => Promise<FastifyReply>;
}

/** Sends an error as the AWS JSON protocol does: `{"__type", "message"}` with the code's status. */
export function sendAwsJsonError(e: unknown, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const w = toAwsWireError(e);
  if (w.internal) req.log.error({ err: e }, 'request failed');
  return reply
    .code(w.status)
    .header('x-amzn-requestid', req.id)
    .type(AWS_JSON_CONTENT_TYPE)
    .send(JSON.stringify({ __type: w.code, message: w.message }));
}

/** A service reachable over AWS JSON: its target prefix, JSON version, and (for a query service's JSON face) query-compatible errors. */
export interface AwsJsonEntry {
  readonly service: AwsService;
  readonly targetPrefix: string;
  readonly contentType: string;
  /** `awsQueryCompatible`: errors also carry the query protocol's code in `x-amzn-query-error`. */
  readonly queryCompatible: boolean;
  readonly ops: Map<string, Operation>;
}

/**
 * The services the table's `aws` operations belong to, by target prefix, each with its operations by name:
 * JSON services, and query services that have a JSON face (CloudWatch's `GraniteServiceVersion20100801`).
 */
export function awsJsonServices(operations: readonly Operation[]): Map<string, AwsJsonEntry> {
  const services = new Map<string, AwsJsonEntry>();
  for (const op of operations.filter((o) => o.aws)) {
    const service = op.awsService ?? sageMakerService;
    const face = service.protocol === 'json' ? { targetPrefix: service.targetPrefix, jsonVersion: '1.1' } : service.json;
    if (!face) continue;
    const entry = services.get(face.targetPrefix) ?? {
      service, targetPrefix: face.targetPrefix, contentType: `application/x-amz-json-${face.jsonVersion}`, queryCompatible: service.protocol === 'query', ops: new Map<string, Operation>(),
    };
    if (entry.service !== service) throw new Error(`Two AWS services share the target prefix '${face.targetPrefix}'.`);
    entry.ops.set(op.name, op);
    services.set(face.targetPrefix, entry);
  }
  return services;
}

/**
 * An error of a query service's JSON face (`awsQueryCompatible`): `{"__type", "message"}` in the service's
 * JSON version, and `x-amzn-query-error: <query code>;Sender|Receiver`, which botocore takes the code from.
 */
function sendQueryCompatibleError(e: unknown, entry: AwsJsonEntry, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const w = toAwsWireError(asServiceError(entry.service, e));
  if (w.internal) req.log.error({ err: e }, 'request failed');
  const code = queryErrorCode(w.code);
  return reply
    .code(w.status)
    .header('x-amzn-requestid', req.id)
    .header('x-amzn-query-error', `${code};${w.status >= 500 ? 'Receiver' : 'Sender'}`)
    .type(entry.contentType)
    .send(JSON.stringify({ __type: code, message: w.message }));
}

/** The service an `X-Amz-Target: <target prefix>.<operation>` header names, if Loam serves it. */
function serviceOf(services: ReadonlyMap<string, AwsJsonEntry>, target: string | string[] | undefined): AwsJsonEntry | undefined {
  const dot = typeof target === 'string' ? target.indexOf('.') : -1;
  return typeof target === 'string' && dot > 0 ? services.get(target.slice(0, dot)) : undefined;
}

/**
 * The AWS JSON 1.1 protocol at `POST /`: every operation of the table marked `aws` is reachable as
 * `X-Amz-Target: <target prefix>.<name>` of its service (`SageMaker.` by default,
 * `AnyScaleFrontendService.` for Application Auto Scaling), signed with SigV4 for that service's signing
 * name, and runs through the same dispatcher as REST (authorize → validate → handler). Errors carry the
 * service's own exception names. Nothing here is per-operation.
 */
export function registerAwsJsonTransport(app: FastifyInstance, deps: AwsJsonTransportDeps): void {
  const services = awsJsonServices(deps.operations);
  const served = servedServices(deps.operations);
  const bodyLimit = Math.max(deps.defaultBodyLimit, ...deps.operations.map((o) => o.bodyLimit ?? 0));
  const answer = async (req: FastifyRequest, reply: FastifyReply, body: Buffer, target: string | string[] | undefined, dot: number, entry: AwsJsonEntry | undefined): Promise<FastifyReply> => {
    // A client of a service Loam lacks (`aws logs`): its own signature checked, then the service named.
    const foreign = entry ? undefined : unservedService(req, served);
    if (foreign !== undefined) {
      await verifySignedBodyRequest(req, body, deps.keys, foreign);
      throw new AwsProtocolError('UnknownOperationException', 400, unservedServiceMessage(foreign, `X-Amz-Target '${typeof target === 'string' ? target : ''}'`, served));
    }
    // The credential scope must name the service the target belongs to (SageMaker's when none does).
    const service = entry?.service ?? sageMakerService;
    const principal = await verifySignedBodyRequest(req, body, deps.keys, service.signingName);
    const op = entry && typeof target === 'string' ? entry.ops.get(target.slice(dot + 1)) : undefined;
    if (!op) {
      const known = entry ? [...entry.ops.keys()] : [...services.values()].flatMap((s) => [...s.ops.keys()].map((n) => `${s.targetPrefix}.${n}`));
      throw new AwsProtocolError(entry?.queryCompatible ? 'InvalidAction' : 'UnknownOperationException', 400, `The operation '${typeof target === 'string' ? target : '(no X-Amz-Target)'}' is not supported. Supported: ${known.sort().join(', ')}.`);
    }
    if (op.bodyLimit !== undefined && body.length > op.bodyLimit) throw Object.assign(new Error('too large'), { statusCode: 413 });
    let input: unknown = {};
    if (body.length > 0) {
      try {
        input = parseJsonBody(body);
      } catch (e) {
        throw new AwsProtocolError('SerializationException', 400, e instanceof JsonBodyError ? e.message : 'The request body is not valid JSON.');
      }
    }
    if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new AwsProtocolError('SerializationException', 400, 'The request body must be a JSON object.');
    const output = await deps.dispatch(op, input, { principal, requestId: req.id }).catch((e: unknown) => Promise.reject(asServiceError(service, asSageMakerNotFound(op, e))));
    return reply.code(200).header('x-amzn-requestid', req.id).type(entry?.contentType ?? AWS_JSON_CONTENT_TYPE).send(JSON.stringify(output ?? {}));
  };
  void app.register(async (scope) => {
    rawBodyParser(scope);
    // Errors raised before the handler (the body limit, the body parser) answer in the target's own
    // error form too: a query service's JSON face puts its code in `x-amzn-query-error`.
    scope.setErrorHandler((error, req, reply) => {
      const entry = serviceOf(services, req.headers['x-amz-target']);
      return entry?.queryCompatible ? sendQueryCompatibleError(error, entry, req, reply) : sendAwsJsonError(error, req, reply);
    });
    scope.route({
      method: 'POST',
      url: '/',
      bodyLimit,
      handler: async (req, reply) => {
        const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        if (deps.query && isQueryRequest(req)) return deps.query(req, reply, body);
        const target = req.headers['x-amz-target'];
        const dot = typeof target === 'string' ? target.indexOf('.') : -1;
        const entry = serviceOf(services, target);
        if (!entry?.queryCompatible) return answer(req, reply, body, target, dot, entry);
        return answer(req, reply, body, target, dot, entry).catch((e: unknown) => sendQueryCompatibleError(e, entry, req, reply));
      },
    });
  });
}
