import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AwsQueryService, Operation } from '@loam/contracts';
import type { AccessKeyResolver } from '../../auth/sigv4/sigv4-verify.js';
import type { Dispatch } from '../../operations/dispatcher.js';
import { AwsProtocolError, asServiceError, toAwsWireError } from '../aws-json/aws-errors.js';
import { verifySignedBodyRequest } from '../../auth/sigv4/sigv4-signed-body.js';
import { queryInput } from './query-input.js';
import { queryErrorXml, queryResponseXml } from './query-xml.js';
import { scopeService, servedServices, unservedService, unservedServiceMessage } from '../aws-json/unserved-service.js';

export interface AwsQueryDeps {
  readonly operations: readonly Operation[];
  readonly dispatch: Dispatch;
  readonly keys: AccessKeyResolver;
}

/** A query-protocol request: a form body and no `X-Amz-Target` (which the JSON protocol always sends). */
export function isQueryRequest(req: FastifyRequest): boolean {
  const type = req.headers['content-type'];
  return req.headers['x-amz-target'] === undefined && typeof type === 'string' && /^application\/x-www-form-urlencoded\b/i.test(type);
}

/** The names query services (CloudWatch, IAM, STS) answer signature problems with. */
const queryAuthCodes: Readonly<Record<string, string>> = {
  MissingAuthenticationTokenException: 'MissingAuthenticationToken',
  UnrecognizedClientException: 'InvalidClientTokenId',
  InvalidSignatureException: 'SignatureDoesNotMatch',
  IncompleteSignatureException: 'IncompleteSignature',
  AccessDeniedException: 'AccessDenied',
};

/** A wire error code as a query service names it (its JSON face's `x-amzn-query-error` too). */
export function queryErrorCode(code: string): string {
  return Object.hasOwn(queryAuthCodes, code) ? (queryAuthCodes[code] as string) : code;
}

/**
 * The AWS query protocol on `POST /` (CloudWatch's, as boto3's `cloudwatch` client speaks it): the operations
 * of the table whose `awsService` is a query service, picked by the credential scope's service and the form's
 * `Action`; the form is turned into the operation's JSON input by its schema, run through the same
 * dispatcher as REST, and answered in XML. Nothing here is per-operation.
 */
export function createQueryHandler(deps: AwsQueryDeps): (req: FastifyRequest, reply: FastifyReply, body: Buffer) => Promise<FastifyReply> {
  const services = new Map<string, { service: AwsQueryService; ops: Map<string, Operation> }>();
  for (const op of deps.operations) {
    const service = op.aws ? op.awsService : undefined;
    if (service?.protocol !== 'query') continue;
    const entry = services.get(service.signingName) ?? { service, ops: new Map<string, Operation>() };
    entry.ops.set(op.name, op);
    services.set(service.signingName, entry);
  }
  const fallback = [...services.values()][0];
  const served = servedServices(deps.operations);
  return async (req, reply, body) => {
    // A client of a service Loam lacks (`aws sts`, `aws iam`): its own signature checked, then the service named.
    const foreign = unservedService(req, served);
    const entry = foreign !== undefined ? undefined : (services.get(scopeService(req) ?? '') ?? fallback);
    try {
      if (foreign !== undefined) {
        await verifySignedBodyRequest(req, body, deps.keys, foreign);
        const action = new URLSearchParams(body.toString('utf8')).get('Action') ?? '';
        throw new AwsProtocolError('InvalidAction', 400, unservedServiceMessage(foreign, `Action '${action}'`, served));
      }
      if (!entry) throw new AwsProtocolError('InvalidAction', 400, 'Loam serves no AWS query-protocol operations.');
      const { service } = entry;
      // The form body is the operation's input: the verifier refuses a presigned URL or an unsigned
      // payload (which SigV4 otherwise allows), since neither signs the body.
      const principal = await verifySignedBodyRequest(req, body, deps.keys, service.signingName);
      const form = new URLSearchParams(body.toString('utf8'));
      const action = form.get('Action') ?? '';
      const op = entry.ops.get(action);
      if (!op) throw new AwsProtocolError('InvalidAction', 400, `The action '${action}' is not valid for this web service. Loam serves ${service.clientName}'s ${[...entry.ops.keys()].sort().join(', ')}.`);
      const version = form.get('Version');
      if (version !== null && version !== service.apiVersion) throw new AwsProtocolError('InvalidParameterValue', 400, `Version '${version}': Loam speaks ${service.clientName} API version ${service.apiVersion}.`);
      const output = await deps.dispatch(op, queryInput(form, op.input), { principal, requestId: req.id });
      return reply.code(200).header('x-amzn-requestid', req.id).type('text/xml').send(queryResponseXml(service, op.name, output ?? {}, op.output, req.id));
    } catch (e) {
      const w = toAwsWireError(entry ? asServiceError(entry.service, e) : e);
      if (w.internal) req.log.error({ err: e }, 'request failed');
      return reply.code(w.status).header('x-amzn-requestid', req.id).type('text/xml').send(queryErrorXml(entry?.service, w.status, queryErrorCode(w.code), w.message, req.id));
    }
  };
}
