import type { FastifyInstance } from 'fastify';
import type { Operation } from '@loam/contracts';
import { authorize } from '@loam/core';
import type { Platform } from '../../compose/platform.js';
import { stalledClientLimit } from '../../http/store-body.js';
import type { Authorizer, Dispatch } from '../../operations/dispatcher.js';
import { withOwnedObjects } from '../s3/s3-owned-objects.js';
import { registerS3Transport } from '../s3/s3.routes.js';
import { createQueryHandler } from '../aws-query/aws-query.routes.js';
import { registerAwsJsonTransport } from './aws-json.routes.js';
import { isEndpointInvoker, noEndpoints } from './endpoint-invoker.js';
import { registerRuntimeTransport } from './runtime.routes.js';

export interface AwsProtocolsDeps {
  readonly platform: Platform;
  readonly dispatch: Dispatch;
  readonly operations: readonly Operation[];
}

/**
 * Everything AWS clients speak to, on the same port as REST: the AWS JSON 1.1 protocol (SageMaker, Application
 * Auto Scaling) and the query protocol (CloudWatch) at `POST /`,
 * SageMaker Runtime at `/endpoints/{name}/invocations`, and the S3 API (chosen by signature or by a
 * `<bucket>.localhost` Host, so it never shadows other routes). All three verify SigV4 against Loam's
 * access keys and authorize with the same policy evaluator as REST.
 */
export function registerAwsProtocols(app: FastifyInstance, deps: AwsProtocolsDeps): void {
  const { platform } = deps;
  const { identity, config } = platform;
  const authorizer: Authorizer = async (principal, action, resource) => authorize(principal, await identity.policiesOf(principal.userName), action, resource);
  const query = createQueryHandler({ operations: deps.operations, dispatch: deps.dispatch, keys: identity });
  registerAwsJsonTransport(app, { operations: deps.operations, dispatch: deps.dispatch, keys: identity, defaultBodyLimit: config.server.bodyLimitBytes, query });
  const fallback = noEndpoints(platform.partition);
  registerRuntimeTransport(app, {
    keys: identity,
    tokens: identity,
    authorize: authorizer,
    partition: platform.partition,
    invoker: () => platform.services.find(isEndpointInvoker) ?? fallback,
  });
  // Loam's own buckets hold objects of resources with permissions of their own: those are checked too.
  const { datasets, flows } = platform.datasets;
  const found = (p: Promise<unknown>) => p.then(() => true, (e: { code?: string }) => (e.code === 'ResourceNotFound' ? false : Promise.reject(e)));
  const s3Authorizer = withOwnedObjects({
    authorize: authorizer, tracking: platform.tracking, datasetBucket: datasets.bucket, partition: platform.partition,
    isOurs: (kind, name) => found(kind === 'dataset' ? datasets.get(name) : flows.get(name)),
  });
  registerS3Transport(app, { store: platform.artifacts, keys: identity, authorize: s3Authorizer, region: platform.partition.region, accountId: platform.partition.accountId, dataDir: config.dataDir, ...stalledClientLimit(config.artifacts) });
}
