import type { IncomingMessage, ServerResponse } from 'node:http';
import { CopyObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { httpBackend, type Backend } from '@loam/adapters/artifacts/s3/s3-misbehaving-backend.test-support';
import type { TestLoam } from '../../compose/loam.test-support.js';
import { answerNoSuchKey, loamOnS3Backend } from '../../http/store-body.test-support.js';
import { requireDebianBoto3, runBoto3 } from '../boto3.test-support.js';
import { adminS3Client, presignS3 } from './s3.test-support.js';

// Loam's S3 API over an S3 artifact backend (artifacts.type: s3) that misbehaves: a real HTTP server on loopback.

const BIG = 64 * 1024 * 1024;
const big = Buffer.alloc(BIG, 7);

const loams = loamOnS3Backend();

/** A backend with bucket `models` holding `small` (5 bytes) and `big` (64 MiB); a request for `hung` is never answered; bucket `gone` does not exist. */
async function backend(): Promise<Backend & { bigGets(): number }> {
  let bigGets = 0;
  const b = await httpBackend((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === '/models/hung') return;
    const head = { etag: '"e"', 'last-modified': new Date(0).toUTCString() };
    if (path === '/models/small') return void res.writeHead(200, { ...head, 'content-length': '5' }).end(req.method === 'HEAD' ? undefined : 'hello');
    if (path === '/models/big') {
      res.writeHead(200, { ...head, 'content-length': String(BIG) });
      if (req.method === 'HEAD') return void res.end();
      bigGets++;
      return void res.end(big);
    }
    if (path === '/gone' || path === '/gone/') return void res.writeHead(404).end();
    // Buckets exist (but `gone`); other objects do not.
    if (req.method === 'HEAD' && path.split('/').length === 2) return void res.writeHead(200).end();
    answerNoSuchKey(res);
  });
  return { ...b, bigGets: () => bigGets };
}

describe('an S3 artifact backend that never answers', () => {
  it("gives a boto3 client of Loam's S3 API a 503 ServiceUnavailable naming the backend and the limit", { timeout: 60_000 }, async () => {
    requireDebianBoto3();
    const b = await backend();
    const { loam: l, url } = await loams.open(b.endpoint, { LOAM_ARTIFACTS__IDLE_TIMEOUT_MS: '300' });
    const program = "c = client('s3')\nprint(json.dumps([error(c.get_object, Bucket='models', Key='hung'), error(c.head_object, Bucket='models', Key='hung')]))";
    const [get, head] = await runBoto3<[string[], string[]]>({ url, accessKeyId: l.adminAccessKeyId, secretAccessKey: l.adminSecretAccessKey }, program);
    expect(get).toEqual(['ServiceUnavailable', `The S3 artifact backend at ${b.endpoint} did not answer within 300 ms (artifacts.idleTimeoutMs, each of up to 2 attempts); it may be hung or overloaded.`, 'ClientError']);
    // A HEAD answer has no body: boto3 knows only the status.
    expect(head?.[0]).toBe('503');
  });
});

describe("GetObject clients that stop reading an S3 backend's body", () => {
  /** A GetObject of `big` over a raw connection that reads the answer's first bytes, then nothing more. */
  async function stalledClient(url: string, l: TestLoam): Promise<void> {
    const u = new URL(await presignS3(url, 'GET', '/models/big', { accessKeyId: l.adminAccessKeyId, secretAccessKey: l.adminSecretAccessKey }, 600));
    loams.stall(url, `${u.pathname}${u.search}`);
  }

  it('are cut off at the idle limit, so more of them than the pool holds do not block the next request', { timeout: 120_000 }, async () => {
    const b = await backend();
    // A pool of 2; a later request may wait 20 s for a connection, far longer than the 1 s a stalled client is given.
    const { loam: l, url } = await loams.open(b.endpoint, { LOAM_ARTIFACTS__MAX_SOCKETS: '2', LOAM_ARTIFACTS__IDLE_TIMEOUT_MS: '1000', LOAM_ARTIFACTS__SOCKET_WAIT_TIMEOUT_MS: '20000' });
    for (let i = 0; i < 3; i++) await stalledClient(url, l);
    // Both of the pool's connections carry a body no client reads.
    await loams.untilServed(b.bigGets, 2);

    await expectSmall(l, url);
  });

  it('free the backend connection when they close theirs', { timeout: 120_000 }, async () => {
    const b = await backend();
    // The idle limit is far off: only the close can free the pool's one connection in time.
    const { loam: l, url } = await loams.open(b.endpoint, { LOAM_ARTIFACTS__MAX_SOCKETS: '1', LOAM_ARTIFACTS__IDLE_TIMEOUT_MS: '600000', LOAM_ARTIFACTS__SOCKET_WAIT_TIMEOUT_MS: '20000' });
    await stalledClient(url, l);
    await loams.untilServed(b.bigGets, 1);
    for (const c of loams.clients.splice(0)) c.destroy();
    await expectSmall(l, url);
  });
});

describe('CopyObject over an S3 artifact backend', () => {
  it("frees the source's backend connection when the copy fails before reading it (it was held for good)", { timeout: 120_000 }, async () => {
    const b = await backend();
    // A pool of 2 (a copy uses both: the source's body and the destination's requests). A source body left unread
    // holds one for good: the second copy's destination request waits 3 s for the other, then fails.
    const { loam: l, url } = await loams.open(b.endpoint, { LOAM_ARTIFACTS__MAX_SOCKETS: '2', LOAM_ARTIFACTS__IDLE_TIMEOUT_MS: '600000', LOAM_ARTIFACTS__SOCKET_WAIT_TIMEOUT_MS: '3000' });
    const s3 = adminS3Client(l, url);
    try {
      for (let i = 0; i < 2; i++) await expect(s3.send(new CopyObjectCommand({ Bucket: 'gone', Key: 'copy', CopySource: 'models/big' }))).rejects.toMatchObject({ name: 'NoSuchBucket' });
    } finally {
      s3.destroy();
    }
    await expectSmall(l, url);
  });
});

async function expectSmall(l: TestLoam, url: string): Promise<void> {
  const s3 = adminS3Client(l, url);
  try {
    const got = await s3.send(new GetObjectCommand({ Bucket: 'models', Key: 'small' }));
    expect(await got.Body?.transformToString()).toBe('hello');
  } finally {
    s3.destroy();
  }
}
