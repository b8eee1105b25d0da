import { once } from 'node:events';
import { Agent, get, type IncomingMessage } from 'node:http';
import { afterEach, expect, it } from 'vitest';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { listenOnLoopback, openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { adminS3Client, presignS3 } from '../transports/s3/s3.test-support.js';

let loam: TestLoam | undefined;
let agent: Agent | undefined;
afterEach(async () => {
  agent?.destroy();
  await loam?.close();
  loam = agent = undefined;
});

it('closing the server ends a keep-alive connection once the answer going out on it is written (a pooled client kept it for the keep-alive timeout)', async () => {
  loam = await openTestLoam();
  const url = await listenOnLoopback(loam);
  const sdk = adminS3Client(loam, url);
  await sdk.send(new CreateBucketCommand({ Bucket: 'downloads' }));
  // Larger than the socket buffers between client and server: its answer cannot be out before the client reads.
  const size = 32 * 1024 * 1024;
  await sdk.send(new PutObjectCommand({ Bucket: 'downloads', Key: 'big.bin', Body: Buffer.alloc(size, 7) }));
  sdk.destroy();
  const creds = { accessKeyId: loam.adminAccessKeyId, secretAccessKey: loam.adminSecretAccessKey };
  const getUrl = await presignS3(url, 'GET', '/downloads/big.bin', creds, 300);

  // A pooled keep-alive client (as boto3's and the AWS SDK's) starts the download and stops reading.
  agent = new Agent({ keepAlive: true });
  const res = await new Promise<IncomingMessage>((resolve, reject) => get(getUrl, { agent }, resolve).on('error', reject));
  expect(res.statusCode).toBe(200);
  expect(res.headers.connection).toBe('keep-alive');
  res.pause();
  const socket = res.socket;
  const socketClosed = once(socket, 'close');

  const app = loam.app;
  const closed = app.close();
  // The server has stopped listening: its close has run its hooks and ended the idle connections.
  while (app.server.listening) await new Promise((r) => setImmediate(r));
  let received = 0;
  res.on('data', (c: Buffer) => (received += c.length));
  res.resume();
  await once(res, 'end');
  expect(received).toBe(size);
  // The server ends the connection after the answer, and its close completes (it waited 72 s, the keep-alive timeout).
  await socketClosed;
  await closed;
  expect(app.server.listening).toBe(false);
});
