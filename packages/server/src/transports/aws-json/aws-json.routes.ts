import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Operation } from '@loam/contracts';
import type { AccessKeyResolver } from '../../auth/sigv4/sigv4-verify.js';
import { JsonBodyError, parseJsonBody } from '../../http/json-body.js';
import type { Dispatch } from '../../operations/dispatcher.js';
import { rawBodyParser } from './aws-json-body.js';
import { AwsProtocolError, asSageMakerNotFound, toAwsWireError } from './aws-errors.js';
import { verifySageMakerRequest } from './sigv4-request.js';

export const AWS_JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';
/** SageMaker's target prefix: `X-Amz-Target: SageMaker.<Operation>`. */
export const TARGET_PREFIX = 'SageMaker.';

export interface AwsJsonTransportDeps {
  readonly operations: readonly Operation[];
  readonly dispatch: Dispatch;
  readonly keys: AccessKeyResolver;
  readonly defaultBodyLimit: number;
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

/**
 * The AWS JSON 1.1 protocol at `POST /`: every operation of the table marked `aws` is reachable as
 * `X-Amz-Target: SageMaker.<name>`, signed with SigV4 (signing name `sagemaker`), and runs through
 * the same dispatcher as REST (authorize → validate → handler). Nothing here is per-operation.
 */
export function registerAwsJsonTransport(app: FastifyInstance, deps: AwsJsonTransportDeps): void {
  const byName = new Map(deps.operations.filter((o) => o.aws).map((o) => [o.name, o] as const));
  const bodyLimit = Math.max(deps.defaultBodyLimit, ...deps.operations.map((o) => o.bodyLimit ?? 0));
  void app.register(async (scope) => {
    rawBodyParser(scope);
    scope.setErrorHandler((error, req, reply) => sendAwsJsonError(error, req, reply));
    scope.route({
      method: 'POST',
      url: '/',
      bodyLimit,
      handler: async (req, reply) => {
        const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const principal = await verifySageMakerRequest(req, body, deps.keys);
        const target = req.headers['x-amz-target'];
        const name = typeof target === 'string' && target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : undefined;
        const op = name === undefined ? undefined : byName.get(name);
        if (!op) {
          throw new AwsProtocolError('UnknownOperationException', 400, `The operation '${typeof target === 'string' ? target : '(no X-Amz-Target)'}' is not supported. Supported: ${[...byName.keys()].sort().join(', ')}.`);
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
        const output = await deps.dispatch(op, input, { principal, requestId: req.id }).catch((e: unknown) => Promise.reject(asSageMakerNotFound(op, e)));
        return reply.code(200).header('x-amzn-requestid', req.id).type(AWS_JSON_CONTENT_TYPE).send(JSON.stringify(output ?? {}));
      },
    });
  });
}
