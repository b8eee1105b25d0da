import type { FastifyRequest } from 'fastify';
import { sageMakerService, type AwsService, type Operation } from '@loam/contracts';

/** The signing service a SigV4 Authorization header's credential scope names (the service is picked by it). */
export function scopeService(req: FastifyRequest): string | undefined {
  const auth = req.headers.authorization;
  return typeof auth === 'string' ? /Credential=[^/,\s]+\/\d{8}\/[^/,\s]+\/([^/,\s]+)\/aws4_request/.exec(auth)?.[1] : undefined;
}

/** The AWS clients Loam answers on `POST /`, by signing name: SageMaker's and those of the table's other services. */
export function servedServices(operations: readonly Operation[]): ReadonlyMap<string, AwsService> {
  const served = new Map<string, AwsService>([[sageMakerService.signingName, sageMakerService]]);
  for (const op of operations) if (op.aws && op.awsService) served.set(op.awsService.signingName, op.awsService);
  return served;
}

/**
 * The signing name of a request made with the client of an AWS service Loam does not serve at all
 * (`aws sts get-caller-identity`, `aws logs tail`, `aws iam get-role`), or undefined. Such a request used to
 * fail its signature check against another service ("this endpoint is 'monitoring'"), which reads like a
 * misconfigured endpoint rather than a service Loam lacks.
 */
export function unservedService(req: FastifyRequest, served: ReadonlyMap<string, AwsService>): string | undefined {
  const name = scopeService(req);
  return name !== undefined && !served.has(name) ? name : undefined;
}

/** What Loam says to a client of a service it does not serve: which service, and which ones it does serve. */
export function unservedServiceMessage(name: string, call: string, served: ReadonlyMap<string, AwsService>): string {
  const clients = [...served.values()].map((s) => s.clientName);
  return (
    `Loam does not serve the AWS service '${name}' (${call}). Its endpoint answers the aws CLI's and SDKs' ` +
    `${[...clients, 'sagemaker-runtime', 's3', 's3api'].join(', ')} clients; see docs/supported-operations.md.`
  );
}
