import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';

type Bytes = string | ArrayBuffer | ArrayBufferView;
const bytes = (d: Bytes): string | Uint8Array => (typeof d === 'string' ? d : d instanceof ArrayBuffer ? new Uint8Array(d) : new Uint8Array(d.buffer, d.byteOffset, d.byteLength));

/** The sha256 constructor the Smithy signer wants, from node:crypto. */
export class Sha256 {
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

/**
 * A PUT with a `STREAMING-AWS4-HMAC-SHA256-PAYLOAD` body, as S3's chunked-upload docs describe: the
 * headers signed by the SDK's signer, each chunk's signature chained from the seed with the SDK's
 * signing key. `tamper` flips a byte of the framed body after signing.
 */
export async function signedChunkedPut(
  base: string,
  path: string,
  credentials: { accessKeyId: string; secretAccessKey: string },
  chunks: readonly Buffer[],
  tamper?: (body: Buffer) => void,
): Promise<Response> {
  const u = new URL(base);
  const signer = new SignatureV4({ service: 's3', region: 'us-east-1', credentials, sha256: Sha256, uriEscapePath: false, applyChecksum: false });
  const signingDate = new Date();
  const decoded = chunks.reduce((n, c) => n + c.length, 0);
  const framed = (sigs: string[]) =>
    Buffer.concat([...chunks, Buffer.alloc(0)].flatMap((c, i) => [Buffer.from(`${c.length.toString(16)};chunk-signature=${sigs[i]}\r\n`), c, Buffer.from('\r\n')]));
  const length = framed(new Array(chunks.length + 1).fill('0'.repeat(64))).length;
  const headers: Record<string, string> = {
    host: u.host,
    'content-encoding': 'aws-chunked',
    'content-length': String(length),
    'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
    'x-amz-decoded-content-length': String(decoded),
  };
  const signed = await signer.sign({ method: 'PUT', protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path, query: {}, headers }, { signingDate });
  const auth = String(signed.headers['authorization']);
  const amzDate = String(signed.headers['x-amz-date']);
  const scope = /Credential=[^/]+\/([^,]+),/.exec(auth)?.[1] as string;
  let prev = /Signature=([0-9a-f]{64})/.exec(auth)?.[1] as string;
  const empty = createHash('sha256').update('').digest('hex');
  const sigs: string[] = [];
  for (const c of [...chunks, Buffer.alloc(0)]) {
    const sts = ['AWS4-HMAC-SHA256-PAYLOAD', amzDate, scope, prev, empty, createHash('sha256').update(c).digest('hex')].join('\n');
    prev = await signer.sign(sts, { signingDate });
    sigs.push(prev);
  }
  const body = framed(sigs);
  tamper?.(body);
  const sent: Record<string, string> = {};
  for (const [k, v] of Object.entries(signed.headers)) if (k !== 'host') sent[k] = String(v);
  return fetch(`${base}${path}`, { method: 'PUT', headers: sent, body });
}

/** An AWS SDK S3 client signing as the test Loam's admin, path-style, no retries. */
export function adminS3Client(loam: { adminAccessKeyId: string; adminSecretAccessKey: string }, url: string, extra: Partial<S3ClientConfig> = {}): S3Client {
  return new S3Client({
    endpoint: url,
    region: 'us-east-1',
    forcePathStyle: true,
    maxAttempts: 1,
    credentials: { accessKeyId: loam.adminAccessKeyId, secretAccessKey: loam.adminSecretAccessKey },
    ...extra,
  });
}

/** An AWS SDK call's error as name, HTTP status and message (`resolved` when it did not fail). */
export async function sdkErrorOf(p: Promise<unknown>): Promise<{ name: string; status?: number; message: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: err.name, message: err.message, ...(err.$metadata?.httpStatusCode !== undefined ? { status: err.$metadata.httpStatusCode } : {}) };
  }
  return { name: 'resolved', message: '' };
}
