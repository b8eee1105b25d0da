import { createHash, randomBytes } from 'node:crypto';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ArtifactStore } from '@loam/adapters';
import { startAwsLoam, type AwsLoam } from './aws-loam.test-support.js';

// The S3 artifact store spools a streamed body to a file and sends it to the backend as a stream read from that
// file. The AWS SDK does not retry a request whose body is a stream it has read ("non-retryable streaming
// request"), so one dropped connection failed the whole put: each attempt must read the spooled file again. The
// backend is Loam's own S3 API behind a pass-through that cuts the first attempt of each PutObject / UploadPart
// after 1 MiB of its body (or, for a key starting `lost-answer`, lets it through and drops Loam's answer);
// everything else reaches Loam as sent.

const MiB = 1024 * 1024;
let loam: AwsLoam;
let front: Server;
let endpoint: string;
const attempts = new Map<string, number>();

function passThrough(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://x');
  // An object's body (PutObject, UploadPart), not CreateBucket's empty one.
  const upload = req.method === 'PUT' && /^\/[^/]+\/./.test(url.pathname) && !req.headers['x-amz-copy-source'];
  const id = `${url.pathname}?${url.searchParams.get('partNumber') ?? ''}`;
  const n = (attempts.get(id) ?? 0) + 1;
  if (upload) attempts.set(id, n);
  const loseAnswer = upload && n === 1 && /^\/[^/]+\/lost-answer/.test(url.pathname);
  if (upload && n === 1 && !loseAnswer) {
    let seen = 0;
    req.on('data', (c: Buffer) => {
      seen += c.length;
      if (seen >= MiB) req.socket.destroy();
    });
    return;
  }
  const target = new URL(loam.url);
  const out = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
    if (loseAnswer) {
      // Loam has stored the object: its answer is read whole, then the client's connection dropped.
      answer.resume();
      answer.on('end', () => req.socket.destroy());
      return;
    }
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  out.on('error', () => res.destroy());
  req.pipe(out);
}

beforeAll(async () => {
  loam = await startAwsLoam();
  front = createServer(passThrough);
  front.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    res.writeContinue();
    passThrough(req, res);
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
}, 90_000);
afterAll(async () => {
  front?.closeAllConnections();
  await new Promise((resolve) => (front ? front.close(resolve) : resolve(undefined)));
  await loam?.stop();
});

describe('the S3 artifact store when the backend drops the first attempt of an upload', () => {
  it('sends the whole streamed body again: one PutObject and each part of a multipart upload', async () => {
    const store = await S3ArtifactStore.open({
      endpoint,
      credentials: { accessKeyId: loam.accessKeyId, secretAccessKey: loam.secretAccessKey },
      forcePathStyle: true,
    });
    try {
      // A bucket per attempt (CI retries a failed test once), with attempts counted afresh.
      attempts.clear();
      const bucket = `retry-${randomBytes(4).toString('hex')}`;
      await store.createBucket(bucket);
      const body = randomBytes(6 * MiB + 123);
      const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
      const read = async (key: string) => Buffer.concat(await (await store.get({ bucket, key })).body.toArray());
      const streamOf = (b: Buffer) => (async function* () {
        for (let at = 0; at < b.length; at += MiB) yield b.subarray(at, at + MiB);
      })();

      const one = await store.put({ bucket, key: 'one-put' }, streamOf(body));
      expect([one.size, one.sha256, one.etag]).toEqual([body.length, sha(body), `"${createHash('md5').update(body).digest('hex')}"`]);
      expect(sha(await read('one-put'))).toBe(sha(body));

      // Part sizes S3 takes as parts: a multipart upload of exactly these, each part's first attempt cut.
      const parts = [5 * MiB, body.length - 5 * MiB];
      const multi = await store.put({ bucket, key: 'parts' }, streamOf(body), { partSizes: parts });
      expect([multi.size, multi.sha256, multi.partSizes]).toEqual([body.length, sha(body), parts]);
      expect(sha(await read('parts'))).toBe(sha(body));
      // Every upload request was cut once and sent again whole.
      expect([...attempts].filter(([id]) => id.includes(bucket)).map(([id, n]) => [id.replace(`/${bucket}/`, ''), n]).sort()).toEqual([
        ['one-put?', 2], ['parts?1', 2], ['parts?2', 2],
      ]);
    } finally {
      store.close();
    }
  }, 180_000);

  it('a create-only put (If-None-Match: *) whose stored answer was lost is not refused by its own retry', async () => {
    const store = await S3ArtifactStore.open({
      endpoint,
      credentials: { accessKeyId: loam.accessKeyId, secretAccessKey: loam.secretAccessKey },
      forcePathStyle: true,
    });
    try {
      attempts.clear();
      const bucket = `retry-${randomBytes(4).toString('hex')}`;
      await store.createBucket(bucket);
      const body = randomBytes(2 * MiB);
      const put = await store.put({ bucket, key: 'lost-answer' }, (async function* () {
        yield body;
      })(), { ifNoneMatch: '*' });
      // The first attempt stored it; the retry was refused (412) by that very object, which is this put's.
      expect([put.size, put.etag]).toEqual([body.length, `"${createHash('md5').update(body).digest('hex')}"`]);
      expect(attempts.get(`/${bucket}/lost-answer?`)).toBe(2);
      // A second create-only put of other bytes is still refused.
      await expect(store.put({ bucket, key: 'lost-answer' }, randomBytes(10), { ifNoneMatch: '*' })).rejects.toThrow(/precondition did not hold/);
    } finally {
      store.close();
    }
  }, 180_000);
});
