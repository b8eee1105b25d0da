import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';

type Bytes = string | ArrayBuffer | ArrayBufferView;
const bytes = (d: Bytes): string | Uint8Array => (typeof d === 'string' ? d : d instanceof ArrayBuffer ? new Uint8Array(d) : new Uint8Array(d.buffer, d.byteOffset, d.byteLength));

/** The sha256 constructor the Smithy signer wants, from node:crypto. */
class Sha256 {
  private h;
  constructor(private readonly secret?: Bytes) {
    this.h = this.fresh();
  }
  private fresh() {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(this.secret));
  }
  reset(): void {
    this.h = this.fresh();
  }
  update(data: Bytes): void {
    this.h.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
}

/**
 * A presigned S3 URL made by the AWS SDK's own signer (@smithy/signature-v4), an implementation
 * independent of Loam's verifier.
 */
export async function presignS3(
  base: string,
  method: 'GET' | 'PUT',
  path: string,
  credentials: { accessKeyId: string; secretAccessKey: string },
  expiresIn: number,
  signingDate = new Date(),
): Promise<string> {
  const u = new URL(base);
  const signer = new SignatureV4({ service: 's3', region: 'us-east-1', credentials, sha256: Sha256, uriEscapePath: false, applyChecksum: false });
  const req = await signer.presign(
    { method, protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path, query: {}, headers: { host: u.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } },
    // x-amz-content-sha256 is hoisted into the query (X-Amz-Content-Sha256=UNSIGNED-PAYLOAD), as S3's presigner does.
    { expiresIn, signingDate },
  );
  const qs = Object.entries(req.query ?? {})
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');
  return `${base}${path}?${qs}`;
}
