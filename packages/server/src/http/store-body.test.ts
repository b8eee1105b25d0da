import { readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { listenOnLoopback, openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { adminS3Client, presignS3 } from '../transports/s3/s3.test-support.js';
import { loadConfig } from '../config/index.js';
import { LOCAL_STALLED_CLIENT_MS, stalledClientLimit } from './store-body.js';

// A GetObject client of Loam's S3 API that stops reading, on the local store: its answer was never cut off, so the
// object's open file (and the connection) stayed for as long as the client kept the connection. One that reads slowly
// but steadily must not be taken for it.

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

/** Opens a test Loam holding a 64 MiB object models/big (far more than the loopback socket buffers take, so bytes wait for a client). */
async function loamWithBigObject(env: Record<string, string> = {}): Promise<{ url: string; size: number }> {
  loam = await openTestLoam(env);
  const url = await listenOnLoopback(loam);
  const s3 = adminS3Client(loam, url);
  const size = 64 * 1024 * 1024;
  try {
    await s3.send(new CreateBucketCommand({ Bucket: 'models' }));
    await s3.send(new PutObjectCommand({ Bucket: 'models', Key: 'big', Body: Buffer.alloc(size, 7) }));
  } finally {
    s3.destroy();
  }
  return { url, size };
}

/** Sends a presigned GET of models/big over a raw connection that reads the answer's first bytes, then pauses. */
async function getBig(url: string): Promise<{ socket: Socket; status: string; first: number }> {
  const l = loam as TestLoam;
  const u = new URL(await presignS3(url, 'GET', '/models/big', { accessKeyId: l.adminAccessKeyId, secretAccessKey: l.adminSecretAccessKey }, 600));
  const socket = connect(Number(u.port), u.hostname);
  clients.push(socket);
  socket.on('error', () => {});
  socket.write(`GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\n\r\n`);
  return new Promise((r) => socket.once('data', (first: Buffer) => {
    socket.pause();
    r({ socket, status: first.toString('latin1').split('\r\n')[0] ?? '', first: first.length });
  }));
}

describe('the stalled-client limit', () => {
  it('is artifacts.stalledClientTimeoutMs; else 120 s on the local store and the idle limit on an S3 backend', () => {
    expect(loadConfig({ env: {}, cwd: '/tmp' }).config.artifacts).toMatchObject({ type: 'local', stalledClientTimeoutMs: LOCAL_STALLED_CLIENT_MS });
    expect(LOCAL_STALLED_CLIENT_MS).toBe(120_000);
    expect(stalledClientLimit({ type: 'local', root: '/x', stalledClientTimeoutMs: 5_000 })).toEqual({ stalledClientMs: 5_000 });
    const s3 = { type: 's3', forcePathStyle: true, connectTimeoutMs: 5_000, socketWaitTimeoutMs: 5_000, idleTimeoutMs: 15_000, maxAttempts: 2, maxSockets: 50 } as const;
    expect(stalledClientLimit(s3)).toEqual({ stalledClientMs: 15_000 });
    expect(stalledClientLimit({ ...s3, stalledClientTimeoutMs: 60_000 })).toEqual({ stalledClientMs: 60_000 });
  });
});

describe('a GetObject client that stops reading, on the local store', () => {
  it("is cut off after the stalled-client limit, closing the object's file", { timeout: 90_000 }, async () => {
    const limit = 2_000;
    const { url, size } = await loamWithBigObject({ LOAM_ARTIFACTS__STALLED_CLIENT_TIMEOUT_MS: String(limit) });
    const artifacts = join((loam as TestLoam).dataDir, 'artifacts');
    const before = openFds();
    const filesBefore = fdsUnder(artifacts);
    const { socket, status, first } = await getBig(url);
    let received = first;
    expect(status).toBe('HTTP/1.1 200 OK');
    const stalledAt = Date.now();
    // The object's file is open while its answer waits for the client.
    await sleep(300);
    expect(fdsUnder(artifacts).length).toBeGreaterThan(filesBefore.length);

    // The server closes the file when it cuts the answer off (the paused client sees nothing of it until it reads):
    // after the limit, and before about twice it (Node's socket timeout counts the last bytes the kernel took as
    // activity), with room for a loaded machine.
    let closedAt: number | undefined;
    while (closedAt === undefined && Date.now() - stalledAt < 2 * limit + 20_000) {
      await sleep(100);
      if (fdsUnder(artifacts).length === filesBefore.length) closedAt = Date.now();
    }
    expect(closedAt, "the stalled client's file was never closed").toBeDefined();
    expect((closedAt as number) - stalledAt).toBeGreaterThanOrEqual(limit - 500);
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

describe('a GetObject client that reads slowly but steadily, on the local store', () => {
  // Node sees its reading only when the kernel takes more of the answer, once about a third of the connection's send
  // buffer (up to 4 MB) has drained: at 16 KB/s that is tens of seconds. With a 15 s limit such a client was cut off
  // after about 30 s as a stalled one; at the default limit it is served.
  it('is not cut off at the default limit', { timeout: 90_000 }, async () => {
    const { url } = await loamWithBigObject();
    const artifacts = join((loam as TestLoam).dataDir, 'artifacts');
    const filesBefore = fdsUnder(artifacts).length;
    const { socket, status, first } = await getBig(url);
    expect(status).toBe('HTTP/1.1 200 OK');
    let received = first;
    // Cut off, the answer closes its object's file at once; the client would see the end only once it has read the
    // megabytes its socket buffers hold.
    let closed = false;
    socket.on('close', () => (closed = true));
    let budget = 0;
    socket.on('data', (c: Buffer) => {
      received += c.length;
      budget -= c.length;
      if (budget <= 0) socket.pause();
    });
    const rate = 16 * 1024; // bytes a second, taken in 8 KB every 500 ms
    const start = Date.now();
    while (!closed && Date.now() - start < 45_000) {
      budget += rate / 2;
      if (budget > 0) socket.resume();
      await sleep(500);
      if (fdsUnder(artifacts).length === filesBefore) closed = true;
    }
    expect(closed, `the reader was cut off after ${Date.now() - start} ms, having read ${received} bytes`).toBe(false);
    // It did read all along (about 16 KB/s; fewer turns of the loop on a loaded machine).
    expect(received).toBeGreaterThan(256 * 1024);
  });
});
