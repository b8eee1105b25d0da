import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { listenOnLoopback, openTestLoam, type TestLoam } from '../../compose/loam.test-support.js';
import { completeKeepAlive } from './s3-keep-alive.js';
import { adminS3Client, sdkErrorOf } from './s3.test-support.js';

let loam: TestLoam;
let url: string;

beforeAll(async () => {
  loam = await openTestLoam();
  url = await listenOnLoopback(loam);
});
afterAll(async () => loam?.close());
const defaults = { ...completeKeepAlive };
afterEach(() => Object.assign(completeKeepAlive, defaults));

/** The AWS SDK's own HTTP handler, noting when each answer's headers and its last byte arrived. */
class Recording {
  readonly inner = new NodeHttpHandler();
  readonly seen: { method: string; status: number; body: string; headersAt: number; endAt: number }[] = [];
  async handle(...args: Parameters<NodeHttpHandler['handle']>) {
    const out = await this.inner.handle(...args);
    const headersAt = performance.now();
    const chunks: Buffer[] = [];
    for await (const c of out.response.body as Readable) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    this.seen.push({ method: args[0].method, status: out.response.statusCode, body: body.toString(), headersAt, endAt: performance.now() });
    out.response.body = Readable.from([body]);
    return out;
  }
  updateHttpClientConfig(...a: Parameters<NodeHttpHandler['updateHttpClientConfig']>) {
    this.inner.updateHttpClientConfig(...a);
  }
  httpHandlerConfigs() {
    return this.inner.httpHandlerConfigs();
  }
  destroy() {
    this.inner.destroy();
  }
}

async function uploadParts(c: S3Client, Bucket: string, Key: string) {
  const { UploadId } = await c.send(new CreateMultipartUploadCommand({ Bucket, Key }));
  const bodies = Array.from({ length: 4 }, () => randomBytes(5 * 1024 * 1024));
  const Parts = [];
  for (const [i, Body] of bodies.entries()) Parts.push({ PartNumber: i + 1, ETag: (await c.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: i + 1, Body }))).ETag as string });
  return { UploadId: UploadId as string, Parts, bytes: Buffer.concat(bodies) };
}

describe('S3 CompleteMultipartUpload of a large object', () => {
  // S3 documents that it answers 200 at once and sends whitespace while it assembles the parts, so
  // that clients do not time out; Loam answered only when the object was stored (20 s for 2.2 GB on a
  // loaded machine), and the aws CLI timed out, retried, and aborted the upload.
  it('starts its 200 answer while the parts are assembled, then sends the result the SDK reads', async () => {
    Object.assign(completeKeepAlive, { afterMs: 0, everyMs: 1 });
    const rec = new Recording();
    const c = adminS3Client(loam, url, { requestHandler: rec });
    await c.send(new CreateBucketCommand({ Bucket: 'keepalive' }));
    const { UploadId, Parts, bytes } = await uploadParts(c, 'keepalive', 'big.bin');
    const out = await c.send(new CompleteMultipartUploadCommand({ Bucket: 'keepalive', Key: 'big.bin', UploadId, MultipartUpload: { Parts } }));
    expect(out.ETag).toMatch(/^"[0-9a-f]{32}-4"$/);
    const answer = rec.seen.at(-1)!;
    expect(answer.status).toBe(200);
    expect(answer.body).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n +<CompleteMultipartUploadResult /);
    expect(answer.endAt).toBeGreaterThan(answer.headersAt);
    const got = await c.send(new GetObjectCommand({ Bucket: 'keepalive', Key: 'big.bin' }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(bytes)).toBe(true);
  }, 60_000);

  it('a failure found after the answer started is an Error document in the 200, which the SDK throws', async () => {
    const c = adminS3Client(loam, url);
    await c.send(new CreateBucketCommand({ Bucket: 'keepalive-err' }));
    await c.send(new PutObjectCommand({ Bucket: 'keepalive-err', Key: 'taken', Body: 'first' }));
    const { UploadId, Parts } = await uploadParts(c, 'keepalive-err', 'taken');
    Object.assign(completeKeepAlive, { afterMs: 0, everyMs: 1 });
    const rec = new Recording();
    const c2 = adminS3Client(loam, url, { requestHandler: rec });
    const err = await sdkErrorOf(c2.send(new CompleteMultipartUploadCommand({ Bucket: 'keepalive-err', Key: 'taken', UploadId, MultipartUpload: { Parts }, IfNoneMatch: '*' })));
    expect(err.name).toBe('PreconditionFailed');
    expect(rec.seen.at(-1)).toMatchObject({ status: 200, body: expect.stringMatching(/^<\?xml version="1.0" encoding="UTF-8"\?>\n *<Error><Code>PreconditionFailed<\/Code>/) });
    const kept = await c.send(new GetObjectCommand({ Bucket: 'keepalive-err', Key: 'taken' }));
    expect(await kept.Body!.transformToString()).toBe('first');
  }, 60_000);

  it('work that ends quickly is answered as before: an error keeps its own status', async () => {
    const c = adminS3Client(loam, url);
    await c.send(new CreateBucketCommand({ Bucket: 'keepalive-fast' }));
    const { UploadId } = await c.send(new CreateMultipartUploadCommand({ Bucket: 'keepalive-fast', Key: 'k' }));
    const err = await sdkErrorOf(c.send(new CompleteMultipartUploadCommand({ Bucket: 'keepalive-fast', Key: 'k', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"00000000000000000000000000000000"' }] } })));
    expect([err.name, err.status]).toEqual(['InvalidPart', 400]);
  });
});
