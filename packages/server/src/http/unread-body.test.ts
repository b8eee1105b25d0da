import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHttpApp } from './build-app.js';
import { LINGER_MS, settleUnreadBody } from './unread-body.js';

// A route that reads the first chunk of its body, then fails (as an upload refused for a full disk
// does): the answer goes out while most of the body is still on its way.
let app: FastifyInstance;
let port: number;

beforeAll(async () => {
  app = buildHttpApp({ logger: false, allowedHosts: ['127.0.0.1'], boundHost: '127.0.0.1', bodyLimit: 1 << 20 });
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
    scope.post('/upload', async (req, reply) => {
      // Stops reading without destroying the request, as the S3 upload path does.
      for await (const _chunk of (req.body as Readable).iterator({ destroyOnReturn: false })) break;
      return reply.code(503).send('full\n');
    });
    // An error handler that settles the body itself before answering (the S3 transport's does): the
    // onSend hook settles it a second time.
    scope.post('/upload-settled', async (req, reply) => {
      for await (const _chunk of (req.body as Readable).iterator({ destroyOnReturn: false })) break;
      settleUnreadBody(req.raw);
      return reply.code(503).send('full\n');
    });
    scope.get('/next', async () => 'next\n');
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  port = (app.server.address() as AddressInfo).port;
});
afterAll(() => app.close());

const BODY = 8 << 20;
const head = (connection: string, path = '/upload') =>
  `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\nContent-Length: ${BODY}\r\nConnection: ${connection}\r\n\r\n`;

/** Sends the head and 64 KiB, waits for the answer, then sends the rest of the body. */
async function uploadRefusedMidway(connection: string, after = '', path = '/upload'): Promise<{ received: () => string; error: () => string | undefined; sock: Socket }> {
  const sock = connect(port, '127.0.0.1');
  let received = '';
  let error: string | undefined;
  sock.on('data', (d) => (received += d.toString('latin1')));
  sock.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
  await new Promise((r) => sock.once('connect', r));
  sock.write(head(connection, path));
  sock.write(Buffer.alloc(64 << 10, 1));
  for (let t = Date.now(); !received.includes('full\n') && Date.now() - t < 10_000; ) await new Promise((r) => setTimeout(r, 5));
  const chunk = Buffer.alloc(64 << 10, 2);
  for (let sent = 64 << 10; sent < BODY && error === undefined && !sock.destroyed; sent += chunk.length) {
    if (!sock.write(chunk)) await new Promise((r) => { sock.once('drain', r); sock.once('close', r); });
  }
  if (after && !sock.destroyed) sock.write(after);
  return { received: () => received, error: () => error, sock };
}

describe('an answer sent before the request body was read to its end', () => {
  it('on a closing connection: the client can send the rest of its body and reads the answer, with no reset (lingering close)', async () => {
    const r = await uploadRefusedMidway('close');
    expect(r.received()).toMatch(/^HTTP\/1\.1 503 [^]*\r\nconnection: close\r\n[^]*full\n$/i);
    // The server half-closes after the answer and drops the rest; the client's writes all succeed, and the
    // connection ends cleanly (a client that does not allow half-open connections ends its side on the FIN).
    r.sock.end();
    for (let t = Date.now(); !r.sock.closed && Date.now() - t < 10_000; ) await new Promise((res) => setTimeout(res, 5));
    const closed = r.sock.closed ? 'closed' : 'still open';
    expect(r.error()).toBeUndefined();
    expect(closed).toBe('closed');
  }, 30_000);

  it.each(['/upload', '/upload-settled'])('on a keep-alive connection (%s): the rest of the body is dropped and the next request on the connection is answered', async (path) => {
    const r = await uploadRefusedMidway('keep-alive', 'GET /next HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', path);
    for (let t = Date.now(); !r.received().includes('next\n') && Date.now() - t < 10_000; ) await new Promise((res) => setTimeout(res, 5));
    r.sock.destroy();
    expect(r.error()).toBeUndefined();
    expect(r.received()).toMatch(/^HTTP\/1\.1 503 [^]*full\nHTTP\/1\.1 200 [^]*next\n$/);
  }, 30_000);

  it('of unknown length (chunked) on a keep-alive connection: the answer says Connection: close and the server stops reading after lingering, however long the client goes on', async () => {
    const sock = connect(port, '127.0.0.1');
    let received = '';
    let serverEnded = false;
    sock.on('data', (d) => (received += d.toString('latin1')));
    sock.on('end', () => (serverEnded = true));
    sock.on('error', () => {});
    await new Promise((r) => sock.once('connect', r));
    sock.write('POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n');
    const chunk = `10000\r\n${'x'.repeat(0x10000)}\r\n`;
    const t0 = Date.now();
    // A client that never stops sending: before, the server drained it for as long as it went on.
    while (!sock.destroyed && !serverEnded && Date.now() - t0 < 15_000) {
      sock.write(chunk);
      await new Promise((r) => setTimeout(r, 20));
    }
    sock.destroy();
    expect(received).toMatch(/^HTTP\/1\.1 503 [^]*\r\nconnection: close\r\n/i);
    expect(serverEnded || Date.now() - t0 < 15_000).toBe(true);
    expect(Date.now() - t0).toBeLessThan(LINGER_MS + 5000);
  }, 30_000);
});

