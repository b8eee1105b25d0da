import { createHash, randomBytes } from 'node:crypto';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ArtifactStore } from '@loam/adapters';
import { startAwsLoam, type AwsLoam } from './aws-loam.test-support.js';

// The S3 artifact store sends a body written whole as one PutObject up to S3's 5 GiB (8d518d4), so its ETag is
// its MD5. S3-compatible services may take less in one request (Cloudflare R2: 5 MiB less than 5 GiB; Backblaze
// B2: 5 GB) and answer EntityTooLarge: such a body must still go up, as a multipart upload (as every body over
// 16 MiB did before 8d518d4), not fail the put. The backend here is Loam's own S3 API behind a pass-through that
// answers a PutObject over LIMIT as R2 does; everything else reaches Loam as sent (the signature names the
// pass-through's host, which Loam checks as received).

const MiB = 1024 * 1024;
const LIMIT = 8 * MiB;
let loam: AwsLoam;
let front: Server;
let endpoint: string;
let refused = 0;

function passThrough(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://x');
  const onePut = req.method === 'PUT' && !url.searchParams.has('partNumber') && !url.searchParams.has('uploadId');
  if (onePut && Number(req.headers['content-length'] ?? 0) > LIMIT) {
    refused++;
    req.resume();
    res.writeHead(400, { 'content-type': 'application/xml', connection: 'close' });
    res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>EntityTooLarge</Code><Message>Your proposed upload exceeds the maximum allowed object size.</Message></Error>`);
    return;
  }
  const target = new URL(loam.url);
  const out = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  out.on('error', () => res.destroy());
  req.pipe(out);
}

beforeAll(async () => {
  loam = await startAwsLoam();
  front = createServer(passThrough);
  // Answered, not continued, when too large: as S3 does with Expect: 100-continue, before the body is sent.
  front.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const tooLarge = req.method === 'PUT' && !url.searchParams.has('partNumber') && Number(req.headers['content-length'] ?? 0) > LIMIT;
    if (!tooLarge) res.writeContinue();
    passThrough(req, res);
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
}, 90_000);
afterAll(async () => {
  await new Promise((resolve) => (front ? front.close(resolve) : resolve(undefined)));
  await loam?.stop();
});

describe('the S3 artifact store on a backend that takes less than 5 GiB in one PutObject', () => {
  it('puts a body over that limit as a multipart upload (bytes and a stream), one under it as one PutObject', async () => {
    refused = 0; // a retried attempt counts its own
    const store = await S3ArtifactStore.open({
      endpoint,
      credentials: { accessKeyId: loam.accessKeyId, secretAccessKey: loam.secretAccessKey },
      forcePathStyle: true,
      partSize: 5 * MiB,
    });
    try {
      const bucket = `limit-${randomBytes(4).toString('hex')}`;
      await store.createBucket(bucket);
      const big = randomBytes(LIMIT + MiB);
      const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
      const read = async (key: string) => Buffer.concat(await (await store.get({ bucket, key })).body.toArray());

      // Before: the backend's EntityTooLarge failed the put (InternalFailure).
      const bytes = await store.put({ bucket, key: 'big-bytes' }, big);
      expect([bytes.size, bytes.sha256, bytes.etag]).toEqual([big.length, sha(big), expect.stringMatching(/^"[0-9a-f]{32}-2"$/)]);
      expect(sha(await read('big-bytes'))).toBe(sha(big));
      const streamed = await store.put({ bucket, key: 'big-stream' }, (async function* () {
        yield big.subarray(0, 3 * MiB);
        yield big.subarray(3 * MiB);
      })());
      expect([streamed.size, streamed.sha256, streamed.etag]).toEqual([big.length, sha(big), bytes.etag]);
      expect(sha(await read('big-stream'))).toBe(sha(big));
      expect(refused).toBe(2);

      // Under the limit: one PutObject, the MD5 of its bytes as its ETag.
      const small = big.subarray(0, LIMIT);
      const one = await store.put({ bucket, key: 'small' }, small);
      expect(one.etag).toBe(`"${createHash('md5').update(small).digest('hex')}"`);
      expect(refused).toBe(2);
    } finally {
      store.close();
    }
  }, 180_000);
});
