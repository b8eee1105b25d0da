import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { decodeAwsChunked, isStreamingPayload } from '../../auth/sigv4/aws-chunked.js';
import { createChecksum, isChecksumAlgorithm, type Checksum } from '../../auth/sigv4/checksums.js';
import { SigV4Error } from '../../auth/sigv4/sigv4-errors.js';
import type { VerifiedRequest } from '../../auth/sigv4/sigv4-verify.js';
import { S3Error } from './s3-errors.js';

/** S3's largest single PUT. */
export const MAX_PUT_BYTES = 5 * 1024 ** 3;

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * The request body as verified bytes: aws-chunked framing decoded and its chunk signatures checked,
 * a signed hex `x-amz-content-sha256` compared with the bytes, and `Content-MD5` / `x-amz-checksum-*`
 * headers checked. A mismatch throws at the end of the stream, before the writer commits, so nothing
 * is stored.
 */
export async function* verifiedBody(req: IncomingMessage, v: VerifiedRequest, maxBytes = MAX_PUT_BYTES): AsyncGenerator<Buffer> {
  const decoded = header(req, 'x-amz-decoded-content-length');
  const trailer = header(req, 'x-amz-trailer');
  const source: AsyncIterable<Uint8Array> = isStreamingPayload(v.payloadHash)
    ? decodeAwsChunked(req, {
        mode: v.payloadHash,
        signing: v.chunkSigning,
        ...(decoded !== undefined && /^\d+$/.test(decoded) ? { decodedLength: Number(decoded) } : {}),
        ...(trailer !== undefined ? { trailerHeader: trailer } : {}),
      })
    // Not destroyed when a writer stops reading early (a full disk): its answer still goes out on the
    // connection, and settleUnreadBody (http/unread-body.ts) lets the rest flow away so the connection stays usable.
    : req.iterator({ destroyOnReturn: false });
  const sha = /^[0-9a-f]{64}$/.test(v.payloadHash) ? createHash('sha256') : undefined;
  const checks: { name: string; want: string; sum: Checksum }[] = [];
  const md5 = header(req, 'content-md5');
  // Not the base64 of 16 bytes: S3 refuses it as not a digest at all (InvalidDigest), not as one that does not match.
  if (md5 !== undefined && !/^[A-Za-z0-9+/]{22}==$/.test(md5.trim())) throw new S3Error('InvalidDigest', 400, 'The Content-MD5 you specified is not valid.');
  if (md5 !== undefined) checks.push({ name: 'Content-MD5', want: md5, sum: createChecksum('md5') });
  for (const [name, value] of Object.entries(req.headers)) {
    const alg = /^x-amz-checksum-([a-z0-9]+)$/.exec(name)?.[1];
    if (alg && isChecksumAlgorithm(alg) && typeof value === 'string') checks.push({ name: alg.toUpperCase(), want: value, sum: createChecksum(alg) });
  }
  let total = 0;
  for await (const c of source) {
    const chunk = Buffer.isBuffer(c) ? c : Buffer.from(c);
    total += chunk.length;
    if (total > maxBytes) throw new S3Error('EntityTooLarge', 400, 'Your proposed upload exceeds the maximum allowed object size.', { MaxSizeAllowed: String(maxBytes) });
    sha?.update(chunk);
    for (const c2 of checks) c2.sum.update(chunk);
    yield chunk;
  }
  if (sha && sha.digest('hex') !== v.payloadHash) throw new SigV4Error('content-sha256-mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.");
  for (const c of checks) {
    if (c.sum.digestBase64() !== c.want) {
      throw c.name === 'Content-MD5'
        ? new S3Error('BadDigest', 400, 'The Content-MD5 you specified did not match what we received.')
        : new S3Error('BadDigest', 400, `The ${c.name} you specified did not match the calculated checksum.`);
    }
  }
}

/** Reads a small request body (XML documents) whole, verified as above. */
export async function smallBody(req: IncomingMessage, v: VerifiedRequest, max = 1024 * 1024): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of verifiedBody(req, v, max)) parts.push(c);
  return Buffer.concat(parts).toString('utf8');
}
