import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '@loam/testkit/net/free-port';
import { S3ArtifactStore } from './s3-artifact-store.js';
import { bodyServer as bodyBackend, closeBackends, httpBackend, silentServer as silentBackend, unacceptingServer } from './s3-misbehaving-backend.test-support.js';

// An S3 backend that accepts connections and never answers (a hung MinIO, a proxy whose upstream is gone): a request
// to it used to wait forever, holding the caller's request with it.

const stores: S3ArtifactStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) s.close();
  await closeBackends();
});

const silentServer = async () => (await silentBackend()).endpoint;
const bodyServer = async (size: number, sent: number) => (await bodyBackend(size, sent)).endpoint;

async function open(endpoint: string): Promise<S3ArtifactStore> {
  const store = await S3ArtifactStore.open({ endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, forcePathStyle: true, connectTimeoutMs: 300, idleTimeoutMs: 200 });
  stores.push(store);
  return store;
}

describe('an S3 backend that accepts connections and never answers', () => {
  it('fails each operation with ServiceUnavailable naming the backend and the limit, instead of hanging', { timeout: 30_000 }, async () => {
    const endpoint = await silentServer();
    const store = await open(endpoint);
    const expected = { code: 'ServiceUnavailable', message: `The S3 artifact backend at ${endpoint} did not answer within 200 ms (artifacts.idleTimeoutMs, each of up to 2 attempts); it may be hung or overloaded.` };
    await expect(store.head({ bucket: 'models', key: 'a/model.tar.gz' })).rejects.toMatchObject(expected);
    await expect(store.get({ bucket: 'models', key: 'a/model.tar.gz' })).rejects.toMatchObject(expected);
    await expect(store.put({ bucket: 'models', key: 'a/b' }, new Uint8Array([1, 2, 3]))).rejects.toMatchObject(expected);
    await expect(store.ping()).rejects.toMatchObject(expected);
    await expect(store.createBucket('models')).rejects.toMatchObject(expected);
  });
});

describe('an S3 backend that accepts no connection', () => {
  it('fails with ServiceUnavailable naming the backend and the connect limit', { timeout: 30_000 }, async () => {
    const endpoint = await unacceptingServer();
    const store = await open(endpoint);
    await expect(store.head({ bucket: 'models', key: 'a' })).rejects.toMatchObject({ code: 'ServiceUnavailable', message: `The S3 artifact backend at ${endpoint} did not accept a connection within 300 ms (artifacts.connectTimeoutMs, each of up to 2 attempts); it may be down or unreachable.` });
  });
});

describe('an S3 backend nothing listens for', () => {
  it('fails with ServiceUnavailable naming the backend, not an internal error', { timeout: 30_000 }, async () => {
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    const store = await open(endpoint);
    await expect(store.list({ bucket: 'models' })).rejects.toMatchObject({ code: 'ServiceUnavailable', message: `The S3 artifact backend at ${endpoint} refused the connection; it may be down.` });
  });
});

async function drain(body: AsyncIterable<Uint8Array>): Promise<number> {
  let n = 0;
  for await (const chunk of body) n += chunk.length;
  return n;
}

describe("an object's body from the S3 backend", () => {
  it('fails with ServiceUnavailable when the backend stops sending it while the reader waits', { timeout: 30_000 }, async () => {
    const endpoint = await bodyServer(4 * 1024 * 1024, 1024 * 1024);
    const { body } = await (await open(endpoint)).get({ bucket: 'models', key: 'a' });
    await expect(drain(body)).rejects.toMatchObject({ code: 'ServiceUnavailable', message: `The S3 artifact backend at ${endpoint} sent no part of the object's body for 200 ms (artifacts.idleTimeoutMs); it may be hung or overloaded.` });
  });

  it('is whole for a reader that pauses longer than the idle limit: only time spent waiting for bytes counts', { timeout: 30_000 }, async () => {
    const size = 16 * 1024 * 1024;
    const endpoint = await bodyServer(size, size);
    // A limit of 1 s, not the 200 ms of the failing cases: the answer must come within it, from a backend sharing this
    // process's event loop (at a load of 20 on 2 CPUs, sending 16 MiB blocked it for 400-600 ms: the get failed).
    const store = await S3ArtifactStore.open({ endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, forcePathStyle: true, connectTimeoutMs: 1000, idleTimeoutMs: 1000 });
    stores.push(store);
    const { body } = await store.get({ bucket: 'models', key: 'a' });
    // The reader is busy elsewhere (a slow client, a job between two reads) for three times the limit.
    await sleep(3000);
    expect(await drain(body)).toBe(size);
  });
});

describe("an object's body from the S3 backend, with an idle limit of 6 s or more", () => {
  // The SDK arms a socket timeout of 6 s or more 3 s after the request starts (the default is 60 s): an answer that
  // came sooner had its body's timeout switched off before that, and then armed again.
  it('is whole for a reader that pauses longer than the limit', { timeout: 30_000 }, async () => {
    const size = 16 * 1024 * 1024;
    const endpoint = await bodyServer(size, size);
    const store = await S3ArtifactStore.open({ endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, forcePathStyle: true, idleTimeoutMs: 6000 });
    stores.push(store);
    const { body } = await store.get({ bucket: 'models', key: 'a' });
    await sleep(10_000);
    expect(await drain(body)).toBe(size);
  });
});

describe("an object's body the S3 backend stops sending by closing the connection", () => {
  /** An HTTP server that sends 64 KiB of a 4 MiB body, then closes the connection. */
  async function resettingServer(): Promise<string> {
    const backend = await httpBackend((_req, res: ServerResponse) => {
      res.writeHead(200, { 'content-length': String(4 * 1024 * 1024), etag: '"e"', 'last-modified': new Date(0).toUTCString() });
      res.write(Buffer.alloc(64 * 1024, 7), () => res.socket?.destroy());
    });
    return backend.endpoint;
  }

  it('fails with ServiceUnavailable naming the backend (was Node\'s bare "aborted")', { timeout: 30_000 }, async () => {
    const endpoint = await resettingServer();
    const { body } = await (await open(endpoint)).get({ bucket: 'models', key: 'a' });
    await expect(drain(body)).rejects.toMatchObject({ code: 'ServiceUnavailable', message: `The S3 artifact backend at ${endpoint} closed the connection before the whole object's body was sent; it may be down or restarting.` });
  });

  it('does not throw out of the process when the read is aborted before anyone reads the body; a later reader is told', { timeout: 30_000 }, async () => {
    // Node's own response emits no 'error' without a listener; a body stream that did threw out of the server (uncaught).
    const endpoint = await bodyServer(4 * 1024 * 1024, 1024 * 1024);
    const aborting = new AbortController();
    const { body } = await (await open(endpoint)).get({ bucket: 'models', key: 'a' }, { signal: aborting.signal });
    aborting.abort();
    await new Promise((r) => body.once('close', r));
    await expect(drain(body)).rejects.toMatchObject({ name: 'AbortError' });
  });

  it("fails with the caller's AbortError when the caller aborts the read", { timeout: 30_000 }, async () => {
    const endpoint = await bodyServer(4 * 1024 * 1024, 1024 * 1024);
    const aborting = new AbortController();
    const { body } = await (await open(endpoint)).get({ bucket: 'models', key: 'a' }, { signal: aborting.signal });
    const reading = drain(body);
    aborting.abort();
    await expect(reading).rejects.toMatchObject({ name: 'AbortError' });
  });
});
