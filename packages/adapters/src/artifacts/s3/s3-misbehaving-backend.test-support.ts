import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, createServer, type Server, type Socket } from 'node:net';

// S3 backends on 127.0.0.1 that misbehave as hung or overloaded ones do, for the S3 store's tests and the server's.
// Every server, socket and process one of them opens is ended by `closeBackends()` (call it in afterEach).

const sockets: Socket[] = [];
const servers: Server[] = [];
const children: ChildProcess[] = [];

export async function closeBackends(): Promise<void> {
  for (const c of children.splice(0)) c.kill();
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
}

/** A listening backend: its URL and how many connections it has taken. */
export interface Backend {
  readonly endpoint: string;
  connections(): number;
}

async function listen(server: Server): Promise<Backend> {
  let connections = 0;
  server.on('connection', (s: Socket) => {
    connections++;
    sockets.push(s);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { endpoint: `http://127.0.0.1:${(server.address() as { port: number }).port}`, connections: () => connections };
}

/** A TCP server that takes every connection and reads what comes, answering nothing (a hung MinIO, a proxy whose upstream is gone). */
export function silentServer(): Promise<Backend> {
  return listen(createServer((socket) => socket.resume()));
}

/** A TCP server that takes every connection and closes it (a reset) when the request comes. */
export function resettingServer(): Promise<Backend> {
  return listen(createServer((socket) => socket.once('data', () => socket.resetAndDestroy())));
}

/**
 * A TCP server on 127.0.0.1 that accepts no connection: Python listening with a backlog of 0 and never calling accept,
 * its one queue slot taken, so the kernel leaves every further connection half-open (a backend behind a dropped route).
 */
export async function unacceptingServer(): Promise<string> {
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

/** An HTTP server answering each request with `handle` (which may never answer). */
export function httpBackend(handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<Backend> {
  return listen(createHttpServer(handle) as unknown as Server);
}

/** Answers as S3 does for an object of `size` bytes that exist: headers (HEAD), or headers and the first `sent` bytes (GET), then nothing more unless all were sent. */
export function answerObject(res: ServerResponse, method: string | undefined, size: number, sent = size): void {
  res.writeHead(200, { 'content-length': String(size), etag: '"e"', 'last-modified': new Date(0).toUTCString() });
  if (method === 'HEAD') {
    res.end();
    return;
  }
  res.write(sevens(sent));
  if (sent === size) res.end();
}

let filled = Buffer.alloc(0);

/**
 * `n` bytes of 7, from one buffer made once: made afresh for each answer (16 MiB), they blocked the event loop the
 * backend shares with the store under test for 100 ms of CPU and more, which on a loaded host passed a 200 ms idle
 * limit before the store could read the answer's first byte.
 */
function sevens(n: number): Buffer {
  if (filled.length < n) filled = Buffer.alloc(n, 7);
  return filled.subarray(0, n);
}

/** An HTTP server answering every GET with `size` bytes of which it sends only `sent`, then nothing (its socket kept open). */
export function bodyServer(size: number, sent: number): Promise<Backend> {
  sevens(sent);
  return httpBackend((req, res) => answerObject(res, req.method, size, sent));
}
