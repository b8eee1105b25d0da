import type { Principal } from '@loam/core';
import { sha256Hex } from '../../auth/sigv4/sigv4-canonical.js';
import { SigV4Error } from '../../auth/sigv4/sigv4-errors.js';
import { verifySigV4, type AccessKeyResolver } from '../../auth/sigv4/sigv4-verify.js';

/** What the verifier reads of a request (a FastifyRequest has it). */
export interface SageMakerHttpRequest {
  readonly method: string;
  readonly url: string;
  readonly raw: { readonly url?: string | undefined; readonly rawHeaders: readonly string[] };
}

/**
 * Verifies a SageMaker-style request (JSON 1.1 or Runtime) whose whole body is in hand. A hex
 * `x-amz-content-sha256` must then equal the body's hash; streaming payloads are not used by these
 * APIs and are refused. `req` is a Fastify request or, on a fast route, a Node one wrapped the same way.
 * `signingName` is the service the credential scope must name: `sagemaker` (SageMaker and its Runtime,
 * as the SDKs sign both) or another AWS service's (`application-autoscaling`).
 */
export async function verifySageMakerRequest(req: SageMakerHttpRequest, body: Buffer, keys: AccessKeyResolver, signingName = 'sagemaker'): Promise<Principal> {
  const bodySha256 = sha256Hex(body);
  const v = await verifySigV4({ method: req.method, rawUrl: req.raw.url ?? req.url, rawHeaders: req.raw.rawHeaders }, { service: signingName, keys, bodySha256 });
  if (v.payloadHash !== bodySha256 && v.payloadHash !== 'UNSIGNED-PAYLOAD') {
    throw new SigV4Error('content-sha256-mismatch', 'The provided x-amz-content-sha256 header does not match what was computed.');
  }
  return v.principal;
}
