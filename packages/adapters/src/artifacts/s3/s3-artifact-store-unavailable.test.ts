import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '@loam/testkit/net/free-port';
import { S3ArtifactStore } from './s3-artifact-store.js';

// An S3 backend that accepts connections and never answers (a hung MinIO, a proxy whose upstream is gone): a request
// to it used to wait forever, holding the caller's request with it.

const sockets: Socket[] = [];
const servers: Server[] = [];
const stores: S3ArtifactStore[] = [];
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) c.kill();
  for (const s of stores.splice(0)) s.close();
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A TCP server on 127.0.0.1 that takes every connection and reads what comes, answering nothing. */
async function silentServer(): Promise<string> {
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.resume();
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

/**
 * A TCP server on 127.0.0.1 that accepts no connection: Python listening with a backlog of 0 and never calling accept,
 * its one queue slot taken, so the kernel leaves every further connection half-open (a backend behind a dropped route).
 */
async function unacceptingServer(): Promise<string> {
  const script = 'import socket, sys, time\ns = socket.socket()\ns.bind(("127.0.0.1", 0))\ns.listen(0)\nprint(s.getsockname()[1], flush=True)\ntime.sleep(600)';
  const child = spawn('/usr/bin/python3', ['-c', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  const port = Number(line.toString().trim());
  const filler = connect(port, '127.0.0.1');
  sockets.push(filler);
  await once(filler, 'connect');
  return `http://127.0.0.1:${port}`;
}

async function open(endpoint: string): Promise<S3ArtifactStore> {
  const store = await S3ArtifactStore.open({ endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, forcePathStyle: true, connectTimeoutMs: 300, idleTimeoutMs: 200 });
  stores.push(store);
  return store;
}

describe('an S3 backend that accepts connections and never answers', () => {
  it('fails each operation with ServiceUnavailable naming the backend and the limit, instead of hanging', { timeout: 30_000 }, async () => {
    const endpoint = await silentServer();
    const store = await open(endpoint);
    const expected = { code: 'ServiceUnavailable', message: `The S3 artifact backend at ${endpoint} did not answer within 200 ms (artifacts.idleTimeoutMs); it may be hung or overloaded.` };
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
    await expect(store.head({ bucket: 'models', key: 'a' })).rejects.toMatchObject({ code: 'ServiceUnavailable', message: `The S3 artifact backend at ${endpoint} did not accept a connection within 300 ms (artifacts.connectTimeoutMs); it may be down or unreachable.` });
  });
});

describe('an S3 backend nothing listens for', () => {
  it('fails with ServiceUnavailable naming the backend, not an internal error', { timeout: 30_000 }, async () => {
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    const store = await open(endpoint);
    await expect(store.list({ bucket: 'models' })).rejects.toMatchObject({ code: 'ServiceUnavailable', message: `The S3 artifact backend at ${endpoint} refused the connection; it may be down.` });
  });
});
