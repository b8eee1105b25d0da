import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { resourceArn, type Partition, type Principal } from '@loam/core';
import { authenticateRest, CSRF_HEADER, SESSION_COOKIE, type CredentialResolver } from '../../auth/authenticator.js';
import type { AccessKeyResolver } from '../../auth/sigv4/sigv4-verify.js';
import type { Authorizer } from '../../operations/dispatcher.js';
import { rawBodyParser } from './aws-json-body.js';
import { toAwsWireError } from './aws-errors.js';
import type { EndpointInvoker, InvocationRequest } from './endpoint-invoker.js';
import { verifySageMakerRequest } from './sigv4-request.js';

/** SageMaker Runtime's payload limit for real-time inference. */
export const INVOCATION_BODY_LIMIT = 6 * 1024 * 1024;

export interface RuntimeTransportDeps {
  readonly keys: AccessKeyResolver;
  readonly tokens: CredentialResolver;
  readonly authorize: Authorizer;
  readonly partition: Partition;
  /** Looked up per request, so an invoker registered after startup is used. */
  readonly invoker: () => EndpointInvoker;
}

/** Runtime's REST-JSON errors: the code in `x-amzn-ErrorType`, `{"message"}` in the body. */
function sendRuntimeError(e: unknown, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const w = toAwsWireError(e);
  if (w.internal) req.log.error({ err: e }, 'request failed');
  // Runtime has no ResourceNotFound or ValidationException: both are its ValidationError.
  const code = w.code === 'ResourceNotFound' || w.code === 'ValidationException' ? 'ValidationError' : w.code;
  const status = code === 'ValidationError' ? 400 : w.status;
  return reply
    .code(status)
    .header('x-amzn-errortype', code)
    .header('x-amzn-requestid', req.id)
    .type('application/json')
    .send(JSON.stringify({ message: w.message, ...(w.fields ?? {}) }));
}

const header = (req: FastifyRequest, name: string): string | undefined => {
  const v = req.headers[name];
  return typeof v === 'string' ? v : undefined;
};

/**
 * SageMaker Runtime's `InvokeEndpoint` at `POST /endpoints/{EndpointName}/invocations`, reachable with
 * SigV4 (signing name `sagemaker`, as the SDKs sign Runtime) or a Loam bearer token. The caller must be
 * allowed `sagemaker:InvokeEndpoint` on the endpoint's ARN; the model itself answers through the
 * EndpointInvoker.
 */
export function registerRuntimeTransport(app: FastifyInstance, deps: RuntimeTransportDeps): void {
  void app.register(async (scope) => {
    rawBodyParser(scope);
    scope.setErrorHandler((error, req, reply) => sendRuntimeError(error, req, reply));
    scope.route({
      method: 'POST',
      url: '/endpoints/:EndpointName/invocations',
      bodyLimit: INVOCATION_BODY_LIMIT,
      handler: async (req, reply) => {
        const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const auth = req.headers.authorization;
        // A Studio session (cookie + X-CSRF-Token) may test-invoke too; SigV4 otherwise.
        const session = !auth && req.cookies?.[SESSION_COOKIE] !== undefined;
        const principal: Principal =
          (typeof auth === 'string' && /^Bearer\s/i.test(auth)) || session
            ? await authenticateRest({ method: req.method, authorization: auth, cookies: session ? (req.cookies as Record<string, string | undefined>) : {}, csrfHeader: header(req, CSRF_HEADER) }, deps.tokens)
            : await verifySageMakerRequest(req, body, deps.keys);
        const endpointName = (req.params as { EndpointName: string }).EndpointName;
        await deps.authorize(principal, 'sagemaker:InvokeEndpoint', resourceArn(deps.partition, 'endpoint', endpointName));
        const opt = (k: keyof InvocationRequest, h: string) => {
          const v = header(req, h);
          return v === undefined ? {} : { [k]: v };
        };
        const request: InvocationRequest = {
          endpointName,
          body,
          ...opt('contentType', 'content-type'),
          ...opt('accept', 'accept'),
          ...opt('customAttributes', 'x-amzn-sagemaker-custom-attributes'),
          ...opt('targetModel', 'x-amzn-sagemaker-target-model'),
          ...opt('targetVariant', 'x-amzn-sagemaker-target-variant'),
          ...opt('targetContainerHostname', 'x-amzn-sagemaker-target-container-hostname'),
          ...opt('inferenceId', 'x-amzn-sagemaker-inference-id'),
          ...opt('enableExplanations', 'x-amzn-sagemaker-enable-explanations'),
          ...opt('inferenceComponentName', 'x-amzn-sagemaker-inference-component'),
        };
        const out = await deps.invoker().invokeEndpoint(request, { principal, requestId: req.id });
        void reply.code(200).header('x-amzn-requestid', req.id).type(out.contentType ?? 'application/octet-stream');
        if (out.invokedProductionVariant !== undefined) void reply.header('x-amzn-invoked-production-variant', out.invokedProductionVariant);
        if (out.customAttributes !== undefined) void reply.header('x-amzn-sagemaker-custom-attributes', out.customAttributes);
        return reply.send(out.body instanceof Uint8Array ? Buffer.from(out.body.buffer, out.body.byteOffset, out.body.byteLength) : out.body);
      },
    });
  });
}
