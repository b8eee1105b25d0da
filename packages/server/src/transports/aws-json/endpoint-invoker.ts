import type { Readable } from 'node:stream';
import type { RequestContext } from '@loam/core';
import { AwsProtocolError } from './aws-errors.js';

/** One `InvokeEndpoint` call as SageMaker Runtime receives it: the raw body and its headers. */
export interface InvocationRequest {
  readonly endpointName: string;
  /** The payload, byte for byte (up to 6 MB, SageMaker's limit). */
  readonly body: Buffer;
  /** `Content-Type` (the SDKs' `ContentType`). */
  readonly contentType?: string;
  /** `Accept`. */
  readonly accept?: string;
  /** `X-Amzn-SageMaker-Custom-Attributes`. */
  readonly customAttributes?: string;
  /** `X-Amzn-SageMaker-Target-Model` (multi-model endpoints). */
  readonly targetModel?: string;
  /** `X-Amzn-SageMaker-Target-Variant`. */
  readonly targetVariant?: string;
  /** `X-Amzn-SageMaker-Target-Container-Hostname`. */
  readonly targetContainerHostname?: string;
  /** `X-Amzn-SageMaker-Inference-Id`. */
  readonly inferenceId?: string;
  /** `X-Amzn-SageMaker-Enable-Explanations`. */
  readonly enableExplanations?: string;
  /** `X-Amzn-SageMaker-Inference-Component`. */
  readonly inferenceComponentName?: string;
}

/** What the model answered. */
export interface InvocationResult {
  readonly body: Uint8Array | Readable;
  /** Sent as `Content-Type`; the SDKs read it as `ContentType`. */
  readonly contentType?: string;
  /** Sent as `X-Amzn-Invoked-Production-Variant`. */
  readonly invokedProductionVariant?: string;
  /** Sent as `X-Amzn-SageMaker-Custom-Attributes`. */
  readonly customAttributes?: string;
}

/**
 * The hook the endpoints capability implements so SageMaker Runtime clients reach its models. The
 * transport has already verified the caller (SigV4 or bearer token) and authorized
 * `sagemaker:InvokeEndpoint` on the endpoint's ARN. Throw LoamErrors as usual: ResourceNotFound and
 * ValidationException go out as Runtime's `ValidationError`; throw `AwsProtocolError('ModelError', 424,
 * …, { OriginalStatusCode, OriginalMessage, LogStreamArn })` for a container error, or
 * `AwsProtocolError('ModelNotReadyException', 429, …)`.
 *
 * The server picks the first of `platform.services` with an `invokeEndpoint` method.
 */
export interface EndpointInvoker {
  invokeEndpoint(request: InvocationRequest, ctx: RequestContext): Promise<InvocationResult>;
}

export function isEndpointInvoker(x: unknown): x is EndpointInvoker {
  return typeof x === 'object' && x !== null && typeof (x as { invokeEndpoint?: unknown }).invokeEndpoint === 'function';
}

/** Invokers that stand in until the endpoints capability plugs in (not to be remembered by the transport). */
export const placeholderInvokers = new WeakSet<EndpointInvoker>();

/** Until the endpoints capability plugs in: every endpoint is unknown, as SageMaker says for one that does not exist. */
export function noEndpoints(partition: { accountId: string }): EndpointInvoker {
  const none: EndpointInvoker = {
    async invokeEndpoint(request) {
      throw new AwsProtocolError('ValidationError', 400, `Endpoint ${request.endpointName} of account ${partition.accountId} not found.`);
    },
  };
  placeholderInvokers.add(none);
  return none;
}
