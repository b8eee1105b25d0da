import { readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { listenOnLoopback, openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { adminS3Client, presignS3 } from '../transports/s3/s3.test-support.js';
import { LOCAL_STALLED_CLIENT_MS, stalledClientLimit } from './store-body.js';

// A GetObject client of Loam's S3 API that stops reading, on the local store: its answer was never cut off, so the
// object's open file (and the connection) stayed for as long as the client kept the connection.

let loam: TestLoam | undefined;
const clients: Socket[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await loam?.close();
  loam = undefined;
});

/** The process's open file descriptors (the test Loam runs in it). */
function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

/** The files under `dir` the process holds open. */
function fdsUnder(dir: string): string[] {
  const out: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith(dir)) out.push(target);
    } catch {
      // Closed meanwhile.
    }
  }
  return out;
}

describe('a GetObject client that stops reading, on the local store', () => {
  it('is given a limit', () => {
    expect(stalledClientLimit({ type: 'local', root: '/x' })).toEqual({ stalledClientMs: LOCAL_STALLED_CLIENT_MS });
  });

  it("is cut off after the stalled-client limit, closing the object's file", { timeout: 90_000 }, async () => {
    loam = await openTestLoam();
    const url = await listenOnLoopback(loam);
    const s3 = adminS3Client(loam, url);
    // Far more than the loopback socket buffers take, so bytes wait for the client.
    const size = 64 * 1024 * 1024;
    try {
      await s3.send(new CreateBucketCommand({ Bucket: 'models' }));
      await s3.send(new PutObjectCommand({ Bucket: 'models', Key: 'big', Body: Buffer.alloc(size, 7) }));
    } finally {
      s3.destroy();
    }
    const artifacts = join(loam.dataDir, 'artifacts');
    const before = openFds();
    const filesBefore = fdsUnder(artifacts);
    const u = new URL(await presignS3(url, 'GET', '/models/big', { accessKeyId: loam.adminAccessKeyId, secretAccessKey: loam.adminSecretAccessKey }, 600));
    const socket = connect(Number(u.port), u.hostname);
    clients.push(socket);
    socket.on('error', () => {});
    socket.write(`GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\n\r\n`);
    let received = 0;
    const status = await new Promise<string>((r) => socket.once('data', (first: Buffer) => {
      socket.pause();
      received += first.length;
      r(first.toString('latin1').split('\r\n')[0] ?? '');
    }));
    expect(status).toBe('HTTP/1.1 200 OK');
    const stalledAt = Date.now();
    // The object's file is open while its answer waits for the client.
    await sleep(500);
    expect(fdsUnder(artifacts).length).toBeGreaterThan(filesBefore.length);

    // The server closes the file when it cuts the answer off (the paused client sees nothing of it until it reads):
    // after the limit, and before twice it (Node's socket timeout counts the last bytes the kernel took as activity).
    let closedAt: number | undefined;
    while (closedAt === undefined && Date.now() - stalledAt < 2 * LOCAL_STALLED_CLIENT_MS + 5_000) {
      await sleep(200);
      if (fdsUnder(artifacts).length === filesBefore.length) closedAt = Date.now();
    }
    expect(closedAt, "the stalled client's file was never closed").toBeDefined();
    expect((closedAt as number) - stalledAt).toBeGreaterThanOrEqual(LOCAL_STALLED_CLIENT_MS - 1000);
    expect(fdsUnder(artifacts)).toEqual(filesBefore);
    // The connection was cut: the client, reading again, gets the end of it before the whole body.
    const ended = new Promise<void>((r) => socket.once('close', () => r()));
    socket.on('data', (c: Buffer) => (received += c.length));
    socket.resume();
    await ended;
    expect(received).toBeLessThan(size);
    for (let i = 0; i < 50 && openFds() > before; i++) await sleep(100);
    expect(openFds()).toBeLessThanOrEqual(before);
  });
});
