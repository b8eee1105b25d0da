import type { Principal } from '@loam/core';
import { sha256Hex } from './sigv4-canonical.js';
import { SigV4Error } from './sigv4-errors.js';
import { verifySigV4, type AccessKeyResolver } from './sigv4-verify.js';

/** What the verifier reads of a request whose whole body is in hand (a FastifyRequest has it). */
export interface BufferedSignedRequest {
  readonly method: string;
  readonly url: string;
  readonly raw: { readonly url?: string | undefined; readonly rawHeaders: readonly string[] };
}

/**
 * Verifies a request whose body is the operation's input, as on the AWS JSON 1.1 API (SageMaker,
 * Application Auto Scaling), where `X-Amz-Target` names the operation: the signature must cover the
 * body and that header. Refused, besides what `verifySigV4` refuses (an unsigned `x-amz-target`
 * among them): presigned (query-string) requests, whose URL cannot sign the body; `UNSIGNED-PAYLOAD`;
 * a signed `x-amz-content-sha256` that is not the body's hash. boto3, the aws CLI and the AWS SDK v3
 * sign the body's hash and `x-amz-target` on every such call.
 */
export async function verifySignedBodyRequest(req: BufferedSignedRequest, body: Buffer, keys: AccessKeyResolver, signingName: string): Promise<Principal> {
  const bodySha256 = sha256Hex(body);
  const v = await verifySigV4(
    { method: req.method, rawUrl: req.raw.url ?? req.url, rawHeaders: req.raw.rawHeaders },
    { service: signingName, keys, bodySha256, allowPresigned: false, allowUnsignedPayload: false },
  );
  if (v.payloadHash !== bodySha256) {
    throw new SigV4Error('content-sha256-mismatch', 'The provided x-amz-content-sha256 header does not match what was computed.');
  }
  return v.principal;
}
