import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Operation } from '@loam/contracts';
import { authenticateRest, CSRF_HEADER, type CredentialResolver } from '../../auth/authenticator.js';
import type { Dispatch } from '../../operations/dispatcher.js';
import { restInput } from './rest-input.js';

export interface RestTransportDeps {
  readonly operations: readonly Operation[];
  readonly dispatch: Dispatch;
  readonly credentials: CredentialResolver;
  readonly defaultBodyLimit: number;
}

/** Why a request's signal aborted: its client went away (nginx's 499); answered to no one, logged as a client error. */
export class ClientClosedRequest extends Error {
  readonly statusCode = 499;
  constructor() {
    super('The client closed the connection before the request was answered.');
    this.name = 'ClientClosedRequest';
  }
}

/** Fastify's `:param` form of `{Param}`. */
function fastifyPath(path: string): string {
  return path.replace(/\{([A-Za-z0-9]+)\}/g, ':$1');
}

/** Registers one route per operation: authenticate → dispatch (authorize, validate, handle) → JSON. */
export function registerRestTransport(app: FastifyInstance, deps: RestTransportDeps): void {
  for (const op of deps.operations) {
    app.route({
      method: op.rest.method,
      url: fastifyPath(op.rest.path),
      bodyLimit: op.bodyLimit ?? deps.defaultBodyLimit,
      handler: async (req: FastifyRequest, reply) => {
        const principal = await authenticateRest(
          {
            method: req.method,
            authorization: req.headers.authorization,
            cookies: req.cookies ?? {},
            csrfHeader: req.headers[CSRF_HEADER] as string | undefined,
          },
          deps.credentials,
        );
        const input = restInput(op, req.params as Record<string, string>, req.query as Record<string, unknown>, req.body);
        // The handler's ctx.signal aborts when the client closes the connection before it is answered,
        // so long work (a flow preview's query) stops instead of running for no one.
        const closed = new AbortController();
        const onClose = () => {
          if (!reply.raw.writableFinished) closed.abort(new ClientClosedRequest());
        };
        reply.raw.once('close', onClose);
        try {
          const output = await deps.dispatch(op, input, { principal, requestId: req.id, signal: closed.signal });
          return reply.code(200).type('application/json').send(output ?? {});
        } finally {
          reply.raw.off('close', onClose);
        }
      },
    });
  }
}
